// The llamacpp flavour against a real llama.cpp `llama-server` (built by
// scripts/setup.sh) serving the tiny demo model on a loopback port.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "backends/http_upstream.h"
#include "grammar/grammar.h"
#include "http/openai.h"
#include "support/demo.h"
#include "support/http_client.h"
#include "support/llama_server.h"

namespace perimeter::backends {
namespace {

using namespace std::chrono_literals;

class LlamaServer : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::LlamaServerProcess::available())
        << "no llama-server at " << testing::LlamaServerProcess::binary()
        << ": run scripts/setup.sh";
    server_ = std::make_unique<testing::LlamaServerProcess>(slots_, context_);
  }

  config::Model model() const {
    config::Model m;
    m.id = "reasoner";
    m.engine = "http";
    m.egress = "local";
    m.upstream.urls = {server_->url()};
    m.upstream.model = "tiny";
    m.upstream.flavour = "llamacpp";
    return m;
  }

  struct Answer {
    std::string text;
    int deltas = 0;
    Completion done;
  };

  Answer ask(HttpBackend& b, bool stream, const std::string& grammar = "") {
    ChatRequest r;
    r.model = "reasoner";
    r.messages = {{"system", "Answer briefly."}, {"user", "Name a colour."}};
    r.sampling.temperature = 0;
    r.sampling.seed = 7;
    r.sampling.max_tokens = 12;
    r.sampling.grammar = grammar;
    r.stream = stream;
    return ask_with(b, r);
  }

  // Sends `r` and waits (bounded) for the whole answer.
  Answer ask_with(HttpBackend& b, const ChatRequest& r) {
    std::mutex mu;
    std::condition_variable cv;
    Answer a;
    bool done = false;
    b.start(r, {[&](std::string_view d) {
                  std::lock_guard lock(mu);
                  a.text += d;
                  ++a.deltas;
                },
                [&](const Completion& c) {
                  std::lock_guard lock(mu);
                  a.done = c;
                  done = true;
                  cv.notify_all();
                }});
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, 60s, [&] { return done; }));
    return a;
  }

  std::unique_ptr<testing::LlamaServerProcess> server_;
  int slots_ = 2, context_ = 1024;
};

// One slot, room for one long answer: the "local large model" saturated.
class OneSlotLlamaServer : public LlamaServer {
 protected:
  OneSlotLlamaServer() {
    slots_ = 1;
    context_ = 8192;
  }
};

TEST_F(OneSlotLlamaServer, SlotsProbeRefusesWhileTheOnlySlotIsBusyAndRecovers) {
  // The holder uses its own backend (own I/O thread), as another client would.
  HttpBackend holder_backend(model());
  ChatRequest longest;
  longest.model = "reasoner";
  longest.messages = {{"user", "Write x forever."}};
  longest.sampling.max_tokens = 2000;
  longest.sampling.grammar = "root ::= a{10}\na ::= \"x\"{200}";  // no early end of generation
  longest.stream = true;
  std::atomic<int> held_deltas{0};
  std::atomic<bool> held_done{false};
  std::string held_error;
  auto cancel_holder = holder_backend.start(longest, {[&](std::string_view) { ++held_deltas; },
                                                      [&](const Completion& c) {
                                                        if (c.error) held_error = c.error->what();
                                                        held_done = true;
                                                      }});
  for (int i = 0; i < 600 && held_deltas == 0 && !held_done; ++i) std::this_thread::sleep_for(20ms);
  ASSERT_GT(held_deltas.load(), 0) << "the long generation did not start: " << held_error;

  config::Model m = model();
  m.upstream.probe = "llamacpp_slots";
  m.upstream.probe_interval_ms = 50;
  HttpBackend b(m);
  bool saw_busy = false;
  for (int i = 0; i < 400 && !saw_busy && !held_done; ++i) {
    saw_busy = b.stats().urls[0].saturated;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(saw_busy) << "the /slots probe never saw the only slot busy";
  ChatRequest r;
  r.model = "reasoner";
  r.messages = {{"user", "Name a colour."}};
  r.sampling.max_tokens = 4;
  try {
    b.start(r, {});
    FAIL() << "a saturated llama-server took the request";
  } catch (const Error& e) {
    EXPECT_EQ(e.status, 503);
    EXPECT_EQ(e.code, "upstream_saturated");  // thrown by start(): nothing was sent
  }
  EXPECT_EQ(b.stats().inflight, 0);

  cancel_holder();
  bool free_again = false;
  for (int i = 0; i < 1000 && !free_again; ++i) {
    free_again = !b.stats().urls[0].saturated;
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(free_again) << "the probe did not see the slot freed";
  const Answer a = ask(b, false);
  EXPECT_FALSE(a.done.error);
  EXPECT_EQ(b.stats().urls[0].probe_failures, 0);
}

TEST_F(LlamaServer, StreamedAndJsonAnswersAgreeWithUsage) {
  HttpBackend b(model());
  const Answer streamed = ask(b, true);
  ASSERT_FALSE(streamed.done.error) << streamed.done.error->what();
  EXPECT_FALSE(streamed.text.empty());
  EXPECT_GT(streamed.deltas, 1);  // relayed as it was generated, not at the end
  EXPECT_GT(streamed.done.usage.prompt_tokens, 0);
  EXPECT_EQ(streamed.done.usage.completion_tokens, 12);
  EXPECT_EQ(streamed.done.finish, FinishReason::Length);

  const Answer whole = ask(b, false);
  ASSERT_FALSE(whole.done.error) << whole.done.error->what();
  EXPECT_EQ(whole.text, streamed.text);  // greedy: the same tokens either way
  EXPECT_EQ(whole.done.usage.completion_tokens, 12);
  EXPECT_EQ(whole.done.usage.prompt_tokens, streamed.done.usage.prompt_tokens);
}

TEST_F(LlamaServer, GrammarReachesTheServer) {
  HttpBackend b(model());
  const Answer a = ask(b, true, "root ::= (\"yes\" | \"no\")");
  ASSERT_FALSE(a.done.error) << a.done.error->what();
  EXPECT_TRUE(a.text == "yes" || a.text == "no") << a.text;
}

TEST_F(LlamaServer, ResponseFormatSchemaIsEnforcedByTheServer) {
  HttpBackend b(model());
  const nlohmann::json schema = {
      {"type", "object"},
      {"properties", {{"ok", {{"type", "boolean"}}}, {"level", {{"enum", {"low", "high"}}}}}},
      {"required", {"ok", "level"}},
      {"additionalProperties", false}};
  const nlohmann::json chat = {
      {"model", "reasoner"},
      {"messages", {{{"role", "user"}, {"content", "Is it fine?"}}}},
      {"max_tokens", 60},
      {"temperature", 0},
      {"response_format",
       {{"type", "json_schema"}, {"json_schema", {{"name", "check"}, {"schema", schema}}}}}};
  for (bool stream : {false, true}) {
    ChatRequest r = http::parse_chat_request(chat.dump());
    r.stream = stream;
    const Answer a = ask_with(b, r);
    ASSERT_FALSE(a.done.error) << a.done.error->what();
    // The demo model's text is noise; only the server's json_schema
    // constraint can make it a valid instance.
    ASSERT_EQ(a.done.finish, FinishReason::Stop) << a.text;
    const grammar::Validation v = grammar::validate(schema, a.text);
    EXPECT_TRUE(v.ok) << v.error << ": " << a.text;
  }
}

}  // namespace
}  // namespace perimeter::backends
