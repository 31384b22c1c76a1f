# ifgan: a plain Makefile in the style of llama.cpp/whisper.cpp.
#   make            library and tools (bin/)
#   make check      every test (installs missing Debian packages first)
#   make demo       the demo on synthetic faces
#   make bench      benchmarks (JSON Lines)
#   make install    PREFIX=/usr/local
PREFIX   ?= /usr/local
# Where objects and tools go (make check-sanitize builds into others).
B        ?= build
BIN      ?= bin
CXX      ?= g++
OPT      ?= -O2 -g0
CXXFLAGS += $(OPT) -std=c++17 -Wall -Wextra -Wno-unused-parameter -fopenmp -MMD -MP
CPPFLAGS += -Ilib
TORCH_INC := -isystem /usr/include/torch/csrc/api/include
# LibTorch and dlib reach BLAS as libblas.so.3. The tools find OpenBLAS
# (OpenMP) there by their own search path, whatever the system's libblas.so.3
# alternative points to: Debian's reference BLAS makes the fully connected
# layers about 5x slower. DT_RPATH, not RUNPATH, so that it holds for the
# libraries' own dependencies too.
OPENBLAS_DIR := /usr/lib/x86_64-linux-gnu/openblas-openmp
BLAS_RPATH := -Wl,--disable-new-dtags,-rpath,$(OPENBLAS_DIR)
TORCH_LIBS := -ltorch -ltorch_cpu -lc10 $(BLAS_RPATH)
IO_LIBS  := -lpng -lturbojpeg -lz -lpthread

# The library's three tiers, one folder each:
#   lib/core  never touches LibTorch (images, data sets, the latent stream,
#             metrics, the synthetic faces, command-line manners); it is its
#             own archive, the only one ifgan-flip and ifgan-synth link, so
#             they start in milliseconds
#   lib/nn    the LibTorch part: networks, losses, the step, training,
#             checkpoints; model.hpp and train.hpp are its lean public headers
#   lib/jobs  evaluation and the encode/decode/classify pipelines: compiled
#             without LibTorch's headers, linked with it through nn/model.hpp
CORE_SRCS  := $(wildcard lib/core/*.cpp)
NN_SRCS    := $(wildcard lib/nn/*.cpp)
JOB_SRCS   := $(wildcard lib/jobs/*.cpp)
FACE_SRCS  := $(wildcard lib/face/*.cpp)
CORE_OBJS  := $(CORE_SRCS:%.cpp=$(B)/%.o)
NN_OBJS    := $(NN_SRCS:%.cpp=$(B)/%.o)
JOB_OBJS   := $(JOB_SRCS:%.cpp=$(B)/%.o)
FACE_OBJS  := $(FACE_SRCS:%.cpp=$(B)/%.o)
CORE_LIB   := $(B)/libifgan-core.a
LIB        := $(B)/libifgan.a
# lib/face: the face detector (dlib); its own archive, linked by ifgan-align only.
FACE_LIB   := $(B)/libifgan-face.a
FACE_LIBS  := -ldlib -llapack -lblas $(BLAS_RPATH)

# lib/serve: ifgan-serve's photo store and HTTP side (cpp-httplib, Debian's
# shared build, with the features it was built with); its own archive, linked
# by ifgan-serve only. The page is compiled in (page.html -> page.inc).
SERVE_SRCS := $(wildcard lib/serve/*.cpp)
SERVE_OBJS := $(SERVE_SRCS:%.cpp=$(B)/%.o)
SERVE_LIB  := $(B)/libifgan-serve.a
HTTP_FLAGS := -DCPPHTTPLIB_OPENSSL_SUPPORT -DCPPHTTPLIB_ZLIB_SUPPORT -DCPPHTTPLIB_BROTLI_SUPPORT
HTTP_LIBS  := -lcpp-httplib

# Tools that must not load LibTorch.
LIGHT_TOOLS := ifgan-synth ifgan-flip ifgan-plot
FACE_TOOLS  := ifgan-align
SERVE_TOOLS := ifgan-serve
ALL_TOOLS   := $(patsubst tools/%.cpp,%,$(wildcard tools/ifgan-*.cpp))
TORCH_TOOLS := $(filter-out $(LIGHT_TOOLS) $(FACE_TOOLS) $(SERVE_TOOLS),$(ALL_TOOLS))
BINS        := $(ALL_TOOLS:%=$(BIN)/%)

PCH_SRC := lib/nn/torch_pch.hpp
PCH     := $(B)/pch/torch_pch.hpp.gch
PCH_FLAGS := -include $(B)/pch/torch_pch.hpp -Winvalid-pch

.PHONY: all deps check check-sanitize test-unit test-shell demo bench results install clean fuzz
all: $(BINS)

deps:
	@bash scripts/deps.sh

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIB): $(CORE_OBJS) $(NN_OBJS) $(JOB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/lib/core/%.o: lib/core/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(FACE_LIB): $(FACE_OBJS)
	@rm -f $@
	ar rcs $@ $^

# (dlib's headers set off GCC's maybe-uninitialized in std::function at -O1.)
$(B)/lib/face/%.o: lib/face/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -Wno-maybe-uninitialized -c $< -o $@

$(SERVE_LIB): $(SERVE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/serve/page.inc: lib/serve/page.html
	@mkdir -p $(dir $@)
	{ printf 'R"ifganpage('; cat $<; printf ')ifganpage"\n'; } > $@

$(B)/lib/serve/%.o: lib/serve/%.cpp $(B)/serve/page.inc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) -I$(B)/serve $(HTTP_FLAGS) $(CXXFLAGS) -Wno-maybe-uninitialized -c $< -o $@

$(B)/lib/jobs/%.o: lib/jobs/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(PCH): $(PCH_SRC)
	@mkdir -p $(dir $@)
	cp $< $(B)/pch/torch_pch.hpp
	$(CXX) $(CPPFLAGS) $(TORCH_INC) $(CXXFLAGS) -x c++-header $< -o $@

$(B)/lib/nn/%.o: lib/nn/%.cpp $(PCH)
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(TORCH_INC) $(CXXFLAGS) $(PCH_FLAGS) -c $< -o $@

$(B)/tools/%.o: tools/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(TORCH_INC) $(CXXFLAGS) -c $< -o $@

$(LIGHT_TOOLS:%=$(BIN)/%): $(BIN)/%: $(B)/tools/%.o $(CORE_LIB)
	@mkdir -p $(BIN)
	$(CXX) $(CXXFLAGS) $< $(CORE_LIB) $(IO_LIBS) -o $@

$(FACE_TOOLS:%=$(BIN)/%): $(BIN)/%: $(B)/tools/%.o $(FACE_LIB) $(CORE_LIB)
	@mkdir -p $(BIN)
	$(CXX) $(CXXFLAGS) $< $(FACE_LIB) $(CORE_LIB) $(FACE_LIBS) $(IO_LIBS) -o $@

$(SERVE_TOOLS:%=$(BIN)/%): $(BIN)/%: $(B)/tools/%.o $(SERVE_LIB) $(FACE_LIB) $(LIB)
	@mkdir -p $(BIN)
	$(CXX) $(CXXFLAGS) $< $(SERVE_LIB) $(FACE_LIB) $(LIB) $(TORCH_LIBS) $(FACE_LIBS) $(HTTP_LIBS) $(IO_LIBS) -o $@

$(TORCH_TOOLS:%=$(BIN)/%): $(BIN)/%: $(B)/tools/%.o $(LIB)
	@mkdir -p $(BIN)
	$(CXX) $(CXXFLAGS) $< $(LIB) $(TORCH_LIBS) $(IO_LIBS) -o $@

# Tests: Catch2 (v2, single header) for the library, shell for the tools.
CATCH_MAIN := $(B)/tests/catch_main.o
UNIT_SRCS  := $(wildcard tests/unit/test_*.cpp)
NNTEST_SRCS := $(wildcard tests/unit/nn_test_*.cpp)
FACETEST_SRCS := $(wildcard tests/unit/face_test_*.cpp)
$(B)/tests/%.o: tests/unit/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@
$(B)/tests/nn_%.o: tests/unit/nn_%.cpp $(PCH)
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(TORCH_INC) $(CXXFLAGS) $(PCH_FLAGS) -c $< -o $@
$(B)/test-unit: $(CATCH_MAIN) $(UNIT_SRCS:tests/unit/%.cpp=$(B)/tests/%.o) $(CORE_LIB)
	$(CXX) $(CXXFLAGS) $^ $(IO_LIBS) -o $@
$(B)/test-nn: $(CATCH_MAIN) $(NNTEST_SRCS:tests/unit/%.cpp=$(B)/tests/%.o) $(LIB)
	$(CXX) $(CXXFLAGS) $^ $(TORCH_LIBS) $(IO_LIBS) -o $@

$(B)/tests/face_%.o: CXXFLAGS += -Wno-maybe-uninitialized
$(B)/test-face: $(CATCH_MAIN) $(FACETEST_SRCS:tests/unit/%.cpp=$(B)/tests/%.o) $(FACE_LIB) $(CORE_LIB)
	$(CXX) $(CXXFLAGS) $^ $(FACE_LIBS) $(IO_LIBS) -o $@

$(B)/mkimg: tests/mkimg.cpp $(CORE_LIB)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $< $(CORE_LIB) $(IO_LIBS) -o $@

TEST_BINS := $(B)/test-unit $(if $(NNTEST_SRCS),$(B)/test-nn) $(if $(FACETEST_SRCS),$(B)/test-face)
# Builds in parallel on every core: `make check` is the whole test command.
NPROC := $(shell nproc 2>/dev/null || echo 2)
check: deps
	@bash scripts/browser-deps.sh
	@$(MAKE) --no-print-directory -j$(NPROC) all $(TEST_BINS)
	@$(MAKE) --no-print-directory test-unit test-shell

# Real photos from a Debian package (scripts/photos.sh) for the face detector's tests.
PHOTOS := $(B)/photos
$(PHOTOS)/astronaut.png:
	@bash scripts/photos.sh $(PHOTOS)

test-unit: $(TEST_BINS) $(PHOTOS)/astronaut.png
	@for t in $(TEST_BINS); do echo "== $$t"; IFGAN_PHOTOS=$(CURDIR)/$(PHOTOS) ./$$t || exit 1; done

test-shell: all $(B)/mkimg $(PHOTOS)/astronaut.png
	@IFGAN_BIN=$(CURDIR)/$(BIN) IFGAN_BUILD=$(CURDIR)/$(B) IFGAN_PHOTOS=$(CURDIR)/$(PHOTOS) bash tests/shell/run.sh

# The library, tools and tests built with AddressSanitizer and UBSan (in
# build-san/ and bin-san/), then every unit and shell test.
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
check-sanitize: deps
	@$(MAKE) --no-print-directory -j$(NPROC) B=build-san BIN=bin-san OPT="$(SAN_FLAGS)" all $(TEST_BINS:$(B)/%=build-san/%) build-san/mkimg
	@ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    $(MAKE) --no-print-directory B=build-san BIN=bin-san OPT="$(SAN_FLAGS)" test-unit test-shell

demo: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@bash examples/demo.sh

$(B)/bench.o: bench/bench.cpp $(PCH)
	$(CXX) $(CPPFLAGS) $(TORCH_INC) $(CXXFLAGS) $(PCH_FLAGS) -c $< -o $@
$(B)/ifgan-bench: $(B)/bench.o $(LIB)
	$(CXX) $(CXXFLAGS) $^ $(TORCH_LIBS) $(IO_LIBS) -o $@
$(B)/onednn-conv: bench/onednn_conv.cpp
	@mkdir -p $(B)
	$(CXX) $(CXXFLAGS) $< -ldnnl -o $@

# The bench alone needs python3-torch (bench/pytorch_step.py, the PyTorch step
# ifgan's is measured against) and libdnnl-dev (bench/onednn_conv.cpp, oneDNN
# called directly); no tool depends on them.
bench:
	@bash scripts/deps.sh python3-torch libdnnl-dev
	@$(MAKE) --no-print-directory -j$(NPROC) all $(B)/ifgan-bench $(B)/onednn-conv >&2
	@bash scripts/bench.sh

results: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@bash examples/results.sh

# Fuzzing (libFuzzer, with AddressSanitizer and UBSan) of every parser that
# reads what a user hands in: latent records, label files, PNG and JPEG,
# model files, align records and landmark files.
#   make fuzz FUZZ_SECONDS=60     seconds per target
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := records labels image model align
FUZZ_FLAGS := -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.cpp $(CORE_SRCS) $(wildcard lib/core/*.hpp)
	@mkdir -p $(B)/fuzz
	clang++ $(FUZZ_FLAGS) $(CPPFLAGS) $< $(CORE_SRCS) $(IO_LIBS) -o $@
# The model file reader goes through LibTorch's archive code (not instrumented).
FUZZ_NN_SRCS := lib/nn/checkpoint.cpp lib/nn/networks.cpp lib/nn/eraser.cpp
$(B)/fuzz/fuzz_model: tests/fuzz/fuzz_model.cpp $(CORE_SRCS) $(FUZZ_NN_SRCS)
	@mkdir -p $(B)/fuzz
	clang++ $(FUZZ_FLAGS) $(CPPFLAGS) $(TORCH_INC) $< $(CORE_SRCS) $(FUZZ_NN_SRCS) $(TORCH_LIBS) $(IO_LIBS) -o $@
fuzz:
	@bash scripts/deps.sh clang libclang-rt-14-dev
	@$(MAKE) --no-print-directory -j$(NPROC) all $(B)/mkimg $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh $(FUZZ_TARGETS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(wildcard man/*.7) $(DESTDIR)$(PREFIX)/share/man/man7/

clean:
	rm -rf $(B) $(BIN) build-san bin-san

-include $(shell find $(B) -name '*.d' 2>/dev/null)
