// Our grammar masker (grammar::TokenMasker): the GBNF it parses and refuses,
// its masks on a hand-made vocabulary, and — the point — that on the real
// Qwen2 vocabulary it allows exactly the tokens llama.cpp's grammar sampler
// allows, step by step, for our compiled schemas and JSONSchemaBench data.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/demo_model.h"
#include "engine/grammar_check.h"
#include "grammar/grammar.h"
#include "grammar/matcher.h"

namespace perimeter::grammar {
namespace {

using nlohmann::json;

std::string parse_error(const std::string& gbnf) {
  try {
    parse_gbnf(gbnf);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Gbnf, RefusesWhatCannotBeRun) {
  EXPECT_NE(parse_error("root ::= item").find("rule 'item' is used but not defined"),
            std::string::npos);
  EXPECT_NE(parse_error("start ::= \"a\"").find("no rule named 'root'"), std::string::npos);
  EXPECT_NE(parse_error("root ::= root \"a\" | \"b\"").find("left recursion"), std::string::npos);
  EXPECT_NE(parse_error("root ::= x\nx ::= y x \"a\"\ny ::= \"b\" | ").find("left recursion"),
            std::string::npos);
  EXPECT_NE(parse_error("root ::= \"a").find("closing '\"'"), std::string::npos);
  EXPECT_NE(parse_error("root ::= [a-").find("offset"), std::string::npos);
  EXPECT_NE(parse_error("root ::= \"a\"{3,1}").find("m <= n"), std::string::npos);
  EXPECT_NE(parse_error("root := \"a\"").find("'::='"), std::string::npos);
  EXPECT_EQ(parse_error("# comment\nroot ::= (\n  \"a\" |\n  [^\\x00-\\x1F] )* # trailing\n"), "");
  EXPECT_EQ(parse_error(json_object_gbnf()), "");
}

// Token ids of a small vocabulary, for reading masks.
enum Tok { A, B, AB, LBRACE, QUOTE, E_LEAD, E_TAIL, E_FULL, SPACE, EOS, CONTROL, N };

std::shared_ptr<const Vocabulary> toy_vocab() {
  auto v = std::make_shared<Vocabulary>();
  v->pieces = {"a", "b", "ab", "{", "\"", "\xC3", "\xA9", "\xC3\xA9", " ", "", ""};
  v->eog.assign(N, false);
  v->eog[EOS] = true;
  return v;
}

std::vector<int> allowed_ids(TokenMasker& m, TokenMasker::State s) {
  const auto& bits = m.allowed(s);
  std::vector<int> out;
  for (int t = 0; t < N; ++t)
    if ((bits[t >> 6] >> (t & 63)) & 1) out.push_back(t);
  return out;
}

TEST(TokenMasker, MasksFollowTheGrammarThroughMultiTokenMatches) {
  auto vocab = toy_vocab();
  TokenMasker m(parse_gbnf("root ::= \"a\" \"b\"{1,2}"), build_trie(*vocab), vocab);
  auto s = m.initial();
  EXPECT_EQ(allowed_ids(m, s), (std::vector<int>{A, AB}));
  EXPECT_FALSE(m.complete(s));
  EXPECT_EQ(m.accept(s, B), TokenMasker::kDead);
  s = m.accept(s, AB);
  EXPECT_TRUE(m.complete(s));
  EXPECT_EQ(allowed_ids(m, s), (std::vector<int>{B, EOS}));  // one more b, or the end
  s = m.accept(s, B);
  EXPECT_EQ(allowed_ids(m, s), std::vector<int>{EOS});
  EXPECT_EQ(m.accept(s, EOS), s);
  EXPECT_FALSE(m.allows(s, CONTROL));  // special tokens never match text
}

TEST(TokenMasker, ACodePointSplitAcrossTokensIsFollowedByteByByte) {
  auto vocab = toy_vocab();
  TokenMasker m(parse_gbnf("root ::= [\\u00E0-\\u00FF] \"{\""), build_trie(*vocab), vocab);
  auto s = m.initial();
  EXPECT_EQ(allowed_ids(m, s), (std::vector<int>{E_LEAD, E_FULL}));  // é's first byte, or é
  s = m.accept(s, E_LEAD);
  EXPECT_EQ(allowed_ids(m, s), std::vector<int>{E_TAIL});
  s = m.accept(s, E_TAIL);
  EXPECT_EQ(allowed_ids(m, s), std::vector<int>{LBRACE});
  // A class that cannot start with that lead byte prunes it.
  TokenMasker ascii(parse_gbnf("root ::= [^\"]"), build_trie(*vocab), vocab);
  EXPECT_EQ(allowed_ids(ascii, ascii.initial()),
            (std::vector<int>{A, B, LBRACE, E_LEAD, E_FULL, SPACE}));
}

TEST(TokenMasker, OnlyValidUtf8IsAllowed) {
  // Surrogates, overlong forms and code points past U+10FFFF would be
  // characters to llama.cpp's grammar, and U+FFFD garbage once printed.
  auto v = std::make_shared<Vocabulary>();
  v->pieces = {"\xED\xA0\x80", "\xED\xA0",     "\xC1\x81",         "\xF5\x80\x80\x80",
               "\xE0\x80\x80", "\xED\x9F\xBF", "\xF0\x9F\x98\x80", "\xE4"};
  v->eog.assign(v->pieces.size(), false);
  TokenMasker m(parse_gbnf(R"(root ::= [^"\\\x00-\x1F]+)"), build_trie(*v), v);
  const auto& bits = m.allowed(m.initial());
  std::vector<int> allowed;
  for (int t = 0; t < 8; ++t)
    if ((bits[0] >> t) & 1) allowed.push_back(t);
  EXPECT_EQ(allowed, (std::vector<int>{5, 6, 7}));  // U+D7FF, U+1F600, a lead byte
}

TEST(TokenMasker, SeenStatesAreServedFromTheCache) {
  auto vocab = toy_vocab();
  TokenMasker m(parse_gbnf("root ::= \"a\"*"), build_trie(*vocab), vocab);
  auto s = m.initial();
  for (int i = 0; i < 5; ++i) {
    m.allowed(s);
    s = m.accept(s, A);
  }
  EXPECT_EQ(m.stats().masks, 1u);  // "a"* loops in one state
  EXPECT_EQ(m.stats().mask_hits, 4u);
}

// The class a repetition loops or counts on is indexed when the masker is
// made (a build takes milliseconds at a real vocabulary), so that no mask
// through it builds one: at the end of a sequence, before what follows, in
// a group, bounded.
TEST(TokenMasker, RepeatedClassesAreIndexedBeforeTheFirstMask) {
  auto vocab = toy_vocab();
  for (const char* gbnf :
       {"root ::= \"{\" [a-z]*", "root ::= \"{\" [a-z]+ \"\\\"\"",
        "root ::= \"{\" ( [a-z]{0,8} ) \" \"", "root ::= \"{\" ( \"b\" [a-z]{2,6} ) \" \"",
        "root ::= x \" \"\nx ::= \"{\" [^\\\"]*"}) {
    SCOPED_TRACE(gbnf);
    const auto trie = build_trie(*vocab);
    const size_t json = TokenMasker(parse_gbnf("root ::= \"a\""), trie, vocab).stats().classes;
    TokenMasker m(parse_gbnf(gbnf), trie, vocab);
    EXPECT_EQ(m.stats().classes, json + 1);
    auto s = m.initial();
    for (const Tok t : {LBRACE, B, A, AB, A, B}) {
      m.allowed(s);
      s = m.accept(s, t);
    }
    EXPECT_NE(s, TokenMasker::kDead);
    m.allowed(s);
    EXPECT_EQ(m.stats().classes, json + 1);  // the masks built none
  }
  // Copies in a row (x{m}: no repetition rule) count as a chain too.
  {
    const auto trie = build_trie(*vocab);
    const size_t json = TokenMasker(parse_gbnf("root ::= \"a\""), trie, vocab).stats().classes;
    TokenMasker m(parse_gbnf("root ::= \"{\" [a-z]{4} \" \""), trie, vocab);
    EXPECT_EQ(m.stats().classes, json + 1);
    auto s = m.initial();
    for (const Tok t : {LBRACE, B, A, AB, SPACE}) {
      m.allowed(s);
      s = m.accept(s, t);
    }
    EXPECT_TRUE(m.complete(s));
    EXPECT_EQ(m.stats().classes, json + 1);
  }
  // A repetition made of classes only is remembered per vocabulary: a
  // second grammar with it (its rules numbered otherwise) makes no state
  // for it, and its masks still find the class built.
  const auto trie = build_trie(*vocab);
  TokenMasker first(parse_gbnf("root ::= \"{\" [a-z]+ \" \""), trie, vocab);
  const size_t classes = first.stats().classes;
  TokenMasker second(parse_gbnf("root ::= \"a\"? x\nx ::= \"{\" [a-z]+ \" \""), trie, vocab);
  auto s = second.initial();
  for (const Tok t : {LBRACE, B, A, AB, SPACE}) {
    second.allowed(s);
    s = second.accept(s, t);
  }
  EXPECT_NE(s, TokenMasker::kDead);
  EXPECT_EQ(second.stats().classes, classes);
}

// ---- against llama.cpp on the Qwen2 vocabulary ----------------------------

const engine::GrammarChecker& checker() {
  static engine::GrammarChecker c(engine::default_vocab_file());
  return c;
}

TEST(TokenMaskerVsLlama, SameMasksAtEveryStepForOurGrammars) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {json_object_gbnf(),
       {R"({"name": "Zoë", "tags": ["a\n", 1.5, -0, true, null], "x": {}})",
        R"({"unterminated": "abc)", R"([1, 2])", R"({"emoji": "😀 and 中文"})"}},
      {schema_to_gbnf(json::parse(R"({"type":"object","properties":{"n":{"type":"integer",
        "minimum":3,"maximum":250},"s":{"type":"string","format":"date"},
        "e":{"enum":["red","green"]}},"required":["n","s","e"],"additionalProperties":false})"),
                      false),
       {R"({"n": 42, "s": "2024-02-28", "e": "green"})", R"({"n": 2, "s": "x", "e": "red"})"}},
      {schema_to_gbnf(json::parse(R"({"type":"array","items":{"anyOf":[{"type":"number"},
        {"type":"string","maxLength":3}]},"minItems":1,"maxItems":3})"),
                      false),
       {R"([1.25, "abc", 7])", R"(["abcd"])", R"([])"}},
      // Strings counted to a maximum (the class index's chains), keys beside
      // declared ones and patterns (loops entered deep in the trie).
      {schema_to_gbnf(json::parse(R"({"type":"object","properties":{"id":{"type":"string",
        "maxLength":40},"code":{"type":"string","pattern":"^[A-Z]{2}-[0-9a-f]+$"}},
        "patternProperties":{"^x-":{"type":"string"}}})"),
                      false),
       {R"({"code": "AB-12f", "id": "Zoë 中文 \"q\" ok", "x-a": "b c", "other": [1]})",
        R"({"id": "0123456789012345678901234567890123456789X"})",
        R"({"code": "ZZ-0", "ünï": "中文", "éa": 1, "中": [2]})"}},
      // Some code points past ASCII but not all, or all but some: a token
      // may end inside a code point only if none it may become is excluded
      // (no "\xC3", the first byte of an é, where é may not come).
      {schema_to_gbnf(json::parse(R"({"type":"object","properties":{"e":{"enum":["Zoë","中文"]},
        "g":{"type":"string","pattern":"^[α-ω]+$"}}})"),
                      false),
       {R"({"e": "中文", "g": "αβγ"})", R"({"g": "ω", "e": "Zoë"})"}},
      {R"(root ::= "\"" [^"é]* "\"")", {R"("naïve 中文")", R"("café")"}},
      // Unanchored patterns whose repetitions overlap (`schar* \w+ schar*`):
      // after a word character the state loops on a smaller class than the
      // one most code points take (every one past ASCII).
      {schema_to_gbnf(json::parse(R"J({"type":"object","properties":{"main":{"type":"string",
        "pattern":"([A-Za-z_]\\w+\\\\)*([A-Za-z_]\\w+)"},"bundle":{"type":"string",
        "pattern":"\\w+\\.ts$"}},"patternProperties":{"[A-Z]+":{"type":"integer"}}})J"),
                      false),
       {R"({"main": "com.example\\Main_1 ü", "bundle": "my bundle_2.ts", "xAPI": 1})"}},
      // A loop on ASCII letters whose way out starts past ASCII (tokens
      // led by such bytes are walked in the vocabulary trie, not as tails).
      {R"(root ::= [a-z]* [é-ê] "!")", {"abcé!", "ê!"}},
  };
  for (const auto& [gbnf, texts] : cases)
    for (const auto& text : texts) {
      const auto diff = checker().mask_differences(gbnf, text);
      EXPECT_EQ(diff.looser, 0u) << text;
      EXPECT_EQ(diff.stricter, 0u) << text;
      EXPECT_EQ(checker().masker_accepts(gbnf, text), checker().accepts(gbnf, text)) << text;
    }
}

TEST(TokenMaskerVsLlama, SameVerdictsOnJsonSchemaBenchInstances) {
  // Every 7th schema of each dataset that compiles, with all its instances:
  // a spread of real schemas, cheap enough for every test run.
  const std::filesystem::path dir =
      std::filesystem::path(PERIMETER_SOURCE_DIR) / "../shared/bench/jsonschema";
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir;
  size_t compared = 0, accepted = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path());
    std::string line;
    for (int row = 0; std::getline(in, line); ++row) {
      if (row % 7 != 0) continue;
      const json j = json::parse(line);
      if (!j.contains("tests")) continue;
      std::string gbnf;
      try {
        gbnf = schema_to_gbnf(j["schema"], false);
      } catch (const std::exception&) {
        continue;  // refused: coverage is the bench's business
      }
      for (const auto& t : j["tests"]) {
        const std::string text = t["data"].dump();
        bool ours = false;
        try {
          ours = checker().masker_accepts(gbnf, text);
        } catch (const std::invalid_argument& e) {
          ADD_FAILURE() << j["id"] << ": " << e.what() << "\n" << gbnf;
          break;
        }
        EXPECT_EQ(ours, checker().accepts(gbnf, text)) << j["id"] << ": " << text;
        ++compared;
        accepted += ours;
      }
    }
  }
  EXPECT_GT(compared, 200u);
  EXPECT_GT(accepted, 50u);
}

}  // namespace
}  // namespace perimeter::grammar
