// PERSON: titled and labelled names, signatures, and given-name + surname
// pairs from a gazetteer. Works on tokens, one linear pass per message.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "detect/ascii.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {

// Generated from detect/data/*.txt at build time.
extern const char* const kGivenNames;
extern const char* const kSurnames;

namespace {

// A set of words for membership tests: open addressing with linear probing
// over a power-of-two table at most half full, each slot holding the word's
// hash. The name pass asks it several questions per capitalised word;
// std::unordered_set's bucket lists and modulo made those a sizeable part of
// the pass.
class WordSet {
 public:
  WordSet() = default;
  WordSet(std::initializer_list<std::string_view> words) {
    for (std::string_view w : words) insert(w);
  }
  template <class It>
  WordSet(It first, It last) {
    for (; first != last; ++first) insert(*first);
  }
  void insert(std::string_view w) {
    if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    put(w);
  }
  size_t count(std::string_view w) const {
    if (slots_.empty() || w.empty()) return 0;
    const unsigned f = bit(w);
    if (!(filter_[f >> 6] >> (f & 63) & 1)) return 0;
    const uint64_t h = hash(w);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (!s.used) return 0;
      if (s.hash == h && s.word == w) return 1;
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    std::string_view word;
    bool used = false;
  };
  // Most questions are about words not in the set: a 128-bit filter on the
  // first and last byte and the length answers most of them without hashing
  // (the name pass asks a dozen small sets about each capitalised word).
  static unsigned bit(std::string_view w) {
    return (static_cast<unsigned char>(w.front()) * 7u +
            static_cast<unsigned char>(w.back()) * 13u + static_cast<unsigned>(w.size()) * 31u) &
           127u;
  }
  static uint64_t hash(std::string_view w) {  // FNV-1a
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : w) {
      h ^= c;
      h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
  }
  void put(std::string_view w) {
    if (!w.empty()) {
      const unsigned f = bit(w);
      filter_[f >> 6] |= uint64_t{1} << (f & 63);
    }
    const uint64_t h = hash(w);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (!s.used) {
        s = Slot{h, w, true};
        ++size_;
        return;
      }
      if (s.hash == h && s.word == w) return;
    }
  }
  void rehash(size_t n) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(n, Slot{});
    size_ = 0;
    for (const Slot& s : old) {
      if (s.used) put(s.word);
    }
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
  uint64_t filter_[2] = {0, 0};
};

struct Gazetteer {
  WordSet given, surname, common;
  // True if `w` is a given name or a surname.
  bool knows(std::string_view w) const { return given.count(w) > 0 || surname.count(w) > 0; }
  Gazetteer() {
    auto load = [](const char* data, WordSet& set) {
      std::string_view all(data);
      size_t i = 0;
      while (i < all.size()) {
        size_t nl = all.find('\n', i);
        if (nl == std::string_view::npos) nl = all.size();
        if (nl > i) set.insert(all.substr(i, nl - i));
        i = nl + 1;
      }
    };
    load(kGivenNames, given);
    load(kSurnames, surname);
    // Capitalised words that are names but far more often something else.
    static const char* kCommon[] = {
        "May",      "Will",      "Bill",     "Mark",     "Rose",     "June",     "April",
        "August",   "Grant",     "Hope",     "Faith",    "Joy",      "Chase",    "Dawn",
        "Lane",     "Page",      "Sky",      "Summer",   "Art",      "Ray",      "Guy",
        "Rich",     "Don",       "Sue",      "Pat",      "Jack",     "Amber",    "Ruby",
        "Crystal",  "Holly",     "Iris",     "Ivy",      "Violet",   "Lily",     "Penny",
        "Sandy",    "Rocky",     "Young",    "White",    "Black",    "Brown",    "Green",
        "King",     "Little",    "Long",     "Short",    "Small",    "Wood",     "Stone",
        "Hill",     "Street",    "Field",    "Price",    "Cash",     "Star",     "Bob",
        "Jean",     "Christian", "Frank",    "Sterling", "Miles",    "Dean",     "Gene",
        "Noble",    "Ernest",    "Major",    "Case",     "Cook",     "Hunter",   "Mason",
        "Parker",   "Carter",    "Baker",    "Miller",   "Smith",    "Walker",   "Turner",
        "Fisher",   "Porter",    "Bishop",   "Church",   "Monday",   "Tuesday",  "Wednesday",
        "Thursday", "Friday",    "Saturday", "Sunday",   "January",  "February", "March",
        "July",     "September", "October",  "November", "December", "Easter",   "Christmas",
        "The",      "This",      "That",     "These",    "Those",    "And",      "But",
        "For",      "With",      "From",     "Please",   "Thanks",   "Thank",    "Hello",
        "Dear",     "Hi",        "Hey",      "Yes",      "No",       "Ok",       "Okay",
        "New",      "North",     "South",    "East",     "West",     "Central",  "General",
        "Doctor",   "Patient",   "Name",     "Street",   "Road",     "Avenue",   "Can",
        "Could",    "Would",     "Should",   "Is",       "Are",      "Was",      "Were",
        "Did",      "Do",        "Does",     "Have",     "Has",      "Had",      "What",
        "When",     "Where",     "Who",      "Why",      "How",      "Which",    "If",
        "Then",     "So",        "As",       "At",       "By",       "In",       "On",
        "Of",       "To",        "Up",       "An",       "A",        "I",        "It",
        "We",       "You",       "He",       "She",      "They",     "My",       "Our",
        "Your",     "His",       "Her",      "Their",    "Also",     "All",      "Any",
        "Some",     "Each",      "Every",    "More",     "Most",     "Many",     "Much",
        "Very",     "Just",      "Only",     "Even",     "Still",    "Here",     "There",
        "Now",      "Today",     "Tomorrow", "Not",      "Love",     "Angel",    "Honey",
        "Sunny",    "Happy",     "Lucky",    "Golden",   "Silver",   "Pearl",    "Coral",
        "Jewel",    "Precious",  "Destiny",  "Trinity",  "Harmony",  "Serenity", "Liberty",
        "Justice",  "Royal",     "Prince",   "Princess", "Duke",     "Earl",     "Baron",
        "Lord",     "Lady",      "Queen",    "Bank",     "Card",     "Account",  "Number",
        "Email",    "Phone",     "Address",  "Date",     "Time",     "Code",     "Data",
        "Server",   "Client",    "User",     "Admin",    "Test",     "Error",    "Warning",
        "Info",     "Debug",     "True",     "False",    "None",     "Null",     "Key",
        "Value",    "Type",      "Class",    "Function", "Method",   "Return"};
    for (const char* c : kCommon) common.insert(c);
  }
};

const Gazetteer& gazetteer() {
  static const Gazetteer g;
  return g;
}

bool letter(unsigned char c) {
  return ascii::isalpha(c) || c >= 0x80;
}

// Street suffixes: "Stefan Square" and "Maximilian Trail" are places.
bool street_word(std::string_view w) {
  static const WordSet kStreet = {
      "Street",   "St",      "Avenue",   "Ave",     "Road",    "Rd",      "Lane",    "Ln",
      "Drive",    "Dr",      "Court",    "Ct",      "Way",     "Place",   "Pl",      "Boulevard",
      "Blvd",     "Terrace", "Circle",   "Parkway", "Ridge",   "Square",  "Trail",   "Highway",
      "Plaza",    "Alley",   "Crescent", "Grove",   "Gardens", "Heights", "Park",    "Bridge",
      "Creek",    "Valley",  "Village",  "Station", "Island",  "Lake",    "River",   "Mountain",
      "Hill",     "Hills",   "Point",    "Port",    "Harbor",  "Falls",   "Springs", "Center",
      "Crossing", "Estates", "Meadows",  "Mills",   "Shores",  "Summit",  "Union",   "View",
      "Vista",    "Walk"};
  return kStreet.count(w) > 0;
}

bool has_lower(std::string_view w) {
  for (unsigned char c : w) {
    if (ascii::islower(c) || c >= 0x80) return true;
  }
  return false;
}

bool all_caps(std::string_view w) {
  for (unsigned char c : w) {
    if (ascii::islower(c)) return false;
  }
  return true;
}

// "Corp's" -> "Corp": organisation and street words keep their meaning in the possessive.
std::string_view strip_possessive(std::string_view w) {
  if (w.size() > 2 && w.compare(w.size() - 2, 2, "'s") == 0) {
    w.remove_suffix(2);
  } else if (w.size() > 4 && w.compare(w.size() - 4, 4, "\u2019s") == 0) {
    w.remove_suffix(4);
  }
  return w;
}

bool equals_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii::tolower(static_cast<unsigned char>(a[i])) !=
        ascii::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// The first position at or after i holding 'A'-'Z' or 0xC3 (the lead byte of
// the Latin-1 capitals), or text.size(): every name starts at one. Sixteen
// bytes at a time where SSE2 is available; prose is mostly skipped here.
size_t next_cap_lead(std::string_view text, size_t i) {
  const size_t n = text.size();
#if defined(__SSE2__)
  const __m128i lo = _mm_set1_epi8('A' - 1), hi = _mm_set1_epi8('Z' + 1),
                c3 = _mm_set1_epi8(static_cast<char>(0xC3));
  while (i + 16 <= n) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    // Signed compares: bytes >= 0x80 are negative, so only ASCII capitals pass.
    __m128i cap = _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
    unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(cap, _mm_cmpeq_epi8(v, c3))));
    if (m) return i + static_cast<size_t>(__builtin_ctz(m));
    i += 16;
  }
#endif
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c >= 'A' && c <= 'Z') || c == 0xC3) return i;
    ++i;
  }
  return n;
}

// True if `w`, lower-cased, is in `set` (of lower-case words up to 16 bytes).
bool contains_lower(const WordSet& set, std::string_view w) {
  char buf[16];
  if (w.size() > sizeof buf) return false;
  for (size_t k = 0; k < w.size(); ++k)
    buf[k] = static_cast<char>(ascii::tolower(static_cast<unsigned char>(w[k])));
  return set.count(std::string_view(buf, w.size())) > 0;
}

// "File name", "Host name": the word before "name" that makes it no person's.
bool names_a_thing(std::string_view qualifier) {
  static const WordSet kThings = {
      "file",    "user",    "host",  "domain",   "company", "product", "brand",  "street",
      "project", "account", "field", "column",   "table",   "key",     "model",  "device",
      "app",     "service", "org",   "business", "event",   "item",    "city",   "country",
      "server",  "bucket",  "class", "package",  "path",    "display", "screen", "team"};
  return contains_lower(kThings, qualifier);
}

// Tables with a name column. A header cell "Name" ("Full name", "Patient
// name", ...) of a CSV, TSV or Markdown table makes the cells under it names,
// whether or not the gazetteer knows them ("Name,Email" then "Priya
// Kowalski,priya@example.com"). `p` is where "name" stands in the text.
// Returns where the rows it read end (at least p): a "name" before that is
// inside them, so that every row is read once, whatever the text.
size_t table_names_at(std::string_view text, size_t p, std::vector<Hit>& out) {
  const size_t n = text.size();
  size_t ls = p;
  while (ls > 0 && text[ls - 1] != '\n' && p - ls < 256) --ls;
  if (ls > 0 && text[ls - 1] != '\n') return p;
  auto line_end = [&](size_t a) {
    const void* nl = std::memchr(text.data() + a, '\n', n - a);
    return nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : n;
  };
  const size_t le = line_end(p);
  if (le - ls > 4096) return le;  // no header line
  std::string_view header = text.substr(ls, le - ls);
  char delim = 0;
  for (char d : {'\t', '|', ','}) {
    if (header.find(d) != std::string_view::npos) {
      delim = d;
      break;
    }
  }
  if (!delim) return p;
  auto trim = [&](size_t& a, size_t& b) {
    while (a < b && (text[a] == ' ' || text[a] == '*' || text[a] == '"' || text[a] == '\r')) ++a;
    while (b > a &&
           (text[b - 1] == ' ' || text[b - 1] == '*' || text[b - 1] == '"' || text[b - 1] == '\r'))
      --b;
  };
  // The cells of the line [a, e): their [start, end) pairs, trimmed.
  auto cells_of = [&](size_t a, size_t e, std::vector<std::pair<size_t, size_t>>& cells) {
    cells.clear();
    for (size_t c = a;;) {
      const void* d = std::memchr(text.data() + c, delim, e - c);
      size_t ce = d ? static_cast<size_t>(static_cast<const char*>(d) - text.data()) : e;
      size_t cs = c, cend = ce;
      trim(cs, cend);
      cells.emplace_back(cs, cend);
      if (!d) return;
      c = ce + 1;
    }
  };
  std::vector<std::pair<size_t, size_t>> head, row;
  cells_of(ls, le, head);
  size_t col = head.size();
  for (size_t k = 0; k < head.size(); ++k) {
    if (head[k].first <= p && p < head[k].second) col = k;
  }
  if (col == head.size()) return p;
  // "Name", "Full name", "Patient name": up to three words ending in "name",
  // but not the name of a file, host, company, ... .
  std::string cell(text.substr(head[col].first, head[col].second - head[col].first));
  for (auto& c : cell) c = static_cast<char>(ascii::tolower(static_cast<unsigned char>(c)));
  if (cell.size() < 4 || cell.size() > 24 || cell.compare(cell.size() - 4, 4, "name") != 0)
    return p;

  const size_t sp = cell.find(' ');
  if (sp != std::string::npos && names_a_thing(std::string_view(cell).substr(0, sp))) return p;
  if (std::count(cell.begin(), cell.end(), ' ') > 2 ||
      cell.find_first_of("_.") != std::string::npos)
    return p;
  auto name_like = [&](size_t a, size_t b) {
    if (b - a < 2 || b - a > 64) return false;
    int words = 0;
    for (size_t k = a; k < b; ++k) {
      const auto c = static_cast<unsigned char>(text[k]);
      const bool starts = k == a || text[k - 1] == ' ';
      if (starts) {
        ++words;
        if (!((c >= 'A' && c <= 'Z') || c >= 0xC3)) return false;
      } else if (!(letter(c) || c == ' ' || c == '.' || c == '-' || c == '\'')) {
        return false;
      }
    }
    return words <= 5;
  };
  bool separator_seen = false;
  size_t a = le + 1;
  for (; a < n;) {
    const size_t e = line_end(a);
    cells_of(a, e, row);
    if (row.size() != head.size()) break;
    const auto [cs, ce] = row[col];
    // Markdown's |---|---| line, once, right under the header.
    if (!separator_seen && cs < ce && text[cs] == '-') {
      separator_seen = true;
      a = e + 1;
      continue;
    }
    separator_seen = true;
    if (name_like(cs, ce)) out.push_back(Hit{cs, ce, 0.85, ""});
    a = e + 1;
  }
  return std::max(p, std::min(a, n));
}

}  // namespace

// Names listed together: "founders: Hudson, Gaylord and Runte", "Padberg and
// Nolan were". A capitalised word `name_word` accepts, listed (", ", " and ",
// ", and ", " & ") right after or before a reported name (`out`, sorted by
// start), is a name too, and the list goes on from it. Every item is read
// at most once each way: a walk stops at a word that is already a name.
template <class NameWord, class KnownWord, class WordEnd, class Extend>
void list_names(std::string_view text, std::vector<Hit>& out, NameWord name_word,
                KnownWord known_word, WordEnd word_end, Extend extend) {
  constexpr double kReported = 0.55, kListed = 0.6;
  const size_t n = text.size(), found = out.size();
  auto listed = [&](size_t s, size_t e) {  // overlaps a name already found
    auto it = std::lower_bound(out.begin(), out.begin() + static_cast<long>(found), e,
                               [](const Hit& h, size_t x) { return h.start < x; });
    return it != out.begin() && std::prev(it)->end > s;
  };
  // The length of the list separator that starts at e (ends at s), or 0.
  static constexpr std::string_view kSeps[] = {", and ", " and ", ", ", " & "};
  auto sep_after = [&](size_t e) -> size_t {
    for (std::string_view sep : kSeps)
      if (text.compare(e, sep.size(), sep) == 0) return sep.size();
    return 0;
  };
  auto sep_before = [&](size_t s) -> size_t {
    for (std::string_view sep : kSeps)
      if (s >= sep.size() && text.compare(s - sep.size(), sep.size(), sep) == 0) return sep.size();
    return 0;
  };
  std::vector<Hit> more;
  std::vector<char> unknown_item;  // per entry of `more`
  for (size_t k = 0; k < found; ++k) {
    if (out[k].score < kReported) continue;
    // Listed names share a shape: "Rosemarie, Kellie and Aiyana", "Jane Doe and
    // Bob Roe"; "Jane Doe, Paris, France" lists a place.
    const bool full =
        text.substr(out[k].start, out[k].end - out[k].start).find(' ') != std::string_view::npos;
    // Items the gazetteer knows are names. Unknown ones count only where the
    // list holds two known names (the name itself, an item, or the name a
    // walk stops at) and no more unknown than known ones: "Hudson, Gaylord
    // and Runte" lists people, "Jessica, Kevin, Legal and Compliance"
    // departments.
    const size_t first = more.size();
    int known = known_word(out[k].start, word_end(out[k].start)) ? 1 : 0, unknown = 0;
    unknown_item.resize(first);
    // An item [a, end) whose first word ends at we.
    auto add = [&](size_t a, size_t we, size_t end) {
      more.push_back(Hit{a, end, kListed, ""});
      unknown_item.push_back(!known_word(a, we));
      known += !unknown_item.back();
      unknown += unknown_item.back();
    };
    // Forward: "Hudson, Gaylord and Runte".
    for (size_t e = out[k].end;;) {
      const size_t a = e + sep_after(e);
      if (a == e || a >= n) break;
      const size_t we = word_end(a);
      if (we == a || !name_word(a, we)) break;
      const size_t end = extend(we);
      if ((end > we) != full) break;
      // "Jane Doe, London.": after a bare comma the list must go on.
      if (text.compare(e, 2, ", ") == 0 && text.compare(e, 6, ", and ") != 0 && !sep_after(end))
        break;
      if (listed(a, end)) {
        known += known_word(a, we);
        break;
      }
      add(a, we, end);
      e = end;
    }
    // Backward: "Padberg and Nolan".
    for (size_t s = out[k].start;;) {
      const size_t b = s - sep_before(s);
      size_t a = b;
      while (a > 0 && a + 32 > b && letter(static_cast<unsigned char>(text[a - 1]))) --a;
      if (full || b == s || a == b || (a > 0 && letter(static_cast<unsigned char>(text[a - 1]))) ||
          word_end(a) != b || !name_word(a, b))
        break;
      if (listed(a, b)) {
        known += known_word(a, b);
        break;
      }
      // "In Boston, Jane Doe": before a bare comma the list must begin or go on.
      if (text.compare(b, 2, ", ") == 0 && a > 0 && !sep_before(a) && text[a - 1] != '\n' &&
          !(a >= 2 && text.compare(a - 2, 2, ": ") == 0))
        break;
      add(a, b, b);
      s = a;
    }
    if (unknown > 0 && (known < 2 || unknown > known)) {
      size_t kept = first;
      for (size_t q = first; q < more.size(); ++q) {
        if (unknown_item[q]) continue;
        unknown_item[kept] = 0;
        more[kept++] = more[q];
      }
      more.resize(kept);
      unknown_item.resize(kept);
    }
  }
  if (more.empty()) return;
  // An item between two names is reached from both.
  auto by_start = [](const Hit& x, const Hit& y) { return x.start < y.start; };
  std::sort(more.begin(), more.end(), by_start);
  // Reached from both sides, an item may come as "Director Okafor" and "Okafor":
  // the first kept wins.
  size_t kept = 0;
  for (size_t k = 0; k < more.size(); ++k) {
    if (kept == 0 || more[k].start >= more[kept - 1].end) more[kept++] = more[k];
  }
  more.resize(kept);
  out.insert(out.end(), more.begin(), more.end());
  std::sort(out.begin(), out.end(), by_start);
}

void find_persons(std::string_view text, std::vector<Hit>& out) {
  const Gazetteer& g = gazetteer();
  static const char* kTitles[] = {"Mr",  "Mrs",  "Ms",     "Miss",   "Mx",
                                  "Dr",  "Prof", "Sir",    "Madam",  "Dame",
                                  "Rev", "Fr",   "Mister", "Doctor", "Professor"};
  static const char* kLabels[] = {
      "name",   "patient",   "signed",  "regards",     "sincerely", "dear",      "attn",
      "from",   "cc",        "contact", "client",      "employee",  "physician", "nurse",
      "author", "applicant", "member",  "beneficiary", "guardian",  "witness",   "cheers",
      "thanks", "best",      "hi",      "hello",       "hey"};
  static const WordSet kTitleSet(std::begin(kTitles), std::end(kTitles));
  static const WordSet kLabelSet(std::begin(kLabels), std::end(kLabels));
  const size_t n = text.size();
  auto at = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  auto is_cap_start = [&](size_t i) {
    unsigned char c = at(i);
    if (c >= 'A' && c <= 'Z') return true;
    return c == 0xC3 && i + 1 < n && at(i + 1) >= 0x80 && at(i + 1) <= 0x9E;
  };
  // End of the word starting at i: letters with inner apostrophes/hyphens,
  // never ending inside a UTF-8 sequence.
  auto word_end = [&](size_t i) {
    size_t s = i;
    while (i < n) {
      unsigned char d = at(i);
      if (letter(d)) {
        ++i;
      } else if ((d == '\'' || d == '-') && i > s && i + 1 < n && letter(at(i + 1))) {
        ++i;
      } else {
        break;
      }
    }
    while (i > s && (at(i - 1) & 0xC0) == 0xC0) --i;
    return i;
  };
  // The word ending right before position i (after skipping `gap` chars of
  // non-letters), with its start in *ws; empty if none.
  auto word_before_pos = [&](size_t i, size_t* ws, std::string_view* gap_out) {
    size_t e = i;
    // Forms align their values: "Name:      Giles Kovacek".
    while (e > 0 && (text[e - 1] == ' ' || text[e - 1] == '\t') && i - e < 32) --e;
    // The blanks count as one of the (at most 4) bytes between the words.
    for (size_t k = e < i ? 1 : 0; k < 4 && e > 0 && !letter(at(e - 1)); ++k) --e;
    if (gap_out) *gap_out = text.substr(e, i - e);
    size_t s = e;
    while (s > 0 && letter(at(s - 1)) && e - s < 16) --s;
    *ws = s;
    return text.substr(s, e - s);
  };
  auto lower_eq_label = [&](std::string_view w) { return contains_lower(kLabelSet, w); };
  // "I'm Eloy Howell", "You're Supposed To": contractions are never part of a name.
  static const WordSet kPronoun = {"I'm",     "I'd",   "I've",   "I'll",    "You're", "You've",
                                   "You'll",  "You'd", "We're",  "We've",   "We'll",  "They're",
                                   "They've", "It's",  "That's", "There's", "Here's", "What's",
                                   "Let's",   "Don't", "Can't",  "Won't",   "Didn't", "Isn't"};
  auto contraction = [](std::string_view w) {
    const size_t mark = w.find_first_of("'\xE2");
    if (mark == std::string_view::npos) return false;
    // Typed or typographic apostrophe: "I'm", "I\u2019m".
    const size_t q = w.find("\u2019", mark);
    if (q != std::string_view::npos && w.size() <= 16) {
      char plain[16];
      size_t k = 0;
      for (size_t j = 0; j < w.size(); j += j == q ? 3 : 1) plain[k++] = j == q ? '\'' : w[j];
      return kPronoun.count(std::string_view(plain, k)) > 0;
    }
    return kPronoun.count(w) > 0;
  };
  // Extends a name from the word [s, e) over following capitalised words and
  // initials on the same line; returns the end offset.
  auto extend = [&](size_t e, int max_more) {
    for (int k = 0; k < max_more; ++k) {
      size_t i = e;
      bool initial =
          e - 1 < n && i < n && text[i] == '.' && e >= 1 && (e < 2 || !letter(at(e - 2)));
      if (initial) ++i;
      if (i >= n || text[i] != ' ') break;
      ++i;
      if (i >= n || !is_cap_start(i)) break;
      size_t we = word_end(i);
      std::string_view w = text.substr(i, we - i);
      // A middle initial ("Allene A. Ankunding"), though "A" is a common word.
      const bool middle_initial = w.size() == 1 && we < n && text[we] == '.';
      if (we == i || (g.common.count(w) && !g.surname.count(w) && !middle_initial) ||
          (all_caps(w) && w.size() > 3) || contraction(w))
        break;
      // "Ms. Deven Abernathy Suite 487": an address line goes on after the name;
      // "Adaeze Okafor MD": credentials and offices are no part of it.
      static const WordSet kUnit = {"Suite", "Apt", "Apartment", "Unit", "Floor", "Room", "Bldg"};
      static const WordSet kCredential = {"MD",  "RN",  "PhD", "DO",  "NP",  "PA",  "PT",  "DDS",
                                          "DVM", "JD",  "MBA", "CPA", "Esq", "LPN", "DNP", "APRN",
                                          "FNP", "CEO", "CFO", "CTO", "COO", "VP"};
      if (street_word(w) || kUnit.count(w) || kCredential.count(w)) break;
      e = we;
      if (strip_possessive(w).size() < w.size()) break;  // "Amber Rowe's book"
    }
    return e;
  };

  // After "I'm" or "I am", a capitalised word is a name if the gazetteer
  // knows it or the surname that follows ("I'm Kariane Fisher"), not so
  // "I'm Canadian". [s, e) is the word after the label, `end` = extend(e, 2).
  auto introduced_name = [&](size_t s, size_t e, size_t end) {
    if (g.given.count(text.substr(s, e - s))) return true;
    size_t ls = end;
    while (ls > e && letter(at(ls - 1))) --ls;
    const std::string_view last = text.substr(ls, end - ls);
    return end > e && g.knows(last);
  };

  static const WordSet kPlacePrefix = {"Lake",  "Port", "New",   "North", "South", "East",  "West",
                                       "Mount", "Fort", "Saint", "San",   "Santa", "Los",   "Las",
                                       "El",    "Glen", "Lower", "Upper", "Old",   "Little"};

  static const WordSet kNotName = {
      "LLC",       "Corp",     "Inc",     "Ltd",     "Group",      "Company", "Co",     "Club",
      "Orchestra", "Band",     "TV",      "News",    "Weekly",     "Times",   "Post",   "Act",
      "Law",       "Tales",    "Records", "Studios", "University", "College", "School", "Hospital",
      "Bank",      "Airlines", "Motors",  "Labs",    "Me",         "You",     "Us",     "Him",
      "Them",      "Back",     "Day",     "Night",   "Street",     "City",    "County"};

  // "Producer Lilly Dickens": a role before a name is no part of it. (An
  // unknown word before a given name may be a given name we lack:
  // "Thandiwe Lilly Dickens" on a signature line.)
  static const WordSet kRole = {
      "Producer",   "Director",  "Singer",     "Writer",    "Author",    "Editor",      "Manager",
      "Nurse",      "Officer",   "Agent",      "Captain",   "Coach",     "Judge",       "Senator",
      "President",  "Governor",  "Mayor",      "Chairman",  "Chef",      "Pastor",      "Bishop",
      "Sergeant",   "Detective", "Host",       "Reporter",  "Actor",     "Actress",     "Composer",
      "Drummer",    "Guitarist", "Rapper",     "Artist",    "Designer",  "Engineer",    "Founder",
      "Chief",      "Dean",      "Principal",  "Therapist", "Surgeon",   "Lawyer",      "Attorney",
      "Councillor", "Minister",  "Ambassador", "Inspector", "Constable", "Commissioner"};

  size_t i = 0;
  while (i < n) {
    // Fast skip to the next capital letter at a word start (or a lowercase
    // "name is" / "dear" style label handled via the word before a capital).
    i = next_cap_lead(text, i);
    if (i >= n) break;
    // A capital after a hyphenated prefix ("ex-Zombie", "non-Hodgkin") starts
    // no name.
    if (!is_cap_start(i) || (i > 0 && letter(at(i - 1))) ||
        (i > 1 && text[i - 1] == '-' && ascii::islower(at(i - 2)))) {
      ++i;
      continue;
    }
    size_t s = i, e = word_end(i);
    if (e == s) {
      ++i;
      continue;
    }
    std::string_view w = text.substr(s, e - s);
    // "Cameron's address": a possessive name is looked up without its "'s",
    // and ends there ("Mr. Brennan's Dog").
    const std::string_view bare_w = strip_possessive(w);
    auto name_end = [&] { return bare_w.size() < w.size() ? e : extend(e, 2); };
    // Acronyms and company suffixes, possessive or not ("LLC's", "Corp's"), are
    // never the start of a name.
    static const WordSet kCompany = {"Corp", "Inc", "Ltd", "Co", "Group", "Company", "Plc"};
    if (all_caps(w) || all_caps(strip_possessive(w)) || kCompany.count(strip_possessive(w)) ||
        contraction(w)) {
      i = e;
      continue;
    }
    // 1. A title before it: "Dr. Smith", "Mrs Jane Doe".
    size_t ps;
    std::string_view gap;
    std::string_view prev = word_before_pos(s, &ps, &gap);
    // "Employee:      Job Title: Engineer": an empty field of an aligned form,
    // then the next label ("Patient: Okafor: BP 120/80" keeps its name).
    if (gap.find(':') != std::string_view::npos &&
        (gap.find('\n') != std::string_view::npos || gap.find("  ") != std::string_view::npos)) {
      const size_t end = extend(e, 2);
      if (text.compare(end, 1, ":") == 0) {
        i = end;
        continue;
      }
    }
    bool title_before = !prev.empty() && (gap == ". " || gap == " ") && kTitleSet.count(prev);
    if (!title_before && gap == ". " && prev.size() <= 4 && !prev.empty()) {
      std::string cap(prev);
      cap[0] = static_cast<char>(ascii::toupper(static_cast<unsigned char>(cap[0])));
      title_before = kTitleSet.count(cap) > 0;
    }
    // "Mr. Price", "Dr Baker": after a title, a surname that is also a word is
    // a name; not in "Elm Dr West", where "Dr" after a capitalised word is a
    // street's Drive.
    auto street_abbreviation = [&] {
      if (gap != " " || prev != "Dr") return false;
      size_t ws;
      const std::string_view before = word_before_pos(ps, &ws, nullptr);
      return !before.empty() && is_cap_start(ws);
    };
    if (title_before &&
        (!g.common.count(w) || (g.surname.count(bare_w) && !street_abbreviation()))) {
      size_t end = name_end();
      out.push_back(Hit{s, end, 0.85, ""});
      i = end;
      continue;
    }
    // The word itself is a title: its name follows; handled when we reach it.
    if (kTitleSet.count(w)) {
      i = e;
      continue;
    }
    // 2. A label before it: "Name: Jane Doe", "my name is Jane", "Dear Jane,".
    bool labelled = false;
    double label_score = 0.75;
    if (!prev.empty()) {
      // After "name", the word before it: "File name: Report" names a file;
      // "What's your name? Jane Doe" answers a question about a person's name
      // ("your", "his", "her", "their", maybe "last" between).
      bool asked = false, thing = false;
      if (equals_ci(prev, "name")) {
        size_t ws;
        std::string_view owner = word_before_pos(ps, &ws, nullptr);
        thing = names_a_thing(owner);
        if (gap == "? ") {
          static const WordSet kPart = {"first", "last", "full", "middle", "maiden", "given"};
          if (kPart.count(owner)) owner = word_before_pos(ws, &ws, nullptr);
          static const WordSet kOwner = {"your", "his", "her", "their", "Your", "His", "Her"};
          asked = kOwner.count(owner) > 0;
        }
      }
      if (!thing && lower_eq_label(prev) &&
          (gap.find(':') != std::string_view::npos || gap.find(',') != std::string_view::npos ||
           gap == " " || asked)) {
        std::string_view lp = prev;
        bool strong = lower_eq_label(lp) && (lp.size() == 4 && (lp[0] == 'n' || lp[0] == 'N'));
        bool colon = gap.find(':') != std::string_view::npos ||
                     gap.find(',') != std::string_view::npos || asked;
        bool greeting = equals_ci(lp, "dear") || equals_ci(lp, "hi") || equals_ci(lp, "hello") ||
                        equals_ci(lp, "hey") || equals_ci(lp, "patient") ||
                        equals_ci(lp, "contact");
        labelled = colon || greeting;
        if (strong || equals_ci(lp, "patient")) label_score = 0.9;
      } else if ((prev == "is" || prev == "am" || prev == "me") && gap == " ") {
        size_t pps;
        std::string_view pprev = word_before_pos(ps, &pps, nullptr);
        labelled = (prev == "is" && (equals_ci(pprev, "name") || equals_ci(pprev, "this"))) ||
                   (prev == "am" && pprev == "I") ||
                   (prev == "me" && (equals_ci(pprev, "call") || pprev == "calls"));
        if (labelled && prev == "am") labelled = introduced_name(s, e, extend(e, 2));
        if (equals_ci(pprev, "name")) label_score = 0.9;
      } else if (gap == " " && (prev == "Iam" || prev == "I\u2019m" ||
                                (prev == "m" && ps >= 2 && text.substr(ps - 2, 2) == "I'" &&
                                 (ps == 2 || !letter(at(ps - 3)))))) {
        labelled = introduced_name(s, e, extend(e, 2));  // "I'm Kariane Fisher"
      } else if (gap == " ") {
        // "my son Jake", "named him Caden", "was called Jaquan White",
        // '"...," says Kerluke.'
        static const WordSet kKin = {
            "son",     "daughter", "kid",       "child",         "baby",        "wife",
            "husband", "brother",  "sister",    "mother",        "father",      "mom",
            "dad",     "mum",      "grandson",  "granddaughter", "grandmother", "grandfather",
            "fiance",  "fiancee",  "boyfriend", "girlfriend",    "cousin",      "uncle",
            "aunt",    "nephew",   "niece"};
        static const WordSet kPossessive = {"my", "our", "his", "her", "their", "your",
                                            "My", "Our", "His", "Her", "Their", "Your"};
        static const WordSet kSays = {"says", "said", "asks", "asked", "replied", "whispered"};
        static const WordSet kBe = {"is", "was", "are", "were", "be", "been"};
        // The word before `prev` is read only for the few words that need it.
        const bool kin = kKin.count(prev) > 0, object = prev == "him" || prev == "her";
        const bool says = kSays.count(prev) > 0;
        // "shouted at Jewell", "talked to Ransom": what one does at or to a person.
        static const WordSet kAtPerson = {"shouted", "yelled", "screamed",  "smiled",
                                          "waved",   "winked", "spoke",     "talked",
                                          "nodded",  "lied",   "whispered", "apologized"};
        const bool at_to = prev == "at" || prev == "to" || prev == "with";
        if (kin || object || says || at_to || prev == "named" || prev == "called") {
          size_t pps;
          std::string_view pgap;
          std::string_view pprev = word_before_pos(ps, &pps, &pgap);
          // After "named", "called" or "said" a name is one the gazetteer
          // knows or of two words ("a folder named Invoices", "he said Google
          // is hiring" are not); after a quotation, any ('"…," says Kerluke.',
          // "So jealous! said Taurean").
          const bool quoted = says && (ascii::has_any_of(pgap, "\"") ||
                                       pgap.find("\u201D") != std::string_view::npos);
          const size_t ext = extend(e, 2);
          const bool known = introduced_name(s, e, ext);
          const bool name_like = known || ext > e;
          // "Why? asked Legal", "spoke with Pharmacy": after an exclamation or
          // question, and after "at"/"to"/"with", only a name the gazetteer knows.
          const bool exclaimed = says && ascii::has_any_of(pgap, "!?");
          labelled = (kin && kPossessive.count(pprev)) || quoted ||
                     ((prev == "named" || says) && name_like && !exclaimed) ||
                     (exclaimed && known) || (object && (pprev == "named" || pprev == "called")) ||
                     (prev == "called" && kBe.count(pprev) && name_like) ||
                     (at_to && kAtPerson.count(pprev) && known);
        }
        label_score = 0.7;
      }
    }
    // Speaker labels in transcripts: "Eddie: What a wife." at a line start
    // (the message's first line too).
    if (!labelled && e < n && text[e] == ':' && (s == 0 || text[s - 1] == '\n') &&
        g.given.count(w)) {
      labelled = true;
      label_score = 0.7;
    }
    if (labelled && !g.common.count(w) && !kRole.count(w)) {
      size_t end = name_end();
      out.push_back(Hit{s, end, label_score, ""});
      i = end;
      continue;
    }
    // Places and organisations named after people: "Lake Jessica", "Port Andrew",
    // "Madison Country Club", "Franklin Corp".
    {
      static const WordSet kOrgNext = {
          "Country",    "Club",       "Corp",      "LLC",     "Inc",    "Ltd",   "Group",
          "University", "College",    "Hospital",  "School",  "County", "City",  "Airport",
          "Day",        "Foundation", "Institute", "Company", "Bank",   "Hotel", "Center",
          "Centre",     "Street",     "Avenue",    "Road",    "Square"};
      bool place = !prev.empty() && gap == " " && kPlacePrefix.count(prev);
      if (!place && e + 1 < n && text[e] == ' ' && is_cap_start(e + 1)) {
        place = kOrgNext.count(strip_possessive(text.substr(e + 1, word_end(e + 1) - e - 1))) > 0;
      }
      if (place) {
        i = e;
        continue;
      }
    }
    // Two or three capitalised words that are neither common words nor places:
    // a whole line (a signature, an address block) or inside a sentence, where
    // capitals are not explained by a sentence start.
    {
      size_t end = name_end();
      // "Miles Douglas": a surname that is also a word, before a name.
      bool named_pair = false;
      if (end > e && g.common.count(w) && g.surname.count(w) && !kPlacePrefix.count(w)) {
        size_t q = e + 1;
        std::string_view next = strip_possessive(text.substr(q, word_end(q) - q));
        named_pair = g.knows(next) && !g.common.count(next);
      }
      // A label is not part of the name after it: "Contact John Smith".
      if (end > e && (!g.common.count(w) || named_pair) && !street_word(w) && has_lower(w) &&
          !lower_eq_label(w)) {
        size_t line_s = s;
        while (line_s > 0 &&
               (text[line_s - 1] == ' ' || text[line_s - 1] == '>' || text[line_s - 1] == '\t'))
          --line_s;
        bool own_line = (line_s == 0 || text[line_s - 1] == '\n') &&
                        (end == n || text[end] == '\n' || text[end] == '\r');
        bool sentence_start = prev.empty() || ascii::has_any_of(gap, ".!?\n:\"");
        bool known = g.given.count(w) > 0, not_name = false;
        for (size_t q = e; q < end;) {
          while (q < end && !letter(at(q))) ++q;
          size_t qe = word_end(q);
          std::string_view x = text.substr(q, qe - q);
          known = known || g.knows(x);
          not_name = not_name || kNotName.count(strip_possessive(x)) > 0;
          q = qe;
        }
        if (kRole.count(w)) {
          i = e;
          continue;
        }
        // At a sentence start, what only people do next makes unknown words a
        // name: "Karlie Heathcote lives at", "Rowland Corwin said".
        static const WordSet kPeopleVerbs = {
            "said",   "says",    "lives",   "lived",    "works",     "worked",  "wrote",
            "asked",  "told",    "shouted", "replied",  "spent",     "married", "died",
            "smiled", "laughed", "thinks",  "believes", "explained", "added",   "admitted"};
        bool acts = false;
        if (end + 1 < n && text[end] == ' ' && ascii::islower(at(end + 1)))
          acts = kPeopleVerbs.count(text.substr(end + 1, word_end(end + 1) - end - 1)) > 0;
        // "The Big Three Killed My Baby": unknown words followed by two more
        // capitalised words are a title, not a name ("Adaeze Okafor I would",
        // "Adaeze Okafor Monday" are names; a possessive ends the name:
        // "Marley Jast's Cautionary Tales").
        auto capital_after = [&](size_t x) {
          return x + 1 < n && text[x] == ' ' && is_cap_start(x + 1) ? word_end(x + 1) : x;
        };
        const size_t one = capital_after(end);
        const bool title_run = !known && one > end && capital_after(one) > one &&
                               strip_possessive(text.substr(s, end - s)).size() == end - s;
        if (!not_name && !title_run &&
            (own_line || (!sentence_start && !known) || (sentence_start && (known || acts)))) {
          out.push_back(Hit{s, end, known ? 0.75 : 0.55, ""});
          i = end;
          continue;
        }
      }
    }
    // 3. Gazetteer: a given name, possibly followed by more name words; or an
    // unknown capitalised word followed by a known given name or surname.
    bool known_first = !all_caps(w) && g.given.count(bare_w);
    if (!known_first && !all_caps(w) && !g.common.count(w) && !street_word(w) && e < n &&
        text[e] == ' ' && e + 1 < n && is_cap_start(e + 1)) {
      size_t we = word_end(e + 1);
      std::string_view next = text.substr(e + 1, we - e - 1);
      std::string_view bare = strip_possessive(next);
      if (g.knows(bare) && !g.common.count(bare) && !street_word(bare) && !lower_eq_label(w)) {
        size_t end = extend(e, 2);
        // "Producer Lilly", "Zombie Wolf": an unknown word before a given name is
        // usually a role; before a surname it is usually a given name we lack.
        if (!g.surname.count(bare) && !g.surname.count(w)) {
          i = e;
          continue;
        }
        out.push_back(Hit{s, end, 0.7, ""});
        i = end;
        continue;
      }
    }
    if (known_first) {
      size_t end = name_end();
      bool common = g.common.count(bare_w) > 0;
      if (end > e) {
        size_t ls = end;
        while (ls > s && letter(at(ls - 1))) --ls;
        std::string_view last = text.substr(ls, end - ls);
        double score = g.surname.count(last) ? 0.85 : 0.7;
        if (common) score -= 0.15;
        out.push_back(Hit{s, end, score, ""});
        i = end;
        continue;
      }
      // A given name before a street suffix names the street: "on Donny Boulevard".
      if (e + 1 < n && text[e] == ' ' && is_cap_start(e + 1) &&
          street_word(text.substr(e + 1, word_end(e + 1) - e - 1))) {
        i = e;
        continue;
      }
      // A lone given name: a name, unless it is also a common word or opens a sentence.
      bool sentence_start = s == 0 || ascii::has_any_of(gap, ".!?\n") || prev.empty();
      // At a sentence start, a name is what does something next: "Dolly is", "Elijah, can".
      bool acts = false;
      if (sentence_start && e < n) {
        if (text[e] == ',') {
          acts = true;
        } else if (text[e] == ' ' && e + 1 < n && ascii::islower(at(e + 1))) {
          std::string_view verb = text.substr(e + 1, word_end(e + 1) - e - 1);
          static const WordSet kVerbs = {"is",    "was",   "has",    "had",    "said",    "says",
                                         "will",  "would", "can",    "could",  "shouted", "spent",
                                         "began", "lives", "lived",  "works",  "worked",  "wrote",
                                         "asked", "told",  "called", "went",   "came",    "made",
                                         "gave",  "took",  "and",    "replied"};
          acts = kVerbs.count(verb) > 0;
        }
      }
      double score = common ? 0.2 : (sentence_start ? (acts ? 0.55 : 0.45) : 0.6);
      // "in Clinton", "at Madison": a lone name after a place preposition is a place.
      if (!sentence_start && gap == " " && (prev == "in" || prev == "at" || prev == "near")) {
        score = 0.4;
      }
      // "flew to Clinton", "moved here from Madison", "3181 Merle Boulevard,
      // Madison": after a journey or a street, a lone name is a town.
      if (!sentence_start && gap == ", " && street_word(prev)) score = 0.4;
      if (!sentence_start && gap == " " && (prev == "to" || prev == "from")) {
        static const WordSet kJourney = {"flew",      "moved",     "drove",     "returned",
                                         "travelled", "traveled",  "relocated", "here",
                                         "commuted",  "emigrated", "immigrated"};
        size_t pps;
        // ("drove to Jessica's house": a possessive is a person's.)
        if (bare_w.size() == w.size() && kJourney.count(word_before_pos(ps, &pps, nullptr)))
          score = 0.4;
      }
      out.push_back(Hit{s, e, score, ""});
    }
    i = e;
  }
  list_names(
      text, out,
      [&](size_t s, size_t e) {
        const std::string_view w = strip_possessive(text.substr(s, e - s));
        return is_cap_start(s) && has_lower(w) && !all_caps(w) && !g.common.count(w) &&
               !street_word(w) && !kPlacePrefix.count(w) && !kNotName.count(w) &&
               !kTitleSet.count(w) && !kRole.count(w) && !contraction(text.substr(s, e - s));
      },
      [&](size_t s, size_t e) {
        const std::string_view w = strip_possessive(text.substr(s, e - s));
        return g.knows(w);
      },
      word_end, [&](size_t e) { return extend(e, 2); });
  // A possessive "'s" is not part of the name.
  for (Hit& h : out)
    h.end = h.start + strip_possessive(text.substr(h.start, h.end - h.start)).size();
  // "my name is dan": people type names in lower case after this label; and
  // a "Name" header cell opens a table of names (table_names_at). The
  // occurrences of "name" in any case are found 16 positions at a time
  // instead of a memchr call for every 'n' of the message (string_view::find).
  auto each_name = [&](auto&& f) {
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i lower = _mm_set1_epi8(0x20);
    for (; i + 19 <= n; i += 16) {
      auto is = [&](size_t k, char c) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + k));
        return _mm_cmpeq_epi8(_mm_or_si128(v, lower), _mm_set1_epi8(c));
      };
      __m128i m = _mm_and_si128(_mm_and_si128(is(i, 'n'), is(i + 1, 'a')),
                                _mm_and_si128(is(i + 2, 'm'), is(i + 3, 'e')));
      unsigned bits = static_cast<unsigned>(_mm_movemask_epi8(m));
      while (bits) {
        f(i + static_cast<size_t>(__builtin_ctz(bits)));
        bits &= bits - 1;
      }
    }
#endif
    for (; i + 4 <= n; ++i) {  // the tail, or the whole text without SSE2
      if (equals_ci(text.substr(i, 4), "name")) f(i);
    }
  };
  constexpr std::string_view kLabel = "name is ";
  size_t table_end = 0;
  each_name([&](size_t pos) {
    if (text.substr(pos, kLabel.size()) != kLabel) {
      if (pos >= table_end && (pos == 0 || !letter(at(pos - 1))) &&
          (pos + 4 == n || !letter(at(pos + 4))))
        table_end = table_names_at(text, pos, out);
      return;
    }
    size_t s = pos + 8, e = s;
    if (s >= n || !ascii::islower(at(s))) return;
    e = word_end(s);
    std::string cap(text.substr(s, e - s));
    cap[0] = static_cast<char>(ascii::toupper(static_cast<unsigned char>(cap[0])));
    if (g.given.count(cap)) out.push_back(Hit{s, e, 0.7, ""});
  });
}

}  // namespace perimeter::detect::internal
