// The bounds a resident server keeps: photos held in memory (the least
// recently used dropped) and work done at once (the rest turned away, not
// queued without end). Header-only, no LibTorch, no HTTP.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace ifgan {

// A map from token to shared value holding at most `capacity` entries; a
// lookup makes its entry the most recent, an insert beyond capacity drops the
// least recent. A dropped value lives on while a request still holds it.
template <class V>
class LruTokens {
public:
    explicit LruTokens(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}
    void put(const std::string& token, std::shared_ptr<const V> v) {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = index_.find(token);
        if (it != index_.end()) order_.erase(it->second);
        order_.emplace_front(token, std::move(v));
        index_[token] = order_.begin();
        while (order_.size() > capacity_) {
            index_.erase(order_.back().first);
            order_.pop_back();
        }
    }
    std::shared_ptr<const V> get(const std::string& token) {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = index_.find(token);
        if (it == index_.end()) return nullptr;
        order_.splice(order_.begin(), order_, it->second);
        return it->second->second;
    }
    size_t size() const {
        std::lock_guard<std::mutex> lock(mu_);
        return order_.size();
    }

private:
    using Entry = std::pair<std::string, std::shared_ptr<const V>>;
    size_t capacity_;
    mutable std::mutex mu_;
    std::list<Entry> order_;  // most recent first
    std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
};

// At most `running` jobs at once and `waiting` more in line for a slot; a
// job that finds the line full is refused at once (the server answers 503).
class WorkGate {
public:
    WorkGate(int running, int waiting) : running_(running < 1 ? 1 : running), waiting_(waiting < 0 ? 0 : waiting) {}
    // Holds a slot while alive; `admitted()` is false when the gate was full.
    class Ticket {
    public:
        explicit Ticket(WorkGate* g) : g_(g) {}
        Ticket(Ticket&& o) noexcept : g_(o.g_) { o.g_ = nullptr; }
        Ticket(const Ticket&) = delete;
        ~Ticket() {
            if (g_) g_->leave();
        }
        bool admitted() const { return g_ != nullptr; }

    private:
        WorkGate* g_;
    };
    Ticket enter() {
        std::unique_lock<std::mutex> lock(mu_);
        if (busy_ >= running_ && queued_ >= waiting_) return Ticket(nullptr);
        ++queued_;
        free_.wait(lock, [&] { return busy_ < running_; });
        --queued_;
        ++busy_;
        return Ticket(this);
    }
    int busy() const {
        std::lock_guard<std::mutex> lock(mu_);
        return busy_;
    }
    int waiting() const {
        std::lock_guard<std::mutex> lock(mu_);
        return queued_;
    }

private:
    void leave() {
        {
            std::lock_guard<std::mutex> lock(mu_);
            --busy_;
        }
        free_.notify_one();
    }
    const int running_, waiting_;
    mutable std::mutex mu_;
    std::condition_variable free_;
    int busy_ = 0, queued_ = 0;
};

}  // namespace ifgan
