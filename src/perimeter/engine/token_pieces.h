// The vocabulary of a loaded llama.cpp model as the grammar masker sees it.
#pragma once

#include <llama.h>

#include "grammar/matcher.h"

namespace perimeter::engine {

// Each token's bytes as generated text and which tokens end generation.
// Control tokens get "" (never allowed by a grammar), unlike llama.cpp's
// grammar sampler, which matches their text (e.g. "<|im_start|>" inside a
// JSON string) although the engine never prints it.
inline grammar::Vocabulary token_pieces(const llama_vocab* vocab) {
  grammar::Vocabulary v;
  const int32_t n = llama_vocab_n_tokens(vocab);
  v.pieces.resize(static_cast<size_t>(n));
  v.eog.resize(static_cast<size_t>(n));
  char buf[512];
  for (llama_token t = 0; t < n; ++t) {
    v.eog[static_cast<size_t>(t)] = llama_vocab_is_eog(vocab, t);
    if (llama_vocab_is_control(vocab, t)) continue;
    const int32_t len = llama_token_to_piece(vocab, t, buf, sizeof buf, 0, false);
    // A piece starting with NUL reads as empty to llama.cpp's grammar too.
    if (len > 0 && buf[0] != '\0')
      v.pieces[static_cast<size_t>(t)].assign(buf, static_cast<size_t>(len));
  }
  return v;
}

}  // namespace perimeter::engine
