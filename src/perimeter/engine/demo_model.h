// The demo model: a deterministic random-weight GGUF (llama architecture)
// with a real tokenizer and a ChatML template. Its text is noise, but loading,
// hashing, templating, sampling, batching and streaming around it are real.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace perimeter::engine {

struct DemoShape {
  int n_layer;
  int n_embd;
  int n_head;
  int n_head_kv;
  int n_ff;
};

// "tiny" (loads in milliseconds) or "bench" (big enough for decode speed to
// mean something); throws std::invalid_argument for other names.
DemoShape demo_shape(const std::string& name);

// Default tokenizer source: llama.cpp's models/ggml-vocab-qwen2.gguf as
// installed by scripts/setup.sh (overridable with PERIMETER_VOCAB_GGUF).
std::filesystem::path default_vocab_file();

// Writes the demo model to `out`: same arguments, same bytes. Tokenizer
// metadata is copied from `vocab_gguf`. Returns the file's sha256.
std::string write_demo_model(const std::filesystem::path& out, const DemoShape& shape,
                             uint64_t seed, const std::filesystem::path& vocab_gguf);

// Writes a LoRA adapter for the model file `base` to `out`: rank-`rank`
// random A and B matrices (same arguments, same bytes) for every attention
// and feed-forward weight of its blocks, strong enough that the adapted
// model's answers visibly differ. Returns the file's sha256. Throws
// std::runtime_error if `base` cannot be read or has no such weights.
std::string write_demo_adapter(const std::filesystem::path& out, const std::filesystem::path& base,
                               uint64_t seed, int rank = 8);

}  // namespace perimeter::engine
