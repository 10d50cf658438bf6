#include "engine/grammar_check.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <llama.h>

namespace perimeter::engine {

struct GrammarChecker::Impl {
  llama_model* model = nullptr;
  const llama_vocab* vocab = nullptr;

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

double GrammarChecker::mask_seconds(const std::string& gbnf, std::string_view text,
                                    int* tokens) const {
  llama_sampler* g = impl_->grammar(gbnf);
  const auto toks = impl_->tokenize(text);
  const int n_vocab = llama_vocab_n_tokens(impl_->vocab);
  std::vector<llama_token_data> all(n_vocab);
  double seconds = 0;
  for (llama_token t : toks) {
    for (int i = 0; i < n_vocab; ++i) all[i] = {i, 0.0f, 0.0f};
    llama_token_data_array arr{all.data(), all.size(), -1, false};
    const auto t0 = std::chrono::steady_clock::now();
    llama_sampler_apply(g, &arr);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!(all[t].logit > -INFINITY)) {
      llama_sampler_free(g);
      return -1;
    }
    llama_sampler_accept(g, t);
  }
  llama_sampler_free(g);
  if (tokens) *tokens = static_cast<int>(toks.size());
  return seconds;
}

}  // namespace perimeter::engine
