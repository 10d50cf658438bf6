#include "engine/demo_model.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <ggml.h>
#include <gguf.h>

#include "core/sha256.h"

namespace perimeter::engine {
namespace {

constexpr const char* kChatML =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] "
    "+ "
    "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' "
    "}}{% endif %}";

// splitmix64: tiny, portable and fully specified, so weights are identical on
// every machine (no libm calls involved).
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [-a, a).
  float uniform(float a) { return a * (static_cast<float>(next() >> 40) / 8388608.0f - 1.0f); }
};

using GgufPtr = std::unique_ptr<gguf_context, decltype(&gguf_free)>;
using GgmlPtr = std::unique_ptr<ggml_context, decltype(&ggml_free)>;

// Writes `g` to `out` through a temporary file and returns the sha256.
std::string write_atomically(gguf_context* g, const std::filesystem::path& out) {
  // Unique temporary name: parallel test processes may write the same file.
  std::filesystem::path tmp = out;
  tmp += ".tmp." + std::to_string(::getpid());
  if (!gguf_write_to_file(g, tmp.c_str(), false))
    throw std::runtime_error("cannot write " + out.string());
  std::filesystem::rename(tmp, out);
  return sha256_file(out);
}

}  // namespace

DemoShape demo_shape(const std::string& name) {
  if (name == "tiny") return {2, 64, 4, 2, 128};
  if (name == "bench") return {8, 512, 8, 8, 1408};
  throw std::invalid_argument("unknown demo model shape '" + name + "' (use tiny or bench)");
}

std::filesystem::path default_vocab_file() {
  if (const char* env = std::getenv("PERIMETER_VOCAB_GGUF")) return env;
  return PERIMETER_DEFAULT_VOCAB;
}

std::string write_demo_model(const std::filesystem::path& out, const DemoShape& shape,
                             uint64_t seed, const std::filesystem::path& vocab_gguf) {
  gguf_init_params vp{/*no_alloc=*/true, /*ctx=*/nullptr};
  GgufPtr vocab(gguf_init_from_file(vocab_gguf.c_str(), vp), gguf_free);
  if (!vocab)
    throw std::runtime_error("cannot read tokenizer GGUF " + vocab_gguf.string() +
                             " (set PERIMETER_VOCAB_GGUF or run scripts/setup.sh)");

  GgufPtr g(gguf_init_empty(), gguf_free);
  // Copy all metadata, then keep only the tokenizer: the rest describes qwen2.
  gguf_set_kv(g.get(), vocab.get());
  for (int64_t i = gguf_get_n_kv(g.get()) - 1; i >= 0; --i) {
    std::string key = gguf_get_key(g.get(), i);
    if (key.rfind("tokenizer.", 0) != 0) gguf_remove_key(g.get(), key.c_str());
  }
  const int64_t tok_id = gguf_find_key(g.get(), "tokenizer.ggml.tokens");
  if (tok_id < 0) throw std::runtime_error(vocab_gguf.string() + " has no tokenizer.ggml.tokens");
  const int64_t n_vocab = static_cast<int64_t>(gguf_get_arr_n(g.get(), tok_id));

  gguf_set_val_str(g.get(), "general.architecture", "llama");
  gguf_set_val_str(g.get(), "general.name", "perimeter-demo");
  gguf_set_val_u32(g.get(), "general.file_type", 1);  // mostly F16
  gguf_set_val_u32(g.get(), "llama.context_length", 4096);
  gguf_set_val_u32(g.get(), "llama.embedding_length", shape.n_embd);
  gguf_set_val_u32(g.get(), "llama.block_count", shape.n_layer);
  gguf_set_val_u32(g.get(), "llama.feed_forward_length", shape.n_ff);
  gguf_set_val_u32(g.get(), "llama.attention.head_count", shape.n_head);
  gguf_set_val_u32(g.get(), "llama.attention.head_count_kv", shape.n_head_kv);
  gguf_set_val_f32(g.get(), "llama.attention.layer_norm_rms_epsilon", 1e-5f);
  gguf_set_val_f32(g.get(), "llama.rope.freq_base", 10000.0f);
  gguf_set_val_u32(g.get(), "llama.vocab_size", static_cast<uint32_t>(n_vocab));
  gguf_set_val_u64(g.get(), "perimeter.demo.seed", seed);
  gguf_set_val_str(g.get(), "tokenizer.chat_template", kChatML);

  const int64_t E = shape.n_embd, F = shape.n_ff;
  const int64_t KV = E / shape.n_head * shape.n_head_kv;
  struct Spec {
    std::string name;
    int64_t ne0, ne1;  // ne1 == 0: a 1-D norm weight
  };
  // A separate output matrix: tied embeddings would make every token its own
  // most likely successor, and the demo model would repeat one token forever.
  std::vector<Spec> specs = {{"token_embd.weight", E, n_vocab},
                             {"output_norm.weight", E, 0},
                             {"output.weight", E, n_vocab}};
  for (int l = 0; l < shape.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    specs.insert(specs.end(), {{p + "attn_norm.weight", E, 0},
                               {p + "attn_q.weight", E, E},
                               {p + "attn_k.weight", E, KV},
                               {p + "attn_v.weight", E, KV},
                               {p + "attn_output.weight", E, E},
                               {p + "ffn_norm.weight", E, 0},
                               {p + "ffn_gate.weight", E, F},
                               {p + "ffn_down.weight", F, E},
                               {p + "ffn_up.weight", E, F}});
  }
  size_t bytes = 0;
  for (const auto& s : specs)
    bytes += s.ne1 ? s.ne0 * s.ne1 * sizeof(ggml_fp16_t) : s.ne0 * sizeof(float);
  ggml_init_params ip{bytes + specs.size() * ggml_tensor_overhead() + (1 << 20), nullptr, false};
  GgmlPtr ctx(ggml_init(ip), ggml_free);
  if (!ctx) throw std::runtime_error("out of memory creating the demo model");

  Rng rng{seed};
  std::vector<float> row;
  for (const auto& s : specs) {
    ggml_tensor* t = s.ne1 ? ggml_new_tensor_2d(ctx.get(), GGML_TYPE_F16, s.ne0, s.ne1)
                           : ggml_new_tensor_1d(ctx.get(), GGML_TYPE_F32, s.ne0);
    ggml_set_name(t, s.name.c_str());
    if (!s.ne1) {
      std::fill_n(static_cast<float*>(t->data), s.ne0, 1.0f);
    } else {
      // Scales keep activations near unit variance; the output matrix gives
      // logits a spread of about 3, so top-k/top-p/min-p cut a real distribution.
      float a = std::sqrt(3.0f / static_cast<float>(s.ne0));
      if (s.name == "token_embd.weight") a = 1.0f;
      if (s.name == "output.weight") a = std::sqrt(27.0f / static_cast<float>(s.ne0));
      row.resize(s.ne0);
      auto* dst = static_cast<ggml_fp16_t*>(t->data);
      for (int64_t r = 0; r < s.ne1; ++r) {
        for (auto& x : row) x = rng.uniform(a);
        ggml_fp32_to_fp16_row(row.data(), dst + r * s.ne0, s.ne0);
      }
    }
    gguf_add_tensor(g.get(), t);
  }
  return write_atomically(g.get(), out);
}

std::string write_demo_adapter(const std::filesystem::path& out, const std::filesystem::path& base,
                               uint64_t seed, int rank) {
  ggml_context* meta_raw = nullptr;
  gguf_init_params bp{/*no_alloc=*/true, &meta_raw};
  GgufPtr model(gguf_init_from_file(base.c_str(), bp), gguf_free);
  if (!model) throw std::runtime_error("cannot read model GGUF " + base.string());
  GgmlPtr meta(meta_raw, ggml_free);
  const int64_t arch = gguf_find_key(model.get(), "general.architecture");
  if (arch < 0) throw std::runtime_error(base.string() + " has no general.architecture");

  GgufPtr g(gguf_init_empty(), gguf_free);
  gguf_set_val_str(g.get(), "general.type", "adapter");
  gguf_set_val_str(g.get(), "general.architecture", gguf_get_val_str(model.get(), arch));
  gguf_set_val_str(g.get(), "general.name", "perimeter-demo-adapter");
  gguf_set_val_str(g.get(), "adapter.type", "lora");
  // alpha = rank: the delta B*A*x is applied at the configured scale as is.
  gguf_set_val_f32(g.get(), "adapter.lora.alpha", static_cast<float>(rank));
  gguf_set_val_u64(g.get(), "perimeter.demo.seed", seed);

  // Every 2-D weight inside a block (attention and feed-forward).
  std::vector<ggml_tensor*> targets;
  for (ggml_tensor* t = ggml_get_first_tensor(meta.get()); t;
       t = ggml_get_next_tensor(meta.get(), t))
    if (std::string_view(t->name).rfind("blk.", 0) == 0 && ggml_n_dims(t) == 2)
      targets.push_back(t);
  if (targets.empty()) throw std::runtime_error(base.string() + " has no block weights to adapt");
  size_t bytes = 0;
  for (const ggml_tensor* t : targets) bytes += (t->ne[0] + t->ne[1]) * rank * sizeof(float);
  ggml_init_params ip{bytes + 2 * targets.size() * ggml_tensor_overhead() + (1 << 20), nullptr,
                      false};
  GgmlPtr ctx(ggml_init(ip), ggml_free);
  if (!ctx) throw std::runtime_error("out of memory creating the demo adapter");

  Rng rng{seed};
  auto add = [&](const std::string& name, int64_t ne0, int64_t ne1) {
    ggml_tensor* t = ggml_new_tensor_2d(ctx.get(), GGML_TYPE_F32, ne0, ne1);
    ggml_set_name(t, name.c_str());
    // Unit-variance outputs per product, like the base weights: a delta as
    // large as the weight it adapts.
    const float a = std::sqrt(3.0f / static_cast<float>(ne0));
    auto* d = static_cast<float*>(t->data);
    for (int64_t i = 0; i < ne0 * ne1; ++i) d[i] = rng.uniform(a);
    gguf_add_tensor(g.get(), t);
  };
  for (const ggml_tensor* t : targets) {
    // A: [n_in, rank], B: [rank, n_out] (llama.cpp's layout).
    add(std::string(t->name) + ".lora_a", t->ne[0], rank);
    add(std::string(t->name) + ".lora_b", rank, t->ne[1]);
  }
  return write_atomically(g.get(), out);
}

}  // namespace perimeter::engine
