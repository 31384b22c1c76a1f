#include "core/latent.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/util.hpp"

namespace ifgan {

using ojson = nlohmann::ordered_json;

float* Record::find_y(const std::string& attr) {
    for (auto& p : y)
        if (p.first == attr) return &p.second;
    return nullptr;
}
const float* Record::find_y(const std::string& attr) const { return const_cast<Record*>(this)->find_y(attr); }

std::string format_float(float f) {
    char buf[32];
    for (int prec = 6; prec <= 9; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, double(f));
        if (std::strtof(buf, nullptr) == f) break;
    }
    return buf;
}

namespace {

float finite_number(const ojson& v, const std::string& where, const std::string& what) {
    if (!v.is_number()) throw Error(where + ": " + what + " is not a number");
    double d = v.get<double>();
    if (!std::isfinite(d) || std::abs(d) > 3.0e38) throw Error(where + ": " + what + " is not a finite number");
    return float(d);
}

}  // namespace

Record parse_record(const std::string& line, const std::string& where) {
    ojson j;
    try {
        j = ojson::parse(line);
    } catch (const ojson::parse_error& e) {
        std::string msg = e.what();
        size_t p = msg.find("syntax error");
        throw Error(where + ": malformed JSON" + (p != std::string::npos ? ": " + msg.substr(p) : ""));
    } catch (const ojson::exception&) {
        throw Error(where + ": a number is out of range (not finite)");
    }
    if (!j.is_object()) throw Error(where + ": a record must be a JSON object");
    Record r;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& k = it.key();
        const ojson& v = it.value();
        if (k == "id") {
            if (!v.is_string()) throw Error(where + ": \"id\" must be a string");
            r.id = v.get<std::string>();
        } else if (k == "model") {
            if (!v.is_string()) throw Error(where + ": \"model\" must be a string");
            r.model = v.get<std::string>();
        } else if (k == "z") {
            if (!v.is_array()) throw Error(where + ": \"z\" must be an array of numbers");
            r.has_z = true;
            r.z.reserve(v.size());
            for (size_t i = 0; i < v.size(); ++i) r.z.push_back(finite_number(v[i], where, "z[" + std::to_string(i) + "]"));
        } else if (k == "y") {
            if (!v.is_object()) throw Error(where + ": \"y\" must be an object of attribute values");
            for (auto a = v.begin(); a != v.end(); ++a)
                r.y.emplace_back(a.key(), finite_number(a.value(), where, "y." + a.key()));
        } else {
            r.extra[k] = v;
        }
    }
    if (r.id.empty()) throw Error(where + ": record has no \"id\"");
    return r;
}

std::string format_record(const Record& r) {
    std::string s = "{\"id\":" + ojson(r.id).dump();
    if (!r.model.empty()) s += ",\"model\":" + ojson(r.model).dump();
    if (r.has_z) {
        s += ",\"z\":[";
        for (size_t i = 0; i < r.z.size(); ++i) s += (i ? "," : "") + format_float(r.z[i]);
        s += "]";
    }
    s += ",\"y\":{";
    for (size_t i = 0; i < r.y.size(); ++i) s += (i ? "," : "") + ojson(r.y[i].first).dump() + ":" + format_float(r.y[i].second);
    s += "}";
    for (auto it = r.extra.begin(); it != r.extra.end(); ++it)
        s += "," + ojson(it.key()).dump() + ":" + it.value().dump();
    return s + "}\n";
}

bool RecordReader::next(Record& r) {
    std::string line;
    if (!std::getline(in_, line)) return false;
    ++line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string where = name_ + ":" + std::to_string(line_);
    if (trim(line).empty()) throw Error(where + ": empty line where a record was expected");
    r = parse_record(line, where);
    r.line = line_;
    return true;
}

FlipOp parse_flip_op(FlipOp::Kind kind, const std::string& arg) {
    FlipOp op;
    op.kind = kind;
    auto number = [&](const std::string& s, const char* what) {
        char* end = nullptr;
        double v = std::strtod(s.c_str(), &end);
        if (s.empty() || *end != '\0' || !std::isfinite(v))
            throw UsageError("bad " + std::string(what) + " '" + s + "' in '" + arg + "'");
        return v;
    };
    if (kind == FlipOp::toggle) {
        if (arg.empty() || arg.find('=') != std::string::npos) throw UsageError("--toggle takes an attribute name");
        op.attr = arg;
        return op;
    }
    size_t eq = arg.find('=');
    if (eq == std::string::npos || eq == 0)
        throw UsageError(std::string(kind == FlipOp::set ? "--set ATTR=VALUE" : "--sweep ATTR=FROM:TO:N") +
                         " expected, got '" + arg + "'");
    op.attr = arg.substr(0, eq);
    std::string rest = arg.substr(eq + 1);
    if (kind == FlipOp::set) {
        op.value = number(rest, "value");
        return op;
    }
    std::vector<std::string> parts = split(rest, ':');
    if (parts.size() != 3) throw UsageError("--sweep ATTR=FROM:TO:N expected, got '" + arg + "'");
    op.from = number(parts[0], "start");
    op.to = number(parts[1], "end");
    double n = number(parts[2], "count");
    if (n < 2 || n > 10000 || n != std::floor(n)) throw UsageError("--sweep count must be an integer from 2 to 10000");
    op.steps = int(n);
    return op;
}

std::vector<Record> apply_flip(const Record& in, const std::vector<FlipOp>& ops, const std::string& where) {
    std::vector<Record> out = {in};
    for (const FlipOp& op : ops) {
        if (!in.find_y(op.attr)) {
            std::string have;
            for (auto& p : in.y) have += (have.empty() ? "" : ", ") + p.first;
            throw Error(where + ": the record has no attribute '" + op.attr + "' (it has " +
                        (have.empty() ? "none" : have) + ")");
        }
        std::vector<Record> next;
        for (Record& r : out) {
            float* v = r.find_y(op.attr);
            if (op.kind == FlipOp::set) {
                *v = float(op.value);
                next.push_back(r);
            } else if (op.kind == FlipOp::toggle) {
                *v = *v < 0.5f ? 1.0f : 0.0f;
                next.push_back(r);
            } else {
                for (int s = 0; s < op.steps; ++s) {
                    Record c = r;
                    *c.find_y(op.attr) = float(op.from + (op.to - op.from) * s / (op.steps - 1));
                    c.extra["step"] = s;
                    next.push_back(c);
                }
            }
        }
        out = std::move(next);
    }
    return out;
}

}  // namespace ifgan
