// National identifiers of Spain, Italy and Sweden: patterns, checksums and
// context words.
#include <hs/hs.h>

#include <cstddef>
#include <string_view>

#include "detect/ascii.h"
#include "detect/checks.h"
#include "detect/rule_kit.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {
namespace {

// The ASCII digits of `s` into `out` (at most `cap`); returns how many, or
// cap + 1 when there are more.
size_t digits_into(std::string_view s, char* out, size_t cap) {
  size_t n = 0;
  for (char c : s) {
    if (!ascii::isdigit(c)) continue;
    if (n == cap) return cap + 1;
    out[n++] = c;
  }
  return n;
}

int days_in_month(int m) {
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[m - 1];
}

// Swedish personnummer: [CC]YYMMDD[-+]NNNC. The last ten digits carry the date
// (day + 60 for a samordningsnummer) and a Luhn check digit; a 12-digit form
// names the century (18, 19 or 20).
bool se_personnummer(std::string_view s) {
  char d[12];
  size_t n = digits_into(s, d, 12);
  if (n != 10 && n != 12) return false;
  const char* p = d;
  if (n == 12) {
    int cc = (d[0] - '0') * 10 + (d[1] - '0');
    if (cc < 18 || cc > 20) return false;
    p = d + 2;
  }
  int mm = (p[2] - '0') * 10 + (p[3] - '0');
  int dd = (p[4] - '0') * 10 + (p[5] - '0');
  if (dd > 60) dd -= 60;
  if (mm < 1 || mm > 12 || dd < 1 || dd > days_in_month(mm)) return false;
  return checks::luhn(std::string_view(p, 10));
}

// Swedish organisationsnummer: ten digits, the third at least 2 (so it never
// reads as a personnummer's month), a Luhn check digit.
bool se_organisationsnummer(std::string_view s) {
  char d[10];
  if (digits_into(s, d, 10) != 10) return false;
  return d[2] >= '2' && checks::luhn(std::string_view(d, 10));
}

// The control letter of Spanish DNI/NIF and NIE numbers: the number mod 23
// indexes this table (Ministerio del Interior).
constexpr char kEsLetters[] = "TRWAGMYFPDXBNJZSQVHLCKE";

// Spanish NIF (DNI): 7 or 8 digits, an optional hyphen, the control letter.
bool es_nif(std::string_view s) {
  long number = 0;
  size_t n = 0;
  for (char c : s.substr(0, s.size() - 1)) {
    if (ascii::isdigit(c)) {
      number = number * 10 + (c - '0');
      ++n;
    }
  }
  if (n < 7 || n > 8) return false;
  return ascii::toupper(static_cast<unsigned char>(s.back())) == kEsLetters[number % 23];
}

// Spanish NIE: X, Y or Z (read as 0, 1, 2 before the digits), 7 digits, an
// optional hyphen, the control letter of the resulting number.
bool es_nie(std::string_view s) {
  int lead = ascii::toupper(static_cast<unsigned char>(s[0])) - 'X';
  if (lead < 0 || lead > 2) return false;
  long number = lead;
  size_t n = 0;
  for (char c : s.substr(1, s.size() - 2)) {
    if (ascii::isdigit(c)) {
      number = number * 10 + (c - '0');
      ++n;
    }
  }
  if (n != 7) return false;
  return ascii::toupper(static_cast<unsigned char>(s.back())) == kEsLetters[number % 23];
}

// Italian codice fiscale (DM 23/12/1976): 6 letters of surname and name, the
// year (2), a month letter, the day (+40 for women), the municipality (letter
// and 3), a check letter. Digits may be swapped for the letters L M N P Q R S
// T U V (0-9) to resolve collisions ("omocodia").
int it_cf_digit(char c) {
  if (ascii::isdigit(c)) return c - '0';
  static constexpr std::string_view kOmocodia = "LMNPQRSTUV";
  size_t k = kOmocodia.find(c);
  return k == std::string_view::npos ? -1 : static_cast<int>(k);
}

// 0: not a codice fiscale; 1: well formed, wrong check letter; 2: valid.
int it_fiscal_code(std::string_view s) {
  if (s.size() != 16) return 0;
  char u[16];
  for (size_t i = 0; i < 16; ++i)
    u[i] = static_cast<char>(ascii::toupper(static_cast<unsigned char>(s[i])));
  int d1 = it_cf_digit(u[9]), d2 = it_cf_digit(u[10]);
  if (d1 < 0 || d2 < 0) return 0;
  int day = d1 * 10 + d2;
  if (day > 40) day -= 40;
  if (day < 1 || day > 31) return 0;
  // Characters in odd positions (1st, 3rd, ...) count by this table (digits
  // as the letter of the same rank, A=0 ... J=9); even positions count their
  // rank (digits their value, letters A=0 ... Z=25).
  static const int kOdd[26] = {1,  0,  5, 7, 9, 13, 15, 17, 19, 21, 2,  4,  18,
                               20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23};
  int sum = 0;
  for (size_t i = 0; i < 15; ++i) {
    char c = u[i];
    int rank = ascii::isdigit(c) ? c - '0' : c - 'A';
    if (rank < 0 || rank > 25) return 0;
    sum += (i % 2 == 0) ? kOdd[rank] : rank;
  }
  return u[15] == 'A' + sum % 26 ? 2 : 1;
}

// Italian partita IVA: 11 digits, the last a Luhn check digit over the first
// ten; all zeros is not a number.
bool it_vat(std::string_view s) {
  char d[11];
  if (digits_into(s, d, 11) != 11) return false;
  bool zeros = true;
  for (char c : d) zeros = zeros && c == '0';
  return !zeros && checks::luhn(std::string_view(d, 11));
}

// True if a digit, or a digit glued by '-' or '.', touches [start, end).
bool digit_touches(std::string_view t, size_t start, size_t end) {
  if (start > 0 && ascii::isdigit(t[start - 1])) return true;
  if (end < t.size() && ascii::isdigit(t[end])) return true;
  return digit_chain_around(t, start, end);
}

// The personnummer: standalone at the base score; glued to a word on the
// left ("is199003052397") at 0.1; never inside a longer number.
bool se_personnummer_check(std::string_view t, Hit& h) {
  if (digit_touches(t, h.start, h.end) || word_after(t, h.end)) return false;
  if (!se_personnummer(t.substr(h.start, h.end - h.start))) return false;
  if (word_before(t, h.start)) h.score = 0.1;
  return true;
}

// A standalone shape without a checksum.
Check shape_only() {
  return [](std::string_view t, Hit& h) { return isolated(t, h); };
}

}  // namespace

std::vector<EntityDef> eu_id_entities() {
  return {
      {"ES_NIF", Category::PII, "confidential"},
      {"ES_NIE", Category::PII, "confidential"},
      {"ES_PASSPORT", Category::PII, "confidential"},
      {"IT_FISCAL_CODE", Category::PII, "confidential"},
      {"IT_VAT_CODE", Category::PII, "confidential"},
      {"IT_DRIVER_LICENSE", Category::PII, "confidential"},
      {"IT_IDENTITY_CARD", Category::PII, "confidential"},
      {"IT_PASSPORT", Category::PII, "confidential"},
      {"SE_PERSONNUMMER", Category::PII, "confidential"},
      {"SE_ORGANISATIONSNUMMER", Category::PII, "confidential"},
  };
}

std::vector<Rule> eu_id_rules() {
  std::vector<Rule> r;
  // Sweden. Both numbers are ten digits with a Luhn check digit: one in ten
  // random numbers passes (a personnummer also needs a date), so neither is
  // reported without a context word. A personnummer's third digit starts the
  // month (0 or 1), an organisationsnummer's is at least 2: never both.
  r.push_back(
      {"se_personnummer", "SE_PERSONNUMMER", R"(\d{6}(?:\d\d)?[-+]?\d{4})", 0, 0.4,
       se_personnummer_check,
       words({"personnummer", "personnumret", "samordningsnummer", "personal identity number",
              "person number", "pnr", "svenskt id", "swedish id", "swedish personal"})});
  r.push_back(
      {"se_orgnr", "SE_ORGANISATIONSNUMMER", R"(\d{6}-?\d{4})", 0, 0.4,
       digits_check(se_organisationsnummer, 0),
       words({"organisationsnummer", "orgnummer", "orgnr", "org nr", "org.nr", "org. nr",
              "företagsnummer", "organisation number", "organization number", "swedish company"})});
  // Spain. DNI/NIF and NIE end in a mod-23 control letter. The NIE's leading
  // X/Y/Z makes it distinctive; a 7-digit NIF (the older form, no leading
  // zero) is the weakest shape.
  r.push_back({"es_nif", "ES_NIF", R"(\d{7,8}-?[A-Za-z]\b)", 0, 0.5,
               [](std::string_view t, Hit& h) {
                 if (!isolated(t, h)) return false;
                 std::string_view v = t.substr(h.start, h.end - h.start);
                 if (!es_nif(v)) return false;
                 size_t n = v.size() - 1 - (v[v.size() - 2] == '-' ? 1 : 0);
                 if (n == 7) h.score = 0.4;
                 return true;
               },
               words({"dni", "nif", "documento nacional de identidad", "identificación fiscal",
                      "número de identificación", "identificación", "spanish id"})});
  r.push_back({"es_nie", "ES_NIE", R"([XYZxyz]\d{7}-?[A-Za-z]\b)", 0, 0.6, digits_check(es_nie, 0),
               words({"nie", "número de identificación de extranjero",
                      "identificación de extranjero", "extranjero", "foreigner identity number"})});
  // Spanish passport: 3 letters, 6 digits, no check digit.
  r.push_back({"es_passport", "ES_PASSPORT", R"([A-Za-z]{3}\d{6})", 0, 0.05, shape_only(),
               words({"pasaporte", "passport", "nº de pasaporte"})});
  // Italy. The codice fiscale's structure plus its check letter is
  // distinctive; a well-formed one with a wrong check letter stays below the
  // threshold (a typo still is someone's code when a context word names
  // it). The first year character must be a digit (it is replaced only at
  // the seventh level of omocodia), so that every match holds a digit.
  // Vectorscan looks for the last ten characters only (a run of six letters
  // before them matched almost everywhere in text and cost a tenth of the
  // scan on mixed text); the check finds the start, six letters back.
  r.push_back({"it_fiscal_code", "IT_FISCAL_CODE",
               R"(\d[\dLMNP-V][ABCDEHLMPRST][\dLMNP-V]{2}[A-Z][\dLMNP-V]{3}[A-Z]\b)",
               HS_FLAG_CASELESS, 0.8,
               [](std::string_view t, Hit& h) {
                 if (h.end < 16) return false;
                 h.start = h.end - 16;
                 for (size_t i = h.start; i < h.start + 6; ++i)
                   if (!ascii::isalpha(static_cast<unsigned char>(t[i]))) return false;
                 if (word_before(t, h.start) || word_after(t, h.end)) return false;
                 int v = it_fiscal_code(t.substr(h.start, h.end - h.start));
                 if (v == 0) return false;
                 if (v == 1) h.score = 0.1;
                 return true;
               },
               words({"codice fiscale", "cod. fiscale", "cod fiscale", "c.f.", "cf", "fiscal code",
                      "tax code", "italian tax"})});
  // Partita IVA: 11 digits (one space or underscore may split off the last
  // three), Luhn. Alone as weak as any 11-digit number; "IT" in front makes
  // it the EU VAT form.
  r.push_back({"it_vat", "IT_VAT_CODE", R"(\d{8}[ _]?\d{3}\b)", 0, 0.4,
               [](std::string_view t, Hit& h) {
                 if (word_after(t, h.end) || digit_chain_around(t, h.start, h.end)) return false;
                 bool prefixed = h.start >= 2 && t[h.start - 2] == 'I' && t[h.start - 1] == 'T' &&
                                 !word_before(t, h.start - 2);
                 if (word_before(t, h.start) && !prefixed) return false;
                 if (!it_vat(t.substr(h.start, h.end - h.start))) return false;
                 if (prefixed) h.score = 0.6;
                 return true;
               },
               words({"partita iva", "p.iva", "p. iva", "piva", "p.i.", "iva", "vat", "vat number",
                      "codice iva"})});
  // Italian driving licence: 2 letters, 7 digits, a letter (paper) or U1 and
  // 7 characters from a restricted set and a letter (card). No check digit.
  r.push_back({"it_driver_license", "IT_DRIVER_LICENSE",
               R"([A-Z]{2}\d{7}[A-Z]|U1[B-HJ-NPR-UW-Z0-9]{7}[A-Z])", HS_FLAG_CASELESS, 0.2,
               shape_only(),
               words({"patente", "patente di guida", "licenza di guida", "licenza",
                      "italian driving licence", "italian driver"})});
  // Italian identity card (paper: 2 letters and 7 digits; CIE 2.0: 7 digits
  // and 2 letters; CIE 3.0: 2 letters, 5 digits, 2 letters) and passport (2
  // letters, 7 digits): common shapes without a check digit, very weak alone.
  r.push_back(
      {"it_identity_card", "IT_IDENTITY_CARD",
       R"([A-Z]{2} ?\d{7}|\d{7}[A-Z]{2}|[A-Z]{2}\d{5}[A-Z]{2})", HS_FLAG_CASELESS, 0.01,
       shape_only(),
       words({"carta d'identità", "carta di identità", "carta d’identità", "identità",
              "carta identita", "cie", "documento di riconoscimento", "italian identity card"})});
  r.push_back({"it_passport", "IT_PASSPORT", R"([A-Z]{2}\d{7})", HS_FLAG_CASELESS, 0.01,
               shape_only(), words({"passaporto", "passaporto elettronico", "italian passport"})});
  for (Rule& x : r) {
    x.digit_anchored = true;
    // Checks that only accept, reject or lower, below the default threshold
    // (es_nif, it_vat and it_fiscal_code can reach it alone).
    for (const char* d : {"se_personnummer", "se_orgnr", "es_passport", "it_driver_license",
                          "it_identity_card", "it_passport"})
      if (x.detector == d) x.needs_context = true;
    x.som = x.detector != "it_fiscal_code";
  }
  return r;
}

}  // namespace perimeter::detect::internal
