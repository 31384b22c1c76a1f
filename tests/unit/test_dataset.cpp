#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/dataset.hpp"
#include "core/image.hpp"
#include "core/util.hpp"

using namespace ifgan;

namespace {

std::string temp_dir() {
    char tmpl[] = "/tmp/ifgan-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    return tmpl;
}

void write_text(const std::string& path, const std::string& text) { write_file_atomic(path, text); }

}  // namespace

TEST_CASE("CelebA attribute list: runs of spaces, -1/+1, selection by name") {
    Dataset ds;
    ds.dir = "d";
    parse_celeba_attrs("2\nSmiling  Eyeglasses Bald\na.jpg  1 -1  -1\nb.jpg -1  1 1\n", "list", ds);
    std::vector<uint8_t> all = ds.labels;
    select_attrs(ds, all, {"Bald", "Smiling"});
    REQUIRE(ds.attrs == std::vector<std::string>{"Bald", "Smiling"});
    REQUIRE(ds.files == std::vector<std::string>{"a.jpg", "b.jpg"});
    REQUIRE(int(ds.label(0, 0)) == 0);
    REQUIRE(int(ds.label(0, 1)) == 1);
    REQUIRE(int(ds.label(1, 0)) == 1);
    REQUIRE(int(ds.label(1, 1)) == 0);
}

TEST_CASE("CelebA attribute list errors name the file and line") {
    Dataset ds;
    ds.dir = "d";
    REQUIRE_THROWS_WITH(parse_celeba_attrs("1\nA B\nx.jpg 1\n", "list_attr_celeba.txt", ds),
                        Catch::Contains("list_attr_celeba.txt:3") && Catch::Contains("found 2 fields"));
    REQUIRE_THROWS_WITH(parse_celeba_attrs("1\nA B\nx.jpg 1 2\n", "L", ds),
                        Catch::Contains("L:3") && Catch::Contains("'2'"));
    REQUIRE_THROWS_WITH(parse_celeba_attrs("3\nA\nx.jpg 1\n", "L", ds), Catch::Contains("says 3"));
    REQUIRE_THROWS_WITH(parse_celeba_attrs("many\nA\n", "L", ds), Catch::Contains("L:1"));
    parse_celeba_attrs("1\nA B\nx.jpg 1 0\n", "L", ds);
    std::vector<uint8_t> all = ds.labels;
    REQUIRE_THROWS_WITH(select_attrs(ds, all, {"Smiling"}), Catch::Contains("unknown attribute 'Smiling'"));
}

TEST_CASE("partition file and the default 80/10/10 split") {
    Dataset ds;
    std::string attrs = "10\nA\n";
    for (int i = 0; i < 10; ++i) attrs += std::to_string(i) + ".png 1\n";
    parse_celeba_attrs(attrs, "L", ds);
    REQUIRE(ds.indices(kTrain).size() == 8);
    REQUIRE(ds.indices(kVal).size() == 1);
    REQUIRE(ds.indices(kTest).size() == 1);
    std::string part;
    for (int i = 0; i < 10; ++i) part += std::to_string(i) + ".png " + std::to_string(i % 3) + "\n";
    parse_celeba_partition(part, "P", ds);
    REQUIRE(ds.split[4] == 1);
    REQUIRE_THROWS_WITH(parse_celeba_partition("0.png 7\n", "P", ds), Catch::Contains("P:1"));
    // In another order than the labels, with a file the labels do not list:
    // the same split for every file.
    std::vector<int> in_order = ds.split;
    std::string reversed = "stranger.png 2\n";
    for (int i = 9; i >= 0; --i) reversed += std::to_string(i) + ".png " + std::to_string(i % 3) + "\n";
    ds.split.assign(10, 0);
    parse_celeba_partition(reversed, "P", ds);
    CHECK(ds.split == in_order);
    // Half in order, then a jump back: still every file.
    std::string jumbled;
    for (int i : {0, 1, 2, 7, 8, 9, 3, 4, 5, 6}) jumbled += std::to_string(i) + ".png " + std::to_string(i % 3) + "\n";
    ds.split.assign(10, 0);
    parse_celeba_partition(jumbled, "P", ds);
    CHECK(ds.split == in_order);
    REQUIRE_THROWS_WITH(parse_celeba_partition("9.png 1\n0.png 1\n", "P", ds), Catch::Contains("no split for 1.png"));
}

TEST_CASE("CelebA's split in proportion, exact at its own size") {
    auto count = [](size_t n) {
        size_t c[3] = {0, 0, 0};
        for (size_t i = 0; i < n; ++i) ++c[celeba_split(i, n)];
        return std::vector<size_t>{c[0], c[1], c[2]};
    };
    REQUIRE(count(202599) == std::vector<size_t>{162770, 19867, 19962});
    REQUIRE(count(1000) == std::vector<size_t>{803, 98, 99});
    REQUIRE(celeba_split(0, 1) == kTrain);
}

TEST_CASE("plain attributes.csv layout with a split column") {
    Dataset ds;
    parse_plain_csv("file,Smiling,split,Hat\na.png,1,train,-1\nb.png,0,test,+1\n", "attributes.csv", ds);
    REQUIRE(ds.all_attrs == std::vector<std::string>{"Smiling", "Hat"});
    REQUIRE(ds.split == std::vector<int>{kTrain, kTest});
    REQUIRE(ds.labels == std::vector<uint8_t>{1, 0, 0, 1});
    REQUIRE_THROWS_WITH(parse_plain_csv("file,A\na.png,5\n", "attributes.csv", ds),
                        Catch::Contains("attributes.csv:2"));
    REQUIRE_THROWS_WITH(parse_plain_csv("name,A\n", "x.csv", ds), Catch::Contains("x.csv:1"));
}

TEST_CASE("load_dataset, balance, cache build and reuse, missing images") {
    std::string dir = temp_dir();
    make_dirs(dir + "/img_align_celeba");
    for (int i = 0; i < 6; ++i) {
        Image img(20, 24, uint8_t(i * 40));
        write_png(dir + "/img_align_celeba/" + std::to_string(i) + ".png", img);
    }
    std::string attrs = "6\nSmiling Hat\n";
    for (int i = 0; i < 6; ++i) attrs += std::to_string(i) + ".png " + (i % 2 ? "1" : "-1") + " -1\n";
    write_text(dir + "/list_attr_celeba.txt", attrs);
    Dataset ds = load_dataset(dir, {"Smiling"});
    REQUIRE(ds.layout == "celeba");
    REQUIRE(ds.size() == 6);
    REQUIRE(balance_report(ds, ds.indices(kAll)) == "6 images, Smiling 50.0%");
    REQUIRE_THROWS_WITH(load_dataset(dir, {"Bald"}), Catch::Contains("unknown attribute 'Bald'"));

    CacheOptions opt;
    opt.size = 8;
    opt.crop = Crop::none;
    opt.threads = 2;
    ImageCache c1 = build_cache(ds, ds.indices(kAll), opt);
    REQUIRE(c1.count == 6);
    REQUIRE(int(c1.image(3)[0]) == 120);
    // The second build reads the persisted file: same bytes.
    ImageCache c2 = build_cache(ds, ds.indices(kAll), opt);
    REQUIRE(c2.mapped());
    REQUIRE(std::equal(c1.pixels(), c1.pixels() + 6 * c1.image_bytes(), c2.pixels()));
    // Changing an image changes the key: the cache must not serve stale pixels.
    // Its time is set a minute on, so that the change shows whatever the
    // file system's time resolution.
    write_png(dir + "/img_align_celeba/3.png", Image(20, 24, 7));
    const struct timespec later[2] = {{std::time(nullptr) + 60, 0}, {std::time(nullptr) + 60, 0}};
    REQUIRE(utimensat(AT_FDCWD, (dir + "/img_align_celeba/3.png").c_str(), later, 0) == 0);
    ImageCache c3 = build_cache(ds, ds.indices(kAll), opt);
    REQUIRE(int(c3.image(3)[0]) == 7);

    write_text(dir + "/img_align_celeba/5.png", "garbage");
    opt.persist = false;
    REQUIRE_THROWS_WITH(build_cache(ds, ds.indices(kAll), opt), Catch::Contains("5.png"));
    unlink((dir + "/img_align_celeba/5.png").c_str());
    opt.persist = true;
    REQUIRE_THROWS_WITH(build_cache(ds, ds.indices(kAll), opt), Catch::Contains("5.png") && Catch::Contains("missing"));
    REQUIRE_THROWS_WITH(load_dataset(dir + "/nope"), Catch::Contains("no such directory"));
    std::system(("rm -rf " + dir).c_str());
}

namespace {

// This process's resident pages that are mapped from files, in KiB.
long rss_file_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("RssFile:", 0) == 0) return std::stol(line.substr(8));
    return -1;
}

}  // namespace

// A directory on a file system with a page cache: pages of a file on tmpfs
// are shared memory, not file pages, and giving them back does not evict
// them. $TMPDIR, /var/tmp or the working directory; empty if all are tmpfs.
std::string page_cache_dir() {
    const char* env = std::getenv("TMPDIR");
    for (std::string base : {std::string(env ? env : ""), std::string("/var/tmp"), std::string(".")}) {
        struct statfs fs;
        if (base.empty() || ::statfs(base.c_str(), &fs) != 0 || fs.f_type == TMPFS_MAGIC) continue;
        std::string tmpl = base + "/ifgan-test-XXXXXX";
        if (mkdtemp(tmpl.data())) return tmpl;
    }
    return "";
}

TEST_CASE("a mapped cache: gather copies the images and keeps resident memory flat") {
    std::string dir = page_cache_dir();
    if (dir.empty()) {
        WARN("no file system with a page cache to map from (all tmpfs): resident memory not measured");
        return;
    }
    const int size = 64;
    const size_t n = 4096, bytes = 3 * size * size;  // 48 MiB of images
    {
        std::vector<uint8_t> blob(n * bytes);
        for (size_t i = 0; i < n; ++i) std::fill_n(blob.begin() + long(i * bytes), bytes, uint8_t(i * 7));
        write_file_atomic(dir + "/images.u8", blob);
    }
    ImageCache cache;
    cache.size = size;
    cache.count = n;
    cache.file = std::make_shared<const MappedFile>(dir + "/images.u8");
    REQUIRE(cache.mapped());
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = (i * 2654435761u) % n;  // every image once, scattered
    std::vector<uint8_t> batch(64 * bytes);
    const long before = rss_file_kib();
    REQUIRE(before >= 0);
    for (size_t b = 0; b < n; b += 64) {
        cache.gather(&order[b], 64, batch.data());
        for (size_t i = 0; i < 64; ++i) REQUIRE(batch[i * bytes + bytes - 1] == uint8_t(order[b + i] * 7));
    }
    // Every image was read once; without release the 48 MiB would now be resident.
    CHECK(rss_file_kib() - before < 8 * 1024);
    for (size_t i = 0; i < n; ++i) REQUIRE(cache.image(i)[5] == uint8_t(i * 7));  // released pages read again
    CHECK(rss_file_kib() - before > 40 * 1024);
    cache.release(0, n);
    CHECK(rss_file_kib() - before < 8 * 1024);
    std::system(("rm -rf " + dir).c_str());
}

TEST_CASE("a cache that cannot be kept on disk is held in memory") {
    std::string dir = temp_dir();
    make_dirs(dir + "/img_align_celeba");
    for (int i = 0; i < 3; ++i) write_png(dir + "/img_align_celeba/" + std::to_string(i) + ".png", Image(8, 8, uint8_t(50 * i)));
    write_text(dir + "/list_attr_celeba.txt", "3\nA\n0.png 1\n1.png -1\n2.png 1\n");
    write_text(dir + "/.ifgan-cache", "a file where the cache directory would go");  // root ignores permissions; this it cannot
    Dataset ds = load_dataset(dir);
    CacheOptions opt;
    opt.size = 8;
    opt.crop = Crop::none;
    ImageCache c = build_cache(ds, ds.indices(kAll), opt);
    REQUIRE(!c.mapped());
    REQUIRE(c.count == 3);
    REQUIRE(int(c.image(2)[0]) == 100);
    std::system(("rm -rf " + dir).c_str());
}
