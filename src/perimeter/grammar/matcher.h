// Our constrained-decoding sampler's core: a GBNF grammar (the subset the
// schema compiler and the router emit, in llama.cpp's syntax and meaning)
// run as a pushdown automaton over code points, and the set of vocabulary
// tokens it allows in a state, found by walking a byte trie of the
// vocabulary. States are interned, transitions memoized and masks cached
// per state, so a state seen before (inside a string, between digits) costs
// a lookup, not a vocabulary scan. No llama.cpp dependency: the engine
// supplies the token bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace perimeter::grammar {

// The vocabulary as the masker needs it. Built once per model.
struct Vocabulary {
  std::vector<std::string> pieces;  // bytes of each token id ("" = never allowed)
  std::vector<bool> eog;            // end-of-generation tokens: allowed only at a match's end
};

class TokenTrie;

// A byte trie over a vocabulary's pieces, shared by every masker of that vocabulary.
std::shared_ptr<const TokenTrie> build_trie(const Vocabulary& vocab);

// A parsed grammar: rules of alternatives of sequences of code-point classes
// and rule references, repetitions expanded as llama.cpp expands them.
struct Rules;

// Parses GBNF text with start rule `root`. Throws std::invalid_argument with
// the offset and what was expected, for an undefined rule, a missing root or
// left recursion.
std::shared_ptr<const Rules> parse_gbnf(std::string_view text);

// The automaton of one grammar over one vocabulary, with its caches. Not
// thread-safe: one masker per engine thread (states are plain ints).
class TokenMasker {
 public:
  TokenMasker(std::shared_ptr<const Rules> rules, std::shared_ptr<const TokenTrie> trie,
              std::shared_ptr<const Vocabulary> vocab);
  ~TokenMasker();

  // A position in the grammar: an interned set of parse stacks plus the
  // bytes of a code point a token left unfinished.
  using State = int32_t;
  static constexpr State kDead = -1;

  State initial();

  // One bit per token id: allowed in `s`. The reference stays valid until
  // the next call on this masker.
  const std::vector<uint64_t>& allowed(State s);

  // True if token `t` may follow in `s` (no vocabulary scan).
  bool allows(State s, int32_t t);

  // The state after token `t` (kDead if not allowed; an EOG token leaves `s`).
  State accept(State s, int32_t t);

  // True if the grammar has matched completely in `s` (EOG allowed).
  bool complete(State s);

  // Cache figures, for the benchmark.
  struct Stats {
    size_t states = 0;     // interned states
    size_t masks = 0;      // masks computed by a vocabulary walk
    size_t mask_hits = 0;  // masks served from the cache
    size_t classes = 0;    // code-point classes indexed for the vocabulary (every masker's)
  };
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace perimeter::grammar
