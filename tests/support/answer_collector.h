// Collects one engine answer (an AnswerSink's deltas and on_done) for tests
// that submit to an Engine directly (header-only).
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>

#include "core/chat.h"
#include "core/utf8.h"

namespace perimeter::testing {

struct Answer {
  std::string text;
  Completion done;
  int deltas = 0;
  bool all_valid_utf8 = true;
};

class Collector {
 public:
  AnswerSink sink() {
    return {[this](std::string_view d) {
              std::lock_guard lk(mu_);
              a_.text += d;
              ++a_.deltas;
              a_.all_valid_utf8 = a_.all_valid_utf8 && utf8_valid(d);
            },
            [this](const Completion& c) {
              std::lock_guard lk(mu_);
              a_.done = c;
              finished_ = true;
              cv_.notify_all();
            }};
  }
  // Blocks until on_done, then returns the whole answer.
  Answer wait() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return finished_; });
    return a_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool finished_ = false;
  Answer a_;
};

}  // namespace perimeter::testing
