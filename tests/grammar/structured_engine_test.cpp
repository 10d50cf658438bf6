// Structured output through the embedded engine with the random demo model:
// whatever it babbles, the grammar makes every finished answer valid JSON for
// the schema, and a cut answer says "length".
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include <nlohmann/json.hpp>

#include "backends/embedded.h"
#include "engine/engine.h"
#include "grammar/grammar.h"
#include "http/openai.h"
#include "support/demo.h"
#include "support/http_client.h"
#include "support/running.h"

namespace perimeter::grammar {
namespace {

using nlohmann::json;

// Three fields, every one bounded, so a constrained answer ends well inside
// kEnoughTokens: a finish other than "stop" would be a bug.
const json kSchema = json::parse(R"({"type":"object",
  "properties":{"name":{"type":"string","maxLength":8},"age":{"type":"integer"},
                "member":{"type":"boolean"}},
  "required":["name","age","member"],"additionalProperties":false})");
constexpr int kEnoughTokens = 96;

json body(uint32_t seed, int max_tokens, const json& rf) {
  return {{"model", "demo"},
          {"messages", {{{"role", "user"}, {"content", "Who are you? Answer in JSON."}}}},
          {"seed", seed},
          {"max_tokens", max_tokens},
          {"temperature", 0.9},
          {"response_format", rf}};
}

json schema_format(bool strict = false) {
  return {{"type", "json_schema"},
          {"json_schema", {{"name", "person"}, {"schema", kSchema}, {"strict", strict}}}};
}

struct Answer {
  std::string text;
  Completion done;
};

// The request as the server would parse it, through the embedded backend's
// sampling resolution, into the engine.
Answer ask(engine::Engine& e, const json& request) {
  const ChatRequest req = http::parse_chat_request(request.dump());
  const auto s =
      backends::resolve_sampling(testing::demo_config().models.at("demo").sampling, req.sampling);
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  Answer a;
  e.submit(req.messages, s,
           {[&](std::string_view d) {
              std::lock_guard lk(mu);
              a.text += d;
            },
            [&](const Completion& c) {
              std::lock_guard lk(mu);
              a.done = c;
              finished = true;
              cv.notify_all();
            }});
  std::unique_lock lk(mu);
  cv.wait(lk, [&] { return finished; });
  return a;
}

class StructuredEngine : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    engine::EngineOptions o;
    o.name = "demo";
    o.path = testing::tiny_model();
    o.sha256 = testing::tiny_model_sha256();
    o.slots = 2;
    o.threads = 1;
    o.context = 512;
    engine_ = engine::Engine::load(o).release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }
  static engine::Engine* engine_;
};
engine::Engine* StructuredEngine::engine_ = nullptr;

TEST_F(StructuredEngine, EveryFinishedAnswerValidates) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    const Answer a = ask(*engine_, body(seed, kEnoughTokens, schema_format()));
    ASSERT_FALSE(a.done.error) << a.done.error->what();
    ASSERT_EQ(a.done.finish, FinishReason::Stop) << "seed " << seed << ": " << a.text;
    const auto v = validate(kSchema, a.text);
    EXPECT_TRUE(v.ok) << "seed " << seed << ": " << a.text << " -> " << v.error;
  }
}

TEST_F(StructuredEngine, JsonObjectAnswersAreObjects) {
  // Unbounded strings may run past max_tokens; finished ones must be objects.
  int finished = 0;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    const Answer a = ask(*engine_, body(seed, kEnoughTokens, {{"type", "json_object"}}));
    ASSERT_FALSE(a.done.error);
    if (a.done.finish != FinishReason::Stop) continue;
    ++finished;
    const json j = json::parse(a.text, nullptr, false);
    EXPECT_TRUE(j.is_object()) << a.text;
  }
  EXPECT_GT(finished, 0) << "no json_object answer finished within " << kEnoughTokens;
}

TEST_F(StructuredEngine, CutByMaxTokensIsLengthAndNotValid) {
  const Answer a = ask(*engine_, body(3, 4, schema_format()));
  EXPECT_EQ(a.done.finish, FinishReason::Length);
  EXPECT_FALSE(validate(kSchema, a.text).ok) << a.text;
  EXPECT_EQ(a.text.rfind("{", 0), 0u) << a.text;  // still the schema's prefix
}

TEST(StructuredServer, JsonSchemaEndToEndAndUnsupportedKeywordIs400) {
  testing::Running server(testing::demo_config(1, 4));
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    auto r = testing::post_chat(server.port(), body(seed, kEnoughTokens, schema_format(true)));
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = r.json();
    EXPECT_EQ(j["choices"][0]["finish_reason"], "stop") << r.body;
    const std::string content = j["choices"][0]["message"]["content"];
    EXPECT_TRUE(validate(kSchema, content).ok) << content;
  }
  json bad = kSchema;
  bad["properties"]["age"]["multipleOf"] = 0.5;  // a keyword value the compiler refuses
  auto r = testing::post_chat(
      server.port(),
      body(1, 8,
           {{"type", "json_schema"}, {"json_schema", {{"name", "person"}, {"schema", bad}}}}));
  ASSERT_EQ(r.status, 400) << r.body;
  const json err = r.json()["error"];
  EXPECT_EQ(err["param"], "response_format.json_schema.schema");
  EXPECT_EQ(err["code"], "unsupported_schema");
  EXPECT_NE(err["message"].get<std::string>().find("multipleOf"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace perimeter::grammar
