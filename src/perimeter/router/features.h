// Hashed n-gram features of a conversation (fastText-style): word unigrams and
// bigrams plus character n-grams inside words, hashed into 2^bucket_bits
// buckets. Shared by training and inference so both see exactly the same
// features. Inline because it is the classifier's hot path.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "router/router.h"

namespace perimeter::router {

// Every setting that changes which bucket a text lands in; stored in the
// artefact header so a model is only ever used with its own featurizer.
struct FeatureSettings {
  uint32_t bucket_bits = 16;      // 2^16 buckets x 3 classes x f32 = 768 KiB: stays in cache
  uint32_t word_ngrams = 2;       // word n-grams of length 1..word_ngrams
  uint32_t char_min = 3;          // char n-grams of length char_min..char_max,
  uint32_t char_max = 5;          //   within '<word>' (0 disables)
  uint32_t char_word_min = 4;     // words shorter than this get no char n-grams
  uint32_t ngram_window = 128;    // bigrams and char n-grams only in the first and last
                                  //   ngram_window bytes of the main message (0: all)
  uint32_t edge_bytes = 120;      // instruction window at each end of the last user message
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
inline constexpr uint32_t kMaxSystemTurns = 2;
// kGramMask[k] keeps the low k bytes of the rolling register (k <= 8).
inline constexpr uint64_t kGramMask[9] = {0,
                                          0xff,
                                          0xffff,
                                          0xffffff,
                                          0xffffffff,
                                          0xffffffffffULL,
                                          0xffffffffffffULL,
                                          0xffffffffffffffULL,
                                          ~uint64_t{0}};

// murmur3's 64-bit finalizer: spreads FNV's weak low bits over the bucket index.
inline uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

inline constexpr unsigned char kSeparator = 0, kPunct = 1;

// Per byte: the normalized word byte (ASCII letters lower-cased, digits
// folded to '0', non-ASCII kept), kPunct for printable ASCII punctuation, or
// kSeparator for whitespace and control bytes. One load instead of a chain
// of range tests per byte.
inline constexpr auto kByteClass = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c >= 'a' && c <= 'z')
      t[c] = u;
    else if (c >= 'A' && c <= 'Z')
      t[c] = static_cast<unsigned char>(c + 32);
    else if (c >= '0' && c <= '9')
      t[c] = '0';
    else if (c >= 0x80)
      t[c] = u;
    else if (c > 0x20 && c < 0x7F)
      t[c] = kPunct;
    else
      t[c] = kSeparator;
  }
  return t;
}();

// Token callback arguments: the token's normalized bytes, its hash.
struct Token {
  const unsigned char* bytes;
  size_t len;
  uint64_t hash;
  bool is_word;
  size_t end;  // offset just past the token in the text
};

#if defined(__SSE2__)
// The SSE2 form of the per-byte pass below for one full 64-byte block at
// `base`: the same normalized bytes and word/punctuation bits, 16 bytes per
// step (signed compares on bytes biased by 0x80 give unsigned ranges).
inline void classify_block64(const unsigned char* p, size_t base, unsigned char* norm,
                             uint64_t* word_bits, uint64_t* punct_bits) {
  const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
  auto in = [&](__m128i sb, int lo, int hi) {  // lo <= byte <= hi, on biased bytes
    return _mm_and_si128(_mm_cmpgt_epi8(sb, _mm_set1_epi8(static_cast<char>((lo - 1) ^ 0x80))),
                         _mm_cmplt_epi8(sb, _mm_set1_epi8(static_cast<char>((hi + 1) ^ 0x80))));
  };
  uint64_t w = 0, q = 0;
  for (int k = 0; k < 4; ++k) {
    const size_t i = base + 16 * static_cast<size_t>(k);
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i prev =
        i > 0 ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i - 1)) : _mm_slli_si128(v, 1);
    const __m128i sb = _mm_xor_si128(v, bias);
    const __m128i lower = in(sb, 'a', 'z'), upper = in(sb, 'A', 'Z'), digit = in(sb, '0', '9');
    const __m128i high = _mm_cmplt_epi8(v, _mm_setzero_si128());
    const __m128i wordb = _mm_or_si128(_mm_or_si128(lower, upper), _mm_or_si128(digit, high));
    const __m128i punctb = _mm_andnot_si128(wordb, in(sb, 0x21, 0x7E));
    const __m128i fold =
        _mm_and_si128(_mm_and_si128(_mm_cmpeq_epi8(prev, _mm_set1_epi8(static_cast<char>(0xC3))),
                                    in(sb, 0x80, 0x9E)),
                      _mm_xor_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(static_cast<char>(0x97))),
                                    _mm_set1_epi8(-1)));
    __m128i out = _mm_and_si128(v, _mm_or_si128(wordb, punctb));
    out = _mm_add_epi8(out, _mm_and_si128(_mm_or_si128(upper, fold), _mm_set1_epi8(0x20)));
    out = _mm_or_si128(_mm_andnot_si128(digit, out), _mm_and_si128(digit, _mm_set1_epi8('0')));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(norm + i), out);
    w |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(wordb))) << (16 * k);
    q |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(punctb))) << (16 * k);
  }
  *word_bits = w;
  *punct_bits = q;
}
#endif

// Splits `text` into tokens: words (ASCII letters/digits and any non-ASCII
// byte, lower-cased, digits folded to '0', Latin-1 capitals folded) and
// single punctuation characters. Whitespace and control bytes separate.
// Works on bytes, so invalid UTF-8 is just more word bytes.
inline constexpr size_t kMaxSegmentBytes = 8192;  // longest run of text tokenized at once

// The byte a token contributes to its hash: the normalized word byte, the
// punctuation mark itself, 0 for separators.
inline constexpr auto kTokenByte = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[c] = kByteClass[c] == kPunct ? static_cast<unsigned char>(c) : kByteClass[c];
  return t;
}();

// Splits `text` (at most kMaxSegmentBytes; callers cut longer text) into
// tokens: words (ASCII letters/digits and any non-ASCII byte, lower-cased,
// digits folded to '0', Latin-1 capitals folded) and single punctuation
// characters. Whitespace and control bytes separate. Works on bytes, so
// invalid UTF-8 is just more word bytes. `norm` receives the normalized
// bytes (kMaxSegmentBytes + 8, zero after the text): on_token's Token.bytes
// point into it.
//
// Branch-light, because per-byte branches on token boundaries mispredict
// about twice per token and dominated the cost: one table pass normalizes
// the bytes and builds 64-bit word/punctuation masks, tokens are then found
// with bit scans, and a token is hashed 8 bytes (one load) at a time.
template <class OnToken>
inline void tokenize(std::string_view text, unsigned char* norm, OnToken&& on_token) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size() < kMaxSegmentBytes ? text.size() : kMaxSegmentBytes;
  constexpr size_t kBlocks = kMaxSegmentBytes / 64 + 1;
  uint64_t word[kBlocks], punct[kBlocks];
  const size_t blocks = (n + 63) / 64;
  unsigned char prev = 0;
  for (size_t b = 0; b < blocks; ++b) {
    uint64_t w = 0, q = 0;
    const size_t base = 64 * b, lim = n - base < 64 ? n - base : 64;
#if defined(__SSE2__)
    if (lim == 64) {
      classify_block64(p, base, norm, &w, &q);
      word[b] = w;
      punct[b] = q;
      prev = p[base + 63];
      continue;
    }
#endif
    for (size_t j = 0; j < lim; ++j) {
      const unsigned char c = p[base + j];
      const unsigned char cls = kByteClass[c];
      // U+00C0..U+00DE (except U+00D7) encode as C3 80..9E: lower by +0x20.
      const bool fold = prev == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97;
      norm[base + j] = static_cast<unsigned char>(kTokenByte[c] + (fold ? 0x20 : 0));
      w |= static_cast<uint64_t>(cls > kPunct) << j;
      q |= static_cast<uint64_t>(cls == kPunct) << j;
      prev = c;
    }
    word[b] = w;
    punct[b] = q;
  }
  std::memset(norm + n, 0, 8);
  word[blocks] = 0;    // a sentinel block: every word ends by then
  uint64_t carry = 0;  // 1 if the previous block ended inside a word
  for (size_t b = 0; b < blocks; ++b) {
    uint64_t starts = (word[b] & ~((word[b] << 1) | carry)) | punct[b];
    carry = word[b] >> 63;
    while (starts) {
      const size_t s = 64 * b + static_cast<size_t>(__builtin_ctzll(starts));
      starts &= starts - 1;
      // Token length: 1 for punctuation, else up to the next non-word byte.
      size_t len = 0, blk = s / 64, bit = s % 64;
      for (;;) {
        uint64_t rest = ~word[blk] >> bit;
        if (rest) {
          len += static_cast<size_t>(__builtin_ctzll(rest));
          break;
        }
        len += 64 - bit;
        ++blk;
        bit = 0;
      }
      const bool is_word = len > 0;
      len += !is_word;
      uint64_t h = kFnvOffset;
      size_t off = 0;
      for (; off + 8 < len; off += 8) {  // rare: words longer than 8 bytes
        uint64_t chunk;
        std::memcpy(&chunk, norm + s + off, 8);
        h = (h ^ chunk) * kFnvPrime;
      }
      uint64_t last;
      std::memcpy(&last, norm + s + off, 8);  // in bounds: norm has 8 bytes of slack
      last &= ~uint64_t{0} >> (64 - 8 * (len - off));
      h = (h ^ last ^ static_cast<uint64_t>(len) << 58 ^ (is_word ? 0 : uint64_t{1} << 57)) *
          kFnvPrime;
      h ^= h >> 29;
      on_token(Token{norm + s, len, h, is_word, s + len});
    }
  }
}

// Fibonacci hashing: one multiply spreads every bit of h into the top bits
// (the hot path runs this once per feature, so no full finalizer).
inline uint32_t bucket_of(uint64_t h, uint32_t ns, uint32_t bits) {
  return static_cast<uint32_t>(((h ^ kNamespaceSalt[ns]) * 0x9e3779b97f4a7c15ULL) >> (64 - bits));
}

// Emits the features of one contiguous segment into namespace `ns`. Tokens
// ending within the first `char_head` bytes or after the last `char_tail`
// bytes begin get all features (bigram, char n-grams if `char_ngrams`);
// tokens in between only their unigram: the ends of a message carry its
// request, the middle is mostly pasted material, and the n-grams are most
// of the cost.
template <class Emit>
inline void segment_features(const FeatureSettings& s, std::string_view text, uint32_t ns,
                             bool char_ngrams, Emit& emit, size_t char_head = SIZE_MAX,
                             size_t char_tail = SIZE_MAX) {
  const size_t tail_from = char_tail >= text.size() ? 0 : text.size() - char_tail;
  unsigned char norm[kMaxSegmentBytes + 8];
  uint64_t prev = 0;
  bool have_prev = false;
  const uint32_t bits = s.bucket_bits;
  tokenize(
      text, norm, [&](const Token& t) __attribute__((always_inline)) {
        emit(ns, bucket_of(t.hash, ns, bits));
        const bool middle = t.end > char_head && t.end <= tail_from;
        if (s.word_ngrams >= 2 && have_prev && !middle)
          emit(ns, bucket_of((prev * 0x100000001b3ULL) ^ t.hash ^ kBigramSalt, ns, bits));
        prev = t.hash;
        have_prev = true;
        if (!char_ngrams || !t.is_word || s.char_max == 0) return;
        if (middle) return;
        // Char n-grams of '<' word '>' as in fastText, so prefixes and suffixes
        // are their own grams. The last <= 8 bytes roll through one register, so
        // an n-gram's key is its bytes packed into an integer (exact, no per-gram
        // rehash); normalized word bytes are never 0, so keys of different
        // lengths never coincide.
        // Short words get none: their grams add little beyond the word itself.
        if (t.len < s.char_word_min) return;
        const uint32_t lo = s.char_min, hi = s.char_max;
        uint64_t roll = '<';
        uint32_t have = 1;
        auto push = [&](unsigned char b) {
          roll = (roll << 8) | b;
          ++have;
          uint32_t top = have < hi ? have : hi;
          for (uint32_t k = lo; k <= top; ++k)
            emit(ns, bucket_of((roll & kGramMask[k]) ^ kCharSalt, ns, bits));
        };
        const size_t m = t.len < kMaxWordBytes ? t.len : kMaxWordBytes;
        for (size_t i = 0; i < m; ++i) push(t.bytes[i]);
        push('>');
      });
}

inline bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

// Features of `text` read as head + tail when longer than both together.
template <class Emit>
inline void capped_features(const FeatureSettings& s, std::string_view text, uint32_t ns,
                            bool char_ngrams, size_t head, size_t tail, Emit& emit) {
  const size_t cw = s.ngram_window == 0 ? SIZE_MAX : s.ngram_window;
  if (text.size() <= head + tail) {
    segment_features(s, text, ns, char_ngrams, emit, cw, cw);
    return;
  }
  segment_features(s, text.substr(0, head), ns, char_ngrams, emit, cw, 0);
  if (tail > 0) segment_features(s, text.substr(text.size() - tail), ns, char_ngrams, emit, 0, cw);
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

// True if no segment the settings read is longer than the tokenizer takes
// at once (so every byte the settings promise to read is read).
inline bool reading_is_bounded(const FeatureSettings& s) {
  const uint64_t max = detail::kMaxSegmentBytes;
  return uint64_t{s.head_bytes} + s.tail_bytes <= max && s.context_bytes <= max &&
         2 * uint64_t{s.edge_bytes} + 64 <= max;
}

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
  // At most kMaxSystemTurns system turns and context_turns others, most
  // recent first: bounded work however long the conversation.
  uint32_t others = 0, systems = 0;
  for (size_t i = conversation.size(); i-- > 0;) {
    if (i == main) continue;
    bool system = conversation[i].role == "system";
    if (system && systems >= detail::kMaxSystemTurns) continue;
    if (!system && (i > main || others >= s.context_turns)) continue;
    if (system) ++systems;
    if (!system) ++others;
    detail::capped_features(s, conversation[i].text, kContext, false, s.context_bytes, 0, emit);
  }
}

}  // namespace perimeter::router
