#include "grammar/grammar.h"

// GCC 12 reports a false -Wrestrict inside std::string::replace when it
// inlines valijson's JSON-pointer code (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
// valijson aborts on a bad schema unless told to throw.
#define VALIJSON_USE_EXCEPTIONS 1
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <cctype>
#include <cmath>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/sha256.h"
#include "grammar/pattern.h"

namespace perimeter::grammar {
namespace {

using nlohmann::json;

// Shared rules every grammar carries. Strings never use \u escapes (a lone
// surrogate would make the text unparsable) and numbers have at most 16
// integer and 15 fraction digits and an exponent of at most two digits (so
// they always fit a double and the model cannot run away in digits): a
// subset of JSON, never more.
// Whitespace is at most one space, so a model cannot stall in it.
constexpr std::string_view kBase = R"(ws ::= | " "
value ::= object | array | string | number | boolean | null
object ::= "{" ws ( member ( ws "," ws member )* )? ws "}"
member ::= string ws ":" ws value
array ::= "[" ws ( value ( ws "," ws value )* )? ws "]"
string ::= "\"" schar* "\""
schar ::= [^"\\\x7F\x00-\x1F] | "\\" ["\\/bfnrt]
kchar ::= [^"\\\x7F\x00-\x1F]
number ::= integer ( "." [0-9]{1,15} )? ( [eE] "-"? [0-9]{1,2} )?
integer ::= "-"? ( "0" | [1-9] [0-9]{0,15} )
boolean ::= "true" | "false"
null ::= "null"
)";

// Repetition counts llama.cpp expands into that many rules; above this a
// bound is refused rather than blowing up compile and mask time.
constexpr long long kMaxRepeat = 1000;

// String formats, each as a grammar for a subset of the format's values that
// every validator accepts: dates exclude 29 February (valid in leap years
// only); times have no leap second; e-mail addresses are dot-atoms at a
// dotted domain; URIs are `scheme://host[:port]/path?query#fragment` without
// percent-escapes, IPv6 hosts or user info.
const std::string kDate =
    R"([0-9]{4} "-" ( "02-" ( "0" [1-9] | "1" [0-9] | "2" [0-8] ) | )"
    R"(( "0" [469] | "11" ) "-" ( "0" [1-9] | [12] [0-9] | "30" ) | )"
    R"(( "0" [13578] | "1" [02] ) "-" ( "0" [1-9] | [12] [0-9] | "3" [01] ) ))";
const std::string kTime =
    R"(( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{1,9} )? )"
    R"(( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ))";
const std::string kLabel = R"(( [A-Za-z0-9] ( [A-Za-z0-9-]{0,61} [A-Za-z0-9] )? ))";
const std::string kAtext = R"([A-Za-z0-9!#$%&'*+/=?^_`{|}~-])";
const std::string kUri =
    R"([a-z] [a-z0-9+.-]{0,15} "://" [A-Za-z0-9_~-]{1,63} ( "." [A-Za-z0-9_~-]{1,63} ){0,8} )"
    R"(( ":" [0-9]{1,5} )? ( "/" [A-Za-z0-9._~!$&'()*+,;=:@-]{0,64} ){0,16} )"
    R"(( "?" [A-Za-z0-9._~!$&'()*+,;=:@/?-]{0,256} )? )"
    R"(( "#" [A-Za-z0-9._~!$&'()*+,;=:@/?-]{0,256} )?)";
const std::string kIpv4 =
    R"(( "25" [0-5] | "2" [0-4] [0-9] | "1" [0-9] [0-9] | [1-9] [0-9] | [0-9] ) )"
    R"(( "." ( "25" [0-5] | "2" [0-4] [0-9] | "1" [0-9] [0-9] | [1-9] [0-9] | [0-9] ) ){3})";
// RFC 3986's IPv6address: eight groups, "::" standing for one or more zero
// groups, the last two may be an IPv4 address.
const std::string kH16 = "[0-9a-fA-F]{1,4}";
const std::string kH16c = "( " + kH16 + " \":\" )";
const std::string kLs32 = "( " + kH16 + " \":\" " + kH16 + " | " + kIpv4 + " )";
std::string ipv6_before(int most) {  // [ *most( h16 ":" ) h16 ]
  return "( " + kH16c + "{0," + std::to_string(most) + "} " + kH16 + " )?";
}
const std::string kIpv6 =
    "( " + kH16c + "{6} " + kLs32 + " | \"::\" " + kH16c + "{5} " + kLs32 + " | " + kH16 +
    "? \"::\" " + kH16c + "{4} " + kLs32 + " | " + ipv6_before(1) + " \"::\" " + kH16c + "{3} " +
    kLs32 + " | " + ipv6_before(2) + " \"::\" " + kH16c + "{2} " + kLs32 + " | " + ipv6_before(3) +
    " \"::\" " + kH16c + " " + kLs32 + " | " + ipv6_before(4) + " \"::\" " + kLs32 + " | " +
    ipv6_before(5) + " \"::\" " + kH16 + " | " + ipv6_before(6) + " \"::\" )";

// A format's grammar and the shortest and longest value it generates (in
// characters: all ASCII), so that a length bound containing them is no
// constraint.
struct Format {
  std::string gbnf;
  long long min, max;
};
const std::map<std::string, Format, std::less<>> kFormats = {
    {"date", {kDate, 10, 10}},
    {"time", {kTime, 9, 24}},
    {"date-time", {kDate + R"( "T" )" + kTime, 20, 35}},
    {"uuid",
     {R"([0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" )"
      R"([0-9a-fA-F]{12})",
      36, 36}},
    // (a local part of at most 115 characters, a domain of at most 511)
    {"email",
     {kAtext + "{1,64} ( \".\" " + kAtext + "{1,16} ){0,3} \"@\" " + kLabel + " ( \".\" " + kLabel +
          " ){1,7}",
      5, 627}},
    {"ipv4", {kIpv4, 7, 15}},
    {"ipv6", {kIpv6, 2, 45}},
    {"uri", {kUri, 5, 2154}},
    // An absolute URI (as above) is also a URI reference, an IRI, an IRI
    // reference and a URI template (it has no braces).
    {"uri-reference", {kUri, 5, 2154}},
    {"iri", {kUri, 5, 2154}},
    {"iri-reference", {kUri, 5, 2154}},
    {"uri-template", {kUri, 5, 2154}},
    // Host names: up to three labels, the last one starting with a letter.
    // (no "--" anywhere, so no A-label: punycode has rules of its own).
    {"hostname",
     {R"(( [A-Za-z0-9] ( "-"? [A-Za-z0-9] ){0,30} "." ){0,2} )"
      R"([A-Za-z] ( "-"? [A-Za-z0-9] ){0,30})",
      1, 185}},
    // Durations of one unit; JSON pointers of plain tokens; regexes that are
    // literal text; base64 without padding (OpenAPI's byte).
    {"duration", {R"("P" ( [1-9] [0-9]{0,3} [DWMY] | "T" [1-9] [0-9]{0,3} [HMS] ))", 3, 7}},
    {"json-pointer", {R"(( "/" [A-Za-z0-9_]{0,32} ){0,8})", 0, 264}},
    {"regex", {R"([A-Za-z0-9 ]{0,64})", 0, 64}},
    {"byte",
     {R"(( [A-Za-z0-9+/]{4} ){0,1000} ( [A-Za-z0-9+/]{2} "==" | [A-Za-z0-9+/]{3} "=" )?)", 0,
      4004}}};

// Formats some validator asserts that have no grammar here: a 400. Any other
// format is an annotation (unknown formats are ignored by validators).
const std::set<std::string, std::less<>> kAssertedFormats = {
    "idn-email",    "idn-hostname", "relative-json-pointer", "color", "host-name", "ip-address",
    "utc-millisec", "binary",       "date-time-local",       "int32", "int64",     "float",
    "double"};

// A GBNF string literal for raw bytes (UTF-8 passes through).
std::string literal(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"')
      out += "\\\"";
    else if (c == '\\')
      out += "\\\\";
    else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else
      out += static_cast<char>(c);
  }
  return out + "\"";
}

// A schema parsed once by valijson (draft 7), for checking many values.
class SchemaCheck {
 public:
  explicit SchemaCheck(const json& schema) : schema_(schema) {
    // valijson reads an unsigned integer above INT64_MAX as a negative
    // int64, so a bound like `maximum: 9223372036854776000` would reject
    // everything; as a double it compares as the schema means.
    std::function<void(json&)> widen = [&](json& j) {
      if (j.is_number_unsigned() && j.get<uint64_t>() > uint64_t(INT64_MAX))
        j = static_cast<double>(j.get<uint64_t>());
      else if (j.is_structured())
        for (auto& v : j) widen(v);
    };
    widen(schema_);
    try {
      valijson::SchemaParser parser;
      valijson::adapters::NlohmannJsonAdapter adapter(schema_);
      parser.populateSchema(adapter, compiled_);
    } catch (const std::exception& e) {
      unusable_ = std::string("the schema cannot be used for validation: ") + e.what();
    }
  }

  // Whether `doc` satisfies the schema, and if not the innermost violation.
  Validation check(const json& doc) const {
    if (!unusable_.empty()) return {false, unusable_};
    try {
      valijson::Validator validator;
      valijson::ValidationResults results;
      valijson::adapters::NlohmannJsonAdapter doc_adapter(doc);
      if (validator.validate(compiled_, doc_adapter, &results)) return {true, ""};
      // valijson reports outermost first; the innermost error says what is wrong.
      valijson::ValidationResults::Error last;
      std::string error;
      while (results.popError(last)) {
        std::string where;
        for (const auto& c : last.context) where += c;
        error = where + ": " + last.description;
      }
      return {false, error.empty() ? "the output does not match the schema" : error};
    } catch (const std::exception& e) {
      return {false, std::string("the schema cannot be used for validation: ") + e.what()};
    }
  }

  // True only if `v` is shown not to satisfy the schema (a schema valijson
  // cannot use proves nothing).
  bool refuses(const json& v) const {
    if (!unusable_.empty()) return false;
    const Validation r = check(v);
    return !r.ok && r.error.rfind("the schema cannot be used", 0) != 0;
  }

 private:
  json schema_;
  valijson::Schema compiled_;
  std::string unusable_;
};

// Keywords of JSON Schema (drafts 3 to 2020-12) that constrain an instance
// and that the compiler cannot enforce: each is a declared error. Any keyword
// neither here nor in kSupported is an annotation or an extension (`title`,
// `$id`, draft-04 `id`, `x-*`, `readOnly`, ...), which validators ignore too.
// clang-format off
const std::set<std::string, std::less<>> kUnenforced = {
    "dependentSchemas",
    "contains", "minContains", "maxContains", "uniqueItems",
    "unevaluatedItems", "unevaluatedProperties",
    "$dynamicRef",
    "$recursiveRef", "extends", "disallow", "divisibleBy", "requires", "contentEncoding",
    "contentMediaType", "contentSchema"};
// clang-format on
const std::set<std::string, std::less<>> kSupported = {"type",
                                                       "properties",
                                                       "required",
                                                       "additionalProperties",
                                                       "items",
                                                       "enum",
                                                       "const",
                                                       "minItems",
                                                       "maxItems",
                                                       "anyOf",
                                                       "oneOf",
                                                       "minLength",
                                                       "maxLength",
                                                       "$ref",
                                                       "minimum",
                                                       "maximum",
                                                       "exclusiveMinimum",
                                                       "exclusiveMaximum",
                                                       "allOf",
                                                       "pattern",
                                                       "not",
                                                       "dependencies",
                                                       "dependentRequired",
                                                       "minProperties",
                                                       "maxProperties",
                                                       "patternProperties",
                                                       "prefixItems",
                                                       "additionalItems",
                                                       "propertyNames",
                                                       "multipleOf",
                                                       "if",
                                                       "then",
                                                       "else"};

// Internal keyword (not a JSON Schema one): at least this many undeclared
// keys, which is how minProperties over no declared property is compiled.
constexpr std::string_view kMinExtra = " perimeter:minExtra";
// And at most this many (maxProperties beside additional properties).
constexpr std::string_view kMaxExtra = " perimeter:maxExtra";

// And none of these values (the negation of an enum/const, or the values
// another oneOf branch lists).
constexpr std::string_view kNotIn = " perimeter:notIn";

// Keywords gen() rewrites into ones it compiles (Compiler::rewrite).
const std::set<std::string, std::less<>> kRewritten = {"not",
                                                       "dependencies",
                                                       "dependentRequired",
                                                       "minProperties",
                                                       "maxProperties",
                                                       "propertyNames",
                                                       "if",
                                                       "then",
                                                       "else"};

// A schema (or the combination of schemas) no value can satisfy. Inside
// anyOf/oneOf such a branch is dropped; anywhere else it is a 400.
struct Unsat {
  std::string path, what;
};

// The 400 for a part of the schema the compiler cannot enforce, with the
// JSON pointer of that part (for schema_to_gbnf_relaxed).
struct Refusal : Error {
  Refusal(const Error& e, std::string at) : Error(e), path(std::move(at)) {}
  std::string path;
};

class Compiler {
 public:
  Compiler(const json& root, bool strict, std::string param)
      : root_(root), strict_(strict), param_(std::move(param)) {}

  std::string run() {
    std::string top;
    try {
      top = gen(root_, "");
    } catch (const Unsat& u) {
      fail(u.path, u.what);
    }
    std::string out = "root ::= " + top + "\n";
    for (const auto& r : rules_) out += r + "\n";
    out += kBase;
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw Refusal(invalid_request(
                      "Invalid '" + param_ + "' at '" + (path.empty() ? "/" : path) + "': " + what +
                          " Structured output only accepts schemas it can enforce "
                          "while generating; remove or rewrite that part of the schema.",
                      param_, "unsupported_schema"),
                  path);
  }

  [[noreturn]] static void unsat(const std::string& path, const std::string& what) {
    throw Unsat{path, what};
  }

  // Drops the rules added since `mark` (a branch given up on).
  void rollback(size_t mark) {
    rules_.resize(mark);
    for (auto* m : {&refs_, &merged_})
      for (auto it = m->begin(); it != m->end();)
        it = std::stoul(it->second.substr(1)) >= mark ? m->erase(it) : std::next(it);
  }

  // oneOf: the branches (each merged with the sibling keywords `rest`) must
  // never both match what the grammar generates. Where that is not evident
  // from types, const/enum or a discriminating property, a branch stops
  // generating a property another branch requires (a subset); if that does
  // not separate them either, the oneOf is refused.
  std::string one_of(const json& rest, const json& alts, bool siblings, const std::string& path) {
    std::vector<json> branches;
    std::vector<std::string> where;
    std::string why;
    for (size_t i = 0; i < alts.size(); ++i) {
      const std::string at = path + "/oneOf/" + std::to_string(i);
      try {
        branches.push_back(siblings ? merge_all({rest, alts[i]}, at) : merge_all({alts[i]}, at));
        where.push_back(at);
      } catch (const Unsat& u) {  // never matches: cannot overlap either
        why = u.what;
      }
    }
    if (branches.empty()) unsat(path, "no branch of 'oneOf' can match: " + why);
    const std::vector<json> original = branches;
    // A listed value another branch also allows matches twice: it is no
    // value of the oneOf. A branch of strings leaves out the listed strings
    // another branch allows.
    const std::string not_in(kNotIn);
    std::vector<std::unique_ptr<SchemaCheck>> checks(branches.size());
    for (size_t j = 0; j < branches.size(); ++j) {
      const auto vj = values(original[j]);
      if (!vj) continue;
      json kept = json::array();
      for (const auto& v : *vj) {
        bool twice = false;
        for (size_t i = 0; i < branches.size(); ++i) {
          if (i == j) continue;
          if (!checks[i]) checks[i] = std::make_unique<SchemaCheck>(with_definitions(original[i]));
          if (checks[i]->refuses(v)) continue;
          twice = true;
          if (!values(original[i]) && v.is_string() &&
              gen_types(branches[i]) == std::set<std::string>{"string"} &&
              !excluded(branches[i], v))
            branches[i][not_in].push_back(v);
        }
        if (!twice) kept.push_back(v);
      }
      branches[j].erase("const");
      branches[j]["enum"] = kept;
    }
    auto dropped = [&](size_t i) {
      return branches[i].contains("enum") && branches[i]["enum"].empty();
    };
    for (size_t i = 0; i < branches.size(); ++i)
      for (size_t j = 0; j < branches.size(); ++j) {
        if (i == j || dropped(i) || avoids(branches[i], original[j], 0)) continue;
        if (gen_types(branches[i]) == std::set<std::string>{"object"} &&
            original[j].contains("required") && original[j]["required"].is_array())
          for (const auto& p : original[j]["required"]) {
            if (!p.is_string() || required_in(branches[i], p.get<std::string>())) continue;
            branches[i]["properties"][p.get<std::string>()] = false;
            break;
          }
        // Or it always generates one of its properties that tells it apart.
        if (!avoids(branches[i], original[j], 0) &&
            gen_types(branches[i]) == std::set<std::string>{"object"} &&
            branches[i].contains("properties") && branches[i]["properties"].is_object())
          for (const auto& [p, _] : branches[i]["properties"].items()) {
            if (required_in(branches[i], p) || branches[i]["properties"][p] == json(false))
              continue;
            json trial = branches[i];
            if (!trial.contains("required") || !trial["required"].is_array())
              trial["required"] = json::array();
            trial["required"].push_back(p);
            if (avoids(trial, original[j], 0)) {
              branches[i] = trial;
              break;
            }
          }
        if (!avoids(branches[i], original[j], 0))
          fail(path, "'oneOf' whose branches " + where[i].substr(path.size() + 7) + " and " +
                         where[j].substr(path.size() + 7) +
                         " can match the same value is not supported (use anyOf if they may).");
      }
    std::string body;
    for (size_t i = 0; i < branches.size(); ++i) {
      if (dropped(i)) continue;
      const size_t mark = rules_.size();
      try {
        body += (body.empty() ? "" : " | ") + gen(branches[i], where[i]);
      } catch (const Unsat& u) {
        rollback(mark);
        why = u.what;
      }
    }
    if (body.empty()) unsat(path, "no branch of 'oneOf' can match: " + why);
    return add(body);
  }

  static bool required_in(const json& m, const std::string& p) {
    if (!m.contains("required") || !m["required"].is_array()) return false;
    return std::find(m["required"].begin(), m["required"].end(), json(p)) != m["required"].end();
  }

  // Whether `m` excludes value `v` by name (kNotIn).
  static bool excluded(const json& m, const json& v) {
    const std::string k(kNotIn);
    return m.contains(k) && m[k].is_array() && std::find(m[k].begin(), m[k].end(), v) != m[k].end();
  }

  static std::string type_of(const json& v) {
    switch (v.type()) {
      case json::value_t::object:
        return "object";
      case json::value_t::array:
        return "array";
      case json::value_t::string:
        return "string";
      case json::value_t::boolean:
        return "boolean";
      case json::value_t::null:
        return "null";
      case json::value_t::number_float:
        return "number";
      default:
        return "integer";
    }
  }

  static std::optional<json> values(const json& m) {
    if (m.contains("const")) return json::array({m["const"]});
    if (m.contains("enum") && m["enum"].is_array()) return m["enum"];
    return std::nullopt;
  }

  // The names a `type` keyword lists (strings only; the rest is checked where it matters).
  static std::set<std::string> type_names(const json& t) {
    std::set<std::string> out;
    for (const auto& e : t.is_array() ? t : json::array({t}))
      if (e.is_string()) out.insert(e.get<std::string>());
    return out;
  }

  // The one type gen() generates for a schema without `type`, from the
  // keywords that constrain only that type (a subset of what it allows).
  static std::optional<std::string> implied_type(const json& s) {
    if ((s.contains("properties") && s["properties"] != json::object()) ||
        (s.contains("required") && s["required"] != json::array()) ||
        s.contains("additionalProperties") || s.contains("patternProperties"))
      return "object";
    if (s.contains("items") || s.contains("minItems") || s.contains("maxItems") ||
        s.contains("prefixItems"))
      return "array";
    if (s.contains("minLength") || s.contains("maxLength") ||
        (s.contains("format") && !annotation_format(s["format"])) || s.contains("pattern"))
      return "string";
    if (numeric(s)) return "integer";  // integers only: a subset of what the bounds allow
    return std::nullopt;
  }

  // The JSON types of what gen() generates for merged schema `m` ("*": any).
  std::set<std::string> gen_types(const json& m, int depth = 0) const {
    if (!m.is_object()) return {"*"};
    if (auto v = values(m)) {
      std::set<std::string> t;
      for (const auto& x : *v) t.insert(type_of(x));
      return t;
    }
    if (m.contains("type")) return type_names(m["type"]);
    for (const char* k : {"anyOf", "oneOf"})
      if (m.contains(k)) {  // what the branches generate
        if (depth > 8 || !m[k].is_array()) return {"*"};
        std::set<std::string> t;
        for (const auto& b : m[k]) {
          const auto mb = merged(b);
          if (!mb) return {"*"};
          for (const auto& x : gen_types(*mb, depth + 1)) t.insert(x);
        }
        return t;
      }
    if (auto t = implied_type(m)) return {*t};
    return {"*"};
  }

  // The JSON types merged schema `m` allows ("*": any).
  std::set<std::string> sem_types(const json& m, int depth = 0) const {
    if (!m.is_object()) return {"*"};
    if (auto v = values(m)) {
      std::set<std::string> t;
      for (const auto& x : *v) t.insert(type_of(x));
      return t;
    }
    if (!m.contains("type")) {
      for (const char* k : {"anyOf", "oneOf"})
        if (m.contains(k) && m[k].is_array() && depth <= 8) {  // what some branch allows
          std::set<std::string> t;
          for (const auto& b : m[k]) {
            const auto mb = merged(b);
            if (!mb) return {"*"};
            for (const auto& x : sem_types(*mb, depth + 1)) t.insert(x);
          }
          return t;
        }
      return {"*"};
    }
    return type_names(m["type"]);
  }

  // A sub-schema merged (its $ref/allOf resolved), if that works.
  std::optional<json> merged(const json& x) const {
    try {
      return merge_all({x}, "");
    } catch (...) {
      return std::nullopt;
    }
  }

  // True if no value gen() generates for `g` satisfies `s` (both merged);
  // false when that cannot be shown.
  bool avoids(const json& g, const json& s, int depth) const {
    if (depth > 8 || !g.is_object() || !s.is_object()) return false;
    const auto vg = values(g), vs = values(s);
    auto listed = [](const std::optional<json>& v, const json& x) {
      return !v || std::find(v->begin(), v->end(), x) != v->end();
    };
    if (vs) {  // each value s lists is one g never generates (g's schema, or its list, refuses it)
      const SchemaCheck check(with_definitions(g));
      bool all = true;
      for (const auto& x : *vs) all = all && (excluded(g, x) || !listed(vg, x) || check.refuses(x));
      if (all) return true;
    }
    if (vg) {  // or s refuses each value g lists
      const SchemaCheck check(with_definitions(s));
      bool all = true;
      for (const auto& x : *vg) all = all && (excluded(g, x) || !listed(vs, x) || check.refuses(x));
      if (all) return true;
    }
    const auto gt = gen_types(g), st = sem_types(s);
    // Types of g's values that s allows; objects may still be told apart
    // by their properties, strings by their patterns.
    std::set<std::string> shared;
    for (const auto& t : gt)
      if (t == "*" || st.count("*") || st.count(t) || (t == "integer" && st.count("number")) ||
          (t == "number" && st.count("integer")))
        shared.insert(t);
    if (shared.empty()) return true;
    if (shared == std::set<std::string>{"string"} && g.contains("pattern") &&
        s.contains("pattern") && g["pattern"].is_string() && s["pattern"].is_string() &&
        disjoint_patterns(g["pattern"].get<std::string>(), s["pattern"].get<std::string>()))
      return true;
    if (shared != std::set<std::string>{"object"} || vg) return false;
    static const json kNone = json::object();
    const json& gp = g.contains("properties") ? g["properties"] : kNone;
    const json& sp = s.contains("properties") ? s["properties"] : kNone;
    const json gextra =
        g.contains("additionalProperties") ? g["additionalProperties"] : json(!strict_);
    // s requires a property g never generates.
    if (s.contains("required") && s["required"].is_array())
      for (const auto& p : s["required"]) {
        if (!p.is_string()) continue;
        const std::string name = p.get<std::string>();
        if (gp.is_object() && gp.contains(name)
                ? gp[name] == json(false)
                : gextra == json(false) && !g.contains("patternProperties"))
          return true;
      }
    // g always generates a property whose value s refuses.
    if (g.contains("required") && g["required"].is_array() && gp.is_object() && sp.is_object())
      for (const auto& p : g["required"]) {
        if (!p.is_string() || !gp.contains(p.get<std::string>())) continue;
        const std::string name = p.get<std::string>();
        if (!sp.contains(name)) {
          if (s.contains("additionalProperties") && s["additionalProperties"] == json(false) &&
              !s.contains("patternProperties"))
            return true;
          continue;
        }
        const auto a = merged(gp[name]), b = merged(sp[name]);
        if (a && b && avoids(*a, *b, depth + 1)) return true;
      }
    return false;
  }

  // `s` without not / dependencies / dependentRequired / minProperties /
  // maxProperties: each becomes keywords gen() compiles (an allOf), exactly
  // or as a subset; what cannot be rewritten is a 400 naming it.
  json rewrite(const json& s, const std::string& path) const {
    json rest = s;
    for (const auto& k : kRewritten) rest.erase(k);
    json parts = json::array({rest});
    auto forbid = [](const std::string& p) { return json{{"properties", {{p, false}}}}; };
    if (s.contains("not")) parts.push_back(negate(s["not"], rest, path + "/not"));
    if (s.contains("if") && (s.contains("then") || s.contains("else")))
      parts.push_back(conditional(s, path));
    for (const char* k : {"dependencies", "dependentRequired"}) {
      if (!s.contains(k)) continue;
      if (!s[k].is_object()) fail(path, std::string("'") + k + "' must be an object.");
      if (s[k].size() > 4)
        fail(path, std::string("'") + k + "' with over 4 entries is not supported.");
      for (const auto& [name, dep] : s[k].items()) {
        // Either the property is absent, or it is there with what it needs.
        json with = json{{"required", json::array({name})}};
        if (dep.is_array())
          for (const auto& d : dep) with["required"].push_back(d);
        else
          with = json{{"allOf", json::array({with, dep})}};
        parts.push_back(json{{"anyOf", json::array({forbid(name), with})}});
      }
    }
    const json none = json::object();
    const json& props =
        s.contains("properties") && s["properties"].is_object() ? s["properties"] : none;
    std::set<std::string> required;
    if (s.contains("required") && s["required"].is_array())
      for (const auto& r : s["required"])
        if (r.is_string()) required.insert(r.get<std::string>());
    if (s.contains("minProperties")) {
      const json& m = s["minProperties"];
      if (!m.is_number_integer()) fail(path, "'minProperties' must be an integer.");
      const long long n = m.get<long long>();
      if (n > static_cast<long long>(required.size())) {
        // Enough declared optional properties are required: one branch per
        // choice of them (a subset when undeclared keys could count too).
        std::vector<std::string> optional;
        for (const auto& [name, _] : props.items())
          if (!required.count(name)) optional.push_back(name);
        const size_t need = static_cast<size_t>(n) - required.size();
        json alts = json::array();
        std::vector<size_t> pick(need);
        std::function<void(size_t, size_t)> choose = [&](size_t from, size_t k) {
          if (alts.size() > 64) return;
          if (k == need) {
            json r = json::array();
            for (size_t i : pick) r.push_back(optional[i]);
            alts.push_back(json{{"required", r}});
            return;
          }
          for (size_t i = from; i + (need - k) <= optional.size(); ++i) {
            pick[k] = i;
            choose(i + 1, k + 1);
          }
        };
        choose(0, 0);
        const bool extras =
            !(s.contains("additionalProperties") ? s["additionalProperties"] == json(false)
                                                 : strict_);
        if (optional.empty() && extras) {
          // Nothing declared to choose from: that many undeclared keys.
          // (minProperties constrains objects only: other types stay allowed.)
          parts.push_back(objects_only(json{{std::string(kMinExtra), need}}));
        } else if (alts.empty() || alts.size() > 64)
          fail(path,
               "'minProperties' above the number of required properties is supported only "
               "over few enough declared properties.");
        else
          parts.push_back(json{{"anyOf", alts}});
      }
    }
    if (s.contains("maxProperties")) {
      const json& m = s["maxProperties"];
      if (!m.is_number_integer()) fail(path, "'maxProperties' must be an integer.");
      const bool closed =
          s.contains("additionalProperties") ? s["additionalProperties"] == json(false) : strict_;
      const long long most = m.get<long long>();
      if (closed && !s.contains("patternProperties") &&
          static_cast<long long>(props.size()) > most) {
        // A closed object: one branch per choice of the optional properties
        // it may have (the others never generated), all required ones kept.
        if (static_cast<long long>(required.size()) > most)
          unsat(path, "'required' lists more properties than 'maxProperties' allows.");
        std::vector<std::string> optional;
        for (const auto& [name, _] : props.items())
          if (!required.count(name)) optional.push_back(name);
        const size_t keep = static_cast<size_t>(most) - required.size();
        json alts = json::array();
        std::vector<bool> pick(optional.size(), false);
        std::fill(pick.begin(), pick.begin() + static_cast<long>(keep), true);
        do {  // every choice of `keep` optional properties (pick is a sorted mask)
          json forbid = json::object();
          for (size_t i = 0; i < optional.size(); ++i)
            if (!pick[i]) forbid[optional[i]] = false;
          alts.push_back(json{{"properties", forbid}});
        } while (alts.size() <= 64 && std::prev_permutation(pick.begin(), pick.end()));
        if (alts.size() > 64)
          fail(path,
               "'maxProperties' below the number of declared properties is supported only "
               "when few enough choices of them remain (at most 64).");
        parts.push_back(json{{"anyOf", alts}});
      } else if (s.contains("patternProperties") || static_cast<long long>(props.size()) > most)
        fail(path,
             "'maxProperties' is supported only on a closed object (additionalProperties "
             "false) or when no more properties than it allows are declared, and without "
             "patternProperties.");
      if (!closed)  // at most that many undeclared keys beside all the declared ones
        parts.push_back(objects_only(json{
            {std::string(kMaxExtra), m.get<long long>() - static_cast<long long>(props.size())}}));
    }
    const json& names = s.contains("propertyNames") ? s["propertyNames"] : json(true);
    const bool trivial_names = names == json(true) || names == json::object() ||
                               names == json{{"type", "string"}};  // every key is a string
    if (!trivial_names) {
      // Declared names the property-name schema refuses are never generated,
      // nor are undeclared keys (a subset).
      if (s.contains("patternProperties"))
        fail(path, "'propertyNames' beside 'patternProperties' is not supported.");
      json forbid_bad = json{{"additionalProperties", false}, {"properties", json::object()}};
      for (const auto& [name, _] : props.items())  // (listed: the part closes the object)
        forbid_bad["properties"][name] =
            validate(with_definitions(s["propertyNames"]), json(name).dump()).ok;
      for (const auto& name : required)
        if (!props.contains(name) ||
            !validate(with_definitions(s["propertyNames"]), json(name).dump()).ok)
          unsat(path, "required property '" + name + "' is refused by 'propertyNames'.");
      parts.push_back(forbid_bad);
    }
    return json{{"allOf", parts}};
  }

  // if/then/else of `s` as an anyOf: either the condition holds and so does
  // `then`, or it fails and `else` holds.
  json conditional(const json& s, const std::string& path) const {
    json otherwise;
    try {
      otherwise = negate(s["if"], json::object(), path + "/if");
    } catch (const Refusal&) {
      fail(path + "/if",
           "'if' is supported only over schemas whose negation compiles ('type', 'required', "
           "'enum', 'const', 'properties' of those, bounds, lengths, or 'anyOf'/'allOf' of "
           "them).");
    } catch (const Unsat&) {
      otherwise = false;  // the condition always holds
    }
    json alts = json::array();
    alts.push_back(json{{"allOf", json::array({s["if"], s.value("then", json(true))})}});
    if (otherwise != json(false))
      alts.push_back(json{{"allOf", json::array({otherwise, s.value("else", json(true))})}});
    return json{{"anyOf", alts}};
  }

  // `x` (an object-only keyword) on objects; any other type as it is.
  static json objects_only(json x) {
    x["type"] = "object";
    return json{
        {"anyOf",
         json::array({json{{"type", {"array", "string", "number", "boolean", "null"}}}, x})}};
  }

  // A schema for "not `n`" given the rest of the schema, for the shapes of
  // `n` that have one: true/{} (nothing), false (anything), types, required
  // names (one of them is never generated), anyOf (each one negated).
  json negate(const json& n, const json& rest, const std::string& path) const {
    if (n.is_boolean()) {
      if (n.get<bool>()) unsat(path, "'not': true allows no value.");
      return json::object();
    }
    if (!n.is_object()) fail(path, "'not' must be a schema.");
    json c = json::object();
    for (const auto& [k, v] : n.items())
      if (kSupported.count(k) || kUnenforced.count(k) || k == "format") c[k] = v;
    if (c.empty()) unsat(path, "'not' of a schema that allows everything allows no value.");
    if (c.size() == 1 && (c.contains("enum") || c.contains("const"))) {
      const auto v = values(c);
      if (!v || v->empty()) fail(path, "'enum' must be a non-empty array.");
      return json{{std::string(kNotIn), *v}};
    }
    if (c.size() == 1 && c.contains("allOf")) {  // not (A and B): the merged schema negated
      const auto m = merged(c);
      if (m && *m != c) return negate(*m, rest, path);
    }
    if (c.size() == 1 && c.contains("anyOf") && c["anyOf"].is_array()) {
      json all = json::array();
      for (const auto& x : c["anyOf"]) all.push_back(negate(x, rest, path));
      return json{{"allOf", all}};
    }
    if (c.size() == 1 && c.contains("type")) {
      std::set<std::string> out = {"object", "array", "string", "number", "boolean", "null"};
      const std::set<std::string> drop = type_names(c["type"]);
      if (drop.count("integer") && !drop.count("number"))
        fail(path, "'not' of 'integer' alone is not supported.");
      for (const auto& t : drop) out.erase(t);
      if (out.empty()) unsat(path, "'not' excludes every type.");
      return json{{"type", json(out)}};
    }
    if (c.size() == 1 && c.contains("required") && c["required"].is_array() &&
        !c["required"].empty()) {
      std::set<std::string> needed;
      if (rest.contains("required") && rest["required"].is_array())
        for (const auto& r : rest["required"])
          if (r.is_string()) needed.insert(r.get<std::string>());
      json alts = json::array();  // one of them is absent
      for (const auto& r : c["required"])
        if (r.is_string() && !needed.count(r.get<std::string>()))
          alts.push_back(json{{"properties", {{r.get<std::string>(), false}}}});
      if (alts.empty()) unsat(path, "'not' forbids properties the schema requires.");
      return alts.size() == 1 ? alts[0] : json{{"anyOf", alts}};
    }
    if (c.size() == 1 && c.contains("properties") && c["properties"].is_object()) {
      // Some listed property is present with a value its schema refuses.
      json alts = json::array();
      for (const auto& [name, sub] : c["properties"].items()) {
        try {
          alts.push_back(json{{"required", json::array({name})},
                              {"properties", {{name, negate(sub, json::object(), path)}}}});
        } catch (const Unsat&) {  // the property's schema allows everything
        }
      }
      if (alts.empty()) unsat(path, "'not' of properties that allow everything allows no value.");
      return alts.size() == 1 ? alts[0] : json{{"anyOf", alts}};
    }
    if (c.size() == 1) {
      // A bound or length fails only on its own type: that type past the bound.
      static const std::map<std::string, std::tuple<const char*, const char*, int>> kFlip = {
          {"minimum", {"number", "exclusiveMaximum", 0}},
          {"maximum", {"number", "exclusiveMinimum", 0}},
          {"exclusiveMinimum", {"number", "maximum", 0}},
          {"exclusiveMaximum", {"number", "minimum", 0}},
          {"minLength", {"string", "maxLength", -1}},
          {"maxLength", {"string", "minLength", 1}},
          {"minItems", {"array", "maxItems", -1}},
          {"maxItems", {"array", "minItems", 1}}};
      const std::string k = c.begin().key();
      const json& v = c.begin().value();
      if (auto it = kFlip.find(k); it != kFlip.end() && v.is_number()) {
        const auto& [type, flipped, shift] = it->second;
        if (shift == 0) return json{{"type", type}, {flipped, v}};
        if (!v.is_number_integer()) fail(path, "'" + k + "' must be an integer.");
        const long long n = v.get<long long>() + shift;
        if (n < 0) unsat(path, "'not' of '" + k + "': 0 allows no value.");
        return json{{"type", type}, {flipped, n}};
      }
    }
    // not (A and B and ...) = (not A) or (not B) or ...: one keyword at a
    // time, for keywords that mean the same alone.
    static const std::set<std::string, std::less<>> kAlone = {
        "type",     "required",  "enum",      "const",    "properties",       "minimum",
        "maximum",  "minLength", "maxLength", "minItems", "exclusiveMinimum", "exclusiveMaximum",
        "maxItems", "anyOf",     "allOf"};
    bool alone = c.size() > 1;
    for (const auto& [k, _] : c.items()) alone = alone && kAlone.count(k);
    if (alone) {
      json alts = json::array();
      for (const auto& [k, v] : c.items()) {
        try {
          alts.push_back(negate(json{{k, v}}, rest, path));
        } catch (const Unsat&) {  // that keyword allows everything here
        }
      }
      if (alts.empty()) unsat(path, "'not' of this schema allows no value.");
      return json{{"anyOf", alts}};
    }
    if (c.contains("type") && !c["type"].is_null()) {
      // Values of the other types fail n whatever the rest of it says: a subset.
      return negate(json{{"type", c["type"]}}, rest, path);
    }
    fail(path,
         "keyword 'not' is supported only over true/false, 'type', 'required', 'enum', "
         "'const', 'properties' of those, bounds, lengths or 'anyOf'/'allOf' of those (or "
         "beside 'enum'/'const').");
  }

  // gen() of the allOf of `schemas`. A merged schema met again (through a
  // recursive $ref) refers to the rule already named for it.
  std::string gen_merged(const std::vector<json>& schemas, const std::string& path) {
    const json m = merge_all(schemas, path);
    const std::string key = m.dump();
    if (auto it = merged_.find(key); it != merged_.end()) return it->second;
    const std::string name = "r" + std::to_string(rules_.size());
    rules_.push_back("");
    merged_[key] = name;
    const std::string body = gen(m, path);
    rules_[std::stoul(name.substr(1))] = name + " ::= " + body;
    return name;
  }

  std::string add(const std::string& body) {
    std::string name = "r" + std::to_string(rules_.size());
    rules_.push_back(name + " ::= " + body);
    return name;
  }

  // A length bound. An upper bound above kMaxRepeat generates at most
  // kMaxRepeat (a subset of what it allows); a lower one cannot be lowered.
  long long count(const json& s, const char* key, const std::string& path, bool upper) const {
    const json& v = s[key];
    if (!v.is_number_integer() || v.get<long long>() < 0)
      fail(path, std::string("'") + key + "' must be a non-negative integer.");
    if (v.get<long long>() > kMaxRepeat) {
      if (upper) return kMaxRepeat;
      fail(path,
           std::string("'") + key + "' above " + std::to_string(kMaxRepeat) + " is not supported.");
    }
    return v.get<long long>();
  }

  // " x{min,max}" for a repetition of `item` (max < 0: unbounded).
  static std::string repeat(const std::string& item, long long min, long long max) {
    if (max == 0) return "";
    if (max < 0) return item + (min == 0 ? "*" : "{" + std::to_string(min) + ",}");
    if (min == max) return item + "{" + std::to_string(min) + "}";
    return item + "{" + std::to_string(min) + "," + std::to_string(max) + "}";
  }

  // Returns the name of a rule matching schema `s` at JSON pointer `path`.
  std::string gen(const json& s, const std::string& path) {
    struct Depth {
      int& d;
      ~Depth() { --d; }
    } depth{++depth_};
    if (depth_ > 256) fail(path, "the schema nests too deeply.");
    if (s.is_boolean()) {
      if (s.get<bool>()) return "value";
      unsat(path, "the schema 'false' allows no value.");
    }
    if (!s.is_object()) fail(path, "a schema must be an object or a boolean.");
    int constraints = 0;
    for (const auto& [k, v] : s.items()) {
      // uniqueItems false, or over arrays of at most one item, constrains nothing.
      if (k == "uniqueItems" &&
          (v == json(false) || (s.contains("maxItems") && s["maxItems"].is_number() &&
                                s["maxItems"].get<double>() <= 1)))
        continue;
      if (kUnenforced.count(k))
        fail(path, "keyword '" + k + "' is not supported by the structured-output compiler.");
      if (kSupported.count(k)) ++constraints;
    }
    if (s.contains("enum") || s.contains("const")) {
      // Every listed value is checked against the whole schema (valijson):
      // the rewritten keywords need no rewriting then.
      bool only = true;
      for (const auto& [k, v] : s.items())  // (valijson is draft 7: no dependentRequired)
        only = only && !(k == "allOf" || k == "$ref" || k == "dependentRequired");
      if (only) return literals(s, path);
    }
    for (const auto& k : kRewritten)
      if (s.contains(k)) return gen_merged({rewrite(s, path)}, path);
    if (s.contains("allOf") || (s.contains("$ref") && constraints > 1))
      return gen_merged({s}, path);
    if (s.contains("$ref")) return ref(s["$ref"], path);
    if (s.contains("enum") || s.contains("const")) return literals(s, path);
    for (const char* k : {"anyOf", "oneOf"}) {
      if (!s.contains(k)) continue;
      const json& alts = s[k];
      if (!alts.is_array() || alts.empty())
        fail(path, std::string("'") + k + "' must be a non-empty array of schemas.");
      // With sibling keywords, each branch is merged with them:
      // {X, anyOf: [A, B]} = anyOf: [allOf(X, A), allOf(X, B)].
      json rest = s;
      rest.erase(k);
      if (std::string(k) == "oneOf") return one_of(rest, alts, constraints > 1, path);
      std::string body, why;
      for (size_t i = 0; i < alts.size(); ++i) {
        const std::string at = path + "/" + k + "/" + std::to_string(i);
        const size_t mark = rules_.size();
        try {
          const std::string r =
              constraints > 1 ? gen_merged({rest, alts[i]}, at) : gen(alts[i], at);
          body += (body.empty() ? "" : " | ") + r;
        } catch (const Unsat& u) {  // no value matches this branch: drop it
          rollback(mark);
          why = u.what;
        }
      }
      if (body.empty()) unsat(path, "no branch of '" + std::string(k) + "' can match: " + why);
      return add(body);
    }
    std::vector<std::string> types;
    if (s.contains("type")) {
      const json& t = s["type"];
      if (t.is_string())
        types.push_back(t.get<std::string>());
      else if (t.is_array() && !t.empty())
        for (const auto& e : t) {
          if (!e.is_string()) fail(path, "'type' must be a string or an array of strings.");
          types.push_back(e.get<std::string>());
        }
      else
        fail(path, "'type' must be a string or a non-empty array of strings.");
    } else if (auto t = implied_type(s)) {
      types = {*t};
    } else if (s.contains(kNotIn)) {
      types = {"object", "array", "string", "number", "boolean", "null"};
    } else {
      return "value";
    }
    // Listed strings are left out by string_rule, booleans and null here;
    // numbers, arrays and objects cannot be.
    std::set<std::string> left_out;
    if (s.contains(kNotIn))
      for (const auto& v : s[std::string(kNotIn)]) {
        const std::string tv = type_of(v);
        const bool numeric = tv == "integer" || tv == "number";
        if (v.is_boolean() || v.is_null()) left_out.insert(v.dump());
        for (const auto& t : types)
          if (!v.is_string() && !v.is_boolean() && !v.is_null() &&
              (t == tv || (numeric && (t == "integer" || t == "number"))))
            fail(path, "'not' of an 'enum'/'const' value of type '" + tv +
                           "' is not supported (only strings, booleans and null can be left out).");
      }
    std::string body;
    for (const auto& t : types) {
      std::string alt;
      if (t == "boolean" && !left_out.empty()) {
        for (const char* b : {"true", "false"})
          if (!left_out.count(b)) alt += (alt.empty() ? "" : " | ") + literal(b);
        if (alt.empty()) continue;
        alt = add(alt);
        body += (body.empty() ? "" : " | ") + alt;
        continue;
      }
      if (t == "null" && left_out.count("null")) continue;
      if (t == "string")
        alt = string_rule(s, path);
      else if ((t == "integer" || t == "number") && s.contains("multipleOf"))
        alt = multiple_rule(s, t, path);
      else if (t == "integer" && has_bounds(s))
        alt = integer_range(s, path);
      else if (t == "number" && has_bounds(s))
        alt = number_range(s, path);
      else if (t == "integer" || t == "number" || t == "boolean" || t == "null")
        alt = t;
      else if (t == "object")
        alt = object_rule(s, path);
      else if (t == "array")
        alt = array_rule(s, path);
      else
        fail(path, "unknown type '" + t + "'.");
      body += (body.empty() ? "" : " | ") + alt;
    }
    if (body.empty()) unsat(path, "'not' leaves no value of the allowed types.");
    return types.size() == 1 ? body : add(body);
  }

  static bool has_bounds(const json& s) {
    return s.contains("minimum") || s.contains("maximum") || s.contains("exclusiveMinimum") ||
           s.contains("exclusiveMaximum");
  }

  // Keywords that constrain numbers only.
  static bool numeric(const json& s) { return has_bounds(s) || s.contains("multipleOf"); }

  // An integer multipleOf. A fractional one is refused: valijson, which
  // checks every answer, tests it with remainder() against a fixed epsilon
  // and so rejects true multiples such as 12.34 of 0.01.
  long long divisor(const json& v, const std::string& path) const {
    if (!v.is_number() || v.get<double>() <= 0)
      fail(path, "'multipleOf' must be a number above 0.");
    const double x = v.get<double>();
    if (x != std::floor(x))
      fail(path, "'multipleOf' " + v.dump() +
                     " is not supported: only whole numbers are (the validator run on every "
                     "answer cannot check fractional ones exactly).");
    if (x > 1e15) fail(path, "'multipleOf' above 10^15 is not supported.");
    return static_cast<long long>(x);
  }

  // Integers (for 'number' also written n.0) that are multiples of an
  // integer multipleOf and within the bounds: listed when the bounds leave
  // few, else digit by digit through the remainder so far (up to 16 digits,
  // as `integer` has) when no bound or only a lower bound of at most 0 is
  // given (non-negative multiples then: a subset).
  std::string multiple_rule(const json& s, const std::string& t, const std::string& path) {
    const long long m = divisor(s["multipleOf"], path);
    const std::string point_zero = t == "number" ? " ( \".\" \"0\"{1,9} )?" : "";
    const Bounds b = bounds(s, path);
    if (b.lo > b.hi) unsat(path, "no integer lies within 'minimum'/'maximum'.");
    if (m == 1)
      return add("( " + (has_bounds(s) ? int_alts(b.lo, b.hi) : std::string("integer")) + " )" +
                 point_zero);
    auto floor_div = [](long long a, long long d) { return a / d - (a % d != 0 && a < 0); };
    const long long first = -floor_div(-b.lo, m), last = floor_div(b.hi, m);
    if (first > last) unsat(path, "no multiple of 'multipleOf' lies within 'minimum'/'maximum'.");
    if (last - first < 256) {
      std::string body;
      for (long long k = first; k <= last; ++k)
        body += (body.empty() ? "" : " | ") + literal(std::to_string(k * m));
      return add("( " + body + " )" + point_zero);
    }
    const bool negatives = b.lo == -kLimit;
    if (b.hi != kLimit || (!negatives && b.lo > 0))
      fail(path,
           "'multipleOf' beside 'minimum'/'maximum' is supported when they leave at most 256 "
           "multiples, or with only a lower bound of at most 0.");
    if (m > 64) fail(path, "'multipleOf' above 64 is supported only within bounds.");
    // Rule (r, k): the rest of a number whose first k digits leave
    // remainder r; only r = 0 may end, and the 16th digit must make it 0.
    constexpr int kDigits = 16;
    // live[k][r]: some digits after the k-th reach remainder 0 within kDigits.
    std::vector<std::vector<bool>> live(kDigits + 1, std::vector<bool>(m, false));
    for (int k = kDigits; k >= 1; --k)
      for (long long r = 0; r < m; ++r) {
        bool ok = r == 0;
        for (int c = 0; c <= 9 && !ok && k < kDigits; ++c) ok = live[k + 1][(10 * r + c) % m];
        live[k][r] = ok;
      }
    std::map<std::pair<long long, int>, std::string> names;
    std::function<std::string(long long, int)> state = [&](long long r, int k) -> std::string {
      if (!live[k][r]) return "";
      if (auto it = names.find({r, k}); it != names.end()) return it->second;
      const std::string name = "r" + std::to_string(rules_.size());
      rules_.push_back("");
      names[{r, k}] = name;
      std::string body = r == 0 ? "\"\"" : "";
      if (k < kDigits) {
        const std::string steps =
            digit_steps(r, m, 0, [&](long long next) { return state(next, k + 1); });
        if (!steps.empty()) body += (body.empty() ? "" : " | ") + steps;
      }
      rules_[std::stoul(name.substr(1))] = name + " ::= " + body;
      return name;
    };
    const std::string nonzero =
        digit_steps(0, m, 1, [&](long long next) { return state(next, 1); });
    return add(std::string(negatives ? "\"-\"? " : "") + "( \"0\" | " + nonzero + " )" +
               point_zero);
  }

  // Alternatives "[digits] rule" for each digit from `from` to 9, grouped by
  // the remainder (10 r + digit) mod m they lead to ("" from `rule`: a dead end).
  static std::string digit_steps(long long r, long long m, int from,
                                 const std::function<std::string(long long)>& rule) {
    std::map<long long, std::string> by_next;
    for (int c = from; c <= 9; ++c) by_next[(10 * r + c) % m] += static_cast<char>('0' + c);
    std::string out;
    for (const auto& [next, cs] : by_next) {
      const std::string to = rule(next);
      if (!to.empty()) out += (out.empty() ? "" : " | ") + ("[" + cs + "] ") + to;
    }
    return out;
  }

  static constexpr long long kLimit = 9999999999999999LL;  // 16 digits, as `integer` has

  struct Bounds {
    long long lo = -kLimit, hi = kLimit;  // the integers allowed
    double min = -1e300, max = 1e300;     // the bounds as written (either exclusivity)
  };

  Bounds bounds(const json& s, const std::string& path) const {
    Bounds b;
    auto bound = [&](const char* key) -> std::optional<double> {
      if (!s.contains(key)) return std::nullopt;
      if (!s[key].is_number())  // draft 4's boolean exclusive bounds included: the validator is
                                // draft 7
        fail(path, std::string("'") + key + "' must be a number (draft 6 and later).");
      return s[key].get<double>();
    };
    auto clamp = [&](double v) {
      return static_cast<long long>(std::max<double>(-kLimit, std::min<double>(kLimit, v)));
    };
    for (const char* k : {"minimum", "exclusiveMinimum"})
      if (auto v = bound(k)) {
        b.min = std::max(b.min, *v);
        b.lo = std::max(b.lo, clamp(k[0] == 'm' ? std::ceil(*v) : std::floor(*v) + 1));
      }
    for (const char* k : {"maximum", "exclusiveMaximum"})
      if (auto v = bound(k)) {
        b.max = std::min(b.max, *v);
        b.hi = std::min(b.hi, clamp(k[0] == 'm' ? std::floor(*v) : std::ceil(*v) - 1));
      }
    return b;
  }

  // GBNF alternatives for the integers in [lo, hi] ("" if none).
  static std::string int_alts(long long lo, long long hi) {
    if (lo > hi) return "";
    std::string body;
    if (lo < 0) body = "\"-\" " + natural_range(-std::min(hi, -1LL), -lo);
    if (hi >= 0) body += (body.empty() ? "" : " | ") + natural_range(std::max(lo, 0LL), hi);
    return body;
  }

  // The integers the bounds allow, within the 16 digits `integer` has.
  std::string integer_range(const json& s, const std::string& path) {
    const Bounds b = bounds(s, path);
    if (b.lo > b.hi) unsat(path, "no integer lies within 'minimum'/'maximum'.");
    return add(int_alts(b.lo, b.hi));
  }

  // Numbers within the bounds: the integers, and decimals n.f (n up to 6
  // digits, f up to 9, so the text parses to a double on the same side of
  // every bound) whose whole interval [n, n+1) -- or (-(n+1), -n] -- lies
  // within them: a subset when a bound is fractional, never more.
  std::string number_range(const json& s, const std::string& path) {
    const Bounds b = bounds(s, path);
    constexpr long long kFrac = 999999;
    std::string body = int_alts(b.lo, b.hi);
    if (!body.empty()) body = "( " + body + " ) ( \".\" \"0\"{1,9} )?";  // n.0 is n
    const std::string frac = " \".\" [0-9]{1,9}";
    // n >= 0: n >= lo and n + 1 <= max.
    const long long top = std::min<double>(kFrac, std::floor(b.max) - 1);
    if (std::max(b.lo, 0LL) <= top)
      body += (body.empty() ? "" : " | ") + natural_range(std::max(b.lo, 0LL), top) + frac;
    // -n.f, n >= 0: -n <= hi and -(n + 1) >= min.
    const long long ntop = std::min<double>(kFrac, -std::ceil(b.min) - 1);
    if (std::max(-b.hi, 0LL) <= ntop)
      body += (body.empty() ? "" : " | ") + std::string("\"-\" ") +
              natural_range(std::max(-b.hi, 0LL), ntop) + frac;
    // Just above an integer exclusive minimum m (or below an exclusive
    // maximum): m.f with a non-zero fraction, when [m, m + 1) is otherwise in.
    const std::string nonzero = " \".\" [0-9]{0,8} [1-9]";
    auto integral = [&](const char* k, double& v) {
      if (!s.contains(k) || !s[k].is_number()) return false;
      v = s[k].get<double>();
      return v == std::floor(v) && std::fabs(v) <= kFrac;
    };
    double m = 0;
    if (integral("exclusiveMinimum", m) && m >= 0 && m == b.min && m + 1 <= b.max)
      body += (body.empty() ? "" : " | ") + literal(std::to_string(static_cast<long long>(m))) +
              nonzero;
    if (integral("exclusiveMaximum", m) && m <= 0 && m == b.max && m - 1 >= b.min)
      body += (body.empty() ? "" : " | ") +
              literal("-" + std::to_string(static_cast<long long>(-m))) + nonzero;
    // A fractional bound between n and n + 1 (n >= 0): n.f with f compared
    // digit by digit with the bound's fraction.
    auto digits = [&](const char* k, long long& n, std::string& frac) {
      if (!s.contains(k) || !s[k].is_number_float()) return false;
      std::string t = s[k].dump();
      if (t.find_first_of("eE") != std::string::npos) {  // 1e-06: as 0.000001, if exact
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.8f", s[k].get<double>());
        t = buf;
        if (std::stod(t) != s[k].get<double>()) return false;
      }
      const size_t dot = t.find('.');
      if (t[0] == '-' || dot == std::string::npos || t.find_first_of("eE") != std::string::npos)
        return false;
      n = std::stoll(t.substr(0, dot));
      frac = t.substr(dot + 1);
      while (!frac.empty() && frac.back() == '0') frac.pop_back();
      return n <= kFrac && !frac.empty() && frac.size() <= 8;
    };
    long long n = 0;
    std::string f;
    for (const char* k : {"minimum", "exclusiveMinimum"})
      if (digits(k, n, f) && s[k].get<double>() == b.min && n + 1 <= b.max)
        body += (body.empty() ? "" : " | ") + literal(std::to_string(n)) + " \".\" " +
                fraction_from(f, k[0] == 'e', 9);  // never "" for a non-empty f
    for (const char* k : {"maximum", "exclusiveMaximum"})
      if (digits(k, n, f) && s[k].get<double>() == b.max && n >= b.lo && n >= 0) {
        const std::string g = fraction_to(f, k[0] == 'e', 9);
        if (!g.empty())
          body += (body.empty() ? "" : " | ") + literal(std::to_string(n)) + " \".\" " + g;
      }
    if (body.empty()) unsat(path, "no number lies within 'minimum'/'maximum'.");
    return add(body);
  }

  static std::string any_digits(int n) {
    return n <= 0 ? "" : " [0-9]{0," + std::to_string(n) + "}";
  }

  // Digit strings R of 0 to `room` digits with 0.R >= 0.d (> if `strict`);
  // "" if none. `d` has no trailing zero.
  static std::string fraction_from(const std::string& d, bool strict, int room) {
    if (d.empty()) {
      if (!strict) return room > 0 ? "(" + any_digits(room) + " )" : "";
      return room > 0 ? "(" + any_digits(room - 1) + " [1-9] )" : "";
    }
    if (room <= 0) return "";
    std::string alts;
    if (d[0] < '9') alts = "[" + std::string(1, d[0] + 1) + "-9]" + any_digits(room - 1);
    const std::string rest = fraction_from(d.substr(1), strict, room - 1);
    if (!rest.empty() || (d.size() == 1 && !strict))
      alts += (alts.empty() ? "" : " | ") + std::string("\"") + d[0] + "\"" +
              (rest.empty() ? "" : " " + rest);
    return alts.empty() ? "" : "( " + alts + " )";
  }

  // Digit strings R of 1 to `room` digits with 0.R <= 0.d (< if `strict`);
  // "" if none. `d` has no trailing zero.
  static std::string fraction_to(const std::string& d, bool strict, int room) {
    if (d.empty()) return strict || room <= 0 ? "" : "\"0\"{1," + std::to_string(room) + "}";
    if (room <= 0) return "";
    std::string alts;
    if (d[0] > '0') alts = "[0-" + std::string(1, d[0] - 1) + "]" + any_digits(room - 1);
    // d[0] then nothing more (below 0.d when d goes on, equal when it does not)
    // or a continuation at or below the rest of d.
    const std::string rest = fraction_to(d.substr(1), strict, room - 1);
    const bool alone = d.size() > 1 || !strict;
    if (alone || !rest.empty())
      alts += (alts.empty() ? "" : " | ") + std::string("\"") + d[0] + "\"" +
              (rest.empty() ? ""
               : alone      ? " " + rest + "?"
                            : " " + rest);
    return alts.empty() ? "" : "( " + alts + " )";
  }

  // GBNF for exactly the decimal numbers in [lo, hi] (0 <= lo <= hi), no
  // leading zeros: one alternative per digit count.
  static std::string natural_range(long long lo, long long hi) {
    std::string out;
    const std::string a = std::to_string(lo), b = std::to_string(hi);
    for (size_t n = a.size(); n <= b.size(); ++n) {
      std::string from = a;
      if (n != a.size()) {  // 10^(n-1)
        from.assign(n, '0');
        from[0] = '1';
      }
      const std::string to = n == b.size() ? b : std::string(n, '9');
      out += (out.empty() ? "" : " | ") + digits_between(from, to);
    }
    return "(" + out + ")";
  }

  // GBNF for the digit strings of one length between `a` and `b` (a <= b).
  static std::string digits_between(const std::string& a, const std::string& b) {
    if (a.empty()) return "";
    const size_t rest = a.size() - 1;
    if (a[0] == b[0]) {
      const std::string tail = digits_between(a.substr(1), b.substr(1));
      return "\"" + std::string(1, a[0]) + "\"" + (tail.empty() ? "" : " " + tail);
    }
    std::vector<std::string> alts;
    char first = a[0], last = b[0];
    if (a.find_first_not_of('0', 1) != std::string::npos) {  // a[0] then >= a's rest
      alts.push_back("\"" + std::string(1, a[0]) + "\" " +
                     digits_between(a.substr(1), std::string(rest, '9')));
      ++first;
    }
    std::string upper;
    if (b.find_first_not_of('9', 1) != std::string::npos) {  // b[0] then <= b's rest
      upper =
          "\"" + std::string(1, b[0]) + "\" " + digits_between(std::string(rest, '0'), b.substr(1));
      --last;
    }
    if (first <= last)
      alts.push_back("[" + std::string(1, first) + "-" + std::string(1, last) + "]" +
                     (rest ? " [0-9]{" + std::to_string(rest) + "}" : ""));
    if (!upper.empty()) alts.push_back(upper);
    std::string out;
    for (const auto& x : alts) out += (out.empty() ? "" : " | ") + x;
    return "(" + out + ")";
  }

  // The schema a local $ref points at.
  const json& target(const json& r, const std::string& path) const {
    if (!r.is_string() || r.get<std::string>().rfind("#", 0) != 0)
      fail(path, "only local '$ref' (\"#/...\") is supported.");
    const std::string t = r.get<std::string>();
    json::json_pointer ptr;
    try {
      ptr = json::json_pointer(t.substr(1));
    } catch (const std::exception&) {
      fail(path, "'$ref' " + t + " is not a JSON pointer.");
    }
    if (!root_.contains(ptr)) fail(path, "'$ref' " + t + " points at nothing.");
    return root_.at(ptr);
  }

  // The conjunction of `x`'s own keywords, its $ref target and its allOf
  // branches (recursively), one object per schema, in `parts`.
  void flatten(const json& x, std::vector<json>& parts, const std::string& path, int depth) const {
    if (depth > 32) fail(path, "'allOf'/'$ref' nest too deeply (or refer to themselves).");
    if (x.is_boolean()) {
      if (!x.get<bool>()) unsat(path, "the schema 'false' allows no value.");
      return;
    }
    if (!x.is_object()) fail(path, "a schema must be an object or a boolean.");
    json rest = x;
    if (x.contains("$ref")) {
      rest.erase("$ref");
      flatten(target(x["$ref"], path), parts, path, depth + 1);
    }
    if (x.contains("allOf")) {
      rest.erase("allOf");
      if (!x["allOf"].is_array() || x["allOf"].empty())
        fail(path, "'allOf' must be a non-empty array of schemas.");
      for (const auto& b : x["allOf"]) flatten(b, parts, path, depth + 1);
    }
    parts.push_back(std::move(rest));
  }

  // One schema equivalent to all of `schemas` (allOf), or a 400 naming what
  // cannot be merged.
  json merge_all(const std::vector<json>& schemas, const std::string& path) const {
    std::vector<json> parts;
    for (const auto& x : schemas) flatten(x, parts, path, 0);
    json out = json::object();
    for (const auto& p : parts) out = merge(out, p, path);
    return out;
  }

  static json both(const json& a, const json& b) {
    if (a == b || b == json(true) || b == json::object()) return a;
    if (a == json(true) || a == json::object()) return b;
    return json{{"allOf", json::array({a, b})}};
  }

  // allOf of two flattened schemas (no $ref, no allOf at the top).
  json merge(const json& a, const json& b, const std::string& path) const {
    auto refuse = [&](const std::string& k) {
      fail(path,
           "'allOf' whose branches both use '" + k + "' with different values is not supported.");
    };
    const bool structural_a = a.contains("properties") || a.contains("additionalProperties") ||
                              a.contains("patternProperties");
    const bool structural_b = b.contains("properties") || b.contains("additionalProperties") ||
                              b.contains("patternProperties");
    if (structural_a && structural_b &&
        (a.contains("patternProperties") || b.contains("patternProperties")))
      refuse("patternProperties");
    // Which items a tuple's trailing schema covers depends on the tuple of
    // the same schema object: array keywords on both sides are not merged.
    auto arrays = [](const json& x) {
      return x.contains("prefixItems") || x.contains("additionalItems") ||
             (x.contains("items") && x["items"].is_array());
    };
    if ((arrays(a) && (arrays(b) || b.contains("items"))) || (arrays(b) && a.contains("items")))
      refuse("prefixItems");
    json out = a;
    for (const auto& [k, vb] : b.items()) {
      if (!out.contains(k)) {
        out[k] = vb;
        continue;
      }
      const json va = out[k];
      if (va == vb || k == "properties" || k == "additionalProperties") continue;
      if (k == "type") {
        const auto ta = type_names(va), tb = type_names(vb);
        std::set<std::string> common;
        for (const auto& x : ta)
          if (tb.count(x) || (x == "integer" && tb.count("number")))
            common.insert(x);
          else if (x == "number" && tb.count("integer"))
            common.insert("integer");
        const json t = common;
        if (t.empty()) unsat(path, "'allOf' branches allow no common 'type'.");
        out[k] = t.size() == 1 ? t[0] : t;
      } else if (k == "required") {
        json r = va;
        if (!r.is_array() || !vb.is_array()) fail(path, "'required' must be an array of strings.");
        for (const auto& x : vb)
          if (std::find(r.begin(), r.end(), x) == r.end()) r.push_back(x);
        out[k] = r;
      } else if (k == "minimum" || k == "exclusiveMinimum" || k == "minLength" || k == "minItems" ||
                 k == "minProperties") {
        if (!va.is_number() || !vb.is_number()) refuse(k);
        out[k] = va.get<double>() >= vb.get<double>() ? va : vb;
      } else if (k == "maximum" || k == "exclusiveMaximum" || k == "maxLength" || k == "maxItems" ||
                 k == "maxProperties") {
        if (!va.is_number() || !vb.is_number()) refuse(k);
        out[k] = va.get<double>() <= vb.get<double>() ? va : vb;
      } else if (k == "enum") {
        if (!va.is_array() || !vb.is_array()) fail(path, "'enum' must be a non-empty array.");
        json e = json::array();
        for (const auto& x : va)
          if (std::find(vb.begin(), vb.end(), x) != vb.end()) e.push_back(x);
        if (e.empty()) unsat(path, "'allOf' branches have no 'enum' value in common.");
        out[k] = e;
      } else if (k == "const") {
        unsat(path, "'allOf' branches require different 'const' values.");
      } else if (k == "items") {
        if (va.is_array() || vb.is_array()) refuse(k);
        out[k] = both(va, vb);
      } else if (k == "anyOf" || k == "oneOf") {
        // (A1 | A2) & (B1 | B2) = A1&B1 | A1&B2 | ...
        if (!va.is_array() || !vb.is_array() || va.size() * vb.size() > 64) refuse(k);
        json alts = json::array();
        for (const auto& x : va)
          for (const auto& y : vb) alts.push_back(both(x, y));
        out[k] = alts;
      } else if (k == "not") {
        out[k] = json{{"anyOf", json::array({va, vb})}};  // not A and not B
      } else if (k == "uniqueItems") {
        out[k] = va == json(true) || vb == json(true);
      } else if (k == "multipleOf" && va.is_number() && vb.is_number() &&
                 va.get<double>() == std::floor(va.get<double>()) &&
                 vb.get<double>() == std::floor(vb.get<double>()) && va.get<double>() > 0 &&
                 vb.get<double>() > 0 && std::max(va.get<double>(), vb.get<double>()) < 1e9) {
        // Multiples of both: multiples of the least common multiple.
        out[k] = std::lcm(va.get<long long>(), vb.get<long long>());
      } else if (k == kNotIn) {
        json u = va;
        for (const auto& x : vb)
          if (std::find(u.begin(), u.end(), x) == u.end()) u.push_back(x);
        out[k] = u;
      } else if (kSupported.count(k) || kUnenforced.count(k) || k == "format") {
        refuse(k);
      }  // else an annotation: keep the first
    }
    // Objects: a key declared by one side only must also satisfy the other
    // side's additionalProperties; undeclared keys satisfy both.
    if (structural_a || structural_b) {
      static const json kNone = json::object();
      const json& pa = a.contains("properties") ? a["properties"] : kNone;
      const json& pb = b.contains("properties") ? b["properties"] : kNone;
      if (!pa.is_object() || !pb.is_object()) fail(path, "'properties' must be an object.");
      const json apa = a.contains("additionalProperties") ? a["additionalProperties"] : json(true);
      const json apb = b.contains("additionalProperties") ? b["additionalProperties"] : json(true);
      json props = json::object();
      auto one_side = [&](const json& mine, const json& other, const json& other_extra) {
        for (const auto& [name, sub] : mine.items()) {
          if (other.contains(name)) continue;
          if (other_extra == json(false)) continue;  // forbidden: the merged extra is false
          props[name] = both(sub, other_extra);
        }
      };
      one_side(pa, pb, apb);
      one_side(pb, pa, apa);
      for (const auto& [name, sub] : pa.items())
        if (pb.contains(name)) props[name] = both(sub, pb[name]);
      out.erase("properties");
      if (!props.empty()) out["properties"] = props;
      out.erase("additionalProperties");
      if (a.contains("additionalProperties") || b.contains("additionalProperties"))
        out["additionalProperties"] =
            apa == json(false) || apb == json(false) ? json(false) : both(apa, apb);
    }
    return out;
  }

  std::string ref(const json& r, const std::string& path) {
    if (!r.is_string() || r.get<std::string>().rfind("#", 0) != 0)
      fail(path, "only local '$ref' (\"#/...\") is supported.");
    const std::string target = r.get<std::string>();
    if (auto it = refs_.find(target); it != refs_.end()) return it->second;
    json::json_pointer ptr;
    try {
      ptr = json::json_pointer(target.substr(1));
    } catch (const std::exception&) {
      fail(path, "'$ref' " + target + " is not a JSON pointer.");
    }
    if (!root_.contains(ptr)) fail(path, "'$ref' " + target + " points at nothing.");
    // Name the rule before compiling its target, so recursive schemas refer to it.
    const std::string name = "r" + std::to_string(rules_.size());
    rules_.push_back("");
    refs_[target] = name;
    const std::string body = gen(root_.at(ptr), target.substr(1));
    rules_[std::stoul(name.substr(1))] = name + " ::= " + body;
    return name;
  }

  // enum/const: the listed values that also satisfy the rest of the schema.
  // `s` with the root's definitions beside it, so that valijson resolves
  // its local $refs to them (others stay unresolvable: the value is refused).
  json with_definitions(const json& s) const {
    if (!s.is_object() || !root_.is_object()) return s;
    json out = s;
    for (const char* k : {"definitions", "$defs"})
      if (root_.contains(k) && !out.contains(k)) out[k] = root_[k];
    return out;
  }

  std::string literals(const json& s, const std::string& path) {
    std::vector<json> values;
    if (s.contains("const")) values.push_back(s["const"]);
    if (s.contains("enum")) {
      if (!s["enum"].is_array() || s["enum"].empty())
        fail(path, "'enum' must be a non-empty array.");
      for (const auto& v : s["enum"]) values.push_back(v);
    }
    const SchemaCheck check(with_definitions(s));
    std::string body;
    for (const auto& v : values) {
      if (excluded(s, v) || !check.check(v).ok) continue;
      body += (body.empty() ? "" : " | ") + literal(v.dump());
    }
    // No value at all: an optional property is then never generated, an
    // anyOf branch dropped.
    if (body.empty()) unsat(path, "no 'enum'/'const' value satisfies the rest of the schema.");
    return add(body);
  }

  // A format no validator asserts (unknown formats are annotations).
  static bool annotation_format(const json& f) {
    return f.is_string() && !kFormats.count(f.get<std::string>()) &&
           !kAssertedFormats.count(f.get<std::string>());
  }

  std::string string_rule(const json& s, const std::string& path) {
    if (s.contains(kNotIn)) {  // any string but the listed ones (no escapes: a subset)
      std::set<std::string> banned;
      for (const auto& v : s[std::string(kNotIn)])
        if (v.is_string()) banned.insert(v.get<std::string>());
      if (s.contains("pattern") || s.contains("minLength") || s.contains("maxLength") ||
          (s.contains("format") && !annotation_format(s["format"])))
        fail(path,
             "leaving listed strings out ('not' of an 'enum'/'const', or a oneOf branch listing "
             "them) beside 'pattern', 'format' or a length is not supported.");
      for (const auto& b : banned)
        for (unsigned char c : b)
          if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\')
            fail(path,
                 "leaving out a listed string with non-ASCII or escaped characters is not "
                 "supported.");
      if (!banned.empty()) return key_excluding(banned, path);
    }
    if (s.contains("pattern")) {
      if (!s["pattern"].is_string()) fail(path, "'pattern' must be a string.");
      if (s.contains("format") && !annotation_format(s["format"]))
        fail(path, "'pattern' together with 'format' is not supported.");
      const long long min = s.contains("minLength") ? count(s, "minLength", path, false) : 0;
      const long long max = s.contains("maxLength") ? count(s, "maxLength", path, true) : -1;
      if (max >= 0 && max < min) unsat(path, "'maxLength' is below 'minLength'.");
      try {
        const PatternGrammar g = pattern_to_gbnf(
            s["pattern"].get<std::string>(), [&](const std::string& b) { return add(b); },
            kMaxRepeat, min, max);
        return add("\"\\\"\" " + g.body + " \"\\\"\"");
      } catch (const PatternError& e) {
        fail(path, "'pattern' " + json(s["pattern"]).dump() + " is not supported: " + e.what());
      }
    }
    if (s.contains("format") && !annotation_format(s["format"])) {
      const json& f = s["format"];
      auto it = f.is_string() ? kFormats.find(f.get<std::string>()) : kFormats.end();
      if (it == kFormats.end())
        fail(path, "format '" + (f.is_string() ? f.get<std::string>() : f.dump()) +
                       "' is not supported (supported: date, time, date-time, duration, uuid, "
                       "email, hostname, ipv4, ipv6, uri, uri-reference, iri, iri-reference, "
                       "uri-template, json-pointer, regex, byte; unknown formats are ignored).");
      const long long min = s.contains("minLength") ? count(s, "minLength", path, false) : 0;
      const long long max = s.contains("maxLength") ? count(s, "maxLength", path, true) : -1;
      const Format& fmt = it->second;
      if (min > fmt.max || (max >= 0 && max < fmt.min))
        unsat(path, "no '" + it->first + "' value generated here has a length within " +
                        "'minLength'/'maxLength'.");
      if (min > fmt.min || (max >= 0 && max < fmt.max))
        fail(path, "format '" + it->first + "' with 'minLength'/'maxLength' narrower than its " +
                       "values here (" + std::to_string(fmt.min) + " to " +
                       std::to_string(fmt.max) + " characters) is not supported.");
      return add("\"\\\"\" " + fmt.gbnf + " \"\\\"\"");
    }
    if (!s.contains("minLength") && !s.contains("maxLength")) return "string";
    const long long min = s.contains("minLength") ? count(s, "minLength", path, false) : 0;
    const long long max = s.contains("maxLength") ? count(s, "maxLength", path, true) : -1;
    if (max >= 0 && max < min) fail(path, "'maxLength' is below 'minLength'.");
    return add("\"\\\"\" " + repeat("schar", min, max) + " \"\\\"\"");
  }

  std::string array_rule(const json& s, const std::string& path) {
    const long long min = s.contains("minItems") ? count(s, "minItems", path, false) : 0;
    const long long max = s.contains("maxItems") ? count(s, "maxItems", path, true) : -1;
    if (max >= 0 && max < min) fail(path, "'maxItems' is below 'minItems'.");
    // Tuples: items as an array (drafts up to 7, then additionalItems) or
    // prefixItems (2020-12, then items).
    const bool old_tuple = s.contains("items") && s["items"].is_array();
    if (old_tuple || s.contains("prefixItems")) {
      const json& tuple = old_tuple ? s["items"] : s["prefixItems"];
      const char* after = old_tuple ? "additionalItems" : "items";
      if (!tuple.is_array()) fail(path, "'prefixItems' must be an array of schemas.");
      if (!old_tuple && s.contains("items") && s["items"].is_array())
        fail(path, "'items' as an array beside 'prefixItems' is not valid.");
      if (!tuple.empty()) return tuple_rule(s, tuple, after, min, max, path);
      if (s.contains(after)) return array_of(gen(s[after], path + "/" + after), min, max);
      return array_of("value", min, max);
    }
    std::string item = "value";
    if (s.contains("items")) item = gen(s["items"], path + "/items");
    return array_of(item, min, max);
  }

  // Arrays of the tuple's items in order (any prefix of at least `min`), then
  // items of the `after` schema (true when absent).
  std::string tuple_rule(const json& s, const json& tuple, const char* after, long long min,
                         long long max, const std::string& path) {
    const long long n = static_cast<long long>(tuple.size());
    std::vector<std::string> items;
    // prefixItems beside items: a draft-7 validator (the one after
    // generation) applies items to every element, so tuple items satisfy both.
    const bool both_apply = std::string(after) == "items" && s.contains("items");
    for (long long k = 0; k < n && (max < 0 || k < max); ++k) {
      const std::string at = path + "/" +
                             (std::string(after) == "items" ? "prefixItems" : "items") + "/" +
                             std::to_string(k);
      items.push_back(both_apply ? gen_merged({tuple[k], s["items"]}, at) : gen(tuple[k], at));
    }
    const json extra = s.contains(after) ? s[after] : json(true);
    const bool extras = extra != json(false);
    if (!extras && min > n) unsat(path, "'minItems' above the number of items allowed.");
    std::string extra_item;
    if (extras && (max < 0 || max > n))
      extra_item = extra == json(true) ? "value" : gen(extra, path + "/" + after);
    std::string tail;  // positions k.. , built from the end
    if (!extra_item.empty()) {
      const std::string more = add("ws \",\" ws " + extra_item);
      tail = repeat(more, std::max(0LL, min - n), max < 0 ? -1 : max - n);
    }
    for (long long k = static_cast<long long>(items.size()); k-- > 0;) {
      const std::string inner =
          (k ? "ws \",\" ws " : "") + items[k] + (tail.empty() ? "" : " " + tail);
      tail = k < min ? inner : "( " + inner + " )?";
    }
    return add("\"[\" ws " + tail + " ws \"]\"");
  }

  std::string array_of(const std::string& item, long long min, long long max) {
    if (max == 0) return add(R"("[" ws "]")");
    const std::string more = add("ws \",\" ws " + item);
    const std::string rest = repeat(more, min == 0 ? 0 : min - 1, max < 0 ? -1 : max - 1);
    const std::string seq = item + (rest.empty() ? "" : " " + rest);
    if (min == 0) return add("\"[\" ws ( " + seq + " )? ws \"]\"");
    return add("\"[\" ws " + seq + " ws \"]\"");
  }

  // A JSON key (with quotes) that is none of `names`; keys use no escapes so
  // an escaped spelling cannot alias a declared name.
  std::string key_excluding(const std::set<std::string>& names, const std::string& path) {
    struct Node {
      std::map<char, int> kids;
      bool terminal = false;
    };
    std::vector<Node> trie(1);
    for (const auto& n : names) {
      int at = 0;
      for (char c : n) {
        if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\')
          fail(path,
               "'additionalProperties' beside property names with non-ASCII or escaped "
               "characters is not supported; set additionalProperties to false.");
        auto it = trie[at].kids.find(c);
        if (it == trie[at].kids.end()) {
          trie.push_back({});
          it = trie[at].kids.emplace(c, static_cast<int>(trie.size()) - 1).first;
        }
        at = it->second;
      }
      trie[at].terminal = true;
    }
    // Rule for "the rest of the key after reaching node i" is not a name.
    std::vector<std::string> names_of(trie.size());
    for (size_t i = trie.size(); i-- > 0;) {
      std::string cls = R"([^"\\\x7F\x00-\x1F)";
      std::string body;
      for (const auto& [c, kid] : trie[i].kids) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(c));
        cls += buf;
        body += (body.empty() ? "" : " | ") + literal(std::string(1, c)) + " " + names_of[kid];
      }
      body = cls + "] kchar*" + (body.empty() ? "" : " | " + body);
      if (!trie[i].terminal) body = "| " + body;  // the key may end here
      names_of[i] = add(body);
    }
    return add("\"\\\"\" " + names_of[0] + " \"\\\"\"");
  }

  // The patterns of patternProperties as std::regex (ECMAScript), for
  // telling which names they match.
  std::vector<std::pair<std::regex, const json*>> compile_patterns(const json& pats,
                                                                   const std::string& path) const {
    std::vector<std::pair<std::regex, const json*>> out;
    for (const auto& [p, sub] : pats.items()) {
      try {
        out.emplace_back(std::regex(p, std::regex::ECMAScript), &sub);
      } catch (const std::regex_error&) {
        fail(path, "'patternProperties' pattern " + json(p).dump() + " is not supported.");
      }
    }
    return out;
  }

  // Whether a patternProperties pattern matches a property name (ASCII
  // names only: std::regex matches bytes, not code points).
  bool matches(const std::regex& re, const std::string& name, const std::string& path) const {
    for (unsigned char c : name)
      if (c >= 0x80)
        fail(path, "'patternProperties' beside a non-ASCII property name is not supported.");
    return std::regex_search(name, re);
  }

  // True if no string matches both patterns: both start with ^ and a
  // literal prefix, or both end with a literal suffix and $ (and have no
  // alternation), neither prefix (suffix) extending the other.
  static bool disjoint_patterns(const std::string& a, const std::string& b) {
    if (patterns_disjoint(a, b)) return true;
    // The literal run just before a final $, reversed ("" if none).
    auto suffix = [](const std::string& p) {
      std::string out;
      if (p.size() < 2 || p.back() != '$' || p.find('|') != std::string::npos ||
          p.find("\\\\") != std::string::npos || p[p.size() - 2] == '\\')
        return out;
      for (size_t i = p.size() - 1; i-- > 0;) {
        const char c = p[i];
        if (i > 0 && p[i - 1] == '\\') {  // an escape: punctuation is literal, \d etc. a class
          if (std::isalnum(static_cast<unsigned char>(c))) break;
          out += c;
          --i;
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                   c == ':' || c == '/' || c == '@' || c == ' ') {
          out += c;
        } else {
          break;
        }
      }
      return out;
    };
    const std::string sa = suffix(a), sb = suffix(b);
    if (!sa.empty() && !sb.empty() &&
        sa.compare(0, std::min(sa.size(), sb.size()), sb, 0, std::min(sa.size(), sb.size())) != 0)
      return true;
    // A pattern only one string matches: whether the other matches it.
    for (const auto& [one, other] : {std::pair{a, b}, std::pair{b, a}}) {
      const auto x = literal_prefixes(one);
      if (x.size() != 1 || one.size() < 2 || one.back() != '$') continue;
      std::string rest = one.substr(1, one.size() - 2);  // every character literal?
      std::string text;
      for (size_t i = 0; i < rest.size(); ++i) text += rest[i] == '\\' ? rest[++i] : rest[i];
      if (text != x[0]) continue;
      try {
        return !std::regex_search(text, std::regex(other, std::regex::ECMAScript));
      } catch (const std::regex_error&) {
        return false;
      }
    }
    const auto x = literal_prefixes(a), y = literal_prefixes(b);
    if (x.empty() || y.empty()) return false;
    for (const auto& u : x)
      for (const auto& v : y) {
        const size_t n = std::min(u.size(), v.size());
        if (u.compare(0, n, v, 0, n) == 0) return false;  // a match may begin with both
      }
    return true;
  }

  // Whether `p` has a '|' outside every group and character class.
  static bool top_level_alternation(const std::string& p) {
    int depth = 0;
    bool in_class = false;
    for (size_t i = 0; i < p.size(); ++i) {
      const char c = p[i];
      if (c == '\\') {
        ++i;
      } else if (in_class) {
        in_class = c != ']';
      } else if (c == '[') {
        in_class = true;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        --depth;
      } else if (c == '|' && depth == 0) {
        return true;
      }
    }
    return false;
  }

  // The literal beginnings every match of pattern `p` starts with: after
  // '^', literal characters, a character followed by '?' spelt both with and
  // without it, up to the first other construct. Empty when `p` is not
  // anchored, alternates at the top level, or has over 16 spellings.
  static std::vector<std::string> literal_prefixes(const std::string& p) {
    if (p.empty() || p[0] != '^' || top_level_alternation(p)) return {};
    std::vector<std::string> out = {""};
    for (size_t i = 1; i < p.size();) {
      char c = p[i];
      size_t next = i + 1;
      if (c == '\\' && i + 1 < p.size() && std::ispunct(static_cast<unsigned char>(p[i + 1]))) {
        c = p[i + 1];
        next = i + 2;
      } else if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                   c == ':' || c == '/' || c == '@' || c == ' ')) {
        break;
      }
      const char q = next < p.size() ? p[next] : '\0';
      if (q == '*' || q == '{') break;  // repeated: the beginnings end before it
      if (q == '?') {
        const size_t n = out.size();
        for (size_t k = 0; k < n; ++k) out.push_back(out[k] + c);
        next += next + 1 < p.size() && p[next + 1] == '?' ? 2 : 1;  // (lazy '??' too)
      } else {
        for (auto& x : out) x += c;
        if (q == '+') break;  // at least one: more may follow
      }
      if (out.size() > 16) return {};
      i = next;
    }
    for (const auto& x : out)
      if (x.empty()) return {};
    return out;
  }

  static std::string pattern_at(const json& pats, size_t i) {
    auto it = pats.items().begin();
    for (size_t k = 0; k < i; ++k) ++it;
    return it.key();
  }

  std::string object_rule(const json& s, const std::string& path) {
    static const json kEmpty = json::object();
    const json& props = s.contains("properties") ? s["properties"] : kEmpty;
    if (!props.is_object()) fail(path, "'properties' must be an object.");
    std::set<std::string> required;
    if (s.contains("required")) {
      if (!s["required"].is_array()) fail(path, "'required' must be an array of strings.");
      for (const auto& r : s["required"]) {
        if (!r.is_string()) fail(path, "'required' must be an array of strings.");
        required.insert(r.get<std::string>());
      }
    }
    const json additional =
        s.contains("additionalProperties") ? s["additionalProperties"] : json(!strict_);
    const bool extras = !(additional.is_boolean() && !additional.get<bool>());

    // patternProperties: a key matching a pattern takes its schema (and is
    // not an additional property).
    const json& pats = s.contains("patternProperties") ? s["patternProperties"] : kEmpty;
    if (!pats.is_object()) fail(path, "'patternProperties' must be an object.");
    const auto regexes = compile_patterns(pats, path);
    auto matching = [&](const std::string& name) {
      std::vector<json> out;
      for (size_t i = 0; i < regexes.size(); ++i)
        if (matches(regexes[i].first, name, path)) out.push_back(*regexes[i].second);
      return out;
    };

    auto kv = [&](const std::string& name, const std::string& value) {
      return add(literal(json(name).dump()) + R"( ws ":" ws )" + value);
    };
    // Declared and required properties in key order (a canonical order that
    // does not depend on which branch or rewrite made a key required).
    struct Entry {
      std::string kv;
      bool required;
    };
    std::map<std::string, Entry> entries;
    std::set<std::string> declared;
    for (const auto& [name, sub] : props.items()) {
      declared.insert(name);
      const size_t mark = rules_.size();
      const std::string at = path + "/properties/" + name;
      try {
        std::vector<json> all = matching(name);
        all.insert(all.begin(), sub);
        entries[name] = {kv(name, all.size() == 1 ? gen(sub, at) : gen_merged(all, at)),
                         required.count(name) > 0};
      } catch (const Unsat&) {  // an optional property no value fits: never generated
        if (required.count(name)) throw;
        rollback(mark);
      }
    }
    for (const auto& name : required)
      if (!declared.count(name)) {
        declared.insert(name);
        const auto ms = matching(name);
        if (!ms.empty()) {
          entries[name] = {kv(name, gen_merged(ms, path + "/patternProperties")), true};
          continue;
        }
        if (!extras) unsat(path, "required property '" + name + "' is not allowed by the schema.");
        entries[name] = {kv(name, additional.is_boolean() ? "value" : gen(additional, path)), true};
      }
    bool any_optional = false;
    for (const auto& [_, e] : entries) any_optional = any_optional || !e.required;
    // Undeclared keys: any key (when additionalProperties allows), whose
    // value must then also satisfy every pattern's schema, since the key may
    // match it; and keys spelled by each pattern that no declared name
    // matches, whose value satisfies every pattern's schema too (a subset
    // where patterns do not overlap). Any-key extras that cannot be compiled
    // beside the patterns are not generated; a pattern that cannot is a 400.
    std::vector<std::string> kvs;
    std::vector<json> all_pats;
    for (const auto& [p, sub] : pats.items()) all_pats.push_back(sub);
    if (extras) {
      const size_t mark = rules_.size();
      try {
        const std::string key = declared.empty() ? "string" : key_excluding(declared, path);
        std::string value;
        if (all_pats.empty())
          value = additional.is_boolean() ? std::string("value")
                                          : gen(additional, path + "/additionalProperties");
        else {
          std::vector<json> v = all_pats;
          v.push_back(additional);
          value = gen_merged(v, path + "/additionalProperties");
        }
        kvs.push_back(add(key + R"( ws ":" ws )" + value));
      } catch (const Unsat&) {
        rollback(mark);
      } catch (const Error&) {
        if (all_pats.empty()) throw;
        rollback(mark);
      }
    }
    // A pattern key may spell a declared name: its value then satisfies that
    // property's schema too.
    for (size_t i = 0; i < regexes.size(); ++i) {
      // The schemas of the patterns its keys may also match, and of the
      // declared names it matches.
      std::vector<json> pat_values = {*regexes[i].second};
      for (size_t j = 0; j < regexes.size(); ++j)
        if (j != i && !disjoint_patterns(pattern_at(pats, i), pattern_at(pats, j)))
          pat_values.push_back(*regexes[j].second);
      for (const auto& name : declared)  // (a required undeclared name has only the patterns)
        if (props.contains(name) && matches(regexes[i].first, name, path))
          pat_values.push_back(props[name]);
      const size_t mark = rules_.size();
      try {
        const PatternGrammar g = pattern_to_gbnf(
            pattern_at(pats, i), [&](const std::string& b) { return add(b); }, kMaxRepeat);
        const std::string value = gen_merged(pat_values, path + "/patternProperties");
        kvs.push_back(add("\"\\\"\" " + g.body + " \"\\\"\" ws \":\" ws " + value));
      } catch (const PatternError& e) {
        fail(path, "'patternProperties' pattern " + json(pattern_at(pats, i)).dump() +
                       " is not supported: " + e.what());
      } catch (const Unsat&) {  // no value fits all the patterns' schemas: no such keys
        rollback(mark);
      }
    }
    const std::string max_key(kMaxExtra);
    const long long max_extra =
        s.contains(max_key) && s[max_key].is_number_integer() ? s[max_key].get<long long>() : -1;
    if (max_extra == 0) kvs.clear();
    std::string extra, extra_kv;
    if (!kvs.empty()) {
      std::string body;
      for (const auto& k : kvs) body += (body.empty() ? "" : " | ") + k;
      extra_kv = kvs.size() == 1 ? kvs[0] : add(body);
      extra = repeat(add("ws \",\" ws " + extra_kv), 0, max_extra);
    }
    auto then = [](const std::string& a, const std::string& b) {
      return b.empty() ? a : a + " " + b;
    };
    const std::string min_key(kMinExtra);
    const long long min_extra =
        s.contains(min_key) && s[min_key].is_number_integer() ? s[min_key].get<long long>() : 0;
    std::string content;
    if (min_extra > 0) {  // that many undeclared keys after the (required) declared ones
      if (any_optional || extra_kv.empty()) unsat(path, "'minProperties' cannot be met.");
      if (max_extra >= 0 && max_extra < min_extra) unsat(path, "'minProperties' cannot be met.");
      for (const auto& [_, e] : entries)
        content += (content.empty() ? "" : R"( ws "," ws )") + e.kv;
      const std::string more = add("ws \",\" ws " + extra_kv);
      content =
          content.empty()
              ? extra_kv + " " + repeat(more, min_extra - 1, max_extra < 0 ? -1 : max_extra - 1)
              : content + " " + repeat(more, min_extra, max_extra);
    } else {
      // From the last key back: `after` is what may follow once a key has
      // been written (each later key with its comma, then undeclared keys);
      // `first` what may come when none has been (empty only if `open`).
      std::string after = extra;
      std::string first;
      if (!extra_kv.empty())
        first = add(then(extra_kv, max_extra < 0
                                       ? extra
                                       : repeat(add("ws \",\" ws " + extra_kv), 0, max_extra - 1)));
      bool open = true;
      for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        const Entry& e = it->second;
        const std::string emit = then(e.kv, after);
        first = e.required ? add(emit) : add(emit + (first.empty() ? "" : " | " + first));
        open = open && !e.required;
        after =
            add(e.required ? "ws \",\" ws " + emit : then("( ws \",\" ws " + e.kv + " )?", after));
      }
      if (!first.empty()) content = open ? "( " + first + " )?" : first;
    }
    return add("\"{\" ws " + (content.empty() ? "" : content + " ") + "ws \"}\"");
  }

  const json& root_;
  const bool strict_;
  const std::string param_;
  std::vector<std::string> rules_;
  std::map<std::string, std::string> refs_;
  std::map<std::string, std::string> merged_;  // merged schema text -> rule
  int depth_ = 0;
};

struct Cache {
  std::mutex mu;
  std::list<std::pair<std::string, std::shared_ptr<const std::string>>> order;  // newest first
  std::unordered_map<std::string, decltype(order)::iterator> index;
};

Cache& cache() {
  static Cache c;
  return c;
}

}  // namespace

const std::string& json_object_gbnf() {
  static const std::string g = "root ::= object\n" + std::string(kBase);
  return g;
}

std::string schema_to_gbnf(const json& schema, bool strict, const std::string& param) {
  return Compiler(schema, strict, param).run();
}

std::string schema_to_gbnf_relaxed(const json& schema, bool strict,
                                   std::vector<std::string>* relaxed) {
  json work = schema;
  for (int round = 0; round < 64; ++round) {
    try {
      return schema_to_gbnf(work, strict);
    } catch (const Refusal& r) {
      // Widen the refused part to "any value". Under a `not` that would
      // narrow instead, so the `not` itself goes.
      std::string at = r.path;
      const auto n = at.find("/not");
      if (n != std::string::npos) at.resize(n);
      json::json_pointer ptr;
      bool found = false;
      try {
        ptr = json::json_pointer(at);
        found = work.contains(ptr) && work[ptr].is_object();
      } catch (const json::exception&) {
      }
      if (!found) {
        work = json::object();
        at = "/";
      } else if (n != std::string::npos && work[ptr].contains("not")) {
        work[ptr].erase("not");
        at += "/not";
      } else {
        work[ptr] = json::object();
        if (at.empty()) at = "/";
      }
      if (relaxed) relaxed->push_back(at);
    }
  }
  if (relaxed) relaxed->push_back("/");
  return schema_to_gbnf(json::object(), false);
}

std::shared_ptr<const std::string> compile_cached(const json& schema, bool strict,
                                                  const std::string& param) {
  const std::string key = sha256_hex(schema.dump() + (strict ? "\n1" : "\n0"));
  Cache& c = cache();
  {
    std::lock_guard lk(c.mu);
    if (auto it = c.index.find(key); it != c.index.end()) {
      c.order.splice(c.order.begin(), c.order, it->second);
      return it->second->second;
    }
  }
  // Compile outside the lock; a racing duplicate compile is harmless.
  auto g = std::make_shared<const std::string>(schema_to_gbnf(schema, strict, param));
  std::lock_guard lk(c.mu);
  if (auto it = c.index.find(key); it != c.index.end()) return it->second->second;
  c.order.emplace_front(key, g);
  c.index[key] = c.order.begin();
  if (c.order.size() > kCacheSize) {
    c.index.erase(c.order.back().first);
    c.order.pop_back();
  }
  return g;
}

size_t cache_entries() {
  std::lock_guard lk(cache().mu);
  return cache().order.size();
}

Validation validate(const json& schema, std::string_view text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const std::exception& e) {
    return {false, std::string("the output is not JSON: ") + e.what()};
  }
  return SchemaCheck(schema).check(doc);
}

}  // namespace perimeter::grammar
