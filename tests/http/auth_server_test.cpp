// Authentication, roles and declared sensitivity through the real server:
// who may call, which models a role reaches, and what the decision record
// says the effective sensitivity was.
#include <gtest/gtest.h>

#include "core/sha256.h"
#include "support/audit_dir.h"
#include "support/http_client.h"
#include "support/running.h"

namespace perimeter::http {
namespace {

using nlohmann::json;
using testing::AuditDir;
using testing::post_chat;
using testing::Running;

const std::string kAnalystKey = "pk-analyst-test-key-0123456789";
const std::string kClerkKey = "pk-clerk-test-key-9876543210";
const std::string kAuditorKey = "pk-auditor-test-key-5555555555";

// Three keys: an analyst (no role), a clerk whose role only reaches `other`,
// and an auditor whose role raises everything to confidential.
std::string auth_yaml() {
  return "auth:\n  keys:\n"
         "    - {id: analyst, sha256: " +
         sha256_hex(kAnalystKey) +
         "}\n"
         "    - {id: clerk, sha256: " +
         sha256_hex(kClerkKey) +
         ", role: clerk}\n"
         "    - {id: auditor, sha256: " +
         sha256_hex(kAuditorKey) +
         ", role: auditor}\n"
         "  roles:\n"
         "    clerk: {models: [other]}\n"
         "    auditor: {sensitivity_floor: confidential}\n";
}

std::string other_model(const config::Config& base) {
  const auto& demo = base.models.at("demo");
  return "  other:\n    engine: embedded\n    path: " + demo.path.string() +
         "\n    sha256: " + demo.sha256 + "\n    slots: 1\n    threads: 1\n    context: 256\n";
}

json body(const std::string& text, const std::string& model = "demo") {
  return {{"model", model},
          {"messages", {{{"role", "user"}, {"content", text}}}},
          {"seed", 3},
          {"max_tokens", 4}};
}

std::map<std::string, std::string> bearer(const std::string& key) {
  return {{"Authorization", "Bearer " + key}};
}

// The decision records of the log, in order.
std::vector<json> decisions(const AuditDir& dir) {
  std::vector<json> out;
  for (const auto& row : dir.rows())
    if (row.type == "decision") out.push_back(json::parse(row.body)["body"]);
  return out;
}

class AuthServer : public ::testing::Test {
 protected:
  AuditDir dir;
  Running server{dir.config(false, auth_yaml(), other_model(dir.config()))};
};

TEST_F(AuthServer, MissingOrWrongKeyIs401AndRecordsNothing) {
  for (const auto& headers :
       std::vector<std::map<std::string, std::string>>{{},
                                                       bearer("pk-not-a-configured-key"),
                                                       {{"Authorization", "Basic " + kAnalystKey}},
                                                       {{"Authorization", kAnalystKey}}}) {
    auto r = post_chat(server.port(), body("Hello"), headers);
    ASSERT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "invalid_api_key");
    EXPECT_EQ(r.json()["error"]["type"], "invalid_request_error");
  }
  EXPECT_TRUE(decisions(dir).empty()) << "an unauthenticated request reached the audit log";
  EXPECT_EQ(testing::http_request(server.port(), "GET", "/v1/models").status, 401);
  EXPECT_EQ(
      testing::http_request(server.port(), "GET", "/v1/models", "", "", bearer(kClerkKey)).status,
      200);
}

TEST_F(AuthServer, TheKeyNamesThePrincipalAndItsRole) {
  ASSERT_EQ(post_chat(server.port(), body("Hello"), bearer(kAnalystKey)).status, 200);
  ASSERT_EQ(post_chat(server.port(), body("Hello", "other"), bearer(kClerkKey)).status, 200);
  const auto d = decisions(dir);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0]["principal"], "analyst");
  EXPECT_EQ(d[0]["role"], "");
  EXPECT_EQ(d[1]["principal"], "clerk");
  EXPECT_EQ(d[1]["role"], "clerk");
}

TEST_F(AuthServer, ARoleWithoutTheModelIs403AndNothingIsDispatched) {
  const auto before = server.stats();
  auto r = post_chat(server.port(), body("Hello"), bearer(kClerkKey));
  ASSERT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "model_not_allowed");
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("other"), std::string::npos)
      << "the error says which models the role may use";
  const auto after = server.stats();
  EXPECT_EQ(after.completed + after.cancelled, before.completed + before.cancelled);
}

TEST_F(AuthServer, DeclaredSensitivityRaisesButNeverLowers) {
  const std::string ssn = "My SSN is 536-22-8726, please file the form.";
  // Declared public on a request carrying an SSN: the detected level stands.
  ASSERT_EQ(
      post_chat(server.port(), body(ssn),
                {{"Authorization", "Bearer " + kAnalystKey}, {"X-Perimeter-Sensitivity", "public"}})
          .status,
      200);
  json lowered = body(ssn);
  lowered["metadata"] = {{"sensitivity", "public"}};
  ASSERT_EQ(post_chat(server.port(), lowered, bearer(kAnalystKey)).status, 200);
  // Declared restricted on harmless text: raised.
  ASSERT_EQ(post_chat(server.port(), body("What is the capital of France?"),
                      {{"Authorization", "Bearer " + kAnalystKey},
                       {"X-Perimeter-Sensitivity", "restricted"}})
                .status,
            200);
  // The auditor role's floor raises harmless text to confidential.
  ASSERT_EQ(
      post_chat(server.port(), body("What is the capital of France?"), bearer(kAuditorKey)).status,
      200);
  const auto d = decisions(dir);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0]["declared_sensitivity"], "public");
  EXPECT_EQ(d[0]["effective_sensitivity"], "confidential");
  EXPECT_EQ(d[1]["declared_sensitivity"], "public");
  EXPECT_EQ(d[1]["effective_sensitivity"], "confidential");
  EXPECT_EQ(d[2]["declared_sensitivity"], "restricted");
  EXPECT_EQ(d[2]["effective_sensitivity"], "restricted");
  EXPECT_EQ(d[3]["declared_sensitivity"], "none");
  EXPECT_EQ(d[3]["effective_sensitivity"], "confidential");
}

TEST_F(AuthServer, AnUnknownDeclaredLevelIs400) {
  auto r = post_chat(
      server.port(), body("Hello"),
      {{"Authorization", "Bearer " + kAnalystKey}, {"X-Perimeter-Sensitivity", "secret"}});
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("restricted"), std::string::npos)
      << "the error lists the valid levels";
  json bad = body("Hello");
  bad["metadata"] = {{"sensitivity", 3}};
  EXPECT_EQ(post_chat(server.port(), bad, bearer(kAnalystKey)).status, 400);
}

}  // namespace
}  // namespace perimeter::http
