#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "backends/embedded.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "engine/demo_model.h"
#include "engine/engine.h"
#include "support/answer_collector.h"
#include "support/demo.h"

namespace perimeter::engine {
namespace {

using testing::Answer;
using testing::Collector;
using testing::tiny_model;
using testing::tiny_model_sha256;

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("perimeter-" + std::to_string(::getpid()) + "-" + name);
}

TEST(DemoModel, SameArgumentsSameBytes) {
  const auto a = temp_path("a.gguf"), b = temp_path("b.gguf"), c = temp_path("c.gguf");
  const std::string ha = write_demo_model(a, demo_shape("tiny"), 7, default_vocab_file());
  const std::string hb = write_demo_model(b, demo_shape("tiny"), 7, default_vocab_file());
  const std::string hc = write_demo_model(c, demo_shape("tiny"), 8, default_vocab_file());
  EXPECT_EQ(ha, hb);
  EXPECT_EQ(ha, sha256_file(a));
  EXPECT_NE(ha, hc);  // the seed changes the weights
  for (const auto& p : {a, b, c}) std::filesystem::remove(p);
}

TEST(DemoModel, UnknownShapeAndMissingVocabAreClearErrors) {
  EXPECT_THROW(demo_shape("huge"), std::invalid_argument);
  try {
    write_demo_model(temp_path("x.gguf"), demo_shape("tiny"), 1, "/nonexistent/vocab.gguf");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/vocab.gguf"), std::string::npos);
  }
}

EngineOptions options(int slots = 2, int queue = 8) {
  EngineOptions o;
  o.name = "demo";
  o.path = tiny_model();
  o.sha256 = tiny_model_sha256();
  o.slots = slots;
  o.threads = 1;
  o.context = 512;
  o.queue = queue;
  return o;
}

TEST(EnginePin, MismatchIsRefusedNamingBothHashes) {
  EngineOptions o = options();
  o.sha256 = std::string(64, '0');
  try {
    Engine::load(o);
    FAIL() << "a wrong pin must refuse to load";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(tiny_model_sha256()), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string(64, '0')), std::string::npos) << msg;
  }
}

TEST(EnginePin, ChangedByteIsRefused) {
  const auto copy = temp_path("tampered.gguf");
  std::filesystem::copy_file(tiny_model(), copy, std::filesystem::copy_options::overwrite_existing);
  {
    std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x42');
  }
  EngineOptions o = options();
  o.path = copy;
  EXPECT_THROW(Engine::load(o), std::runtime_error);
  std::filesystem::remove(copy);
}

TEST(EnginePin, MissingFileExplainsHowToCreateIt) {
  EngineOptions o = options();
  o.path = "/nonexistent/model.gguf";
  try {
    Engine::load(o);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("perimeter demo-model"), std::string::npos);
  }
}

Sampling sampling(uint32_t seed, int max_tokens = 24) {
  Sampling s;
  s.temperature = 0.9;
  s.top_k = 40;
  s.top_p = 0.95;
  s.min_p = 0.0;
  s.seed = seed;
  s.max_tokens = max_tokens;
  return s;
}

std::vector<Message> chat(const std::string& text) {
  return {{"system", "Be brief."}, {"user", text}};
}

Answer ask(Engine& e, const std::vector<Message>& msgs, const Sampling& s) {
  Collector c;
  e.submit(msgs, s, c.sink());
  return c.wait();
}

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { engine_ = Engine::load(options(2, 8)).release(); }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }
  static Engine* engine_;
};
Engine* EngineTest::engine_ = nullptr;

TEST_F(EngineTest, MaxTokensEndsWithLengthAndCountsUsage) {
  Answer a = ask(*engine_, chat("hello"), sampling(1, 12));
  EXPECT_EQ(a.done.finish, FinishReason::Length);
  EXPECT_EQ(a.done.usage.completion_tokens, 12);
  EXPECT_GT(a.done.usage.prompt_tokens, 5);
  EXPECT_FALSE(a.text.empty());
  EXPECT_TRUE(a.all_valid_utf8);
  EXPECT_EQ(a.done.model_sha256, tiny_model_sha256());
}

TEST_F(EngineTest, SameSeedSameBytesDifferentSeedDifferentBytes) {
  Answer a = ask(*engine_, chat("tell me a story"), sampling(42, 32));
  Answer b = ask(*engine_, chat("tell me a story"), sampling(42, 32));
  Answer c = ask(*engine_, chat("tell me a story"), sampling(43, 32));
  EXPECT_EQ(a.text, b.text);
  EXPECT_NE(a.text, c.text);
}

TEST_F(EngineTest, SeededOutputDoesNotDependOnConcurrentRequests) {
  const Answer alone = ask(*engine_, chat("the quick brown fox"), sampling(7, 40));
  // The same request decoded in a batch with others, joining mid-flight.
  Collector x, y, z;
  engine_->submit(chat("another prompt entirely, longer than the first one by a fair margin"),
                  sampling(99, 60), x.sink());
  engine_->submit(chat("the quick brown fox"), sampling(7, 40), y.sink());
  engine_->submit(chat("a third"), sampling(5, 50), z.sink());
  EXPECT_EQ(y.wait().text, alone.text);
  x.wait();
  z.wait();
}

// Issue #7 item 5: the slot count changes how sequences are batched, never
// what a seeded request decodes to — with or without a grammar, and while
// other requests share the batch.
TEST(EngineDeterminism, SameBytesWhateverTheSlotCount) {
  auto one = Engine::load(options(1, 8));
  auto four = Engine::load(options(4, 8));
  Sampling constrained = sampling(11, 24);
  constrained.grammar = R"(root ::= "{\"ok\": " ("true" | "false") ", \"n\": " [0-9]{1,4} "}")";
  for (const Sampling& s : {sampling(3, 40), sampling(4, 40), constrained}) {
    const Answer a = ask(*one, chat("replay me"), s);
    Collector busy1, busy2, same;
    four->submit(chat("a neighbour in the batch"), sampling(8, 48), busy1.sink());
    four->submit(chat("replay me"), s, same.sink());
    four->submit(chat("and another one"), sampling(9, 30), busy2.sink());
    const Answer b = same.wait();
    busy1.wait();
    busy2.wait();
    ASSERT_FALSE(a.done.error);
    EXPECT_FALSE(a.text.empty());
    EXPECT_EQ(a.text, b.text) << "seed " << s.seed << (s.grammar.empty() ? "" : " with a grammar");
  }
}

TEST_F(EngineTest, GreedyIgnoresSeed) {
  Sampling g = sampling(1);
  g.temperature = 0;
  Sampling g2 = g;
  g2.seed = 2;
  EXPECT_EQ(ask(*engine_, chat("x"), g).text, ask(*engine_, chat("x"), g2).text);
}

TEST_F(EngineTest, LogitBiasForcingEndOfTurnFinishesWithStop) {
  // <|im_end|> in the qwen2 vocabulary.
  Sampling s = sampling(3);
  s.logit_bias = {{151645, 100.0f}};
  Answer a = ask(*engine_, chat("hi"), s);
  EXPECT_EQ(a.done.finish, FinishReason::Stop);
  EXPECT_EQ(a.text, "");
  EXPECT_EQ(a.done.usage.completion_tokens, 1);
}

TEST_F(EngineTest, StopStringEndsGenerationAndIsNotReturned) {
  // Greedy output, then cut it at a substring that occurs in it.
  Sampling g = sampling(1, 30);
  g.temperature = 0;
  const std::string full = ask(*engine_, chat("stop test"), g).text;
  ASSERT_GT(full.size(), 8u);
  const std::string stop = full.substr(full.size() / 2, 3);
  g.stop = {stop};
  Answer a = ask(*engine_, chat("stop test"), g);
  EXPECT_EQ(a.done.finish, FinishReason::Stop);
  EXPECT_EQ(a.text, full.substr(0, full.find(stop)));
}

TEST_F(EngineTest, OutOfVocabularyLogitBiasIsA400) {
  Sampling s = sampling(1);
  s.logit_bias = {{engine_->n_vocab(), 5.0f}};
  Collector c;
  try {
    engine_->submit(chat("x"), s, c.sink());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.param, "logit_bias");
  }
}

TEST_F(EngineTest, TooLongPromptIsA400) {
  std::string big;
  for (int i = 0; i < 600; ++i) big += "word ";
  Collector c;
  try {
    engine_->submit(chat(big), sampling(1), c.sink());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.code, "context_length_exceeded");
  }
}

TEST_F(EngineTest, MoreRequestsThanSlotsAllComplete) {
  std::vector<std::unique_ptr<Collector>> cs;
  for (int i = 0; i < 7; ++i) {
    cs.push_back(std::make_unique<Collector>());
    engine_->submit(chat("request " + std::to_string(i)), sampling(static_cast<uint32_t>(i), 8 + i),
                    cs.back()->sink());
  }
  for (int i = 0; i < 7; ++i) {
    Answer a = cs[i]->wait();
    EXPECT_EQ(a.done.finish, FinishReason::Length);
    EXPECT_EQ(a.done.usage.completion_tokens, 8 + i);
  }
  EXPECT_EQ(engine_->stats().busy, 0);
  EXPECT_EQ(engine_->stats().queued, 0);
}

TEST_F(EngineTest, GrammarConstrainsSampledOutput) {
  // The random demo model would babble; the grammar leaves it two answers.
  // Temperature 1 with no truncation samples widely, so this exercises masking.
  std::set<std::string> seen;
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    Sampling s = sampling(seed, 16);
    s.temperature = 1.0;
    s.top_k = 0;
    s.top_p = 1.0;
    s.grammar = R"(root ::= "yes" | "no")";
    Answer a = ask(*engine_, chat("is it raining?"), s);
    EXPECT_TRUE(a.text == "yes" || a.text == "no") << "seed " << seed << ": '" << a.text << "'";
    EXPECT_EQ(a.done.finish, FinishReason::Stop) << "a complete match ends the answer";
    EXPECT_FALSE(a.done.error);
    seen.insert(a.text);
  }
  EXPECT_FALSE(seen.empty());
}

TEST_F(EngineTest, GrammarWithGreedyAndRulesAndBatching) {
  // Greedy, a multi-rule grammar and two constrained requests decoded together
  // with an unconstrained one: each follows its own sampler chain.
  Sampling g = sampling(1, 32);
  g.temperature = 0;
  g.grammar = "root ::= word (\" \" word)?\nword ::= [a-c]+ \".\"";
  Sampling free = sampling(3, 20);
  Collector x, y, z;
  engine_->submit(chat("first"), g, x.sink());
  engine_->submit(chat("second"), free, y.sink());
  engine_->submit(chat("third"), g, z.sink());
  for (Collector* c : {&x, &z}) {
    Answer a = c->wait();
    ASSERT_FALSE(a.done.error);
    ASSERT_FALSE(a.text.empty());
    if (a.done.finish == FinishReason::Stop)
      EXPECT_TRUE(std::regex_match(a.text, std::regex(R"([a-c]+\.( [a-c]+\.)?)"))) << a.text;
    else  // cut mid-match by max_tokens: still a prefix of one
      EXPECT_TRUE(std::regex_match(a.text, std::regex("[a-c. ]+"))) << a.text;
  }
  EXPECT_FALSE(y.wait().done.error);
}

TEST_F(EngineTest, InvalidGrammarIsA400AndNotACrash) {
  for (const char* bad : {"root ::= \"unterminated", "start ::= \"x\"", "root ::= undefined-rule",
                          "root ::= root \"x\"", "::=::="}) {
    Sampling s = sampling(1);
    s.grammar = bad;
    Collector c;
    try {
      engine_->submit(chat("x"), s, c.sink());
      ADD_FAILURE() << "accepted grammar: " << bad;
      c.wait();
    } catch (const Error& e) {
      EXPECT_EQ(e.status, 400) << bad;
      EXPECT_EQ(e.param, "grammar") << bad;
      EXPECT_EQ(e.code, "invalid_grammar") << bad;
    }
  }
  // The engine still serves afterwards.
  EXPECT_EQ(ask(*engine_, chat("after"), sampling(2, 4)).done.usage.completion_tokens, 4);
}

TEST(ResolveSampling, GrammarIsCarriedThrough) {
  SamplingOverrides o;
  o.grammar = R"(root ::= "a")";
  EXPECT_EQ(backends::resolve_sampling({}, o).grammar, o.grammar);
  EXPECT_TRUE(backends::resolve_sampling({}, {}).grammar.empty());
}

TEST(EngineQueue, FullQueueIs503AndCancelFreesTheSlot) {
  auto engine = Engine::load(options(1, 0));
  Collector long_answer;
  auto ticket = engine->submit(chat("long"), sampling(1, 400), long_answer.sink());
  Collector refused;
  try {
    engine->submit(chat("second"), sampling(1), refused.sink());
    FAIL() << "slots and queue are full";
  } catch (const Error& e) {
    EXPECT_EQ(e.status, 503);
    EXPECT_EQ(e.code, "overloaded");
  }
  ticket->cancel();
  Answer a = long_answer.wait();
  EXPECT_EQ(a.done.finish, FinishReason::Cancelled);
  EXPECT_LT(a.done.usage.completion_tokens, 400);
  // The slot is free again: a new request is admitted and completes.
  Answer b = ask(*engine, chat("after"), sampling(2, 4));
  EXPECT_EQ(b.done.usage.completion_tokens, 4);
}

TEST(ResolveSampling, OverridesWinOverDefaults) {
  config::Sampling d;
  d.temperature = 0.5;
  d.top_k = 10;
  d.seed = 42;
  d.max_tokens = 100;
  SamplingOverrides o;
  Sampling s = backends::resolve_sampling(d, o);
  EXPECT_EQ(s.temperature, 0.5);
  EXPECT_EQ(s.top_k, 10);
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.max_tokens, 100);
  o.temperature = 0.0;
  o.top_k = 3;
  o.top_p = 0.5;
  o.min_p = 0.1;
  o.seed = 9;
  o.max_tokens = 5;
  o.stop = {"END"};
  s = backends::resolve_sampling(d, o);
  EXPECT_EQ(s.temperature, 0.0);
  EXPECT_EQ(s.top_k, 3);
  EXPECT_EQ(s.top_p, 0.5);
  EXPECT_EQ(s.min_p, 0.1);
  EXPECT_EQ(s.seed, 9u);
  EXPECT_EQ(s.max_tokens, 5);
  EXPECT_EQ(s.stop, std::vector<std::string>{"END"});
}

TEST(ResolveSampling, UnpinnedSeedIsRandomPerRequest) {
  config::Sampling d;  // no seed
  std::set<uint32_t> seeds;
  for (int i = 0; i < 8; ++i) seeds.insert(backends::resolve_sampling(d, {}).seed);
  EXPECT_GT(seeds.size(), 1u);
}

TEST(ResolveSampling, InvalidOverrideNamesTheField) {
  config::Sampling d;
  SamplingOverrides o;
  o.top_p = 0.0;
  try {
    backends::resolve_sampling(d, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.param, "top_p");
  }
}

}  // namespace
}  // namespace perimeter::engine

namespace perimeter::engine {
namespace {

// examples/demo.yaml pins the demo model like any real model; if the writer
// or the pinned tokenizer changes, this fails and the pin must be updated.
TEST(DemoModel, ExampleConfigPinsWhatTheWriterProduces) {
  const auto cfg =
      config::load_config(std::filesystem::path(PERIMETER_SOURCE_DIR) / "examples/demo.yaml");
  const auto out = temp_path("pinned.gguf");
  EXPECT_EQ(write_demo_model(out, demo_shape("tiny"), 1, default_vocab_file()),
            cfg.models.at("demo").sha256);
  std::filesystem::remove(out);
}

TEST(Examples, RealModelExampleParses) {
  EXPECT_NO_THROW(config::load_config(std::filesystem::path(PERIMETER_SOURCE_DIR) /
                                      "examples/real-model.yaml"));
}

}  // namespace
}  // namespace perimeter::engine
