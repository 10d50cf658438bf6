// Hashed n-gram features of a conversation (fastText-style): word unigrams and
// bigrams plus character n-grams inside words, hashed into 2^bucket_bits
// buckets. Shared by training and inference so both see exactly the same
// features. Inline because it is the classifier's hot path.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "router/router.h"

namespace perimeter::router {

// Every setting that changes which bucket a text lands in; stored in the
// artefact header so a model is only ever used with its own featurizer.
struct FeatureSettings {
  uint32_t bucket_bits = 16;      // 2^16 buckets x 3 classes x f32 = 768 KiB: stays in cache
  uint32_t word_ngrams = 2;       // word n-grams of length 1..word_ngrams
  uint32_t char_min = 3;          // char n-grams of length char_min..char_max,
  uint32_t char_max = 5;          //   within '<word>' (0 disables)
  uint32_t edge_bytes = 160;      // instruction window at each end of the last user message
  uint32_t head_bytes = 6144;     // a long last user message is read as its head
  uint32_t tail_bytes = 2048;     //   and its tail: bounded latency on any input size
  uint32_t context_bytes = 1024;  // head of each context turn (system, earlier turns)
  uint32_t context_turns = 4;     // most recent non-system context turns read
  bool operator==(const FeatureSettings&) const = default;
};

// Feature namespaces: the same n-gram means different things in the body of
// the request, at its edges (where instructions usually are) and in context.
enum Namespace : uint32_t { kBody = 0, kEdge = 1, kContext = 2 };
inline constexpr uint32_t kNamespaceCount = 3;

namespace detail {

inline constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
inline constexpr uint64_t kFnvPrime = 1099511628211ULL;
inline constexpr uint64_t kNamespaceSalt[kNamespaceCount] = {
    0x9e3779b97f4a7c15ULL, 0xc2b2ae3d27d4eb4fULL, 0x165667b19e3779f9ULL};
inline constexpr uint64_t kBigramSalt = 0x27d4eb2f165667c5ULL;
inline constexpr uint64_t kCharSalt = 0x85ebca77c2b2ae63ULL;
inline constexpr size_t kMaxWordBytes = 40;  // char n-grams only over a word's first 40 bytes

// murmur3's 64-bit finalizer: spreads FNV's weak low bits over the bucket index.
inline uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// Token callback arguments: normalized bytes (possibly truncated), full-token hash.
struct Token {
  const unsigned char* bytes;
  size_t len;
  uint64_t hash;
  bool is_word;
};

// Splits `text` into tokens: words (ASCII letters/digits and any non-ASCII
// byte, lower-cased, digits folded to '0', Latin-1 capitals folded) and
// single punctuation characters. Whitespace and control bytes separate.
// Works on bytes, so invalid UTF-8 is just more word bytes.
template <class OnToken>
inline void tokenize(std::string_view text, OnToken&& on_token) {
  unsigned char buf[kMaxWordBytes];
  size_t len = 0;
  uint64_t h = kFnvOffset;
  bool in_word = false;
  unsigned char prev_raw = 0;
  auto flush = [&] {
    if (in_word) on_token(Token{buf, len < kMaxWordBytes ? len : kMaxWordBytes, h, true});
    in_word = false;
    len = 0;
    h = kFnvOffset;
  };
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    unsigned char out;
    if (c >= 'a' && c <= 'z') {
      out = c;
    } else if (c >= 'A' && c <= 'Z') {
      out = c + 32;
    } else if (c >= '0' && c <= '9') {
      out = '0';
    } else if (c >= 0x80) {
      // U+00C0..U+00DE (except U+00D7) encode as C3 80..9E: lower by +0x20.
      out = (prev_raw == 0xC3 && c <= 0x9E && c != 0x97) ? c + 0x20 : c;
    } else {
      flush();
      if (c > 0x20 && c < 0x7F) {
        uint64_t ph = (kFnvOffset ^ c) * kFnvPrime;
        on_token(Token{&c, 1, ph, false});
      }
      prev_raw = c;
      continue;
    }
    prev_raw = c;
    in_word = true;
    if (len < kMaxWordBytes) buf[len] = out;
    ++len;
    h = (h ^ out) * kFnvPrime;
  }
  flush();
}

// Fibonacci hashing: one multiply spreads every bit of h into the top bits
// (the hot path runs this once per feature, so no full finalizer).
inline uint32_t bucket_of(uint64_t h, uint32_t ns, uint32_t bits) {
  return static_cast<uint32_t>(((h ^ kNamespaceSalt[ns]) * 0x9e3779b97f4a7c15ULL) >> (64 - bits));
}

// Emits the features of one contiguous segment into namespace `ns`.
template <class Emit>
inline void segment_features(const FeatureSettings& s, std::string_view text, uint32_t ns,
                             bool char_ngrams, Emit& emit) {
  uint64_t prev = 0;
  bool have_prev = false;
  const uint32_t bits = s.bucket_bits;
  tokenize(text, [&](const Token& t) {
    emit(ns, bucket_of(t.hash, ns, bits));
    if (s.word_ngrams >= 2 && have_prev)
      emit(ns, bucket_of((prev * 0x100000001b3ULL) ^ t.hash ^ kBigramSalt, ns, bits));
    prev = t.hash;
    have_prev = true;
    if (!char_ngrams || !t.is_word || s.char_max == 0) return;
    // '<' word '>' as in fastText, so prefixes and suffixes are their own grams.
    unsigned char w[kMaxWordBytes + 2];
    size_t n = t.len + 2;
    w[0] = '<';
    for (size_t i = 0; i < t.len; ++i) w[i + 1] = t.bytes[i];
    w[n - 1] = '>';
    for (size_t i = 0; i + s.char_min <= n; ++i) {
      uint64_t g = kFnvOffset ^ kCharSalt;
      size_t end = i + s.char_max < n ? i + s.char_max : n;
      for (size_t j = i; j < end; ++j) {
        g = (g ^ w[j]) * kFnvPrime;
        if (j + 1 - i >= s.char_min) emit(ns, bucket_of(g, ns, bits));
      }
    }
  });
}

inline bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

// Features of `text` read as head + tail when longer than both together.
template <class Emit>
inline void capped_features(const FeatureSettings& s, std::string_view text, uint32_t ns,
                            bool char_ngrams, size_t head, size_t tail, Emit& emit) {
  if (text.size() <= head + tail) {
    segment_features(s, text, ns, char_ngrams, emit);
    return;
  }
  segment_features(s, text.substr(0, head), ns, char_ngrams, emit);
  if (tail > 0) segment_features(s, text.substr(text.size() - tail), ns, char_ngrams, emit);
}

// The first and last ~edge_bytes of the message, cut at whitespace so no word
// is split: where a request states what it wants done with pasted material.
template <class Emit>
inline void edge_features(const FeatureSettings& s, std::string_view text, Emit& emit) {
  const size_t e = s.edge_bytes;
  if (e == 0) return;
  if (text.size() <= 2 * e) {
    segment_features(s, text, kEdge, false, emit);
    return;
  }
  size_t head_end = e;
  while (head_end < text.size() && head_end < e + 32 && !is_space(text[head_end])) ++head_end;
  size_t tail_begin = text.size() - e;
  while (tail_begin > head_end && tail_begin > text.size() - e - 32 &&
         !is_space(text[tail_begin - 1]))
    --tail_begin;
  segment_features(s, text.substr(0, head_end), kEdge, false, emit);
  segment_features(s, text.substr(tail_begin), kEdge, false, emit);
}

}  // namespace detail

// Calls emit(ns, bucket) for every feature occurrence of the conversation.
// Reads a bounded number of bytes whatever the input size.
template <class Emit>
inline void for_each_feature(const FeatureSettings& s, std::span<const Turn> conversation,
                             Emit&& emit) {
  // The main message: the last user turn, else the last non-system turn.
  size_t main = conversation.size();
  for (size_t i = conversation.size(); i-- > 0;)
    if (conversation[i].role == "user") {
      main = i;
      break;
    }
  if (main == conversation.size())
    for (size_t i = conversation.size(); i-- > 0;)
      if (conversation[i].role != "system") {
        main = i;
        break;
      }
  if (main < conversation.size()) {
    std::string_view text = conversation[main].text;
    detail::capped_features(s, text, kBody, true, s.head_bytes, s.tail_bytes, emit);
    detail::edge_features(s, text, emit);
  }
  uint32_t others = 0;
  for (size_t i = conversation.size(); i-- > 0;) {
    if (i == main) continue;
    bool system = conversation[i].role == "system";
    if (!system && (i > main || others >= s.context_turns)) continue;
    if (!system) ++others;
    detail::capped_features(s, conversation[i].text, kContext, false, s.context_bytes, 0, emit);
  }
}

}  // namespace perimeter::router
