// The latent stream and attribute records of docs/formats.md: JSON Lines,
// one record per image. No LibTorch here (ifgan-flip must start instantly).
#pragma once
#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace ifgan {

struct Record {
    std::string id, model;
    bool has_z = false;
    std::vector<float> z;
    std::vector<std::pair<std::string, float>> y;  // in the record's order
    nlohmann::ordered_json extra;                    // every other key, passed through
    size_t line = 0;                                 // where it was read (1-based), 0 if made here

    float* find_y(const std::string& attr);
    const float* find_y(const std::string& attr) const;
};

// Parses one line. `where` (e.g. "stdin:4") prefixes every error.
Record parse_record(const std::string& line, const std::string& where);
// One line, '\n'-terminated; floats written so that they round-trip exactly.
std::string format_record(const Record& r);
// Shortest decimal form of f that reads back as the same float.
std::string format_float(float f);

// Reads records line by line; blank lines are errors too (never skipped silently).
class RecordReader {
public:
    RecordReader(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}
    bool next(Record& r);
    size_t line() const { return line_; }
    const std::string& name() const { return name_; }

private:
    std::istream& in_;
    std::string name_;
    size_t line_ = 0;
};

// ifgan-flip's transformations.
struct FlipOp {
    enum Kind { set, toggle, sweep } kind;
    std::string attr;
    double value = 0, from = 0, to = 0;
    int steps = 0;
};
FlipOp parse_flip_op(FlipOp::Kind kind, const std::string& arg);  // throws UsageError
// Applies ops to one record; a sweep yields several records (with "step").
std::vector<Record> apply_flip(const Record& r, const std::vector<FlipOp>& ops, const std::string& where);

}  // namespace ifgan
