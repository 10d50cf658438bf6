#include "grammar/pattern.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace perimeter::grammar {
namespace {

// A set of code points: sorted, disjoint, non-adjacent closed ranges.
using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;
constexpr uint32_t kMaxCp = 0x10FFFF;
constexpr long long kInf = -1;

Ranges normalize(Ranges r) {
  std::sort(r.begin(), r.end());
  Ranges out;
  for (const auto& x : r) {
    if (!out.empty() && x.first <= out.back().second + 1)
      out.back().second = std::max(out.back().second, x.second);
    else
      out.push_back(x);
  }
  return out;
}

Ranges unite(Ranges a, const Ranges& b) {
  a.insert(a.end(), b.begin(), b.end());
  return normalize(std::move(a));
}

// [0, hi] minus `r`.
Ranges complement(const Ranges& r, uint32_t hi = kMaxCp) {
  Ranges out;
  uint32_t next = 0;
  for (const auto& [a, b] : normalize(r)) {
    if (a > hi) break;
    if (a > next) out.push_back({next, a - 1});
    next = b + 1;
  }
  if (next <= hi) out.push_back({next, hi});
  return out;
}

Ranges intersect(const Ranges& a, const Ranges& b) {
  Ranges out;
  for (const auto& x : a)
    for (const auto& y : b) {
      const uint32_t lo = std::max(x.first, y.first), hi = std::min(x.second, y.second);
      if (lo <= hi) out.push_back({lo, hi});
    }
  return normalize(std::move(out));
}

Ranges minus(const Ranges& a, const Ranges& b) {
  return intersect(a, complement(b));
}

bool has(const Ranges& r, uint32_t c) {
  for (const auto& [a, b] : r)
    if (a <= c && c <= b) return true;
  return false;
}

const Ranges kAll = {{0, kMaxCp}};
const Ranges kAscii = {{0, 0x7F}};
const Ranges kDigit = {{'0', '9'}};
const Ranges kWord = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
// Whitespace for \s: what both ECMA-262 and Python call whitespace (used when
// matching), and what either does (removed when negating), so the grammar
// never generates a character either engine would refuse.
const Ranges kSpaceBoth = {{0x09, 0x0D},     {0x20, 0x20},     {0xA0, 0xA0},
                           {0x1680, 0x1680}, {0x2000, 0x200A}, {0x2028, 0x2029},
                           {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}};
const Ranges kSpaceEither = unite(kSpaceBoth, {{0x1C, 0x1F}, {0x85, 0x85}, {0xFEFF, 0xFEFF}});
// `.`: anything but the line terminators of either engine.
// `.` and negated classes generate ASCII only: validators that run the
// pattern over UTF-8 bytes (valijson's std::regex) see a multi-byte
// character as several, so `.` or `[^/]` once would not match it there.
const Ranges kDot = {{0, 0x09}, {0x0B, 0x0C}, {0x0E, 0x7F}};

// A class escape (\d \D \w \W \s \S) as a lower set (safe to generate: ASCII
// only, as kDot) and an upper set (what any engine may match, removed when
// negating).
struct ClassSet {
  Ranges lower, upper;
};

ClassSet class_escape(uint32_t c) {
  switch (c) {
    case 'd':
      return {kDigit, kDigit};
    case 'D':
      return {minus(kAscii, kDigit), complement(kDigit)};
    case 'w':
      return {kWord, kWord};
    case 'W':
      return {minus(kAscii, kWord), complement(kWord)};
    case 's':
      return {minus(kSpaceBoth, complement(kAscii)), kSpaceEither};
    default:  // 'S'
      return {minus(kAscii, kSpaceEither), complement(kSpaceBoth)};
  }
}

std::string hex_escape(uint32_t c) {
  char buf[16];
  if (c < 0x100)
    std::snprintf(buf, sizeof buf, "\\x%02X", c);
  else if (c < 0x10000)
    std::snprintf(buf, sizeof buf, "\\u%04X", c);
  else
    std::snprintf(buf, sizeof buf, "\\U%08X", c);
  return buf;
}

bool alnum(uint32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// GBNF for one character of the set as it appears inside a JSON string:
// printable characters as themselves, `"` `\` and the short-escape controls
// as their JSON escapes. Other controls (which need \u) are not generated.
std::string set_expr(const Ranges& set) {
  const Ranges plain =
      minus(set, {{0, 0x1F}, {'"', '"'}, {'\\', '\\'}, {0x7F, 0x7F}, {0xD800, 0xDFFF}});
  std::vector<std::string> alts;
  if (plain.size() == 1 && plain[0].first == plain[0].second) {
    const uint32_t c = plain[0].first;
    std::string lit(1, '"');
    lit += alnum(c) ? std::string(1, static_cast<char>(c)) : hex_escape(c);
    alts.push_back(lit + '"');
  } else if (!plain.empty()) {
    std::string cls = "[";
    for (const auto& [a, b] : plain) {
      cls += alnum(a) ? std::string(1, static_cast<char>(a)) : hex_escape(a);
      if (b != a) {
        cls += '-';
        cls += alnum(b) ? std::string(1, static_cast<char>(b)) : hex_escape(b);
      }
    }
    alts.push_back(cls + "]");
  }
  if (has(set, '"')) alts.push_back(R"("\\\"")");
  if (has(set, '\\')) alts.push_back(R"("\\\\")");
  for (const auto& [c, e] : std::vector<std::pair<uint32_t, char>>{
           {'\n', 'n'}, {'\t', 't'}, {'\r', 'r'}, {'\f', 'f'}, {'\b', 'b'}})
    if (has(set, c)) alts.push_back(std::string(R"("\\)") + e + "\"");
  if (alts.empty())
    throw PatternError("a character in the pattern is a control character or matches nothing.");
  if (alts.size() == 1) return alts[0];
  std::string out;
  for (const auto& a : alts) out += (out.empty() ? "( " : " | ") + a;
  return out + " )";
}

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    const int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) throw PatternError("the pattern is not valid UTF-8.");
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

struct Node {
  std::string g;  // GBNF expression, "" for the empty string
  long long min = 0, max = 0;
  std::string unit;          // for one character set, possibly repeated: its expression
  long long lo = 1, hi = 1;  // and the repetition
  int items = 1;             // sequence length
  // The characters a non-empty match may start and end with, as any engine
  // may match them (for telling patterns apart, not for generating).
  Ranges first, last;
};

long long add_len(long long a, long long b) {
  return a == kInf || b == kInf ? kInf : std::min(a + b, 1LL << 40);
}

long long mul_len(long long a, long long n) {  // n == kInf: unbounded repetition
  if (a == 0) return 0;
  return a == kInf || n == kInf ? kInf : std::min(a * n, 1LL << 40);
}

std::string concat(const std::string& a, const std::string& b) {
  return a.empty() ? b : b.empty() ? a : a + " " + b;
}

class Parser {
 public:
  Parser(std::string_view pattern, const std::function<std::string(const std::string&)>& add,
         long long max_repeat, long long cap = -1)
      : p_(decode_utf8(pattern)), add_(add), max_repeat_(max_repeat), cap_(cap) {}

  PatternGrammar run(long long min_len, long long max_len) {
    PatternGrammar out;
    std::string body;
    bool first = true;
    Node only;
    int alts = 0;
    do {
      const bool start = eat('^');
      end_ = false;
      Node n = seq(0);
      const bool end = end_;
      std::string g = n.g;
      // An unanchored side is any content (at most cap_ characters if capped).
      const std::string any = cap_ < 0    ? "schar*"
                              : cap_ == 0 ? ""
                                          : "schar{0," + std::to_string(cap_) + "}";
      if (!start) g = concat(any, g), n.max = cap_ < 0 ? kInf : add_len(n.max, cap_);
      if (!end) g = concat(g, any), n.max = cap_ < 0 ? kInf : add_len(n.max, cap_);
      out.anchored = out.anchored && start && end;
      // An unanchored side may be any character.
      starts = unite(starts, start ? n.first : kAll);
      ends = unite(ends, end ? n.last : kAll);
      empty = empty || n.min == 0;
      body += (first ? "" : " | ") + (g.empty() ? "\"\"" : g);
      out.min = first ? n.min : std::min(out.min, n.min);
      out.max =
          first ? n.max : (out.max == kInf || n.max == kInf ? kInf : std::max(out.max, n.max));
      first = false;
      only = n;
      ++alts;
    } while (eat('|'));
    if (pos_ != p_.size()) throw PatternError("unbalanced ')' in the pattern.");
    out.body = "( " + body + " )";
    const bool implied =
        out.min >= min_len && (max_len == kInf || (out.max != kInf && out.max <= max_len));
    if (implied) return out;
    // ^S{lo,hi}$ for one character set S: intersect the repetition with the length bounds.
    if (alts == 1 && out.anchored && only.items == 1 && !only.unit.empty()) {
      const long long lo = std::max(only.lo, min_len);
      long long hi = only.hi == kInf   ? max_len
                     : max_len == kInf ? only.hi
                                       : std::min(only.hi, max_len);
      if (hi != kInf && hi < lo) throw PatternError("no string of the allowed lengths matches it.");
      if (lo > max_repeat_)
        throw PatternError("a length of at least " + std::to_string(lo) + " is above the limit.");
      if (hi != kInf && hi > max_repeat_) hi = max_repeat_;
      const std::string r = add_(only.unit);
      out.body = hi == kInf ? r + "{" + std::to_string(lo) + ",}"
                            : r + "{" + std::to_string(lo) + "," + std::to_string(hi) + "}";
      out.min = lo;
      out.max = hi;
      return out;
    }
    out.fits = false;
    return out;
  }

 private:
  bool eat(uint32_t c) {
    if (pos_ < p_.size() && p_[pos_] == c) return ++pos_, true;
    return false;
  }

  Node alt(int depth) {
    std::vector<Node> alts{seq(depth)};
    while (eat('|')) alts.push_back(seq(depth));
    if (alts.size() == 1) return alts[0];
    Node out{"", alts[0].min, alts[0].max, "", 1, 1, 1, {}, {}};
    std::string body;
    for (size_t i = 0; i < alts.size(); ++i) {
      body += (i ? " | " : "") + alts[i].g;
      out.first = unite(out.first, alts[i].first);
      out.last = unite(out.last, alts[i].last);
      out.min = std::min(out.min, alts[i].min);
      out.max = out.max == kInf || alts[i].max == kInf ? kInf : std::max(out.max, alts[i].max);
    }
    out.g = "( " + body + " )";
    return out;
  }

  Node seq(int depth) {
    Node out;
    out.items = 0;
    Node last;
    while (pos_ < p_.size()) {
      const uint32_t c = p_[pos_];
      if (c == '|' || c == ')') break;
      if (c == '$') {
        if (depth == 0 && (pos_ + 1 == p_.size() || p_[pos_ + 1] == '|')) {
          ++pos_;
          end_ = true;
          break;
        }
        throw PatternError("'$' is supported only at the end of the pattern.");
      }
      if (c == '^') throw PatternError("'^' is supported only at the start of the pattern.");
      Node a = quantified(atom(depth));
      last = a;
      if (out.min == 0) out.first = unite(out.first, a.first);  // all before it may be empty
      out.last = a.min == 0 ? unite(out.last, a.last) : a.last;
      ++out.items;
      out.g = concat(out.g, a.g);
      out.min = add_len(out.min, a.min);
      out.max = add_len(out.max, a.max);
    }
    if (out.items == 1) {
      out.unit = last.unit;
      out.lo = last.lo;
      out.hi = last.hi;
    }
    return out;
  }

  // {n}, {n,}, {n,m} at pos_ (on '{'): sets lo/hi and advances; false (and
  // no advance) if it is not a quantifier.
  bool braces(long long& lo, long long& hi) {
    size_t i = pos_ + 1;
    auto number = [&](long long& v) {
      const size_t start = i;
      v = 0;
      while (i < p_.size() && p_[i] >= '0' && p_[i] <= '9') {
        v = std::min(v * 10 + (p_[i] - '0'), 1LL << 40);
        ++i;
      }
      return i > start;
    };
    if (!number(lo)) {
      if (i < p_.size() && p_[i] == ',')
        throw PatternError("'{,n}' means different things to different regex engines.");
      return false;
    }
    hi = lo;
    if (i < p_.size() && p_[i] == ',') {
      ++i;
      if (!number(hi)) hi = kInf;
    }
    if (i >= p_.size() || p_[i] != '}')
      throw PatternError("an unterminated '{' quantifier in the pattern.");
    if (hi != kInf && hi < lo) throw PatternError("a '{n,m}' quantifier with m < n.");
    pos_ = i + 1;
    return true;
  }

  Node quantified(Node a) {
    if (pos_ >= p_.size()) return a;
    long long lo, hi;
    const uint32_t c = p_[pos_];
    if (c == '*')
      lo = 0, hi = kInf, ++pos_;
    else if (c == '+')
      lo = 1, hi = kInf, ++pos_;
    else if (c == '?')
      lo = 0, hi = 1, ++pos_;
    else if (c != '{' || !braces(lo, hi))
      return a;
    eat('?');  // lazy: same language
    if (pos_ < p_.size() &&
        (p_[pos_] == '*' || p_[pos_] == '+' || p_[pos_] == '?' ||
         (p_[pos_] == '{' && pos_ + 1 < p_.size() && p_[pos_ + 1] >= '0' && p_[pos_ + 1] <= '9')))
      throw PatternError("a repeated quantifier in the pattern.");
    if (lo > max_repeat_)
      throw PatternError("a repetition of at least " + std::to_string(lo) + " is above the limit " +
                         std::to_string(max_repeat_) + ".");
    if (hi != kInf && hi > max_repeat_) hi = max_repeat_;  // generates fewer: a subset
    if (hi == kInf && cap_ >= 0) hi = std::max(lo, cap_);  // capped: a subset
    budget_ += hi == kInf ? std::max(lo, 1LL) : hi;
    if (budget_ > 4 * max_repeat_) throw PatternError("the pattern repeats too much.");
    Node out{"", mul_len(a.min, lo), mul_len(a.max, hi), "", 1, 1, 1, a.first, a.last};
    if (!a.unit.empty() && a.lo == 1 && a.hi == 1) out.unit = a.unit, out.lo = lo, out.hi = hi;
    if (a.g.empty() || hi == 0) return {"", 0, 0, "", 1, 1, 1, {}, {}};
    const std::string r = add_(a.g);
    if (lo == 0 && hi == kInf)
      out.g = r + "*";
    else if (lo == 1 && hi == kInf)
      out.g = r + "+";
    else if (lo == 0 && hi == 1)
      out.g = r + "?";
    else if (hi == kInf)
      out.g = r + "{" + std::to_string(lo) + ",}";
    else if (lo == hi)
      out.g = r + "{" + std::to_string(lo) + "}";
    else
      out.g = r + "{" + std::to_string(lo) + "," + std::to_string(hi) + "}";
    return out;
  }

  uint32_t hex(int digits) {
    uint32_t v = 0;
    for (int k = 0; k < digits; ++k) {
      if (pos_ >= p_.size()) throw PatternError("a short hex escape in the pattern.");
      const uint32_t c = p_[pos_++];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) throw PatternError("a bad hex escape in the pattern.");
      v = v * 16 + d;
    }
    return v;
  }

  // After a backslash: a single character, or a class escape (returns
  // true and sets `set`). `in_class`: \b is backspace there.
  bool escape(uint32_t& cp, ClassSet& set, bool in_class) {
    if (pos_ >= p_.size()) throw PatternError("a trailing '\\' in the pattern.");
    const uint32_t c = p_[pos_++];
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
        set = class_escape(c);
        return true;
      case 'b':
        if (!in_class) throw PatternError("word boundaries ('\\b') are not supported.");
        cp = 0x08;
        return false;
      case 'n':
        cp = 0x0A;
        return false;
      case 't':
        cp = 0x09;
        return false;
      case 'r':
        cp = 0x0D;
        return false;
      case 'f':
        cp = 0x0C;
        return false;
      case 'v':
        cp = 0x0B;
        return false;
      case 'x':
        cp = hex(2);
        return false;
      case 'u':
        if (pos_ < p_.size() && p_[pos_] == '{')
          throw PatternError("'\\u{...}' escapes are not supported.");
        cp = hex(4);
        return false;
      default:
        break;
    }
    if (c >= '0' && c <= '9')
      throw PatternError("backreferences and octal escapes are not supported.");
    if (c == 'p' || c == 'P')
      throw PatternError("Unicode property escapes ('\\p') are not supported.");
    if (c < 0x80 && alnum(c))
      throw PatternError(std::string("the escape '\\") + static_cast<char>(c) +
                         "' is not supported.");
    cp = c;  // an escaped punctuation character stands for itself
    return false;
  }

  // One character: generated from `set`, matched (by any engine) from `upper`.
  Node one(const Ranges& set, const Ranges& upper) {
    const std::string g = set_expr(set);
    return {g, 1, 1, g, 1, 1, 1, upper, upper};
  }
  Node one(const Ranges& set) { return one(set, set); }

  Node atom(int depth) {
    const uint32_t c = p_[pos_++];
    switch (c) {
      case '(': {
        if (eat('?')) {
          if (eat(':')) {
          } else if (pos_ + 1 < p_.size() && p_[pos_] == '<' && p_[pos_ + 1] != '=' &&
                     p_[pos_ + 1] != '!') {
            while (pos_ < p_.size() && p_[pos_] != '>') ++pos_;  // named group
            if (!eat('>')) throw PatternError("an unterminated group name in the pattern.");
          } else {
            throw PatternError("lookarounds and inline flags ('(?...') are not supported.");
          }
        }
        Node n = alt(depth + 1);
        if (!eat(')')) throw PatternError("an unterminated group in the pattern.");
        n.items = 1;
        return n;
      }
      case '[':
        return klass();
      case '.':
        return one(kDot, complement({{0x0A, 0x0A}, {0x0D, 0x0D}, {0x2028, 0x2029}}));
      case '\\': {
        uint32_t cp = 0;
        ClassSet set;
        if (escape(cp, set, false)) return one(set.lower, set.upper);
        return one({{cp, cp}});
      }
      case '*':
      case '+':
      case '?':
        throw PatternError("a quantifier with nothing to repeat in the pattern.");
      case '{': {
        --pos_;
        long long lo, hi;
        if (braces(lo, hi)) throw PatternError("a quantifier with nothing to repeat.");
        ++pos_;
        return one({{c, c}});
      }
      default:
        return one({{c, c}});
    }
  }

  Node klass() {
    const bool negated = eat('^');
    if (pos_ < p_.size() && p_[pos_] == ']')
      throw PatternError("a class starting with ']' means different things to different engines.");
    Ranges lower, upper;
    // One class member: a character (returns true) or a class escape.
    auto member = [&](uint32_t& cp, ClassSet& set) {
      if (pos_ >= p_.size()) throw PatternError("an unterminated '[' in the pattern.");
      const uint32_t c = p_[pos_++];
      if (c == '\\') return !escape(cp, set, true);
      if (c == '[' && pos_ < p_.size() && (p_[pos_] == ':' || p_[pos_] == '=' || p_[pos_] == '.'))
        throw PatternError("POSIX classes ('[:...:]') are not supported.");
      cp = c;
      return true;
    };
    while (pos_ < p_.size() && p_[pos_] != ']') {
      uint32_t a = 0;
      ClassSet set;
      if (!member(a, set)) {
        lower = unite(lower, set.lower);
        upper = unite(upper, set.upper);
        if (pos_ + 1 < p_.size() && p_[pos_] == '-' && p_[pos_ + 1] != ']')
          throw PatternError("a range from a class escape in the pattern.");
        continue;
      }
      uint32_t b = a;
      if (pos_ + 1 < p_.size() && p_[pos_] == '-' && p_[pos_ + 1] != ']') {
        ++pos_;
        if (!member(b, set)) throw PatternError("a range to a class escape in the pattern.");
        if (b < a) throw PatternError("a reversed range in a class in the pattern.");
      }
      lower = unite(lower, {{a, b}});
      upper = unite(upper, {{a, b}});
    }
    if (!eat(']')) throw PatternError("an unterminated '[' in the pattern.");
    if (!negated) return one(lower, upper);
    return one(minus(kAscii, upper), complement(lower));  // ASCII only, as kDot
  }

 public:
  // After run(): what a non-empty match may start and end with, and whether
  // the empty string may match.
  Ranges starts, ends;
  bool empty = false;

 private:
  std::u32string p_;
  size_t pos_ = 0;
  bool end_ = false;
  long long budget_ = 0;
  const std::function<std::string(const std::string&)>& add_;
  const long long max_repeat_;
  const long long cap_;  // unbounded repetitions repeat at most this often (-1: no cap)
};

}  // namespace

bool patterns_disjoint(std::string_view a, std::string_view b) {
  const std::function<std::string(const std::string&)> dry = [](const std::string&) {
    return std::string("x");
  };
  try {
    Parser pa(a, dry, 1LL << 30), pb(b, dry, 1LL << 30);
    pa.run(0, -1);
    pb.run(0, -1);
    if (pa.empty && pb.empty) return false;
    // Sets compare on ASCII; beyond it, engines that match bytes and ones
    // that match code points disagree, so two sets reaching past it overlap.
    auto apart = [](const Ranges& x, const Ranges& y) {
      return intersect(intersect(x, y), kAscii).empty() &&
             (minus(x, kAscii).empty() || minus(y, kAscii).empty());
    };
    return apart(pa.starts, pb.starts) || apart(pa.ends, pb.ends);
  } catch (const PatternError&) {
    return false;
  }
}

PatternGrammar pattern_to_gbnf(std::string_view pattern,
                               const std::function<std::string(const std::string&)>& add_rule,
                               long long max_repeat, long long min_len, long long max_len) {
  PatternGrammar g = Parser(pattern, add_rule, max_repeat).run(min_len, max_len);
  if (g.fits) return g;
  // Only too long: cap every unbounded repetition at the largest count that
  // keeps the longest match within max_len (a subset of the pattern).
  if (g.min < min_len || max_len < 0)
    throw PatternError("it cannot be combined with 'minLength' unless it implies it.");
  const std::function<std::string(const std::string&)> dry = [](const std::string&) {
    return std::string("x");
  };
  auto longest = [&](long long cap) {
    return Parser(pattern, dry, max_repeat, cap).run(min_len, -1).max;
  };
  const long long first = longest(0);
  if (first == -1 || first > max_len)
    throw PatternError("it cannot be combined with 'maxLength' unless it implies it.");
  long long lo = 0, hi = max_len;  // longest(lo) fits
  while (lo < hi) {
    const long long mid = (lo + hi + 1) / 2;
    const long long m = longest(mid);
    if (m != -1 && m <= max_len)
      lo = mid;
    else
      hi = mid - 1;
  }
  return Parser(pattern, add_rule, max_repeat, lo).run(min_len, -1);
}

}  // namespace perimeter::grammar
