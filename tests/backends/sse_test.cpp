#include <gtest/gtest.h>

#include "backends/http_upstream.h"
#include "backends/sse.h"
#include "http/openai.h"

namespace perimeter::backends {
namespace {

using nlohmann::json;

std::vector<SseEvent> parse_in_pieces(const std::string& text, const std::vector<size_t>& cuts) {
  SseParser p;
  std::vector<SseEvent> out;
  size_t at = 0;
  for (size_t cut : cuts) {
    p.feed(std::string_view(text).substr(at, cut - at),
           [&](const SseEvent& e) { out.push_back(e); });
    at = cut;
  }
  p.feed(std::string_view(text).substr(at), [&](const SseEvent& e) { out.push_back(e); });
  return out;
}

TEST(SseParser, SameEventsWhereverTheStreamIsSplit) {
  const std::string text =
      ": comment\r\n"
      "data: {\"a\":1}\r\n\r\n"
      "event: delta\ndata:no-space\n\n"
      "data: line one\rdata: line two\r\r"
      "id: 7\nretry: 10\ndata: [DONE]\n\n";
  const std::vector<SseEvent> whole = parse_in_pieces(text, {});
  ASSERT_EQ(whole.size(), 4u);
  EXPECT_EQ(whole[0].data, "{\"a\":1}");
  EXPECT_EQ(whole[1].event, "delta");
  EXPECT_EQ(whole[1].data, "no-space");
  EXPECT_EQ(whole[2].data, "line one\nline two");
  EXPECT_EQ(whole[3].data, "[DONE]");
  // Every single cut point and every pair of cut points.
  for (size_t i = 0; i <= text.size(); ++i) {
    for (size_t j = i; j <= text.size(); j += 3) {
      auto got = parse_in_pieces(text, {i, j});
      ASSERT_EQ(got.size(), whole.size()) << i << "," << j;
      for (size_t k = 0; k < got.size(); ++k) {
        EXPECT_EQ(got[k].data, whole[k].data) << i << "," << j;
        EXPECT_EQ(got[k].event, whole[k].event);
      }
    }
  }
}

TEST(SseParser, ByteAtATimeAndIncompleteTail) {
  const std::string text = "data: x\r\n\r\ndata: unfinished";
  SseParser p;
  std::vector<std::string> got;
  for (char c : text)
    p.feed(std::string_view(&c, 1), [&](const SseEvent& e) { got.push_back(e.data); });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "x");
  EXPECT_EQ(p.buffered(), std::string("data: unfinished").size());
}

config::Model model(const std::string& flavour, bool sampling = false) {
  config::Model m;
  m.id = "up";
  m.engine = "http";
  m.upstream.urls = {"http://127.0.0.1:1/v1"};
  m.upstream.model = "snapshot-2026-01-01";
  m.upstream.flavour = flavour;
  m.sampling_set = sampling;
  return m;
}

ChatRequest request() {
  ChatRequest r;
  r.model = "up";
  r.messages = {{"developer", "be brief"}, {"user", "hi"}};
  r.sampling.temperature = 0.5;
  r.sampling.top_k = 5;
  r.sampling.max_tokens = 9;
  r.sampling.seed = 42;
  r.stream = true;
  return r;
}

TEST(UpstreamBody, OpenAiFlavourIsAnAllowlistWithStoreFalse) {
  const json b = upstream_body(model("openai"), request());
  EXPECT_EQ(b["model"], "snapshot-2026-01-01");
  EXPECT_EQ(b["store"], false);
  EXPECT_EQ(b["max_completion_tokens"], 9);
  EXPECT_FALSE(b.contains("max_tokens"));
  EXPECT_FALSE(b.contains("top_k"));  // OpenAI rejects unknown sampling knobs
  EXPECT_EQ(b["messages"][0]["role"], "developer");
  EXPECT_EQ(b["stream_options"]["include_usage"], true);
  EXPECT_EQ(b["seed"], 42);
  std::set<std::string> keys;
  for (auto it = b.begin(); it != b.end(); ++it) keys.insert(it.key());
  EXPECT_EQ(keys,
            (std::set<std::string>{"model", "messages", "temperature", "seed",
                                   "max_completion_tokens", "stream", "stream_options", "store"}));
}

TEST(UpstreamBody, ResponseFormatIsSentInEachEnginesDialect) {
  const json schema = {
      {"type", "object"}, {"properties", {{"name", {{"type", "string"}}}}}, {"required", {"name"}}};
  const json rf = {{"type", "json_schema"},
                   {"json_schema", {{"name", "person"}, {"schema", schema}, {"strict", true}}}};
  const json chat = {{"model", "m"},
                     {"messages", {{{"role", "user"}, {"content", "Who?"}}}},
                     {"response_format", rf}};
  const ChatRequest r = http::parse_chat_request(chat.dump());
  EXPECT_EQ(upstream_body(model("openai"), r)["response_format"], rf);
  EXPECT_EQ(upstream_body(model("ollama"), r)["response_format"], rf);
  EXPECT_EQ(upstream_body(model("vllm"), r)["structured_outputs"], json({{"json", schema}}));
  EXPECT_EQ(upstream_body(model("llamacpp"), r)["json_schema"], schema);
  EXPECT_EQ(upstream_body(model("tgi"), r)["response_format"],
            json({{"type", "json"}, {"value", schema}}));
  // Our own GBNF is not sent where the engine takes the schema itself.
  EXPECT_FALSE(upstream_body(model("llamacpp"), r).contains("grammar"));

  json object_chat = chat;
  object_chat["response_format"] = {{"type", "json_object"}};
  const ChatRequest o = http::parse_chat_request(object_chat.dump());
  EXPECT_EQ(upstream_body(model("openai"), o)["response_format"], json({{"type", "json_object"}}));
  EXPECT_EQ(upstream_body(model("vllm"), o)["structured_outputs"], json({{"json_object", true}}));
  EXPECT_EQ(upstream_body(model("llamacpp"), o)["json_schema"], json({{"type", "object"}}));
  EXPECT_EQ(upstream_body(model("tgi"), o)["response_format"]["value"], json({{"type", "object"}}));
}

TEST(UpstreamBody, LocalEnginesGetTheirDialect) {
  const json v = upstream_body(model("vllm"), request());
  EXPECT_EQ(v["max_tokens"], 9);
  EXPECT_EQ(v["top_k"], 5);
  EXPECT_EQ(v["messages"][0]["role"], "system");
  EXPECT_FALSE(v.contains("store"));

  ChatRequest r = request();
  r.sampling.grammar = "root ::= \"x\"";
  EXPECT_EQ(upstream_body(model("llamacpp"), r)["grammar"], r.sampling.grammar);
  EXPECT_EQ(upstream_body(model("vllm"), r)["structured_outputs"]["grammar"], r.sampling.grammar);
  try {
    upstream_body(model("ollama"), r);
    FAIL() << "ollama cannot carry a GBNF grammar";
  } catch (const Error& e) {
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.param, "grammar");
  }
  r = request();
  r.sampling.logit_bias = {{15, 2.0f}};
  EXPECT_EQ(upstream_body(model("llamacpp"), r)["logit_bias"]["15"], 2.0);
  EXPECT_THROW(upstream_body(model("tgi"), r), Error);
}

TEST(UpstreamBody, ConfiguredSamplingIsSentBuiltInDefaultsAreNot) {
  ChatRequest r;
  r.messages = {{"user", "hi"}};
  const json bare = upstream_body(model("vllm"), r);
  EXPECT_FALSE(bare.contains("temperature"));
  EXPECT_FALSE(bare.contains("max_tokens"));
  EXPECT_EQ(bare["stream"], false);
  EXPECT_FALSE(bare.contains("stream_options"));
  config::Model m = model("vllm", true);
  m.sampling.temperature = 0;
  m.sampling.seed = 3;
  const json with = upstream_body(m, r);
  EXPECT_EQ(with["temperature"], 0.0);
  EXPECT_EQ(with["seed"], 3);
  EXPECT_EQ(with["max_tokens"], 256);
}

}  // namespace
}  // namespace perimeter::backends
