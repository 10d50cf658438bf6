// The blueprint end to end through the real server: policy picks the route,
// personal data is pseudonymized before the fake cloud sees it and restored in
// the answer, sensitive work stays on the host, and a saturated local model
// spills to the cloud only when the data allows it, after a fallback record.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <utility>

#include <sqlite3.h>
#include <boost/asio.hpp>

#include "core/sha256.h"
#include "support/audit_dir.h"
#include "support/fake_openai.h"
#include "support/http_client.h"
#include "support/llama_server.h"
#include "support/running.h"

namespace perimeter::http {
namespace {

using nlohmann::json;
using testing::AuditDir;
using testing::FakeOpenAI;
using testing::post_chat;
using testing::Running;

const std::string kEmail = "jane.doe@example.org";
const std::string kPhone = "+1 650 253 0000";
const std::string kPublic =
    "What is the boiling point of water? Email me at " + kEmail + " or call " + kPhone + ".";
const std::string kSsn = "Extract the SSN from this W-2: John Smith, SSN 536-22-8726.";
const std::string kPhi =
    "Patient Maria Lopez, MRN 4482913, diagnosed with E11.9 type 2 diabetes, takes metformin "
    "500 mg twice daily. Plan a three-step treatment review.";

// demo (embedded, local), cloud-mini and cloud-large (the fake cloud), and a
// reasoner (a second fake, local) that takes one request at a time.
class Blueprint : public ::testing::Test {
 protected:
  std::string http_model(const std::string& id, const std::string& url, const std::string& egress,
                         const std::string& extra = "") {
    return "  " + id + ":\n    engine: http\n    urls: [" + url + "]\n    upstream_model: " + id +
           "-2026-01-01\n    egress: " + egress + "\n    retries: 0\n" + extra;
  }
  // `when`: the deep route's fallback_when; `extra`: more top-level YAML;
  // `audit_extra`: more keys of the `audit:` section. Two network threads, so
  // that the upstreams' strands are exercised with more than one thread.
  config::Config config(const std::string& when = "[saturated]", const std::string& extra = "",
                        const std::string& audit_extra = "") {
    return dir.config(
        false,
        audit_extra +
            "policy:\n  routes:\n"
            "    cheap: {targets: [cloud-mini, demo]}\n"
            "    private: {targets: [demo]}\n"
            "    deep: {targets: [reasoner], fallback: [cloud-large], fallback_when: " +
            when +
            "}\n"
            "  intents: {public_fact: cheap, sensitive_extraction: private, complex_reasoning: "
            "deep, uncertain: private}\n"
            "http:\n  threads: 2\n" +
            extra,
        http_model("cloud-mini", cloud.url(), "cloud", "    timeouts: {first_byte_s: 1}\n") +
            http_model("cloud-large", cloud.url(), "cloud") +
            http_model("reasoner", reasoner.url(), "local", "    max_inflight: 1\n"));
  }

  json body(const std::string& model, const std::string& text, bool stream = false) {
    json j = {{"model", model},
              {"messages", {{{"role", "user"}, {"content", text}}}},
              {"max_tokens", 8},
              {"seed", 5}};
    if (stream) j["stream"] = true;
    return j;
  }

  // Test (c): `spilled` went to cloud-large after one saturated fallback
  // record (`fallbacks`); then, still saturated, a PHI request gets a 503
  // naming PHI and the cloud hears nothing more.
  void expect_spill_then_phi_refused(uint16_t port, const testing::HttpResponse& spilled,
                                     const std::vector<json>& fallbacks) {
    EXPECT_EQ(spilled.json()["model"], "cloud-large");
    ASSERT_EQ(cloud.request_count(), 1u);
    ASSERT_EQ(fallbacks.size(), 1u);
    EXPECT_EQ(fallbacks[0]["from_backend"], "reasoner");
    EXPECT_EQ(fallbacks[0]["to_backend"], "cloud-large");
    EXPECT_EQ(fallbacks[0]["reason"], "saturated");
    auto refused = post_chat(port, body("deep", kPhi));
    ASSERT_EQ(refused.status, 503) << refused.body;
    EXPECT_NE(refused.json()["error"]["message"].get<std::string>().find("PHI"), std::string::npos)
        << refused.body;
    EXPECT_EQ(cloud.request_count(), 1u) << "the PHI request reached the cloud";
  }

  std::vector<json> rows_of(const std::string& type) {
    std::vector<json> out;
    for (const auto& r : dir.rows())
      if (r.type == type) out.push_back(json::parse(r.body)["body"]);
    return out;
  }

  AuditDir dir;
  FakeOpenAI cloud;
  FakeOpenAI reasoner;
};

TEST_F(Blueprint, PublicFactReachesTheCloudPseudonymizedAndTheAnswerIsRestored) {
  // The fake answers with the placeholders it received, split mid-placeholder.
  cloud.set_answer({"I will write to <EMAIL_ADD", "RESS_1> and call <PHONE_NUMBER_1>."});
  Running server(config());
  for (bool stream : {false, true}) {
    auto r = post_chat(server.port(), body("cheap", kPublic, stream));
    ASSERT_EQ(r.status, 200) << r.body;
    const std::string text = stream
                                 ? testing::sse_content(r.body)
                                 : r.json()["choices"][0]["message"]["content"].get<std::string>();
    EXPECT_EQ(text, "I will write to " + kEmail + " and call " + kPhone + ".");
  }
  ASSERT_EQ(cloud.request_count(), 2u);
  const std::string sent = cloud.received();
  EXPECT_EQ(sent.find(kEmail), std::string::npos) << sent;
  EXPECT_EQ(sent.find("253 0000"), std::string::npos) << sent;
  EXPECT_NE(sent.find("<EMAIL_ADDRESS_1>"), std::string::npos) << sent;
  const auto decisions = rows_of("decision");
  ASSERT_EQ(decisions.size(), 2u);
  EXPECT_EQ(decisions[0]["backend"], "cloud-mini");
  EXPECT_EQ(decisions[0]["egress"], "cloud");
  EXPECT_EQ(decisions[0]["transform"], "pseudonymize");
  // The record states the sampling actually sent: the cloud model has no
  // `sampling:` in the config, so only the client's values and the pinned seed.
  const json sampling = decisions[0]["sampling"];
  EXPECT_EQ(sampling["seed"], 5) << sampling.dump();
  EXPECT_EQ(sampling["max_tokens"], 8) << sampling.dump();
  EXPECT_TRUE(sampling.value("temperature", json()).is_null()) << sampling.dump();
  EXPECT_TRUE(sampling.value("top_k", json()).is_null()) << sampling.dump();
}

// audit.durable_before: egress lets a local dispatch go before its decision
// record commits; a dispatch to the cloud still waits for it. Another
// connection holds the audit database meanwhile, so that no commit can finish.
TEST_F(Blueprint, DurableBeforeEgressHoldsOnlyTheCloudDispatchForItsRecord) {
  std::vector<json> decisions_at_receipt;
  cloud.on_request([&](const std::string&) { decisions_at_receipt = rows_of("decision"); });
  {
    Running server(config("[saturated]", "", "  durable_before: egress\n"));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir.db().c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);  // the server's WAL checkpointer may hold it for a moment
    ASSERT_EQ(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
    auto local = std::async(std::launch::async,
                            [&] { return post_chat(server.port(), body("auto", kSsn)); });
    // Deadlock guard only (not a timing assertion): a gateway that waited for
    // the record would not answer before the database is released.
    const bool answered_while_held =
        local.wait_for(std::chrono::seconds(8)) == std::future_status::ready;
    auto sent = std::async(std::launch::async,
                           [&] { return post_chat(server.port(), body("cheap", kPublic)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const size_t cloud_while_held = cloud.request_count();
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    EXPECT_TRUE(answered_while_held) << "the local request waited for its decision record";
    EXPECT_EQ(cloud_while_held, 0u) << "the cloud got the request before its record";
    const auto l = local.get();
    ASSERT_EQ(l.status, 200) << l.body;
    EXPECT_EQ(l.json()["model"], "demo");
    const auto c = sent.get();
    ASSERT_EQ(c.status, 200) << c.body;
    EXPECT_EQ(c.json()["model"], "cloud-mini");
  }
  ASSERT_EQ(cloud.request_count(), 1u);
  ASSERT_FALSE(decisions_at_receipt.empty()) << "the cloud got the request before its record";
  EXPECT_EQ(decisions_at_receipt.back()["backend"], "cloud-mini");
  // Both decisions and both outcomes are in the log once the server has stopped.
  const auto decisions = rows_of("decision");
  ASSERT_EQ(decisions.size(), 2u);
  EXPECT_EQ(decisions[0]["backend"], "demo");
  EXPECT_EQ(rows_of("outcome").size(), 2u);
  EXPECT_TRUE(dir.verify().ok) << dir.verify().summary();
}

TEST_F(Blueprint, SensitiveWorkStaysLocalEvenWhenTheClientNamesTheCloud) {
  Running server(config());
  for (const std::string model : {"cheap", "cloud-mini", "auto"}) {
    auto r = post_chat(server.port(), body(model, kSsn));
    ASSERT_EQ(r.status, 200) << model << ": " << r.body;
    EXPECT_EQ(r.json()["model"], "demo") << model;
  }
  EXPECT_EQ(cloud.request_count(), 0u) << cloud.received();
  for (const auto& d : rows_of("decision")) {
    EXPECT_EQ(d["backend"], "demo");
    EXPECT_EQ(d["egress"], "local");
  }
}

TEST_F(Blueprint, ASaturatedReasonerSpillsToTheCloudOnlyAfterAFallbackRecord) {
  Running server(config());
  testing::FakeBehaviour slow;
  slow.first_byte_delay = std::chrono::milliseconds(3000);
  reasoner.push(slow);
  const std::string plan = "Plan a three-step migration of our build system to a new compiler.";
  auto busy =
      std::async(std::launch::async, [&] { return post_chat(server.port(), body("deep", plan)); });
  ASSERT_TRUE(reasoner.wait_until([&] { return reasoner.request_count() == 1; }));

  auto spilled = post_chat(server.port(), body("deep", plan));
  ASSERT_EQ(spilled.status, 200) << spilled.body;
  expect_spill_then_phi_refused(server.port(), spilled, rows_of("fallback"));
  EXPECT_EQ(busy.get().status, 200);
}

TEST_F(Blueprint, AnalyzeShowsThePlanWithItsReasons) {
  Running server(config());
  auto r = testing::http_request(server.port(), "POST", "/v1/perimeter/analyze",
                                 body("cloud-mini", kSsn).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json plan = r.json()["plan"];
  EXPECT_EQ(plan["candidates"][0]["model"], "demo") << plan.dump();
  EXPECT_FALSE(plan["reasons"].empty());
  EXPECT_EQ(r.json()["effective_sensitivity"], "confidential");
}

TEST_F(Blueprint, AFailingCloudEndsWithACleanErrorNeverAHang) {
  Running server(config());
  for (int status : {400, 500}) {
    testing::FakeBehaviour fail;
    fail.status = status;
    cloud.push(fail);
    auto r = post_chat(server.port(), body("cloud-mini", "What is the capital of Peru?"));
    EXPECT_GE(r.status, 400) << r.body;
    EXPECT_TRUE(r.json().contains("error")) << r.body;
  }
  testing::FakeBehaviour reset;
  reset.reset_after_events = 1;
  cloud.push(reset);
  auto r = post_chat(server.port(), body("cloud-mini", "What is the capital of Peru?", true));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"error\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("data: [DONE]"), std::string::npos) << "the stream ends well-formed";
}

TEST_F(Blueprint, AnUpstreamThatSaysItIsBusySpillsAfterAFallbackRecord) {
  // No queue here: the reasoner itself answers 503 (after Perimeter sent the
  // request), the way a loaded vLLM or llama-server does.
  Running server(config());
  testing::FakeBehaviour busy;
  busy.status = 503;
  reasoner.push(busy);
  const std::string plan = "Plan a three-step migration of our build system to a new compiler.";
  for (bool stream : {false, true}) {
    if (stream) reasoner.push(busy);
    auto r = post_chat(server.port(), body("deep", plan, stream));
    ASSERT_EQ(r.status, 200) << r.body;
    if (stream) {
      EXPECT_EQ(testing::sse_content(r.body), "Hello, world!");
      EXPECT_EQ(r.body.find("\"error\""), std::string::npos) << r.body;
    } else {
      EXPECT_EQ(r.json()["model"], "cloud-large");
    }
  }
  EXPECT_EQ(reasoner.request_count(), 2u);
  EXPECT_EQ(cloud.request_count(), 2u);
  const auto fallbacks = rows_of("fallback");
  ASSERT_EQ(fallbacks.size(), 2u);
  EXPECT_EQ(fallbacks[0]["reason"], "saturated");
  // One outcome per request, for the backend that answered. Outcome records
  // are written after the answer, asynchronously: let them land.
  auto outcomes = rows_of("outcome");
  for (int i = 0; i < 500 && outcomes.size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    outcomes = rows_of("outcome");
  }
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0]["status"], 200);
}

TEST_F(Blueprint, AFailingCandidateHandsOverOnlyWhenTheRouteSaysSo) {
  const std::string plan = "Plan a three-step migration of our build system to a new compiler.";
  testing::FakeBehaviour broken;
  broken.status = 500;
  {
    // fallback_when: [saturated] -- an error is not a reason to leave the host.
    Running server(config("[saturated]"));
    reasoner.push(broken);
    auto r = post_chat(server.port(), body("deep", plan));
    ASSERT_EQ(r.status, 502) << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "upstream_error");
    EXPECT_EQ(cloud.request_count(), 0u);
  }
  {
    Running server(config("[saturated, error]"));
    reasoner.push(broken);
    auto r = post_chat(server.port(), body("deep", plan));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["model"], "cloud-large");
    EXPECT_EQ(rows_of("fallback").back()["reason"], "error");
  }
}

TEST_F(Blueprint, ACloudThatFailsOrTimesOutHandsOverToTheNextTarget) {
  // cheap = [cloud-mini, demo]: both are targets, so any upstream failure
  // moves on; the client sees demo's answer, not the failure.
  Running server(config());
  testing::FakeBehaviour broken;
  broken.status = 500;
  testing::FakeBehaviour silent;  // cloud-mini times out after 1 s
  silent.first_byte_delay = std::chrono::milliseconds(2500);
  const std::string question = "What is the capital of Peru?";
  for (const auto& failure : {broken, silent}) {
    for (bool stream : {false, true}) {
      cloud.push(failure);
      auto r = post_chat(server.port(), body("cheap", question, stream));
      ASSERT_EQ(r.status, 200) << r.body;
      if (stream) {
        EXPECT_NE(r.body.find("data: [DONE]"), std::string::npos) << r.body;
        EXPECT_EQ(r.body.find("\"error\""), std::string::npos) << r.body;
      } else {
        EXPECT_EQ(r.json()["model"], "demo") << r.body;
      }
    }
  }
  const auto fallbacks = rows_of("fallback");
  ASSERT_EQ(fallbacks.size(), 4u);
  EXPECT_EQ(fallbacks[0]["reason"], "error");
  EXPECT_EQ(fallbacks[2]["reason"], "timeout");
  for (const auto& f : fallbacks) EXPECT_EQ(f["to_backend"], "demo");
}

TEST_F(Blueprint, ARoleWithoutTheRouteIs403AndNothingIsSent) {
  const std::string key = "pk-support-test-key-0123456789";
  Running server(
      config("[saturated]", "auth:\n  keys:\n    - {id: helpdesk, sha256: " + sha256_hex(key) +
                                ", role: support}\n"
                                "  roles:\n    support: {routes: [cheap]}\n"));
  const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + key}};
  const std::string plan = "Plan a three-step migration of our build system to a new compiler.";
  // Named, and chosen by the router for a reasoning task: both refused.
  for (const std::string model : {"deep", "auto"}) {
    auto r = post_chat(server.port(), body(model, plan), auth);
    ASSERT_EQ(r.status, 403) << model << ": " << r.body;
    EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("cheap"), std::string::npos)
        << "the error names what the role may use: " << r.body;
  }
  EXPECT_EQ(reasoner.request_count(), 0u);
  EXPECT_EQ(cloud.request_count(), 0u);
  EXPECT_TRUE(rows_of("decision").empty());
  // The route it has works.
  EXPECT_EQ(post_chat(server.port(), body("cheap", "What is the capital of Peru?"), auth).status,
            200);
  EXPECT_EQ(post_chat(server.port(), body("cheap", "What is the capital of Peru?")).status, 401);
}

// The blueprint's local large model is a real llama-server with one slot; a
// client of its own holds that slot, so its /slots probe reports it busy.
class BlueprintWithLlamaServer : public Blueprint {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::LlamaServerProcess::available())
        << "no llama-server at " << testing::LlamaServerProcess::binary()
        << ": run scripts/setup.sh";
    llama = std::make_unique<testing::LlamaServerProcess>(1, 8192);
  }
  config::Config config() {
    return dir.config(
        false,
        "policy:\n  routes:\n"
        "    deep: {targets: [reasoner], fallback: [cloud-large], fallback_when: [saturated]}\n"
        "  intents: {public_fact: deep, sensitive_extraction: deep, complex_reasoning: deep, "
        "uncertain: deep}\n",
        http_model("cloud-large", cloud.url(), "cloud") +
            http_model("reasoner", llama->url(), "local",
                       "    flavour: llamacpp\n"
                       "    saturation: {probe: llamacpp_slots, interval_ms: 50}\n"));
  }
  // Starts a long generation straight on llama-server (not through
  // Perimeter); returns once its first token arrived.
  std::future<testing::HttpResponse> hold_the_slot() {
    json hold = {{"messages", {{{"role", "user"}, {"content", "Write x forever."}}}},
                 {"max_tokens", 1500},
                 {"ignore_eos", true},  // a few seconds of work on the demo model
                 {"stream", true}};
    auto held = std::async(std::launch::async, [this, hold] {
      return testing::http_request(llama->port(), "POST", "/v1/chat/completions", hold.dump());
    });
    return held;
  }
  bool slot_busy() {
    const auto r = testing::http_request(llama->port(), "GET", "/slots");
    return r.status == 200 && r.json().size() == 1 && r.json()[0].value("is_processing", false);
  }
  std::unique_ptr<testing::LlamaServerProcess> llama;
};

TEST_F(BlueprintWithLlamaServer, SaturatedLocalModelSpillsToTheCloudAfterTheFallbackRecord) {
  Running server(config());
  const std::string plan = "Plan a three-step migration of our build system to a new compiler.";
  // Free: the local model answers, the cloud hears nothing.
  auto local = post_chat(server.port(), body("deep", plan));
  ASSERT_EQ(local.status, 200) << local.body;
  EXPECT_EQ(local.json()["model"], "reasoner");
  EXPECT_EQ(cloud.request_count(), 0u);

  // What the audit log held when the cloud received the request.
  std::vector<json> fallbacks_at_receipt;
  cloud.on_request([&](const std::string&) { fallbacks_at_receipt = rows_of("fallback"); });
  auto held = hold_the_slot();
  bool busy = false;
  for (int i = 0; i < 500 && !busy; ++i) {
    busy = slot_busy();
    if (!busy) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(busy) << "the holder never occupied llama-server's slot";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // 4 probe intervals

  auto spilled = post_chat(server.port(), body("deep", plan));
  ASSERT_EQ(spilled.status, 200) << spilled.body;
  // What the log held when the cloud received the bytes: the record came first.
  expect_spill_then_phi_refused(server.port(), spilled, fallbacks_at_receipt);
  EXPECT_EQ(rows_of("fallback").size(), 1u);
  // Let the holder finish: llama-server ends its stream cleanly.
  EXPECT_EQ(held.get().status, 200);
}

TEST_F(Blueprint, StructuredOutputIsForwardedToTheCloudAndItsAnswerValidated) {
  Running server(config());
  const json schema = {{"type", "object"},
                       {"properties", {{"capital", {{"type", "string"}}}}},
                       {"required", {"capital"}},
                       {"additionalProperties", false}};
  json req = body("cloud-mini", "What is the capital of Peru? Answer in JSON.");
  req["response_format"] = {{"type", "json_schema"},
                            {"json_schema", {{"name", "capital"}, {"schema", schema}}}};
  cloud.set_answer({"{\"capital\":", " \"Lima\"}"});
  auto ok = post_chat(server.port(), req);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.json()["choices"][0]["message"]["content"].get<std::string>()),
            json({{"capital", "Lima"}}));
  EXPECT_EQ(cloud.bodies().back()["response_format"], req["response_format"]);

  // An upstream that ignores the schema: the answer is not passed off as valid.
  cloud.set_answer({"{\"capital\": 42", "}"});
  auto bad = post_chat(server.port(), req);
  ASSERT_EQ(bad.status, 502) << bad.body;
  EXPECT_EQ(bad.json()["error"]["code"], "invalid_structured_output");
  EXPECT_NE(bad.json()["error"]["message"].get<std::string>().find("capital"), std::string::npos)
      << "the error says where the answer broke the schema: " << bad.body;
  req["stream"] = true;
  auto streamed = post_chat(server.port(), req);
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_NE(streamed.body.find("invalid_structured_output"), std::string::npos) << streamed.body;
  EXPECT_NE(streamed.body.find("data: [DONE]"), std::string::npos) << streamed.body;
}

TEST_F(Blueprint, PersonalDataInTheSchemaIsPseudonymizedLikeTheMessages) {
  Running server(config());
  const json schema = {{"type", "object"},
                       {"description", "Who answers the mail sent to " + kEmail},
                       {"properties", {{"contact", {{"enum", {kEmail, "desk@example.com"}}}}}},
                       {"required", {"contact"}}};
  json req = body("cheap", kPublic);
  req["response_format"] = {{"type", "json_schema"},
                            {"json_schema", {{"name", "contact"}, {"schema", schema}}}};
  req["stop"] = {"Signed, desk@example.com"};
  cloud.set_answer({"{\"contact\": \"<EMAIL_ADD", "RESS_1>\"}"});
  auto r = post_chat(server.port(), req);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.json()["choices"][0]["message"]["content"].get<std::string>()),
            json({{"contact", kEmail}}));
  ASSERT_EQ(cloud.request_count(), 1u);
  const std::string sent = cloud.received();
  EXPECT_EQ(sent.find(kEmail), std::string::npos) << sent;
  // A value only the schema holds is replaced too; the same value gets the same placeholder.
  EXPECT_EQ(sent.find("desk@example.com"), std::string::npos) << sent;
  EXPECT_NE(sent.find("\"enum\":[\"<EMAIL_ADDRESS_1>\",\"<EMAIL_ADDRESS_2>\"]"), std::string::npos)
      << sent;
  // Stop strings travel too.
  EXPECT_EQ(cloud.bodies().back()["stop"], json::array({"Signed, <EMAIL_ADDRESS_2>"})) << sent;
  // The analyze endpoint scans the same texts: findings in the schema (text
  // 1) and in the stop string (text 2), after the one message (text 0).
  auto explained =
      testing::http_request(server.port(), "POST", "/v1/perimeter/analyze", req.dump());
  ASSERT_EQ(explained.status, 200) << explained.body;
  std::set<int> texts;
  const json analysis = explained.json();
  for (const auto& f : analysis["findings"]) texts.insert(f["message"].get<int>());
  EXPECT_EQ(texts, (std::set<int>{0, 1, 2})) << explained.body;
}

TEST_F(Blueprint, AClientThatLeavesBeforeTheFirstByteStopsTheRequestWithOneOutcome) {
  Running server(config("[saturated, error]"));
  testing::FakeBehaviour slow_failure;  // would fall back to the cloud if anyone still waited
  slow_failure.first_byte_delay = std::chrono::milliseconds(1500);
  slow_failure.status = 500;
  reasoner.push(slow_failure);
  {
    namespace net = boost::asio;
    net::io_context ioc;
    net::ip::tcp::socket socket(ioc);
    socket.connect({net::ip::make_address("127.0.0.1"), server.port()});
    const std::string payload =
        body("deep", "Plan a three-step migration of our build system to a new compiler.", true)
            .dump();
    const std::string request =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        "application/json\r\nContent-Length: " +
        std::to_string(payload.size()) + "\r\n\r\n" + payload;
    net::write(socket, net::buffer(request));
    ASSERT_TRUE(reasoner.wait_until([&] { return reasoner.request_count() == 1; }));
  }  // the client hangs up before any byte of the answer
  auto outcomes = rows_of("outcome");
  for (int i = 0; i < 500 && outcomes.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    outcomes = rows_of("outcome");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));  // past the upstream's answer
  outcomes = rows_of("outcome");
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0]["status"], 499);
  EXPECT_TRUE(rows_of("fallback").empty());
  EXPECT_EQ(cloud.request_count(), 0u);
}

}  // namespace
}  // namespace perimeter::http
