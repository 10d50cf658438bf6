#include "engine/grammar_check.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <llama.h>

#include "engine/token_pieces.h"

namespace perimeter::engine {

struct GrammarChecker::Impl {
  llama_model* model = nullptr;
  const llama_vocab* vocab = nullptr;
  std::shared_ptr<const grammar::Vocabulary> pieces;
  std::shared_ptr<const grammar::TokenTrie> trie;

  grammar::TokenMasker masker(const std::string& gbnf) const {
    return grammar::TokenMasker(grammar::parse_gbnf(gbnf), trie, pieces);
  }

  static bool bit(const std::vector<uint64_t>& bits, llama_token t) {
    return (bits[static_cast<size_t>(t) >> 6] >> (t & 63)) & 1;
  }

  std::vector<llama_token> tokenize(std::string_view text) const {
    std::vector<llama_token> toks(text.size() + 8);
    int32_t n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), toks.data(),
                               static_cast<int32_t>(toks.size()), false, false);
    if (n < 0) throw std::runtime_error("tokenization failed");
    toks.resize(n);
    return toks;
  }

  llama_sampler* grammar(const std::string& gbnf) const {
    llama_sampler* g = llama_sampler_init_grammar(vocab, gbnf.c_str(), "root");
    if (!g) throw std::invalid_argument("llama.cpp cannot parse the grammar");
    return g;
  }

  // True if `g` allows token `t` now.
  static bool allows(llama_sampler* g, llama_token t) {
    llama_token_data d{t, 0.0f, 0.0f};
    llama_token_data_array one{&d, 1, -1, false};
    llama_sampler_apply(g, &one);
    return d.logit > -INFINITY;
  }
};

GrammarChecker::GrammarChecker(const std::filesystem::path& vocab) : impl_(new Impl) {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(
        [](ggml_log_level level, const char* text, void*) {
          if (level >= GGML_LOG_LEVEL_WARN) std::fputs(text, stderr);
        },
        nullptr);
    llama_backend_init();
  });
  llama_model_params mp = llama_model_default_params();
  mp.vocab_only = true;
  impl_->model = llama_model_load_from_file(vocab.c_str(), mp);
  if (!impl_->model) throw std::runtime_error("cannot load vocabulary " + vocab.string());
  impl_->vocab = llama_model_get_vocab(impl_->model);
  impl_->pieces = std::make_shared<const grammar::Vocabulary>(token_pieces(impl_->vocab));
  impl_->trie = grammar::build_trie(*impl_->pieces);
}

GrammarChecker::~GrammarChecker() {
  if (impl_->model) llama_model_free(impl_->model);
}

bool GrammarChecker::accepts(const std::string& gbnf, std::string_view text) const {
  llama_sampler* g = impl_->grammar(gbnf);
  bool ok = true;
  for (llama_token t : impl_->tokenize(text)) {
    if (!Impl::allows(g, t)) {
      ok = false;
      break;
    }
    llama_sampler_accept(g, t);
  }
  ok = ok && Impl::allows(g, llama_vocab_eos(impl_->vocab));
  llama_sampler_free(g);
  return ok;
}

bool GrammarChecker::masker_accepts(const std::string& gbnf, std::string_view text) const {
  grammar::TokenMasker m = impl_->masker(gbnf);
  auto state = m.initial();
  for (llama_token t : impl_->tokenize(text)) state = m.accept(state, t);
  return m.allows(state, llama_vocab_eos(impl_->vocab));
}

std::string GrammarChecker::token_prefix(std::string_view text, size_t n) const {
  std::string out;
  const auto toks = impl_->tokenize(text);
  for (size_t k = 0; k < n && k < toks.size(); ++k)
    out += impl_->pieces->pieces[static_cast<size_t>(toks[k])];
  return out;
}

std::vector<double> GrammarChecker::mask_times(const std::string& gbnf, std::string_view text,
                                               MaskBy by) const {
  const auto toks = impl_->tokenize(text);
  std::vector<double> out;
  auto timed = [&](auto&& mask) {
    const auto t0 = std::chrono::steady_clock::now();
    mask();
    out.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  };
  if (by == MaskBy::Llama) {
    llama_sampler* g = impl_->grammar(gbnf);
    const int n_vocab = llama_vocab_n_tokens(impl_->vocab);
    std::vector<llama_token_data> all(n_vocab);
    for (size_t k = 0; k <= toks.size(); ++k) {
      for (int i = 0; i < n_vocab; ++i) all[i] = {i, 0.0f, 0.0f};
      llama_token_data_array arr{all.data(), all.size(), -1, false};
      timed([&] { llama_sampler_apply(g, &arr); });
      if (k == toks.size()) break;
      if (!(all[toks[k]].logit > -INFINITY)) {
        out.clear();
        break;
      }
      llama_sampler_accept(g, toks[k]);
    }
    llama_sampler_free(g);
    return out;
  }
  grammar::TokenMasker m = impl_->masker(gbnf);
  for (int pass = by == MaskBy::MaskerSecondPass ? 2 : 1; pass > 0; --pass) {
    out.clear();
    auto state = m.initial();
    for (size_t k = 0; k <= toks.size(); ++k) {
      timed([&] { m.allowed(state); });
      if (k == toks.size()) break;
      state = m.accept(state, toks[k]);
      if (state == grammar::TokenMasker::kDead) return {};
    }
  }
  return out;
}

namespace {

// True if `piece` could be part of valid UTF-8 text: well-formed sequences,
// possibly a head of continuation bytes (the end of a character begun by the
// previous token) and an unfinished last character that can still be valid.
bool could_be_valid_utf8(std::string_view piece) {
  size_t i = 0;
  while (i < piece.size() && (static_cast<uint8_t>(piece[i]) >> 6) == 2) ++i;
  if (i > 3) return false;
  while (i < piece.size()) {
    const auto b = static_cast<uint8_t>(piece[i]);
    const int n = b < 0x80                 ? 0
                  : b >= 0xC2 && b <= 0xDF ? 1
                  : b >= 0xE0 && b <= 0xEF ? 2
                  : b >= 0xF0 && b <= 0xF4 ? 3
                                           : -1;
    if (n < 0) return false;
    // The second byte's range rules out overlong forms, surrogates and > U+10FFFF.
    uint8_t lo = 0x80, hi = 0xBF;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
    for (int k = 1; k <= n; ++k) {
      if (i + k >= piece.size()) return true;  // unfinished, so far valid
      const auto c = static_cast<uint8_t>(piece[i + k]);
      if (k == 1 ? (c < lo || c > hi) : (c >> 6) != 2) return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

GrammarChecker::MaskDiff GrammarChecker::mask_differences(const std::string& gbnf,
                                                          std::string_view text) const {
  llama_sampler* g = impl_->grammar(gbnf);
  grammar::TokenMasker m = impl_->masker(gbnf);
  auto state = m.initial();
  const int n_vocab = llama_vocab_n_tokens(impl_->vocab);
  std::vector<llama_token_data> all(n_vocab);
  MaskDiff diff;
  auto compare = [&] {
    for (int i = 0; i < n_vocab; ++i) all[i] = {i, 0.0f, 0.0f};
    llama_token_data_array arr{all.data(), all.size(), -1, false};
    llama_sampler_apply(g, &arr);
    const auto& ours = m.allowed(state);
    for (int i = 0; i < n_vocab; ++i) {
      const bool theirs = all[i].logit > -INFINITY, mine = Impl::bit(ours, i);
      if (theirs == mine || llama_vocab_is_control(impl_->vocab, i)) continue;
      if (mine)
        ++diff.looser;
      else if (could_be_valid_utf8(impl_->pieces->pieces[static_cast<size_t>(i)]))
        ++diff.stricter;
    }
  };
  for (llama_token t : impl_->tokenize(text)) {
    compare();
    if (!Impl::allows(g, t) || !m.allows(state, t)) break;
    llama_sampler_accept(g, t);
    state = m.accept(state, t);
  }
  compare();  // after the whole text, or again where one of them stopped
  llama_sampler_free(g);
  return diff;
}

}  // namespace perimeter::engine
