#include "core/log.hpp"

#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace ifgan {

namespace {
std::string g_tool = "ifgan";
}  // namespace

const std::string& tool_name() { return g_tool; }
void set_tool_name(const std::string& name) { g_tool = name; }

void message(const std::string& text) {
    std::string line = g_tool + ": " + text + "\n";
    (void)!::write(2, line.data(), line.size());
}

bool stderr_is_terminal() { return ::isatty(2) == 1; }

Progress::Progress(std::string label, size_t total)
    : label_(std::move(label)), total_(total), tty_(stderr_is_terminal()) {
    start_ = last_ = std::chrono::steady_clock::now();
}

double Progress::elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(size_t done, const std::string& extra) {
    if (!tty_) return;
    auto now = std::chrono::steady_clock::now();
    if (done < total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    double frac = total_ ? double(done) / double(total_) : 1.0;
    int width = 24, fill = int(frac * width);
    double t = elapsed();
    double eta = frac > 0 ? t / frac - t : 0;
    char buf[256];
    std::snprintf(buf, sizeof buf, "\r%s: %s [%.*s%*s] %zu/%zu %3.0f%% eta %.0fs %s\x1b[K", g_tool.c_str(),
                  label_.c_str(), fill, "########################", width - fill, "", done, total_, frac * 100, eta,
                  extra.c_str());
    (void)!::write(2, buf, std::strlen(buf));
    drawn_ = true;
}

void Progress::finish() {
    if (drawn_) (void)!::write(2, "\n", 1);
    drawn_ = false;
}

}  // namespace ifgan
