// Integration tests: the real server on an ephemeral loopback port, serving
// the tiny demo model through the embedded engine.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "backends/embedded.h"
#include "gateway/gateway.h"
#include "http/server.h"
#include "lock/lock.h"
#include "support/demo.h"
#include "support/http_client.h"
#include "support/running.h"

namespace perimeter::http {
namespace {

using nlohmann::json;
using testing::http_request;
using testing::post_chat;
using testing::Running;
using testing::sse_content;
using testing::sse_payloads;

json chat(const std::string& text, uint32_t seed, int max_tokens, bool stream = false) {
  json j = {{"model", "demo"},
            {"messages", {{{"role", "user"}, {"content", text}}}},
            {"seed", seed},
            {"max_tokens", max_tokens},
            {"temperature", 0.9}};
  if (stream) j["stream"] = true;
  return j;
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cfg = testing::demo_config(2, 16);
    cfg.server.max_body_bytes = 64 * 1024;
    server_ = new Running(cfg);
  }
  static void TearDownTestSuite() { delete server_; }
  static Running* server_;
};
Running* ServerTest::server_ = nullptr;

TEST_F(ServerTest, HealthReadyAndModels) {
  EXPECT_EQ(http_request(server_->port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(server_->port(), "GET", "/readyz").status, 200);
  auto models = http_request(server_->port(), "GET", "/v1/models");
  ASSERT_EQ(models.status, 200);
  json j = models.json();
  EXPECT_EQ(j["object"], "list");
  ASSERT_EQ(j["data"].size(), 1u);
  EXPECT_EQ(j["data"][0]["id"], "demo");
  EXPECT_EQ(j["data"][0]["perimeter"]["sha256"], testing::tiny_model_sha256());
}

TEST_F(ServerTest, NonStreamingShape) {
  auto r = post_chat(server_->port(), chat("hello", 1, 9));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/json");
  json j = r.json();
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], "demo");
  EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(r.headers["x-request-id"], j["id"]);
  EXPECT_TRUE(j["created"].is_number_integer());
  ASSERT_EQ(j["choices"].size(), 1u);
  EXPECT_EQ(j["choices"][0]["index"], 0);
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_TRUE(j["choices"][0]["message"]["content"].is_string());
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 9);
  EXPECT_EQ(j["usage"]["total_tokens"], j["usage"]["prompt_tokens"].get<int>() + 9);
  // Derived like the lockfile's: model hash, sampling defaults, llama.cpp build.
  EXPECT_EQ(j["system_fingerprint"],
            lock::model_fingerprint(testing::demo_config(2, 16).models.at("demo")));
}

TEST_F(ServerTest, AutoAndOmittedModelUseTheDefault) {
  json body = chat("hi", 1, 2);
  body["model"] = "auto";
  auto r = post_chat(server_->port(), body);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["model"], "demo");
}

TEST_F(ServerTest, StreamingShapeWithUsage) {
  json body = chat("hello", 1, 9, true);
  body["stream_options"] = {{"include_usage", true}};
  auto r = post_chat(server_->port(), body);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/event-stream");
  auto events = sse_payloads(r.body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back(), "[DONE]");
  json first = json::parse(events[0]);
  EXPECT_EQ(first["object"], "chat.completion.chunk");
  EXPECT_EQ(first["choices"][0]["delta"]["role"], "assistant");
  const std::string id = first["id"];
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    json e = json::parse(events[i]);
    EXPECT_EQ(e["id"], id);
    EXPECT_EQ(e["object"], "chat.completion.chunk");
    EXPECT_TRUE(e.contains("usage"));
  }
  json finish = json::parse(events[events.size() - 3]);
  EXPECT_EQ(finish["choices"][0]["finish_reason"], "length");
  EXPECT_TRUE(finish["usage"].is_null());
  json usage = json::parse(events[events.size() - 2]);
  EXPECT_TRUE(usage["choices"].empty());
  EXPECT_EQ(usage["usage"]["completion_tokens"], 9);
  // Streaming and non-streaming give the same text for the same seed.
  auto plain = post_chat(server_->port(), chat("hello", 1, 9));
  EXPECT_EQ(sse_content(r.body), plain.json()["choices"][0]["message"]["content"]);
}

TEST_F(ServerTest, StreamingWithoutUsageHasNoUsageKey) {
  auto r = post_chat(server_->port(), chat("hello", 2, 3, true));
  auto events = sse_payloads(r.body);
  for (size_t i = 0; i + 1 < events.size(); ++i)
    EXPECT_FALSE(json::parse(events[i]).contains("usage"));
  EXPECT_EQ(json::parse(events[events.size() - 2])["choices"][0]["finish_reason"], "length");
}

TEST_F(ServerTest, AnalyzeEndpointReportsFindingsSensitivityAndIntent) {
  const std::string text = "Email jane.doe@example.org, SSN 536-22-1847, about her diagnosis.";
  json body = {{"messages", {{{"role", "user"}, {"content", text}}}}};  // no model needed
  auto r = http_request(server_->port(), "POST", "/v1/perimeter/analyze", body.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json j = r.json();
  bool email = false;
  for (const auto& f : j["findings"]) {
    if (f["type"] == "EMAIL_ADDRESS") {
      email = true;
      EXPECT_EQ(
          text.substr(f["start"].get<size_t>(), f["end"].get<size_t>() - f["start"].get<size_t>()),
          "jane.doe@example.org");
      EXPECT_EQ(f["message"], 0);
    }
  }
  EXPECT_TRUE(email) << r.body;
  EXPECT_NE(j["sensitivity"], "public");
  const std::string label = j["intent"]["label"];
  EXPECT_TRUE(label == "public_fact" || label == "sensitive_extraction" ||
              label == "complex_reasoning");
  EXPECT_FALSE(j["failed_closed"].get<bool>());
  EXPECT_EQ(http_request(server_->port(), "GET", "/v1/perimeter/analyze").status, 405);
  EXPECT_EQ(http_request(server_->port(), "POST", "/v1/perimeter/analyze", "nope").status, 400);
}

TEST_F(ServerTest, MalformedJsonIs400) {
  auto r = http_request(server_->port(), "POST", "/v1/chat/completions", "{\"model\": ");
  EXPECT_EQ(r.status, 400);
  json e = r.json()["error"];
  EXPECT_EQ(e["type"], "invalid_request_error");
  EXPECT_EQ(e["code"], "invalid_json");
  EXPECT_TRUE(e.contains("param") && e.contains("message"));
}

TEST_F(ServerTest, InvalidFieldIs400NamingIt) {
  json body = chat("x", 1, 2);
  body["top_p"] = 7;
  auto r = post_chat(server_->port(), body);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["param"], "top_p");
}

TEST_F(ServerTest, InvalidUtf8Is400) {
  auto r = http_request(
      server_->port(), "POST", "/v1/chat/completions",
      "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"\xc3\x28\"}]}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["code"], "invalid_json");
}

TEST_F(ServerTest, UnknownModelIs404) {
  json body = chat("x", 1, 2);
  body["model"] = "gpt-nonexistent";
  auto r = post_chat(server_->port(), body);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["error"]["code"], "model_not_found");
  EXPECT_EQ(r.json()["error"]["param"], "model");
}

TEST_F(ServerTest, UnknownUrlIs404AndWrongMethodIs405) {
  auto r = http_request(server_->port(), "GET", "/v1/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json()["error"]["code"], "unknown_url");
  auto m = http_request(server_->port(), "GET", "/v1/chat/completions");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.headers["allow"], "POST");
  EXPECT_EQ(m.json()["error"]["code"], "method_not_allowed");
  EXPECT_EQ(http_request(server_->port(), "POST", "/v1/models", "{}").status, 405);
}

TEST_F(ServerTest, BodyTooLargeIs413) {
  json body = chat(std::string(100 * 1024, 'a'), 1, 2);
  auto r = post_chat(server_->port(), body);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.json()["error"]["code"], "request_too_large");
  // The server is still fine afterwards.
  EXPECT_EQ(post_chat(server_->port(), chat("x", 1, 2)).status, 200);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  namespace net = boost::asio;
  namespace bhttp = boost::beast::http;
  net::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
  boost::beast::flat_buffer buf;
  for (int i = 0; i < 3; ++i) {
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/v1/chat/completions", 11};
    req.set(bhttp::field::host, "x");
    req.body() = chat("k", static_cast<uint32_t>(i), 2).dump();
    req.prepare_payload();
    bhttp::write(stream, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buf, res);
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_TRUE(res.keep_alive());
  }
}

// Answers that complete before the connection's client watcher has started
// must not leave the watcher blocked on a read (the response would never go).
TEST_F(ServerTest, ManyInstantAnswersAreAllDelivered) {
  json body = chat("quick", 1, 1);
  body["logit_bias"] = {{"151645", 100}};  // end of turn at once
  for (int i = 0; i < 150; ++i) {
    body["stream"] = i % 2 == 1;
    auto r = post_chat(server_->port(), body);
    ASSERT_EQ(r.status, 200) << "request " << i;
  }
}

TEST_F(ServerTest, MoreConcurrentRequestsThanSlotsAllComplete) {
  std::vector<std::future<testing::HttpResponse>> fs;
  for (int i = 0; i < 6; ++i)
    fs.push_back(std::async(std::launch::async, [i] {
      return post_chat(server_->port(), chat("concurrent " + std::to_string(i),
                                             static_cast<uint32_t>(i), 10 + i, i % 2 == 1));
    }));
  for (int i = 0; i < 6; ++i) {
    auto r = fs[i].get();
    ASSERT_EQ(r.status, 200) << r.body;
    if (i % 2 == 0) {
      EXPECT_EQ(r.json()["usage"]["completion_tokens"], 10 + i);
    } else {
      EXPECT_EQ(sse_payloads(r.body).back(), "[DONE]");
    }
  }
  EXPECT_TRUE(server_->wait_idle());
}

TEST_F(ServerTest, SeededContentIsStableUnderConcurrentLoad) {
  const auto alone = post_chat(server_->port(), chat("determinism probe", 1234, 40)).json();
  std::vector<std::future<testing::HttpResponse>> noise;
  for (int i = 0; i < 3; ++i)
    noise.push_back(std::async(std::launch::async, [i] {
      return post_chat(server_->port(),
                       chat("noise request number " + std::to_string(i), 77u + i, 60));
    }));
  const auto loaded = post_chat(server_->port(), chat("determinism probe", 1234, 40)).json();
  for (auto& f : noise) EXPECT_EQ(f.get().status, 200);
  EXPECT_EQ(loaded["choices"][0]["message"]["content"], alone["choices"][0]["message"]["content"]);
  const auto other_seed = post_chat(server_->port(), chat("determinism probe", 1235, 40)).json();
  EXPECT_NE(other_seed["choices"][0]["message"]["content"],
            alone["choices"][0]["message"]["content"]);
}

// Opens a connection, sends `body`, reads `read_bytes` of the answer (0 =
// none), then closes the socket without reading further.
void send_and_hang_up(uint16_t port, const json& body, size_t read_bytes) {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket s(ioc);
  s.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  const std::string payload = body.dump();
  const std::string req =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(payload.size()) + "\r\n\r\n" + payload;
  net::write(s, net::buffer(req));
  if (read_bytes) {
    std::string got(read_bytes, '\0');
    net::read(s, net::buffer(got));
  }
  s.close();
}

// http.busy_poll_us: the polling loop serves requests on two threads, streamed
// and not, and ends when the server stops (else ~Running would hang).
TEST(ServerBusyPoll, ServesAndStops) {
  auto cfg = testing::demo_config(2, 16);
  cfg.server.busy_poll_us = 200;
  cfg.server.threads = 2;
  {
    Running server(cfg);
    for (int i = 0; i < 6; ++i) {
      auto r = post_chat(server.port(), chat("quick", 1, 4, i % 2 == 1));
      ASSERT_EQ(r.status, 200) << r.body;
    }
  }
}

TEST(ServerCapacity, FullQueueIs503WithRetryAfterAndDisconnectFreesTheSlot) {
  Running server(testing::demo_config(1, 0));
  // Occupy the only slot with a long stream, read its first bytes, then hang up.
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket s(ioc);
  s.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
  const std::string payload = chat("long story", 1, 450, true).dump();
  net::write(s, net::buffer("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                            std::to_string(payload.size()) + "\r\n\r\n" + payload));
  std::string head(64, '\0');
  net::read(s, net::buffer(head));
  ASSERT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  EXPECT_EQ(server.stats().busy + server.stats().queued, 1);  // admitted or about to be

  auto refused = post_chat(server.port(), chat("second", 2, 4));
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.headers["retry-after"], "1");
  EXPECT_EQ(refused.json()["error"]["code"], "upstream_saturated");

  s.close();  // client disconnects mid-stream
  EXPECT_TRUE(server.wait_idle()) << "the slot was not freed after the client left";
  EXPECT_EQ(server.stats().cancelled, 1u) << "the answer ran on instead of being cancelled";
  EXPECT_EQ(post_chat(server.port(), chat("third", 3, 4)).status, 200);
}

TEST(ServerCapacity, NonStreamingDisconnectFreesTheSlot) {
  Running server(testing::demo_config(1, 0));
  send_and_hang_up(server.port(), chat("long", 1, 480), 0);
  for (int i = 0; i < 600 && server.stats().cancelled + server.stats().completed == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(server.wait_idle());
  EXPECT_EQ(server.stats().cancelled, 1u) << "the answer ran on instead of being cancelled";
  EXPECT_EQ(post_chat(server.port(), chat("next", 3, 4)).status, 200);
}

TEST(ServerRestart, SameSeedSameBytesAcrossRestarts) {
  std::string first;
  {
    Running server(testing::demo_config());
    first = post_chat(server.port(), chat("restart probe", 99, 30))
                .json()["choices"][0]["message"]["content"];
  }
  Running again(testing::demo_config());
  EXPECT_EQ(post_chat(again.port(), chat("restart probe", 99, 30))
                .json()["choices"][0]["message"]["content"],
            first);
}

}  // namespace
}  // namespace perimeter::http
