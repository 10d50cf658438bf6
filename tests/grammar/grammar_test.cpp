#include <gtest/gtest.h>

#include <tuple>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "engine/demo_model.h"
#include "engine/grammar_check.h"
#include "grammar/grammar.h"
#include "grammar/pattern.h"
#include "http/openai.h"

namespace perimeter::grammar {
namespace {

using nlohmann::json;

const engine::GrammarChecker& checker() {
  static engine::GrammarChecker c(engine::default_vocab_file());
  return c;
}

// Every instance is accepted by the schema's grammar iff `accept` says so, and
// whatever the grammar accepts also passes the validator.
void expect(const json& schema, bool strict, const std::vector<std::string>& accept,
            const std::vector<std::string>& reject) {
  const std::string g = schema_to_gbnf(schema, strict);
  for (const auto& text : accept) {
    EXPECT_TRUE(checker().accepts(g, text)) << schema.dump() << " should accept " << text << "\n"
                                            << g;
    EXPECT_TRUE(validate(schema, text).ok) << text << ": " << validate(schema, text).error;
  }
  for (const auto& text : reject)
    EXPECT_FALSE(checker().accepts(g, text)) << schema.dump() << " should reject " << text;
}

const json kPerson = json::parse(R"({"type":"object",
  "properties":{"name":{"type":"string","maxLength":8},"age":{"type":"integer"}},
  "required":["name","age"],"additionalProperties":false})");

TEST(JsonObject, AcceptsObjectsOnly) {
  const auto& g = json_object_gbnf();
  EXPECT_TRUE(checker().accepts(g, R"({"a": [1, 2.5, true, null, {"b": "c\n"}]})"));
  EXPECT_TRUE(checker().accepts(g, "{}"));
  EXPECT_FALSE(checker().accepts(g, "[1]"));
  EXPECT_FALSE(checker().accepts(g, R"("x")"));
  EXPECT_FALSE(checker().accepts(g, R"({"a": 1} trailing)"));
  EXPECT_FALSE(checker().accepts(g, R"({"a": 1)"));  // unfinished: no end of generation yet
  EXPECT_FALSE(checker().accepts(g, R"({'a': 1})"));
}

TEST(Schema, RequiredFieldsTypesAndNoExtras) {
  // Properties come in the schema's (sorted) key order.
  expect(kPerson, false, {R"({"age": 41, "name": "Ada"})", R"({"age":-3,"name":""})"},
         {R"({"name": "Ada", "age": 41})", R"({"age": 41})", R"({"age": "41", "name": "Ada"})",
          R"({"age": 4.5, "name": "Ada"})", R"({"age": 41, "name": "Adalberta"})",
          R"({"age": 41, "name": "Ada", "x": 1})"});
}

TEST(Schema, AdditionalPropertiesDefaultTrueButNeverRedeclareAKey) {
  json s = kPerson;
  s.erase("additionalProperties");
  expect(s, false,
         {R"({"age": 1, "name": "a", "nick": [1]})", R"({"age": 1, "name": "a", "ag": 2})",
          R"({"age": 1, "name": "a", "names": 2})"},
         {R"({"age": 1, "name": "a", "age": "x"})", R"({"age": 1, "name": "a", "name": 5})"});
  // strict: true closes the object.
  expect(s, true, {R"({"age": 1, "name": "a"})"}, {R"({"age": 1, "name": "a", "nick": 1})"});
}

TEST(Schema, OptionalPropertiesInAnyCombination) {
  const json s = json::parse(R"({"type":"object","additionalProperties":false,
    "properties":{"a":{"type":"boolean"},"b":{"type":"null"},"c":{"type":"number"}}})");
  expect(s, false,
         {"{}", R"({"a": true})", R"({"b": null})", R"({"c": 1.5})", R"({"a": false, "c": 0})",
          R"({"a": true, "b": null, "c": -2})"},
         {R"({"b": null, "a": true})", R"({"a": 1})", R"({"d": 1})", R"({,"a": true})"});
}

TEST(Schema, ArraysWithBoundsEnumsConstAnyOfAndRefs) {
  expect(json::parse(R"({"type":"array","items":{"type":"integer"},"minItems":1,"maxItems":3})"),
         false, {"[1]", "[1, 2, 3]"}, {"[]", "[1, 2, 3, 4]", R"(["1"])"});
  expect(json::parse(R"({"type":"array","maxItems":0})"), false, {"[]"}, {"[1]"});
  expect(json::parse(R"({"enum":["red","green",3,null]})"), false,
         {R"("red")", R"("green")", "3", "null"}, {R"("blue")", "4"});
  // enum values that break a sibling keyword are not offered.
  expect(json::parse(R"({"type":"string","enum":["a",1]})"), false, {R"("a")"}, {"1"});
  expect(json::parse(R"({"const":{"k":[1,"x"]}})"), false, {R"({"k":[1,"x"]})"}, {R"({"k":[1]})"});
  expect(json::parse(R"({"anyOf":[{"type":"integer"},{"type":"string","maxLength":2}]})"), false,
         {"12", R"("ab")"}, {R"("abc")", "true"});
  expect(json::parse(R"({"type":["integer","null"]})"), false, {"5", "null"}, {"true"});
  const json tree = json::parse(R"({"$ref":"#/$defs/node","$defs":{"node":{"type":"object",
    "properties":{"kids":{"type":"array","items":{"$ref":"#/$defs/node"}}},
    "required":["kids"],"additionalProperties":false}}})");
  expect(tree, false, {R"({"kids": []})", R"({"kids": [{"kids": []}, {"kids": [{"kids": []}]}]})"},
         {R"({"kids": [{}]})", R"({})"});
}

TEST(Schema, UnenforceableKeywordsAreA400NamingThem) {
  for (const auto& [schema, keyword] : std::vector<std::pair<std::string, std::string>>{
           {R"({"type":"string","pattern":"^(a)\\1$"})", "pattern"},
           {R"j({"type":"string","pattern":"^(?=a)"})j", "pattern"},
           {R"({"type":"string","pattern":"\\p{L}"})", "pattern"},
           {R"({"type":"string","format":"idn-hostname"})", "idn-hostname"},
           {R"({"type":"string","format":"date","maxLength":8})", "date"},
           {R"({"type":"number","minimum":0,"exclusiveMinimum":true})", "exclusiveMinimum"},
           {R"({"type":"object","properties":{"x":{"type":"number","multipleOf":0.5}}})",
            "multipleOf"},
           {R"({"type":"integer","multipleOf":7,"minimum":5,"maximum":100000})", "multipleOf"},
           {R"({"type":"string","not":{"enum":["a"]},"minLength":2})", "listed strings"},
           {R"({"type":"array","items":{"type":"string"},"uniqueItems":true})", "uniqueItems"},
           {R"({"allOf":[{"type":"string","pattern":"^a"},{"pattern":"^b"}]})", "allOf"},
           {R"({"allOf":[{"type":"string"},{"type":"integer"}]})", "type"},
           {R"({"$ref":"https://example.org/s.json"})", "$ref"},
           {R"({"type":"array","minItems":100000})", "minItems"},
           {R"j({"type":"object","patternProperties":{"(?=x)":{}}})j", "patternProperties"},
           {R"({"if":{"pattern":"^a"},"then":{"minLength":2}})", "if"},
           {R"({"type":"array","contains":{"const":1}})", "contains"}}) {
    try {
      schema_to_gbnf(json::parse(schema), false);
      ADD_FAILURE() << "compiled " << schema;
    } catch (const Error& e) {
      EXPECT_EQ(e.status, 400);
      EXPECT_EQ(e.code, "unsupported_schema");
      EXPECT_EQ(e.param, "response_format.json_schema.schema");
      EXPECT_NE(std::string(e.what()).find(keyword), std::string::npos) << e.what();
    }
  }
}

TEST(Schema, AllOfBranchesAreMergedIntoOneSchema) {
  // Properties and required names of both branches, each one's bounds.
  expect(json::parse(R"({"allOf":[
      {"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},
      {"properties":{"b":{"type":"integer","minimum":0}},"required":["b"]}]})"),
         false, {R"({"a":"x","b":1})", R"({"a":"","b":0,"c":null})"},
         {R"({"a":"x"})", R"({"b":1})", R"({"a":"x","b":-1})", R"({"a":1,"b":1})"});
  // A property declared in both: both its schemas apply.
  expect(json::parse(R"({"allOf":[{"properties":{"n":{"type":"integer","maximum":10}},
      "required":["n"]},{"properties":{"n":{"minimum":5}}}]})"),
         false, {R"({"n":5})", R"({"n":10})"}, {R"({"n":4})", R"({"n":11})"});
  // additionalProperties false in one branch forbids what only the other declares.
  const json closed = json::parse(R"({"allOf":[
      {"properties":{"a":{"type":"integer"}},"additionalProperties":false},
      {"properties":{"b":{"type":"string"}}}]})");
  expect(closed, false, {R"({"a":1})", "{}"}, {R"({"a":1,"b":"x"})", R"({"b":"x"})"});
  // ... and if it is required there, nothing matches: a 400, not a wrong grammar.
  json required_b = closed;
  required_b["allOf"][1]["required"] = {"b"};
  EXPECT_THROW(schema_to_gbnf(required_b, false), Error);
  // $ref with sibling keywords is the allOf of both.
  expect(json::parse(R"({"$defs":{"s":{"type":"string","maxLength":3}},
      "$ref":"#/$defs/s","minLength":2})"),
         false, {R"("ab")", R"("abc")"}, {R"("a")", R"("abcd")", "1"});
}

TEST(Schema, AnyOfWithSiblingKeywordsMergesThemIntoEachBranch) {
  const json s = json::parse(R"({"type":"object","properties":{"id":{"type":"integer"}},
      "required":["id"],"additionalProperties":false,
      "anyOf":[{"properties":{"id":{"maximum":9}}},{"type":"string"}]})");
  // The string branch contradicts type object: dropped.
  expect(s, false, {R"({"id":3})"}, {R"({"id":10})", R"("x")", R"({"id":3,"x":1})"});
}

TEST(Schema, OneOfNeverGeneratesAValueTwoBranchesMatch) {
  // Each branch stops generating what the other requires.
  expect(json::parse(R"({"type":"object","oneOf":[{"required":["lock"]},{"required":["error"]}]})"),
         false, {R"({"lock":1})", R"({"error":"x"})"}, {R"({"error":"x","lock":1})", "{}"});
  // Branches that cannot be told apart are refused, not compiled as anyOf.
  EXPECT_THROW(
      schema_to_gbnf(json::parse(R"({"oneOf":[{"type":"integer"},{"minimum":2}]})"), false), Error);
}

TEST(Schema, OneOfLeavesOutListedValuesAnotherBranchAllows) {
  // "auto" matches both branches: it is no value of the oneOf, and the
  // string branch leaves out the value the enum lists.
  expect(json::parse(R"({"type":"string","oneOf":[{"enum":["auto","none"]},
      {"not":{"const":"none"}}]})"),
         false, {R"("x")", R"("autos")", R"("none")", R"("")"}, {R"("auto")"});
  // A listed value the other branch refuses keeps the branches apart.
  expect(json::parse(R"({"oneOf":[{"type":"string","pattern":"^[0-9a-f]{4}$"},{"enum":[""]},
      {"type":"null"}]})"),
         false, {R"("")", R"("00ff")", "null"}, {R"("00f")"});
}

TEST(Pattern, DisjointByTheirFirstOrLastCharacters) {
  EXPECT_TRUE(patterns_disjoint(R"(\.js$)", R"(\.(html|htm)$)"));
  EXPECT_TRUE(patterns_disjoint(R"(^\d+\.\d+$)", R"(^(?:>=|<)\d+$)"));
  EXPECT_TRUE(patterns_disjoint(R"(^(?:[0-9]+(?:[mM][sS]|[dh])\s?)+$)", R"(^[0-9]+[xX]$)"));
  // "ab" matches both; "" matches both; an unanchored side may be anything.
  EXPECT_FALSE(patterns_disjoint("^a", "b$"));
  EXPECT_FALSE(patterns_disjoint("^a*$", "^b*$"));
  EXPECT_FALSE(patterns_disjoint("a$", "^a"));
  // Past ASCII, engines matching bytes and code points disagree: unsure.
  EXPECT_FALSE(patterns_disjoint("^[^a]", "^[\u00e9]"));
}

TEST(Schema, OneOfBranchesToldApartByTheirPatterns) {
  expect(json::parse(R"({"type":"string","oneOf":[{"pattern":"\\.js$"},
      {"pattern":"\\.(html|htm)$"},{"pattern":"^bytes$"},{"pattern":"^bytes[0-9]+$"}]})"),
         false, {R"("a.js")", R"("b.html")", R"("bytes")", R"("bytes32")", R"("bytes1.js")"},
         {R"("c.txt")", R"("x")"});
  EXPECT_THROW(schema_to_gbnf(json::parse(R"({"type":"string","oneOf":[{"pattern":"^a"},
      {"pattern":"b$"}]})"),
                              false),
               Error);
}

TEST(Schema, MultipleOfWholeNumbers) {
  // Digit by digit through the remainder: every accepted value is a multiple.
  const json twelve = json::parse(R"({"type":"integer","minimum":0,"multipleOf":12})");
  expect(twelve, false, {"0", "12", "144", "1200000000000012"}, {"-12", "13", "6", "1e2"});
  const std::string g = schema_to_gbnf(twelve, false);
  for (int n = 0; n <= 500; ++n)
    EXPECT_EQ(checker().accepts(g, std::to_string(n)), n % 12 == 0) << n;
  // Few multiples within the bounds are listed; a number may end in .0.
  expect(json::parse(R"({"type":"number","multipleOf":7,"minimum":10000,"maximum":10010})"), false,
         {"10003", "10010", "10010.0"}, {"10000", "10017", "9996"});
  // Multiples of both branches of an allOf: of their least common multiple.
  expect(json::parse(R"({"allOf":[{"multipleOf":4},{"multipleOf":6}],"type":"integer"})"), false,
         {"12", "-24", "0"}, {"4", "6", "18"});
  expect(json::parse(R"({"type":"integer","multipleOf":1.0})"), false, {"5", "-3"}, {"2.5"});
}

TEST(Schema, IfThenElseIsEitherBranch) {
  const json member = json::parse(R"({"type":"object","required":["isMember"],
    "properties":{"isMember":{"type":"boolean"},"n":{"type":"string"}},
    "additionalProperties":false,
    "if":{"properties":{"isMember":{"const":true}}},
    "then":{"properties":{"n":{"maxLength":3}}},
    "else":{"properties":{"n":{"minLength":5}}}})");
  expect(member, false,
         {R"({"isMember":true,"n":"abc"})", R"({"isMember":false,"n":"abcde"})",
          R"({"isMember":true})"},
         {R"({"isMember":true,"n":"abcdef"})", R"({"isMember":false,"n":"ab"})"});
}

TEST(Schema, MaxPropertiesOnAClosedObjectChoosesWhichOptionalOnesAppear) {
  expect(json::parse(R"({"type":"object","additionalProperties":false,"maxProperties":2,
      "required":["id"],"properties":{"id":{"type":"integer"},"a":{"type":"integer"},
      "b":{"type":"integer"}}})"),
         false, {R"({"id":1})", R"({"a":2,"id":1})", R"({"b":2,"id":1})"},
         {R"({"a":2,"b":3,"id":1})"});
}

TEST(Schema, Ipv6AndFormatsWithinLengthBounds) {
  expect(json::parse(R"({"type":"string","format":"ipv6"})"), false,
         {R"("::1")", R"("2001:db8::7")", R"("1:2:3:4:5:6:7:8")", R"("::ffff:192.168.0.1")",
          R"("fe80::")"},
         {R"("1:2:3:4:5:6:7:8:9")", R"(":::")", R"("12345::")", R"("1::2::3")", R"("")"});
  // Every generated e-mail address fits in 1024 characters: no constraint.
  expect(json::parse(R"({"type":"string","format":"email","maxLength":1024})"), false,
         {R"("ada@example.org")"}, {R"("ada")"});
}

TEST(Schema, AnOptionalPropertyNoValueFitsIsNeverGenerated) {
  // (an enum of strings under type object: a mistake found in real schemas)
  expect(json::parse(R"({"type":"object","properties":{"mode":{"type":"object","enum":["a"]},
      "n":{"type":"integer"}},"additionalProperties":false})"),
         false, {R"({"n":1})", "{}"}, {R"({"mode":"a"})", R"({"mode":{}})"});
  EXPECT_THROW(schema_to_gbnf(json::parse(R"({"type":"object","required":["mode"],
      "properties":{"mode":{"type":"object","enum":["a"]}}})"),
                              false),
               Error);
}

TEST(Schema, NotDependenciesAndMinPropertiesAreRewritten) {
  expect(json::parse(R"({"type":"string","not":{"enum":["test","include"]}})"), false,
         {R"("tests")", R"("")", R"("inc")"}, {R"("test")", R"("include")"});
  expect(json::parse(R"({"type":"object","not":{"allOf":[{"required":["site"]},
      {"required":["app"]}]}})"),
         false, {R"({"site":1})", R"({"app":1})"}, {R"({"app":1,"site":2})"});
  // Not (array and more): values of the other types, a subset.
  expect(json::parse(R"({"not":{"type":"array","items":{"type":"string"}}})"), false,
         {"1", R"("x")"}, {"[1]", R"(["x"])"});
  expect(json::parse(R"({"type":"object","not":{"required":["a","b"]}})"), false,
         {R"({"a":1})", R"({"b":1})", "{}"}, {R"({"a":1,"b":2})"});
  expect(json::parse(R"({"not":{"type":["string","object","array","null","boolean"]}})"), false,
         {"1", "2.5"}, {R"("x")", "null"});
  expect(json::parse(R"({"properties":{"cost":{"type":"integer"},"model":{"type":"string"}},
      "dependencies":{"cost":["model"]}})"),
         false, {R"({"cost":1,"model":"m"})", R"({"model":"m"})", "{}"}, {R"({"cost":1})"});
  expect(json::parse(R"({"properties":{"a":{"type":"integer"}},"minProperties":1})"), false,
         {R"({"a":1})"}, {"{}"});
}

TEST(Schema, PatternPropertiesGiveMatchingKeysTheirSchema) {
  const json s = json::parse(R"({"type":"object","properties":{"id":{"type":"integer"}},
      "patternProperties":{"^x-":{"type":"string"},"^n_":{"type":"integer"}},
      "additionalProperties":false})");
  expect(s, false, {R"({"id":1,"x-a":"s"})", R"({"n_1":2})", "{}"},
         {R"({"x-a":1})", R"({"n_1":"s"})", R"({"y":"s"})", R"({"id":"s"})"});
  // A declared name matching a pattern must satisfy both schemas.
  expect(json::parse(R"({"properties":{"x-id":{"type":"integer"}},
      "patternProperties":{"^x-":{"minimum":5}}})"),
         false, {R"({"x-id":5})"}, {R"({"x-id":4})"});
}

TEST(Schema, TuplesPropertyCountsAndNamesCompile) {
  // items as an array: any prefix, then additionalItems.
  expect(json::parse(R"({"type":"array","items":[{"type":"integer"},{"type":"string"}],
      "additionalItems":false})"),
         false, {"[]", "[1]", R"([1,"a"])"}, {R"(["a"])", R"([1,"a",2])", "[1,2]"});
  expect(json::parse(R"({"prefixItems":[{"type":"integer"},{"type":"integer"}],"minItems":1})"),
         false, {"[1]", "[1,2]", "[1,2,3]"}, {"[]", R"(["a"])", R"([1,"a"])"});
  // maxProperties beside additional properties bounds the undeclared keys.
  expect(json::parse(R"({"type":"object","properties":{"x":{}},"maxProperties":2})"), false,
         {R"({"x":1,"a":1})", R"({"a":1})"}, {R"({"x":1,"a":1,"b":2})"});
  expect(json::parse(R"({"type":"object","minProperties":2})"), false, {R"({"a":1,"b":2})"},
         {"{}", R"({"a":1})"});
  // propertyNames: declared names it refuses are never generated.
  expect(json::parse(R"({"properties":{"ok":{},"no_":{}},"propertyNames":{"pattern":"^[a-z]+$"}})"),
         false, {R"({"ok":1})"}, {R"({"no_":1})", R"({"ok":1,"zz":2})"});
  // A pattern longer than maxLength allows has its repetitions capped.
  expect(json::parse(R"({"type":"string","pattern":"^a+b*$","maxLength":4})"), false,
         {R"("ab")", R"("aabb")"}, {R"("aaaab")", R"("b")"});
}

TEST(Schema, MoreStringFormatsAndUnknownOnes) {
  expect(json::parse(R"({"type":"string","format":"hostname"})"), false,
         {R"("example.com")", R"("a-b.c")"},
         {R"("-a.com")", R"("xn--a.com")", R"("a..com")", R"("1.2.3.4")"});
  expect(json::parse(R"({"type":"string","format":"byte"})"), false, {R"("SGVsbG8=")", R"("")"},
         {R"("SGVsbG8")", R"("a b")"});
  // A format no validator knows is an annotation.
  expect(json::parse(R"({"type":"string","format":"my-own"})"), false, {R"("anything")"}, {"1"});
}

TEST(Schema, PatternsCompileToStringGrammars) {
  expect(json::parse(R"({"type":"string","pattern":"^[a-z]{2,3}-\\d+(\\.[0-9]+)?$"})"), false,
         {R"("ab-1")", R"("abc-12.5")"},
         {R"("a-1")", R"("ab-")", R"("AB-1")", R"("abcd-1")", R"("ab-1.")", R"("1ab-1")"});
  // Unanchored means "contains".
  expect(json::parse(R"({"type":"string","pattern":"cat|dog"})"), false,
         {R"("cat")", R"("hotdogs")", R"("a \"cat\"")"}, {R"("ca")", R"("")"});
  // Alternation, groups, optional and counted parts.
  expect(json::parse(R"({"type":"string","pattern":"^(cat|dog)s?( x{2})?$"})"), false,
         {R"("cat")", R"("dogs")", R"("cats xx")"}, {R"("cow")", R"("catss")", R"("cat x")"});
  // Quotes and backslashes match as their JSON escapes; a negated class too.
  expect(json::parse(R"({"type":"string","pattern":"^a\"b\\\\c$"})"), false, {R"("a\"b\\c")"},
         {R"("a\"bc")", R"("ab\\c")"});
  expect(json::parse(R"({"type":"string","pattern":"^[^\"a]+$"})"), false, {R"("bc\\")"},
         {R"("b\"")", R"("ba")", R"("")"});
  // \s, \S, \w, \W and '.'.
  expect(json::parse(R"({"type":"string","pattern":"^\\w+\\s\\S\\W.$"})"), false,
         {R"("ab_1 x-y")", R"("a\tb!!")"}, {R"("ab  x-y")", R"("a b\n")", R"("a bcd")"});
  // Length bounds beside a pattern: implied, or intersected with one repeated set.
  expect(json::parse(R"({"type":"string","pattern":"^[a-f]+$","maxLength":3})"), false,
         {R"("abc")", R"("f")"}, {R"("abcd")", R"("")", R"("x")"});
  expect(json::parse(R"({"type":"string","pattern":"^[0-9]{4}$","minLength":4})"), false,
         {R"("1234")"}, {R"("123")"});
  EXPECT_THROW(schema_to_gbnf(json::parse(R"({"type":"string","pattern":"^a(b|cd)$",
      "maxLength":2})"),
                              false),
               Error);
}

TEST(Schema, NumberBoundsAllowDecimalsWithinThem) {
  expect(json::parse(R"({"type":"number","minimum":-1.5,"exclusiveMaximum":2})"), false,
         {"0", "1", "-1", "1.999", "-0.25", "0.5"}, {"2", "2.5", "-2", "-1.75", "-3"});
  expect(json::parse(R"({"type":"number","exclusiveMinimum":0,"maximum":1})"), false,
         {"1", "0.5", "0.05"}, {"0", "0.0", "0.00", "1.5", "-0.5"});
}

TEST(Schema, IntegerBoundsAreEnforcedDigitByDigit) {
  expect(json::parse(R"({"type":"integer","minimum":3,"maximum":117})"), false,
         {"3", "9", "10", "99", "100", "109", "110", "117"},
         {"2", "0", "118", "120", "200", "1000", "-3", "03", "3.0"});
  expect(json::parse(R"({"type":"integer","minimum":-20,"maximum":-5})"), false,
         {"-20", "-19", "-10", "-9", "-5"}, {"-4", "-21", "-30", "0", "5", "-0"});
  expect(json::parse(R"({"type":"integer","exclusiveMinimum":-3,"exclusiveMaximum":12})"), false,
         {"-2", "-1", "0", "9", "11"}, {"-3", "12", "13", "-10"});
  expect(json::parse(R"({"type":"integer","minimum":1990})"), false,
         {"1990", "1999", "2024", "99999", "1234567890"}, {"1989", "199", "-1990", "0"});
  expect(json::parse(R"({"type":"integer","maximum":0})"), false, {"0", "-1", "-123456"},
         {"1", "10"});
  // Bounds without a type generate integers; fractional bounds round inwards.
  expect(json::parse(R"({"minimum":5.5,"maximum":7.5})"), false, {"6", "7"}, {"5", "8", "6.5"});
  for (const char* bad : {R"({"type":"integer","minimum":5,"maximum":4.5})",
                          R"({"type":"integer","minimum":5,"exclusiveMinimum":true})"}) {
    try {
      schema_to_gbnf(json::parse(bad), false);
      ADD_FAILURE() << "compiled " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code, "unsupported_schema");
    }
  }
}

TEST(Schema, AHugeUpperLengthBoundGeneratesAtMostTheRepeatLimit) {
  expect(json::parse(R"({"type":"string","maxLength":100000})"), false, {R"("")", R"("abc")"},
         {"1"});
  expect(json::parse(R"({"type":"array","items":{"type":"integer"},"maxItems":5000})"), false,
         {"[]", "[1, 2]"}, {R"(["a"])"});
}

TEST(Schema, StringFormatsGenerateValuesEveryValidatorAccepts) {
  const std::vector<std::tuple<std::string, std::vector<std::string>, std::vector<std::string>>>
      cases = {
          {"date",
           {R"("2024-02-28")", R"("0001-12-01")"},
           {R"("2024-02-30")", R"("2024-13-01")", R"("24-01-01")"}},
          {"time",
           {R"("23:59:59Z")", R"("00:00:00.250+05:30")"},
           {R"("24:00:00Z")", R"("12:00:00")"}},
          {"date-time",
           {R"("2026-11-28T10:20:30Z")", R"("2022-01-01T12:00:00.000Z")"},
           {R"("2026-11-28 10:20:30Z")"}},
          {"uuid", {R"("123e4567-e89b-12d3-a456-426614174000")"}, {R"("123e4567e89b")"}},
          {"email",
           {R"("jane.doe@example.org")", R"("contact+x@gadgets-widgets.com")"},
           {R"("jane@")", R"("@example.org")", R"(".jane@example.org")", R"("ja..ne@example.org")",
            R"("jane@-example.org")"}},
          {"ipv4", {R"("192.168.0.1")", R"("255.255.255.255")"}, {R"("256.1.1.1")", R"("1.2.3")"}},
          {"uri",
           {R"("https://example.org/a/b.html")", R"("http://mesos-1.example.com:5050/x?a=1#top")",
            R"("file://path/to/root1")"},
           {R"("example.org")", R"("//foo.bar/?baz=qux#quux")", R"("http:// shouldfail.com")",
            R"("bar,baz:foo")"}}};
  for (const auto& [format, accept, reject] : cases)
    expect(json{{"type", "string"}, {"format", format}}, false, accept, reject);
  // On a non-string type a format is an annotation (OpenAPI's int64).
  expect(json::parse(R"({"type":"integer","format":"int64"})"), false, {"12"}, {R"("12")"});
}

TEST(Schema, AnnotationsAndExtensionsAreIgnoredLikeValidatorsDo) {
  const json annotated = json::parse(R"({"type":"object","id":"urn:x","self":{"vendor":"v"},
      "x-kubernetes-preserve-unknown-fields":true,"readonly":true,"example":{"a":1},
      "properties":{"a":{"type":"integer","x-order":1,"title":"A"}},"required":["a"],
      "additionalProperties":false})");
  json plain = json::parse(R"({"type":"object","properties":{"a":{"type":"integer"}},
      "required":["a"],"additionalProperties":false})");
  EXPECT_EQ(schema_to_gbnf(annotated, false), schema_to_gbnf(plain, false));
}

TEST(Cache, SameSchemaSameGrammarAndBounded) {
  const auto a = compile_cached(kPerson, false);
  EXPECT_EQ(a.get(), compile_cached(kPerson, false).get());
  json open = kPerson;
  open.erase("additionalProperties");
  EXPECT_NE(*compile_cached(open, false), *compile_cached(open, true));  // strict is in the key
  for (int i = 0; i < 300; ++i) compile_cached(json{{"const", i}}, false);
  EXPECT_EQ(cache_entries(), kCacheSize);
  EXPECT_NE(a.get(), compile_cached(kPerson, false).get());  // evicted, compiled again
  EXPECT_EQ(*a, *compile_cached(kPerson, false));
}

TEST(Validate, ReportsTheFirstViolation) {
  EXPECT_TRUE(validate(kPerson, R"({"age": 4, "name": "x"})").ok);
  const auto missing = validate(kPerson, R"({"age": 4})");
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.error.find("name"), std::string::npos) << missing.error;
  const auto not_json = validate(kPerson, R"({"age": 4,)");
  EXPECT_FALSE(not_json.ok);
  EXPECT_NE(not_json.error.find("not JSON"), std::string::npos) << not_json.error;
  EXPECT_FALSE(validate(json::parse(R"({"type":"string","maxLength":2})"), R"("abc")").ok);
}

TEST(ResponseFormat, ParsedIntoGrammarAndSchema) {
  auto body = [](const json& rf) {
    return json{{"model", "demo"},
                {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                {"response_format", rf}}
        .dump();
  };
  const auto text = http::parse_chat_request(body({{"type", "text"}}));
  EXPECT_TRUE(text.sampling.grammar.empty());
  EXPECT_TRUE(text.response_schema.empty());
  const auto obj = http::parse_chat_request(body({{"type", "json_object"}}));
  EXPECT_EQ(obj.sampling.grammar, json_object_gbnf());
  const auto sch = http::parse_chat_request(
      body({{"type", "json_schema"},
            {"json_schema", {{"name", "person"}, {"schema", kPerson}, {"strict", true}}}}));
  EXPECT_EQ(sch.sampling.grammar, schema_to_gbnf(kPerson, true));
  EXPECT_EQ(json::parse(sch.response_schema), kPerson);
}

TEST(ResponseFormat, BadShapesAre400sNamingTheField) {
  const json person = kPerson;
  for (const auto& [rf, param] : std::vector<std::pair<json, std::string>>{
           {json("json_object"), "response_format"},
           {json{{"type", "xml"}}, "response_format.type"},
           {json{{"type", "json_schema"}}, "response_format.json_schema"},
           {json{{"type", "json_schema"}, {"json_schema", {{"schema", person}}}},
            "response_format.json_schema.name"},
           {json{{"type", "json_schema"}, {"json_schema", {{"name", "p"}}}},
            "response_format.json_schema.schema"},
           {json{{"type", "json_schema"},
                 {"json_schema", {{"name", "p"}, {"schema", person}, {"strict", "yes"}}}},
            "response_format.json_schema.strict"},
           {json{{"type", "json_object"}, {"json_schema", {}}}, "response_format.json_schema"}}) {
    const json body = {{"model", "demo"},
                       {"messages", {{{"role", "user"}, {"content", "hi"}}}},
                       {"response_format", rf}};
    try {
      http::parse_chat_request(body.dump());
      ADD_FAILURE() << "accepted " << rf.dump();
    } catch (const Error& e) {
      EXPECT_EQ(e.status, 400);
      EXPECT_EQ(e.param, param) << rf.dump() << ": " << e.what();
    }
  }
}

TEST(ResponseFormat, AnUnenforceableSchemaIsARefusalTheRouteDecidesOn) {
  // The parser records the compiler's 400 (naming the keyword) and carries
  // the any-JSON grammar; the policy decides whether to answer with it.
  const json body = {
      {"model", "demo"},
      {"messages", {{{"role", "user"}, {"content", "hi"}}}},
      {"response_format",
       {{"type", "json_schema"},
        {"json_schema", {{"name", "p"}, {"schema", {{"type", "string"}, {"pattern", "(?!a)"}}}}}}}};
  const auto req = http::parse_chat_request(body.dump());
  ASSERT_TRUE(req.schema_refusal.has_value());
  EXPECT_EQ(req.schema_refusal->status, 400);
  EXPECT_EQ(req.schema_refusal->code, "unsupported_schema");
  EXPECT_EQ(req.schema_refusal->param, "response_format.json_schema.schema");
  EXPECT_NE(std::string(req.schema_refusal->what()).find("pattern"), std::string::npos);
}

}  // namespace
}  // namespace perimeter::grammar

namespace perimeter::grammar {
namespace {

// For routes with `unenforced_schema: validate`: only the refused part is
// widened, the rest of the schema still constrains generation.
TEST(Relaxed, WidensOnlyTheRefusedPart) {
  const json schema = json::parse(R"({"type":"object",
    "properties":{"id":{"type":"integer"},
                  "tags":{"type":"array","items":{"type":"integer"},"contains":{"const":7}}},
    "required":["id","tags"],"additionalProperties":false})");
  EXPECT_THROW(schema_to_gbnf(schema, false), Error);
  std::vector<std::string> relaxed;
  const std::string g = schema_to_gbnf_relaxed(schema, false, &relaxed);
  EXPECT_EQ(relaxed, std::vector<std::string>{"/properties/tags"});
  for (const char* ok : {R"({"id":1,"tags":[1,2]})", R"({"id":1,"tags":"anything"})"})
    EXPECT_TRUE(checker().masker_accepts(g, ok)) << ok;
  for (const char* no : {R"({"id":"x","tags":[]})", R"({"tags":[]})", R"([1])"})
    EXPECT_FALSE(checker().masker_accepts(g, no)) << no;
  // A refused `not` is dropped, not widened to "not anything".
  relaxed.clear();
  const json neg = json::parse(R"({"type":"integer","not":{"multipleOf":3}})");
  const std::string gn = schema_to_gbnf_relaxed(neg, false, &relaxed);
  EXPECT_TRUE(checker().masker_accepts(gn, "9"));
  EXPECT_FALSE(checker().masker_accepts(gn, "\"9\""));
  ASSERT_FALSE(relaxed.empty());
}

}  // namespace
}  // namespace perimeter::grammar
