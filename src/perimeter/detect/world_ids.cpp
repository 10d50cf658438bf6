// National identifiers of Australia, Canada, Nigeria, South Africa, the Philippines
// (TIN), Turkey (vehicle plates) and UK vehicles: patterns, checksums and
// context words.
//
// Most of these are bare runs of 9 to 13 digits whose only protection is a
// check digit (1 in 10 or 11 random numbers pass, 1 in 89 for the ABN), so
// they stay below the default threshold unless a context word is near; the
// grouped forms ("130 692 544") score 0.4 alone and 0.75 with a context word,
// above the 0.7 of the phone rule that often claims the same digits ("ACN 093
// 127 452"). Vehicle plates are letter/digit shapes without a checksum and
// behave the same way.
#include <algorithm>

#include "detect/checks.h"
#include "detect/rule_kit.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {

namespace {

// The digits of a candidate (separators dropped), at most 16 of them.
struct Digits {
  int d[16];
  size_t n = 0;
  bool grouped = false;  // a separator occurred between the digits
};

Digits digits_of(std::string_view s) {
  Digits out;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      if (out.n < 16) out.d[out.n++] = c - '0';
    } else {
      out.grouped = true;
    }
  }
  return out;
}

// Weighted sum of the leading digits, one weight each.
int weighted(const Digits& x, std::initializer_list<int> w) {
  int sum = 0;
  size_t i = 0;
  for (int f : w) sum += f * x.d[i++];
  return sum;
}

// South African identity number YYMMDD SSSS C A Z: a real date of birth
// (19YY or 20YY: 29 February needs YY divisible by 4, 00 being 2000),
// citizenship 0-2, the legacy digit 8 or 9 (both held by the pattern) and a
// Luhn check digit.
bool za_id_ok(std::string_view s) {
  Digits x = digits_of(s);
  if (x.n != 13 || x.grouped) return false;
  int yy = x.d[0] * 10 + x.d[1], mm = x.d[2] * 10 + x.d[3], dd = x.d[4] * 10 + x.d[5];
  static const int kDays[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mm < 1 || mm > 12 || dd < 1 || dd > kDays[mm]) return false;
  if (mm == 2 && dd == 29 && yy % 4 != 0) return false;
  if (x.d[10] > 2) return false;
  return checks::luhn(checks::digits_of(s));
}

// Canadian SIN: nine digits, Luhn.
bool ca_sin_ok(std::string_view s) {
  Digits x = digits_of(s);
  return x.n == 9 && checks::luhn(checks::digits_of(s));
}

// Philippine TIN: the 9th digit is the weighted sum (9..2) of the first
// eight mod 11; an optional 3-digit branch code follows.
bool ph_tin_ok(std::string_view s) {
  Digits x = digits_of(s);
  if (x.n != 9 && x.n != 12) return false;
  return weighted(x, {9, 8, 7, 6, 5, 4, 3, 2}) % 11 == x.d[8];
}

// Australian Company Number: check digit = complement mod 10 of the
// weighted sum (8..1) of the first eight digits.
bool au_acn_ok(std::string_view s) {
  Digits x = digits_of(s);
  return x.n == 9 && (10 - weighted(x, {8, 7, 6, 5, 4, 3, 2, 1}) % 10) % 10 == x.d[8];
}

// Australian Tax File Number: weighted sum of all nine digits divisible by 11.
bool au_tfn_ok(std::string_view s) {
  Digits x = digits_of(s);
  return x.n == 9 && weighted(x, {1, 4, 3, 7, 5, 8, 6, 9, 10}) % 11 == 0;
}

// Australian Business Number: subtract 1 from the first digit, then the
// weighted sum of the eleven digits is divisible by 89.
bool au_abn_ok(std::string_view s) {
  Digits x = digits_of(s);
  if (x.n != 11 || x.d[0] == 0) return false;
  x.d[0] -= 1;
  return weighted(x, {10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19}) % 89 == 0;
}

// Australian Medicare card: the 9th digit is the weighted sum (1 3 7 9 1 3 7 9)
// of the first eight mod 10; the 10th is the card's issue number.
bool au_medicare_ok(std::string_view s) {
  Digits x = digits_of(s);
  return x.n == 10 && weighted(x, {1, 3, 7, 9, 1, 3, 7, 9}) % 10 == x.d[8];
}

// Nigerian NIN: eleven digits, Verhoeff (leading zeros count).
bool ng_nin_ok(std::string_view s) {
  Digits x = digits_of(s);
  return x.n == 11 && checks::verhoeff(checks::digits_of(s));
}

// A standalone number (no word character or separator-glued digits around
// it) passing `ok`: scored `grouped` when written in groups, else `bare`.
Check number_check(bool (*ok)(std::string_view), double bare, double grouped) {
  return [=](std::string_view t, Hit& h) {
    if (!isolated(t, h)) return false;
    std::string_view v = t.substr(h.start, h.end - h.start);
    if (!ok(v)) return false;
    bool sep = v.find_first_not_of("0123456789") != std::string_view::npos;
    h.score = sep ? grouped : bare;
    return true;
  };
}

bool has_lower(std::string_view v) {
  for (char c : v) {
    if (c >= 'a' && c <= 'z') return true;
  }
  return false;
}

Rule number_rule(const char* detector, const char* entity, const char* pattern,
                 bool (*ok)(std::string_view), double bare, double grouped,
                 std::vector<std::string> context) {
  Rule r{detector,
         entity,
         pattern,
         0,
         std::max(bare, grouped),
         number_check(ok, bare, grouped),
         std::move(context)};
  r.digit_anchored = true;
  return r;
}

}  // namespace

std::vector<EntityDef> world_id_entities() {
  return {
      {"ZA_ID_NUMBER", Category::PII, "confidential"},
      {"UK_VEHICLE_REGISTRATION", Category::PII, nullptr},
      {"CA_SIN", Category::PII, "confidential"},
      {"TR_LICENSE_PLATE", Category::PII, nullptr},
      {"NG_VEHICLE_REGISTRATION", Category::PII, nullptr},
      {"PH_TIN", Category::PII, "confidential"},
      {"AU_ACN", Category::PII, "confidential"},
      {"AU_ABN", Category::PII, "confidential"},
      {"NG_NIN", Category::PII, "confidential"},
      {"AU_TFN", Category::PII, "confidential"},
      {"AU_MEDICARE", Category::PHI, "confidential"},
  };
}

std::vector<Rule> world_id_rules() {
  std::vector<Rule> r;
  // ---- South Africa: 13 digits, date of birth + citizenship + Luhn ---------------
  r.push_back(number_rule("za_id", "ZA_ID_NUMBER", R"(\b\d{10}[0-2][89]\d\b)", za_id_ok, 0.4, 0.4,
                          words({"id number", "id no", "identity", "south african", "rsa id"})));

  // ---- UK vehicle registration ---------------------------------------------------
  // Current (2001+) format: area letters, age identifier (02-29 March, 51-79
  // September issues), three letters. Upper case scores higher than lower.
  {
    Rule x{"uk_vehicle_current",
           "UK_VEHICLE_REGISTRATION",
           R"(\b[A-HJ-PR-Y]{2}(?:0[1-9]|[1-7]\d)[- ]?[A-HJ-PR-Z]{3}\b)",
           HS_FLAG_CASELESS,
           0.4,
           [](std::string_view t, Hit& h) {
             if (word_before(t, h.start) || word_after(t, h.end)) return false;
             int age = (t[h.start + 2] - '0') * 10 + (t[h.start + 3] - '0');
             if (!((age >= 2 && age <= 29) || (age >= 51 && age <= 79))) return false;
             if (has_lower(t.substr(h.start, h.end - h.start))) h.score = 0.3;
             return true;
           },
           words({"vehicle", "registration", "number plate", "licence plate", "license plate",
                  "reg", "vrn", "dvla", "v5c", "logbook"})};
    x.digit_anchored = true;
    const std::vector<std::string> context = x.context;
    r.push_back(std::move(x));
    // Prefix (1983-2001: A123 BCD) and suffix (1963-1983: ABC 123D) formats,
    // upper case only: weak shapes that need a context word.
    Rule p{"uk_vehicle_prefix",
           "UK_VEHICLE_REGISTRATION",
           R"(\b[A-HJ-NPR-TV-Y]\d{1,3}[- ]?[A-HJ-PR-Y][A-HJ-PR-Z]{2}\b)",
           0,
           0.2,
           standalone(),
           context};
    p.digit_anchored = true;
    r.push_back(p);
    Rule s{"uk_vehicle_suffix",
           "UK_VEHICLE_REGISTRATION",
           R"(\b[A-HJ-PR-Z]{3}[- ]?\d{1,3}[- ]?[A-HJ-NPR-TV-Y]\b)",
           0,
           0.15,
           standalone(),
           context};
    s.digit_anchored = true;
    r.push_back(s);
  }

  // ---- Canada: Social Insurance Number, 9 digits (not 0 or 8 first), Luhn ---------
  r.push_back(number_rule(
      "ca_sin", "CA_SIN", R"(\b[1-79]\d\d(?:\d{6}|-\d{3}-\d{3}| \d{3} \d{3})\b)", ca_sin_ok, 0.1,
      0.4, words({"sin", "social insurance", "canada", "canadian", "nas", "assurance sociale"})));

  // ---- Turkey: vehicle plate, province 01-81, 1-3 letters (no Q W X), 2-4 digits ---
  {
    Rule x{"tr_plate",
           "TR_LICENSE_PLATE",
           R"(\b(?:0[1-9]|[1-7]\d|8[01])(?: ?[A-PR-VYZ]{1,3} ?|-[A-PR-VYZ]{1,3}-)\d{2,4}\b)",
           HS_FLAG_CASELESS,
           0.3,
           [](std::string_view t, Hit& h) {
             if (!isolated(t, h)) return false;
             if (has_lower(t.substr(h.start, h.end - h.start))) h.score = 0.2;
             return true;
           },
           words({"plaka", "plate", "kayıt", "taşıt", "araç"})};
    x.digit_anchored = true;
    r.push_back(std::move(x));
  }

  // ---- Nigeria: vehicle plate ABC-123DE (LGA code, serial, year/batch letters) -------
  {
    Rule x{"ng_plate",
           "NG_VEHICLE_REGISTRATION",
           R"(\b[A-Z]{3}[- ]?\d{3}[A-Z]{2}\b)",
           HS_FLAG_CASELESS,
           0.4,
           [](std::string_view t, Hit& h) {
             if (word_before(t, h.start) || word_after(t, h.end)) return false;
             std::string_view v = t.substr(h.start, h.end - h.start);
             if (has_lower(v)) {
               // "was 300km" is prose: lower case only joined or hyphenated.
               if (v[3] == ' ') return false;
               h.score = 0.2;
             }
             return true;
           },
           words({"plate", "vehicle", "registration"})};
    x.digit_anchored = true;
    r.push_back(std::move(x));
  }

  // ---- Philippines: TIN, 9 digits (+3 branch digits), weighted mod 11 -----------------
  r.push_back(number_rule(
      "ph_tin", "PH_TIN", R"(\b\d{3}(?:-\d{3}-\d{3}(?:-\d{3})?|\d{6}(?:\d{3})?)\b)", ph_tin_ok, 0.2,
      0.4, words({"tin", "taxpayer", "bir", "tax id", "rdo", "revenue district"})));

  // ---- Australia ----------------------------------------------------------------------
  r.push_back(number_rule("au_acn", "AU_ACN", R"(\b\d{3}(?:\d{6}| \d{3} \d{3})\b)", au_acn_ok, 0.1,
                          0.4, words({"acn", "australian company", "company number"})));
  r.push_back(number_rule("au_abn", "AU_ABN", R"(\b[1-9]\d(?:\d{9}| \d{3} \d{3} \d{3})\b)",
                          au_abn_ok, 0.2, 0.4,
                          words({"abn", "australian business", "business number"})));
  r.push_back(number_rule("au_tfn", "AU_TFN", R"(\b\d{3}(?:\d{6}| \d{3} \d{3})\b)", au_tfn_ok, 0.1,
                          0.4, words({"tfn", "tax file"})));
  r.push_back(number_rule("au_medicare", "AU_MEDICARE", R"(\b[2-6]\d{3}(?:\d{6}| \d{5} \d)\b)",
                          au_medicare_ok, 0.1, 0.4, words({"medicare"})));

  // ---- Nigeria: National Identification Number, 11 digits, Verhoeff ------------------
  r.push_back(number_rule(
      "ng_nin", "NG_NIN", R"(\b\d{11}\b)", ng_nin_ok, 0.2, 0.2,
      words({"nin", "nimc", "national identification", "national identity", "nigeria"})));
  // Every check above only accepts, rejects or lowers the score, and every
  // score stays below the default threshold without a context word.
  for (Rule& x : r) x.needs_context = true;
  return r;
}

}  // namespace perimeter::detect::internal
