#include "grammar/grammar.h"

// valijson aborts on a bad schema unless told to throw.
#define VALIJSON_USE_EXCEPTIONS 1
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <cmath>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/sha256.h"

namespace perimeter::grammar {
namespace {

using nlohmann::json;

// Shared rules every grammar carries. Strings never use \u escapes (a lone
// surrogate would make the text unparsable) and numbers have at most 16
// integer and 15 fraction digits and no exponent (so they always fit a double
// and the model cannot run away in digits): a subset of JSON, never more.
// Whitespace is at most one space, so a model cannot stall in it.
constexpr std::string_view kBase = R"(ws ::= | " "
value ::= object | array | string | number | boolean | null
object ::= "{" ws ( member ( ws "," ws member )* )? ws "}"
member ::= string ws ":" ws value
array ::= "[" ws ( value ( ws "," ws value )* )? ws "]"
string ::= "\"" schar* "\""
schar ::= [^"\\\x7F\x00-\x1F] | "\\" ["\\/bfnrt]
kchar ::= [^"\\\x7F\x00-\x1F]
number ::= integer ( "." [0-9]{1,15} )?
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
const std::map<std::string, std::string, std::less<>> kFormats = {
    {"date", kDate},
    {"time", kTime},
    {"date-time", kDate + R"( "T" )" + kTime},
    {"uuid", R"([0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" )"
             R"([0-9a-fA-F]{12})"},
    {"email", kAtext + "{1,64} ( \".\" " + kAtext + "{1,64} ){0,7} \"@\" " + kLabel + " ( \".\" " +
                  kLabel + " ){1,7}"},
    {"ipv4",
     R"(( "25" [0-5] | "2" [0-4] [0-9] | "1" [0-9] [0-9] | [1-9] [0-9] | [0-9] ) )"
     R"(( "." ( "25" [0-5] | "2" [0-4] [0-9] | "1" [0-9] [0-9] | [1-9] [0-9] | [0-9] ) ){3})"},
    {"uri",
     R"([a-z] [a-z0-9+.-]{0,15} "://" [A-Za-z0-9_~-]{1,63} ( "." [A-Za-z0-9_~-]{1,63} ){0,8} )"
     R"(( ":" [0-9]{1,5} )? ( "/" [A-Za-z0-9._~!$&'()*+,;=:@-]{0,64} ){0,16} )"
     R"(( "?" [A-Za-z0-9._~!$&'()*+,;=:@/?-]{0,256} )? )"
     R"(( "#" [A-Za-z0-9._~!$&'()*+,;=:@/?-]{0,256} )?)"}};

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

// Keywords of JSON Schema (drafts 3 to 2020-12) that constrain an instance
// and that the compiler cannot enforce: each is a declared error. Any keyword
// neither here nor in kSupported is an annotation or an extension (`title`,
// `$id`, draft-04 `id`, `x-*`, `readOnly`, ...), which validators ignore too.
// clang-format off
const std::set<std::string, std::less<>> kUnenforced = {
    "allOf", "not", "if", "then", "else", "dependentSchemas", "dependentRequired",
    "dependencies", "prefixItems", "contains", "minContains", "maxContains", "uniqueItems",
    "additionalItems", "unevaluatedItems", "unevaluatedProperties", "propertyNames",
    "patternProperties", "minProperties", "maxProperties", "pattern",
    "multipleOf", "$dynamicRef",
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
                                                       "exclusiveMaximum"};

class Compiler {
 public:
  Compiler(const json& root, bool strict, std::string param)
      : root_(root), strict_(strict), param_(std::move(param)) {}

  std::string run() {
    const std::string top = gen(root_, "");
    std::string out = "root ::= " + top + "\n";
    for (const auto& r : rules_) out += r + "\n";
    out += kBase;
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw invalid_request("Invalid '" + param_ + "' at '" + (path.empty() ? "/" : path) +
                              "': " + what +
                              " Structured output only accepts schemas it can enforce while "
                              "generating; remove or rewrite that part of the schema.",
                          param_, "unsupported_schema");
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
    if (s.is_boolean()) {
      if (s.get<bool>()) return "value";
      fail(path, "the schema 'false' allows no value.");
    }
    if (!s.is_object()) fail(path, "a schema must be an object or a boolean.");
    int constraints = 0;
    for (const auto& [k, v] : s.items()) {
      if (kUnenforced.count(k))
        fail(path, "keyword '" + k + "' is not supported by the structured-output compiler.");
      if (kSupported.count(k)) ++constraints;
    }
    if (s.contains("$ref")) {
      if (constraints > 1) fail(path, "'$ref' with sibling keywords is not supported.");
      return ref(s["$ref"], path);
    }
    if (s.contains("enum") || s.contains("const")) return literals(s, path);
    for (const char* k : {"anyOf", "oneOf"}) {
      if (!s.contains(k)) continue;
      if (constraints > 1)
        fail(path, std::string("'") + k + "' with sibling keywords is not supported.");
      const json& alts = s[k];
      if (!alts.is_array() || alts.empty())
        fail(path, std::string("'") + k + "' must be a non-empty array of schemas.");
      std::string body;
      for (size_t i = 0; i < alts.size(); ++i)
        body += (i ? " | " : "") + gen(alts[i], path + "/" + k + "/" + std::to_string(i));
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
    } else if (s.contains("properties") || s.contains("required") ||
               s.contains("additionalProperties")) {
      types = {"object"};  // generating only objects is a subset of what the schema allows
    } else if (s.contains("items") || s.contains("minItems") || s.contains("maxItems")) {
      types = {"array"};
    } else if (s.contains("minLength") || s.contains("maxLength") || s.contains("format")) {
      types = {"string"};
    } else if (has_bounds(s)) {
      types = {"integer"};  // integers only: a subset of what the bounds allow
    } else {
      return "value";
    }
    std::string body;
    for (const auto& t : types) {
      std::string alt;
      if (t == "string")
        alt = string_rule(s, path);
      else if (t == "integer" && has_bounds(s))
        alt = integer_range(s, path);
      else if (t == "number" && has_bounds(s))
        fail(path, "'minimum'/'maximum' are supported on 'integer' only, not on 'number'.");
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
    return types.size() == 1 ? body : add(body);
  }

  static bool has_bounds(const json& s) {
    return s.contains("minimum") || s.contains("maximum") || s.contains("exclusiveMinimum") ||
           s.contains("exclusiveMaximum");
  }

  // The integers the bounds allow, within the 16 digits `integer` has.
  std::string integer_range(const json& s, const std::string& path) {
    constexpr long long kLimit = 9999999999999999LL;
    long long lo = -kLimit, hi = kLimit;
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
    if (auto v = bound("minimum")) lo = std::max(lo, clamp(std::ceil(*v)));
    if (auto v = bound("maximum")) hi = std::min(hi, clamp(std::floor(*v)));
    if (auto v = bound("exclusiveMinimum")) lo = std::max(lo, clamp(std::floor(*v) + 1));
    if (auto v = bound("exclusiveMaximum")) hi = std::min(hi, clamp(std::ceil(*v) - 1));
    if (lo > hi) fail(path, "no integer lies within 'minimum'/'maximum'.");
    std::vector<std::string> alts;
    if (lo < 0) alts.push_back("\"-\" " + natural_range(-std::min(hi, -1LL), -lo));
    if (hi >= 0) alts.push_back(natural_range(std::max(lo, 0LL), hi));
    std::string body;
    for (const auto& a : alts) body += (body.empty() ? "" : " | ") + a;
    return add(body);
  }

  // GBNF for exactly the decimal numbers in [lo, hi] (0 <= lo <= hi), no
  // leading zeros: one alternative per digit count.
  static std::string natural_range(long long lo, long long hi) {
    std::string out;
    const std::string a = std::to_string(lo), b = std::to_string(hi);
    for (size_t n = a.size(); n <= b.size(); ++n) {
      const std::string from = n == a.size() ? a : "1" + std::string(n - 1, '0');
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
  std::string literals(const json& s, const std::string& path) {
    std::vector<json> values;
    if (s.contains("const")) values.push_back(s["const"]);
    if (s.contains("enum")) {
      if (!s["enum"].is_array() || s["enum"].empty())
        fail(path, "'enum' must be a non-empty array.");
      for (const auto& v : s["enum"]) values.push_back(v);
    }
    std::string body;
    for (const auto& v : values) {
      if (!validate(s, v.dump()).ok) continue;
      body += (body.empty() ? "" : " | ") + literal(v.dump());
    }
    if (body.empty()) fail(path, "no 'enum'/'const' value satisfies the rest of the schema.");
    return add(body);
  }

  std::string string_rule(const json& s, const std::string& path) {
    if (s.contains("format")) {
      const json& f = s["format"];
      auto it = f.is_string() ? kFormats.find(f.get<std::string>()) : kFormats.end();
      if (it == kFormats.end())
        fail(path, "format '" + (f.is_string() ? f.get<std::string>() : f.dump()) +
                       "' is not supported (supported: date, time, date-time, uuid, email, ipv4, "
                       "uri).");
      if (s.contains("minLength") || s.contains("maxLength"))
        fail(path, "'format' together with 'minLength'/'maxLength' is not supported.");
      return add("\"\\\"\" " + it->second + " \"\\\"\"");
    }
    if (!s.contains("minLength") && !s.contains("maxLength")) return "string";
    const long long min = s.contains("minLength") ? count(s, "minLength", path, false) : 0;
    const long long max = s.contains("maxLength") ? count(s, "maxLength", path, true) : -1;
    if (max >= 0 && max < min) fail(path, "'maxLength' is below 'minLength'.");
    return add("\"\\\"\" " + repeat("schar", min, max) + " \"\\\"\"");
  }

  std::string array_rule(const json& s, const std::string& path) {
    std::string item = "value";
    if (s.contains("items")) {
      if (s["items"].is_array()) fail(path, "'items' as an array (tuple form) is not supported.");
      item = gen(s["items"], path + "/items");
    }
    const long long min = s.contains("minItems") ? count(s, "minItems", path, false) : 0;
    const long long max = s.contains("maxItems") ? count(s, "maxItems", path, true) : -1;
    if (max >= 0 && max < min) fail(path, "'maxItems' is below 'minItems'.");
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

    auto kv = [&](const std::string& name, const std::string& value) {
      return add(literal(json(name).dump()) + R"( ws ":" ws )" + value);
    };
    std::vector<std::string> req, opt;
    std::set<std::string> declared;
    for (const auto& [name, sub] : props.items()) {
      declared.insert(name);
      (required.count(name) ? req : opt)
          .push_back(kv(name, gen(sub, path + "/properties/" + name)));
    }
    for (const auto& name : required)
      if (!declared.count(name)) {
        if (!extras) fail(path, "required property '" + name + "' is not allowed by the schema.");
        declared.insert(name);
        req.push_back(kv(name, additional.is_boolean() ? "value" : gen(additional, path)));
      }

    // tails[i]: optional properties i.. in order, each present or not.
    std::vector<std::string> tails(opt.size() + 1);
    for (size_t i = opt.size(); i-- > 0;)
      tails[i] =
          add("( ws \",\" ws " + opt[i] + " )?" + (tails[i + 1].empty() ? "" : " " + tails[i + 1]));
    std::string extra, extra_kv;
    if (extras) {
      const std::string key = declared.empty() ? "string" : key_excluding(declared, path);
      extra_kv = add(key + R"( ws ":" ws )" +
                     (additional.is_boolean() ? std::string("value")
                                              : gen(additional, path + "/additionalProperties")));
      extra = add("( ws \",\" ws " + extra_kv + " )*");
    }
    auto then = [](const std::string& a, const std::string& b) {
      return b.empty() ? a : a + " " + b;
    };
    std::string content;
    if (!req.empty()) {
      for (size_t i = 0; i < req.size(); ++i) content += (i ? R"( ws "," ws )" : "") + req[i];
      content = then(then(content, tails[0]), extra);
    } else {
      std::string alts;
      for (size_t i = 0; i < opt.size(); ++i)
        alts += (i ? " | " : "") + then(then(opt[i], tails[i + 1]), extra);
      if (extras) alts += (alts.empty() ? "" : " | ") + then(extra_kv, extra);
      if (!alts.empty()) content = "( " + alts + " )?";
    }
    return add("\"{\" ws " + (content.empty() ? "" : content + " ") + "ws \"}\"");
  }

  const json& root_;
  const bool strict_;
  const std::string param_;
  std::vector<std::string> rules_;
  std::map<std::string, std::string> refs_;
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
  try {
    valijson::Schema compiled;
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter schema_adapter(schema);
    parser.populateSchema(schema_adapter, compiled);
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter doc_adapter(doc);
    if (validator.validate(compiled, doc_adapter, &results)) return {true, ""};
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

}  // namespace perimeter::grammar
