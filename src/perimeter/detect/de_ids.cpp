// National identifiers of Germany: patterns, checksums and
// context words.
//
// Most German identifiers are short digit or letter-digit strings that many
// other numbers share, so the rules follow one scheme: a bare match that
// passes its check digit scores below the default threshold (0.5) and a
// context word nearby lifts it to at least 0.6 (boosted()). Shapes that are
// distinctive on their own (a "DE" VAT prefix, a pension number's
// digits-letter-digits with a birth date and check digit, an "HRB" prefix)
// score above it. Presidio matches all of these case-insensitively; so do
// the patterns here, but lower-case forms of shapes that prose produces by
// chance score low: "de" + digits (Spanish, French, Portuguese) needs a
// context word, and a lower-case vehicle plate ("ist um 12") is never
// boosted.
#include <algorithm>
#include <iterator>
#include <string_view>

#include "detect/checks.h"
#include "detect/rule_kit.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {

namespace {

char upper(char c) {
  return static_cast<char>(ascii::toupper(static_cast<unsigned char>(c)));
}

// ISO 7064 MOD 11,10 (hybrid system): the check digit that follows `body`.
int iso7064_mod11_10(std::string_view body) {
  int p = 10;
  for (char c : body) {
    int s = (digit_value(c) + p) % 10;
    if (s == 0) s = 10;
    p = (2 * s) % 11;
  }
  return (11 - p) % 10;
}

// Umsatzsteuer-Identifikationsnummer: 9 digits, the last a MOD 11,10 check
// digit over the first 8.
bool vat_id_ok(std::string_view nine) {
  return iso7064_mod11_10(nine.substr(0, 8)) == digit_value(nine[8]);
}

// Steueridentifikationsnummer: 11 digits, no leading zero; in the first ten
// at most one digit repeats, and at most three times (the BZSt rule asks for
// exactly one repeated digit; Presidio also accepts ten distinct ones, and
// so do we); the last digit is a MOD 11,10 check digit.
bool tax_id_ok(std::string_view d) {
  if (d.size() != 11 || d[0] == '0') return false;
  int count[10] = {};
  for (size_t i = 0; i < 10; ++i) ++count[digit_value(d[i])];
  int repeated = 0;
  for (int c : count) {
    if (c > 3) return false;
    if (c >= 2) ++repeated;
  }
  if (repeated > 1) return false;
  return iso7064_mod11_10(d.substr(0, 10)) == digit_value(d[10]);
}

// Cross sum of a product of two digits (at most 81).
int cross(int v) {
  return v / 10 + v % 10;
}

// Krankenversichertennummer (eGK): letter + 8 digits + check digit. The
// letter counts as its two-digit alphabet position (A = 01); weights 1, 2
// alternating over those 10 digits, products replaced by their cross sums,
// sum mod 10.
bool kvnr_ok(std::string_view v) {
  int letter = upper(v[0]) - 'A' + 1;
  int d[10] = {letter / 10, letter % 10};
  for (int i = 0; i < 8; ++i) d[2 + i] = digit_value(v[static_cast<size_t>(1 + i)]);
  int sum = 0;
  for (int i = 0; i < 10; ++i) sum += cross(d[i] * (i % 2 ? 2 : 1));
  return sum % 10 == digit_value(v[9]);
}

// Rentenversicherungsnummer: area (2 digits), birth day (01-31, +50 for a
// second number with the same data), month, year, the initial of the birth
// name, serial (2 digits), check digit. The letter counts as its two-digit
// alphabet position; weights 2 1 2 5 7 1 2 1 2 1 2 1, cross sums, mod 10.
bool rvnr_ok(std::string_view v) {
  int day = digit_value(v[2]) * 10 + digit_value(v[3]);
  int month = digit_value(v[4]) * 10 + digit_value(v[5]);
  if (!((day >= 1 && day <= 31) || (day >= 51 && day <= 81))) return false;
  if (month < 1 || month > 12) return false;
  int letter = upper(v[8]) - 'A' + 1;
  int d[12];
  for (int i = 0; i < 8; ++i) d[i] = digit_value(v[static_cast<size_t>(i)]);
  d[8] = letter / 10;
  d[9] = letter % 10;
  d[10] = digit_value(v[9]);
  d[11] = digit_value(v[10]);
  static const int kW[12] = {2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1};
  int sum = 0;
  for (int i = 0; i < 12; ++i) sum += cross(d[i] * kW[i]);
  return sum % 10 == digit_value(v[11]);
}

// Lebenslange Arztnummer: six digits, a check digit (weights 4 9 alternating,
// 10 minus the sum mod 10), a two-digit specialty code.
bool lanr_ok(std::string_view v) {
  int sum = 0;
  for (size_t i = 0; i < 6; ++i) sum += digit_value(v[i]) * (i % 2 ? 9 : 4);
  return (10 - sum % 10) % 10 == digit_value(v[6]);
}

// ICAO Doc 9303 check digit of a machine-readable document number: letters
// A = 10 .. Z = 35, weights 7 3 1 repeating, sum mod 10.
bool icao_ok(std::string_view v) {
  static const int kW[3] = {7, 3, 1};
  int sum = 0;
  for (size_t i = 0; i + 1 < v.size(); ++i) {
    char c = upper(v[i]);
    int x = ascii::isdigit(c) ? digit_value(c) : c - 'A' + 10;
    sum += x * kW[i % 3];
  }
  return sum % 10 == digit_value(v.back());
}

// A currency or percent sign right after `end` (one space allowed): an
// amount, not a postal code, whatever address words stand nearby.
bool amount_after(std::string_view t, size_t end) {
  std::string_view rest = t.substr(end, 5);
  if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  for (std::string_view unit : {"EUR", "Euro", "\u20AC", "%", "$", "USD", "CHF"}) {
    if (rest.substr(0, unit.size()) == unit) return true;
  }
  return false;
}

bool all_upper(std::string_view s) {
  for (char c : s)
    if (ascii::islower(static_cast<unsigned char>(c))) return false;
  return true;
}

// Sets the score of a candidate whose rule decides itself whether a context
// word may count (the rule then has no context list of its own).
void score_with(std::string_view t, Hit& h, double base, const std::vector<std::string>& ctx) {
  h.score = has_context(t, h.start, h.end, ctx) ? boosted(base) : base;
}

}  // namespace

std::vector<EntityDef> de_id_entities() {
  return {
      {"DE_VAT_ID", Category::PII, "confidential"},
      {"DE_HEALTH_INSURANCE", Category::PHI, nullptr},
      {"DE_PASSPORT", Category::PII, "confidential"},
      {"DE_ID_CARD", Category::PII, "confidential"},
      {"DE_SOCIAL_SECURITY", Category::PII, "confidential"},
      {"DE_LANR", Category::PHI, nullptr},
      {"DE_BSNR", Category::PHI, nullptr},
      {"DE_TAX_ID", Category::PII, "confidential"},
      {"DE_KFZ", Category::PII, nullptr},
      {"DE_FUEHRERSCHEIN", Category::PII, "confidential"},
      {"DE_PLZ", Category::PII, nullptr},
      {"DE_TAX_NUMBER", Category::PII, "confidential"},
      {"DE_HANDELSREGISTER", Category::PII, nullptr},
  };
}

std::vector<Rule> de_id_rules() {
  std::vector<Rule> r;
  // USt-IdNr.: "DE" + 9 digits, optionally grouped 3-3-3 by spaces, dots or
  // dashes. Only numbers with a valid check digit (Presidio's strict mode):
  // the BZSt issues no others, and the default mode's tri-state (a failing
  // check digit keeps the bare pattern score) would report them anyway.
  // "DE" with a valid check digit is distinctive; a lower-case "de" before
  // digits is a word in Spanish, French or Portuguese prose.
  r.push_back({"de_vat_id", "DE_VAT_ID", R"(\bDE[ .\-]?\d{3}[ .\-]?\d{3}[ .\-]?\d{3}\b)",
               HS_FLAG_CASELESS, 0.75,
               [](std::string_view t, Hit& h) {
                 if (!isolated(t, h)) return false;
                 std::string_view v = t.substr(h.start, h.end - h.start);
                 if (!vat_id_ok(checks::digits_of(v))) return false;
                 if (v[0] != 'D' || v[1] != 'E') h.score = 0.4;
                 return true;
               },
               words({"ust-id", "ust-idnr", "ustidnr", "ust.-id", "umsatzsteuer", "vat",
                      "mehrwertsteuer", "steueridentifikation", "bzst", "bundeszentralamt",
                      "finanzamt", "invoice", "rechnung"})});
  // Krankenversichertennummer: a letter and 9 digits, the last a check digit.
  r.push_back(
      {"de_kvnr", "DE_HEALTH_INSURANCE", R"(\b[A-Z]\d{9}\b)", HS_FLAG_CASELESS, 0.4,
       [](std::string_view t, Hit& h) {
         return isolated(t, h) && kvnr_ok(t.substr(h.start, h.end - h.start));
       },
       words({"krankenversicherungsnummer", "krankenversichertennummer", "versichertennummer",
              "versicherten-nr", "kvnr", "krankenkasse", "krankenversicherung", "gesundheitskarte",
              "egk", "gkv", "versichertenausweis", "versichertenkarte", "aok", "tk", "barmer",
              "dak", "health insurance"})});
  // Reisepass and Personalausweis (since 2010): 9 characters from the ICAO
  // set without vowels and look-alikes, the last an ICAO check digit. Both
  // documents use the same numbering: two rules on one pattern, each with
  // its own context words. The provisional ID card's "T" + 8 digits carries
  // no check digit: an ID card at a lower score.
  const char* kIcaoNumber = R"(\b[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{7}\d\b)";
  // A real document number has no check digit of its own: the MRZ adds one
  // after it ("L01X00T47" + "1", the specimen card). Presidio's model checks
  // the ninth character; a number that fails it is still reported next to a
  // context word (at a lower score), never alone.
  static const std::vector<std::string> kPassWords =
      words({"reisepass", "passnummer", "pass-nr", "pass nr", "passport", "mrz", "dokumentennummer",
             "travel document"});
  static const std::vector<std::string> kIdWords =
      words({"personalausweis", "ausweis", "identity card", "id card", "identitätsnachweis",
             "identitatsnachweis", "perso", "id-karte"});
  r.push_back({"de_passport", "DE_PASSPORT", kIcaoNumber, HS_FLAG_CASELESS, 0.4,
               [](std::string_view t, Hit& h) {
                 if (!isolated(t, h)) return false;
                 if (icao_ok(t.substr(h.start, h.end - h.start))) return true;
                 h.score = 0.3;
                 return has_context(t, h.start, h.end, kPassWords);
               },
               kPassWords});
  r.push_back({"de_id_card", "DE_ID_CARD", kIcaoNumber, HS_FLAG_CASELESS, 0.4,
               [](std::string_view t, Hit& h) {
                 if (!isolated(t, h)) return false;
                 std::string_view v = t.substr(h.start, h.end - h.start);
                 if (icao_ok(v)) return true;
                 bool provisional = upper(v[0]) == 'T';
                 for (size_t i = 1; provisional && i < v.size(); ++i)
                   provisional = ascii::isdigit(v[i]);
                 if (provisional) {
                   h.score = 0.2;
                   return true;
                 }
                 h.score = 0.3;
                 return has_context(t, h.start, h.end, kIdWords);
               },
               kIdWords});
  // Rentenversicherungsnummer: 8 digits with a birth date, the initial of
  // the birth name, 2 digits and a check digit.
  static const std::vector<std::string> kRvnrWords =
      words({"rentenversicherungsnummer", "sozialversicherungsnummer", "versicherungsnummer",
             "rvnr", "svnr", "sv-nummer", "rentenversicherung", "sozialversicherung", "drv",
             "rente", "social security"});
  r.push_back({"de_rvnr", "DE_SOCIAL_SECURITY", R"(\b\d{8}[A-Z]\d{3}\b)", HS_FLAG_CASELESS, 0.6,
               [](std::string_view t, Hit& h) {
                 return isolated(t, h) && rvnr_ok(t.substr(h.start, h.end - h.start));
               },
               kRvnrWords});
  // As printed on the card, in four parts ("53 120385 M 074"): a separate
  // rule that needs a context word (scanned only near one; optional spaces
  // in the compact rule's pattern cost 1.5 % of the PII-dense scan).
  r.push_back({"de_rvnr", "DE_SOCIAL_SECURITY", R"(\b\d\d \d{6} [A-Z] \d{3}\b)", HS_FLAG_CASELESS,
               0.4,
               [](std::string_view t, Hit& h) {
                 if (!isolated(t, h)) return false;
                 std::string v;
                 for (char c : t.substr(h.start, h.end - h.start))
                   if (c != ' ') v += c;
                 return rvnr_ok(v);
               },
               kRvnrWords});
  r.back().needs_context = true;
  // Lebenslange Arztnummer (check digit at position 7) and
  // Betriebsstättennummer (no check digit; any 9 digits but zeros): two
  // rules on the same bare 9 digits, each with its own context words.
  r.push_back({"de_lanr", "DE_LANR", R"(\b\d{9}\b)", 0, 0.3,
               [](std::string_view t, Hit& h) {
                 std::string_view v = t.substr(h.start, h.end - h.start);
                 return isolated(t, h) && v != "000000000" && lanr_ok(v);
               },
               words({"lanr", "arztnummer", "arzt-nr", "arzt-nummer", "arzt", "ärztin", "ärztlich",
                      "physician", "doctor"})});
  r.push_back({"de_bsnr", "DE_BSNR", R"(\b\d{9}\b)", 0, 0.2,
               [](std::string_view t, Hit& h) {
                 return isolated(t, h) && t.substr(h.start, h.end - h.start) != "000000000";
               },
               words({"betriebsstättennummer", "betriebsstätten-nummer", "betriebsstätte", "bsnr",
                      "praxisnummer", "praxis", "kassenärztliche", "kv-nummer", "kv nummer",
                      "behandlungsort"})});
  // Steueridentifikationsnummer: 11 digits, bare or grouped 2-3-3-3.
  r.push_back(
      {"de_tax_id", "DE_TAX_ID", R"(\b(?:\d{11}|\d{2} \d{3} \d{3} \d{3})\b)", 0, 0.4,
       [](std::string_view t, Hit& h) {
         return isolated(t, h) && tax_id_ok(checks::digits_of(t.substr(h.start, h.end - h.start)));
       },
       words({"steuer-id", "steuerid", "steuer id", "steueridentifikationsnummer",
              "identifikationsnummer", "steuer-idnr", "idnr", "tax id", "tin", "finanzamt"})});
  // Kfz-Kennzeichen: district (1-3 letters), 1-2 letters, 1-4 digits and an
  // optional E (electric) or H (historic); parts separated by spaces,
  // dashes, or a dash then a space. Lower-case plates are reported (Presidio
  // matches case-insensitively) at a low score that context does not raise:
  // "ist um 12" is prose.
  static const std::vector<std::string> kKfzCtx =
      words({"kennzeichen", "nummernschild", "zulassung", "kfz", "fahrzeug", "auto", "pkw", "lkw",
             "wagen", "license plate", "licence plate"});
  r.push_back({"de_kfz", "DE_KFZ", R"((?:[A-Z]|Ä|Ö|Ü){1,3}[ \-][A-Z]{1,2}[ \-]\d{1,4}[EH]?\b)",
               HS_FLAG_CASELESS, 0.3, [](std::string_view t, Hit& h) {
                 if (word_before(t, h.start) || word_after(t, h.end)) return false;
                 if (h.start > 0 && t[h.start - 1] == '-') return false;
                 if (h.end + 1 < t.size() && t[h.end] == '-' && ascii::isdigit(t[h.end + 1]))
                   return false;
                 std::string_view v = t.substr(h.start, h.end - h.start);
                 size_t s1 = v.find_first_of(" -");
                 size_t s2 = v.find_first_of(" -", s1 + 1);
                 if (v[s1] == ' ' && v[s2] == '-') return false;
                 if (!all_upper(v)) {
                   h.score = 0.1;
                   return true;
                 }
                 score_with(t, h, 0.3, kKfzCtx);
                 return true;
               }});
  // Führerscheinnummer (EU card format since 2013): 2 letters, 8 digits, one
  // check character whose derivation is not published.
  r.push_back({"de_fuehrerschein", "DE_FUEHRERSCHEIN", R"(\b[A-Z]{2}\d{8}[A-Z0-9]\b)",
               HS_FLAG_CASELESS, 0.35, [](std::string_view t, Hit& h) { return isolated(t, h); },
               words({"führerschein", "fuehrerschein", "fahrerlaubnis", "driving licence",
                      "driving license", "driver's license", "driver license", "licence number",
                      "license number", "kba", "kraftfahrt-bundesamt", "dokument-nr", "dokument nr",
                      "feld 5"})});
  // Postleitzahl: 5 digits, 01001-99998. Any 5-digit number is one, so it
  // needs an address word nearby to reach the default threshold; an amount
  // ("12345 EUR") is none.
  r.push_back({"de_plz", "DE_PLZ", R"(\b\d{5}\b)", 0, 0.05,
               [](std::string_view t, Hit& h) {
                 if (!isolated(t, h)) return false;
                 std::string_view v = t.substr(h.start, 5);
                 if (v < "01001" || v > "99998") return false;
                 return !amount_after(t, h.end);
               },
               words({"plz", "postleitzahl", "postanschrift", "anschrift", "adresse", "wohnort",
                      "lieferadresse", "rechnungsadresse", "straße", "strasse", "hausnummer",
                      "postfach", "gemeinde", "stadt"})});
  // Steuernummer: 13 digits or a state's slashed form (2-3/3-4/4-5 digits;
  // Baden-Württemberg's 5/5). The 13-digit form of the unified federal
  // scheme begins with the tax office's number, whose first digits name the
  // state (28 Baden-Württemberg, 9 Bavaria, 11 Berlin, ..., 5 North
  // Rhine-Westphalia), then a 0; Presidio's test data puts a state number
  // 01-16 first instead. Either is accepted: the rule needs a context word.
  r.push_back({"de_tax_number", "DE_TAX_NUMBER",
               R"(\b(?:\d{13}|\d{2,3}/\d{3,4}/\d{4,5}|\d{5}/\d{5})\b)", 0, 0.3,
               [](std::string_view t, Hit& h) {
                 if (!isolated(t, h)) return false;
                 if (h.start > 0 && t[h.start - 1] == '/') return false;
                 if (h.end < t.size() && t[h.end] == '/') return false;
                 const std::string_view v = t.substr(h.start, h.end - h.start);
                 if (v.find('/') != std::string_view::npos) return true;
                 // (Spelt out in the pattern, these prefixes cost Vectorscan
                 // far more on digit-dense text than a plain \d{13}.)
                 const int two = digit_value(v[0]) * 10 + digit_value(v[1]);
                 if (two >= 1 && two <= 16) return true;
                 static const int kOffices[] = {10, 11, 21, 22, 23, 24, 26,
                                                27, 28, 30, 31, 32, 40, 41};
                 const bool office =
                     v[0] == '5' || v[0] == '9' ||
                     std::find(std::begin(kOffices), std::end(kOffices), two) != std::end(kOffices);
                 return office && v[4] == '0';
               },
               words({"steuernummer", "steuer-nr", "steuer nr", "st.-nr", "st-nr", "stnr",
                      "finanzamt", "umsatzsteuer", "einkommensteuer", "körperschaftsteuer",
                      "gewerbesteuer", "steuerbescheid", "tax number"})});
  // Handelsregisternummer: HRA (partnerships, sole traders) or HRB
  // (corporations) and up to 6 digits. The prefix makes it distinctive.
  r.push_back({"de_handelsregister", "DE_HANDELSREGISTER", R"(\bHR[AB][ \t]{0,2}\d{1,6}\b)",
               HS_FLAG_CASELESS, 0.5,
               [](std::string_view t, Hit& h) {
                 if (word_before(t, h.start) || word_after(t, h.end)) return false;
                 if (!all_upper(t.substr(h.start, 3))) h.score = 0.3;
                 return true;
               },
               words({"handelsregister", "amtsgericht", "registergericht", "hr-nummer",
                      "registerauszug", "gmbh", "ohg", "einzelkaufmann", "einzelkauffrau"})});
  // The weak rules' checks only accept, reject or lower: they are scanned
  // only around their context words (Rule::needs_context). Words found
  // inside common ones ("pass" in "password", "ort" in "report", "str." in
  // code, "dr." before every doctor's name) are left out: they opened
  // windows nearly everywhere.
  for (Rule& x : r) {
    x.digit_anchored = true;
    for (const char* d : {"de_kvnr", "de_passport", "de_id_card", "de_lanr", "de_bsnr", "de_tax_id",
                          "de_fuehrerschein", "de_plz", "de_tax_number"})
      if (x.detector == d) x.needs_context = true;
  }
  return r;
}

}  // namespace perimeter::detect::internal
