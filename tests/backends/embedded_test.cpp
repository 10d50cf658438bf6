// EmbeddedBackend's capacity: a request that waits queue_wait_ms for a slot
// ends upstream_saturated without any token, a full queue refuses at once.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>

#include "backends/embedded.h"
#include "support/demo.h"

namespace perimeter::backends {
namespace {

using namespace std::chrono_literals;

struct Answer {
  std::mutex mu;
  std::condition_variable cv;
  int deltas = 0;
  int done_calls = 0;
  std::optional<Completion> done;
  AnswerSink sink() {
    return {[this](std::string_view) {
              std::lock_guard lock(mu);
              ++deltas;
            },
            [this](const Completion& c) {
              std::lock_guard lock(mu);
              done = c;
              ++done_calls;
              cv.notify_all();
            }};
  }
  bool wait(std::chrono::milliseconds limit = 60s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [this] { return done.has_value(); });
  }
};

ChatRequest ask(int max_tokens) {
  ChatRequest r;
  r.model = "demo";
  r.messages = {{"user", "Tell me a long story."}};
  r.sampling.max_tokens = max_tokens;
  r.sampling.temperature = 0;
  r.stream = true;
  return r;
}

TEST(EmbeddedBackend, QueuedRequestThatWaitsTooLongIsSaturatedWithoutATokenAndFullQueueRefuses) {
  const auto cfg = testing::demo_config(1, 1, "    queue_wait_ms: 100\n");
  EmbeddedBackend b(cfg.models.at("demo"), nullptr);
  Answer holder, queued;
  auto cancel_holder = b.start(ask(100000), holder.sink());  // holds the only slot
  auto cancel_queued = b.start(ask(4), queued.sink());
  // Slot busy, queue (1) full: a third is refused at once.
  Answer third;
  try {
    b.start(ask(4), third.sink());
    FAIL() << "a full queue took the request";
  } catch (const Error& e) {
    EXPECT_EQ(e.status, 503);
    EXPECT_EQ(e.code, "upstream_saturated");
    EXPECT_NE(std::string(e.what()).find("'demo'"), std::string::npos) << e.what();
  }
  ASSERT_TRUE(queued.wait());
  ASSERT_TRUE(queued.done->error);
  EXPECT_EQ(queued.done->error->status, 503);
  EXPECT_EQ(queued.done->error->code, "upstream_saturated");
  EXPECT_NE(std::string(queued.done->error->what()).find("queue_wait_ms"), std::string::npos);
  EXPECT_EQ(queued.deltas, 0);
  EXPECT_FALSE(holder.done.has_value()) << "the long answer should still be running";
  cancel_holder();
  ASSERT_TRUE(holder.wait());
  // The expired request's late engine callbacks are swallowed: one on_done only.
  Answer after;
  b.start(ask(4), after.sink());
  ASSERT_TRUE(after.wait());
  EXPECT_FALSE(after.done->error);
  EXPECT_GT(after.deltas, 0);
  std::lock_guard lock(queued.mu);
  EXPECT_EQ(queued.done_calls, 1);
}

}  // namespace
}  // namespace perimeter::backends
