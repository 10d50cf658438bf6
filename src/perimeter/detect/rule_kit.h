// Internal to detect/: the small tests that rule checks share across the
// rule files (word boundaries, digit chains, checksum-gated checks).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "detect/ascii.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {

// The value of ASCII digit `c`.
inline int digit_value(char c) {
  return c - '0';
}

// True if text[i] exists and is an ASCII letter or digit.
inline bool alnum_at(std::string_view t, size_t i) {
  return i < t.size() && ascii::isalnum(static_cast<unsigned char>(t[i]));
}
// True if a letter, digit or non-ASCII byte touches the candidate on the left.
inline bool word_before(std::string_view t, size_t start) {
  return start > 0 && (ascii::isalnum(static_cast<unsigned char>(t[start - 1])) ||
                       static_cast<unsigned char>(t[start - 1]) >= 0x80);
}
// True if a letter, digit or non-ASCII byte touches the candidate on the right.
inline bool word_after(std::string_view t, size_t end) {
  return end < t.size() && (ascii::isalnum(static_cast<unsigned char>(t[end])) ||
                            static_cast<unsigned char>(t[end]) >= 0x80);
}

// Digits glued to the candidate by a separator ("1.2.3.4.5") mean it is a
// fragment of a longer number, not an identifier of its own.
inline bool digit_chain_around(std::string_view t, size_t start, size_t end) {
  auto dig = [&](size_t i) { return i < t.size() && t[i] >= '0' && t[i] <= '9'; };
  if (start >= 2 && (t[start - 1] == '-' || t[start - 1] == '.') && dig(start - 2)) return true;
  if (end + 1 < t.size() && (t[end] == '-') && dig(end + 1)) return true;
  return false;
}

// True if no word character touches [h.start, h.end) and it is no fragment of
// a longer dotted or dashed number.
inline bool isolated(std::string_view t, const Hit& h) {
  return !word_before(t, h.start) && !word_after(t, h.end) &&
         !digit_chain_around(t, h.start, h.end);
}

// A context word list.
inline std::vector<std::string> words(std::initializer_list<const char*> w) {
  return std::vector<std::string>(w.begin(), w.end());
}

// Accepts a candidate that no word character touches.
inline Check standalone() {
  return
      [](std::string_view t, Hit& h) { return !word_before(t, h.start) && !word_after(t, h.end); };
}

// Accepts a standalone candidate that passes the checksum `f`; a positive
// `pass_score` replaces the rule's score on a pass.
inline Check digits_check(bool (*f)(std::string_view), double pass_score) {
  return [f, pass_score](std::string_view t, Hit& h) {
    if (!isolated(t, h) || !f(t.substr(h.start, h.end - h.start))) return false;
    if (pass_score > 0) h.score = pass_score;
    return true;
  };
}

}  // namespace perimeter::detect::internal
