#include "grammar/matcher.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory_resource>
#include <mutex>
#include <stdexcept>
#include <unordered_set>

namespace perimeter::grammar {

// ---- rules -----------------------------------------------------------------

namespace {

enum class Kind : uint8_t { End, Ref, Chars };

struct Elem {
  Kind kind = Kind::End;
  bool negated = false;  // Chars: matches code points outside the ranges
  uint32_t rule = 0;     // Ref
  std::vector<std::pair<uint32_t, uint32_t>> ranges;  // Chars: inclusive
};

constexpr uint32_t kMaxCodePoint = 0x10FFFF;

// The smallest code point a sequence of `len` bytes may encode.
constexpr uint32_t kMinOfLength[] = {0, 0, 0x80, 0x800, 0x10000};

// Bytes of the UTF-8 sequence `lead` begins: 1 to 4, or 0 for a
// continuation byte or an invalid lead.
constexpr int utf8_length(uint8_t lead) {
  return lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3 : (lead >> 3) == 30 ? 4 : 0;
}

// Whether `cp`, decoded from `len` bytes, is a scalar value in its shortest form.
constexpr bool valid_code_point(uint32_t cp, int len) {
  return cp >= kMinOfLength[len] && cp <= kMaxCodePoint && !(cp >= 0xD800 && cp <= 0xDFFF);
}

}  // namespace

struct Rules {
  std::vector<Elem> elems;                  // sequences, each closed by an End
  std::vector<std::vector<uint32_t>> alts;  // rule -> index of each alternative's first elem
  uint32_t root = 0;

  bool matches(const Elem& e, uint32_t cp) const {
    bool in = false;
    for (const auto& [lo, hi] : e.ranges) in = in || (cp >= lo && cp <= hi);
    return in != e.negated;
  }
  // True if some code point past ASCII does not match `e`.
  bool matches_some_not(const Elem& e) const {
    Elem flipped = e;
    flipped.negated = !e.negated;
    return matches_some(flipped, 0x80, kMaxCodePoint);
  }
  // True if some code point in [lo, hi] matches `e`.
  bool matches_some(const Elem& e, uint32_t lo, uint32_t hi) const {
    if (!e.negated) {
      for (const auto& [a, b] : e.ranges)
        if (a <= hi && b >= lo) return true;
      return false;
    }
    // Negated: some point of [lo, hi] lies outside every range (sorted by flatten()).
    uint32_t next = lo;  // smallest point not yet known to be covered
    for (const auto& [a, b] : e.ranges) {
      if (a > next) return next <= hi;
      if (b >= next) {
        if (b >= hi) return false;
        next = b + 1;
      }
    }
    return next <= hi;
  }
};

namespace {

// Recursive-descent reader of llama.cpp's GBNF syntax, building Rules with
// repetitions expanded as llama.cpp does (x{m,n}: m copies, then nested
// optional rules), so both accept the same language.
class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  std::shared_ptr<const Rules> run() {
    space(true);
    while (i_ < s_.size()) {
      const size_t at = i_;
      const std::string name = word();
      if (name.empty()) fail(at, "a rule name");
      space(false);
      if (s_.substr(i_, 3) != "::=") fail(i_, "'::='");
      i_ += 3;
      space(true);
      const uint32_t id = id_of(name);
      if (defined_[id]) fail(at, "one definition of rule '" + name + "' (it is defined twice)");
      defined_[id] = true;
      rules_[id] = alternatives(false);
      space(true);
    }
    for (const auto& [name, id] : ids_)
      if (!defined_[id])
        throw std::invalid_argument("GBNF: rule '" + name + "' is used but not defined");
    auto it = ids_.find("root");
    if (it == ids_.end()) throw std::invalid_argument("GBNF: no rule named 'root'");
    check_left_recursion();
    return flatten(it->second);
  }

 private:
  using Seq = std::vector<Elem>;
  using Alts = std::vector<Seq>;

  [[noreturn]] void fail(size_t at, const std::string& expected) const {
    throw std::invalid_argument("GBNF: expected " + expected + " at offset " + std::to_string(at));
  }

  static bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  }

  // Skips blanks and # comments; newlines only where `newlines` (inside a
  // group, after ::= or |): a newline ends a top-level sequence.
  void space(bool newlines) {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == ' ' || c == '\t' || ((c == '\n' || c == '\r') && newlines)) {
        ++i_;
      } else if (c == '#') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }

  std::string word() {
    const size_t start = i_;
    while (i_ < s_.size() && word_char(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

  uint32_t id_of(const std::string& name) {
    auto [it, fresh] = ids_.try_emplace(name, static_cast<uint32_t>(rules_.size()));
    if (fresh) {
      rules_.emplace_back();
      defined_.push_back(false);
    }
    return it->second;
  }

  uint32_t fresh_rule(Alts alts) {
    rules_.push_back(std::move(alts));
    defined_.push_back(true);
    return static_cast<uint32_t>(rules_.size() - 1);
  }

  uint32_t hex(size_t digits) {
    uint32_t v = 0;
    for (size_t k = 0; k < digits; ++k) {
      if (i_ >= s_.size()) fail(i_, std::to_string(digits) + " hex digits");
      const char c = s_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        fail(i_ - 1, "a hex digit");
    }
    return v;
  }

  // One code point of a literal or class, escapes decoded.
  uint32_t character() {
    if (i_ >= s_.size()) fail(i_, "a character");
    const auto c = static_cast<unsigned char>(s_[i_]);
    if (c == '\\') {
      if (++i_ >= s_.size()) fail(i_, "an escape");
      const char e = s_[i_++];
      switch (e) {
        case 'x':
          return hex(2);
        case 'u':
          return hex(4);
        case 'U':
          return hex(8);
        case 't':
          return '\t';
        case 'r':
          return '\r';
        case 'n':
          return '\n';
        case '\\':
        case '"':
        case '[':
        case ']':
        case '-':
        case '^':
          return static_cast<uint8_t>(e);
        default:
          fail(i_ - 1, "a known escape (x u U t r n \\ \" [ ])");
      }
    }
    // UTF-8 decode.
    const int n = utf8_length(c);
    if (n == 0 || i_ + n > s_.size()) fail(i_, "valid UTF-8");
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s_[i_ + k]) & 0x3F);
    i_ += n;
    return cp;
  }

  Alts alternatives(bool nested) {
    Alts alts{sequence(nested)};
    while (i_ < s_.size() && s_[i_] == '|') {
      ++i_;
      space(true);
      alts.push_back(sequence(nested));
    }
    return alts;
  }

  Seq sequence(bool nested) {
    Seq seq;
    size_t last = 0;  // where the last symbol starts, for a postfix operator
    auto chars = [](std::vector<std::pair<uint32_t, uint32_t>> r, bool neg) {
      Elem e;
      e.kind = Kind::Chars;
      e.negated = neg;
      e.ranges = std::move(r);
      return e;
    };
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '"') {
        ++i_;
        last = seq.size();
        while (i_ < s_.size() && s_[i_] != '"') {
          const uint32_t cp = character();
          seq.push_back(chars({{cp, cp}}, false));
        }
        if (i_ >= s_.size()) fail(i_, "a closing '\"'");
        ++i_;
      } else if (c == '[') {
        ++i_;
        last = seq.size();
        bool neg = false;
        if (i_ < s_.size() && s_[i_] == '^') neg = true, ++i_;
        std::vector<std::pair<uint32_t, uint32_t>> ranges;
        while (i_ < s_.size() && s_[i_] != ']') {
          const uint32_t lo = character();
          uint32_t hi = lo;
          if (i_ + 1 < s_.size() && s_[i_] == '-' && s_[i_ + 1] != ']') {
            ++i_;
            hi = character();
          }
          ranges.emplace_back(lo, hi);
        }
        if (i_ >= s_.size()) fail(i_, "a closing ']'");
        ++i_;
        seq.push_back(chars(std::move(ranges), neg));
      } else if (c == '.') {
        ++i_;
        last = seq.size();
        seq.push_back(chars({{0, kMaxCodePoint}}, false));
      } else if (word_char(c)) {
        last = seq.size();
        Elem e;
        e.kind = Kind::Ref;
        e.rule = id_of(word());
        seq.push_back(std::move(e));
      } else if (c == '(') {
        ++i_;
        space(true);
        last = seq.size();
        Alts inner = alternatives(true);
        if (i_ >= s_.size() || s_[i_] != ')') fail(i_, "')'");
        ++i_;
        Elem e;
        e.kind = Kind::Ref;
        e.rule = fresh_rule(std::move(inner));
        seq.push_back(std::move(e));
      } else if (c == '*' || c == '+' || c == '?') {
        ++i_;
        repeat(seq, last, c == '+' ? 1 : 0, c == '?' ? 1 : -1);
      } else if (c == '{') {
        ++i_;
        space(false);
        const long m = number();
        long n = m;
        space(false);
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          space(false);
          n = i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9' ? number() : -1;
          space(false);
        }
        if (i_ >= s_.size() || s_[i_] != '}') fail(i_, "'}'");
        ++i_;
        if (n >= 0 && n < m) fail(i_, "{m,n} with m <= n");
        repeat(seq, last, m, n);
      } else {
        break;  // ')', '|', a newline ending the rule, or garbage the caller reports
      }
      space(nested);
    }
    return seq;
  }

  long number() {
    const size_t start = i_;
    long v = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9' && v < 100000)
      v = v * 10 + (s_[i_++] - '0');
    if (i_ == start) fail(i_, "a number");
    return v;
  }

  // The symbol at seq[last..] repeated min..max times (max -1 = unbounded).
  void repeat(Seq& seq, size_t last, long min, long max) {
    if (last >= seq.size()) fail(i_, "an item before the repetition");
    const Seq item(seq.begin() + static_cast<long>(last), seq.end());
    seq.resize(last);
    for (long k = 0; k < min; ++k) seq.insert(seq.end(), item.begin(), item.end());
    const long optional = max < 0 ? 1 : max - min;
    uint32_t previous = 0;
    for (long k = 0; k < optional; ++k) {
      // R ::= item R' | ε, nesting the remaining optional copies; unbounded:
      // R ::= item R | ε.
      const uint32_t id = fresh_rule({});
      Seq body = item;
      if (k > 0 || max < 0) {
        Elem ref;
        ref.kind = Kind::Ref;
        ref.rule = max < 0 ? id : previous;
        body.push_back(std::move(ref));
      }
      rules_[id] = {std::move(body), Seq{}};
      previous = id;
    }
    if (optional > 0) {
      Elem ref;
      ref.kind = Kind::Ref;
      ref.rule = previous;
      seq.push_back(std::move(ref));
    }
  }

  // A rule that can reach itself first thing would make the automaton
  // loop; refused as llama.cpp refuses it: a rule counts as possibly empty
  // only if one of its alternatives is empty (a nullable reference, as in
  // (x*)*, is handled at run time by advance()'s seen set, as llama.cpp does).
  void check_left_recursion() const {
    std::vector<bool> empty(rules_.size(), false);
    for (size_t r = 0; r < rules_.size(); ++r)
      for (const Seq& seq : rules_[r]) empty[r] = empty[r] || seq.empty();
    std::vector<int> mark(rules_.size(), 0);  // 0 new, 1 on the path, 2 done
    std::function<void(uint32_t)> visit = [&](uint32_t r) {
      if (mark[r] == 2) return;
      if (mark[r] == 1) throw std::invalid_argument("GBNF: left recursion through a rule");
      mark[r] = 1;
      for (const Seq& seq : rules_[r])
        for (const Elem& e : seq) {
          if (e.kind != Kind::Ref) break;
          visit(e.rule);
          if (!empty[e.rule]) break;
        }
      mark[r] = 2;
    };
    for (uint32_t r = 0; r < rules_.size(); ++r) visit(r);
  }

  std::shared_ptr<const Rules> flatten(uint32_t root) {
    auto out = std::make_shared<Rules>();
    out->root = root;
    out->alts.resize(rules_.size());
    for (size_t r = 0; r < rules_.size(); ++r)
      for (Seq& seq : rules_[r]) {
        out->alts[r].push_back(static_cast<uint32_t>(out->elems.size()));
        for (Elem& e : seq) {
          std::sort(e.ranges.begin(), e.ranges.end());
          out->elems.push_back(std::move(e));
        }
        out->elems.push_back(Elem{});
      }
    return out;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::map<std::string, uint32_t> ids_;
  std::vector<Alts> rules_;
  std::vector<bool> defined_;
};

}  // namespace

std::shared_ptr<const Rules> parse_gbnf(std::string_view text) {
  return Parser(text).run();
}

// ---- the vocabulary trie --------------------------------------------------

using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;  // sorted, inclusive
struct ClassIndex;

class TokenTrie {
 public:
  struct Node {
    uint32_t first_child = 0, n_children = 0;  // into children
    uint32_t first_token = 0, n_tokens = 0;    // into tokens: ids whose piece ends here
  };
  std::vector<Node> nodes;                             // nodes[0] = root (the empty prefix)
  std::vector<std::pair<uint8_t, uint32_t>> children;  // (byte, node), sorted by byte per node
  std::vector<int32_t> tokens;
  // Per entry of tokens: how many bytes of the token the trie holds (fewer
  // than the piece's in a trie of tails), so that a walk knows where in the
  // piece a node is.
  std::vector<uint16_t> lengths;
  std::vector<uint32_t> tokens_end;  // per node: the end of its subtree's tokens (DFS order)
  std::vector<int32_t> eog;          // the end-of-generation tokens (not in the trie)
  // Per token id, its piece's length (the vocabulary trie's): bulk() reads
  // it for every token of a subtree, where the pieces' headers missed cache.
  std::vector<uint16_t> piece_sizes;
  size_t n_vocab = 0;

  // The vocabulary split by a code-point class (see ClassIndex), built on
  // first use and shared by every masker of this vocabulary.
  mutable std::mutex mu;
  mutable std::map<Ranges, std::shared_ptr<const ClassIndex>> class_indexes;
  // The repetitions, by the code points they are made of (see
  // prepare_indexes()), whose class a masker of this vocabulary has indexed
  // or found none to index: a grammar's strings are most often any
  // grammar's strings.
  mutable std::unordered_set<std::string> foretold;
};

namespace {

// Sorts (bytes, token id) pairs as std::sort would: a radix sort on the
// first eight bytes (most pieces are shorter), then std::sort where those
// tie. Sorting by string comparison was most of the time a tail group's
// trie took, built while a mask waits.
void sort_entries(std::vector<std::pair<std::string_view, int32_t>>& entries) {
  const size_t n = entries.size();
  std::vector<std::pair<uint64_t, uint32_t>> keys(n), moved(n);  // (head, entry)
  for (size_t i = 0; i < n; ++i) {
    uint64_t head = 0;  // big-endian, zero-padded: ordered as the bytes
    const std::string_view p = entries[i].first;
    for (size_t k = 0; k < 8; ++k)
      head = (head << 8) | (k < p.size() ? static_cast<uint8_t>(p[k]) : 0);
    keys[i] = {head, static_cast<uint32_t>(i)};
  }
  for (int shift = 0; shift < 64; shift += 8) {  // stable passes, least significant first
    std::array<size_t, 257> at{};
    for (const auto& k : keys) ++at[((k.first >> shift) & 0xFF) + 1];
    if (std::find(at.begin() + 1, at.end(), n) != at.end()) continue;  // one digit: no move
    for (size_t d = 1; d <= 256; ++d) at[d] += at[d - 1];
    for (const auto& k : keys) moved[at[(k.first >> shift) & 0xFF]++] = k;
    keys.swap(moved);
  }
  std::vector<std::pair<std::string_view, int32_t>> sorted(n);
  for (size_t i = 0; i < n; ++i) sorted[i] = entries[keys[i].second];
  for (size_t i = 0, j = 0; i < n; i = j) {  // runs of one head: longer pieces, or repeats
    while (j < n && keys[j].first == keys[i].first) ++j;
    if (j - i > 1) std::sort(sorted.begin() + i, sorted.begin() + j);
  }
  entries = std::move(sorted);
}

// A trie of `entries` (bytes, token id) over a vocabulary of `n_vocab` ids.
std::shared_ptr<TokenTrie> trie_of(std::vector<std::pair<std::string_view, int32_t>> entries,
                                   size_t n_vocab) {
  // Sorted, the entries visit the trie in depth-first order: each creates
  // the nodes past its common prefix with the previous one, so nodes and
  // their tokens come out in preorder, children in byte order.
  sort_entries(entries);
  auto trie = std::make_shared<TokenTrie>();
  trie->n_vocab = n_vocab;
  trie->nodes.emplace_back();
  struct Edge {
    uint32_t parent;
    uint8_t byte;
    uint32_t child;
  };
  std::vector<Edge> edges;
  std::vector<uint32_t> path{0};  // the node at each depth of the previous entry
  std::string_view prev;
  for (const auto& [p, id] : entries) {
    size_t common = 0;
    while (common < prev.size() && common < p.size() && prev[common] == p[common]) ++common;
    path.resize(common + 1);
    for (size_t i = common; i < p.size(); ++i) {
      const auto k = static_cast<uint32_t>(trie->nodes.size());
      trie->nodes.emplace_back();
      trie->nodes.back().first_token = static_cast<uint32_t>(trie->tokens.size());
      edges.push_back({path.back(), static_cast<uint8_t>(p[i]), k});
      path.push_back(k);
    }
    auto& node = trie->nodes[path.back()];
    if (node.n_tokens == 0) node.first_token = static_cast<uint32_t>(trie->tokens.size());
    ++node.n_tokens;
    trie->tokens.push_back(id);
    trie->lengths.push_back(static_cast<uint16_t>(p.size()));
    prev = p;
  }
  // Children grouped by parent (a counting sort keeps their byte order).
  for (const Edge& e : edges) ++trie->nodes[e.parent].n_children;
  uint32_t at = 0;
  for (auto& n : trie->nodes) n.first_child = at, at += n.n_children;
  trie->children.resize(edges.size());
  std::vector<uint32_t> filled(trie->nodes.size(), 0);
  for (const Edge& e : edges)
    trie->children[trie->nodes[e.parent].first_child + filled[e.parent]++] = {e.byte, e.child};
  // A subtree is a run of nodes in preorder; its tokens a run of `tokens`.
  std::vector<uint32_t> size(trie->nodes.size(), 1);
  for (size_t k = trie->nodes.size(); k-- > 0;)
    for (uint32_t c = 0; c < trie->nodes[k].n_children; ++c)
      size[k] += size[trie->children[trie->nodes[k].first_child + c].second];
  trie->tokens_end.resize(trie->nodes.size());
  for (size_t k = 0; k < trie->nodes.size(); ++k)
    trie->tokens_end[k] = k + size[k] < trie->nodes.size()
                              ? trie->nodes[k + size[k]].first_token
                              : static_cast<uint32_t>(trie->tokens.size());
  return trie;
}

}  // namespace

// A state that stays itself on every code point of a class C (inside a JSON
// string: any character but '"', '\\' and controls) allows every token made
// of C only, and decides the others by their bytes from the first code point
// outside C. So its mask is a precomputed set plus a walk over a small trie
// of those tails, instead of a walk over the whole vocabulary. The same
// holds one ASCII byte into a token (a string's opening quote, a key's
// first character), which `after` covers.
//
// A state that, on every code point of C, moves to one next state (a string
// with a maximum length counts its characters this way) is a chain: tokens
// of C alone are allowed up to the chain's length, and the others' tails are
// walked from the state the chain is in after their C prefix.
//
// Tails are grouped by their first byte, and a group's trie is built the
// first time a state lets that byte through: most groups never are. Tails
// that are whole tokens starting with a byte no code point of C starts with
// are not kept: they are all the tokens starting with that byte, a subtree
// of the vocabulary's trie, walked there (for a class of letters, most
// tokens).
struct Tails {
  std::vector<std::pair<std::string_view, int32_t>> entries;  // (tail, token)
  std::array<bool, 256> whole{};                              // first bytes of whole-token tails
  std::array<uint32_t, 257> start{};  // after finish(): entries of first byte b from start[b]
  std::vector<uint8_t> firsts;        // the first bytes that have tails
  size_t n_vocab = 0;

  // Adds the tail of token `id` from byte `f` of its `piece` on; `foreign`:
  // the first bytes of no code point of C.
  void add(std::string_view piece, size_t f, int32_t id, const std::array<bool, 256>& foreign) {
    const auto b = static_cast<uint8_t>(piece[f]);
    if (f == 0 && foreign[b])
      whole[b] = true;
    else
      entries.emplace_back(piece.substr(f), id);
  }

  // Groups the entries by first byte (once, after the last add).
  void finish() {  // a counting sort
    start.fill(0);
    for (const auto& e : entries) ++start[static_cast<uint8_t>(e.first[0]) + 1];
    for (size_t b = 1; b <= 256; ++b) start[b] += start[b - 1];
    std::vector<std::pair<std::string_view, int32_t>> sorted(entries.size());
    std::array<uint32_t, 256> next;
    std::copy(start.begin(), start.end() - 1, next.begin());
    for (const auto& e : entries) sorted[next[static_cast<uint8_t>(e.first[0])]++] = e;
    entries = std::move(sorted);
    // (A byte that begins no UTF-8 sequence never follows a finished code
    // point: its tails are left out rather than tried at every walk.)
    for (size_t b = 0; b < 256; ++b)
      if ((start[b] != start[b + 1] || whole[b]) && utf8_length(static_cast<uint8_t>(b)) != 0)
        firsts.push_back(static_cast<uint8_t>(b));
  }
  bool empty(uint8_t b) const { return start[b] == start[b + 1]; }
  void build_all() const {
    for (const uint8_t b : firsts) trie(b);
  }
  const TokenTrie* trie(uint8_t b) const {
    std::call_once(built_[b], [&] {
      if (!empty(b))
        tries_[b] = trie_of({entries.begin() + start[b], entries.begin() + start[b + 1]}, n_vocab);
    });
    return tries_[b].get();
  }

 private:
  mutable std::array<std::shared_ptr<const TokenTrie>, 256> tries_;
  mutable std::array<std::once_flag, 256> built_;
};

struct ClassIndex {
  static constexpr size_t kChain = 32;  // chain steps indexed; longer tokens are checked one by one
  std::vector<uint64_t> all;            // tokens whose code points all lie in C
  Tails tails;                          // the others, from their first code point outside C
  std::array<std::vector<int32_t>, 128> all_after;  // first byte b, then only C
  std::vector<uint64_t> all_after_ascii;            // all_after[b] of every b, as a mask
  std::array<std::unique_ptr<Tails>, 128> tails_after;
  // The same after a first code point past ASCII (any: states before a loop
  // treat them all alike), tails from the next code point outside C.
  std::vector<uint64_t> all_after_wide;
  Tails tails_after_wide;
  std::vector<int32_t> wide_other;  // a lead byte past ASCII, then no whole valid code point
  std::vector<std::vector<uint64_t>> up_to;      // [n]: tokens of at most n code points, all in C
  std::vector<std::unique_ptr<Tails>> tails_at;  // [j]: tails after j code points of C
  // The rest, more than kChain code points of C before leaving it (runs of
  // spaces or dashes): a trie of what follows their first kChain code
  // points, walked from the state a chain is in after as many (their
  // prefixes are shared: a tenth of their bytes).
  std::shared_ptr<const TokenTrie> long_rests;
  // Per token: the byte offset just past its last code point outside C (0:
  // none; 255: not valid UTF-8 or too long), so that a token entered at
  // byte d in a state looping on C is allowed if this is at most d.
  std::vector<uint8_t> last_out;

  // all_after[b] as a mask, built on first use: a key's start lets most
  // bytes through, and OR-ing whole words beats setting thousands of bits.
  const std::vector<uint64_t>& all_after_bits(uint8_t b) const {
    std::call_once(after_bits_built_[b], [&] {
      after_bits_[b].assign(all.size(), 0);
      for (const int32_t t : all_after[b])
        after_bits_[b][static_cast<size_t>(t) >> 6] |= 1ull << (t & 63);
    });
    return after_bits_[b];
  }

 private:
  mutable std::array<std::vector<uint64_t>, 128> after_bits_;
  mutable std::array<std::once_flag, 128> after_bits_built_;
};

namespace {

// Token masks: one bit per token id.
void set_bit(std::vector<uint64_t>& bits, size_t t) {
  bits[t >> 6] |= 1ull << (t & 63);
}
void or_into(std::vector<uint64_t>& bits, const std::vector<uint64_t>& more) {
  for (size_t w = 0; w < bits.size(); ++w) bits[w] |= more[w];
}

bool in_ranges(const Ranges& r, uint32_t cp) {
  auto it = std::upper_bound(r.begin(), r.end(), std::make_pair(cp, UINT32_MAX));
  return it != r.begin() && std::prev(it)->second >= cp;
}

// A code-point class with ASCII looked up in a table (most code points of a
// vocabulary) rather than searched among the ranges.
struct ClassTest {
  explicit ClassTest(const Ranges& c) : ranges(c) {
    for (uint32_t cp = 0; cp < 128; ++cp) ascii[cp] = in_ranges(c, cp);
  }
  bool operator()(uint32_t cp) const { return cp < 128 ? ascii[cp] : in_ranges(ranges, cp); }
  const Ranges& ranges;
  std::array<bool, 128> ascii{};
};

const Ranges kAnyCodePoint = {{0, 0x10FFFF}};

// Class indexes kept per vocabulary (a few MB each), at most; those built
// when a grammar is compiled, rather than when a mask asks, stop short of
// it, so that classes no repetition foretold still find room.
constexpr size_t kMaxClassIndexes = 64;
constexpr size_t kMaxForetoldIndexes = 48;

// The byte offset in `p`, from `from`, of the first code point that is not a
// valid, complete one in `c` (p.size() if none); `count` gets how many
// code points of `c` come before it.
size_t first_outside(std::string_view p, size_t from, const ClassTest& c, size_t* count = nullptr) {
  size_t i = from;
  if (count) *count = 0;
  while (i < p.size()) {
    const auto b = static_cast<uint8_t>(p[i]);
    if (b < 0x80) {  // the common case, without decoding
      if (!c.ascii[b]) return i;
      ++i;
      if (count) ++*count;
      continue;
    }
    const int n = utf8_length(b);
    if (n == 0 || i + n > p.size()) return i;
    uint32_t cp = b & (0x7F >> n);
    for (int k = 1; k < n; ++k) {
      const auto x = static_cast<uint8_t>(p[i + k]);
      if ((x >> 6) != 2) return i;
      cp = (cp << 6) | (x & 0x3F);
    }
    if (!valid_code_point(cp, n) || !c(cp)) return i;
    i += n;
    if (count) ++*count;
  }
  return i;
}

// The byte offset in `p` past its first `n` code points (valid UTF-8).
size_t past_code_points(std::string_view p, size_t n) {
  size_t i = 0;
  for (; n > 0; --n) i += static_cast<size_t>(utf8_length(static_cast<uint8_t>(p[i])));
  return i;
}

// The bytes that begin no code point of `c` (continuation bytes and invalid
// leads begin none), so that every token starting with one is outside C
// from its first byte.
std::array<bool, 256> foreign_bytes(const Ranges& c) {
  std::array<bool, 256> out;
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t lo = b, hi = b;  // the code points of sequences led by b
    if (b >= 0xC2 && b <= 0xDF)
      lo = (b & 0x1F) << 6, hi = lo + 0x3F;
    else if (b >= 0xE0 && b <= 0xEF)
      lo = (b & 0x0F) << 12, hi = lo + 0xFFF;
    else if (b >= 0xF0 && b <= 0xF4)
      lo = (b & 0x07) << 18, hi = lo + 0x3FFFF;
    const bool leads = b < 0x80 || (b >= 0xC2 && b <= 0xF4);
    out[b] = true;
    if (leads)
      for (const auto& [a, z] : c) out[b] = out[b] && !(a <= hi && z >= lo);
  }
  return out;
}

// The index of class `c` over `vocab`, built if fewer than `room` classes are
// indexed (null otherwise).
std::shared_ptr<const ClassIndex> class_index(const TokenTrie& trie, const Vocabulary& vocab,
                                              const Ranges& c, size_t room = kMaxClassIndexes) {
  std::lock_guard lk(trie.mu);
  if (auto it = trie.class_indexes.find(c); it != trie.class_indexes.end()) return it->second;
  if (trie.class_indexes.size() >= room) return nullptr;  // a bound on memory
  auto ci = std::make_shared<ClassIndex>();
  const size_t words = (vocab.pieces.size() + 63) / 64;
  ci->all.assign(words, 0);
  ci->up_to.assign(ClassIndex::kChain + 1, std::vector<uint64_t>(words, 0));
  const size_t n_vocab = vocab.pieces.size();
  auto tails_of = [&](std::unique_ptr<Tails>& t) -> Tails& {
    if (!t) t = std::make_unique<Tails>(), t->n_vocab = n_vocab;
    return *t;
  };
  ci->tails.n_vocab = n_vocab;
  ci->tails_after_wide.n_vocab = n_vocab;
  ci->all_after_wide.assign(words, 0);
  ci->tails_at.resize(ClassIndex::kChain + 1);
  ci->last_out.assign(n_vocab, 0);
  const ClassTest in_c(c);
  static const ClassTest any(kAnyCodePoint);
  const std::array<bool, 256> foreign = foreign_bytes(c);
  std::vector<std::pair<std::string_view, int32_t>> long_rests;
  for (size_t t = 0; t < vocab.pieces.size(); ++t) {
    const std::string_view p = vocab.pieces[t];
    if (p.empty() || (t < vocab.eog.size() && vocab.eog[t])) continue;
    const auto id = static_cast<int32_t>(t);
    size_t n = 0;
    const size_t f = first_outside(p, 0, in_c, &n);
    if (n > ClassIndex::kChain)
      long_rests.emplace_back(p.substr(past_code_points(p, ClassIndex::kChain)), id);
    else if (f == p.size())
      set_bit(ci->up_to[n], t);  // made cumulative below
    else
      tails_of(ci->tails_at[n]).add(p, f, id, foreign);
    if (f == p.size())
      set_bit(ci->all, t);
    else
      ci->tails.add(p, f, id, foreign);
    size_t last = 0;
    for (size_t at = f; at < p.size(); at = first_outside(p, at, in_c)) {
      const auto lead = static_cast<uint8_t>(p[at]);
      const size_t n = static_cast<size_t>(utf8_length(lead));
      last = n == 0 || at + n > p.size() ? 255 : at + n;
      if (last >= 255) break;
      at += n;
      if (at >= p.size()) break;
    }
    ci->last_out[t] = static_cast<uint8_t>(std::min<size_t>(last, 255));
    // After the first code point, the tail starts where the first scan
    // stopped if that code point is in C (f > 0).
    const auto b = static_cast<uint8_t>(p[0]);
    if (b >= 0x80) {
      // The first code point, if a valid one past ASCII: its length.
      const int n = utf8_length(b);
      if (n == 0) continue;  // a continuation byte first: never allowed where a code point begins
      if (first_outside(p.substr(0, std::min<size_t>(n, p.size())), 0, any) !=
          static_cast<size_t>(n)) {
        ci->wide_other.push_back(id);
        continue;
      }
      if (const size_t f1 = f > 0 ? f : first_outside(p, n, in_c); f1 == p.size())
        set_bit(ci->all_after_wide, t);
      else
        ci->tails_after_wide.add(p, f1, id, foreign);
      continue;
    }
    if (const size_t f1 = f > 0 ? f : first_outside(p, 1, in_c); f1 == p.size())
      ci->all_after[b].push_back(id);
    else
      tails_of(ci->tails_after[b]).add(p, f1, id, foreign);
  }
  ci->long_rests = trie_of(std::move(long_rests), n_vocab);
  ci->all_after_ascii.assign(words, 0);
  for (const auto& list : ci->all_after)
    for (const int32_t t : list) set_bit(ci->all_after_ascii, static_cast<size_t>(t));
  for (size_t k = 1; k <= ClassIndex::kChain; ++k) or_into(ci->up_to[k], ci->up_to[k - 1]);
  ci->tails.finish();
  ci->tails_after_wide.finish();
  for (auto& t : ci->tails_at)
    if (t) t->finish();
  for (auto& t : ci->tails_after)
    if (t) t->finish();
  trie.class_indexes.emplace(c, ci);
  return ci;
}

}  // namespace

std::shared_ptr<const TokenTrie> build_trie(const Vocabulary& vocab) {
  std::vector<std::pair<std::string_view, int32_t>> entries;
  for (size_t t = 0; t < vocab.pieces.size(); ++t)
    if (!vocab.pieces[t].empty() && !(t < vocab.eog.size() && vocab.eog[t]))
      entries.emplace_back(vocab.pieces[t], static_cast<int32_t>(t));
  auto trie = trie_of(entries, vocab.pieces.size());
  trie->piece_sizes.resize(vocab.pieces.size());
  for (size_t t = 0; t < vocab.pieces.size(); ++t)
    trie->piece_sizes[t] = static_cast<uint16_t>(vocab.pieces[t].size());
  for (size_t t = 0; t < vocab.eog.size(); ++t)
    if (vocab.eog[t]) trie->eog.push_back(static_cast<int32_t>(t));
  // The class every JSON string and key loops on (the unescaped characters
  // of the schema compiler's `schar`/`kchar`), indexed with the vocabulary
  // rather than on a grammar's first string, its tail groups too.
  const auto json =
      class_index(*trie, vocab, {{0x20, 0x21}, {0x23, 0x5B}, {0x5D, 0x7E}, {0x80, 0x10FFFF}});
  json->tails.build_all();
  json->tails_after_wide.build_all();
  for (const auto& t : json->tails_after)
    if (t) t->build_all();
  return trie;
}

// ---- the masker ------------------------------------------------------------

namespace {

// (Polymorphic allocators: an interned set's stacks come from the masker's
// arena, not a heap block each; a key start's new set held a hundred.)
using Stack = std::pmr::vector<uint32_t>;  // element indices; back() = the next to match
using StackSet = std::pmr::vector<Stack>;  // sorted, unique

// An unfinished UTF-8 code point: its value bits so far, how many
// continuation bytes follow and the sequence's length. Only valid UTF-8 is
// followed — no overlong forms, surrogates or code points past U+10FFFF —
// where llama.cpp's grammar would take such bytes as a character (which the
// engine's UTF-8 sanitizer then prints as U+FFFD, breaking e.g. maxLength).
struct Partial {
  uint32_t bits = 0;
  uint8_t need = 0;  // 0 = none pending
  uint8_t len = 0;   // bytes of the whole sequence
  uint32_t key() const { return (bits << 8) | (need << 4) | len; }
};

// A byte per 64-bit key (never ~0), in open addressing: the walk asks it
// at nearly every node ending a token inside a code point, where
// std::unordered_map's node allocations cost more than the answer.
class FlatMemo {
 public:
  uint8_t& operator[](uint64_t key) {
    if (2 * (used_ + 1) > keys_.size()) grow();
    size_t i = slot(key);
    if (keys_[i] == kEmpty) keys_[i] = key, ++used_;
    return values_[i];
  }

 private:
  static constexpr uint64_t kEmpty = ~0ull;
  size_t slot(uint64_t key) const {
    const size_t mask = keys_.size() - 1;
    uint64_t h = key ^ (key >> 29);  // the set's bits mixed into the low ones
    h *= 0x9E3779B97F4A7C15ull;
    size_t i = static_cast<size_t>(h ^ (h >> 32)) & mask;
    while (keys_[i] != kEmpty && keys_[i] != key) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<uint64_t> keys = std::move(keys_);
    std::vector<uint8_t> values = std::move(values_);
    keys_.assign(std::max<size_t>(64, 2 * keys.size()), kEmpty);
    values_.assign(keys_.size(), 0);
    for (size_t k = 0; k < keys.size(); ++k)
      if (keys[k] != kEmpty) {
        const size_t i = slot(keys[k]);
        keys_[i] = keys[k], values_[i] = values[k];
      }
  }
  std::vector<uint64_t> keys_;
  std::vector<uint8_t> values_;
  size_t used_ = 0;
};

constexpr size_t kMaxCachedMasks = 256;  // ~19 KB each at a 152k vocabulary

}  // namespace

struct TokenMasker::Impl {
  std::shared_ptr<const Rules> rules;
  std::shared_ptr<const TokenTrie> trie;
  std::shared_ptr<const Vocabulary> vocab;

  std::pmr::monotonic_buffer_resource arena;  // the interned sets' memory, freed with the masker
  std::vector<StackSet> sets;                 // sets[0] = the empty set (no parse left)
  // Interned sets by a hash of their stacks (a std::map compared whole sets
  // at every level and kept a second copy of each).
  std::unordered_multimap<uint64_t, uint32_t> set_ids;
  // The move of each set on each ASCII byte, the bulk of token bytes, as a
  // table (kUnknown until computed); past ASCII, per cell (wide_moves).
  static constexpr uint32_t kUnknown = UINT32_MAX;
  std::vector<std::array<uint32_t, 128>> ascii_moves;
  std::vector<std::pair<uint32_t, Partial>> states;
  std::unordered_map<uint64_t, State> state_ids;  // (set << 32 | partial key) -> state
  std::unordered_map<State, std::vector<uint64_t>> masks;
  Stats stats;

  static uint64_t hash_of(StackSet::const_iterator b, StackSet::const_iterator e) {
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the elements, a mark after each stack
    for (; b != e; ++b) {
      for (const uint32_t x : *b) h = (h ^ x) * 0x100000001b3ull;
      h = (h ^ 0xFFFFFFFFull) * 0x100000001b3ull;
    }
    return h;
  }

  // Interns the set of the stacks in out_ (emptied): a set met before
  // costs no allocation.
  uint32_t intern_out() {
    const auto b = out_.begin();
    std::sort(b, b + n_out_);
    const auto e = std::unique(b, b + n_out_);
    n_out_ = 0;
    const uint64_t h = hash_of(b, e);
    for (auto [it, end] = set_ids.equal_range(h); it != end; ++it)
      if (std::equal(sets[it->second].begin(), sets[it->second].end(), b, e)) return it->second;
    const auto id = static_cast<uint32_t>(sets.size());
    set_ids.emplace(h, id);
    sets.emplace_back(b, e, &arena);
    return id;
  }

  State state(uint32_t set, Partial p) {
    if (set == 0) return kDead;
    const uint64_t key = (static_cast<uint64_t>(set) << 32) | p.key();
    auto [it, fresh] = state_ids.try_emplace(key, static_cast<State>(states.size()));
    if (fresh) states.emplace_back(set, p);
    return it->second;
  }

  // Expands references at the top of `s` until each stack waits for a
  // character (or is empty: the match is complete). A stack met twice is
  // expanded once, which ends the loop a nullable repetition would make.
  void advance(const Stack& s) {
    todo_slot() = s;
    expand();
  }

  // Scratch stacks for expand(), kept with their capacity between calls:
  // first visits of key states spent most of their time allocating them.
  std::vector<Stack> todo_, seen_;
  size_t n_todo_ = 0;
  Stack cur_;
  StackSet out_;  // expand()'s output: out_[0, n_out_)
  size_t n_out_ = 0;
  Stack& todo_slot() {
    if (n_todo_ == todo_.size()) todo_.emplace_back();
    Stack& t = todo_[n_todo_++];
    t.clear();
    return t;
  }

  // advance() of the stacks in todo_ (emptied), into out_.
  void expand() {
    size_t n_seen = 0;  // the stacks expanded, in seen_ (few: a linear search)
    while (n_todo_ > 0) {
      const Stack& top = todo_[n_todo_ - 1];
      // A stack waiting for a character goes out as is (intern() drops
      // repeats); only a reference met twice would loop.
      if (top.empty() || rules->elems[top.back()].kind != Kind::Ref) {
        if (n_out_ == out_.size()) out_.emplace_back();
        out_[n_out_++] = top;
        --n_todo_;
        continue;
      }
      if (std::find(seen_.begin(), seen_.begin() + n_seen, top) != seen_.begin() + n_seen) {
        --n_todo_;
        continue;
      }
      if (n_seen == seen_.size()) seen_.emplace_back();
      seen_[n_seen++] = top;
      cur_ = top;  // (todo_slot() may move todo_'s stacks)
      --n_todo_;
      const uint32_t pos = cur_.back();
      cur_.pop_back();
      if (rules->elems[pos + 1].kind != Kind::End) cur_.push_back(pos + 1);
      for (uint32_t alt : rules->alts[rules->elems[pos].rule]) {
        Stack& t = todo_slot();
        t = cur_;
        if (rules->elems[alt].kind != Kind::End) t.push_back(alt);
      }
    }
  }

  uint32_t move(uint32_t set, uint32_t cp) {
    if (cp < 128) {
      if (ascii_moves.size() <= set) ascii_moves.resize(sets.size(), filled(kUnknown));
      if (ascii_moves[set][0] == kUnknown) fill_ascii(set);
      return ascii_moves[set][cp];
    }
    // Past ASCII, code points between two range bounds of the waiting
    // elements move alike: one move per such cell, found by its upper end.
    if (wide_moves.size() <= set) wide_moves.resize(sets.size());
    auto& row = wide_moves[set];
    if (row.empty())
      for (const auto& [lo, hi] : cells(set))
        if (hi >= 0x80) row.emplace_back(hi, compute_move(set, std::max<uint32_t>(lo, 0x80)));
    auto it = std::lower_bound(row.begin(), row.end(), std::make_pair(cp, 0u));
    return it == row.end() ? 0 : it->second;
  }
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> wide_moves;  // per set: (cell end, set)

  // Every ASCII move of `set` at once: the bytes are split into groups that
  // every waiting element takes or refuses alike (a partition refined by
  // each element's ASCII bytes as a 128-bit mask; inside a string, nearly
  // every byte falls in one group), and each group moves once.
  void fill_ascii(uint32_t set) {
    const size_t n = sets[set].size();
    stack_bytes_.resize(n);
    std::array<Bytes, 128> groups;
    size_t n_groups = 1;
    groups[0] = {~0ull, ~0ull};
    for (size_t i = 0; i < n; ++i) {
      const Stack& st = sets[set][i];
      const Bytes m = st.empty() ? Bytes{0, 0} : ascii_bytes(rules->elems[st.back()]);
      stack_bytes_[i] = m;
      if (i > 0 && m == stack_bytes_[i - 1]) continue;  // (refines nothing more)
      for (size_t k = 0, end = n_groups; k < end; ++k) {
        const Bytes in = {groups[k][0] & m[0], groups[k][1] & m[1]};
        const Bytes out = {groups[k][0] & ~m[0], groups[k][1] & ~m[1]};
        if ((in[0] | in[1]) && (out[0] | out[1])) groups[k] = in, groups[n_groups++] = out;
      }
    }
    std::array<uint32_t, 128> row;
    for (size_t k = 0; k < n_groups; ++k) {
      // The stacks the group takes: those its lowest byte matches.
      const uint32_t f = groups[k][0] ? static_cast<uint32_t>(__builtin_ctzll(groups[k][0]))
                                      : 64 + static_cast<uint32_t>(__builtin_ctzll(groups[k][1]));
      for (size_t i = 0; i < n; ++i)
        if ((stack_bytes_[i][f >> 6] >> (f & 63)) & 1)
          past_top(sets[set][i]);  // (re-read: intern() grows `sets`)
      const uint32_t to = n_out_ == 0 ? 0u : intern_out();
      for (uint32_t h = 0; h < 2; ++h)
        for (uint64_t m = groups[k][h]; m; m &= m - 1)
          row[64 * h + static_cast<uint32_t>(__builtin_ctzll(m))] = to;
    }
    if (ascii_moves.size() < sets.size()) ascii_moves.resize(sets.size(), filled(kUnknown));
    ascii_moves[set] = row;
  }
  using Bytes = std::array<uint64_t, 2>;  // a set of ASCII bytes
  std::vector<Bytes> stack_bytes_;        // fill_ascii()'s scratch: each stack's bytes

  // The ASCII bytes element `e` matches.
  static Bytes ascii_bytes(const Elem& e) {
    Bytes in = {0, 0};
    for (const auto& [lo, hi] : e.ranges) {
      if (lo >= 128) break;  // (sorted)
      const uint32_t top = std::min<uint32_t>(hi, 127);
      for (uint32_t h = 0; h < 2; ++h) {  // the range's part in word h, as a run of bits
        const uint32_t a = std::max(lo, 64 * h), z = std::min(top, 64 * h + 63);
        if (a > z) continue;
        const uint32_t len = z - a + 1;
        in[h] |= (len == 64 ? ~0ull : ((1ull << len) - 1)) << (a - 64 * h);
      }
    }
    if (e.negated) in = {~in[0], ~in[1]};
    return in;
  }

  // Whether some element `set` waits on satisfies `pred`, memoized in `memo`
  // (per set: -1 unknown, 0 no, 1 yes).
  template <class Pred>
  bool some_waiting(std::vector<int8_t>& memo, uint32_t set, Pred pred) {
    if (memo.size() <= set) memo.resize(sets.size(), -1);
    if (memo[set] < 0) {
      bool any = false;
      for (const Stack& st : sets[set]) any = any || (!st.empty() && pred(rules->elems[st.back()]));
      memo[set] = any;
    }
    return memo[set] == 1;
  }

  // Whether some element `set` waits on may match a code point past ASCII.
  std::vector<int8_t> wide;
  bool takes_wide(uint32_t set) {
    return some_waiting(wide, set,
                        [&](const auto& e) { return rules->matches_some(e, 0x80, kMaxCodePoint); });
  }

  // Whether some element `set` waits on matches every code point past ASCII.
  std::vector<int8_t> all_wide;
  bool takes_all_wide(uint32_t set) {
    return some_waiting(all_wide, set, [&](const auto& e) { return !rules->matches_some_not(e); });
  }

  static std::array<uint32_t, 128> filled(uint32_t v) {
    std::array<uint32_t, 128> a;
    a.fill(v);
    return a;
  }

  // The stacks after `st`'s top element matched a code point, into out_.
  void past_top(const Stack& st) {
    Stack& t = todo_slot();
    t.assign(st.begin(), st.end() - 1);
    if (rules->elems[st.back() + 1].kind != Kind::End) t.push_back(st.back() + 1);
    expand();
  }

  uint32_t compute_move(uint32_t set, uint32_t cp) {
    for (const Stack& s : sets[set])
      if (!s.empty() && rules->matches(rules->elems[s.back()], cp)) past_top(s);
    return n_out_ == 0 ? 0 : intern_out();
  }

  // The valid code points the unfinished `p` may still become (lo > hi: none).
  static std::pair<uint32_t, uint32_t> span(const Partial& p) {
    const uint32_t lo = std::max(p.bits << (6 * p.need), kMinOfLength[p.len]);
    const uint32_t hi =
        std::min((p.bits << (6 * p.need)) | ((1u << (6 * p.need)) - 1), kMaxCodePoint);
    if (lo >= 0xD800 && hi <= 0xDFFF) return {1, 0};  // surrogates only
    return {lo, hi};
  }

  // may_end_in(), memoized (bit 0: may end, bit 1: known).
  FlatMemo partial_memo;
  bool may_end(uint32_t set, const Partial& p) {
    // Inside a string nearly every set takes any code point past ASCII:
    // then any valid unfinished one may end a token, with no lookup.
    if (takes_all_wide(set)) {
      const auto [lo, hi] = span(p);
      return lo <= hi;
    }
    const uint64_t key = (static_cast<uint64_t>(set) << 32) | p.key();
    uint8_t& f = partial_memo[key];
    if (!f) f = 2 | (may_end_in(set, p) ? 1 : 0);
    return f & 1;
  }

  // True if some continuation of `p` can still match (the walk's pruning):
  // some cell of the set's wide moves within its span leads on.
  bool viable(uint32_t set, const Partial& p) {
    const auto [lo, hi] = span(p);
    if (lo > hi) return false;
    move(set, 0x80);  // fills wide_moves[set]
    const auto& row = wide_moves[set];
    for (auto it = std::lower_bound(row.begin(), row.end(), std::make_pair(lo, 0u));
         it != row.end(); ++it) {
      if (it->second != 0) return true;
      if (it->first >= hi) break;
    }
    return false;
  }

  // True if a token may end inside `p`: llama.cpp's rule, which for a
  // negated class asks that no excluded code point be reachable.
  bool may_end_in(uint32_t set, const Partial& p) const {
    const auto [lo, hi] = span(p);
    if (lo > hi) return false;
    for (const Stack& s : sets[set]) {
      if (s.empty()) continue;
      const Elem& e = rules->elems[s.back()];
      bool overlap = false;
      for (const auto& [a, b] : e.ranges) overlap = overlap || (a <= hi && b >= lo);
      if (overlap != e.negated) return true;
    }
    return false;
  }

  // One byte more: false if no parse survives it.
  bool step(uint32_t& set, Partial& p, uint8_t b) {
    if (p.need == 0) {
      if (b < 0x80) {
        // (The table inline: nearly every step of a walk is one lookup.)
        set = set < ascii_moves.size() && ascii_moves[set][0] != kUnknown ? ascii_moves[set][b]
                                                                          : move(set, b);
        return set != 0;
      }
      const int n = utf8_length(b) - 1;             // continuation bytes still to come
      if (n < 1 || !takes_wide(set)) return false;  // a continuation byte, an invalid lead
      p = {static_cast<uint32_t>(b & ((1 << (6 - n)) - 1)), static_cast<uint8_t>(n),
           static_cast<uint8_t>(n + 1)};
    } else {
      if ((b >> 6) != 2) return false;
      p.bits = (p.bits << 6) | (b & 0x3F);
      if (--p.need == 0) {
        const uint32_t cp = p.bits;
        const bool valid = valid_code_point(cp, p.len);
        p = {};
        if (!valid) return false;
        set = move(set, cp);
        return set != 0;
      }
    }
    return viable(set, p);
  }

  // The tokens under `node` of `tr` (its bytes `depth` long) allowed from
  // (set, p); at the root (depth 0) the caller has dealt with the set.
  void walk(const TokenTrie& tr, uint32_t node, uint32_t set, Partial p,
            std::vector<uint64_t>& bits, uint32_t depth) {
    const TokenTrie::Node& n = tr.nodes[node];
    if (depth > 0 && p.need == 0 && worth_bulk(tr, node))
      if (const ClassIndex* ci = walk_loop_index(set)) return bulk(tr, node, depth, set, *ci, bits);
    // (The token count first: most nodes end no token, and may_end() is a lookup.)
    if (n.n_tokens != 0 && node != 0 && (p.need == 0 || may_end(set, p)))
      for (uint32_t k = 0; k < n.n_tokens; ++k) {
        const int32_t t = tr.tokens[n.first_token + k];
        set_bit(bits, static_cast<size_t>(t));
      }
    for (uint32_t k = 0; k < n.n_children; ++k) {
      const auto& [b, child] = tr.children[n.first_child + k];
      uint32_t s = set;
      Partial q = p;
      if (step(s, q, b)) walk(tr, child, s, q, bits, depth + 1);
    }
  }

  // loop_index() where some ASCII byte moves `set` to itself, memoized per
  // set (walks ask at most nodes).
  std::vector<const ClassIndex*> walk_indexes_;
  std::vector<bool> walk_known_;
  const ClassIndex* walk_loop_index(uint32_t set) {
    if (set < walk_known_.size() && walk_known_[set]) return walk_indexes_[set];
    const ClassIndex* ci = loops_on_ascii(set) ? loop_index(set) : nullptr;
    if (walk_known_.size() <= set) {
      walk_known_.resize(sets.size(), false);
      walk_indexes_.resize(sets.size(), nullptr);
    }
    walk_known_[set] = true;
    return walk_indexes_[set] = ci;
  }

  // Whether some ASCII byte moves `set` to itself: inside a token, a loop on
  // code points past ASCII alone saves little (its tokens are mostly ASCII,
  // stepped one by one in bulk()), and telling one apart would cost every
  // new set of a walk its moves past ASCII.
  bool loops_on_ascii(uint32_t set) {
    move(set, 0);  // fills ascii_moves[set]
    const auto& row = ascii_moves[set];
    return std::find(row.begin(), row.end(), set) != row.end();
  }

  // Whether the subtree of `node` is large enough that asking if its set
  // loops pays: a new set's moves (what loop_index() needs) cost more than
  // walking a few tokens, and at a leaf, the set is most often never met
  // again.
  static bool worth_bulk(const TokenTrie& tr, uint32_t node) {
    return tr.tokens_end[node] - tr.nodes[node].first_token >= kMinBulk;
  }
  static constexpr uint32_t kMinBulk = 4;

  // The tokens under node `node` of `tr` (its bytes `depth` long) in a set
  // that loops on class index `ci`'s class: those whose later code points
  // all lie in the class at once, the rest by stepping their remaining bytes.
  void bulk(const TokenTrie& tr, uint32_t node, uint32_t depth, uint32_t set, const ClassIndex& ci,
            std::vector<uint64_t>& bits) {
    for (uint32_t i = tr.nodes[node].first_token; i < tr.tokens_end[node]; ++i) {
      const auto t = static_cast<size_t>(tr.tokens[i]);
      const size_t at = trie->piece_sizes[t] - tr.lengths[i] + depth;  // the node's end
      if (ci.last_out[t] <= at || accepts(set, {}, std::string_view(vocab->pieces[t]).substr(at)))
        set_bit(bits, t);
    }
  }

  // walk() over `t`: for each first byte `set` lets through, that group's
  // trie, and the vocabulary trie's subtree of the byte for whole tokens.
  void walk_tails(const Tails& t, uint32_t set, std::vector<uint64_t>& bits) {
    const TokenTrie::Node& root = trie->nodes[0];
    const auto first = trie->children.begin() + root.first_child;
    for (const uint8_t b : t.firsts) {
      uint32_t s = set;
      Partial q;
      if (!step(s, q, b)) continue;
      if (t.whole[b]) {
        const auto child =
            std::lower_bound(first, first + root.n_children, std::pair<uint8_t, uint32_t>(b, 0));
        walk(*trie, child->second, s, q, bits, 1);
      }
      if (!t.empty(b)) walk(*t.trie(b), 0, set, {}, bits, 0);
    }
  }

  // The mask of (set, p): from a class index where the state loops on a
  // class (at the start, or after one ASCII byte), else by walking the trie.
  void mask(uint32_t set, Partial p, std::vector<uint64_t>& bits) {
    if (p.need == 0) {
      if (const ClassIndex* ci = loop_index(set)) {
        or_into(bits, ci->all);
        walk_tails(ci->tails, set, bits);
        return;
      }
      if (const Chain& ch = chain(set); !ch.states.empty()) {
        const ClassIndex& ci = *index_of(set);
        // states.size() - 1 code points of the class fit (at least, if open).
        const size_t fit = ch.open ? ClassIndex::kChain : ch.states.size() - 1;
        or_into(bits, ci.up_to[fit]);
        for (size_t j = 0; j <= fit; ++j)
          if (ci.tails_at[j])
            walk_tails(*ci.tails_at[j], ch.states[std::min(j, ch.states.size() - 1)], bits);
        // A chain shorter than kChain + 1 fits no long token; a longer one
        // (or one ending in a loop) is in the same state after the first
        // kChain code points of any.
        if (ch.open)
          walk(*ci.long_rests, 0, ch.states[std::min(ClassIndex::kChain, ch.states.size() - 1)], {},
               bits, 0);
        return;
      }
    }
    // (First: it writes the mask whole.)
    const ClassIndex* common = p.need == 0 ? ascii_firsts(set, bits) : nullptr;
    // Every code point past ASCII leading to one loop: tokens starting with
    // one come from that loop's class index too.
    const ClassIndex* wide = nullptr;
    if (p.need == 0 && takes_wide(set)) {
      const uint32_t to = alike_move(set, {{0x80, kMaxCodePoint}});
      if (to != 0 && to != kUnknown) wide = loop_index(to);
      if (wide) {
        or_into(bits, wide->all_after_wide);
        walk_tails(wide->tails_after_wide, to, bits);
        for (const int32_t t : wide->wide_other)
          if (accepts(set, p, vocab->pieces[static_cast<size_t>(t)]))
            set_bit(bits, static_cast<size_t>(t));
      }
    }
    const TokenTrie::Node& root = trie->nodes[0];
    for (uint32_t k = 0; k < root.n_children; ++k) {
      const auto& [b, child] = trie->children[root.first_child + k];
      if (wide && b >= 0x80) continue;  // done above
      uint32_t s = set;
      Partial q = p;
      if (p.need == 0 && b < 0x80) {
        s = first_sets_[b];
        if (s == 0) continue;
        if (const ClassIndex* ci = first_indexes_[b]) {
          if (ci != common) {
            if (cost_of(*ci, b, bits.size()) >= bits.size() / 4)
              or_into(bits, ci->all_after_bits(b));
            else
              for (const int32_t t : ci->all_after[b]) set_bit(bits, static_cast<size_t>(t));
          }
          if (ci->tails_after[b]) walk_tails(*ci->tails_after[b], s, bits);
          continue;
        }
      } else if (!step(s, q, b)) {
        continue;
      }
      walk(*trie, child, s, q, bits, 1);
    }
  }

  // Setting the tokens of all_after[b], in list entries: one per token, or
  // a quarter of a mask's words OR-ed at once (a long list).
  static size_t cost_of(const ClassIndex& ci, uint8_t b, size_t words) {
    return std::min(ci.all_after[b].size(), words / 4);
  }

  // The state after each ASCII byte (first_sets_, 0: none goes on) and the
  // class index it loops on (first_indexes_). At a key's start most bytes
  // lead to one loop (any other key's characters): then their tokens, most
  // of the vocabulary, are copied as one mask with those of the few other
  // bytes cleared, which beats setting them byte by byte. Returns that
  // loop's index if so (`bits` holds its tokens), else null.
  std::array<uint32_t, 128> first_sets_;
  std::array<const ClassIndex*, 128> first_indexes_;
  const ClassIndex* ascii_firsts(uint32_t set, std::vector<uint64_t>& bits) {
    std::array<const ClassIndex*, 4> seen{};  // the indexes met (rarely more than one)
    std::array<size_t, 4> covered{};          // the cost of their bytes' lists
    for (uint32_t b = 0; b < 128; ++b) {
      first_sets_[b] = move(set, b);
      first_indexes_[b] = first_sets_[b] != 0 ? loop_index(first_sets_[b]) : nullptr;
      if (const ClassIndex* ci = first_indexes_[b])
        for (size_t k = 0; k < seen.size(); ++k)
          if (seen[k] == ci || !seen[k]) {
            seen[k] = ci;
            covered[k] += cost_of(*ci, static_cast<uint8_t>(b), bits.size());
            break;
          }
    }
    const size_t k =
        static_cast<size_t>(std::max_element(covered.begin(), covered.end()) - covered.begin());
    const ClassIndex* ci = seen[k];
    if (!ci) return nullptr;
    size_t cleared = bits.size() / 4;  // the copy
    for (uint32_t b = 0; b < 128; ++b)
      if (first_indexes_[b] != ci) cleared += cost_of(*ci, static_cast<uint8_t>(b), bits.size());
    if (cleared >= covered[k]) return nullptr;
    bits = ci->all_after_ascii;
    for (uint32_t b = 0; b < 128; ++b) {
      if (first_indexes_[b] == ci) continue;
      if (cost_of(*ci, static_cast<uint8_t>(b), bits.size()) >= bits.size() / 4) {
        const auto& more = ci->all_after_bits(static_cast<uint8_t>(b));
        for (size_t w = 0; w < bits.size(); ++w) bits[w] &= ~more[w];
      } else {
        for (const int32_t t : ci->all_after[b])
          bits[static_cast<size_t>(t) >> 6] &= ~(1ull << (t & 63));
      }
    }
    return ci;
  }

  // The code points that move `set` to one same state, the largest such
  // class (by size): `target` 0 if none is worth an index.
  struct Uniform {
    Ranges c;
    uint32_t target = 0;
    std::shared_ptr<const ClassIndex> index;
    // Where the set loops on a smaller class than c (after a word character
    // in an unanchored pattern, `schar* \w+ schar*`: c is every code point
    // past ASCII, which few tokens hold), that class.
    Ranges self;
    std::shared_ptr<const ClassIndex> self_index;
  };
  std::unordered_map<uint32_t, Uniform> uniforms;

  // Code points between two consecutive range bounds of the waiting
  // elements all move the set alike: one probe per such cell.
  std::vector<uint32_t> cuts_;  // cells()'s scratch, kept across calls
  Ranges cells(uint32_t set) {
    std::vector<uint32_t>& cuts = cuts_;
    cuts.assign({0, kMaxCodePoint + 1});
    for (const Stack& st : sets[set])
      if (!st.empty())
        for (const auto& [lo, hi] : rules->elems[st.back()].ranges) {
          cuts.push_back(lo);
          cuts.push_back(hi + 1);
        }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    Ranges out;
    out.reserve(cuts.size() - 1);
    for (size_t i = 0; i + 1 < cuts.size(); ++i) {
      uint32_t lo = cuts[i];
      const uint32_t hi = cuts[i + 1] - 1;
      if (lo >= 0xD800 && hi <= 0xDFFF) continue;  // surrogates: never a code point here
      if (lo >= 0xD800 && lo <= 0xDFFF) lo = 0xE000;
      out.emplace_back(lo, hi);
    }
    return out;
  }

  // The one state every code point of `c` moves `set` to (0: none goes on),
  // or kUnknown if they move it to different states.
  uint32_t alike_move(uint32_t set, const Ranges& c) {
    uint32_t to = kUnknown;
    for (const auto& [lo, hi] : cells(set))
      for (const auto& [a, b] : c)
        if (a <= hi && b >= lo) {
          const uint32_t t = move(set, std::max(a, lo));
          if (to != kUnknown && to != t) return kUnknown;
          to = t;
        }
    return to;
  }

  const Uniform& uniform(uint32_t set) {
    if (auto it = uniforms.find(set); it != uniforms.end()) return it->second;
    std::map<uint32_t, std::pair<Ranges, uint64_t>> by_target;
    for (const auto& [lo, hi] : cells(set)) {
      const uint32_t t = move(set, lo);
      if (t == 0) continue;
      auto& [c, size] = by_target[t];
      if (!c.empty() && c.back().second + 1 >= lo)
        c.back().second = hi;
      else
        c.emplace_back(lo, hi);
      size += hi - lo + 1;
    }
    Uniform u;
    uint64_t best = 15;  // a class of fewer code points (digits) is walked quicker than indexed
    for (auto& [t, cs] : by_target)
      if (cs.second > best) best = cs.second, u.target = t, u.c = cs.first;
    if (u.target != set)
      if (auto it = by_target.find(set); it != by_target.end())
        u.self = std::move(it->second.first);
    return uniforms.emplace(set, std::move(u)).first->second;
  }

  // The class index of uniform(set), built (once per vocabulary) on first
  // use if fewer than `room` classes are indexed.
  const ClassIndex* index_of(uint32_t set, size_t room = kMaxClassIndexes) {
    Uniform& u = uniforms.at(set);
    if (!u.index && u.target) u.index = class_index(*trie, *vocab, u.c, room);
    return u.index.get();
  }

  // The class index of the class `set` loops on when that is not its
  // uniform() class, if it holds enough ASCII (what most tokens are made
  // of) to be worth one.
  const ClassIndex* self_index_of(uint32_t set, size_t room = kMaxClassIndexes) {
    Uniform& u = uniforms.at(set);
    if (!u.self_index && self_worth_index(set))
      u.self_index = class_index(*trie, *vocab, u.self, room);
    return u.self_index.get();
  }
  bool self_worth_index(uint32_t set) {
    uint32_t ascii = 0;
    for (const auto& [lo, hi] : uniforms.at(set).self)
      if (lo < 0x80) ascii += std::min<uint32_t>(hi, 0x7F) - lo + 1;
    return ascii >= 16;
  }

  // The class index of `set` if it moves to itself on its class, memoized
  // per set: walks ask at every node, and uniform()'s hash lookups were a
  // sixth of a walk through overlapping loops.
  std::vector<const ClassIndex*> loop_indexes_;
  std::vector<bool> loop_known_;
  const ClassIndex* loop_index(uint32_t set) {
    if (set < loop_known_.size() && loop_known_[set]) return loop_indexes_[set];
    const ClassIndex* ci = nullptr;
    if (moves_to_self(set))  // (most sets of a walk do not: no uniform() needed)
      ci = uniform(set).target == set ? index_of(set) : self_index_of(set);
    if (loop_known_.size() <= set) {
      loop_known_.resize(sets.size(), false);
      loop_indexes_.resize(sets.size(), nullptr);
    }
    loop_known_[set] = true;
    return loop_indexes_[set] = ci;
  }

  // Whether some code point moves `set` to itself (memoized: 0 unknown, 1 no, 2 yes).
  std::vector<uint8_t> self_move;
  bool moves_to_self(uint32_t set) {
    if (self_move.size() <= set) self_move.resize(sets.size(), 0);
    if (self_move[set] == 0) {
      move(set, 0);     // fills ascii_moves[set]
      move(set, 0x80);  // fills wide_moves[set]
      bool self = std::find(ascii_moves[set].begin(), ascii_moves[set].end(), set) !=
                  ascii_moves[set].end();
      for (const auto& [end, to] : wide_moves[set]) self = self || to == set;
      self_move[set] = self ? 2 : 1;
    }
    return self_move[set] == 2;
  }

  // The states a chain on class `c` passes through from `set` (states[j]
  // after j code points of c), up to ClassIndex::kChain; `open`: it lasts
  // at least that long. Empty if `set` is not the start of one.
  struct Chain {
    std::vector<uint32_t> states;
    bool open = false;
  };
  std::unordered_map<uint32_t, Chain> chains;

  const Chain& chain(uint32_t set) {
    if (auto it = chains.find(set); it != chains.end()) return it->second;
    Chain ch;
    const Uniform& u = uniform(set);
    const Ranges c = u.c;
    if (u.target != 0 && u.target != set) {
      ch.states.push_back(set);
      uint32_t cur = set;
      while (ch.states.size() <= ClassIndex::kChain) {
        const uint32_t next = alike_move(cur, c);
        if (next == kUnknown) {
          ch.states.clear();
          break;
        }
        if (next == 0) break;  // no more code points of c
        if (next == cur) {     // loops from here on: as long as any token
          ch.open = true;
          break;
        }
        ch.states.push_back(next);
        cur = next;
      }
      if (ch.states.size() > ClassIndex::kChain) ch.open = true;
      // A chain of one step (a key's first character before any character
      // goes) differs in class from state to state: not worth an index. One
      // of two ([A-Z]{2}) is walked quicker than its class is indexed: it
      // takes one only if built already.
      if (ch.states.size() < 3 || !index_of(set, ch.states.size() < 4 ? 0 : kMaxClassIndexes))
        ch.states.clear();
    }
    return chains.emplace(set, std::move(ch)).first->second;
  }

  // Steps (set, p) over the bytes of `piece`: false if a token of those
  // bytes may not follow (no parse survives, or it ends where none may).
  bool run(uint32_t& set, Partial& p, std::string_view piece) {
    for (char c : piece)
      if (!step(set, p, static_cast<uint8_t>(c))) return false;
    return p.need == 0 || may_end(set, p);
  }

  bool accepts(uint32_t set, Partial p, std::string_view piece) { return run(set, p, piece); }

  // Builds the class indexes of the loops and chains the grammar's
  // repetitions make, so that masks do not: a build takes milliseconds, a
  // schema is compiled once and its masks are paid per token. A
  // repetition's state is made from its reference and the continuations a
  // few levels up (what follows the reference, or the rule it ends): the
  // class a mask asks for unless what follows can be empty past those.
  void prepare_indexes() {
    const Rules& r = *rules;
    const size_t n_rules = r.alts.size();
    // Rules a repetition makes: R ::= x R | ε, and x{m,n}'s nested
    // optional rules, R ::= x R' | ε with R' the same.
    std::vector<bool> optional(n_rules, false), repeats(n_rules, false);
    std::vector<uint32_t> owner(r.elems.size(), 0);  // element -> its rule
    for (uint32_t q = 0; q < n_rules; ++q)
      for (uint32_t a : r.alts[q]) {
        optional[q] = optional[q] || r.elems[a].kind == Kind::End;
        for (; r.elems[a].kind != Kind::End; ++a) owner[a] = q;
      }
    // Rule -> the elements naming it: refs[ref_start[q], ref_start[q + 1]),
    // made on first need (most grammars' repetitions are followed in their
    // sequence).
    std::vector<uint32_t> ref_start, refs;
    auto make_refs = [&] {
      ref_start.assign(n_rules + 1, 0);
      for (const Elem& e : r.elems)
        if (e.kind == Kind::Ref) ++ref_start[e.rule + 1];
      for (size_t q = 0; q < n_rules; ++q) ref_start[q + 1] += ref_start[q];
      refs.resize(ref_start[n_rules]);
      std::vector<uint32_t> next(ref_start.begin(), ref_start.end() - 1);
      for (uint32_t a = 0; a < r.elems.size(); ++a)
        if (r.elems[a].kind == Kind::Ref) refs[next[r.elems[a].rule]++] = a;
    };
    // The code points an element may begin with, at most (0: some
    // alternative begins with something else than a class `depth` rules
    // down: not worth following).
    std::function<uint64_t(uint32_t, int)> first_points = [&](uint32_t a, int depth) -> uint64_t {
      const Elem& e = r.elems[a];
      if (e.kind == Kind::Chars) {
        uint64_t n = 0;
        for (const auto& [lo, hi] : e.ranges) n += hi - lo + 1;
        return e.negated ? kMaxCodePoint + 1 - std::min<uint64_t>(n, kMaxCodePoint) : n;
      }
      if (e.kind != Kind::Ref || depth == 0) return 0;
      // (A rule of one group, `x ::= ( [a-z] | "\\t" )`, is looked into.)
      uint64_t n = 0;
      for (const uint32_t b : r.alts[e.rule]) {
        const uint64_t m = first_points(b, depth - 1);
        if (m == 0) return 0;
        n += m;
      }
      return n;
    };
    // The first element of the other alternative of a rule of two, one empty.
    auto item = [&](uint32_t q) -> int64_t {
      if (r.alts[q].size() != 2 || !optional[q]) return -1;
      const uint32_t a = r.alts[q][0], b = r.alts[q][1];
      return r.elems[a].kind == Kind::End ? b : a;
    };
    auto same = [&](int64_t a, int64_t b) {
      if (a < 0 || b < 0) return false;
      const Elem &x = r.elems[a], &y = r.elems[b];
      return x.kind == y.kind && x.negated == y.negated && x.rule == y.rule && x.ranges == y.ranges;
    };
    std::vector<bool> chains_on(n_rules, false);  // a repetition of x{m,n}'s, not a loop
    for (uint32_t q = 0; q < n_rules; ++q) {
      const int64_t first = item(q);
      if (first < 0) continue;
      uint32_t a = static_cast<uint32_t>(first);
      while (r.elems[a + 1].kind != Kind::End) ++a;
      const Elem& last = r.elems[a];
      // Classes of at most 15 code points (digits) are never indexed: see uniform().
      if (last.kind != Kind::Ref || first_points(static_cast<uint32_t>(first), 2) <= 15) continue;
      if (last.rule == q) repeats[q] = true;
      if (last.rule != q && same(first, item(last.rule))) repeats[q] = chains_on[q] = true;
    }
    // The stacks that may lie below an alternative of `q` (a few): the
    // continuation of each reference to it, or, where a reference ends its
    // sequence, those below the rule holding it, up to `depth` rules up;
    // the root's is empty. Memoized per rule, so that a chain of rules each
    // ending the one before (a key trie's branches) is climbed once.
    constexpr size_t kMaxBelow = 4;
    std::unordered_map<uint32_t, std::vector<Stack>> below_of;
    std::function<const std::vector<Stack>&(uint32_t, int)> below =
        [&](uint32_t q, int depth) -> const std::vector<Stack>& {
      auto [it, fresh] = below_of.try_emplace(q);  // (empty while in progress: a cycle adds none)
      if (!fresh) return it->second;
      if (ref_start.empty()) make_refs();
      std::vector<Stack> out;
      if (q == r.root) out.emplace_back();
      for (uint32_t x = ref_start[q]; x < ref_start[q + 1] && out.size() < kMaxBelow; ++x) {
        const uint32_t j = refs[x];
        if (r.elems[j + 1].kind != Kind::End) {
          out.push_back({j + 1});
        } else if (owner[j] != q && depth > 0) {  // (a rule's own recursion adds nothing below)
          for (const Stack& st : below(owner[j], depth - 1))
            if (out.size() < kMaxBelow) out.push_back(st);
        }
      }
      return it->second = std::move(out);
    };
    // What decides a repetition's class, as bytes: the first element of
    // each alternative of its item (the item's own, if a rule) with the
    // alternative's length, and the element that follows the repetition.
    // Many references share one (a key's characters in every branch of a
    // key trie, each its own repetition rule): one state made per key. Keys
    // of classes only (no rule ids) mean the same in any grammar, and are
    // remembered per vocabulary.
    auto put32 = [](std::string& key, uint32_t x) {
      key.append(reinterpret_cast<const char*>(&x), 4);
    };
    auto put = [&](std::string& key, uint32_t a, bool* portable) {
      const Elem& e = r.elems[a];
      if (e.kind == Kind::Ref) *portable = false;
      key += static_cast<char>(static_cast<int>(e.kind) * 2 + (e.negated ? 1 : 0));
      if (e.kind == Kind::Ref) put32(key, e.rule);
      for (const auto& [lo, hi] : e.ranges) put32(key, lo), put32(key, hi);
      put32(key, UINT32_MAX);
    };
    // (An item that is a rule, schar, goes in by its alternatives: its id
    // would tie the key to this grammar.)
    std::function<void(std::string&, uint32_t, int, bool*)> put_alts =
        [&](std::string& key, uint32_t q, int depth, bool* portable) {
          for (const uint32_t a : r.alts[q]) {
            if (r.elems[a].kind == Kind::End) continue;
            uint32_t n = 1;
            while (r.elems[a + n].kind != Kind::End) ++n;
            put32(key, n);
            if (r.elems[a].kind == Kind::Ref && depth > 0) {
              key += '(';
              put_alts(key, r.elems[a].rule, depth - 1, portable);
              key += ')';
            } else {
              put(key, a, portable);
            }
          }
        };
    std::unordered_set<std::string> made;
    std::unordered_set<uint64_t> seen_ids;
    std::string key;
    std::vector<Stack> under;
    for (uint32_t k = 0; k < r.elems.size(); ++k) {
      const Elem& e = r.elems[k];
      if (e.kind != Kind::Ref || !repeats[e.rule]) continue;
      under.clear();
      if (r.elems[k + 1].kind != Kind::End)
        under.emplace_back();       // what follows in the sequence decides
      else if (owner[k] != e.rule)  // (else the repetition's own recursion: as from outside)
        under = below(owner[k], 32);
      for (Stack& s : under) {
        // (First by element ids, which a key trie's branches share: the
        // item's rule and the follower, before making the key.)
        const auto x = static_cast<uint32_t>(item(e.rule));
        const uint64_t by_ids =
            (static_cast<uint64_t>(r.elems[x].kind == Kind::Ref ? r.elems[x].rule : ~x) << 32) |
            (s.empty() ? (r.elems[k + 1].kind != Kind::End ? k + 1 : UINT32_MAX) : s[0]);
        if (!seen_ids.insert(by_ids * 2 + (chains_on[e.rule] ? 1 : 0)).second) continue;
        bool portable = true;
        key.assign(1, chains_on[e.rule] ? 'c' : 'l');
        put_alts(key, e.rule, 1, &portable);
        if (!s.empty() || r.elems[k + 1].kind != Kind::End)
          put(key, s.empty() ? k + 1 : s[0], &portable);
        if (!made.insert(key).second) continue;
        if (portable) {
          std::lock_guard lk(trie->mu);
          if (trie->foretold.count(key)) continue;
        }
        s.push_back(k);
        advance(s);
        const uint32_t set = intern_out();
        if (set == 0) continue;
        // A loop's, or a chain's (not chain(set): it walks the chain's
        // states to tell its length, which the rule's shape bounds below by two).
        const Uniform& u = uniform(set);
        const bool indexed =
            u.target != 0 && (chains_on[e.rule] ? u.target != set : u.target == set);
        if (indexed && !index_of(set, kMaxForetoldIndexes)) continue;  // no room: ask again
        // (A loop on a smaller class than u.c: the one its masks ask for.)
        if (!indexed && !chains_on[e.rule] && u.target != set && moves_to_self(set) &&
            self_worth_index(set) && !self_index_of(set, kMaxForetoldIndexes))
          continue;
        if (portable) {
          std::lock_guard lk(trie->mu);
          trie->foretold.insert(key);
        }
      }
    }
    // Copies in a row, x{m} with m >= 3 (a UUID's [0-9a-f]{8}): a chain
    // without a repetition rule, made from its first copy.
    for (uint32_t k = 0; k + 2 < r.elems.size(); ++k) {
      if (!same(k, k + 1) || !same(k, k + 2) || (k > 0 && same(k - 1, k))) continue;
      if (first_points(k, 2) <= 15) continue;
      bool portable = true;
      key.assign(1, 'm');
      if (r.elems[k].kind == Kind::Ref)
        put_alts(key, r.elems[k].rule, 1, &portable);
      else
        put(key, k, &portable);
      if (!made.insert(key).second) continue;
      if (portable) {
        std::lock_guard lk(trie->mu);
        if (trie->foretold.count(key)) continue;
      }
      advance({k});
      const uint32_t set = intern_out();
      if (set == 0) continue;
      const Uniform& u = uniform(set);
      if (u.target != 0 && u.target != set && !index_of(set, kMaxForetoldIndexes)) continue;
      if (portable) {
        std::lock_guard lk(trie->mu);
        trie->foretold.insert(key);
      }
    }
  }

  bool complete(State st) const {
    const auto& [set, p] = states[static_cast<size_t>(st)];
    if (p.need != 0) return false;
    for (const Stack& s : sets[set])
      if (s.empty()) return true;
    return false;
  }
};

TokenMasker::TokenMasker(std::shared_ptr<const Rules> rules, std::shared_ptr<const TokenTrie> trie,
                         std::shared_ptr<const Vocabulary> vocab)
    : impl_(new Impl) {
  impl_->rules = std::move(rules);
  impl_->trie = std::move(trie);
  impl_->vocab = std::move(vocab);
  impl_->sets.emplace_back();  // id 0: dead
  impl_->prepare_indexes();
}

TokenMasker::~TokenMasker() = default;

TokenMasker::State TokenMasker::initial() {
  const Rules& r = *impl_->rules;
  for (uint32_t alt : r.alts[r.root]) {
    Stack s;
    if (r.elems[alt].kind != Kind::End) s.push_back(alt);
    impl_->advance(s);
  }
  return impl_->state(impl_->intern_out(), {});
}

const std::vector<uint64_t>& TokenMasker::allowed(State s) {
  if (auto it = impl_->masks.find(s); it != impl_->masks.end()) {
    ++impl_->stats.mask_hits;
    return it->second;
  }
  if (impl_->masks.size() >= kMaxCachedMasks) impl_->masks.clear();
  ++impl_->stats.masks;
  std::vector<uint64_t> bits((impl_->trie->n_vocab + 63) / 64, 0);
  if (s != kDead) {
    const auto [set, p] = impl_->states[static_cast<size_t>(s)];
    impl_->mask(set, p, bits);
    if (impl_->complete(s))
      for (const int32_t t : impl_->trie->eog) set_bit(bits, static_cast<size_t>(t));
  }
  return impl_->masks.emplace(s, std::move(bits)).first->second;
}

bool TokenMasker::allows(State s, int32_t t) {
  return accept(s, t) != kDead;
}

TokenMasker::State TokenMasker::accept(State s, int32_t t) {
  if (s == kDead || t < 0 || static_cast<size_t>(t) >= impl_->vocab->pieces.size()) return kDead;
  if (static_cast<size_t>(t) < impl_->vocab->eog.size() && impl_->vocab->eog[t])
    return impl_->complete(s) ? s : kDead;
  const std::string& piece = impl_->vocab->pieces[static_cast<size_t>(t)];
  if (piece.empty()) return kDead;
  auto [set, p] = impl_->states[static_cast<size_t>(s)];
  return impl_->run(set, p, piece) ? impl_->state(set, p) : kDead;
}

bool TokenMasker::complete(State s) {
  return s != kDead && impl_->complete(s);
}

TokenMasker::Stats TokenMasker::stats() const {
  Stats st = impl_->stats;
  st.states = impl_->states.size();
  std::lock_guard lk(impl_->trie->mu);
  st.classes = impl_->trie->class_indexes.size();
  return st;
}

}  // namespace perimeter::grammar
