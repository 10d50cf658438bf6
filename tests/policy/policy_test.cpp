#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "core/error.h"
#include "policy/policy.h"

namespace perimeter::policy {
namespace {

// Two local models and two cloud models, as in the blueprint.
const std::map<std::string, ModelFacts> kModels = {
    {"extractor", {false, {}}}, {"reasoner", {false, {}}}, {"cloud-mini", {true, {}}}, {"cloud-large", {true, {}}}};

const char* kBlueprint = R"(
routes:
  cheap: {targets: [cloud-mini, extractor]}
  private: {targets: [extractor]}
  deep: {targets: [reasoner], fallback: [cloud-large], fallback_when: [saturated]}
intents:
  public_fact: cheap
  sensitive_extraction: private
  complex_reasoning: deep
  uncertain: private
)";

PolicyOptions parse(const std::string& yaml, const std::string& def = "extractor") {
  const YAML::Node n = YAML::Load(yaml);
  return parse_policy_options(&n, "policy", kModels, def);
}

std::string parse_error(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

router::Classification intent(router::Intent i, bool uncertain = false) {
  return {i, uncertain ? 0.4 : 0.9, {0.3, 0.3, 0.4}, uncertain};
}

detect::Finding finding(const std::string& type, detect::Category c) {
  return {type, c, 0, 0, 1, 1.0, "test"};
}

struct Case {
  router::Classification intent = ::perimeter::policy::intent(router::Intent::PublicFact);
  detect::Sensitivity level = detect::Sensitivity::Public;
  std::vector<detect::Finding> findings;
  std::string model;
  const auth::Role* role = nullptr;
};

Plan decide(const Policy& p, const Case& c) {
  Request r;
  r.intent = c.intent;
  r.effective = c.level;
  r.findings = &c.findings;
  r.model = c.model;
  r.role = c.role;
  return p.decide(r);
}

// The Error decide() throws for `c`; fails the test if it throws none.
Error decide_error(const Policy& p, const Case& c) {
  try {
    decide(p, c);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "decide() did not throw";
  return Error(0, "", "");
}

std::vector<std::string> models_of(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& c : p.candidates) out.push_back(c.model);
  return out;
}

bool mentions(const Plan& p, const std::string& text) {
  for (const auto& r : p.reasons)
    if (r.find(text) != std::string::npos) return true;
  return false;
}

Policy blueprint(const std::string& extra = "") {
  return Policy(parse(std::string(kBlueprint) + extra), kModels, "extractor");
}

TEST(PolicyParse, ErrorsNameTheKeyPath) {
  EXPECT_EQ(parse_error("routes: {r: {targets: [nope]}}"),
            "policy.routes.r.targets[0]: names no model under models: 'nope' (configured: "
            "cloud-large, cloud-mini, extractor, reasoner)");
  EXPECT_EQ(
      parse_error("routes: {r: {targets: [extractor], bogus: 1}}"),
      "policy.routes.r.bogus: unknown key (expected targets, fallback, fallback_when, adapter, "
      "structured, unenforced_schema)");
  EXPECT_EQ(parse_error("routes: {r: {fallback: [extractor]}}"),
            "policy.routes.r.targets: is required: at least one model id");
  EXPECT_NE(parse_error("routes: {r: {targets: [extractor], fallback: [reasoner], "
                        "fallback_when: [sometimes]}}")
                .find("policy.routes.r.fallback_when: unknown failure 'sometimes'"),
            std::string::npos);
  EXPECT_EQ(parse_error("routes: {r: {targets: [extractor]}}\nintents: {public_fact: nope}"),
            "policy.intents.public_fact: names no route under policy.routes: 'nope'");
  EXPECT_NE(
      parse_error("intents: {chit_chat: default}").find("policy.intents.chit_chat: unknown intent"),
      std::string::npos);
  // No "default" route and no uncertain route: an unlisted intent has nowhere to go.
  EXPECT_NE(parse_error("routes: {r: {targets: [extractor]}}\nintents: {public_fact: r}")
                .find("policy.intents.sensitive_extraction: is not set"),
            std::string::npos);
  EXPECT_EQ(
      parse_error("rules: [{when: {level: secret}, egress: never}]"),
      "policy.rules[0].when.level: must be one of public, internal, confidential, restricted");
  EXPECT_NE(parse_error("rules: [{when: {categories: [GOSSIP]}, egress: never}]")
                .find("policy.rules[0].when.categories: unknown category 'GOSSIP'"),
            std::string::npos);
  EXPECT_NE(parse_error("rules: [{when: {types: [NOT_A_TYPE]}, egress: never}]")
                .find("policy.rules[0].when.types: unknown entity type 'NOT_A_TYPE'"),
            std::string::npos);
  EXPECT_EQ(parse_error("rules: [{when: {}, egress: sometimes}]"),
            "policy.rules[0].egress: must be 'never' (omit it to allow cloud targets)");
  EXPECT_EQ(parse_error("rules: [{when: {}, pii: shred}]"),
            "policy.rules[0].pii: must be one of pseudonymize, mask, block");
  EXPECT_EQ(parse_error("rules: [{when: {}}]"),
            "policy.rules[0]: does nothing: set egress: never or pii: ...");
  EXPECT_NE(parse_error("on_forbidden: maybe").find("policy.on_forbidden: must be 'local'"),
            std::string::npos);
  EXPECT_EQ(parse_error("route: {}"),
            "policy.route: unknown key (expected routes, intents, rules, on_forbidden)");
  EXPECT_NE(parse_error("routes: {cloud-mini: {targets: [cloud-mini]}}")
                .find("policy.routes.cloud-mini: is also a model id"),
            std::string::npos);
}

TEST(PolicyParse, AbsentSectionGivesTheDefaults) {
  const PolicyOptions o = parse_policy_options(nullptr, "policy", kModels, "reasoner");
  ASSERT_EQ(o.routes.size(), 1u);
  EXPECT_EQ(o.routes.at("default").targets, std::vector<std::string>{"reasoner"});
  for (const char* i : {"public_fact", "sensitive_extraction", "complex_reasoning", "uncertain"})
    EXPECT_EQ(o.intents.at(i), "default") << i;
  ASSERT_EQ(o.rules.size(), 2u);
  EXPECT_EQ(o.rules[0].level, detect::Sensitivity::Confidential);
  EXPECT_TRUE(o.rules[0].egress_never);
  EXPECT_EQ(o.rules[1].categories, std::set<std::string>{"PII"});
  EXPECT_EQ(o.rules[1].pii, "pseudonymize");
  EXPECT_EQ(o.on_forbidden, "local");
}

TEST(PolicyParse, RulesDefaultUnlessListedAndUnlistedIntentsFollowUncertain) {
  EXPECT_EQ(parse(kBlueprint).rules.size(), 2u);  // no rules: key = the default rules
  EXPECT_TRUE(parse(std::string(kBlueprint) + "rules: []\n").rules.empty());
  const PolicyOptions o = parse(
      "routes: {a: {targets: [extractor]}, b: {targets: [reasoner]}}\n"
      "intents: {public_fact: a, uncertain: b}");
  EXPECT_EQ(o.intents.at("public_fact"), "a");
  EXPECT_EQ(o.intents.at("complex_reasoning"), "b");
  // A fallback list without fallback_when spills on any failure.
  const PolicyOptions f = parse("routes: {default: {targets: [reasoner], fallback: [extractor]}}");
  EXPECT_EQ(f.routes.at("default").fallback_when,
            (std::set<std::string>{"saturated", "error", "timeout"}));
}

TEST(PolicyDecide, DefaultsServeTheDefaultModelWithoutTransform) {
  const Policy p(parse_policy_options(nullptr, "policy", kModels, "extractor"), kModels,
                 "extractor");
  Case c;
  c.findings = {finding("EMAIL_ADDRESS", detect::Category::PII)};
  const Plan plan = decide(p, c);
  EXPECT_EQ(plan.route, "default");
  EXPECT_EQ(models_of(plan), std::vector<std::string>{"extractor"});
  EXPECT_EQ(plan.candidates[0].transform, Transform::None);  // local: never transformed
  EXPECT_TRUE(mentions(plan, "intent public_fact at confidence 0.90"));
}

TEST(PolicyDecide, PiiRuleTransformsCloudTargetsOnly) {
  const Policy p = blueprint();
  Case c;
  const Plan clean = decide(p, c);
  EXPECT_EQ(clean.route, "cheap");
  EXPECT_EQ(models_of(clean), (std::vector<std::string>{"cloud-mini", "extractor"}));
  // No pii rule matched: rules are the source of truth, nothing is transformed.
  EXPECT_EQ(clean.candidates[0].transform, Transform::None);

  c.findings = {finding("EMAIL_ADDRESS", detect::Category::PII)};
  const Plan plan = decide(p, c);
  ASSERT_EQ(models_of(plan), (std::vector<std::string>{"cloud-mini", "extractor"}));
  EXPECT_TRUE(plan.candidates[0].cloud);
  EXPECT_EQ(plan.candidates[0].transform, Transform::Pseudonymize);
  EXPECT_EQ(plan.candidates[1].transform, Transform::None);
  EXPECT_TRUE(plan.blocked.empty());
}

TEST(PolicyDecide, StrictestPiiActionWins) {
  const Policy p = blueprint(
      "rules:\n"
      "  - {when: {categories: [PII]}, pii: pseudonymize}\n"
      "  - {when: {types: [PHONE_NUMBER]}, pii: mask}\n"
      "  - {when: {types: [US_SSN]}, pii: block}\n");
  Case c;
  c.findings = {finding("EMAIL_ADDRESS", detect::Category::PII),
                finding("PHONE_NUMBER", detect::Category::PII)};
  EXPECT_EQ(decide(p, c).candidates[0].transform, Transform::Mask);

  c.findings.push_back(finding("US_SSN", detect::Category::PII));
  const Plan blocked = decide(p, c);
  EXPECT_EQ(models_of(blocked), std::vector<std::string>{"extractor"});
  EXPECT_TRUE(blocked.blocked.count("US_SSN"));

  // A block with only cloud targets left: 403 egress_blocked, saying how to fix it.
  Case deep = c;
  const Policy cloud_only(parse("routes: {default: {targets: [cloud-mini]}}\n"
                                "rules: [{when: {types: [US_SSN]}, pii: block}]"),
                          kModels, "extractor");
  const Error e = decide_error(cloud_only, deep);
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.code, "egress_blocked");
  EXPECT_NE(std::string(e.what()).find("US_SSN"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find("Add a local model"), std::string::npos);
}

TEST(PolicyDecide, EgressNeverByLevelCategoryAndType) {
  const Policy p = blueprint(
      "rules:\n"
      "  - {when: {level: confidential}, egress: never}\n"
      "  - {when: {categories: [PHI]}, egress: never}\n"
      "  - {when: {types: [SECRET]}, egress: never}\n");
  Case c;
  c.level = detect::Sensitivity::Confidential;
  Plan plan = decide(p, c);
  EXPECT_EQ(models_of(plan), std::vector<std::string>{"extractor"});
  EXPECT_TRUE(plan.blocked.count("confidential"));
  EXPECT_TRUE(mentions(plan, "dropped cloud-mini"));

  c.level = detect::Sensitivity::Internal;
  EXPECT_EQ(models_of(decide(p, c)), (std::vector<std::string>{"cloud-mini", "extractor"}));

  c.findings = {finding("MEDICAL_LICENSE", detect::Category::PHI)};
  plan = decide(p, c);
  EXPECT_EQ(models_of(plan), std::vector<std::string>{"extractor"});
  EXPECT_EQ(plan.blocked, std::set<std::string>{"PHI"});

  c.findings = {finding("SECRET", detect::Category::SECRET)};
  EXPECT_EQ(decide(p, c).blocked, std::set<std::string>{"SECRET"});
}

TEST(PolicyDecide, UncertainIntentNeverReachesTheCloud) {
  // Even a policy that sends uncertain requests to a cloud-first route with no rules.
  const Policy p(parse("routes: {default: {targets: [cloud-mini, extractor]}}\nrules: []"), kModels,
                 "extractor");
  Case c;
  c.intent = intent(router::Intent::PublicFact, /*uncertain=*/true);
  const Plan plan = decide(p, c);
  EXPECT_EQ(models_of(plan), std::vector<std::string>{"extractor"});
  EXPECT_TRUE(mentions(plan, "uncertain"));
  // A confident one does go there.
  c.intent = intent(router::Intent::PublicFact);
  EXPECT_EQ(models_of(decide(p, c)).front(), "cloud-mini");

  const Policy cloud_only(parse("routes: {default: {targets: [cloud-mini]}}\nrules: []"), kModels,
                          "extractor");
  c.intent = intent(router::Intent::PublicFact, true);
  EXPECT_EQ(decide_error(cloud_only, c).code, "egress_blocked");
}

TEST(PolicyDecide, UncertainUsesTheUncertainRoute) {
  const Policy p = blueprint();
  Case c;
  c.intent = intent(router::Intent::PublicFact, true);
  EXPECT_EQ(decide(p, c).route, "private");
  c.intent = intent(router::Intent::ComplexReasoning);
  EXPECT_EQ(decide(p, c).route, "deep");
}

TEST(PolicyDecide, NamedModelsAndRoutes) {
  const Policy p = blueprint();
  Case c;
  c.model = "auto";
  EXPECT_EQ(decide(p, c).route, "cheap");
  c.model = "deep";
  EXPECT_EQ(decide(p, c).route, "deep");
  c.model = "reasoner";
  const Plan plan = decide(p, c);
  EXPECT_EQ(plan.route, "model:reasoner");
  EXPECT_EQ(models_of(plan), std::vector<std::string>{"reasoner"});
  c.model = "gpt-17";
  const Error e = decide_error(p, c);
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.code, "model_not_found");
}

TEST(PolicyDecide, NamedCloudModelWithPhiIsKeptLocalOrRefused) {
  Case c;
  c.model = "cloud-large";
  c.intent = intent(router::Intent::SensitiveExtraction);
  c.findings = {finding("MEDICAL_LICENSE", detect::Category::PHI)};
  c.level = detect::Sensitivity::Restricted;

  const Plan plan = decide(blueprint(), c);
  EXPECT_EQ(plan.route, "private");
  EXPECT_EQ(models_of(plan), std::vector<std::string>{"extractor"});
  for (const auto& cand : plan.candidates) EXPECT_FALSE(cand.cloud);
  EXPECT_TRUE(mentions(plan,
                       "named model cloud-large would send restricted off the host; "
                       "served locally instead"));

  const Error e = decide_error(blueprint("on_forbidden: refuse\n"), c);
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.code, "egress_blocked");
  EXPECT_NE(std::string(e.what()).find("cloud-large"), std::string::npos);

  // The same model named for a request with nothing sensitive goes to the cloud.
  Case clean;
  clean.model = "cloud-large";
  EXPECT_EQ(models_of(decide(blueprint("on_forbidden: refuse\n"), clean)),
            std::vector<std::string>{"cloud-large"});
}

TEST(PolicyDecide, RoleLimitsRoutesAndModels) {
  const Policy p = blueprint();
  auth::Role role;
  role.name = "analyst";
  role.routes = {"private", "cheap"};
  Case c;
  c.role = &role;
  c.intent = intent(router::Intent::ComplexReasoning);
  Error e = decide_error(p, c);
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.code, "model_not_allowed");
  EXPECT_NE(std::string(e.what()).find("route 'deep'"), std::string::npos);

  // Models outside the role's list are dropped from the candidates.
  role.routes.clear();
  role.models = {"extractor", "reasoner"};
  c.intent = intent(router::Intent::PublicFact);
  const Plan plan = decide(p, c);
  EXPECT_EQ(models_of(plan), std::vector<std::string>{"extractor"});
  EXPECT_TRUE(mentions(plan, "dropped cloud-mini: role 'analyst' may not use it"));

  c.model = "cloud-mini";
  EXPECT_EQ(decide_error(p, c).code, "model_not_allowed");

  // A role limited to routes may name a model only if one of its routes uses it.
  role.models.clear();
  role.routes = {"private"};
  c.model = "extractor";
  EXPECT_EQ(decide(p, c).route, "model:extractor");
  c.model = "reasoner";
  EXPECT_EQ(decide_error(p, c).code, "model_not_allowed");
}

TEST(PolicyDecide, FallbacksFollowTargetsAndPassTheSameFilters) {
  const Policy p = blueprint();
  Case c;
  c.intent = intent(router::Intent::ComplexReasoning);
  Plan plan = decide(p, c);
  ASSERT_EQ(models_of(plan), (std::vector<std::string>{"reasoner", "cloud-large"}));
  EXPECT_FALSE(plan.candidates[0].fallback);
  EXPECT_TRUE(plan.candidates[1].fallback);
  EXPECT_EQ(plan.candidates[1].when, std::set<std::string>{"saturated"});

  c.findings = {finding("EMAIL_ADDRESS", detect::Category::PII)};
  EXPECT_EQ(decide(p, c).candidates[1].transform, Transform::Pseudonymize);

  c.findings = {finding("MEDICAL_LICENSE", detect::Category::PHI)};
  c.level = detect::Sensitivity::Restricted;
  EXPECT_EQ(models_of(decide(p, c)), std::vector<std::string>{"reasoner"});
}

TEST(PolicyJson, Shape) {
  Case c;
  c.intent = intent(router::Intent::ComplexReasoning);
  c.findings = {finding("EMAIL_ADDRESS", detect::Category::PII)};
  const nlohmann::json j = plan_json(decide(blueprint(), c));
  EXPECT_EQ(j["route"], "deep");
  ASSERT_EQ(j["candidates"].size(), 2u);
  EXPECT_EQ(j["candidates"][0], (nlohmann::json{{"model", "reasoner"},
                                                {"egress", "local"},
                                                {"transform", "none"},
                                                {"fallback", false},
                                                {"when", nlohmann::json::array()}}));
  EXPECT_EQ(j["candidates"][1], (nlohmann::json{{"model", "cloud-large"},
                                                {"egress", "cloud"},
                                                {"transform", "pseudonymize"},
                                                {"fallback", true},
                                                {"when", {"saturated"}}}));
  EXPECT_TRUE(j["reasons"].is_array());
  EXPECT_FALSE(j["reasons"].empty());
  EXPECT_TRUE(j["blocked"].is_array());
}

// The config hook: `policy:` parsed against the models, role routes checked.
const std::string kSha(64, 'a');
std::string config_yaml(const std::string& extra) {
  return "models:\n"
         "  local: {engine: embedded, path: m.gguf, sha256: " +
         kSha +
         "}\n"
         "  cloud: {engine: http, egress: cloud, upstream_model: m, urls: "
         "['http://127.0.0.1:1/v1']}\n" +
         extra;
}

std::string config_error(const std::string& yaml) {
  try {
    config::parse_config(yaml, "/base");
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "";
}

// Issue #7 item 6: a route's adapter applies where its models have it; an
// adapter the client names restricts the Plan to models that have it.
TEST(PolicyAdapters, RouteAndRequestAdapters) {
  const std::map<std::string, ModelFacts> models = {
      {"extractor", {false, {"legal"}}}, {"reasoner", {false, {}}}, {"cloud-mini", {true, {}}}};
  const YAML::Node n = YAML::Load(R"(
routes:
  cheap: {targets: [cloud-mini, extractor]}
  private: {targets: [extractor, reasoner], adapter: legal}
intents: {public_fact: cheap, sensitive_extraction: private, complex_reasoning: private,
          uncertain: private}
)");
  const Policy p(parse_policy_options(&n, "policy", models, "extractor"), models, "extractor");

  Case c;
  c.intent = intent(router::Intent::SensitiveExtraction);
  Plan plan = decide(p, c);
  ASSERT_EQ(models_of(plan), (std::vector<std::string>{"extractor", "reasoner"}));
  EXPECT_EQ(plan.candidates[0].adapter, "legal");
  EXPECT_EQ(plan.candidates[1].adapter, "");  // reasoner has none: base model, said in reasons
  EXPECT_NE(plan_json(plan).dump().find("reasoner has no adapter 'legal': base model"),
            std::string::npos);
  EXPECT_EQ(plan_json(plan)["candidates"][0]["adapter"], "legal");

  // The client asks for it on a route whose first target is a cloud model.
  c.intent = intent(router::Intent::PublicFact);
  EXPECT_EQ(decide(p, c).candidates[0].adapter, "");
  Request r;
  r.intent = c.intent;
  r.effective = c.level;
  r.findings = &c.findings;
  r.adapter = "legal";
  plan = p.decide(r);
  EXPECT_EQ(models_of(plan), std::vector<std::string>{"extractor"});
  EXPECT_EQ(plan.candidates[0].adapter, "legal");
  r.adapter = "medical";
  try {
    p.decide(r);
    ADD_FAILURE() << "an adapter no candidate has must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.code, "adapter_not_found");
    EXPECT_NE(std::string(e.what()).find("'medical'"), std::string::npos) << e.what();
  }

  const YAML::Node bad = YAML::Load("routes: {x: {targets: [reasoner], adapter: legal}}");
  try {
    parse_policy_options(&bad, "policy", models, "extractor");
    ADD_FAILURE() << "a route adapter none of its models has must be a config error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("policy.routes.x.adapter: no model of this route"),
              std::string::npos)
        << e.what();
  }
}

TEST(PolicyConfig, ParsedAfterModelsWithErrorsAsConfigErrors) {
  const config::Config cfg = config::parse_config(
      config_yaml("policy: {routes: {default: {targets: [cloud, local]}}}\n"), "/base");
  EXPECT_EQ(cfg.policy.routes.at("default").targets, (std::vector<std::string>{"cloud", "local"}));
  EXPECT_EQ(config_error(config_yaml("policy: {routes: {default: {targets: [gpt]}}}\n")),
            "policy.routes.default.targets[0]: names no model under models: 'gpt' (configured: "
            "cloud, local)");
  EXPECT_EQ(config_error(config_yaml("policy: {routes: {default: {targets: [local]}}}\n"
                                     "auth: {roles: {r: {routes: [deep]}}}\n")),
            "auth.roles.r.routes: names no route under policy.routes: 'deep'");
}

TEST(PolicyConfig, DemoConfigStillLoadsWithTheDefaultRoute) {
  const config::Config cfg =
      config::load_config(std::filesystem::path(PERIMETER_SOURCE_DIR) / "examples/demo.yaml");
  EXPECT_EQ(cfg.policy.routes.at("default").targets, std::vector<std::string>{"demo"});
  std::map<std::string, ModelFacts> facts{{"demo", {false, {}}}};
  const Policy p(cfg.policy, facts, cfg.default_model);
  Case c;
  c.findings = {finding("US_SSN", detect::Category::PII)};
  c.level = detect::Sensitivity::Confidential;
  EXPECT_EQ(models_of(decide(p, c)), std::vector<std::string>{"demo"});
}

}  // namespace
}  // namespace perimeter::policy
