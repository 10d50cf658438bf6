// Issue #7 items 1 and 3, per route: `structured: required` refuses plain
// text requests, and `unenforced_schema: validate` serves a schema the
// compiler cannot enforce (any JSON is generated, the answer is validated
// afterwards) where other routes answer 400 naming the keyword.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "grammar/grammar.h"
#include "support/demo.h"
#include "support/http_client.h"
#include "support/running.h"

namespace perimeter::http {
namespace {

using nlohmann::json;
using testing::post_chat;

config::Config routes_config() {
  const std::string yaml =
      "listen: 127.0.0.1:0\nmodels:\n  demo:\n    engine: embedded\n    path: " +
      testing::tiny_model().string() + "\n    sha256: " + testing::tiny_model_sha256() +
      "\n    slots: 1\n    threads: 1\n    context: 512\n"
      "policy:\n  routes:\n"
      "    default: {targets: [demo]}\n"
      "    forms: {targets: [demo], structured: required}\n"
      "    lenient: {targets: [demo], unenforced_schema: validate}\n";
  return config::parse_config(yaml, ".");
}

json chat(const std::string& route, const json& response_format = nullptr) {
  json j = {{"model", route},
            {"messages", {{{"role", "user"}, {"content", "List the numbers."}}}},
            {"seed", 3},
            {"max_tokens", 48}};
  if (!response_format.is_null()) j["response_format"] = response_format;
  return j;
}

// The compiler cannot enforce `not` over multipleOf; relaxed, it drops the
// `not` and generates {"n": <integer>}, which the full schema never accepts
// (every integer is a multiple of 1): each finished answer must be the 502.
const json kUnenforceable = json::parse(R"({"type":"object",
  "properties":{"n":{"type":"integer","minimum":0,"maximum":99,"not":{"multipleOf":1}}},
  "required":["n"],"additionalProperties":false})");

TEST(StructuredRoutes, ARouteThatRequiresStructuredOutputRefusesPlainText) {
  testing::Running server(routes_config());
  auto r = post_chat(server.port(), chat("forms"));
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "structured_output_required");
  EXPECT_EQ(r.json()["error"]["param"], "response_format");
  auto ok = post_chat(server.port(), chat("forms", {{"type", "json_object"}}));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(post_chat(server.port(), chat("default")).status, 200);
}

TEST(StructuredRoutes, AnUnenforceableSchemaIsRefusedUnlessTheRouteValidates) {
  ASSERT_THROW(grammar::schema_to_gbnf(kUnenforceable, false), Error) << "pick another keyword";
  testing::Running server(routes_config());
  const json rf = {{"type", "json_schema"},
                   {"json_schema", {{"name", "numbers"}, {"schema", kUnenforceable}}}};
  auto refused = post_chat(server.port(), chat("default", rf));
  ASSERT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.json()["error"]["code"], "unsupported_schema");
  const std::string msg = refused.json()["error"]["message"];
  EXPECT_NE(msg.find("not"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unenforced_schema: validate"), std::string::npos) << msg;

  // Served under the relaxed grammar, and never claimed valid: the
  // validation after generation catches what the grammar let through.
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    json body = chat("lenient", rf);
    body["seed"] = seed;
    auto r = post_chat(server.port(), body);
    ASSERT_EQ(r.status, 502) << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "invalid_structured_output") << r.body;
  }
}

}  // namespace
}  // namespace perimeter::http
