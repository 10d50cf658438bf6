// JSON Schema `pattern` (an ECMA-262 regular expression) -> GBNF for the
// content of a JSON string (between the quotes, JSON-escaped). A translator
// for a regex subset, not a regex engine: a recursive-descent parser builds
// the grammar directly. Whatever it cannot translate exactly, or as a subset
// that both ECMA-262 and Python `re` accept, is refused.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace perimeter::grammar {

// Thrown for a pattern (or part of one) the translator does not support; the
// message says which construct.
struct PatternError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct PatternGrammar {
  std::string body;      // GBNF expression for the JSON string content
  long long min = 0;     // fewest characters (code points) it generates
  long long max = -1;    // most characters, -1 unbounded
  bool anchored = true;  // ^...$ on every alternative: generates only full matches
  bool fits = true;      // within the length bounds given (internal)
};

// `add_rule(body)` defines a new rule and returns its name (repetitions are
// applied to rule names only, which keeps llama.cpp's expansion linear).
// Unanchored sides match any string content ("contains"). Counted repetition
// above `max_repeat` is capped (a subset); a lower bound above it is refused.
// `min_len`/`max_len` (-1: none) are the string's length bounds: applied when
// the pattern does not imply them and is one repeated character set, or by
// capping its unbounded repetitions when only the upper bound is at stake;
// else the combination is refused.
// True only if no string matches both patterns, shown by the characters a
// match may start or end with (anchored sides only); false when unsure.
bool patterns_disjoint(std::string_view a, std::string_view b);

PatternGrammar pattern_to_gbnf(std::string_view pattern,
                               const std::function<std::string(const std::string&)>& add_rule,
                               long long max_repeat, long long min_len = 0, long long max_len = -1);

}  // namespace perimeter::grammar
