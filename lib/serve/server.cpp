#include "serve/server.hpp"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <dirent.h>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/log.hpp"
#include "nn/model.hpp"

namespace ifgan {

using ojson = nlohmann::ordered_json;

namespace {

// The page, from lib/serve/page.html (made into page.inc by the Makefile).
const char kPage[] =
#include "page.inc"
    ;

}  // namespace

void parse_listen(const std::string& s, std::string& host, int& port) {
    size_t colon = s.rfind(':');
    std::string h = colon == std::string::npos ? "" : s.substr(0, colon);
    std::string p = colon == std::string::npos ? s : s.substr(colon + 1);
    char* end = nullptr;
    long v = p.empty() ? -1 : std::strtol(p.c_str(), &end, 10);
    if (p.empty() || *end != '\0' || v < 0 || v > 65535)
        throw UsageError("--listen wants HOST:PORT (PORT 0 to 65535, 0: any free one), not '" + s + "'");
    if (!h.empty()) host = h;
    port = int(v);
}

std::vector<std::string> photo_names(const std::string& dir) {
    std::vector<std::string> names;
    if (dir.empty()) return names;
    DIR* d = opendir(dir.c_str());
    if (!d) throw Error(dir + ": cannot read the directory");
    while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        std::string lower = n;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        auto ends = [&](const std::string& x) {
            return lower.size() > x.size() && lower.compare(lower.size() - x.size(), x.size(), x) == 0;
        };
        if (n[0] != '.' && (ends(".png") || ends(".jpg") || ends(".jpeg")) && !is_directory(join_path(dir, n)))
            names.push_back(n);
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

namespace {

void send_json(httplib::Response& res, int status, const ojson& j) {
    res.status = status;
    res.set_content(j.dump() + "\n", "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& what) { send_json(res, status, {{"error", what}}); }

ojson attr_values(const std::vector<std::string>& attrs, const std::vector<float>& v) {
    ojson o = ojson::object();
    for (size_t a = 0; a < attrs.size(); ++a) o[attrs[a]] = std::round(double(v[a]) * 1e4) / 1e4;
    return o;
}

ojson photo_json(const ServePhoto& p, const ModelConfig& c) {
    ojson faces = ojson::array();
    for (const ServeFace& f : p.faces) {
        ojson j = {{"square", {f.square[0], f.square[1], f.square[2], f.square[3]}}, {"y", attr_values(c.attrs, f.y)}};
        if (f.detected) j["score"] = f.score;
        faces.push_back(j);
    }
    return {{"token", p.token}, {"name", p.name}, {"width", p.photo.width}, {"height", p.photo.height},
            {"format", p.jpeg ? "jpeg" : "png"}, {"faces", faces}};
}

// The attributes an edit asks for: the face's estimate, with the request's
// values (finite numbers, attributes of the model) in their places.
std::vector<float> edit_values(const ojson& req, const ServeFace& f, const ModelConfig& c) {
    std::vector<float> y = f.y;
    if (!req.contains("y")) return y;
    if (!req["y"].is_object()) throw ServeError(400, "\"y\" must be an object: attribute -> value");
    for (const auto& [name, v] : req["y"].items()) {
        size_t a = std::find(c.attrs.begin(), c.attrs.end(), name) - c.attrs.begin();
        if (a == c.attrs.size()) throw ServeError(400, "the model has no attribute '" + name + "'");
        if (!v.is_number() || !std::isfinite(v.get<double>()) || std::abs(v.get<double>()) > 1e6)
            throw ServeError(400, "y." + name + " must be a finite number");
        y[a] = v.get<float>();
    }
    return y;
}

class Api {
public:
    Api(PhotoStore& store, const ServeOptions& o) : store_(store), o_(o), gate_(o.jobs, o.waiting) {}

    void routes(httplib::Server& svr) {
        svr.Get("/", [](const httplib::Request&, httplib::Response& res) {
            res.set_header("Content-Security-Policy",
                           "default-src 'self'; img-src 'self' blob: data:; connect-src 'self' blob:; style-src 'unsafe-inline'; "
                           "script-src 'unsafe-inline'");
            res.set_content(kPage, "text/html; charset=utf-8");
        });
        svr.Get("/api/model", [this](const httplib::Request&, httplib::Response& res) { guard(res, [&] { model(res); }); });
        svr.Post("/api/photos", [this](const httplib::Request& req, httplib::Response& res) {
            guard(res, [&] { work(res, [&] { upload(req, res); }); });
        });
        svr.Get(R"(/api/photos/([0-9a-f]{32}))", [this](const httplib::Request& req, httplib::Response& res) {
            guard(res, [&] { original(req.matches[1], res); });
        });
        svr.Post("/api/edit", [this](const httplib::Request& req, httplib::Response& res) {
            guard(res, [&] { work(res, [&] { edit(req, res); }); });
        });
    }

private:
    // Every error a handler meets becomes a JSON answer with its status.
    template <class F>
    void guard(httplib::Response& res, F&& f) {
        try {
            f();
        } catch (const ServeError& e) {
            send_error(res, e.status, e.what());
        } catch (const nlohmann::json::exception& e) {
            send_error(res, 400, std::string("request body: ") + e.what());
        } catch (const std::exception& e) {
            send_error(res, 500, e.what());
        }
    }
    // Model work, at most jobs at once and waiting in line; beyond, 503.
    template <class F>
    void work(httplib::Response& res, F&& f) {
        WorkGate::Ticket t = gate_.enter();
        if (!t.admitted()) {
            res.set_header("Retry-After", "1");
            throw ServeError(503, "busy: " + std::to_string(o_.jobs) + " jobs at work and " + std::to_string(o_.waiting) +
                                      " waiting; try again");
        }
        f();
    }

    void model(httplib::Response& res) {
        const Model& m = store_.model();
        ojson j = {{"model", m.fingerprint()},
                   {"file", basename(m.path())},
                   {"attrs", m.config().attrs},
                   {"size", m.config().size},
                   {"slider", {{"min", kSliderMin}, {"max", kSliderMax}}},
                   {"photos", photo_names(o_.photos_dir)}};
        if (const Model* judge = store_.judge())
            j["judge"] = {{"model", judge->fingerprint()}, {"attrs", judge->config().attrs}};
        send_json(res, 200, j);
    }

    void upload(const httplib::Request& req, httplib::Response& res) {
        std::vector<uint8_t> bytes;
        std::string name = req.has_param("filename") ? req.get_param_value("filename") : "upload";
        if (req.has_param("name")) {
            // Only a photo listed in --photos: the name is never made into a path otherwise.
            name = req.get_param_value("name");
            std::vector<std::string> names = photo_names(o_.photos_dir);
            if (!std::binary_search(names.begin(), names.end(), name))
                throw ServeError(404, "no photo '" + name + "' among --photos");
            bytes = read_file(join_path(o_.photos_dir, name));
        } else if (req.is_multipart_form_data()) {
            if (!req.has_file("photo")) throw ServeError(400, "the form has no \"photo\" file");
            const httplib::MultipartFormData f = req.get_file_value("photo");
            if (!f.filename.empty()) name = f.filename;
            bytes.assign(f.content.begin(), f.content.end());
        } else {
            bytes.assign(req.body.begin(), req.body.end());
        }
        auto p = store_.add(std::move(bytes), name);
        send_json(res, 200, photo_json(*p, store_.model().config()));
    }

    void original(const std::string& token, httplib::Response& res) {
        auto p = store_.get(token);
        res.set_content(reinterpret_cast<const char*>(p->bytes.data()), p->bytes.size(),
                        p->jpeg ? "image/jpeg" : "image/png");
    }

    void edit(const httplib::Request& req, httplib::Response& res) {
        ojson j = ojson::parse(req.body);
        if (!j.is_object() || !j.contains("token") || !j["token"].is_string())
            throw ServeError(400, "an edit needs {\"token\": ..., \"face\": N, \"y\": {attribute: value}}");
        auto p = store_.get(j["token"].get<std::string>());
        long face = 0;
        if (j.contains("face")) {
            if (!j["face"].is_number_integer()) throw ServeError(400, "\"face\" must be a whole number");
            face = j["face"].get<long>();
            if (face < 0) throw ServeError(400, "\"face\" must not be negative");
        }
        const ModelConfig& c = store_.model().config();
        std::vector<float> y = edit_values(j, PhotoStore::face(*p, size_t(face)), c);
        EditResult r = store_.edit(*p, size_t(face), y);
        res.set_header("X-Ifgan-Y", attr_values(c.attrs, y).dump());
        if (const Model* judge = store_.judge()) res.set_header("X-Ifgan-Judge", attr_values(judge->config().attrs, r.judge).dump());
        res.set_content(reinterpret_cast<const char*>(r.image.data()), r.image.size(), r.jpeg ? "image/jpeg" : "image/png");
    }

    PhotoStore& store_;
    const ServeOptions& o_;
    WorkGate gate_;
};

// One line per request: method, path, status, bytes out, milliseconds.
thread_local std::chrono::steady_clock::time_point request_start;

void log_request(const httplib::Request& req, const httplib::Response& res) {
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - request_start).count();
    char b[64];
    std::snprintf(b, sizeof b, " %d %zu %.1f ms", res.status, res.body.size(), ms);
    message(req.remote_addr + " " + req.method + " " + req.path + b);
}

const char* status_words(int s) {
    switch (s) {
        case 400: return "bad request";
        case 404: return "not found";
        case 405: return "method not allowed";
        case 413: return "request too large";
        case 503: return "busy";
        default: return "error";
    }
}

sigset_t stop_signal_set() {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    return s;
}

}  // namespace

void block_stop_signals() {
    // A shell starts a background job with SIGINT ignored; a server is
    // stopped by it all the same.
    signal(SIGINT, SIG_DFL);
    sigset_t s = stop_signal_set();
    pthread_sigmask(SIG_BLOCK, &s, nullptr);
    signal(SIGPIPE, SIG_IGN);  // a client that goes away is an error on its socket, not the end of the server
}

void serve(PhotoStore& store, const ServeOptions& o) {
    sigset_t stop_signals = stop_signal_set();
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // (done already by block_stop_signals, before any thread)
    httplib::Server svr;
    Api api(store, o);
    api.routes(svr);
    const int threads = std::max(1, o.threads);
    svr.new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };
    svr.set_payload_max_length(store.max_bytes() + (64u << 10));  // a form's parts around the photo; the photo itself the store checks
    svr.set_keep_alive_timeout(2);
    // The library's default also sets SO_REUSEPORT, with which a second
    // server on a port in use would share it silently instead of failing.
    svr.set_socket_options([](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    svr.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
        request_start = std::chrono::steady_clock::now();
        return httplib::Server::HandlerResponse::Unhandled;
    });
    svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        std::string what = status_words(res.status);
        if (res.status == 404) what = "no such route: " + req.method + " " + req.path;
        send_error(res, res.status, what);
    });
    svr.set_logger(log_request);

    int port = o.port;
    if (port == 0) port = svr.bind_to_any_port(o.host);
    else if (!svr.bind_to_port(o.host, port)) port = -1;
    if (port <= 0) throw Error("cannot listen on " + o.host + ":" + std::to_string(o.port) + " (in use, or not an address here)");
    message("listening on http://" + o.host + ":" + std::to_string(port) + "/");

    std::atomic<bool> done{false};
    std::thread stopper([&] {
        int sig = 0;
        sigwait(&stop_signals, &sig);
        if (!done) message(std::string("stopping (") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ")");
        svr.stop();
    });
    svr.listen_after_bind();
    done = true;
    pthread_kill(stopper.native_handle(), SIGTERM);  // wakes it if the server stopped on its own
    stopper.join();
}

}  // namespace ifgan
