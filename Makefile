# ifgan: a plain Makefile in the style of llama.cpp/whisper.cpp.
#   make            library and tools (bin/)
#   make check      every test (installs missing Debian packages first)
#   make demo       the demo on synthetic faces
#   make bench      benchmarks (JSON Lines)
#   make install    PREFIX=/usr/local
PREFIX   ?= /usr/local
CXX      ?= g++
CXXFLAGS ?= -O2 -g0
CXXFLAGS += -std=c++17 -Wall -Wextra -Wno-unused-parameter -fopenmp -MMD -MP
CPPFLAGS += -Ilib
TORCH_INC := -isystem /usr/include/torch/csrc/api/include
TORCH_LIBS := -ltorch -ltorch_cpu -lc10
IO_LIBS  := -lpng -lturbojpeg -lpthread

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
CORE_OBJS  := $(CORE_SRCS:%.cpp=build/%.o)
NN_OBJS    := $(NN_SRCS:%.cpp=build/%.o)
JOB_OBJS   := $(JOB_SRCS:%.cpp=build/%.o)
CORE_LIB   := build/libifgan-core.a
LIB        := build/libifgan.a

# Tools that must not load LibTorch.
LIGHT_TOOLS := ifgan-synth ifgan-flip
ALL_TOOLS   := $(patsubst tools/%.cpp,%,$(wildcard tools/ifgan-*.cpp))
TORCH_TOOLS := $(filter-out $(LIGHT_TOOLS),$(ALL_TOOLS))
BINS        := $(ALL_TOOLS:%=bin/%)

PCH_SRC := lib/nn/torch_pch.hpp
PCH     := build/pch/torch_pch.hpp.gch
PCH_FLAGS := -include build/pch/torch_pch.hpp -Winvalid-pch

.PHONY: all deps check test-unit test-shell demo bench results install clean fuzz
all: $(BINS)

deps:
	@bash scripts/deps.sh

$(CORE_LIB): $(CORE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIB): $(CORE_OBJS) $(NN_OBJS) $(JOB_OBJS)
	@rm -f $@
	ar rcs $@ $^

build/lib/core/%.o: lib/core/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

build/lib/jobs/%.o: lib/jobs/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(PCH): $(PCH_SRC)
	@mkdir -p $(dir $@)
	cp $< build/pch/torch_pch.hpp
	$(CXX) $(CPPFLAGS) $(TORCH_INC) $(CXXFLAGS) -x c++-header $< -o $@

build/lib/nn/%.o: lib/nn/%.cpp $(PCH)
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(TORCH_INC) $(CXXFLAGS) $(PCH_FLAGS) -c $< -o $@

build/tools/%.o: tools/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(TORCH_INC) $(CXXFLAGS) -c $< -o $@

$(LIGHT_TOOLS:%=bin/%): bin/%: build/tools/%.o $(CORE_LIB)
	@mkdir -p bin
	$(CXX) $(CXXFLAGS) $< $(CORE_LIB) $(IO_LIBS) -o $@

$(TORCH_TOOLS:%=bin/%): bin/%: build/tools/%.o $(LIB)
	@mkdir -p bin
	$(CXX) $(CXXFLAGS) $< $(LIB) $(TORCH_LIBS) $(IO_LIBS) -o $@

# Tests: Catch2 (v2, single header) for the library, shell for the tools.
CATCH_MAIN := build/tests/catch_main.o
UNIT_SRCS  := $(wildcard tests/unit/test_*.cpp)
NNTEST_SRCS := $(wildcard tests/unit/nn_test_*.cpp)
build/tests/%.o: tests/unit/%.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@
build/tests/nn_%.o: tests/unit/nn_%.cpp $(PCH)
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(TORCH_INC) $(CXXFLAGS) $(PCH_FLAGS) -c $< -o $@
build/test-unit: $(CATCH_MAIN) $(UNIT_SRCS:tests/unit/%.cpp=build/tests/%.o) $(CORE_LIB)
	$(CXX) $(CXXFLAGS) $^ $(IO_LIBS) -o $@
build/test-nn: $(CATCH_MAIN) $(NNTEST_SRCS:tests/unit/%.cpp=build/tests/%.o) $(LIB)
	$(CXX) $(CXXFLAGS) $^ $(TORCH_LIBS) $(IO_LIBS) -o $@

build/mkimg: tests/mkimg.cpp $(CORE_LIB)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $< $(CORE_LIB) $(IO_LIBS) -lz -o $@

TEST_BINS := build/test-unit $(if $(NNTEST_SRCS),build/test-nn)
# Builds in parallel on every core: `make check` is the whole test command.
NPROC := $(shell nproc 2>/dev/null || echo 2)
check: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all $(TEST_BINS)
	@$(MAKE) --no-print-directory test-unit test-shell

test-unit: $(TEST_BINS)
	@for t in $(TEST_BINS); do echo "== $$t"; ./$$t || exit 1; done

test-shell: all build/mkimg
	@bash tests/shell/run.sh

demo: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@bash examples/demo.sh

build/bench.o: bench/bench.cpp $(PCH)
	$(CXX) $(CPPFLAGS) $(TORCH_INC) $(CXXFLAGS) $(PCH_FLAGS) -c $< -o $@
build/ifgan-bench: build/bench.o $(LIB)
	$(CXX) $(CXXFLAGS) $^ $(TORCH_LIBS) $(IO_LIBS) -o $@

bench: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all build/ifgan-bench >&2
	@bash scripts/bench.sh

results: deps
	@$(MAKE) --no-print-directory -j$(NPROC) all
	@bash examples/results.sh

# Fuzzing (libFuzzer, with AddressSanitizer and UBSan) of every parser that
# reads what a user hands in: latent records, label files, PNG and JPEG.
#   make fuzz FUZZ_SECONDS=60     seconds per target
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := records labels image
FUZZ_FLAGS := -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.cpp $(CORE_SRCS) $(wildcard lib/core/*.hpp)
	@mkdir -p build/fuzz
	clang++ $(FUZZ_FLAGS) $(CPPFLAGS) $< $(CORE_SRCS) $(IO_LIBS) -o $@
fuzz:
	@bash scripts/deps.sh clang libclang-rt-14-dev
	@$(MAKE) --no-print-directory -j$(NPROC) all build/mkimg $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh $(FUZZ_TARGETS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(wildcard man/*.7) $(DESTDIR)$(PREFIX)/share/man/man7/

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
