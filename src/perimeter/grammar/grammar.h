// Structured output: JSON Schema -> GBNF grammar for the engine's grammar
// sampler, and JSON Schema validation of what was generated. Coverage is
// honest: a keyword the compiler cannot enforce is an error naming it, never
// silently dropped.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace perimeter::grammar {

// GBNF (start rule `root`) matching any JSON object, for response_format json_object.
const std::string& json_object_gbnf();

// GBNF (start rule `root`) matching exactly the JSON texts `schema` allows
// (within the supported subset). `strict` makes additionalProperties default
// to false. Throws Error 400 (param `param`, code "unsupported_schema")
// naming the first keyword or shape it cannot enforce.
std::string schema_to_gbnf(const nlohmann::json& schema, bool strict,
                           const std::string& param = "response_format.json_schema.schema");

// A grammar for a superset of `schema`'s language, for answers validated
// after generation: where schema_to_gbnf refuses a part, that part is widened
// to any value (a refused `not` is dropped) until it compiles. `relaxed`
// receives the JSON pointer of each widened part ("/" = the whole schema).
std::string schema_to_gbnf_relaxed(const nlohmann::json& schema, bool strict,
                                   std::vector<std::string>* relaxed = nullptr);

// schema_to_gbnf through a bounded LRU cache keyed by the sha256 of the
// schema's canonical text and `strict`; safe from any thread.
std::shared_ptr<const std::string> compile_cached(
    const nlohmann::json& schema, bool strict,
    const std::string& param = "response_format.json_schema.schema");

// Number of compiled grammars held by compile_cached's cache (at most kCacheSize).
constexpr size_t kCacheSize = 256;
size_t cache_entries();

struct Validation {
  bool ok = false;
  std::string error;  // the first violation (where and what) when !ok
};

// Parses `text` as JSON and validates it against `schema` with valijson
// (draft 7); never throws. An unparsable schema or text is !ok with the reason.
Validation validate(const nlohmann::json& schema, std::string_view text);

}  // namespace perimeter::grammar
