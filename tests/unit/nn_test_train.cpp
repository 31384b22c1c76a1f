// The training configuration's table (options, JSON, checks) and the batches.
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "core/align.hpp"
#include "core/synth.hpp"
#include "core/util.hpp"
#include "nn/train_config.hpp"
#include "nn/train_data.hpp"
#include "nn/train_tasks.hpp"

using namespace ifgan;

TEST_CASE("the options survive JSON, and --resume restores only what defines the run") {
    TrainConfig c = recipe("fast");
    c.data = "faces";
    c.attrs = {"Smiling", "Eyeglasses"};
    c.gamma = 7.5;
    c.seed = 12345678901234ull;
    c.hflip = true;
    c.epochs = 3;
    nlohmann::json j = options_to_json(c);
    CHECK(j["adversary"] == "confusion");
    CHECK(j["decoder_input"] == "label");
    CHECK(j["beta_samples"] == true);
    CHECK(j["attr"] == nlohmann::json({"Smiling", "Eyeglasses"}));
    TrainConfig back;  // the paper's defaults
    back.epochs = 20;
    restore_options(j, back, "m.ifgan");
    CHECK(back.gamma == 7.5);
    CHECK(back.adversary == Adversary::confusion);
    CHECK(back.optimizer == Optimizer::adam);
    CHECK(back.seed == c.seed);
    CHECK(back.hflip);
    CHECK(back.epochs == 20);  // not restored: a resumed run may train longer
    CHECK(back.data.empty());   // nor the data's location
    // A file written with an option value this version lacks is named.
    j["adversary"] = "mmd";
    CHECK_THROWS_WITH(restore_options(j, back, "m.ifgan"), Catch::Contains("m.ifgan: trained with --adversary mmd"));
}

TEST_CASE("validate() names the first bad option") {
    auto bad = [](auto change) {
        TrainConfig c;
        c.data = "d";
        c.out = "m.ifgan";
        c.attrs = {"Smiling"};
        change(c);
        try {
            validate(c);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(bad([](TrainConfig&) {}) == "accepted");
    CHECK_THAT(bad([](TrainConfig& c) { c.nz = 0; }), Catch::StartsWith("--nz"));
    CHECK_THAT(bad([](TrainConfig& c) { c.f = 0; }), Catch::StartsWith("--filters"));
    CHECK_THAT(bad([](TrainConfig& c) { c.lr = 0; }), Catch::StartsWith("--lr must be positive"));
    CHECK_THAT(bad([](TrainConfig& c) { c.lr = std::nan(""); }), Catch::StartsWith("--lr must be a finite"));
    CHECK_THAT(bad([](TrainConfig& c) { c.gamma = -1; }), Catch::StartsWith("--gamma"));
    CHECK_THAT(bad([](TrainConfig& c) { c.size = 48; }), Catch::StartsWith("--size"));
    CHECK_THAT(bad([](TrainConfig& c) { c.attrs = {"Smiling", "Smiling"}; }), Catch::Contains("named twice"));
    CHECK_THAT(bad([](TrainConfig& c) { c.attrs.clear(); }), Catch::StartsWith("--attr is required"));
    CHECK(bad([](TrainConfig& c) { c.attrs.clear(), c.kind = Kind::classifier; }) == "accepted");
    CHECK_THAT(bad([](TrainConfig& c) { c.crop = "square"; }), Catch::Contains("square"));
    CHECK_THROWS_AS(recipe("slow"), UsageError);
}

TEST_CASE("the command line is the table: every option parses, numbers are checked by name") {
    cxxopts::Options opts("t");
    add_train_options(opts, TrainConfig{});
    auto parse = [&](std::vector<std::string> args) {
        args.insert(args.begin(), "t");
        std::vector<char*> p;
        for (auto& a : args) p.push_back(a.data());
        TrainConfig c = recipe("fast");
        apply_train_options(opts.parse(int(p.size()), p.data()), c);
        return c;
    };
    TrainConfig c = parse({"--gamma", "0", "--adversary", "linear", "--attr", "Smiling, Eyeglasses", "--hflip",
                           "--seed", "18446744073709551615", "--steps", "7"});
    CHECK(c.gamma == 0);
    CHECK(c.adversary == Adversary::linear);
    CHECK(c.attrs == std::vector<std::string>{"Smiling", "Eyeglasses"});
    CHECK(c.hflip);
    CHECK(c.seed == 18446744073709551615ull);
    CHECK(c.steps == 7);
    CHECK(c.lr == 5e-4);  // the recipe's, untouched
    CHECK_NOTHROW(parse({"--lr", "nan"}));  // a number; validate() refuses it
    CHECK_THROWS_WITH(parse({"--epochs", "2.5"}), Catch::StartsWith("--epochs: '2.5' is not an integer"));
    // The recipe's three skips, at a size with two layers: two. Asked for, three are refused.
    CHECK(recipe("fast").skips == 3);
    CHECK(parse({"--size", "16"}).skips == 2);
    CHECK(parse({"--size", "64"}).skips == 3);
    CHECK(parse({"--size", "16", "--skips", "3"}).skips == 3);
    TrainConfig asked = parse({"--size", "16", "--skips", "3", "--data", "d", "--out", "m", "--attr", "Smiling"});
    CHECK_THROWS_WITH(validate(asked), Catch::Contains("--skips must be at most 2 at --size 16"));
    CHECK(parse({"--size", "48"}).skips == 3);  // not a size: validate() says so
    // The recipe's image in level 0 goes with its skips; asked for without them, refused.
    CHECK(recipe("fast").level0 == Level0::image);
    CHECK(recipe("fast").pixels == Pixels::conv);
    CHECK(recipe("paper").pixels == Pixels::upconv);
    CHECK(parse({"--kind", "classifier"}).pixels == Pixels::upconv);  // a classifier has no decoder
    // The recipe's D on half of each batch, where only L_feat reads D; where
    // the GAN term reads it too, or nothing does, the whole batch.
    CHECK(recipe("fast").critic_fraction == 0.5);
    CHECK(recipe("paper").critic_fraction == 1);
    CHECK(parse({"--delta", "0.1"}).critic_fraction == 1);
    CHECK(parse({"--feature-rec", "0"}).critic_fraction == 1);
    CHECK(parse({"--delta", "0"}).critic_fraction == 0.5);
    TrainConfig gan_half = parse({"--delta", "0.1", "--critic-fraction", "0.5", "--data", "d", "--out", "m", "--attr", "Smiling"});
    CHECK_THROWS_WITH(validate(gan_half), Catch::Contains("--critic-fraction below 1 needs --delta 0 and --feature-rec"));
    for (const char* bad : {"0", "1.5"}) {
        TrainConfig c = parse({"--critic-fraction", bad, "--data", "d", "--out", "m", "--attr", "Smiling"});
        CHECK_THROWS_WITH(validate(c), Catch::Contains("--critic-fraction must be above 0 and at most 1"));
    }
    TrainConfig one_filter = parse({"--pixels", "conv", "--filters", "1", "--data", "d", "--out", "m", "--attr", "Smiling"});
    CHECK_THROWS_WITH(validate(one_filter), Catch::Contains("--pixels conv needs --filters 2 or more"));
    one_filter.pixels = Pixels::upconv;
    CHECK_NOTHROW(validate(one_filter));
    CHECK(parse({}).decoder_f == 0);  // as wide as the encoder
    CHECK_NOTHROW(validate(parse({"--decoder-filters", "0", "--data", "d", "--out", "m", "--attr", "Smiling"})));
    TrainConfig one_decoder_filter = parse({"--pixels", "conv", "--decoder-filters", "1", "--data", "d", "--out", "m", "--attr", "Smiling"});
    CHECK_THROWS_WITH(validate(one_decoder_filter), Catch::Contains("--pixels conv needs --decoder-filters 2 or more"));
    TrainConfig judge_decoder = parse({"--kind", "classifier", "--decoder-filters", "64", "--data", "d", "--out", "m"});
    CHECK_THROWS_WITH(validate(judge_decoder), Catch::Contains("--decoder-filters sizes an editor's decoder; a classifier has none"));
    CHECK_THROWS_WITH(validate(parse({"--decoder-filters", "5000", "--data", "d", "--out", "m", "--attr", "Smiling"})),
                      Catch::Contains("--decoder-filters at most 4096"));
    TrainConfig judge = parse({"--kind", "classifier", "--pixels", "conv", "--data", "d", "--out", "m"});
    CHECK_THROWS_WITH(validate(judge), Catch::Contains("--pixels conv changes an editor's decoder; a classifier has none"));
    CHECK(parse({"--skips", "0"}).level0 == Level0::features);
    TrainConfig no_level0 = parse({"--skips", "0", "--level0", "image", "--data", "d", "--out", "m", "--attr", "Smiling"});
    CHECK_THROWS_WITH(validate(no_level0), Catch::Contains("--level0 image needs --skips"));
    CHECK_THROWS_WITH(parse({"--seed", "-1"}), Catch::StartsWith("--seed"));
    CHECK_THROWS_WITH(parse({"--batch", "99999999999"}), Catch::StartsWith("--batch"));
    CHECK_THROWS_WITH(parse({"--precision", "fp16"}), "--precision must be fp32 or bf16");
}

TEST_CASE("--hflip flips a fresh random half of the images in every epoch") {
    const size_t n = 4000;
    std::vector<bool> e0(n), e1(n);
    size_t on0 = 0, same = 0;
    for (size_t i = 0; i < n; ++i) {
        e0[i] = flipped_in_epoch(1, 0, i);
        e1[i] = flipped_in_epoch(1, 1, i);
        on0 += e0[i];
        same += e0[i] == e1[i];
        REQUIRE(e0[i] == flipped_in_epoch(1, 0, i));  // reproducible, so resume sees the same
    }
    CHECK(on0 > n * 45 / 100);
    CHECK(on0 < n * 55 / 100);
    CHECK(same > n * 45 / 100);  // the epochs' halves are independent, not the same
    CHECK(same < n * 55 / 100);
}

TEST_CASE("a batch's landmarks are the file's, in input pixels, less the train split's mean frame") {
    char tmpl[] = "/tmp/ifgan-marks-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    SynthOptions so;
    so.out = std::string(tmpl) + "/faces";
    so.count = 60;
    so.size = 32;
    so.seed = 6;
    so.attrs = {"Smiling"};
    write_synthetic_dataset(so);
    TrainConfig c = recipe("fast");
    c.data = so.out;
    c.size = 32;
    c.batch = 8;
    c.no_cache = true;
    c.landmarks = 0.1;
    TrainData d = load_train_data(c, {"Smiling"}, 1);
    REQUIRE(d.marks.size(0) == int64_t(d.train_idx.size()));
    REQUIRE(d.frame.size() == 10);
    // The faces are written at the model's size and read whole: input
    // pixels are the file's. The marks average 0 over the train split.
    CHECK(d.marks.mean(0).abs().max().item<double>() < 1e-4);
    const auto file = read_landmark_file(join_path(so.out, kAlignedLandmarkFile));
    const std::vector<size_t> order = epoch_order(d.train_idx.size(), c.seed, 0);
    Batch b = make_batch(d, c, order, 0, 1);
    REQUIRE(b.marks.size(0) == 8);
    REQUIRE(b.marks.size(1) == 10);
    for (int64_t i = 0; i < 8; ++i) {
        const Landmarks& l = file.at(d.ds.files[d.train_idx[order[size_t(8 + i)]]]);
        for (size_t p = 0; p < 5; ++p) {
            CHECK(b.marks[i][int64_t(2 * p)].item<double>() + d.frame[2 * p] == Approx(l.x[p]).margin(1e-4));
            CHECK(b.marks[i][int64_t(2 * p + 1)].item<double>() + d.frame[2 * p + 1] == Approx(l.y[p]).margin(1e-4));
        }
    }
    // Without the term, no marks; with it and no file, an error naming the data set.
    c.landmarks = 0;
    CHECK(!load_train_data(c, {"Smiling"}, 1).marks.defined());
    std::remove(join_path(so.out, kAlignedLandmarkFile).c_str());
    c.landmarks = 0.1;
    CHECK_THROWS_WITH(load_train_data(c, {"Smiling"}, 1), Catch::Contains("faces: --landmarks needs list_landmarks_align_celeba.txt"));
    CHECK(std::system((std::string("rm -rf ") + tmpl).c_str()) == 0);
}

TEST_CASE("epoch orders are permutations that change with the epoch and not with anything else") {
    auto a = epoch_order(1000, 3, 0), b = epoch_order(1000, 3, 1);
    CHECK(a == epoch_order(1000, 3, 0));
    CHECK(a != b);
    std::vector<size_t> sorted = a;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); ++i) REQUIRE(sorted[i] == i);
}

TEST_CASE("a classifier keeps the weights of its best validation epoch") {
    ModelConfig mc;
    mc.kind = "classifier";
    mc.size = 32;
    mc.f = 4;
    mc.attrs = {"Smiling", "Eyeglasses"};
    TrainConfig c = recipe("classifier");
    CHECK(c.optimizer == Optimizer::adam);
    torch::manual_seed(3);
    auto task = make_task(c, make_networks(mc));
    auto weights = [&] { return task->nets.C->parameters()[0].detach().clone(); };
    auto record = [](double a, double b, int64_t epoch) {
        return nlohmann::json{{"accuracy", {{"Smiling", a}, {"Eyeglasses", b}}}, {"epoch", epoch}};
    };
    task->validated(record(0.99, 0.95, 1), 1);
    torch::Tensor at_best = weights();
    {
        torch::NoGradGuard ng;
        task->nets.C->parameters()[0].add_(1.0);  // "training" moves on
    }
    task->validated(record(0.80, 0.96, 2), 2);  // a worse mean: not kept
    CHECK(task->task_meta()["best_epoch"] == 1);
    nlohmann::json kept = task->finish(2);
    REQUIRE(!kept.is_null());
    CHECK(kept["kept_epoch"] == 1);
    CHECK(torch::equal(weights(), at_best));
    // When the last epoch is the best, nothing changes.
    task->validated(record(1.0, 1.0, 3), 3);
    CHECK(task->finish(3).is_null());
}

TEST_CASE("--resume takes the model's options from its config and the run's from the training options, as the table says") {
    TrainConfig trained = recipe("fast");
    trained.size = 32, trained.nz = 12, trained.f = 8, trained.skips = 2, trained.crop = "none";
    trained.head = Head::detached;
    trained.fill = Fill::redraw;
    trained.level0 = Level0::features;
    trained.pixels = Pixels::conv;
    trained.gamma = 3;
    trained.epochs = 4;
    const ModelConfig file = model_config(trained, {"Smiling"}, {});
    CHECK(file.size == 32);
    CHECK(file.skips == 2);
    CHECK(file.detached_head);
    CHECK(file.redraw);
    CHECK(!file.skip_image);
    CHECK(file.pixel_conv);
    CHECK(file.decoder_f == 0);
    trained.decoder_f = 48;
    CHECK(model_config(trained, {"Smiling"}, {}).decoder_f == 48);
    trained.decoder_f = 0;
    CHECK(file.kind == "ifgan");
    CHECK(file.erase == "none");
    // What the command line of the resumed run says of each kind of option.
    TrainConfig again = recipe("paper");
    again.size = 64, again.nz = 100, again.f = 64, again.skips = 0, again.head = Head::attached, again.crop = "auto";
    again.level0 = Level0::image;
    again.pixels = Pixels::upconv;
    again.gamma = 9;
    again.epochs = 20;
    restore_options(options_to_json(trained), again, "m.ifgan");
    take_model_options(file, again);
    size_t model = 0, restored = 0, logged = 0;
    visit_options(again, [&](const auto& v, const OptionInfo& i) {
        using T = std::decay_t<decltype(v)>;
        const T* was = nullptr;
        visit_options(trained, [&](const auto& w, const OptionInfo& j) {
            if constexpr (std::is_same_v<std::decay_t<decltype(w)>, T>)
                if (std::string(j.flag) == i.flag) was = &w;
        });
        REQUIRE(was);
        if (i.keep == Keep::logged) {
            ++logged;
            return;
        }
        ++(i.keep == Keep::model ? model : restored);
        CHECK((v == *was));  // the file's, whatever the command line said
    });
    CHECK(model == 10);  // crop, size, nz, filters, decoder-filters, skips, head, fill, level0, pixels
    CHECK(again.fill == Fill::redraw);
    CHECK(again.level0 == Level0::features);
    CHECK(again.pixels == Pixels::conv);
    CHECK(restored > 10);
    CHECK(again.epochs == 20);  // logged only: the command line's
    CHECK(logged > 10);
}

TEST_CASE("the table's one-letter long alias is spelt as its option, and nothing else is touched") {
    std::vector<std::string> in = {"ifgan-train", "--f", "8", "--f=4", "--fx", "-f", "--filters", "2", "--data=--f"};
    std::vector<char*> argv;
    for (auto& a : in) argv.push_back(a.data());
    std::vector<std::string> out = spell_aliases(int(argv.size()), argv.data());
    CHECK(out == std::vector<std::string>{"ifgan-train", "--filters", "8", "--filters=4", "--fx", "-f", "--filters", "2",
                                          "--data=--f"});
}
