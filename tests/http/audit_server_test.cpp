// The audit log, ledger, budgets and metrics wired into the real server:
// what reaches the store for each request, what a budget refuses, and what
// /metrics reports, against the tiny demo model on loopback.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <sqlite3.h>
#include <boost/asio.hpp>

#include "audit/signing.h"
#include "audit/store.h"
#include "audit/verify.h"
#include "ledger/report.h"
#include "support/audit_dir.h"
#include "support/demo.h"
#include "support/http_client.h"
#include "support/running.h"

namespace perimeter::http {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::AuditDir;
using testing::file_bytes;
using testing::post_chat;
using testing::Running;

json chat_body(const std::string& text, uint32_t seed, bool stream = false) {
  json j = {{"model", "demo"},
            {"messages", {{{"role", "user"}, {"content", text}}}},
            {"seed", seed},
            {"max_tokens", 6}};
  if (stream) j["stream_options"] = {{"include_usage", true}}, j["stream"] = true;
  return j;
}

// The usage object of a JSON or streamed (include_usage) answer.
json usage_of(const testing::HttpResponse& r) {
  if (r.headers.at("content-type") == "application/json") return r.json().at("usage");
  for (const auto& p : testing::sse_payloads(r.body)) {
    if (p == "[DONE]") continue;
    json j = json::parse(p);
    if (j.contains("usage") && !j["usage"].is_null()) return j["usage"];
  }
  return nullptr;
}

TEST(AuditedServer, DecisionBeforeOutcomeForEveryRequestAndTheChainVerifies) {
  AuditDir dir;
  std::map<std::string, json> usage_by_id;
  {
    Running server(dir.config());
    for (int i = 0; i < 4; ++i) {
      auto r = post_chat(server.port(), chat_body("Mail bob@example.com about the invoice", 7 + i,
                                                  /*stream=*/i % 2 == 1));
      ASSERT_EQ(r.status, 200) << r.body;
      usage_by_id[r.headers.at("x-request-id")] = usage_of(r);
    }
  }  // stopping drains the outcome writes and signs the closing checkpoint

  std::map<std::string, std::pair<audit::Row, audit::Row>> by_id;  // decision, outcome
  for (const auto& row : dir.rows()) {
    if (row.type == "decision") by_id[row.request_id].first = row;
    if (row.type == "outcome") by_id[row.request_id].second = row;
  }
  ASSERT_EQ(by_id.size(), usage_by_id.size());
  int n = 0;
  for (const auto& [id, usage] : usage_by_id) {
    ASSERT_TRUE(by_id.count(id)) << "no records for " << id;
    const auto& [decision, outcome] = by_id[id];
    ASSERT_GT(decision.seq, 0) << "no decision record for " << id;
    ASSERT_GT(outcome.seq, decision.seq) << "outcome missing or before the decision for " << id;
    const json d = json::parse(decision.body)["body"];
    EXPECT_EQ(d["backend"], "demo");
    EXPECT_EQ(d["egress"], "local");
    EXPECT_EQ(d["model"]["sha256"], testing::tiny_model_sha256());
    EXPECT_EQ(d["findings"]["EMAIL_ADDRESS"], 1) << d.dump();
    EXPECT_EQ(d["sampling"]["max_tokens"], 6);
    EXPECT_EQ(d["principal"], "local");
    const json o = json::parse(outcome.body)["body"];
    EXPECT_EQ(o["status"], 200);
    EXPECT_EQ(o["prompt_tokens"], usage["prompt_tokens"]);
    EXPECT_EQ(o["completion_tokens"], usage["completion_tokens"]);
    EXPECT_GT(o["cost"].get<double>(), 0.0);
    ++n;
  }
  EXPECT_EQ(n, 4);
  const auto report = dir.verify();
  EXPECT_TRUE(report.ok) << report.summary();
}

TEST(AuditedServer, RecordsTheSeedTheAnswerWasSampledWith) {
  AuditDir dir;
  std::string answer, id;
  {
    Running server(dir.config());
    json body = chat_body("Say something", 0);
    body.erase("seed");  // the gateway draws one; the record must name it
    body["temperature"] = 1.0;
    auto r = post_chat(server.port(), body);
    ASSERT_EQ(r.status, 200) << r.body;
    answer = r.json()["choices"][0]["message"]["content"];
    id = r.headers.at("x-request-id");
    json d;
    for (const auto& row : dir.rows())
      if (row.type == "decision" && row.request_id == id) d = json::parse(row.body)["body"];
    ASSERT_TRUE(d.contains("sampling")) << "no decision record";
    // Replaying with the recorded sampling reproduces the answer.
    body["seed"] = d["sampling"]["seed"];
    auto again = post_chat(server.port(), body);
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(again.json()["choices"][0]["message"]["content"], answer);
  }
}

// Issue #7 item 6: a LoRA adapter chosen by the request (or by its route)
// changes the answer, and the record and the fingerprint say which one.
TEST(AuditedServer, AdapterPerRequestAndPerRouteIsRecordedAndFingerprinted) {
  AuditDir dir;
  const std::string pin = testing::tiny_adapter_sha256(1);
  const std::string adapters =
      "    adapters:\n      legal: {path: " + testing::tiny_adapter(1).string() +
      ", sha256: " + pin + "}\n";
  json body = chat_body("Summarise the contract", 5);
  body["temperature"] = 0;
  body["max_tokens"] = 12;
  std::string adapted, adapted_fp, base_fp;
  {
    Running server(dir.config(false, "", adapters));
    auto base = post_chat(server.port(), body);
    ASSERT_EQ(base.status, 200) << base.body;
    json with = body;
    with["adapter"] = "legal";
    auto r = post_chat(server.port(), with);
    ASSERT_EQ(r.status, 200) << r.body;
    adapted = r.json()["choices"][0]["message"]["content"];
    EXPECT_NE(adapted, base.json()["choices"][0]["message"]["content"].get<std::string>());
    base_fp = base.json()["system_fingerprint"];
    adapted_fp = r.json()["system_fingerprint"];
    EXPECT_NE(adapted_fp, base_fp);

    json d;
    for (const auto& row : dir.rows())
      if (row.type == "decision" && row.request_id == r.headers.at("x-request-id"))
        d = json::parse(row.body)["body"];
    EXPECT_EQ(d["model"]["adapter"], json({{"name", "legal"}, {"sha256", pin}})) << d.dump();

    auto models = testing::http_request(server.port(), "GET", "/v1/models", "");
    ASSERT_EQ(models.status, 200);
    EXPECT_EQ(models.json()["data"][0]["perimeter"]["adapters"], json::array({"legal"}));

    with["adapter"] = "medical";
    auto unknown = post_chat(server.port(), with);
    EXPECT_EQ(unknown.status, 400) << unknown.body;
    EXPECT_EQ(unknown.json()["error"]["code"], "adapter_not_found");
    EXPECT_EQ(unknown.json()["error"]["param"], "adapter");
    with["adapter"] = 7;
    auto wrong_type = post_chat(server.port(), with);
    EXPECT_EQ(wrong_type.status, 400) << wrong_type.body;
    EXPECT_EQ(wrong_type.json()["error"]["param"], "adapter");
  }
  // The route names the adapter: the client need not.
  body["model"] = "auto";
  AuditDir dir2;
  Running server(dir2.config(
      false, "policy: {routes: {default: {targets: [demo], adapter: legal}}}\n", adapters));
  auto r = post_chat(server.port(), body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["choices"][0]["message"]["content"], adapted);
  EXPECT_EQ(r.json()["system_fingerprint"], adapted_fp);
}

TEST(AuditedServer, NoPromptOrAnswerTextInTheStoreByDefault) {
  const std::string marker = "ZQX-MARKER-" + std::to_string(::getpid()) + "-7741";
  AuditDir plain;
  {
    Running server(plain.config());
    ASSERT_EQ(post_chat(server.port(), chat_body("Remember " + marker, 3)).status, 200);
  }
  ASSERT_GT(plain.rows().size(), 1u);
  for (const auto& entry : fs::directory_iterator(plain.path()))
    EXPECT_EQ(file_bytes(entry.path()).find(marker), std::string::npos)
        << "the prompt's marker is in " << entry.path();

  // The same search finds the marker when the config asks for text: the grep can fail.
  AuditDir with_text;
  {
    Running server(with_text.config(/*store_text=*/true));
    ASSERT_EQ(post_chat(server.port(), chat_body("Remember " + marker, 3)).status, 200);
  }
  bool found = false;
  for (const auto& entry : fs::directory_iterator(with_text.path()))
    found = found || file_bytes(entry.path()).find(marker) != std::string::npos;
  EXPECT_TRUE(found) << "store_text: true did not keep the prompt";
  EXPECT_TRUE(with_text.verify().ok);
}

TEST(AuditedServer, OverBudgetGets429AndNothingIsDispatched) {
  AuditDir dir;
  Running server(dir.config(false, "ledger:\n  budgets:\n    local: {tokens_per_day: 10}\n"));
  auto first = post_chat(server.port(), chat_body("Hello there", 1));
  ASSERT_EQ(first.status, 200) << first.body;  // under budget when it started
  const auto before = server.stats();
  auto second = post_chat(server.port(), chat_body("Hello again", 2));
  ASSERT_EQ(second.status, 429) << second.body;
  const json err = second.json()["error"];
  EXPECT_EQ(err["type"], "insufficient_quota");
  EXPECT_EQ(err["code"], "budget_exceeded");
  EXPECT_NE(err["message"].get<std::string>().find("tokens_per_day"), std::string::npos);
  EXPECT_NE(err["message"].get<std::string>().find("resets at"), std::string::npos);
  EXPECT_TRUE(second.headers.count("retry-after"));
  const auto after = server.stats();
  EXPECT_EQ(after.completed + after.cancelled, before.completed + before.cancelled)
      << "the refused request reached the engine";
  int decisions = 0;
  for (const auto& row : dir.rows()) decisions += row.type == "decision";
  EXPECT_EQ(decisions, 1) << "the refused request has a decision record";
}

TEST(AuditedServer, AnUnwritableAuditLogRefusesTheRequestAndSendsNothing) {
  AuditDir dir;
  Running server(dir.config());
  ASSERT_EQ(post_chat(server.port(), chat_body("first", 1)).status, 200);
  // The first request's outcome record is written after its answer; let it land
  // so that the lock below only stands in the second request's way.
  for (int i = 0; i < 500 && dir.rows().size() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Another process holds the database's write lock past the store's busy timeout.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.db().c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 10000);  // the server's WAL checkpointer may hold it for a moment
  ASSERT_EQ(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto before = server.stats();
  auto refused = post_chat(server.port(), chat_body("second", 2));
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  ASSERT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.json()["error"]["code"], "audit_unavailable");
  const auto after = server.stats();
  EXPECT_EQ(after.completed + after.cancelled, before.completed + before.cancelled)
      << "a request without a durable decision record reached the engine";
  // Once the store is writable again the log carries on, and the chain is intact.
  ASSERT_EQ(post_chat(server.port(), chat_body("third", 3)).status, 200);
  EXPECT_TRUE(dir.verify().ok) << dir.verify().summary();
}

// Stopping the server mid-answer: the answer ends cancelled and still gets
// its outcome record (the embedded engine's on_done runs while the server and
// the audit log are both still there), and the chain closes cleanly.
TEST(AuditedServer, AnAnswerCutByShutdownGetsItsOutcomeRecord) {
  AuditDir dir;
  {
    Running server(dir.config());
    namespace net = boost::asio;
    net::io_context ioc;
    net::ip::tcp::socket s(ioc);
    s.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
    json body = chat_body("Tell me a long story", 3, true);
    body["max_tokens"] = 450;
    const std::string payload = body.dump();
    net::write(s, net::buffer("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                              std::to_string(payload.size()) + "\r\n\r\n" + payload));
    std::string head(64, '\0');
    net::read(s, net::buffer(head));  // the stream has started
    ASSERT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  }  // the server stops here, the client still connected
  std::vector<json> outcomes;
  for (const auto& r : dir.rows())
    if (r.type == "outcome") outcomes.push_back(json::parse(r.body)["body"]);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0]["finish_reason"], "cancelled") << outcomes[0].dump();
  EXPECT_EQ(outcomes[0]["status"], 499) << outcomes[0].dump();
  EXPECT_TRUE(dir.verify().ok) << dir.verify().summary();
}

TEST(AuditedServer, BudgetsSurviveARestart) {
  AuditDir dir;
  const std::string ledger = "ledger:\n  budgets:\n    local: {tokens_per_day: 10}\n";
  {
    Running server(dir.config(false, ledger));
    ASSERT_EQ(post_chat(server.port(), chat_body("Hello there", 1)).status, 200);
  }
  Running again(dir.config(false, ledger));
  EXPECT_EQ(post_chat(again.port(), chat_body("Hello there", 1)).status, 429);
}

TEST(AuditedServer, LedgerTotalsEqualTheUsageReturnedToClients) {
  AuditDir dir;
  int64_t prompt = 0, completion = 0;
  {
    Running server(dir.config());
    std::vector<std::thread> clients;
    std::mutex mu;
    for (int c = 0; c < 3; ++c)
      clients.emplace_back([&, c] {
        for (int i = 0; i < 3; ++i) {
          auto r = post_chat(server.port(), chat_body("Question " + std::to_string(c * 10 + i),
                                                      c * 10 + i, i == 1));
          ASSERT_EQ(r.status, 200) << r.body;
          json u = usage_of(r);
          std::lock_guard lk(mu);
          prompt += u["prompt_tokens"].get<int64_t>();
          completion += u["completion_tokens"].get<int64_t>();
        }
      });
    for (auto& t : clients) t.join();
  }
  auto store = dir.open_store();
  const auto report = ledger::build_report(*store, 0, {2.5, 10}, "USD");
  EXPECT_EQ(report.total.requests, 9);
  EXPECT_EQ(report.total.prompt_tokens, prompt);
  EXPECT_EQ(report.total.completion_tokens, completion);
  EXPECT_NEAR(report.total.spend, (prompt * 1.5 + completion * 4.0) / 1e6, 1e-12);
  EXPECT_EQ(report.total.local_tokens, prompt + completion);
}

TEST(AuditedServer, MetricsEndpointReportsRequestsTokensAndStages) {
  AuditDir dir;
  Running server(dir.config());
  int64_t prompt = 0;
  for (int i = 0; i < 2; ++i) {
    auto r = post_chat(server.port(), chat_body("Call +1 415 555 0100 now", 40 + i));
    ASSERT_EQ(r.status, 200);
    prompt += usage_of(r)["prompt_tokens"].get<int64_t>();
  }
  ASSERT_EQ(post_chat(server.port(), json{{"model", "nope"},
                                          {"messages", {{{"role", "user"}, {"content", "hi"}}}}})
                .status,
            404);
  // Outcomes are accounted just after the response: wait (bounded) for them.
  testing::HttpResponse m;
  for (int i = 0; i < 100; ++i) {
    m = testing::http_request(server.port(), "GET", "/metrics");
    if (m.body.find("perimeter_audit_records_total 4") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& b = m.body;
  EXPECT_NE(
      b.find("perimeter_requests_total{route=\"model:demo\",backend=\"demo\",status=\"200\"} 2"),
      std::string::npos)
      << b;
  EXPECT_NE(b.find("status=\"404\"} 1"), std::string::npos) << b;
  EXPECT_NE(
      b.find("perimeter_tokens_total{model=\"demo\",kind=\"prompt\"} " + std::to_string(prompt)),
      std::string::npos)
      << b;
  EXPECT_NE(b.find("perimeter_findings_total{type=\"PHONE_NUMBER\"} 2"), std::string::npos) << b;
  // The unknown model is found by policy, which needs the analysis first.
  const std::map<std::string, int> stages = {
      {"analyze", 3}, {"decide", 2}, {"audit", 2}, {"upstream", 2}, {"total", 2}};
  for (const auto& [stage, count] : stages)
    EXPECT_NE(b.find("perimeter_stage_duration_seconds_count{stage=\"" + stage + "\"} " +
                     std::to_string(count)),
              std::string::npos)
        << stage << "\n"
        << b;
  EXPECT_NE(b.find("perimeter_backend_slots{backend=\"demo\"} 2"), std::string::npos) << b;
  EXPECT_NE(b.find("perimeter_audit_records_total 4"), std::string::npos) << b;
}

}  // namespace
}  // namespace perimeter::http
