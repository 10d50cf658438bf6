// HttpBackend against the fake cloud: relaying, egress hygiene, retries,
// timeouts, resets, cancel, balancing with passive health, the API key.
#include <gtest/gtest.h>

#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio.hpp>

#include "backends/http_upstream.h"
#include "http/openai.h"
#include "support/fake_openai.h"
#include "support/http_client.h"
#include "support/running.h"

namespace perimeter::backends {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::FakeBehaviour;
using testing::FakeOpenAI;
using Clock = std::chrono::steady_clock;

// Collects one answer's events.
class Collector {
 public:
  AnswerSink sink() {
    return {[this](std::string_view d) {
              std::lock_guard lock(mutex_);
              deltas_.emplace_back(d);
            },
            [this](const Completion& c) {
              std::lock_guard lock(mutex_);
              ++done_calls_;
              done_ = c;
              cv_.notify_all();
            }};
  }
  // Waits (bounded) for on_done; true if it came.
  bool wait(std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [this] { return done_.has_value(); });
  }
  std::string text() {
    std::lock_guard lock(mutex_);
    std::string t;
    for (const auto& d : deltas_) t += d;
    return t;
  }
  size_t delta_count() {
    std::lock_guard lock(mutex_);
    return deltas_.size();
  }
  Completion done() {
    std::lock_guard lock(mutex_);
    return *done_;
  }
  int done_calls() {
    std::lock_guard lock(mutex_);
    return done_calls_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> deltas_;
  std::optional<Completion> done_;
  int done_calls_ = 0;
};

config::Config http_config(const std::vector<std::string>& urls, const std::string& extra = "") {
  std::string yaml = "listen: 127.0.0.1:0\nmodels:\n  cloud:\n    engine: http\n    urls: [";
  for (size_t i = 0; i < urls.size(); ++i) yaml += (i ? ", " : "") + urls[i];
  yaml +=
      "]\n    upstream_model: fake-mini-2026-01-01\n    egress: cloud\n"
      "    retry_backoff_ms: 5\n" +
      extra;
  return config::parse_config(yaml, ".");
}

config::Model http_model(const std::vector<std::string>& urls, const std::string& extra = "") {
  return http_config(urls, extra).models.at("cloud");
}

ChatRequest ask(bool stream, const std::string& text = "What is the capital of France?") {
  ChatRequest r;
  r.model = "cloud";
  r.messages = {{"user", text}};
  r.stream = stream;
  r.include_usage = stream;
  return r;
}

// A loopback URL where nothing listens.
std::string dead_url() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = a.local_endpoint().port();
  a.close();
  return "http://127.0.0.1:" + std::to_string(port) + "/v1";
}

TEST(HttpBackend, JsonAnswerRelayedWithUsage) {
  FakeOpenAI fake;
  fake.set_answer({"Paris", " is the capital."}, 11, 5);
  HttpBackend b(http_model({fake.url()}));
  EXPECT_EQ(b.info().engine, "http");
  EXPECT_EQ(b.info().egress, "cloud");
  EXPECT_EQ(b.info().sha256, "fake-mini-2026-01-01");
  Collector c;
  b.start(ask(false), c.sink());
  ASSERT_TRUE(c.wait());
  const Completion done = c.done();
  ASSERT_FALSE(done.error) << done.error->what();
  EXPECT_EQ(c.text(), "Paris is the capital.");
  EXPECT_EQ(done.finish, FinishReason::Stop);
  EXPECT_EQ(done.usage.prompt_tokens, 11);
  EXPECT_EQ(done.usage.completion_tokens, 5);
  EXPECT_EQ(done.model_sha256, "fake-mini-2026-01-01");
  ASSERT_EQ(fake.request_count(), 1u);
  const std::string req = fake.requests()[0];
  EXPECT_EQ(req.rfind("POST /v1/chat/completions HTTP/1.1\r\n", 0), 0u) << req;
  EXPECT_EQ(fake.bodies()[0]["stream"], false);

  // The next requests reuse the kept-alive connection.
  for (int i = 0; i < 3; ++i) {
    Collector again;
    b.start(ask(false), again.sink());
    ASSERT_TRUE(again.wait());
    EXPECT_EQ(again.text(), "Paris is the capital.");
  }
  EXPECT_EQ(fake.request_count(), 4u);
  EXPECT_EQ(fake.connections_accepted(), 1u);
}

TEST(HttpBackend, StreamRelayedDeltaByDeltaWhateverTheSplits) {
  FakeOpenAI fake;
  const std::vector<std::string> pieces = {"Bonjour", " à", " tous", " — ", "€", "!"};
  fake.set_answer(pieces, 9, 6);
  FakeBehaviour odd;
  odd.split_bytes = 3;  // SSE lines, JSON and UTF-8 cut across HTTP chunks
  fake.push(odd);
  HttpBackend b(http_model({fake.url()}));
  for (int round = 0; round < 2; ++round) {
    Collector c;
    b.start(ask(true), c.sink());
    ASSERT_TRUE(c.wait());
    const Completion done = c.done();
    ASSERT_FALSE(done.error) << done.error->what();
    EXPECT_EQ(c.text(), "Bonjour à tous — €!");
    EXPECT_EQ(c.delta_count(), pieces.size());
    EXPECT_EQ(done.usage.prompt_tokens, 9);
    EXPECT_EQ(done.usage.completion_tokens, 6);
    EXPECT_EQ(c.done_calls(), 1);
  }
  EXPECT_EQ(fake.request_count(), 2u);
  const json body = fake.bodies()[0];
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
}

TEST(HttpBackend, CloudEgressCarriesNoCallerIdentityAndStoreFalse) {
  FakeOpenAI fake;
  HttpBackend b(http_model({fake.url()}));
  // The client's own body, parsed as the server parses it.
  const ChatRequest r = http::parse_chat_request(
      R"({"model":"cloud","messages":[{"role":"user","content":"What is 2+2?"}],)"
      R"("user":"alice@corp.example","metadata":{"employee_id":"E-31337","team":"payroll"},)"
      R"("stream":true})");
  Collector c;
  b.start(r, c.sink());
  ASSERT_TRUE(c.wait());
  ASSERT_FALSE(c.done().error);
  const std::string bytes = fake.received();
  for (const char* leak : {"alice@corp.example", "E-31337", "payroll", "\"user\":", "metadata"})
    EXPECT_EQ(bytes.find(leak), std::string::npos) << leak << " crossed the wire:\n" << bytes;
  EXPECT_NE(bytes.find("\"store\":false"), std::string::npos);
  EXPECT_NE(bytes.find("What is 2+2?"), std::string::npos);
}

TEST(HttpBackend, RetriesOn429And503ThenSucceeds) {
  FakeOpenAI fake;
  FakeBehaviour limited;
  limited.status = 429;
  limited.headers = {{"Retry-After", "0"}};
  FakeBehaviour busy;
  busy.status = 503;
  fake.push(limited);
  fake.push(busy);
  HttpBackend b(http_model({fake.url()}, "    retries: 2\n"));
  Collector c;
  b.start(ask(true), c.sink());
  ASSERT_TRUE(c.wait());
  ASSERT_FALSE(c.done().error) << c.done().error->what();
  EXPECT_EQ(c.text(), "Hello, world!");
  EXPECT_EQ(fake.request_count(), 3u);

  // Out of retries: a clean 503 saying the upstream is saturated.
  fake.push(limited);
  fake.push(limited);
  Collector c2;
  HttpBackend once(http_model({fake.url()}, "    retries: 1\n"));
  once.start(ask(false), c2.sink());
  ASSERT_TRUE(c2.wait());
  ASSERT_TRUE(c2.done().error);
  EXPECT_EQ(c2.done().error->status, 503);
  EXPECT_EQ(c2.done().error->code, "upstream_saturated");
  EXPECT_EQ(fake.request_count(), 5u);
}

TEST(HttpBackend, ServerErrorIsACleanErrorWithoutRetry) {
  FakeOpenAI fake;
  FakeBehaviour broken;
  broken.status = 500;
  broken.error_message = "model crashed";
  fake.push(broken);
  HttpBackend b(http_model({fake.url()}, "    retries: 3\n"));
  Collector c;
  b.start(ask(true), c.sink());
  ASSERT_TRUE(c.wait());
  ASSERT_TRUE(c.done().error);
  const Completion done = c.done();
  const Error& e = *done.error;
  EXPECT_EQ(e.status, 502);
  EXPECT_EQ(e.code, "upstream_error");
  EXPECT_NE(std::string(e.what()).find("HTTP 500: model crashed"), std::string::npos) << e.what();
  EXPECT_EQ(c.text(), "");
  EXPECT_EQ(fake.request_count(), 1u);
}

TEST(HttpBackend, FirstByteTimeoutIs504InBoundedTime) {
  FakeOpenAI fake;
  FakeBehaviour slow;
  slow.first_byte_delay = 5s;
  fake.set_default(slow);
  HttpBackend b(http_model({fake.url()}, "    timeouts: {first_byte_s: 0.3}\n"));
  for (bool stream : {false, true}) {
    Collector c;
    const auto t0 = Clock::now();
    b.start(ask(stream), c.sink());
    ASSERT_TRUE(c.wait(4s)) << "no answer: the timeout did not fire";
    EXPECT_LT(Clock::now() - t0, 3s);
    ASSERT_TRUE(c.done().error);
    EXPECT_EQ(c.done().error->status, 504);
    EXPECT_EQ(c.done().error->code, "upstream_timeout");
  }
}

TEST(HttpBackend, IdleTimeoutMidStreamEndsWithAnError) {
  FakeOpenAI fake;
  FakeBehaviour stall;
  stall.chunk_delay = 2s;
  fake.push(stall);
  HttpBackend b(http_model({fake.url()}, "    timeouts: {idle_s: 0.3}\n"));
  Collector c;
  b.start(ask(true), c.sink());
  ASSERT_TRUE(c.wait(4s));
  ASSERT_TRUE(c.done().error);
  EXPECT_EQ(c.done().error->status, 504);
}

TEST(HttpBackend, ResetMidStreamEndsWithAnErrorNotAHang) {
  FakeOpenAI fake;
  FakeBehaviour reset;
  reset.reset_after_events = 2;
  reset.chunk_delay = 20ms;
  fake.push(reset);
  HttpBackend b(http_model({fake.url()}, "    retries: 3\n"));
  Collector c;
  b.start(ask(true), c.sink());
  ASSERT_TRUE(c.wait(5s));
  ASSERT_TRUE(c.done().error);
  EXPECT_EQ(c.done().error->status, 502);
  EXPECT_EQ(c.text(), "Hello, ");       // what came before the reset
  EXPECT_EQ(fake.request_count(), 1u);  // bytes reached the client: no retry
  EXPECT_EQ(c.done_calls(), 1);
}

TEST(HttpBackend, CancelMidStreamClosesTheUpstreamConnection) {
  FakeOpenAI fake;
  std::vector<std::string> many(200, "tok ");
  fake.set_answer(many);
  FakeBehaviour slow;
  slow.chunk_delay = 10ms;
  fake.push(slow);
  HttpBackend b(http_model({fake.url()}));
  Collector c;
  auto cancel = b.start(ask(true), c.sink());
  ASSERT_TRUE(fake.wait_until([&] { return c.delta_count() >= 3; }));
  cancel();
  ASSERT_TRUE(c.wait(5s));
  EXPECT_EQ(c.done().finish, FinishReason::Cancelled);
  EXPECT_FALSE(c.done().error);
  EXPECT_TRUE(fake.wait_until([&] { return fake.open_connections() == 0; }, 5s));
  EXPECT_EQ(fake.aborted_streams(), 1);
  EXPECT_LT(c.delta_count(), 100u);
  EXPECT_EQ(b.stats().inflight, 0);
}

TEST(HttpBackend, DeadUrlIsEjectedAndEveryRequestSucceedsOnTheLiveOne) {
  FakeOpenAI fake;
  const std::string dead = dead_url();
  HttpBackend b(http_model({dead, fake.url()},
                           "    retries: 2\n    health: {eject_after: 2, cooldown_s: 60}\n"));
  for (int i = 0; i < 10; ++i) {
    Collector c;
    b.start(ask(i % 2 == 0), c.sink());
    ASSERT_TRUE(c.wait());
    ASSERT_FALSE(c.done().error) << i << ": " << c.done().error->what();
    EXPECT_EQ(c.text(), "Hello, world!");
  }
  EXPECT_EQ(fake.request_count(), 10u);
  const UpstreamStats s = b.stats();
  ASSERT_EQ(s.urls.size(), 2u);
  EXPECT_EQ(s.urls[0].url, dead);
  EXPECT_TRUE(s.urls[0].ejected);
  EXPECT_EQ(s.urls[0].consecutive_failures, 2);  // no more attempts once ejected
  EXPECT_FALSE(s.urls[1].ejected);
}

TEST(HttpBackend, EjectedUrlIsProbedBackAfterItsCooldown) {
  FakeOpenAI a, b2;
  HttpBackend b(http_model({a.url(), b2.url()},
                           "    retries: 1\n    health: {eject_after: 1, cooldown_s: 0.2}\n"));
  FakeBehaviour down;
  down.status = 502;
  a.push(down);
  b2.push(down);
  // Least-outstanding picks a, which fails; the retry goes to b2, which fails too.
  Collector c;
  b.start(ask(false), c.sink());
  ASSERT_TRUE(c.wait());
  EXPECT_TRUE(c.done().error);
  EXPECT_TRUE(b.stats().urls[0].ejected);
  EXPECT_TRUE(b.stats().urls[1].ejected);
  std::this_thread::sleep_for(300ms);
  for (int i = 0; i < 4; ++i) {
    Collector ok;
    b.start(ask(false), ok.sink());
    ASSERT_TRUE(ok.wait());
    EXPECT_FALSE(ok.done().error);
  }
  EXPECT_FALSE(b.stats().urls[0].ejected);
  EXPECT_FALSE(b.stats().urls[1].ejected);
  EXPECT_GE(a.request_count(), 2u);
  EXPECT_GE(b2.request_count(), 2u);
}

TEST(HttpBackend, ApiKeyGoesAsBearerAndNeverIntoLogsOrErrors) {
  const std::string key = "sk-test-9f8e7d6c5b4a39281706";
  ::setenv("PERIMETER_TEST_CLOUD_KEY", key.c_str(), 1);
  std::ostringstream log;
  auto logger = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  logger->set_level(spdlog::level::trace);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);

  FakeOpenAI fake;
  FakeBehaviour echo;  // some APIs quote the key back in their error
  echo.status = 401;
  echo.error_message = "Incorrect API key provided: " + key;
  fake.push(echo);
  FakeBehaviour unavailable;
  unavailable.status = 503;
  unavailable.error_message = "overloaded for " + key;
  fake.push(unavailable);
  std::string errors;
  {
    HttpBackend b(http_model({fake.url(), dead_url()},
                             "    api_key_env: PERIMETER_TEST_CLOUD_KEY\n    retries: 0\n"));
    for (int i = 0; i < 4; ++i) {
      Collector c;
      b.start(ask(i % 2 == 1), c.sink());
      ASSERT_TRUE(c.wait());
      if (c.done().error) errors += std::string(c.done().error->what()) + "\n";
    }
  }
  spdlog::set_default_logger(previous);
  ::unsetenv("PERIMETER_TEST_CLOUD_KEY");

  EXPECT_NE(fake.received().find("Authorization: Bearer " + key + "\r\n"), std::string::npos);
  EXPECT_NE(errors.find("Incorrect API key provided: [redacted]"), std::string::npos) << errors;
  EXPECT_EQ(errors.find(key), std::string::npos) << errors;
  EXPECT_FALSE(log.str().empty());                                 // the failures were logged...
  EXPECT_EQ(log.str().find(key), std::string::npos) << log.str();  // ...without the key
}

TEST(HttpBackend, MissingKeyVariableFailsAtStartNamingIt) {
  ::unsetenv("PERIMETER_TEST_NO_SUCH_KEY");
  try {
    HttpBackend b(
        http_model({"http://127.0.0.1:1/v1"}, "    api_key_env: PERIMETER_TEST_NO_SUCH_KEY\n"));
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("PERIMETER_TEST_NO_SUCH_KEY is not set"),
              std::string::npos);
  }
}

TEST(HttpBackend, MaxInflightWithoutAQueueRefusesSaturatedAndSendsNothing) {
  FakeOpenAI fake;
  FakeBehaviour slow;
  slow.first_byte_delay = 500ms;
  fake.push(slow);
  HttpBackend b(http_model({fake.url()}, "    max_inflight: 1\n"));  // queue_wait_ms 0 for http
  Collector c;
  b.start(ask(false), c.sink());
  try {
    Collector c2;
    b.start(ask(false), c2.sink());
    FAIL() << "the second request should be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.status, 503);
    EXPECT_EQ(e.code, "upstream_saturated");
    EXPECT_NE(std::string(e.what()).find("'cloud'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not sent"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(b.stats().saturated);
  ASSERT_TRUE(c.wait());
  EXPECT_FALSE(c.done().error);
  EXPECT_EQ(fake.request_count(), 1u);
  EXPECT_FALSE(b.stats().saturated);
}

TEST(HttpBackend, QueueWaitExpiresSaturatedWithoutReachingTheUpstream) {
  FakeOpenAI fake;
  FakeBehaviour hold;
  hold.first_byte_delay = 3s;
  fake.push(hold);
  HttpBackend b(
      http_model({fake.url()}, "    max_inflight: 1\n    queue: 4\n    queue_wait_ms: 100\n"));
  Collector held;
  auto cancel_held = b.start(ask(true), held.sink());
  ASSERT_TRUE(fake.wait_until([&] { return fake.request_count() == 1; }));
  Collector queued;
  b.start(ask(true), queued.sink());  // waits, not refused
  ASSERT_TRUE(queued.wait());
  ASSERT_TRUE(queued.done().error);
  EXPECT_EQ(queued.done().error->status, 503);
  EXPECT_EQ(queued.done().error->code, "upstream_saturated");
  EXPECT_NE(std::string(queued.done().error->what()).find("queue_wait_ms"), std::string::npos);
  EXPECT_EQ(queued.delta_count(), 0u);
  EXPECT_EQ(queued.done_calls(), 1);
  EXPECT_EQ(fake.request_count(), 1u) << "the expired request reached the upstream";
  EXPECT_EQ(b.stats().queued, 0);
  cancel_held();
  ASSERT_TRUE(held.wait());
}

TEST(HttpBackend, QueuedRequestProceedsWhenAPlaceFrees) {
  FakeOpenAI fake;
  FakeBehaviour slow;
  slow.first_byte_delay = 300ms;
  fake.push(slow);
  HttpBackend b(http_model({fake.url()}, "    max_inflight: 1\n    queue_wait_ms: 20000\n"));
  Collector first, second;
  b.start(ask(false), first.sink());
  b.start(ask(true), second.sink());
  const auto s = b.stats();
  EXPECT_EQ(s.inflight, 1);
  EXPECT_EQ(s.queued, 1);
  ASSERT_TRUE(first.wait());
  ASSERT_TRUE(second.wait());
  EXPECT_FALSE(first.done().error);
  ASSERT_FALSE(second.done().error) << second.done().error->what();
  EXPECT_EQ(second.text(), "Hello, world!");
  EXPECT_EQ(fake.request_count(), 2u);
  EXPECT_EQ(b.stats().inflight, 0);
}

TEST(HttpBackend, CancelWhileQueuedEndsItWithoutSendingIt) {
  FakeOpenAI fake;
  FakeBehaviour hold;
  hold.first_byte_delay = 3s;
  fake.push(hold);
  HttpBackend b(
      http_model({fake.url()}, "    max_inflight: 1\n    queue: 1\n    queue_wait_ms: 20000\n"));
  Collector held, queued;
  auto cancel_held = b.start(ask(false), held.sink());
  ASSERT_TRUE(fake.wait_until([&] { return fake.request_count() == 1; }));
  auto cancel_queued = b.start(ask(false), queued.sink());
  // The queue (1) is full now: a third is refused at once.
  Collector third;
  EXPECT_THROW(b.start(ask(false), third.sink()), Error);
  cancel_queued();
  ASSERT_TRUE(queued.wait(2s)) << "a cancelled queued request did not end";
  EXPECT_FALSE(queued.done().error);
  EXPECT_EQ(queued.done().finish, FinishReason::Cancelled);
  EXPECT_EQ(b.stats().queued, 0);
  cancel_held();
  ASSERT_TRUE(held.wait());
  EXPECT_EQ(fake.request_count(), 1u);
}

TEST(HttpBackend, BusyUrlHandsTheRequestToTheNextUrlWithoutARetry) {
  FakeOpenAI busy, idle;
  FakeBehaviour limited;
  limited.status = 429;
  busy.push(limited);
  HttpBackend b(http_model({busy.url(), idle.url()}, "    retries: 0\n"));
  Collector c;
  b.start(ask(false), c.sink());
  ASSERT_TRUE(c.wait());
  ASSERT_FALSE(c.done().error) << c.done().error->what();
  EXPECT_EQ(busy.request_count(), 1u);
  EXPECT_EQ(idle.request_count(), 1u);
}

std::string vllm_metrics(double waiting) {
  return "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.\n"
         "# TYPE vllm:num_requests_waiting gauge\n"
         "vllm:num_requests_running{model_name=\"m\"} 8.0\n"
         "vllm:num_requests_waiting{model_name=\"m\"} " +
         std::to_string(waiting) + "\n";
}

TEST(HttpBackend, VllmMetricsProbeMarksSaturatedAndRecovers) {
  FakeOpenAI fake;
  fake.set_get("/metrics", vllm_metrics(3), 200, "text/plain; version=0.0.4");
  HttpBackend b(http_model(
      {fake.url()}, "    saturation: {probe: vllm_metrics, interval_ms: 50, max_waiting: 2}\n"));
  ASSERT_TRUE(fake.wait_until([&] { return b.stats().urls[0].saturated; }));
  EXPECT_TRUE(b.stats().saturated);
  Collector c;
  try {
    b.start(ask(false), c.sink());
    FAIL() << "a saturated upstream took the request";
  } catch (const Error& e) {
    EXPECT_EQ(e.code, "upstream_saturated");
    EXPECT_NE(std::string(e.what()).find("vllm_metrics"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fake.request_count(), 0u);

  fake.set_get("/metrics", vllm_metrics(2), 200, "text/plain");  // at the threshold: not above
  ASSERT_TRUE(fake.wait_until([&] { return !b.stats().urls[0].saturated; }));
  Collector ok;
  b.start(ask(false), ok.sink());
  ASSERT_TRUE(ok.wait());
  EXPECT_FALSE(ok.done().error);
  EXPECT_EQ(fake.request_count(), 1u);
}

TEST(HttpBackend, SlotsProbeSkipsTheBusyUrlAndFailedProbesCountAsUnknown) {
  FakeOpenAI busy, idle;
  busy.set_get("/slots", R"([{"id":0,"is_processing":true},{"id":1,"is_processing":true}])");
  idle.set_get("/slots", R"([{"id":0,"is_processing":true},{"id":1,"is_processing":false}])");
  HttpBackend b(http_model({busy.url(), idle.url()},
                           "    saturation: {probe: llamacpp_slots, interval_ms: 50}\n"));
  ASSERT_TRUE(busy.wait_until([&] { return b.stats().urls[0].saturated; }));
  ASSERT_TRUE(idle.wait_until([&] { return idle.get_count() > 0; }));
  EXPECT_FALSE(b.stats().urls[1].saturated);
  for (int i = 0; i < 4; ++i) {
    Collector c;
    b.start(ask(false), c.sink());
    ASSERT_TRUE(c.wait());
    EXPECT_FALSE(c.done().error);
  }
  EXPECT_EQ(busy.request_count(), 0u);
  EXPECT_EQ(idle.request_count(), 4u);

  // A url whose probe fails (no /slots here: 404) is not taken as saturated.
  FakeOpenAI bare;
  HttpBackend c(
      http_model({bare.url()}, "    saturation: {probe: llamacpp_slots, interval_ms: 50}\n"));
  ASSERT_TRUE(bare.wait_until([&] { return c.stats().urls[0].probe_failures >= 2; }));
  EXPECT_FALSE(c.stats().urls[0].saturated);
  EXPECT_FALSE(c.stats().saturated);
}

TEST(HttpBackend, HttpsToAPlainServerFailsCleanly) {
  FakeOpenAI fake;
  HttpBackend b(http_model({"https://127.0.0.1:" + std::to_string(fake.port()) + "/v1"},
                           "    retries: 0\n    timeouts: {connect_s: 2}\n"));
  Collector c;
  b.start(ask(false), c.sink());
  ASSERT_TRUE(c.wait());
  ASSERT_TRUE(c.done().error);
  EXPECT_EQ(c.done().error->status, 502);
  EXPECT_EQ(fake.request_count(), 0u);
}

TEST(HttpBackend, DestructionEndsAnswersInFlight) {
  FakeOpenAI fake;
  FakeBehaviour slow;
  slow.first_byte_delay = 10s;
  fake.set_default(slow);
  Collector c;
  {
    HttpBackend b(http_model({fake.url()}));
    b.start(ask(true), c.sink());
    fake.wait_until([&] { return fake.request_count() == 1; });
  }
  ASSERT_TRUE(c.wait(1s));
  EXPECT_EQ(c.done().finish, FinishReason::Cancelled);
}

// The whole server: `perimeter serve` builds an HttpBackend for engine: http.
TEST(HttpBackend, ServedThroughTheGateway) {
  FakeOpenAI fake;
  testing::Running server(http_config({fake.url()}));
  const auto models = testing::http_request(server.port(), "GET", "/v1/models").json();
  EXPECT_EQ(models["data"][0]["perimeter"]["engine"], "http");
  EXPECT_EQ(models["data"][0]["perimeter"]["egress"], "cloud");
  EXPECT_EQ(models["data"][0]["perimeter"]["sha256"], "fake-mini-2026-01-01");
  const json body = {
      {"model", "cloud"},
      {"messages", {{{"role", "user"}, {"content", "What is the capital of Peru?"}}}},
      {"user", "bob@corp.example"},
      {"stream", true},
      {"stream_options", {{"include_usage", true}}}};
  const auto res = testing::post_chat(server.port(), body);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(testing::sse_content(res.body), "Hello, world!");
  EXPECT_NE(res.body.find("\"prompt_tokens\":7"), std::string::npos) << res.body;
  EXPECT_EQ(fake.received().find("bob@corp.example"), std::string::npos);
  const auto plain =
      testing::post_chat(server.port(), {{"model", "cloud"}, {"messages", body["messages"]}});
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(plain.json()["choices"][0]["message"]["content"], "Hello, world!");
}

}  // namespace
}  // namespace perimeter::backends
