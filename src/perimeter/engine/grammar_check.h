// Drives llama.cpp's grammar sampler with a text's tokenization, without a
// model: whether the grammar the engine would use accepts a given output.
// For tests and bench/grammar (coverage and mask-time measurements).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

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

  // Seconds spent masking the full vocabulary once per token of `text` under
  // `gbnf` (what the engine pays when the sampled token is rejected); -1 if
  // the grammar rejects the text. `tokens` receives the token count.
  double mask_seconds(const std::string& gbnf, std::string_view text, int* tokens) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace perimeter::engine
