// Character classes as <cctype> gives them in the "C" locale (Perimeter never
// calls setlocale), inline: the detector's checks ask them for almost every
// byte of a candidate, and the libc calls were a noticeable part of dense
// scans. Same signatures (int in, int out), same answers for EOF and every
// unsigned char value (bytes >= 0x80 are in no class); the classes also for
// negative chars. Callers pass static_cast<unsigned char>(c), as with <cctype>.
#pragma once

#include <string_view>

namespace perimeter::detect::ascii {

inline int isdigit(int c) {
  return c >= '0' && c <= '9';
}
inline int isupper(int c) {
  return c >= 'A' && c <= 'Z';
}
inline int islower(int c) {
  return c >= 'a' && c <= 'z';
}
inline int isalpha(int c) {
  return isupper(c) || islower(c);
}
inline int isalnum(int c) {
  return isalpha(c) || isdigit(c);
}
// \w: a word byte as Vectorscan's \b sees it.
inline int isword(int c) {
  return isalnum(c) || c == '_';
}
inline int isxdigit(int c) {
  return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline int isspace(int c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}
inline int ispunct(int c) {
  return c > ' ' && c < 127 && !isalnum(c);
}
inline int tolower(int c) {
  return isupper(c) ? c + ('a' - 'A') : c;
}
inline int toupper(int c) {
  return islower(c) ? c - ('a' - 'A') : c;
}

// s.find_first_of(set) != npos for a short `set` of non-NUL bytes, without
// the libc memchr call per byte of `s` that string_view's version makes.
inline bool has_any_of(std::string_view s, std::string_view set) {
  for (char c : s) {
    for (char m : set) {
      if (c == m) return true;
    }
  }
  return false;
}

}  // namespace perimeter::detect::ascii
