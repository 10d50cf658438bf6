// The shipped example configs load and mean what their comments say: each is
// read from examples/, its Plans checked with the real detectors and router,
// and the single-box one served for real (the demo model, audit in a temp dir).
#include <gtest/gtest.h>

#include <filesystem>

#include "config/config.h"
#include "gateway/gateway.h"
#include "support/audit_dir.h"
#include "support/demo.h"
#include "support/http_client.h"
#include "support/running.h"

namespace perimeter {
namespace {

using nlohmann::json;

config::Config example(const std::string& name) {
  return config::load_config(std::filesystem::path(PERIMETER_SOURCE_DIR) / "examples" / name);
}

ChatRequest ask(const std::string& text, const std::string& model = "auto") {
  ChatRequest r;
  r.model = model;
  r.messages = {{"user", text}};
  return r;
}

// Plan candidates as "model" or "model(transform)" / "model[fallback]".
std::vector<std::string> candidates(const json& plan) {
  std::vector<std::string> out;
  for (const auto& c : plan["candidates"]) {
    std::string s = c["model"];
    if (c["transform"] != "none") s += "(" + c["transform"].get<std::string>() + ")";
    if (c["fallback"].get<bool>()) s += "[fallback]";
    out.push_back(s);
  }
  return out;
}

const std::string kPublic = "What is the capital of France? Reply to jane.doe@example.org.";
const std::string kSsn = "Extract the SSN from this W-2: John Smith, SSN 536-22-8726.";
const std::string kPlan = "Plan a three-step migration of our build system to a new compiler.";
const std::string kPhi =
    "Patient Maria Lopez, MRN 4482913, diagnosed with E11.9 type 2 diabetes, takes metformin "
    "500 mg twice daily. Plan a three-step treatment review.";

class BlueprintExample : public ::testing::Test {
 protected:
  static config::Config without_audit(config::Config c) {
    c.audit.reset();  // the Plan needs no log; keep var/ untouched
    return c;
  }
  json plan(const ChatRequest& r) {
    return gateway.explain({auth::kLocalPrincipal, nullptr}, r)["plan"];
  }
  config::Config cfg = without_audit(example("blueprint.yaml"));
  gateway::Gateway gateway{cfg};
};

TEST_F(BlueprintExample, HasTheBlueprintsModels) {
  EXPECT_EQ(cfg.models.at("extractor").engine, "embedded");
  EXPECT_EQ(cfg.models.at("reasoner").engine, "http");
  EXPECT_EQ(cfg.models.at("reasoner").egress, "local");
  EXPECT_EQ(cfg.models.at("reasoner").upstream.probe, "llamacpp_slots");
  for (const std::string cloud : {"cloud-mini", "cloud-large"}) {
    EXPECT_EQ(cfg.models.at(cloud).egress, "cloud") << cloud;
    EXPECT_EQ(cfg.models.at(cloud).upstream.api_key_env, "CLOUD_API_KEY") << cloud;
  }
}

TEST_F(BlueprintExample, PublicQuestionsGoToTheCheapCloudPseudonymized) {
  const json p = plan(ask(kPublic));
  EXPECT_EQ(p["route"], "cheap");
  EXPECT_EQ(candidates(p), (std::vector<std::string>{"cloud-mini(pseudonymize)", "extractor"}));
}

TEST_F(BlueprintExample, SensitiveExtractionStaysOnTheHostEvenWhenTheCloudIsNamed) {
  EXPECT_EQ(candidates(plan(ask(kSsn))), std::vector<std::string>{"extractor"});
  EXPECT_EQ(candidates(plan(ask(kSsn, "cloud-mini"))), std::vector<std::string>{"extractor"});
  EXPECT_EQ(candidates(plan(ask(kSsn, "cheap"))), std::vector<std::string>{"extractor"});
}

TEST_F(BlueprintExample, ReasoningSpillsToTheLargeCloudOnlyWhenSaturatedAndNeverWithPhi) {
  const json p = plan(ask(kPlan));
  EXPECT_EQ(p["route"], "deep");
  EXPECT_EQ(candidates(p), (std::vector<std::string>{"reasoner", "cloud-large[fallback]"}));
  EXPECT_EQ(p["candidates"][1]["when"], json::array({"saturated"}));
  const json phi = plan(ask(kPhi));
  EXPECT_EQ(candidates(phi), std::vector<std::string>{"reasoner"});
  EXPECT_NE(phi["blocked"].dump().find("PHI"), std::string::npos) << phi.dump();
}

TEST(SingleBoxExample, EveryIntentIsServedOnTheHost) {
  config::Config cfg = example("single-box.yaml");
  for (const auto& [id, m] : cfg.models) EXPECT_EQ(m.egress, "local") << id;
  // Served for real with the demo model it pins, its audit log in a temp dir.
  ASSERT_EQ(cfg.models.at("local").sha256, testing::tiny_model_sha256())
      << "examples/single-box.yaml pins a different demo model than the build generates";
  cfg.models.at("local").path = testing::tiny_model();
  cfg.models.at("local").threads = 1;
  testing::AuditDir dir;
  cfg.audit->store = "sqlite:" + dir.db().string();
  cfg.audit->signing_key = (dir.path() / "audit.pem").string();
  cfg.audit->public_key = (dir.path() / "audit.pub.pem").string();
  cfg.server.port = 0;
  testing::Running server(cfg);
  for (const std::string& text : {kPublic, kSsn, kPlan, kPhi}) {
    json body = {{"model", "auto"},
                 {"messages", {{{"role", "user"}, {"content", text}}}},
                 {"max_tokens", 4}};
    auto r = testing::post_chat(server.port(), body);
    ASSERT_EQ(r.status, 200) << text << ": " << r.body;
    EXPECT_EQ(r.json()["model"], "local");
  }
  const auto rows = dir.rows();
  size_t decisions = 0;
  for (const auto& row : rows)
    if (row.type == "decision") {
      ++decisions;
      EXPECT_EQ(json::parse(row.body)["body"]["egress"], "local");
    }
  EXPECT_EQ(decisions, 4u);
}

}  // namespace
}  // namespace perimeter
