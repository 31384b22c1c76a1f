#include "core/launch.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/log.hpp"
#include "core/util.hpp"

namespace ifgan {

namespace {

volatile sig_atomic_t g_forward = 0;  // a SIGTERM to pass on to the ranks
void on_term(int sig) { g_forward = sig; }

std::string describe(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
    return "stopped";
}

int status_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) return 128 + SIGINT;
    return 1;
}

}  // namespace

int free_local_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw Error(std::string("cannot open a socket: ") + std::strerror(errno));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::close(fd);
        throw Error(std::string("cannot find a free port on the loopback: ") + std::strerror(errno));
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

int launch_local_ranks(const std::vector<std::string>& argv, int n, double grace_s) {
    const std::string port = std::to_string(free_local_port());
    std::vector<pid_t> pids(size_t(n), -1);
    struct sigaction ignore {}, term {}, old_int {}, old_term {};
    ignore.sa_handler = SIG_IGN;  // the terminal's SIGINT reaches the ranks themselves
    term.sa_handler = on_term;
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGTERM, &term, &old_term);
    for (int r = 0; r < n; ++r) {
        pid_t pid = ::fork();
        if (pid < 0) throw Error(std::string("cannot start rank ") + std::to_string(r) + ": " + std::strerror(errno));
        if (pid == 0) {
            sigaction(SIGINT, &old_int, nullptr);
            sigaction(SIGTERM, &old_term, nullptr);
            ::setenv("WORLD_SIZE", std::to_string(n).c_str(), 1);
            ::setenv("RANK", std::to_string(r).c_str(), 1);
            ::setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
            ::setenv("MASTER_ADDR", "127.0.0.1", 1);
            ::setenv("MASTER_PORT", port.c_str(), 1);
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            ::execv("/proc/self/exe", args.data());
            _exit(127);
        }
        pids[size_t(r)] = pid;
    }
    int first_failure = 0, running = n;
    auto deadline = std::chrono::steady_clock::time_point::max();
    bool terminated = false;
    while (running > 0) {
        if (g_forward) {
            for (pid_t p : pids)
                if (p > 0) ::kill(p, SIGTERM);
            g_forward = 0;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            // First SIGTERM (the ranks checkpoint if they can), 5 s later SIGKILL.
            for (pid_t p : pids)
                if (p > 0) ::kill(p, terminated ? SIGKILL : SIGTERM);
            deadline = terminated ? std::chrono::steady_clock::time_point::max()
                                  : std::chrono::steady_clock::now() + std::chrono::seconds(5);
            terminated = true;
        }
        int status = 0;
        pid_t done = ::waitpid(-1, &status, WNOHANG);
        if (done <= 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        for (int r = 0; r < n; ++r) {
            if (pids[size_t(r)] != done) continue;
            pids[size_t(r)] = -1;
            --running;
            const int code = status_code(status);
            if (code != 0 && first_failure == 0) {
                first_failure = code;
                if (code != 128 + SIGINT) message("rank " + std::to_string(r) + " " + describe(status));
                deadline = std::chrono::steady_clock::now() +
                           std::chrono::milliseconds(int64_t(grace_s * 1000));
            }
        }
    }
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    return first_failure;
}

int agreed_signal(const std::vector<double>& by_rank, int rank) {
    int lowest = 0;
    for (double v : by_rank)
        if (v != 0 && !lowest) lowest = int(v);
    const int own = rank >= 0 && size_t(rank) < by_rank.size() ? int(by_rank[size_t(rank)]) : 0;
    return own ? own : lowest;
}

}  // namespace ifgan
