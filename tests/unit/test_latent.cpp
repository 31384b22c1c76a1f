// The latent stream: exact float round trips, strict parsing, errors that
// name the line, pass-through of unknown keys, and ifgan-flip's operations.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "core/latent.hpp"
#include "core/util.hpp"

using namespace ifgan;

TEST_CASE("every float round-trips through the stream exactly") {
    Rng rng(5);
    for (int i = 0; i < 20000; ++i) {
        uint32_t bits = uint32_t(rng.next());
        float f;
        std::memcpy(&f, &bits, sizeof f);
        if (!std::isfinite(f)) continue;
        std::string s = format_float(f);
        float back = std::strtof(s.c_str(), nullptr);
        REQUIRE(std::memcmp(&back, &f, sizeof f) == 0);  // bit for bit, -0 included
    }
    for (float f : {0.1f, 1.0f / 3, std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min(), -0.0f})
        CHECK(std::strtof(format_float(f).c_str(), nullptr) == f);
    CHECK(format_float(0.5f) == "0.5");  // the shortest form, not 9 digits
}

TEST_CASE("a record written and read back is the same record") {
    Record r;
    r.id = "faces/a \"quoted\" name.png";
    r.model = "0123456789abcdef";
    r.has_z = true;
    r.z = {0.1f, -1.5f, 3.0e-8f, 123456.789f};
    r.y = {{"Smiling", 0.97f}, {"Eyeglasses", -0.25f}};
    r.extra["note"] = "kept";
    r.extra["step"] = 3;
    std::string line = format_record(r);
    REQUIRE(line.back() == '\n');
    Record b = parse_record(line.substr(0, line.size() - 1), "t:1");
    CHECK(b.id == r.id);
    CHECK(b.model == r.model);
    CHECK(b.z == r.z);
    CHECK(b.y == r.y);  // values and order
    CHECK(b.extra["note"] == "kept");
    CHECK(b.extra["step"] == 3);
    CHECK(format_record(b) == line);
}

TEST_CASE("malformed records are errors that say where and what") {
    auto err = [](const std::string& line) {
        try {
            parse_record(line, "in.jsonl:7");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK_THAT(err("{\"id\":\"a\""), Catch::StartsWith("in.jsonl:7: malformed JSON"));
    CHECK_THAT(err("[1,2]"), Catch::Contains("must be a JSON object"));
    CHECK_THAT(err("{\"z\":[1]}"), Catch::Contains("no \"id\""));
    CHECK_THAT(err("{\"id\":3}"), Catch::Contains("\"id\" must be a string"));
    CHECK_THAT(err("{\"id\":\"a\",\"z\":{}}"), Catch::Contains("\"z\" must be an array"));
    CHECK_THAT(err("{\"id\":\"a\",\"z\":[1,\"x\"]}"), Catch::Contains("z[1] is not a number"));
    CHECK_THAT(err("{\"id\":\"a\",\"z\":[1e39]}"), Catch::Contains("not a finite number"));
    CHECK_THAT(err("{\"id\":\"a\",\"y\":{\"Smiling\":null}}"), Catch::Contains("y.Smiling is not a number"));
    CHECK_THAT(err("{\"id\":\"a\",\"y\":[0.5]}"), Catch::Contains("\"y\" must be an object"));
}

TEST_CASE("the reader numbers lines and refuses blank ones") {
    std::istringstream in("{\"id\":\"a\",\"y\":{}}\r\n{\"id\":\"b\",\"y\":{}}\n\n{\"id\":\"c\"}\n");
    RecordReader rd(in, "stdin");
    Record r;
    REQUIRE(rd.next(r));
    CHECK(r.id == "a");  // a CRLF line ending is accepted
    CHECK(r.line == 1);
    REQUIRE(rd.next(r));
    CHECK(r.line == 2);
    CHECK_THROWS_WITH(rd.next(r), Catch::StartsWith("stdin:3: empty line"));
}

TEST_CASE("flip operations set, toggle and sweep, and name bad arguments") {
    Record r = parse_record("{\"id\":\"a\",\"z\":[0],\"y\":{\"Smiling\":0.8}}", "t:1");
    auto set = apply_flip(r, {parse_flip_op(FlipOp::set, "Smiling=0")}, "t:1");
    REQUIRE(set.size() == 1);
    CHECK(*set[0].find_y("Smiling") == 0.0f);
    auto toggled = apply_flip(r, {parse_flip_op(FlipOp::toggle, "Smiling")}, "t:1");
    CHECK(*toggled[0].find_y("Smiling") == 0.0f);  // 0.8 reads as 1, so it becomes 0
    auto sweep = apply_flip(r, {parse_flip_op(FlipOp::sweep, "Smiling=0:1:5")}, "t:1");
    REQUIRE(sweep.size() == 5);
    CHECK(*sweep[2].find_y("Smiling") == Approx(0.5));
    CHECK(sweep[4].extra["step"] == 4);
    CHECK_THROWS_AS(parse_flip_op(FlipOp::set, "Smiling=high"), UsageError);
    CHECK_THROWS_WITH(apply_flip(r, {parse_flip_op(FlipOp::set, "Bald=1")}, "t:9"), Catch::Contains("t:9"));
}
