// Messages and progress on stderr, for the library and the tools alike.
// Messages carry the running tool's name; the progress bar is drawn only
// when stderr is a terminal, so logs and pipes stay clean.
#pragma once
#include <chrono>
#include <string>

namespace ifgan {

// The running tool's name, for message prefixes ("ifgan" until set).
const std::string& tool_name();
void set_tool_name(const std::string& name);

// "name: text" on stderr, in one write (lines of parallel tools stay whole).
void message(const std::string& text);

bool stderr_is_terminal();

// A one-line progress bar, redrawn on stderr only when it is a terminal.
class Progress {
public:
    Progress(std::string label, size_t total);
    void update(size_t done, const std::string& extra = "");
    void finish();
    double elapsed() const;

private:
    std::string label_;
    size_t total_;
    bool tty_, drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace ifgan
