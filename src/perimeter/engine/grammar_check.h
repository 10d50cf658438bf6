// Drives llama.cpp's grammar sampler with a text's tokenization, without a
// model: whether the grammar the engine would use accepts a given output.
// For tests and bench/grammar (coverage and mask-time measurements).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace perimeter::engine {

class GrammarChecker {
 public:
  // Loads only the vocabulary of the GGUF at `vocab`; throws std::runtime_error if unreadable.
  explicit GrammarChecker(const std::filesystem::path& vocab);
  ~GrammarChecker();

  // True if `gbnf` (start rule `root`) accepts the tokenization of `text` token by
  // token and then allows end-of-generation. Throws std::invalid_argument for a
  // grammar llama.cpp cannot parse.
  bool accepts(const std::string& gbnf, std::string_view text) const;

  // accepts() with our masker (grammar::TokenMasker, what the engine uses).
  // Throws std::invalid_argument for a grammar it cannot parse.
  bool masker_accepts(const std::string& gbnf, std::string_view text) const;

  // Who computes the full mask in mask_times(): llama.cpp's grammar sampler
  // (over all candidates, as the engine once paid when the sampled token was
  // refused), a fresh masker of ours, or ours on a second pass over the same
  // text (its caches warm, as the engine keeps a masker per grammar).
  enum class MaskBy { Llama, Masker, MaskerSecondPass };

  // Seconds the full-vocabulary mask takes before each token of `text` and
  // once after it; empty if the grammar rejects the text.
  std::vector<double> mask_times(const std::string& gbnf, std::string_view text, MaskBy by) const;

  // The bytes of `text`'s first `n` tokens (what mask_times()'s mask n follows).
  std::string token_prefix(std::string_view text, size_t n) const;

  // How our masks differ from llama.cpp's, summed over the steps of `text`'s
  // tokenization (both fed the same tokens, stopping at the first token
  // either rejects). Control tokens are left out: ours never allows them.
  struct MaskDiff {
    size_t looser = 0;    // tokens ours allows and llama.cpp does not
    size_t stricter = 0;  // tokens llama.cpp allows and ours does not, whose
                          // bytes could still be valid UTF-8 (the deliberate
                          // difference: ours allows valid UTF-8 only)
  };
  MaskDiff mask_differences(const std::string& gbnf, std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace perimeter::engine
