#include <catch2/catch.hpp>
#include <thread>

#include "serve/limits.hpp"

using namespace ifgan;

TEST_CASE("LruTokens drops the least recently used, and a lookup counts as a use") {
    LruTokens<int> lru(2);
    lru.put("a", std::make_shared<int>(1));
    lru.put("b", std::make_shared<int>(2));
    REQUIRE(*lru.get("a") == 1);  // a is now the most recent
    lru.put("c", std::make_shared<int>(3));
    CHECK(lru.get("b") == nullptr);
    CHECK(*lru.get("a") == 1);
    CHECK(*lru.get("c") == 3);
    CHECK(lru.size() == 2);
    // A value dropped while held lives on for its holder.
    auto held = lru.get("a");
    lru.put("d", std::make_shared<int>(4));
    lru.put("e", std::make_shared<int>(5));
    CHECK(lru.get("a") == nullptr);
    CHECK(*held == 1);
    // Putting a token again replaces its value without growing.
    lru.put("e", std::make_shared<int>(6));
    CHECK(*lru.get("e") == 6);
    CHECK(lru.size() == 2);
}

TEST_CASE("WorkGate admits `running`, lines up `waiting`, and refuses the rest") {
    WorkGate gate(1, 1);
    WorkGate::Ticket first = gate.enter();
    REQUIRE(first.admitted());
    CHECK(gate.busy() == 1);
    bool second_admitted = false;
    std::thread second([&] {
        WorkGate::Ticket t = gate.enter();  // waits for the first to leave
        second_admitted = t.admitted();
    });
    while (gate.waiting() != 1) std::this_thread::yield();  // the second is in line
    WorkGate::Ticket third = gate.enter();  // the line is full
    CHECK_FALSE(third.admitted());
    { WorkGate::Ticket gone = std::move(first); }  // the first leaves
    second.join();
    CHECK(second_admitted);
    CHECK(gate.busy() == 0);
    CHECK(gate.waiting() == 0);
    WorkGate none_waiting(1, 0);
    WorkGate::Ticket a = none_waiting.enter();
    CHECK_FALSE(none_waiting.enter().admitted());
}
