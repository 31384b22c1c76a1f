// ifgan-serve's HTTP side: the page and the JSON API (ifgan-serve(1)) over a
// PhotoStore. Only this file and ifgan-serve see the HTTP library.
#pragma once
#include <string>

#include "serve/store.hpp"

namespace ifgan {

struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 8080;          // 0: the system picks a free one (printed)
    std::string photos_dir;   // photos a client may pick by name; nothing else is read
    int jobs = 2, waiting = 8;  // uploads and edits at once, and in line; beyond: 503
    int threads = 8;          // connections served at once
};

// "HOST:PORT" or ":PORT" or "PORT"; UsageError when malformed.
void parse_listen(const std::string& s, std::string& host, int& port);
// The photos of `dir` a client may pick: its PNG and JPEG files by name, sorted.
std::vector<std::string> photo_names(const std::string& dir);

// SIGINT and SIGTERM are taken by one thread of serve(), which stops the
// server: they must be blocked in every thread, so this comes first, before
// anything (LibTorch, OpenMP, dlib) starts one.
void block_stop_signals();
// Serves until SIGINT or SIGTERM; says on stderr where it listens
// ("listening on http://HOST:PORT/") and one line per request.
void serve(PhotoStore& store, const ServeOptions& o);

}  // namespace ifgan
