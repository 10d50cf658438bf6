// Pattern rules for personal, financial, government and health identifiers.
// Vectorscan finds candidates; the checks here decide, using checksums,
// libphonenumber and the characters around the match.
#include <hs/hs.h>
#include <phonenumbers/phonenumbermatch.h>
#include <phonenumbers/phonenumbermatcher.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "detect/ascii.h"
#include "detect/checks.h"
#include "detect/rule_kit.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {
namespace {

using i18n::phonenumbers::PhoneNumberMatch;
using i18n::phonenumbers::PhoneNumberMatcher;
using i18n::phonenumbers::PhoneNumberUtil;

// Phone numbers: libphonenumber decides. Each candidate is parsed as a
// whole (international form once; national form per region, most common
// regions first), and if that fails, with its first or last digit group
// dropped, since a number often sits next to other digits. Parse +
// IsValidNumber is far cheaper than PhoneNumberMatcher over the same text.
// Fast path for a number given as country code + national digits: build the
// PhoneNumber directly and ask the country's main region, skipping Parse's
// normalisation regexes (about 4x cheaper). Only a "valid" answer is final;
// callers fall back to Parse otherwise (shared country codes, Italian
// leading zeros, carrier codes).
bool direct_valid(std::string_view intl_digits) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  // Country codes are prefix-free, 1-3 digits long and never start with 0.
  if (intl_digits.empty() || intl_digits[0] == '0') return false;
  for (size_t len = 1; len <= 3 && len < intl_digits.size(); ++len) {
    int cc = 0;
    for (size_t i = 0; i < len; ++i) cc = cc * 10 + (intl_digits[i] - '0');
    std::string region;
    util.GetRegionCodeForCountryCode(cc, &region);
    if (region == "ZZ") continue;
    std::string_view national = intl_digits.substr(len);
    if (national.empty() || national.size() > 17 || national[0] == '0') return false;
    uint64_t nn = 0;
    for (char c : national) nn = nn * 10 + static_cast<uint64_t>(c - '0');
    int fast = phone_valid_for_region(region, cc, national);
    if (fast >= 0) return fast == 1;
    i18n::phonenumbers::PhoneNumber n;
    n.set_country_code(cc);
    n.set_national_number(nn);
    return util.IsValidNumberForRegion(n, region);
  }
  return false;
}

// `s` is a candidate of at most 32 bytes with 7-15 digits (phone_check).
// `regions`: more regions whose national numbers are valid (without a
// country code, with or without the trunk prefix).
bool phone_valid(std::string_view s, const std::vector<std::string>& regions) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber n;
  auto valid_in = [&](const char* region) {
    return util.Parse(std::string(s), region, &n) == PhoneNumberUtil::NO_PARSING_ERROR &&
           util.IsValidNumber(n);
  };
  // The digits, on the stack: this runs for most digit groups in a message.
  char dbuf[32];
  size_t dn = 0;
  for (char c : s) {
    if (ascii::isdigit(c) && dn < sizeof dbuf) dbuf[dn++] = c;
  }
  std::string_view d(dbuf, dn);
  if (d.empty()) return false;
  // North American numbering plan, checked in place: it is most of our
  // traffic and libphonenumber's parse costs tens of microseconds. The same
  // answer with or without "+1" (libphonenumber knows fewer area codes).
  auto nanp_ok = [](std::string_view nanp) {
    if (nanp.size() == 11 && nanp[0] == '1') nanp.remove_prefix(1);
    return nanp.size() == 10 && nanp[0] >= '2' && nanp[3] >= '2' &&
           !(nanp[1] == '1' && nanp[2] == '1') && !(nanp[4] == '1' && nanp[5] == '1') &&
           !(nanp[0] == '5' && nanp[1] == '5' && nanp[2] == '5');
  };
  if (s[0] == '+') {
    return (d.size() == 11 && d[0] == '1' && nanp_ok(d)) || direct_valid(d) || valid_in("ZZ");
  }
  // "00" is the international call prefix in most of the world: 001-718-... is +1 718 ...
  if (d.size() > 9 && d[0] == '0' && d[1] == '0') {
    if (direct_valid(d.substr(2))) return true;
    return util.Parse("+" + std::string(d.substr(2)), "ZZ", &n) ==
               PhoneNumberUtil::NO_PARSING_ERROR &&
           util.IsValidNumber(n);
  }
  if (nanp_ok(d)) return true;
  // Elsewhere national numbers start with the trunk prefix 0; Chinese and
  // Indian mobiles are the common exceptions.
  // US SSN shape (3-2-4) is never written for a phone.
  if (s.size() == 11 && s[3] == '-' && s[6] == '-') return false;
  if (d[0] == '0' && d.size() >= 9 && d.size() <= 12) {
    // A short number after the "00" international prefix (0043 1 5756).
    if (d[1] == '0' && direct_valid(d.substr(2))) return true;
    // These regions' trunk prefix is a single 0 before the national number,
    // so the number is built directly; Brazil's carrier codes need Parse.
    char ibuf[3 + sizeof dbuf];
    for (std::string_view cc : {"44", "49", "33", "972", "61", "81", "91", "86"}) {
      std::memcpy(ibuf, cc.data(), cc.size());
      std::memcpy(ibuf + cc.size(), d.data() + 1, d.size() - 1);
      if (direct_valid(std::string_view(ibuf, cc.size() + d.size() - 1))) return true;
    }
    if (valid_in("BR")) return true;
  }
  if (d.size() == 11 && d[0] == '1' && valid_in("CN")) return true;
  for (const std::string& region : regions) {
    if (util.Parse(std::string(s), region, &n) == PhoneNumberUtil::NO_PARSING_ERROR &&
        util.IsValidNumberForRegion(n, region)) {
      return true;
    }
  }
  return false;
}

bool phone_class(char c) {
  return ascii::isdigit(c) || c == ' ' || c == '\t' || c == '(' || c == ')' || c == '.' ||
         c == '-' || c == '/';
}

// A slash with a blank beside it separates list items ("7529 / 0044 20"
// is two numbers' ends), except right after an area code, the first group,
// beginning with 0 ("030 / 1234567", "(030) / 1234567"). Slashes without
// blanks ("030/1234567") are left to the number's check.
bool slash_in_number(std::string_view c) {
  const size_t sl = c.find('/');
  const auto blank = [&](size_t i) { return i < c.size() && (c[i] == ' ' || c[i] == '\t'); };
  if (!blank(sl + 1) && !(sl > 0 && blank(sl - 1))) return true;
  size_t g = c[0] == '(' ? 1 : 0;
  if (g >= c.size() || c[g] != '0') return false;
  while (g < c.size() && ascii::isdigit(c[g])) ++g;
  if (g < c.size() && c[g] == ')') ++g;
  while (g < sl && blank(g)) ++g;
  return g == sl && c.find('/', sl + 1) == std::string_view::npos;
}

bool phone_number(std::string_view t, Hit& h, const std::vector<std::string>& regions) {
  if (h.end - h.start > 32) return false;
  size_t s = h.start;
  // Include an opening "+" or "(" just before the candidate.
  while (s > 0 && h.start - s < 2 && (t[s - 1] == '+' || t[s - 1] == '(')) --s;
  // Glued to what comes before ("I25.10\t(557) 934-9693"): no number starts
  // at `s`, but one may start after a blank inside.
  const bool glued = s > 0 && (ascii::isalnum(static_cast<unsigned char>(t[s - 1])) ||
                               t[s - 1] == '-' || t[s - 1] == '.' || t[s - 1] == '/');
  size_t ext_end = 0;  // an extension "x123" / "ext. 123" after the number
  if (word_after(t, h.end)) {
    size_t x = h.end;
    if (t[x] == 'x' && x + 1 < t.size() && ascii::isdigit(static_cast<unsigned char>(t[x + 1]))) {
      ++x;
      while (x < t.size() && x - h.end < 7 && ascii::isdigit(static_cast<unsigned char>(t[x]))) ++x;
      if (!word_after(t, x)) ext_end = x;
    }
  }
  // The end of a number before the last blank-separated group of t[s, b):
  // back over that group, then to the digit before it (s if none).
  auto before_last_group = [&](size_t b) {
    while (b > s && t[b - 1] != ' ' && t[b - 1] != '\t') --b;
    while (b > s && !ascii::isdigit(t[b - 1])) --b;
    return b;
  };
  size_t e = h.end;
  if (ext_end == 0 && word_after(t, e)) {
    // The last group runs on into a word or a longer number ("212-555-0143
    // 0x6f", a match cut at its length bound): a number can only end at the
    // blank before that group.
    e = before_last_group(e);
    if (e == s) return false;
  }
  int digits = 0;
  for (size_t i = s; i < e; ++i) digits += ascii::isdigit(static_cast<unsigned char>(t[i])) != 0;
  if (digits < 7 || digits > 15) {
    if (digits <= 15) return false;
  }
  // "2005-10-25 20:13:12": the last group is the hour of a time, so no
  // number ends there.
  const bool time_after = e + 1 < t.size() && t[e] == ':' && ascii::isdigit(t[e + 1]);
  auto try_span = [&](size_t a, size_t b) {
    if ((b == e && time_after) || (a == s && glued)) return false;
    std::string_view c = t.substr(a, b - a);
    int d = 0;
    bool slash = false;  // in the digit loop: a memchr call per span cost more than the span
    for (char ch : c) {
      d += ascii::isdigit(ch);
      slash = slash || ch == '/';
    }
    if (d < 7 || d > 15) return false;
    // Dates and versions are not phones.
    if (slash && d <= 8) return false;
    if (slash && !slash_in_number(c)) return false;
    if (!phone_valid(c, regions)) return false;
    h.start = a;
    h.end = b;
    return true;
  };
  bool ok = try_span(s, e);
  if (!ok) {
    // The first and last blank, by hand: string_view's find_first_of and
    // find_last_of call memchr once per byte.
    size_t last_sep = std::string_view::npos, first_sep = std::string_view::npos;
    for (size_t k = s; k < e; ++k) {
      if (t[k] == ' ' || t[k] == '\t') {
        if (first_sep == std::string_view::npos) first_sep = k - s;
        last_sep = k - s;
      }
    }
    if (last_sep != std::string_view::npos) {
      // A number ends at a digit: "212-555-0143 / 646-..." ends before " /".
      size_t b = s + last_sep;
      while (b > s && !ascii::isdigit(t[b - 1])) --b;
      ok = try_span(s, b);
      // More digits than one number has: numbers side by side, the first of
      // several groups ("+972 52-339-5938 020 7876 6236"). Up to three
      // shorter prefixes, each ending before a blank.
      for (int more = 0; !ok && digits > 15 && b > s && more < 3; ++more) {
        b = before_last_group(b);
        if (b > s) ok = try_span(s, b);
      }
    }
    if (!ok && first_sep != std::string_view::npos) {
      // A number starts at a digit, "+" or "(": "/ 646-555-0198" starts after "/ ".
      size_t a = s + first_sep;
      while (a < e && !ascii::isdigit(t[a]) && t[a] != '+' && t[a] != '(') ++a;
      ok = try_span(a, e);
    }
  }
  if (!ok) return false;
  if (ext_end != 0 && h.end == e) h.end = ext_end;
  bool formatted = false;
  for (size_t i = h.start; i < h.end; ++i) {
    if (!ascii::isdigit(static_cast<unsigned char>(t[i]))) formatted = true;
  }
  // Unformatted digit runs are often order or account numbers; written
  // separators or a "+" are what people use for phones.
  h.score = formatted ? 0.7 : 0.5;
  return true;
}

// A run of the phone class can list several numbers: "212-555-0143 /
// 646-555-0198", "089 1234567 0171 2345678", tab-separated cells. The match
// stops inside one of them (its 26-byte bound) or spans two, and a number
// found at its start leaves the others. So after the candidate's own number
// (or, when it has none, after its first blank), the run is read on, up to
// 64 bytes from the candidate's start, one part after a list separator (a
// blank, a tab or a "/" between digits) at a time, each checked like a
// candidate of its own, until three parts in a row hold no number. `looked`:
// where earlier candidates of this scan read on to; a part starting before
// it was read already and is stepped over, so that each part is read once
// per scan.
bool phone_check(std::string_view t, Hit& h, std::vector<Hit>& extra, size_t& looked,
                 const std::vector<std::string>& regions) {
  const Hit proto = h;
  bool found = phone_number(t, h, regions);
  const size_t lim = std::min(t.size(), proto.start + 64);
  size_t run = proto.end;
  while (run < lim && phone_class(t[run])) ++run;
  // After a part that holds no number, the next one starts at its first
  // blank ("0967 212-555-0143"); three such parts in a row end the reading.
  auto after_blank = [&](size_t a) {
    while (a < run && t[a] != ' ' && t[a] != '\t') ++a;
    return a;
  };
  size_t from = found ? h.end : after_blank(proto.start);
  int misses = found ? 0 : 1;
  while (from < run) {
    size_t a = from;
    bool list = false;
    while (a < run && !ascii::isdigit(t[a]) && t[a] != '(') {
      list = list || t[a] == ' ' || t[a] == '\t' || t[a] == '/';
      ++a;
    }
    const size_t begin = a;  // "(851) 556-0967": phone_number takes the "(" back in
    if (a < run && t[a] == '(') ++a;
    if (!list || a + 7 > run || !ascii::isdigit(t[a])) break;
    if (begin < looked) {  // read by an earlier candidate: go on after it
      from = looked;
      continue;
    }
    // A part the 64 bytes may have cut short stays open to later candidates.
    const bool cut = run == lim && lim < t.size() && phone_class(t[lim]) && a + 32 > run;
    Hit next = proto;
    next.start = a;
    next.end = std::min(run, a + 32);  // no number is longer; a cut group is trimmed
    while (next.end > a && !ascii::isdigit(t[next.end - 1])) --next.end;
    if (!phone_number(t, next, regions) || next.start != begin) {
      if (cut || ++misses > 2) break;
      from = after_blank(a);
      looked = std::max(looked, from);
      continue;
    }
    if (!cut) looked = std::max(looked, next.end);
    misses = 0;
    if (found) {
      extra.push_back(next);
    } else {
      h = next;
      found = true;
    }
    from = next.end;
  }
  return found;
}

// Leftmost start of a phone match ending at `end`, i.e. what Vectorscan's
// SOM_LEFTMOST reports for (?:\+[ ]?)?\(?\d[\d \t().\-/]{5,24}\d: the
// core is a digit, 5-24 characters of the class, a digit (7-26 bytes, all in
// the class); the earliest core start wins, since an earlier start can only
// be made by a digit and the optional prefix "+", "+ ", "(" holds none.
size_t phone_start(std::string_view t, size_t end) {
  size_t lo = end >= 26 ? end - 26 : 0, run = end;
  while (run > lo && phone_class(t[run - 1])) --run;
  size_t d = run;
  while (d + 7 <= end && !ascii::isdigit(t[d])) ++d;
  if (d + 7 > end) return end;  // not a match end (cannot happen)
  size_t s = d;
  if (s > 0 && t[s - 1] == '(') --s;
  if (s > 0 && t[s - 1] == '+') {
    --s;
  } else if (s > 1 && t[s - 1] == ' ' && t[s - 2] == '+') {
    s -= 2;
  }
  return s;
}

// Computed match starts for the dense-matching rules below (see
// Rule::start_of): what SOM_LEFTMOST would report for a match ending at `end`,
// or kNoStart when no start makes one (possible only at a window edge of the
// digit-anchored scan, where Vectorscan saw a start of data that is not one).
// `\b` is Vectorscan's ASCII word boundary.
constexpr size_t kNoStart = Rule::kNoStart;
bool boundary_before(std::string_view t, size_t s) {
  return s == 0 || !ascii::isword(static_cast<unsigned char>(t[s - 1]));
}

// The phone start of `end` is the one of an earlier end `prev_end` when
// the bytes in between are all in the class and the core still lies within
// the 26 bytes the walk looks at: the walk from `end` passes `prev_end` and
// then stops where the walk from there stopped, at the same first digit.
// (`start` + 26 >= end is stricter than the core digit + 26 >= end.)
bool phone_same_start(std::string_view t, size_t start, size_t prev_end, size_t end) {
  if (end - start > 26) return false;
  for (size_t i = prev_end; i < end; ++i) {
    if (!phone_class(t[i])) return false;
  }
  return true;
}

// \b\d{1,6}[A-Za-z]?[ ]{1,40}[A-Z]: the spaces before the capital, an
// optional letter, then the digits back to the start of their run (a start
// inside a run has a digit before it, so no \b).
size_t street_start(std::string_view t, size_t end) {
  if (end < 3) return kNoStart;
  size_t j = end - 1;  // the capital
  while (j > 0 && t[j - 1] == ' ' && end - 1 - j < 40) --j;
  if (j == end - 1 || j == 0) return kNoStart;
  size_t e = j;
  if (!ascii::isdigit(t[e - 1])) {
    if (!ascii::isalpha(static_cast<unsigned char>(t[e - 1]))) return kNoStart;
    --e;
  }
  size_t s = e;
  while (s > 0 && e - s < 7 && ascii::isdigit(t[s - 1])) --s;
  if (s == e || e - s > 6 || !boundary_before(t, s)) return kNoStart;
  return s;
}

// \b\d(?:[ \-]?\d){12,18}\b: 13-19 digits, single separators between them;
// the leftmost digit with a boundary before it and 13-19 digits up to `end`.
size_t card_start(std::string_view t, size_t end) {
  size_t best = kNoStart;
  int digits = 0;
  for (size_t i = end; i > 0; --i) {
    char c = t[i - 1];
    if (ascii::isdigit(c)) {
      if (++digits > 19) break;
      if (digits >= 13 && boundary_before(t, i - 1)) best = i - 1;
    } else if (c == ' ' || c == '-') {
      if (i == end || !ascii::isdigit(t[i])) break;  // leading, trailing or doubled separator
    } else {
      break;
    }
  }
  return best;
}

// \b[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){11,32}\b: two capitals and two digits,
// then 11-32 capitals or digits with single separators between them (and
// possibly one right after the check digits). The walk goes back over that
// body and tries each position as the start of the prefix, leftmost last.
size_t iban_start(std::string_view t, size_t end) {
  auto body = [](char c) { return ascii::isdigit(c) || (c >= 'A' && c <= 'Z'); };
  // Body characters in [i, end), for i down to the walk's limit.
  constexpr size_t kMax = 4 + 2 * 32;
  int count[kMax + 2];
  size_t lo = end;
  int n = 0;
  count[0] = 0;
  while (lo > 0 && end - lo < kMax) {
    char c = t[lo - 1];
    if (body(c)) {
      ++n;
    } else if (c == ' ' || c == '-') {
      if (lo == end || !body(t[lo])) break;  // trailing or doubled separator
    } else {
      break;
    }
    --lo;
    count[end - lo] = n;
  }
  size_t best = kNoStart;
  for (size_t s = end >= 4 ? end - 4 : 0; s + 4 <= end && s >= lo; --s) {
    bool prefix = t[s] >= 'A' && t[s] <= 'Z' && t[s + 1] >= 'A' && t[s + 1] <= 'Z' &&
                  ascii::isdigit(t[s + 2]) && ascii::isdigit(t[s + 3]);
    if (prefix && boundary_before(t, s)) {
      // The body after the prefix: count[end - (s + 4)] characters, the first
      // of them possibly after a separator (never two in a row, checked above).
      int rest = count[end - (s + 4)];
      if (rest >= 11 && rest <= 32 && s + 4 < end) best = s;
    }
    if (s == 0) break;
  }
  return best;
}

// Cheap triggers keep the database fast; these widen a trigger to the
// whole candidate over a character class, at most `limit` bytes each way.
template <class Pred>
void widen(std::string_view t, Hit& h, Pred in_class, size_t left_limit, size_t right_limit) {
  size_t a = h.start, b = h.end;
  while (a > 0 && h.start - a < left_limit && in_class(static_cast<unsigned char>(t[a - 1]))) --a;
  while (b < t.size() && b - h.end < right_limit && in_class(static_cast<unsigned char>(t[b]))) ++b;
  h.start = a;
  h.end = b;
}

bool email_check(std::string_view t, Hit& h);

bool email_trigger(std::string_view t, Hit& h) {
  // The trigger ends one character after the '@'.
  if (h.end < 3 || t[h.end - 2] != '@') return false;
  size_t at = h.end - 2;
  size_t a = at, b = at + 1;
  auto local = [](unsigned char c) {
    return ascii::isalnum(c) || std::strchr("._%+'-", c) != nullptr;
  };
  auto dom = [](unsigned char c) { return ascii::isalnum(c) || c == '.' || c == '-'; };
  while (a > 0 && at - a < 64 && local(static_cast<unsigned char>(t[a - 1]))) --a;
  while (b < t.size() && b - at < 254 && dom(static_cast<unsigned char>(t[b]))) ++b;
  while (b > at + 1 && (t[b - 1] == '.' || t[b - 1] == '-')) --b;
  std::string_view domain = t.substr(at + 1, b - at - 1);
  size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string_view tld = domain.substr(dot + 1);
  bool ok_tld = tld.size() >= 2;
  for (char c : tld) ok_tld = ok_tld && ascii::isalpha(static_cast<unsigned char>(c));
  if (!ok_tld && !(domain.size() > 4 && domain.substr(dot + 1, 4) == "xn--")) return false;
  h.start = a;
  h.end = b;
  return email_check(t, h);
}

bool url_check(std::string_view t, Hit& h);
bool bare_domain_check(std::string_view t, Hit& h);

bool url_char(unsigned char c) {
  return c > 0x20 && c != '<' && c != '>' && c != '"' && c != '\'' && c != '`' && c < 0x7f;
}

bool url_trigger(std::string_view t, Hit& h) {
  // The trigger ends after "://"; the scheme is the letters before it.
  if (h.start == h.end && h.end >= 3 && t.compare(h.end - 3, 3, "://") == 0) {
    size_t a = h.end - 3;
    while (a > 0 && (ascii::isalnum(static_cast<unsigned char>(t[a - 1])) || t[a - 1] == '+')) --a;
    h.start = a;
  }
  size_t b = h.end;
  while (b < t.size() && b - h.end < 2048 && url_char(static_cast<unsigned char>(t[b]))) ++b;
  h.end = b;
  return url_check(t, h);
}

bool domain_trigger(std::string_view t, Hit& h) {
  size_t a = h.start;
  auto dom = [](unsigned char c) { return ascii::isalnum(c) || c == '.' || c == '-'; };
  while (a > 0 && h.start - a < 253 && dom(static_cast<unsigned char>(t[a - 1]))) --a;
  while (a < h.start && (t[a] == '.' || t[a] == '-')) ++a;
  if (a == h.start) return false;
  h.start = a;
  return bare_domain_check(t, h);
}

bool ipv6_check(std::string_view t, Hit& h);

bool ipv6_trigger(std::string_view t, Hit& h) {
  widen(
      t, h, [](unsigned char c) { return ascii::isxdigit(c) || c == ':' || c == '.'; }, 45, 45);
  return ipv6_check(t, h);
}

bool email_check(std::string_view t, Hit& h) {
  // Trim dots and quotes that the local-part class swallowed at the start.
  while (h.start < h.end && (t[h.start] == '.' || t[h.start] == '\'')) ++h.start;
  // "user:password@host" inside a URL is a credential, not an address.
  if (h.start > 0 && (t[h.start - 1] == ':' || t[h.start - 1] == '/')) return false;
  std::string_view e = t.substr(h.start, h.end - h.start);
  if (e.size() > 254) return false;
  size_t at = e.find('@');
  if (at == 0 || at == std::string_view::npos) return false;
  std::string_view domain = e.substr(at + 1);
  if (domain.find("..") != std::string_view::npos || domain.front() == '-') return false;
  return true;
}

// Words that make a date a DATE_OF_BIRTH.
const std::vector<std::string>& birth_words() {
  static const std::vector<std::string> k = {
      "birth", "born", "dob", "d.o.b", "birthday", "date of birth", "geboren", "né le", "née le"};
  return k;
}

// Dates: a DATE_OF_BIRTH when birth words are near, otherwise a DATE_TIME.
Check date_check() {
  return [](std::string_view t, Hit& h) {
    if (word_before(t, h.start) || word_after(t, h.end)) return false;
    if (has_context(t, h.start, h.end, birth_words())) {
      h.entity = "DATE_OF_BIRTH";
      h.score = 0.85;
    }
    return true;
  };
}

bool nino_check(std::string_view t, Hit& h) {
  if (word_before(t, h.start) || word_after(t, h.end)) return false;
  return checks::uk_nino(t.substr(h.start, h.end - h.start));
}

bool mac_check(std::string_view t, Hit& h) {
  if (word_before(t, h.start) || word_after(t, h.end)) return false;
  std::string a = checks::alnum_upper(t.substr(h.start, h.end - h.start));
  if (a == "FFFFFFFFFFFF" || a == "000000000000") return false;
  // Colon and hyphen forms must not mix.
  std::string_view s = t.substr(h.start, h.end - h.start);
  bool colon = s.find(':') != std::string_view::npos, dash = s.find('-') != std::string_view::npos;
  return !(colon && dash);
}

// A CIDR prefix length ("/24") belongs to the address it follows.
void take_prefix_length(std::string_view t, Hit& h, int max_bits) {
  if (h.end + 1 >= t.size() || t[h.end] != '/') return;
  size_t i = h.end + 1;
  int v = 0, n = 0;
  while (i < t.size() && n < 3 && ascii::isdigit(static_cast<unsigned char>(t[i]))) {
    v = v * 10 + (t[i] - '0');
    ++i;
    ++n;
  }
  if (n > 0 && v <= max_bits && !alnum_at(t, i)) h.end = i;
}

bool ipv4_check(std::string_view t, Hit& h) {
  if (word_before(t, h.start) || alnum_at(t, h.end)) return false;
  if (h.start > 0 && t[h.start - 1] == '.') return false;
  if (!checks::ipv4(t.substr(h.start, h.end - h.start))) return false;
  take_prefix_length(t, h, 32);
  return true;
}

// IPv6: the candidate is a maximal run of hex digits, colons and dots;
// inet_pton decides, after trimming a trailing dot and a zone id.
bool ipv6_check(std::string_view t, Hit& h) {
  if (h.start > 0) {
    unsigned char p = static_cast<unsigned char>(t[h.start - 1]);
    if (ascii::isalnum(p) || p == ':' || p == '_' || p >= 0x80) return false;
  }
  size_t e = h.end;
  while (e > h.start && t[e - 1] == '.') --e;
  std::string_view s = t.substr(h.start, e - h.start);
  if (s.find(':') == std::string_view::npos) return false;
  size_t zone_end = e;
  if (e < t.size() && t[e] == '%') {
    zone_end = e + 1;
    while (zone_end < t.size() && ascii::isalnum(static_cast<unsigned char>(t[zone_end])))
      ++zone_end;
  } else if (e < t.size() && (ascii::isalpha(static_cast<unsigned char>(t[e])) || t[e] == '_')) {
    return false;
  }
  if (!checks::ipv6(s)) return false;
  // A bare "::" is only an address where people write one (src=::, ipv6 ::).
  if (s == "::" && h.start > 0 && t[h.start - 1] != ' ' && t[h.start - 1] != '=') return false;
  h.end = zone_end;
  take_prefix_length(t, h, 128);
  return true;
}

bool crypto_check(std::string_view t, Hit& h) {
  if (word_before(t, h.start) || word_after(t, h.end)) return false;
  std::string_view s = t.substr(h.start, h.end - h.start);
  if (s.size() > 3 && (s.substr(0, 3) == "bc1" || s.substr(0, 3) == "BC1")) {
    return checks::btc_bech32(s);
  }
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x') {
    h.score = 0.6;
    return true;
  }
  return checks::btc_base58(s);
}

// URLs: trims trailing punctuation that ends a sentence, reports credentials
// embedded as user:password@ as a SECRET of their own.
bool url_check(std::string_view t, Hit& h) {
  while (h.end > h.start && std::strchr(".,;:!?)]}'\"", t[h.end - 1]) != nullptr) --h.end;
  std::string_view u = t.substr(h.start, h.end - h.start);
  size_t scheme = u.find("://");
  std::string_view rest = scheme == std::string_view::npos ? u : u.substr(scheme + 3);
  size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos) {
    h.entity = "URL_CREDENTIALS";
    h.score = 0.95;
    return true;
  }
  std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  size_t colon = host.find(':');
  if (colon != std::string_view::npos) host = host.substr(0, colon);
  size_t dot = host.rfind('.');
  if (dot == std::string_view::npos || dot + 2 > host.size()) return false;
  // "www.microsoft" is a name, not a URL: www needs a domain after it.
  if (host.size() > 4 && (host.compare(0, 4, "www.") == 0 || host.compare(0, 4, "WWW.") == 0) &&
      host.find('.', 4) == std::string_view::npos) {
    return false;
  }
  for (char c : host.substr(dot + 1)) {
    if (!ascii::isalpha(static_cast<unsigned char>(c))) return false;
  }
  h.score = scheme == std::string_view::npos ? 0.5 : 0.6;
  return true;
}

bool bare_domain_check(std::string_view t, Hit& h) {
  if (h.start > 0 && (t[h.start - 1] == '@' || t[h.start - 1] == '.' || t[h.start - 1] == '/' ||
                      word_before(t, h.start))) {
    return false;
  }
  while (h.end > h.start && t[h.end - 1] == '.') --h.end;
  if (h.end < t.size() && (t[h.end] == '@' || word_after(t, h.end))) return false;
  return true;
}

// Street addresses: a house number, up to five capitalised words, a street
// suffix; then an optional unit and ", City, ST 12345" tail.
bool street_check(std::string_view t, Hit& h) {
  static const char* kSuffixes[] = {
      "Alley",    "Ave",        "Avenue",    "Blvd",       "Boulevard",  "Branch",   "Bridge",
      "Brook",    "Burg",       "Bypass",    "Camp",       "Canyon",     "Cape",     "Causeway",
      "Center",   "Cir",        "Circle",    "Cliff",      "Club",       "Close",    "Common",
      "Corner",   "Course",     "Court",     "Cove",       "Creek",      "Crescent", "Crest",
      "Crossing", "Ct",         "Curve",     "Dale",       "Dam",        "Divide",   "Dr",
      "Drive",    "Estate",     "Estates",   "Expressway", "Extension",  "Falls",    "Ferry",
      "Field",    "Fields",     "Flat",      "Flats",      "Ford",       "Forest",   "Forge",
      "Fork",     "Forks",      "Fort",      "Freeway",    "Garden",     "Gardens",  "Gateway",
      "Glen",     "Green",      "Grove",     "Harbor",     "Haven",      "Heights",  "Highway",
      "Hill",     "Hills",      "Hollow",    "Hwy",        "Inlet",      "Island",   "Isle",
      "Junction", "Key",        "Knoll",     "Knolls",     "Lake",       "Lakes",    "Land",
      "Landing",  "Lane",       "Light",     "Ln",         "Loaf",       "Lock",     "Lodge",
      "Loop",     "Mall",       "Manor",     "Meadow",     "Meadows",    "Mews",     "Mill",
      "Mills",    "Mission",    "Motorway",  "Mount",      "Mountain",   "Neck",     "Orchard",
      "Oval",     "Overpass",   "Park",      "Parkway",    "Pass",       "Passage",  "Path",
      "Pike",     "Pine",       "Pines",     "Pkwy",       "Pl",         "Place",    "Plain",
      "Plains",   "Plaza",      "Point",     "Port",       "Prairie",    "Radial",   "Ramp",
      "Ranch",    "Rapid",      "Rapids",    "Rd",         "Rest",       "Ridge",    "River",
      "Road",     "Route",      "Row",       "Rue",        "Run",        "Shoal",    "Shore",
      "Shores",   "Skyway",     "Spring",    "Springs",    "Spur",       "Sq",       "Square",
      "St",       "Station",    "Stravenue", "Stream",     "Street",     "Summit",   "Ter",
      "Terrace",  "Throughway", "Trace",     "Track",      "Trafficway", "Trail",    "Trl",
      "Tunnel",   "Turnpike",   "Underpass", "Union",      "Valley",     "Via",      "Viaduct",
      "View",     "Views",      "Village",   "Ville",      "Vista",      "Walk",     "Wall",
      "Way",      "Well",       "Wells"};
  if (word_before(t, h.start)) return false;
  size_t i = h.start;
  while (i < t.size() && ascii::isdigit(static_cast<unsigned char>(t[i]))) ++i;
  if (i < t.size() && ascii::isalpha(static_cast<unsigned char>(t[i])) && !alnum_at(t, i + 1)) ++i;
  size_t street_end = 0;
  for (int w = 0; w < 6; ++w) {
    while (i < t.size() && t[i] == ' ') ++i;
    if (i >= t.size() || !(ascii::isupper(static_cast<unsigned char>(t[i])) ||
                           (w > 0 && ascii::isdigit(static_cast<unsigned char>(t[i]))))) {
      break;
    }
    size_t ws = i;
    while (i < t.size() && (ascii::isalnum(static_cast<unsigned char>(t[i])) || t[i] == '\'' ||
                            static_cast<unsigned char>(t[i]) >= 0x80)) {
      ++i;
    }
    std::string_view word = t.substr(ws, i - ws);
    if (w > 0) {
      for (const char* s : kSuffixes) {
        if (word == s) {
          street_end = i;
          if (i < t.size() && t[i] == '.') street_end = ++i;
          break;
        }
      }
      if (street_end != 0) break;
    }
  }
  if (street_end == 0) return false;
  size_t end = street_end;
  // Unit: " Apt. 123", ", Suite 100", " #4B".
  {
    size_t j = end;
    if (j < t.size() && t[j] == ',') ++j;
    while (j < t.size() && t[j] == ' ') ++j;
    static const char* kUnits[] = {"Apt.", "Apt", "Suite", "Ste", "Unit", "#", "Floor", "Fl"};
    for (const char* u : kUnits) {
      size_t n = std::strlen(u);
      if (t.substr(j, n) == u) {
        size_t k = j + n;
        while (k < t.size() && t[k] == ' ') ++k;
        size_t ks = k;
        while (k < t.size() && ascii::isalnum(static_cast<unsigned char>(t[k]))) ++k;
        if (k > ks) end = k;
        break;
      }
    }
  }
  // ", City, ST 12345" or "\nCity, ST 12345" (US), accepted only whole.
  {
    size_t j = end;
    if (j < t.size() && (t[j] == ',' || t[j] == '\n')) {
      ++j;
      while (j < t.size() && t[j] == ' ') ++j;
      size_t k = j;
      int city_words = 0;
      while (k < t.size() && ascii::isupper(static_cast<unsigned char>(t[k])) && city_words < 4) {
        while (k < t.size() && (ascii::isalpha(static_cast<unsigned char>(t[k])) ||
                                static_cast<unsigned char>(t[k]) >= 0x80)) {
          ++k;
        }
        ++city_words;
        if (k < t.size() && t[k] == ' ' && k + 1 < t.size() &&
            ascii::isupper(static_cast<unsigned char>(t[k + 1]))) {
          ++k;
        } else {
          break;
        }
      }
      if (city_words > 0 && k + 1 < t.size() && t[k] == ',') {
        size_t m = k + 1;
        while (m < t.size() && t[m] == ' ') ++m;
        if (m + 2 <= t.size() && ascii::isupper(static_cast<unsigned char>(t[m])) &&
            ascii::isupper(static_cast<unsigned char>(t[m + 1])) && !alnum_at(t, m + 2)) {
          size_t z = m + 2;
          while (z < t.size() && t[z] == ' ') ++z;
          size_t zs = z;
          while (z < t.size() && ascii::isdigit(static_cast<unsigned char>(t[z]))) ++z;
          if (z - zs == 5) {
            if (z + 5 <= t.size() && t[z] == '-' &&
                ascii::isdigit(static_cast<unsigned char>(t[z + 1]))) {
              z += 5;
            }
            end = z;
          } else {
            end = m + 2;
          }
        }
      }
    }
  }
  h.end = end;
  h.score = end > street_end ? 0.85 : 0.7;
  return true;
}

// Medical record numbers are only identifiable by their label.
bool mrn_check(std::string_view t, Hit& h) {
  size_t i = h.start;
  // Skip the label: letters, spaces, '.', ':' '#', '-' up to the value.
  std::string_view m = t.substr(h.start, h.end - h.start);
  size_t v = m.find_last_of(" :#");
  if (v == std::string_view::npos) return false;
  i = h.start + v + 1;
  if (i >= h.end) return false;
  bool digit = false;
  for (size_t k = i; k < h.end; ++k)
    digit = digit || ascii::isdigit(static_cast<unsigned char>(t[k]));
  if (!digit || word_after(t, h.end)) return false;
  h.start = i;
  return true;
}

// A bare medical record number in a list after a labelled one: 6-16 letters
// and digits standing alone, at least six of them digits and more digits
// than letters ("MR1234567"; not "Room 12B4", "smith0619", a year, or a date
// or phone number with its dashes).
size_t mrn_item(std::string_view t, size_t start) {
  size_t e = start;
  int digits = 0;
  while (e < t.size() && e - start < 16 && ascii::isalnum(static_cast<unsigned char>(t[e]))) {
    digits += ascii::isdigit(static_cast<unsigned char>(t[e]));
    ++e;
  }
  const int letters = static_cast<int>(e - start) - digits;
  if (digits < 6 || letters >= digits || word_after(t, e) || (e < t.size() && t[e] == '-'))
    return start;
  return e;
}

}  // namespace

MultiCheck phone_check_for(std::vector<std::string> regions) {
  return [regions = std::move(regions)](std::string_view t, Hit& h, std::vector<Hit>& extra,
                                        size_t& looked) {
    return phone_check(t, h, extra, looked, regions);
  };
}

Rule deny_list_rule(const std::string& entity, const std::vector<std::string>& words) {
  // Every byte but letters and digits escaped, so a word is matched literally.
  std::string pattern = "(?:";
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) pattern += '|';
    for (unsigned char c : words[i]) {
      if (ascii::isalnum(c)) {
        pattern += static_cast<char>(c);
      } else {
        char hex[5];
        std::snprintf(hex, sizeof hex, "\\x%02x", c);
        pattern += hex;
      }
    }
  }
  pattern += ')';
  // Whole words: no letter, digit or underscore may touch the match (a word
  // may itself begin or end with punctuation, as "Mr." does).
  auto touches = [](std::string_view t, size_t i) {
    if (i >= t.size()) return false;
    const auto c = static_cast<unsigned char>(t[i]);
    return ascii::isword(c) || c >= 0x80;
  };
  return {
      "deny_list", entity, pattern, HS_FLAG_CASELESS, 1.0, [touches](std::string_view t, Hit& h) {
        return !(h.start > 0 && touches(t, h.start - 1)) && !touches(t, h.end);
      }};
}

std::vector<Rule> pii_rules() {
  std::vector<Rule> r;
  const auto ctx_phone = words({"phone", "number", "telephone", "cell", "cellphone", "mobile",
                                "call", "tel", "fax", "contact"});
  // ---- contact details -------------------------------------------------------
  r.push_back({"email",
               "EMAIL_ADDRESS",
               R"([A-Za-z0-9_%+'\-]@[A-Za-z0-9])",
               0,
               1.0,
               email_trigger,
               {"email", "mail", "e-mail"}});
  // The final \b: an end inside a digit group would only be merged into a
  // longer end of the same candidate (Rule::same_start), so Vectorscan need
  // not report it (97,459 -> 31,577 callbacks per MB of the PII-dense corpus).
  r.push_back({"phone", "PHONE_NUMBER", R"((?:\+[ ]?)?\(?\d[\d \t().\-/]{5,24}\d\b)", 0, 0.5,
               nullptr, ctx_phone, false, phone_check_for({})});
  r.back().start_of = phone_start;
  r.back().same_start = phone_same_start;
  r.push_back({"url",
               "URL",
               R"((?:https?|ftp|sftp|ssh|postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|amqps?)://)",
               HS_FLAG_CASELESS,
               0.6,
               url_trigger,
               {"url", "website", "link"}});
  r.push_back({"www_url",
               "URL",
               R"(\bwww\.[A-Za-z0-9])",
               HS_FLAG_CASELESS,
               0.5,
               [](std::string_view t, Hit& h) {
                 if (h.end < 5) return false;
                 h.start = h.end - 5;  // the trigger is "www." and one character
                 if (h.start > 0 &&
                     (t[h.start - 1] == '.' || t[h.start - 1] == '/' || t[h.start - 1] == '@'))
                   return false;
                 h.end = h.start;
                 return url_trigger(t, h);
               },
               {"url", "website", "link"}});
  r.push_back(
      {"domain",
       "URL",
       R"(\.(?:com|org|net|edu|gov|io|ai|app|dev|info|biz|site|online|store|tech|cloud|co\.uk|co\.il|co\.in|co\.jp|com\.au|com\.br|de|fr|uk|nl|ch|it|es|se|eu|ca|us|il|in)\b)",
       0,
       0.5,
       domain_trigger,
       {"url", "website", "domain", "site"}});
  r.push_back({"ipv4",
               "IP_ADDRESS",
               R"(\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})",
               0,
               0.6,
               ipv4_check,
               {"ip", "ipv4", "address", "host", "server"}});
  r.push_back({"ipv6",
               "IP_ADDRESS",
               R"(::|[0-9A-Fa-f]:[0-9A-Fa-f]{1,4}:)",
               0,
               0.6,
               ipv6_trigger,
               {"ip", "ipv6", "address", "host", "server"}});
  r.push_back(
      {"mac",
       "MAC_ADDRESS",
       R"(\b[0-9A-Fa-f]{2}(?:[:\-][0-9A-Fa-f]{2}){5}\b|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b)",
       0,
       0.6,
       mac_check,
       {"mac", "hardware", "ethernet", "physical", "device"}});
  r.push_back({"street",
               "STREET_ADDRESS",
               R"(\b\d{1,6}[A-Za-z]?[ ]{1,40}[A-Z])",
               0,
               0.7,
               street_check,
               {"address", "live", "lives", "located", "street", "residence"}});
  r.back().start_of = street_start;
  // ---- financial -------------------------------------------------------------
  // Scanned as its last 13 digits before a boundary (the bounded 13-19 repeat
  // with a leading \b was a fifth of the digit windows' time on dense text);
  // card_start finds the start of the exact pattern, or none.
  r.push_back({"credit_card",
               "CREDIT_CARD",
               R"(\d(?:[ \-]?\d){12}\b)",
               0,
               1.0,
               digits_check(checks::credit_card, 1.0),
               {"credit", "card", "visa", "mastercard", "amex", "debit", "cc", "payment"}});
  r.back().start_of = card_start;
  r.back().exact_pattern = R"(\b\d(?:[ \-]?\d){12,18}\b)";
  r.push_back({"iban",
               "IBAN_CODE",
               R"(\b[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){11,32}\b)",
               0,
               1.0,
               [](std::string_view t, Hit& h) {
                 if (word_before(t, h.start)) return false;
                 // Trim a trailing partial group that belongs to the next word.
                 for (size_t e = h.end; e > h.start + 14; --e) {
                   if (e != h.end && t[e] != ' ' && t[e] != '-') continue;
                   if (checks::iban(t.substr(h.start, e - h.start))) {
                     h.end = e;
                     return true;
                   }
                 }
                 return false;
               },
               {"iban", "bank", "account", "transfer"}});
  r.back().start_of = iban_start;
  r.push_back({"aba",
               "ABA_ROUTING_NUMBER",
               R"(\b[0-3678]\d{3}-?\d{4}-?\d\b)",
               0,
               0.3,
               digits_check(checks::aba_routing, 0),
               {"aba", "routing", "abarouting", "association", "bankrouting", "rtn"}});
  r.push_back({"us_bank",
               "US_BANK_NUMBER",
               R"(\b\d{8,17}\b)",
               0,
               0.05,
               standalone(),
               {"bank", "account", "acct", "checking", "savings", "debit"}});
  r.push_back(
      {"crypto",
       "CRYPTO",
       R"(\b(?:[13][a-km-zA-HJ-NP-Z1-9]{25,34}|bc1[a-zA-HJ-NP-Z0-9]{11,71}|0x[0-9a-fA-F]{40})\b)",
       0,
       1.0,
       crypto_check,
       {"wallet", "btc", "bitcoin", "crypto", "eth", "ethereum"}});
  // ---- US government ---------------------------------------------------------
  const auto ctx_ssn = words({"social", "security", "ssn", "ssns", "ssid", "ss#", "ss #"});
  r.push_back({"ssn", "US_SSN", R"(\b\d{3}[\- .]\d{2}[\- .]\d{4}\b)", 0, 0.5,
               digits_check(checks::us_ssn, 0), ctx_ssn});
  r.push_back({"ssn_weak", "US_SSN", R"(\b(?:\d{9}|\d{3}-\d{6}|\d{5}-\d{4})\b)", 0, 0.05,
               digits_check(checks::us_ssn, 0), ctx_ssn});
  const auto ctx_itin = words({"individual", "taxpayer", "itin", "tax", "payer", "taxid", "tin"});
  r.push_back({"itin", "US_ITIN", R"(\b9\d{2}[\- ](?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])[\- ]\d{4}\b)",
               0, 0.5, standalone(), ctx_itin});
  r.push_back(
      {"itin_weak", "US_ITIN",
       R"(\b9\d{2}(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])\d{4}\b|\b9\d{2}(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])-\d{4}\b|\b9\d{2}-(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])\d{4}\b)",
       0, 0.3, standalone(), ctx_itin});
  const auto ctx_pass = words({"passport", "travel", "document", "passport#", "passportno"});
  r.push_back({"us_passport", "US_PASSPORT", R"(\b(?:\d{9}|[A-Z]\d{8})\b)", 0, 0.1, standalone(),
               ctx_pass});
  r.push_back({"us_driver_license",
               "US_DRIVER_LICENSE",
               R"(\b(?:[A-Z]\d{3,8}|[A-Z]\d{2}-\d{3}-\d{3}|[A-Z]{2}\d{5,7}|\d{9,13})\b)",
               0,
               0.01,
               [](std::string_view t, Hit& h) {
                 if (word_before(t, h.start) || word_after(t, h.end)) return false;
                 h.score = ascii::isalpha(static_cast<unsigned char>(t[h.start])) ? 0.3 : 0.01;
                 return true;
               },
               {"driver", "license", "licence", "dl", "driving", "permit", "lic", "dln"}});
  r.push_back({"us_npi",
               "US_NPI",
               R"(\b[12]\d{3}[ \-]?\d{3}[ \-]?\d{3}\b)",
               0,
               1.0,
               digits_check(checks::us_npi, 1.0),
               {"npi", "provider", "national provider"}});
  r.push_back(
      {"medical_license",
       "MEDICAL_LICENSE",
       R"(\b[abcdefghjklmprstuxABCDEFGHJKLMPRSTUX][a-zA-Z]\d{7}\b|\b[abcdefghjklmprstuxABCDEFGHJKLMPRSTUX]9\d{7}\b)",
       0,
       0.4,
       [](std::string_view t, Hit& h) {
         if (word_before(t, h.start) || word_after(t, h.end)) return false;
         // DEA registration check digit.
         std::string_view s = t.substr(h.start, h.end - h.start);
         int d[7];
         for (int i = 0; i < 7; ++i) d[i] = s[2 + i] - '0';
         int sum = d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5]);
         return sum % 10 == d[6];
       },
       {"medical", "certificate", "dea", "license", "prescriber"}});
  // ---- UK ----------------------------------------------------------------------
  r.push_back({"uk_nino",
               "UK_NINO",
               R"(\b[A-Za-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-Da-d]\b)",
               0,
               0.5,
               nino_check,
               {"national insurance", "ni number", "nino", "insurance"}});
  r.push_back({"uk_nhs",
               "UK_NHS",
               R"(\b\d{3}[\- ]?\d{3}[\- ]?\d{4}\b)",
               0,
               0.5,
               digits_check(checks::uk_nhs, 0.5),
               {"nhs", "health", "national health", "patient", "hospital"}});
  r.push_back(
      {"uk_postcode",
       "UK_POSTCODE",
       R"(\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW]?|[A-HK-Y]\d[ABEHMNPRV-Y]?|\d\d|[A-HK-Y]\d\d) ?\d[ABD-HJLNP-UW-Z]{2})\b)",
       0,
       0.55,
       standalone(),
       {"postcode", "post code", "address"}});
  r.push_back({"uk_passport",
               "UK_PASSPORT",
               R"(\b[A-Za-z]{2}\d{7}\b)",
               0,
               0.1,
               standalone(),
               {"passport", "travel document"}});
  // DVLA licence numbers: surname (padded with 9s), decade, month (+50 for
  // women), day, year, initials, a digit and two check characters.
  r.push_back({"uk_driving_licence",
               "UK_DRIVING_LICENCE",
               R"(\b[A-Za-z][A-Za-z9]{4}\d{6}[A-Za-z9]{2}\d[A-Za-z0-9]{2}\b)",
               0,
               0.6,
               [](std::string_view t, Hit& h) {
                 std::string_view v = t.substr(h.start, h.end - h.start);
                 bool padding = false;
                 for (size_t i = 0; i < 5; ++i) {
                   if (v[i] == '9')
                     padding = true;
                   else if (padding)
                     return false;  // letters after the padding
                 }
                 int month = (v[6] - '0') * 10 + (v[7] - '0');
                 int day = (v[8] - '0') * 10 + (v[9] - '0');
                 if (month > 50) month -= 50;
                 return month >= 1 && month <= 12 && day >= 1 && day <= 31;
               },
               {"licence", "license", "driving", "dvla"}});
  // Medicare Beneficiary Identifier: fixed letter/digit positions, no S L O I B Z.
  r.push_back(
      {"us_mbi",
       "US_MBI",
       R"(\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d-?[AC-HJKMNP-RT-Y]{2}\d\d\b)",
       HS_FLAG_CASELESS,
       0.6,
       standalone(),
       {"medicare", "mbi", "beneficiary"}});
  // ---- dates -------------------------------------------------------------------
  const char* kMonth =
      "(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:"
      "ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)";
  r.push_back(
      {"date_numeric",
       "DATE_TIME",
       R"(\b(?:\d{1,2}[\-/.]\d{1,2}[\-/.](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+\-]\d{2}:?\d{2})?)?|\d{1,2}/\d{4}|\d{1,2}/\d{1,2})\b)",
       0,
       0.6,
       date_check(),
       {}});
  r.push_back(
      {"date_text",
       "DATE_TIME",
       std::string(R"(\b(?:)") + kMonth +
           R"(\.?[ \-]\d{1,2}(?:st|nd|rd|th)?,?[ \-]\d{4}|\d{1,2}(?:st|nd|rd|th)?(?: of)?[ \-])" +
           kMonth + R"(\.?,?[ \-]\d{2,4}|\d{1,2}-)" + kMonth + "|" + kMonth + R"(-\d{2,4})\b)",
       HS_FLAG_CASELESS,
       0.6,
       date_check(),
       {}});
  // ---- health ------------------------------------------------------------------
  r.push_back(
      {"mrn",
       "MEDICAL_RECORD_NUMBER",
       R"(\b(?:MRN|Medical Record(?: Number| No\.?| #)?|Patient (?:ID|No\.?|Number)|Chart (?:No\.?|Number)|Record (?:No\.?|#))\s{0,3}[:#]?\s{0,3}[A-Z0-9][A-Z0-9\-]{3,15})",
       HS_FLAG_CASELESS,
       0.85,
       mrn_check,
       {}});
  r.back().list_item = mrn_item;
  // The label is in the pattern; these words head a table's column of them.
  r.back().column_words = words({"mrn", "medical record", "patient id", "patient no",
                                 "patient number", "chart number", "chart no", "record no"});
  for (Rule& x : r) {
    if (x.detector == "email" || x.detector == "url" || x.detector == "www_url" ||
        x.detector == "domain" || x.detector == "ipv6") {
      x.som = false;  // their checks widen from the trigger's end
    }
    if (x.detector == "date_numeric" || x.detector == "date_text") {
      x.column_words = birth_words();  // a "Date of birth" column
      x.column_entity = "DATE_OF_BIRTH";
    }
  }
  // ---- more national identifiers (Presidio's FI/TR/PL recognizers) -------------
  // Finnish henkilötunnus: date, century sign, individual number, mod-31 check.
  // Often glued to a preceding word in forms ("id code is030594W903B"), so only
  // a digit before it disqualifies.
  r.push_back(
      {"fi_hetu", "FI_PERSONAL_IDENTITY_CODE", R"(\d{6}[+\-A-FU-Y]\d{3}[0-9A-Y])", 0, 0.7,
       [](std::string_view t, Hit& h) {
         if (h.start > 0 && ascii::isdigit(static_cast<unsigned char>(t[h.start - 1])))
           return false;
         if (word_after(t, h.end)) return false;
         return checks::fi_personal_identity_code(t.substr(h.start, h.end - h.start));
       },
       words({"henkilötunnus", "hetu", "personal identity", "finnish id", "identity code"})});
  // Turkish T.C. Kimlik No and Polish PESEL: 11 digits with check digits. A
  // bare 11-digit number passes either check by chance (1 in 100 / 1 in 10 with
  // a valid date), so both stay below the default threshold without context.
  r.push_back({"tr_kimlik", "TR_NATIONAL_ID", R"(\b[1-9]\d{10}\b)", 0, 0.4,
               digits_check(checks::tr_national_id, 0),
               words({"kimlik", "tckn", "t.c.", "tc no", "turkish id", "türk", "national id"})});
  r.push_back({"pl_pesel", "PL_PESEL", R"(\b\d{11}\b)", 0, 0.4, digits_check(checks::pl_pesel, 0),
               words({"pesel", "polish id", "numer ewidencyjny"})});
  // Rules whose every match contains a digit and is at most a few dozen
  // bytes long: scanned only near digits (see Rule::digit_anchored). First
  // the letter-led identifiers, which keep Vectorscan from skipping ahead in
  // prose; then the digit-led ones, which together slowed the main database
  // down on prose and on digit-dense text alike (in windows they cost the
  // same on dense text and nothing where digits are rare).
  for (Rule& x : r) {
    // Their checks only accept or reject.
    x.needs_context = x.detector == "tr_kimlik" || x.detector == "pl_pesel";
    for (const char* d : {"iban",
                          "crypto",
                          "us_passport",
                          "us_driver_license",
                          "medical_license",
                          "uk_nino",
                          "uk_postcode",
                          "uk_passport",
                          "uk_driving_licence",
                          "street",
                          "phone",
                          "ipv4",
                          "credit_card",
                          "aba",
                          "us_bank",
                          "ssn",
                          "ssn_weak",
                          "itin",
                          "itin_weak",
                          "us_npi",
                          "uk_nhs",
                          "us_mbi",
                          "date_numeric",
                          "fi_hetu",
                          "tr_kimlik",
                          "pl_pesel"}) {
      if (x.detector == d) x.digit_anchored = true;
    }
    for (const char* d : {"date_numeric", "ssn", "ssn_weak", "iban", "street", "crypto"}) {
      if (x.detector == d) x.digit_second = true;
    }
  }
  return r;
}

}  // namespace perimeter::detect::internal
