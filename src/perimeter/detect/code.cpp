// CODE: fenced blocks, and unfenced runs of lines whose tokens, punctuation
// and keywords look like a programming language rather than prose.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>

#include "detect/ascii.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {
namespace {

// Code-likeness of one line in [0, 1]; only whether it reaches 0.5, and its
// value when it does, matter (lines below are scored 0 early), -1 if blank.
double line_score(std::string_view line) {
  size_t a = 0;
  while (a < line.size() && (line[a] == ' ' || line[a] == '\t')) ++a;
  std::string_view l = line.substr(a);
  while (!l.empty() && (l.back() == ' ' || l.back() == '\r' || l.back() == '\t'))
    l.remove_suffix(1);
  if (l.empty()) return -1;  // blank: neutral
  double s = 0;
  static const char* kStarts[] = {
      "#include",     "#define",  "#pragma",  "import ",   "from ",   "def ",    "class ",
      "struct ",      "fn ",      "func ",    "function ", "return",  "public ", "private ",
      "protected ",   "static ",  "const ",   "let ",      "var ",    "using ",  "namespace ",
      "package ",     "template", "if (",     "if(",       "} else",  "else {",  "for (",
      "for(",         "while (",  "switch (", "case ",     "try {",   "try:",    "except",
      "catch",        "elif ",    "else:",    "async ",    "await ",  "export ", "module.",
      "console.",     "print(",   "printf(",  "std::",     "SELECT ", "INSERT ", "UPDATE ",
      "CREATE TABLE", "void ",    "int ",     "auto ",     "impl ",   "pub ",    "@",
      "//",           "/*",       "*/",       "<?php",     "end",     "begin",   "local ",
      "echo ",        "set -",    "fi",       "done",      "$ "};
  // Only lines whose first character can open a keyword are compared.
  static const std::string kFirst = [] {
    std::string f;
    for (const char* k : kStarts) {
      if (f.find(k[0]) == std::string::npos) f += k[0];
    }
    return f;
  }();
  if (kFirst.find(l[0]) != std::string::npos) {
    for (const char* k : kStarts) {
      if (k[0] != l[0]) continue;  // most keywords differ at once: no strlen, no compare
      size_t n = std::strlen(k);
      if (l.size() >= n && l.compare(0, n, k) == 0) {
        s += 0.45;
        break;
      }
    }
  }
  char last = l.back();
  if (last == ';' || last == '{' || last == '}' || last == ')' || last == ',' || last == '(' ||
      last == '[' || last == ']') {
    s += 0.3;
  } else if (last == ':' &&
             (l.find("def ") != std::string_view::npos || l.find("if ") != std::string_view::npos ||
              l.find("for ") != std::string_view::npos)) {
    s += 0.35;
  }
  // Byte classes from a table (a strchr per byte was a tenth of the scan
  // time on code-heavy text): 1 punctuation, 2 word character, 3 space.
  // NUL counts as punctuation, as strchr's terminator match did.
  static const std::array<unsigned char, 256> kClass = [] {
    std::array<unsigned char, 256> t{};
    for (int c = 0; c < 256; ++c) {
      if (ascii::isalnum(c) || c == '_') t[static_cast<size_t>(c)] = 2;
    }
    for (const char* p = "(){}[];=<>&|!*+-/%^~:.\"'`,$#@\\"; *p; ++p)
      t[static_cast<unsigned char>(*p)] = 1;
    t[0] = 1;
    t[' '] = 3;
    return t;
  }();
  // The three counts side by side in one integer, 21 bits each (a line has
  // at most 2000 bytes here): one table load and one add per byte.
  static const std::array<uint64_t, 256> kCount = [] {
    std::array<uint64_t, 256> t{};
    for (size_t c = 0; c < 256; ++c) {
      t[c] = kClass[c] == 1   ? 1
             : kClass[c] == 2 ? uint64_t{1} << 21
             : kClass[c] == 3 ? uint64_t{1} << 42
                              : 0;
    }
    return t;
  }();
  constexpr uint64_t kField = (uint64_t{1} << 21) - 1;
  size_t punct = 0, letters = 0, spaces = 0;
  for (size_t from = 0; from < l.size(); from += kField) {
    uint64_t sum = 0;
    for (unsigned char c : l.substr(from, kField)) sum += kCount[c];
    punct += sum & kField;
    letters += (sum >> 21) & kField;
    spaces += sum >> 42;
  }
  double density = static_cast<double>(punct) / static_cast<double>(l.size());
  if (density > 0.12) s += 0.2;
  if (density > 0.25) s += 0.1;
  // The prose penalties below are known now; operators, calls and indentation
  // add at most 0.4. A line that cannot reach 0.5 is scored 0, which its
  // caller treats the same (only >= 0.5 counts), without the passes below.
  {
    double bound = s + 0.4;
    if (spaces > 6 && density < 0.08) bound -= 0.4;
    if ((last == '.' || last == '?' || last == '!') && density < 0.1) bound -= 0.3;
    if (bound < 0.5 - 1e-9) return 0;
  }
  // Operators and call syntax, found in one pass over the line.
  bool infix = false;
  for (size_t i = 0; i + 1 < l.size() && !infix; ++i) {
    char a = l[i], b = l[i + 1];
    switch (a) {
      case '=':
        infix = b == '=' || b == '>';
        break;
      case '!':
        infix = b == '=';
        break;
      case '-':
        infix = b == '>' || b == '=' || b == '-';
        break;
      case '+':
        infix = b == '=' || b == '+';
        break;
      case ':':
        infix = b == ':';
        break;
      case '&':
        infix = b == '&';
        break;
      case '|':
        infix = b == '|';
        break;
      case '<':
        infix = b == '/';
        break;
      case '/':
        infix = b == '>';
        break;
      case ')':
        infix = b == ';' || b == '{' || (b == ' ' && i + 2 < l.size() && l[i + 2] == '{');
        break;
      case ' ':
        infix = b == '=' && i + 2 < l.size() && l[i + 2] == ' ';
        break;
      case '[':
        infix = (b == '0' || b == 'i') && i + 2 < l.size() && l[i + 2] == ']';
        break;
      default:
        break;
    }
  }
  if (!infix) {
    infix = l.find("self.") != std::string_view::npos || l.find("this.") != std::string_view::npos;
  }
  if (infix) s += 0.2;
  // Identifiers with underscores or camelCase followed by "(".
  for (size_t i = 1; i < l.size(); ++i) {
    if (l[i] == '(' && (ascii::isalnum(static_cast<unsigned char>(l[i - 1])) || l[i - 1] == '_')) {
      s += 0.15;
      break;
    }
  }
  // Prose: long runs of words with spaces and a sentence end.
  if (spaces > 6 && density < 0.08) s -= 0.4;
  if ((last == '.' || last == '?' || last == '!') && density < 0.1) s -= 0.3;
  if (a > 0 && s > 0) s += 0.05;  // indentation
  return std::clamp(s, 0.0, 1.0);
}

}  // namespace

void find_code(std::string_view text, double threshold, std::vector<Hit>& out) {
  // Fenced blocks first; their content is code whatever it looks like.
  std::vector<std::pair<size_t, size_t>> fenced;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("```", pos);
    if (open == std::string_view::npos) break;
    size_t body = text.find('\n', open);
    if (body == std::string_view::npos) break;
    size_t close = text.find("```", body);
    size_t end = close == std::string_view::npos ? text.size() : close + 3;
    out.push_back(Hit{open, end, 0.95, ""});
    fenced.emplace_back(open, end);
    pos = end;
  }
  // Unfenced: runs of code-like lines (blank lines inside allowed).
  size_t i = 0, fi = 0;
  size_t run_start = 0, run_end = 0;
  int run_lines = 0;
  double run_sum = 0;
  auto flush = [&] {
    if (run_lines >= 2 || (run_lines == 1 && run_sum >= 0.9)) {
      double mean = run_sum / run_lines;
      double score = std::min(1.0, mean + 0.05 * (run_lines - 1));
      if (score >= threshold) out.push_back(Hit{run_start, run_end, std::min(score, 0.95), ""});
    }
    run_lines = 0;
    run_sum = 0;
  };
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    size_t le = nl == std::string_view::npos ? text.size() : nl;
    while (fi < fenced.size() && fenced[fi].second <= i) ++fi;
    bool in_fence = fi < fenced.size() && fenced[fi].first <= le && i < fenced[fi].second;
    if (in_fence) {
      flush();
    } else if (le - i <= 2000) {
      double s = line_score(text.substr(i, le - i));
      if (s < 0) {
        // blank line: keep the run open
      } else if (s >= 0.5) {
        if (run_lines == 0) {
          run_start = i;
          while (run_start < le && (text[run_start] == ' ' || text[run_start] == '\t')) ++run_start;
        }
        run_end = le;
        while (run_end > run_start && (text[run_end - 1] == '\r' || text[run_end - 1] == ' '))
          --run_end;
        ++run_lines;
        run_sum += s;
      } else {
        flush();
      }
    } else {
      flush();
    }
    i = le + 1;
  }
  flush();
}

}  // namespace perimeter::detect::internal
