// Coverage and correctness of the JSON Schema -> GBNF compiler (issue #7
// evaluation), by driving llama.cpp's grammar sampler with each instance's
// tokenization (qwen2 vocabulary of the demo model):
//
//  - JSONSchemaBench (../shared/bench/jsonschema/*.jsonl): every schema is
//    compiled (strict=false); for compiled schemas every valid instance must
//    be accepted and every invalid one rejected. An invalid instance the
//    grammar accepts is the critical failure and is listed in full.
//  - JSON-Schema-Test-Suite (../shared/bench/json-schema-test-suite/tests/
//    draft7 and draft2020-12): a test passes if its schema compiled and the
//    grammar's verdict equals the suite's `valid`; refused schemas are
//    counted apart.
//
// The grammar generates a canonical subset of each schema's language (no
// whitespace needed, no \u escapes, numbers without exponent, keys in the
// compiler's order: required properties sorted, then optional ones sorted,
// then undeclared keys; docs/structured-output.md "Honest coverage"). So each
// instance is re-serialised compactly and counts as accepted if either its
// sorted-key form (nlohmann dump) or its keys in the compiler's order get
// through; an invalid instance accepted in either form is a failure. The
// sorted-key-only figure is printed too, and with --raw the JSONSchemaBench
// instances are also driven in the dataset's own key order (ordered_json
// dump, compact) and reported separately.
//
//   grammar_coverage [--bench DIR] [--suite DIR] [--max-instances N]
//                    [--raw] [--details FILE] [--only DATASET|suite]
//   grammar_coverage --check SCHEMA_JSON INSTANCE_JSON   (print grammar + verdict)
//
// --max-instances N: at most N valid and N invalid instances per schema
// (0 = all, the default). Not a test: prints numbers, exits 0.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "engine/demo_model.h"
#include "engine/grammar_check.h"
#include "grammar/grammar.h"

using namespace perimeter;
using json = nlohmann::json;
using ojson = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

// The reason part of an unsupported_schema message, normalised into a bucket:
// the keyword name for "keyword 'X' is not supported", else the sentence with
// pointers and numbers blanked.
std::string refusal_reason(const std::string& msg) {
  static const std::regex kw("keyword '([^']*)' is not supported");
  std::smatch m;
  if (std::regex_search(msg, m, kw)) return m[1].str();
  std::string what = msg;
  const auto a = what.find("': ");
  if (a != std::string::npos) what = what.substr(a + 3);
  const auto b = what.find(" Structured output only accepts");
  if (b != std::string::npos) what = what.substr(0, b);
  what = std::regex_replace(what, std::regex("'\\$ref' [^ ]+ (points|is not)"), "'$$ref' X $1");
  what = std::regex_replace(what, std::regex("required property '[^']*'"), "required property X");
  what = std::regex_replace(what, std::regex("unknown type '[^']*'"), "unknown type X");
  what = std::regex_replace(what, std::regex("[0-9]+"), "N");
  return "(" + what + ")";
}

double pct(double a, double b) {
  return b > 0 ? 100.0 * a / b : 0.0;
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

std::string clip(const std::string& s, size_t n = 400) {
  return s.size() <= n ? s : s.substr(0, n) + "...(" + std::to_string(s.size()) + " bytes)";
}

// A schema with local `$ref`s followed (at most 32 hops); `s` itself if unresolvable.
const json& resolve(const json& s, const json& root) {
  const json* cur = &s;
  for (int hops = 0; hops < 32 && cur->is_object() && cur->contains("$ref"); ++hops) {
    const json& r = (*cur)["$ref"];
    if (!r.is_string() || r.get<std::string>().rfind("#", 0) != 0) break;
    try {
      const json::json_pointer ptr(r.get<std::string>().substr(1));
      if (!root.contains(ptr)) break;
      cur = &root.at(ptr);
    } catch (const std::exception&) {
      break;
    }
  }
  return *cur;
}

// The parts of an allOf (and of $ref with sibling keywords), flattened.
void flatten(const json& s, const json& root, std::vector<json>& parts, int depth) {
  if (depth > 32 || !s.is_object()) return;
  json rest = s;
  rest.erase("$ref");
  rest.erase("allOf");
  if (s.contains("$ref")) {
    const json& t = resolve(json{{"$ref", s["$ref"]}}, root);
    if (&t != &s) flatten(t, root, parts, depth + 1);
  }
  if (s.contains("allOf") && s["allOf"].is_array())
    for (const auto& b : s["allOf"]) flatten(b, root, parts, depth + 1);
  parts.push_back(rest);
}

// What an allOf declares, merged the way the compiler merges it as far as key
// order goes: properties (a property in several parts gets their allOf),
// required, items (their allOf), and the first additionalProperties/anyOf/oneOf.
json merged_view(const json& s, const json& root) {
  std::vector<json> parts;
  flatten(s, root, parts, 0);
  json out = json::object();
  std::map<std::string, json> props;
  json required = json::array();
  for (const auto& p : parts) {
    if (p.contains("properties") && p["properties"].is_object())
      for (const auto& [name, sub] : p["properties"].items()) {
        if (!props.count(name)) props[name] = json::array();
        props[name].push_back(sub);
      }
    if (p.contains("required") && p["required"].is_array())
      for (const auto& r : p["required"]) required.push_back(r);
    for (const char* k : {"additionalProperties", "items", "anyOf", "oneOf", "patternProperties",
                          "dependencies", "dependentRequired", "minProperties"})
      if (p.contains(k) && !out.contains(k))
        out[k] = p[k];
      else if (p.contains(k) && std::string(k) == "items" && p[k].is_object() &&
               out[k].is_object() && out[k] != p[k])  // items of both parts, as the compiler
        out[k] = json{{"allOf", json::array({out[k], p[k]})}};
  }
  for (const auto& [name, subs] : props)
    out["properties"][name] = subs.size() == 1 ? subs[0] : json{{"allOf", subs}};
  out["required"] = required;
  return out;
}

// `v` with every object's keys in the order the compiler emits them (its
// canonical order, grammar.cpp object_rule): declared and required
// properties (sorted), then undeclared keys (sorted).
// allOf is merged first; for anyOf/oneOf the branch declaring most of the
// object's keys is followed, merged with the keywords beside it.
ojson required_first(const json& v, const json& schema, const json& root, int depth = 0) {
  if (depth > 64) return ojson::parse(v.dump());
  if (schema.is_object() &&
      (schema.contains("allOf") || (schema.contains("$ref") && schema.size() > 1)))
    return required_first(v, merged_view(schema, root), root, depth + 1);
  const json& s = resolve(schema, root);
  if (!s.is_object()) return ojson::parse(v.dump());
  if (s.contains("allOf")) return required_first(v, merged_view(s, root), root, depth + 1);
  if (s.contains("if") && (s.contains("then") || s.contains("else"))) {
    // The compiler's anyOf of (if and then) or (not if and else), where not
    // if requires a property of the condition whose value fails it.
    json rest = s;
    for (const char* k : {"if", "then", "else"}) rest.erase(k);
    json parts = json::array({rest});
    if (grammar::validate(s["if"], v.dump()).ok) {
      parts.push_back(s["if"]);
      if (s.contains("then")) parts.push_back(s["then"]);
    } else {
      if (s.contains("else")) parts.push_back(s["else"]);
      const json& cond = resolve(s["if"], root);
      if (v.is_object() && cond.is_object() && cond.contains("properties") &&
          cond["properties"].is_object())
        for (const auto& [p, sub] : cond["properties"].items())
          if (v.contains(p) && !grammar::validate(sub, v[p].dump()).ok) {
            parts.push_back(json{{"required", json::array({p})}});
            break;
          }
    }
    return required_first(v, json{{"allOf", parts}}, root, depth + 1);
  }
  for (const char* k : {"anyOf", "oneOf"})
    if (s.contains(k) && s[k].is_array() && !s[k].empty()) {
      const json* best = &s[k][0];
      long best_score = -1;
      for (const auto& b : s[k]) {
        const json& rb = resolve(b, root);
        long score = 0;
        if (v.is_object() && rb.is_object() && rb.contains("properties") &&
            rb["properties"].is_object())
          for (const auto& [name, x] : v.items()) {
            score += rb["properties"].contains(name);
            const json& p = rb["properties"].contains(name) ? rb["properties"][name] : json();
            if (p.is_object() && p.contains("enum") && p["enum"].is_array())  // a discriminator
              score +=
                  std::find(p["enum"].begin(), p["enum"].end(), x) != p["enum"].end() ? 1 : -1000;
            if (p.is_object() && p.contains("const")) score += p["const"] == x ? 1 : -1000;
          }
        if (v.is_object() && rb.is_object() && rb.contains("required") && rb["required"].is_array())
          for (const auto& r : rb["required"])  // a branch requiring what is absent cannot be it
            score += r.is_string() && v.contains(r.get<std::string>()) ? 1 : -1000;
        if (score > best_score) best = &b, best_score = score;
      }
      json rest = s;
      rest.erase(k);
      json parts = json::array({rest, *best});
      // The compiler makes a oneOf branch always generate a property that
      // tells it apart from another branch declaring it differently.
      const json& rb = resolve(*best, root);
      if (std::string(k) == "oneOf" && v.is_object() && rb.is_object() &&
          rb.contains("properties") && rb["properties"].is_object()) {
        json extra = json::array();
        // (the first such property not already required, whose types or values differ)
        auto shape = [&](const json& x) {
          const json& r = resolve(x, root);
          json out = json::object();
          if (r.is_object())
            for (const char* key : {"type", "enum", "const"})
              if (r.contains(key)) out[key] = r[key];
          return out;
        };
        const bool has_required = rb.contains("required") && rb["required"].is_array();
        for (const auto& [p, sub] : rb["properties"].items()) {
          if (!v.contains(p) || !extra.empty()) continue;
          if (has_required && std::find(rb["required"].begin(), rb["required"].end(), json(p)) !=
                                  rb["required"].end())
            continue;
          for (const auto& o : s[k]) {
            const json& ro = resolve(o, root);
            if (&ro != &rb && ro.is_object() && ro.contains("properties") &&
                ro["properties"].is_object() && ro["properties"].contains(p) &&
                shape(ro["properties"][p]) != shape(sub)) {
              extra.push_back(p);
              break;
            }
          }
        }
        if (!extra.empty()) parts.push_back(json{{"required", extra}});
      }
      return required_first(v, json{{"allOf", parts}}, root, depth + 1);
    }
  if (v.is_array()) {
    ojson out = ojson::array();
    const bool items = s.contains("items") && s["items"].is_object();
    for (const auto& e : v)
      out.push_back(items ? required_first(e, s["items"], root, depth + 1)
                          : ojson::parse(e.dump()));
    return out;
  }
  if (!v.is_object()) return ojson::parse(v.dump());
  static const json kEmpty = json::object();
  const json& props =
      s.contains("properties") && s["properties"].is_object() ? s["properties"] : kEmpty;
  const json& extra = s.contains("additionalProperties") ? s["additionalProperties"] : kEmpty;
  std::set<std::string> required;
  if (s.contains("required") && s["required"].is_array())
    for (const auto& r : s["required"])
      if (r.is_string()) required.insert(r.get<std::string>());
  // The compiler's rewrites that make properties required: dependencies
  // (a present key requires its dependencies) and minProperties 1 (the first
  // declared property present).
  for (const char* k : {"dependencies", "dependentRequired"})
    if (s.contains(k) && s[k].is_object())
      for (const auto& [name, dep] : s[k].items())
        if (v.contains(name)) {
          required.insert(name);
          if (dep.is_array())
            for (const auto& d : dep)
              if (d.is_string() && v.contains(d.get<std::string>()))
                required.insert(d.get<std::string>());
        }
  if (s.contains("minProperties") && s["minProperties"] == json(1) && required.empty())
    for (const auto& [name, _] : props.items())
      if (v.contains(name)) {
        required.insert(name);
        break;
      }
  std::vector<std::string> order;
  for (const auto& [name, _] : v.items())  // declared or required, sorted
    if (props.contains(name) || required.count(name)) order.push_back(name);
  for (const auto& [name, _] : v.items())  // undeclared, sorted
    if (!props.contains(name) && !required.count(name)) order.push_back(name);
  ojson out = ojson::object();
  for (const auto& name : order) {
    json pattern_sub = json::array();  // patternProperties the key matches
    if (!props.contains(name) && s.contains("patternProperties") &&
        s["patternProperties"].is_object())
      for (const auto& [p, sub] : s["patternProperties"].items()) try {
          if (std::regex_search(name, std::regex(p, std::regex::ECMAScript)))
            pattern_sub.push_back(sub);
        } catch (const std::regex_error&) {
        }
    if (!pattern_sub.empty()) {
      out[name] = required_first(v[name], json{{"allOf", pattern_sub}}, root, depth + 1);
      continue;
    }
    const json& sub = props.contains(name) ? props[name] : extra;
    out[name] = required_first(v[name], sub.is_object() ? sub : kEmpty, root, depth + 1);
  }
  return out;
}

struct Compiled {
  bool ok = false;
  std::string gbnf;
  std::string reason;  // refusal bucket when !ok
  std::string message;
  double seconds = 0;
};

Compiled compile(const json& schema) {
  Compiled c;
  const auto t0 = Clock::now();
  try {
    c.gbnf = grammar::schema_to_gbnf(schema, false);
    c.ok = true;
  } catch (const Error& e) {
    c.message = e.what();
    c.reason = e.code == "unsupported_schema" ? refusal_reason(e.what()) : "error:" + e.code;
  } catch (const std::exception& e) {
    c.message = e.what();
    c.reason = std::string("(exception) ") + clip(e.what(), 60);
  }
  c.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return c;
}

// Verdict of the grammar on `text`: 1 accepted, 0 rejected, -1 llama.cpp
// could not parse the grammar (a compiler bug).
int verdict(const engine::GrammarChecker& checker, const std::string& gbnf,
            const std::string& text) {
  try {
    return checker.accepts(gbnf, text) ? 1 : 0;
  } catch (const std::invalid_argument&) {
    return -1;
  }
}

// The grammar's verdict on instance `data`: accepted if either canonical form
// is (sorted keys = nlohmann dump, or the compiler's required-first order),
// which gives valid instances their best chance and counts an invalid one as
// accepted if any form gets through. `text` receives the accepted form, or
// the sorted one; `sorted` the verdict on the sorted form alone.
int canonical_verdict(const engine::GrammarChecker& checker, const Compiled& k, const json& data,
                      const json& schema, std::string& text, int& sorted) {
  text = data.dump();
  sorted = verdict(checker, k.gbnf, text);
  if (sorted != 0) return sorted;
  const std::string reordered = required_first(data, schema, schema).dump();
  if (reordered == text) return 0;
  const int v = verdict(checker, k.gbnf, reordered);
  if (v == 1) text = reordered;
  return v;
}

struct Counts {
  long schemas = 0, with_tests = 0, compiled = 0, compiled_with_tests = 0;
  long valid_acc = 0, valid_rej = 0, invalid_acc = 0, invalid_rej = 0;
  long raw_valid_acc = 0, raw_valid_rej = 0, raw_invalid_acc = 0, raw_invalid_rej = 0;
  long grammar_errors = 0;      // compiled but llama.cpp refused the GBNF (schemas)
  long instance_skipped = 0;    // instances sampled away by --max-instances
  long instance_errors = 0;     // instance could not be re-serialised
  long valid_rej_valijson = 0;  // valid-rejected that valijson also rejects
  long sorted_valid_rej = 0;    // valid instances rejected in sorted-key form alone
  std::map<std::string, long> reasons;
  std::vector<double> compile_s;
  double check_s = 0;

  void add(const Counts& o) {
    schemas += o.schemas, with_tests += o.with_tests, compiled += o.compiled;
    compiled_with_tests += o.compiled_with_tests;
    valid_acc += o.valid_acc, valid_rej += o.valid_rej;
    invalid_acc += o.invalid_acc, invalid_rej += o.invalid_rej;
    raw_valid_acc += o.raw_valid_acc, raw_valid_rej += o.raw_valid_rej;
    raw_invalid_acc += o.raw_invalid_acc, raw_invalid_rej += o.raw_invalid_rej;
    grammar_errors += o.grammar_errors, instance_skipped += o.instance_skipped;
    instance_errors += o.instance_errors, valid_rej_valijson += o.valid_rej_valijson;
    sorted_valid_rej += o.sorted_valid_rej;
    for (const auto& [k, v] : o.reasons) reasons[k] += v;
    compile_s.insert(compile_s.end(), o.compile_s.begin(), o.compile_s.end());
    check_s += o.check_s;
  }
};

void print_reasons(const std::map<std::string, long>& reasons, size_t top) {
  std::vector<std::pair<long, std::string>> v;
  for (const auto& [k, n] : reasons) v.push_back({n, k});
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::string line;
  for (size_t i = 0; i < v.size() && i < top; ++i)
    line += (i ? ", " : "") + v[i].second + " " + std::to_string(v[i].first);
  std::printf("    refused, first reason (top %zu of %zu): %s\n", top, v.size(), line.c_str());
}

void print_counts(const std::string& name, const Counts& c, bool raw, size_t top) {
  const long valid = c.valid_acc + c.valid_rej, invalid = c.invalid_acc + c.invalid_rej;
  std::printf(
      "%-16s schemas %5ld  compiled %5ld (%5.1f%%)  with tests %5ld, compiled %5ld (%5.1f%%)\n",
      name.c_str(), c.schemas, c.compiled, pct(c.compiled, c.schemas), c.with_tests,
      c.compiled_with_tests, pct(c.compiled_with_tests, c.with_tests));
  std::printf(
      "    canonical: valid accepted %ld / rejected %ld (%.2f%% rejected, %ld of them also "
      "rejected by valijson); invalid accepted %ld (MUST be 0) / rejected %ld\n"
      "    sorted-key form alone: valid rejected %ld (%.2f%%)\n",
      c.valid_acc, c.valid_rej, pct(c.valid_rej, valid), c.valid_rej_valijson, c.invalid_acc,
      c.invalid_rej, c.sorted_valid_rej, pct(c.sorted_valid_rej, valid));
  if (raw) {
    const long rv = c.raw_valid_acc + c.raw_valid_rej;
    std::printf(
        "    raw key order: valid accepted %ld / rejected %ld (%.2f%% rejected); invalid "
        "accepted %ld / rejected %ld\n",
        c.raw_valid_acc, c.raw_valid_rej, pct(c.raw_valid_rej, rv), c.raw_invalid_acc,
        c.raw_invalid_rej);
  }
  std::printf(
      "    compile p50 %.3f ms p99 %.3f ms max %.3f ms (compiled schemas); grammar checks %.1f "
      "s; llama.cpp-unparsable grammars %ld; instances sampled away %ld; unserialisable %ld\n",
      1000 * quantile(c.compile_s, 0.5), 1000 * quantile(c.compile_s, 0.99),
      1000 * quantile(c.compile_s, 1.0), c.check_s, c.grammar_errors, c.instance_skipped,
      c.instance_errors);
  (void)invalid;
  print_reasons(c.reasons, top);
}

struct Options {
  fs::path bench = "/work/shared/bench/jsonschema";
  fs::path suite = "/work/shared/bench/json-schema-test-suite";
  long max_instances = 0;
  bool raw = false;
  std::string details;
  std::string only;
};

// ---- JSONSchemaBench ----

Counts run_dataset(const fs::path& file, const Options& opt, const engine::GrammarChecker& checker,
                   std::ofstream& details) {
  Counts c;
  std::ifstream in(file);
  std::string line;
  const std::string ds = file.stem().string();
  long index = -1;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++index;
    const json rec = json::parse(line);
    const ojson orec = ojson::parse(line);
    const json& schema = rec["schema"];
    const bool has_tests = rec.contains("tests") && !rec["tests"].empty();
    ++c.schemas;
    c.with_tests += has_tests;
    const Compiled k = compile(schema);
    if (!k.ok) {
      ++c.reasons[k.reason];
      if (details)
        details << json{{"kind", "refused"},
                        {"dataset", file.stem().string()},
                        {"id", rec.value("id", "")},
                        {"reason", k.reason},
                        {"message", k.message}}
                       .dump()
                << "\n";
      continue;
    }
    ++c.compiled;
    c.compile_s.push_back(k.seconds);
    if (!has_tests) continue;
    ++c.compiled_with_tests;
    long nvalid = 0, ninvalid = 0;
    bool grammar_error = false;
    const auto t0 = Clock::now();
    for (size_t i = 0; i < rec["tests"].size() && !grammar_error; ++i) {
      const json& t = rec["tests"][i];
      const bool valid = t.value("valid", false);
      long& n = valid ? nvalid : ninvalid;
      if (opt.max_instances > 0 && n >= opt.max_instances) {
        ++c.instance_skipped;
        continue;
      }
      ++n;
      std::string canon, raw;
      int v = 0, sorted = 0;
      try {
        raw = orec["tests"][i]["data"].dump();
        v = canonical_verdict(checker, k, t["data"], schema, canon, sorted);
      } catch (const std::exception&) {
        ++c.instance_errors;
        continue;
      }
      if (valid && sorted == 0) ++c.sorted_valid_rej;
      if (v < 0) {
        grammar_error = true;
        ++c.grammar_errors;
        std::printf("GRAMMAR UNPARSABLE by llama.cpp: %s #%ld (%s)\n", file.filename().c_str(),
                    index, rec.value("id", "").c_str());
        if (details)
          details << json{{"kind", "grammar_unparsable"},
                          {"dataset", ds},
                          {"index", index},
                          {"id", rec.value("id", "")}}
                         .dump()
                  << "\n";
        break;
      }
      std::string kind;
      if (valid) {
        (v ? c.valid_acc : c.valid_rej)++;
        if (!v) {
          kind = "valid_rejected";
          if (!grammar::validate(schema, canon).ok) ++c.valid_rej_valijson;
        }
      } else {
        (v ? c.invalid_acc : c.invalid_rej)++;
        if (v) {
          kind = "INVALID_ACCEPTED";
          const auto val = grammar::validate(schema, canon);
          std::printf(
              "INVALID ACCEPTED: %s line #%ld (%s) test %zu: %s\n    reason upstream: %s\n    "
              "valijson: %s\n",
              file.filename().c_str(), index, rec.value("id", "").c_str(), i, clip(canon).c_str(),
              t.value("rust_error", t.value("description", "")).c_str(),
              val.ok ? "valid (draft 7 disagrees with the label)" : val.error.c_str());
        }
      }
      if (!kind.empty() && details)
        details << json{{"kind", kind},
                        {"dataset", ds},
                        {"index", index},
                        {"id", rec.value("id", "")},
                        {"test", i},
                        {"instance", canon},
                        {"valijson", grammar::validate(schema, canon).error}}
                       .dump(-1, ' ', false, json::error_handler_t::replace)
                << "\n";
      if (opt.raw) {
        const int r = raw == canon ? v : verdict(checker, k.gbnf, raw);
        if (valid)
          (r ? c.raw_valid_acc : c.raw_valid_rej)++;
        else
          (r ? c.raw_invalid_acc : c.raw_invalid_rej)++;
        if (!valid && r && !v)
          std::printf("INVALID ACCEPTED (raw key order only): %s #%ld test %zu: %s\n",
                      file.filename().c_str(), index, i, clip(raw).c_str());
      }
    }
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    c.check_s += secs;
    if (secs > 20)
      std::printf("  slow: %s #%ld (%s) %.1f s of grammar checks\n", file.filename().c_str(), index,
                  rec.value("id", "").c_str(), secs);
  }
  return c;
}

// ---- JSON-Schema-Test-Suite ----

struct SuiteCounts {
  long tests = 0, refused = 0, pass = 0, false_pos = 0, false_neg = 0, grammar_errors = 0;
  long groups = 0, groups_compiled = 0;
  void add(const SuiteCounts& o) {
    tests += o.tests, refused += o.refused, pass += o.pass, false_pos += o.false_pos;
    false_neg += o.false_neg, grammar_errors += o.grammar_errors;
    groups += o.groups, groups_compiled += o.groups_compiled;
  }
};

void print_suite_line(const std::string& name, const SuiteCounts& s) {
  const long compiled = s.tests - s.refused;
  std::printf(
      "  %-44s tests %4ld  refused %4ld  compiled %4ld: pass %4ld (%5.1f%% of all, %5.1f%% of "
      "compiled)  invalid-accepted %ld  valid-rejected %ld%s\n",
      name.c_str(), s.tests, s.refused, compiled, s.pass, pct(s.pass, s.tests),
      pct(s.pass, compiled), s.false_pos, s.false_neg,
      s.grammar_errors ? (" grammar-unparsable " + std::to_string(s.grammar_errors)).c_str() : "");
}

SuiteCounts run_suite_file(const fs::path& file, const std::string& rel,
                           const engine::GrammarChecker& checker, Counts& compile_stats,
                           std::ofstream& details) {
  SuiteCounts s;
  std::ifstream in(file);
  const json groups = json::parse(in);
  for (const auto& g : groups) {
    ++s.groups;
    const auto& tests = g["tests"];
    const Compiled k = compile(g["schema"]);
    ++compile_stats.schemas;
    if (!k.ok) {
      ++compile_stats.reasons[k.reason];
      s.tests += tests.size();
      s.refused += tests.size();
      continue;
    }
    ++compile_stats.compiled;
    compile_stats.compile_s.push_back(k.seconds);
    ++s.groups_compiled;
    for (const auto& t : tests) {
      ++s.tests;
      const bool valid = t.value("valid", false);
      std::string canon;
      int v = 0, sorted = 0;
      try {
        v = canonical_verdict(checker, k, t["data"], g["schema"], canon, sorted);
      } catch (const std::exception&) {
        ++s.false_neg;  // counted as a failure, not hidden
        continue;
      }
      if (v < 0) {
        ++s.grammar_errors;
        std::printf("GRAMMAR UNPARSABLE by llama.cpp: %s \"%s\"\n", rel.c_str(),
                    g.value("description", "").c_str());
        continue;
      }
      if ((v == 1) == valid) {
        ++s.pass;
        continue;
      }
      if (v) {
        ++s.false_pos;
        std::printf(
            "INVALID ACCEPTED (suite): %s group \"%s\" test \"%s\"\n    schema %s\n    "
            "instance %s\n",
            rel.c_str(), g.value("description", "").c_str(), t.value("description", "").c_str(),
            clip(g["schema"].dump()).c_str(), clip(canon).c_str());
      } else {
        ++s.false_neg;
      }
      if (details)
        details << json{{"kind", v ? "suite_INVALID_ACCEPTED" : "suite_valid_rejected"},
                        {"file", rel},
                        {"group", g.value("description", "")},
                        {"test", t.value("description", "")},
                        {"instance", canon}}
                       .dump(-1, ' ', false, json::error_handler_t::replace)
                << "\n";
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--bench")
      opt.bench = next();
    else if (a == "--suite")
      opt.suite = next();
    else if (a == "--max-instances")
      opt.max_instances = std::stol(next());
    else if (a == "--raw")
      opt.raw = true;
    else if (a == "--details")
      opt.details = next();
    else if (a == "--only")
      opt.only = next();
    else if (a == "--check") {
      // --check SCHEMA_JSON INSTANCE_JSON: print the grammar and its verdict.
      const json schema = json::parse(next());
      const std::string text = json::parse(next()).dump();
      const Compiled k = compile(schema);
      if (!k.ok) {
        std::printf("refused: %s\n", k.message.c_str());
        return 0;
      }
      const engine::GrammarChecker checker(engine::default_vocab_file());
      std::string shown;
      int sorted = 0;
      const int v = canonical_verdict(checker, k, json::parse(text), schema, shown, sorted);
      std::printf("%s\ninstance %s (or in the compiler's key order: %s): %s\n", k.gbnf.c_str(),
                  text.c_str(), required_first(json::parse(text), schema, schema).dump().c_str(),
                  v == 1 ? "accepted" : "rejected");
      return 0;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--bench DIR] [--suite DIR] [--max-instances N] [--raw] "
                   "[--details FILE] [--only DATASET|suite]\n",
                   argv[0]);
      return 2;
    }
  }
  const auto start = Clock::now();
  const engine::GrammarChecker checker(engine::default_vocab_file());
  std::ofstream details;
  if (!opt.details.empty()) details.open(opt.details);
  std::printf(
      "vocab %s; instances re-serialised canonically (no whitespace; accepted if the "
      "sorted-key form or the compiler's required-first key order is)%s; max instances per schema "
      "and validity: %s\n",
      engine::default_vocab_file().c_str(), opt.raw ? ", plus raw dataset key order" : "",
      opt.max_instances > 0 ? std::to_string(opt.max_instances).c_str() : "all");

  // JSONSchemaBench
  if (opt.only != "suite") {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(opt.bench))
      if (e.path().extension() == ".jsonl" && (opt.only.empty() || e.path().stem() == opt.only))
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    Counts total;
    std::vector<std::pair<std::string, Counts>> per;
    for (const auto& f : files) {
      const auto t0 = Clock::now();
      Counts c = run_dataset(f, opt, checker, details);
      std::printf("[%s done in %.1f s]\n", f.stem().c_str(),
                  std::chrono::duration<double>(Clock::now() - t0).count());
      std::fflush(stdout);
      per.push_back({f.stem().string(), c});
      total.add(c);
    }
    std::printf("\n== JSONSchemaBench (%s), strict=false ==\n", opt.bench.c_str());
    for (const auto& [name, c] : per) print_counts(name, c, opt.raw, 5);
    print_counts("TOTAL", total, opt.raw, 20);
    std::fflush(stdout);
  }

  // JSON-Schema-Test-Suite
  if (opt.only.empty() || opt.only == "suite") {
    std::printf("\n== JSON-Schema-Test-Suite (%s), strict=false ==\n", opt.suite.c_str());
    for (const char* draft : {"draft7", "draft2020-12"}) {
      const fs::path dir = opt.suite / "tests" / draft;
      if (!fs::exists(dir)) continue;
      std::vector<fs::path> files;
      for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.path().extension() == ".json") files.push_back(e.path());
      std::sort(files.begin(), files.end());
      SuiteCounts required, optional;
      Counts compile_stats;
      std::printf("%s:\n", draft);
      for (const auto& f : files) {
        const std::string rel = fs::relative(f, dir).string();
        const SuiteCounts s = run_suite_file(f, rel, checker, compile_stats, details);
        print_suite_line(rel, s);
        (rel.rfind("optional/", 0) == 0 ? optional : required).add(s);
      }
      SuiteCounts all = required;
      all.add(optional);
      print_suite_line(std::string(draft) + " required (not optional/)", required);
      print_suite_line(std::string(draft) + " optional/", optional);
      print_suite_line(std::string(draft) + " ALL", all);
      std::printf(
          "  %s schemas (test groups) %ld, compiled %ld (%.1f%%); compile p50 %.3f ms "
          "p99 %.3f ms\n",
          draft, compile_stats.schemas, compile_stats.compiled,
          pct(compile_stats.compiled, compile_stats.schemas),
          1000 * quantile(compile_stats.compile_s, 0.5),
          1000 * quantile(compile_stats.compile_s, 0.99));
      print_reasons(compile_stats.reasons, 15);
      std::fflush(stdout);
    }
  }
  std::printf("\nwall time %.1f s\n", std::chrono::duration<double>(Clock::now() - start).count());
}
