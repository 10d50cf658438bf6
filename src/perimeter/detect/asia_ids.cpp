// National identifiers of India, Korea, Singapore and Thailand: patterns,
// checksums and context words.
#include <array>
#include <ctime>
#include <string_view>

#include "detect/checks.h"
#include "detect/rule_kit.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {

namespace {

// No ASCII letter or digit touches the candidate. Korean and Thai text glue
// particles and labels to numbers ("M123A4567입니다"), so non-ASCII
// neighbours are allowed, as in Presidio's look-arounds.
bool ascii_apart(std::string_view t, size_t start, size_t end) {
  return !(start > 0 && alnum_at(t, start - 1)) && !alnum_at(t, end);
}

// A digit group glued on by a separator ("1234 5678 9012 3456"): the
// candidate is a piece of a longer number.
bool glued_group(std::string_view t, size_t start, size_t end, std::string_view seps) {
  if (start >= 2 && seps.find(t[start - 1]) != std::string_view::npos &&
      ascii::isdigit(t[start - 2]))
    return true;
  return end + 1 < t.size() && seps.find(t[end]) != std::string_view::npos &&
         ascii::isdigit(t[end + 1]);
}

// The digits of `s` (separators dropped) into `out`; their count, or 0 when
// there are more than `out` holds.
template <size_t N>
size_t digits_of(std::string_view s, std::array<char, N>& out) {
  size_t n = 0;
  for (char c : s) {
    if (!ascii::isdigit(c)) continue;
    if (n == N) return 0;
    out[n++] = c;
  }
  return n;
}

// ---- checksums -----------------------------------------------------------------

bool aadhaar(std::string_view s12) {
  if (s12.size() != 12 || s12[0] < '2') return false;
  bool palindrome = true;
  for (size_t i = 0; i < 6; ++i) palindrome = palindrome && s12[i] == s12[11 - i];
  return !palindrome && checks::verhoeff(s12);
}

// GSTIN check character: the first 14 characters in base 36, weights 1 and 2
// alternating, each product's base-36 digits summed.
bool gstin_check(std::string_view g) {
  auto val = [](char c) { return ascii::isdigit(c) ? c - '0' : c - 'A' + 10; };
  int sum = 0;
  for (size_t i = 0; i < 14; ++i) {
    int prod = val(g[i]) * (i % 2 == 0 ? 1 : 2);
    sum += prod / 36 + prod % 36;
  }
  int check = (36 - sum % 36) % 36;
  return val(g[14]) == check;
}

// Korean RRN/FRN: weights 2..9,2..5 over the first 12 digits, mod 11; the
// check digit is (11 - r) % 10 for citizens and (13 - r) % 10 for
// foreigners. Numbers issued since October 2020 end in a random digit.
int kr_weighted_mod11(std::string_view d13) {
  static const int kW[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
  int sum = 0;
  for (int i = 0; i < 12; ++i) sum += kW[i] * digit_value(d13[static_cast<size_t>(i)]);
  return sum % 11;
}

// Korean business registration number: weights 1,3,7,1,3,7,1,3,5; the ninth
// product's tens digit counts once more.
bool kr_brn(std::string_view d10) {
  static const int kW[9] = {1, 3, 7, 1, 3, 7, 1, 3, 5};
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += kW[i] * digit_value(d10[static_cast<size_t>(i)]);
  sum += digit_value(d10[8]) * 5 / 10;
  return (10 - sum % 10) % 10 == digit_value(d10[9]);
}

// Thai national ID: weights 13 down to 2, check digit (11 - sum mod 11) mod 10.
bool th_tnin(std::string_view d13) {
  int sum = 0;
  for (int i = 0; i < 12; ++i) sum += (13 - i) * digit_value(d13[static_cast<size_t>(i)]);
  return (11 - sum % 11) % 10 == digit_value(d13[12]);
}

// Singapore NRIC/FIN: weights 2,7,6,5,4,3,2; T and G add 4, M adds 3; the
// remainder mod 11 picks the letter from the series' table (M counts down).
bool sg_nric(std::string_view v) {
  static const int kW[7] = {2, 7, 6, 5, 4, 3, 2};
  char prefix = static_cast<char>(ascii::toupper(static_cast<unsigned char>(v[0])));
  char last = static_cast<char>(ascii::toupper(static_cast<unsigned char>(v[8])));
  int sum = 0;
  for (int i = 0; i < 7; ++i) sum += kW[i] * digit_value(v[static_cast<size_t>(i) + 1]);
  if (prefix == 'T' || prefix == 'G') sum += 4;
  if (prefix == 'M') sum += 3;
  int r = sum % 11;
  switch (prefix) {
    case 'S':
    case 'T':
      return "JZIHGFEDCBA"[r] == last;
    case 'F':
    case 'G':
      return "XWUTRQPNMLK"[r] == last;
    case 'M':
      return "KLJNPQRTUWX"[10 - r] == last;
  }
  return false;
}

int current_year() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900;
}

// Singapore UEN, three formats (ACRA): A, businesses (8 digits + letter); B,
// local companies (year + 5 digits + letter); C, other entities (R/S/T + year
// digits + entity type + 4 digits + letter). Each has a weighted mod-11 check
// letter. Returns the score of a valid one, or 0.
double sg_uen(std::string_view v) {
  if (v.size() == 9) {
    static const int kW[8] = {10, 4, 9, 3, 8, 2, 7, 1};
    int sum = 0;
    for (int i = 0; i < 8; ++i) sum += kW[i] * digit_value(v[static_cast<size_t>(i)]);
    return "XMKECAWLJDB"[sum % 11] == v[8] ? 0.4 : 0;
  }
  if (ascii::isdigit(v[0])) {
    static const int kYear = current_year();
    int year = digit_value(v[0]) * 1000 + digit_value(v[1]) * 100 + digit_value(v[2]) * 10 +
               digit_value(v[3]);
    if (year > kYear) return 0;
    static const int kW[9] = {10, 8, 6, 4, 9, 7, 5, 3, 1};
    int sum = 0;
    for (int i = 0; i < 9; ++i) sum += kW[i] * digit_value(v[static_cast<size_t>(i)]);
    return "ZKCMDNERGWH"[sum % 11] == v[9] ? 0.5 : 0;
  }
  static constexpr std::string_view kTypes[] = {
      "LP", "LL", "FC", "PF", "RF", "MQ", "MM", "NB", "CC", "CS", "MB", "FM", "GS",
      "DP", "CP", "NR", "CM", "CD", "MD", "HS", "VH", "CH", "MH", "CL", "XL", "CX",
      "HC", "RP", "TU", "TC", "FB", "FN", "PA", "PB", "SS", "MC", "SM", "GA", "GB"};
  bool known = false;
  for (auto k : kTypes) known = known || v.substr(3, 2) == k;
  if (!known) return 0;
  static constexpr std::string_view kAlphabet = "ABCDEFGHJKLMNPQRSTUVWX0123456789";
  static const int kW[9] = {4, 3, 5, 3, 10, 2, 2, 5, 7};
  int sum = 0;
  for (size_t i = 0; i < 9; ++i) {
    size_t at = kAlphabet.find(v[i]);
    if (at == std::string_view::npos) return 0;
    sum += static_cast<int>(at) * kW[i];
  }
  return kAlphabet[static_cast<size_t>(((sum - 5) % 11 + 11) % 11)] == v[9] ? 0.7 : 0;
}

// Indian vehicle registration: state or territory code and the highest RTO
// district number in use (0: districts not checked).
struct InState {
  const char* code;
  int max_district;
};
constexpr InState kInStates[] = {
    {"AN", 1},  {"AP", 40}, {"AR", 22}, {"AS", 34}, {"BR", 56}, {"CG", 30}, {"CH", 4},  {"CT", 0},
    {"DD", 3},  {"DH", 0},  {"DL", 13}, {"DN", 9},  {"GA", 12}, {"GJ", 39}, {"HP", 99}, {"HR", 99},
    {"JH", 24}, {"JK", 22}, {"KA", 71}, {"KL", 99}, {"LA", 2},  {"LD", 9},  {"MH", 51}, {"ML", 10},
    {"MN", 7},  {"MP", 71}, {"MZ", 8},  {"NL", 10}, {"OD", 35}, {"OR", 31}, {"PB", 99}, {"PY", 5},
    {"RJ", 58}, {"SK", 8},  {"TN", 99}, {"TR", 8},  {"TS", 38}, {"UA", 0},  {"UK", 20}, {"UL", 0},
    {"UP", 96}, {"UT", 0},  {"WB", 98}};

// Foreign mission codes of diplomatic plates above 80.
constexpr int kInMissions[] = {84,  85,  89,  93,  94,  95,  97,  98,  99,  102, 104, 105, 106, 109,
                               111, 112, 113, 117, 119, 120, 121, 122, 123, 125, 126, 128, 133, 134,
                               135, 137, 141, 145, 147, 149, 152, 153, 155, 156, 157, 159, 160};

bool all_zero(std::string_view s) {
  return s.find_first_not_of('0') == std::string_view::npos;
}

// ---- checks --------------------------------------------------------------------

bool gstin(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end)) return false;
  // State code 01-37 (checked here rather than in the pattern: cheaper).
  const int state = digit_value(t[h.start]) * 10 + digit_value(t[h.start + 1]);
  if (state < 1 || state > 37) return false;
  if (gstin_check(t.substr(h.start, 15))) h.score = 0.9;
  return true;
}

bool pan(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end)) return false;
  std::string_view v = t.substr(h.start, h.end - h.start);
  bool upper = true;
  for (char c : v) upper = upper && !ascii::islower(static_cast<unsigned char>(c));
  // The fourth letter is the holder's type: person, company, HUF, firm, ...
  if (!upper || std::string_view("ABCFGHJLPT").find(v[3]) == std::string_view::npos) h.score = 0.1;
  return true;
}

bool aadhaar_check(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end) || glued_group(t, h.start, h.end, " -:.")) return false;
  std::string_view v = t.substr(h.start, h.end - h.start);
  if (v.size() == 14 && v[4] != v[9]) return false;  // one separator throughout
  std::array<char, 12> d;
  if (digits_of(v, d) != 12 || !aadhaar(std::string_view(d.data(), 12))) return false;
  h.score = v.size() == 14 ? 0.4 : 0.3;
  return true;
}

// A state/district plate written in parts ("MH 12 AB 1234", "MH-12-AB-1234"):
// one separator throughout and a known state; at most 0.4, so reported with
// a context word only (Rule::needs_context).
bool in_vehicle_parts(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end)) return false;
  const std::string_view v = t.substr(h.start, h.end - h.start);
  const char sep = v[2];
  std::string compact;
  for (char c : v) {
    if (c == ' ' || c == '-') {
      if (c != sep) return false;
    } else {
      compact += c;
    }
  }
  if (all_zero(std::string_view(compact).substr(compact.size() - 4))) return false;
  for (const InState& s : kInStates) {
    if (compact.compare(0, 2, s.code) != 0) continue;
    int district = digit_value(compact[2]);
    if (ascii::isdigit(compact[3])) district = district * 10 + digit_value(compact[3]);
    if (!(s.max_district > 0 && district >= 1 && district <= s.max_district)) h.score = 0.3;
    return true;
  }
  return false;
}

bool in_vehicle(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end)) return false;
  std::string_view v = t.substr(h.start, h.end - h.start);
  if (ascii::isalpha(static_cast<unsigned char>(v[0]))) {
    if (all_zero(v.substr(v.size() - 4))) return false;
    // SS DD? L{1,3} NNNN: state, district, series, number.
    for (const InState& s : kInStates) {
      if (v.substr(0, 2) != s.code) continue;
      int district = digit_value(v[2]);
      if (ascii::isdigit(v[3])) district = district * 10 + digit_value(v[3]);
      h.score = (s.max_district > 0 && district >= 1 && district <= s.max_district) ? 0.6 : 0.4;
      return true;
    }
    return false;
  }
  size_t bh = v.find("BH");
  if (bh == 2 && v.size() == 10) {  // Bharat series: year, BH, number, letters
    if (v[0] < '2' || v[1] < '1' || all_zero(v.substr(4, 4))) return false;
    h.score = 0.6;
    return true;
  }
  size_t dip = v.find_first_of("CU");
  if (dip != std::string_view::npos && dip <= 3 && dip + 1 < v.size() &&
      ascii::isupper(static_cast<unsigned char>(v[dip + 1]))) {
    // Diplomatic: mission code, CD/CC/UN, number.
    int mission = 0;
    for (size_t i = 0; i < dip; ++i) mission = mission * 10 + digit_value(v[i]);
    bool ok = mission >= 1 && mission <= 80;
    for (int m : kInMissions) ok = ok || m == mission;
    if (!ok) return false;
    h.score = 0.4;
    return true;
  }
  // Armed forces: year, class letter, six digits, check letter.
  if (v[0] == '0' && v[1] == '0') return false;
  h.score = 0.4;
  return true;
}

bool in_vehicle_weak(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end)) return false;
  std::string_view v = t.substr(h.start, h.end - h.start);
  size_t letters = v.find_first_of("0123456789");
  if (all_zero(v.substr(letters))) return false;
  if (v[0] == 'I' && letters == 1 && v.size() == 6) {
    h.score = 0.01;
    return true;
  }
  if (v.size() - letters != 4) return false;
  h.score = letters == 3 ? 0.2 : 0.01;
  return true;
}

// Korean RRN (gender digits 1-4) and FRN (5-8): YYMMDD-GNNNNNC.
Check kr_resident(bool foreigner) {
  return [foreigner](std::string_view t, Hit& h) {
    if (!ascii_apart(t, h.start, h.end) || glued_group(t, h.start, h.end, "-")) return false;
    std::string_view v = t.substr(h.start, h.end - h.start);
    std::array<char, 13> d;
    if (digits_of(v, d) != 13) return false;
    std::string_view s(d.data(), 13);
    int g = digit_value(s[6]);
    // Gender digit: 1/2 (5/6) born in the 1900s, 3/4 (7/8) in the 2000s.
    int century = ((g - 1) % 4) < 2 ? 1900 : 2000;
    int year = century + digit_value(s[0]) * 10 + digit_value(s[1]);
    if (!checks::date_exists(year, digit_value(s[2]) * 10 + digit_value(s[3]),
                             digit_value(s[4]) * 10 + digit_value(s[5])))
      return false;
    int r = kr_weighted_mod11(s);
    bool check = (foreigner ? (13 - r) % 10 : (11 - r) % 10) == digit_value(s[12]);
    bool dash = v.size() == 14;
    h.score = check ? (dash ? 0.85 : 0.5) : (dash ? 0.4 : 0.3);
    return true;
  };
}

bool kr_brn_check(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end) || glued_group(t, h.start, h.end, "-")) return false;
  std::string_view v = t.substr(h.start, h.end - h.start);
  std::array<char, 10> d;
  if (digits_of(v, d) != 10 || !kr_brn(std::string_view(d.data(), 10))) return false;
  h.score = v.size() == 12 ? 0.4 : 0.2;
  return true;
}

bool kr_driver(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end) || glued_group(t, h.start, h.end, " -")) return false;
  std::string_view v = t.substr(h.start, h.end - h.start);
  // Region of issue: 11-26 and 28.
  int region = digit_value(v[0]) * 10 + digit_value(v[1]);
  if (region < 11 || region > 28 || region == 27) return false;
  h.score = v.size() == 12 ? 0.15 : 0.3;
  return true;
}

bool kr_passport(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end)) return false;
  // Current format: letter, 3 digits, letter, 4 digits; before 2020: letter, 8 digits.
  h.score = ascii::isalpha(static_cast<unsigned char>(t[h.start + 4])) ? 0.3 : 0.1;
  return true;
}

bool sg_nric_check(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end)) return false;
  std::string_view v = t.substr(h.start, 9);
  char prefix = static_cast<char>(ascii::toupper(static_cast<unsigned char>(v[0])));
  if (std::string_view("STFGM").find(prefix) == std::string_view::npos) {
    h.score = 0.1;
  } else {
    h.score = sg_nric(v) ? 0.85 : 0.4;
  }
  return true;
}

bool sg_uen_check(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end)) return false;
  double s = sg_uen(t.substr(h.start, h.end - h.start));
  if (s == 0) return false;
  h.score = s;
  return true;
}

bool th_tnin_check(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end) || glued_group(t, h.start, h.end, "-")) return false;
  return th_tnin(t.substr(h.start, 13));
}

bool in_voter(std::string_view t, Hit& h) {
  if (!ascii_apart(t, h.start, h.end)) return false;
  char second = static_cast<char>(ascii::toupper(static_cast<unsigned char>(t[h.start + 1])));
  h.score = std::string_view("ABCDGHJKMNPRSY").find(second) != std::string_view::npos ? 0.3 : 0.2;
  return true;
}

}  // namespace

std::vector<EntityDef> asia_id_entities() {
  return {
      {"IN_AADHAAR", Category::PII, "confidential"},
      {"IN_GSTIN", Category::PII, "confidential"},
      {"IN_PAN", Category::PII, "confidential"},
      {"IN_PASSPORT", Category::PII, "confidential"},
      {"IN_VEHICLE_REGISTRATION", Category::PII, nullptr},
      {"IN_VOTER", Category::PII, "confidential"},
      {"KR_BRN", Category::PII, "confidential"},
      {"KR_DRIVER_LICENSE", Category::PII, "confidential"},
      {"KR_FRN", Category::PII, "confidential"},
      {"KR_PASSPORT", Category::PII, "confidential"},
      {"KR_RRN", Category::PII, "confidential"},
      {"SG_NRIC_FIN", Category::PII, "confidential"},
      {"SG_UEN", Category::PII, "confidential"},
      {"TH_TNIN", Category::PII, "confidential"},
  };
}

std::vector<Rule> asia_id_rules() {
  std::vector<Rule> r;
  // ---- India -------------------------------------------------------------------
  // GSTIN: state code 01-37, the holder's PAN, entity number, 'Z', base-36
  // check character. Made-up values with a wrong check character are still
  // GSTIN-shaped enough to report next to a GST word.
  r.push_back({"in_gstin", "IN_GSTIN", R"(\b\d\d[A-Z]{5}\d{4}[A-Z][0-9A-Z]Z[0-9A-Z]\b)", 0, 0.3,
               gstin, words({"gstin", "gst", "goods and services tax", "tax identification"})});
  // PAN: five letters (the fourth the holder type), four digits, a letter.
  r.push_back({"in_pan", "IN_PAN", R"(\b[A-Za-z]{5}\d{4}[A-Za-z]\b)", 0, 0.4, pan,
               words({"pan", "permanent account number", "income tax"})});
  // Aadhaar: 12 digits, first 2-9, Verhoeff check digit; often in groups of four.
  r.push_back({"in_aadhaar", "IN_AADHAAR", R"(\b[2-9]\d{3}(?:\d{8}|[ :\-]\d{4}[ :\-]\d{4})\b)", 0,
               0.4, aadhaar_check, words({"aadhaar", "aadhar", "uidai", "आधार"})});
  r.push_back({"in_passport", "IN_PASSPORT", R"(\b[A-Z][1-9]\d ?\d{4}[1-9]\b)", 0, 0.1,
               standalone(), words({"passport"})});
  r.push_back({"in_voter", "IN_VOTER", R"(\b[A-Za-z]{3}\d{7}\b)", 0, 0.3, in_voter,
               words({"voter", "epic", "elector", "election"})});
  // Vehicle registration: state/district/series/number, Bharat series,
  // armed forces and diplomatic plates.
  r.push_back(
      {"in_vehicle_registration", "IN_VEHICLE_REGISTRATION",
       R"(\b(?:[A-Z]{2}\d{1,2}[A-Z]{1,3}\d{4}|\d\dBH\d{4}[A-HJ-NP-Z]{2}|\d\d[A-FHKPRX]\d{6}[A-Z]|\d{1,3}(?:CD|CC|UN)[1-9]\d{1,3})\b)",
       0, 0.4, in_vehicle, words({"vehicle", "registration", "plate", "rto"})});
  r.push_back({"in_vehicle_registration", "IN_VEHICLE_REGISTRATION",
               R"(\b[A-Z]{2}[ \-]\d{1,2}[ \-][A-Z]{1,3}[ \-]\d{4}\b)", 0, 0.4, in_vehicle_parts,
               words({"vehicle", "registration", "plate", "rto"})});
  r.back().needs_context = true;
  // Old short plates: never reported by default, no context boost (so
  // never reportable under a threshold above 0.2).
  r.push_back({"in_vehicle_registration_weak", "IN_VEHICLE_REGISTRATION",
               R"(\b(?:[A-Z]{1,3}\d{4}|I\d{5})\b)", 0, 0.2, in_vehicle_weak});
  // ---- Korea -------------------------------------------------------------------
  // The birth date is checked in C++: spelt out in the pattern, its
  // alternations cost Vectorscan far more on digit-dense text.
  const char* kYymmdd = R"(\b\d{6}-?)";
  r.push_back({"kr_rrn", "KR_RRN", std::string(kYymmdd) + R"([1-4]\d{6}\b)", 0, 0.3,
               kr_resident(false),
               words({"rrn", "resident registration", "주민등록번호", "주민번호"})});
  r.push_back({"kr_frn", "KR_FRN", std::string(kYymmdd) + R"([5-8]\d{6}\b)", 0, 0.3,
               kr_resident(true),
               words({"frn", "foreigner registration", "외국인등록번호", "외국인번호"})});
  r.push_back({"kr_brn", "KR_BRN", R"(\b\d{3}(?:-\d\d-|\d\d)\d{5}\b)", 0, 0.4, kr_brn_check,
               words({"brn", "business registration", "business number", "tax registration number",
                      "사업자"})});
  r.push_back({"kr_driver_license", "KR_DRIVER_LICENSE",
               R"(\b\d\d[ \-]?\d\d[ \-]?\d{6}[ \-]?\d\d\b)", 0, 0.3, kr_driver,
               words({"운전면허", "면허번호", "korean driver", "driver license", "driver's license",
                      "driving licence", "driving license"})});
  r.push_back({"kr_passport", "KR_PASSPORT", R"(\b[MSROD]\d{3}(?:[A-Z]\d|\d\d)\d{3}\b)",
               HS_FLAG_CASELESS, 0.3, kr_passport, words({"passport", "여권"})});
  // ---- Singapore ---------------------------------------------------------------
  r.push_back({"sg_nric_fin", "SG_NRIC_FIN", R"(\b[A-Z]\d{7}[A-Z]\b)", HS_FLAG_CASELESS, 0.1,
               sg_nric_check, words({"nric", "fin", "identity card"})});
  r.push_back({"sg_uen", "SG_UEN", R"(\b(?:\d{8,9}[A-Z]|[RST]\d\d[A-Z]{2}\d{4}[A-Z])\b)", 0, 0.4,
               sg_uen_check,
               words({"uen", "unique entity number", "business registration", "acra"})});
  // ---- Thailand ----------------------------------------------------------------
  // 13 digits: the first not 0, the next two a province code (not 0x, 28, 29,
  // 59, 68, 69, 78, 79, 87-89 or 97-99), mod-11 check.
  r.push_back({"th_tnin", "TH_TNIN",
               R"(\b[1-9](?:[134]\d|2[0-7]|5[0-8]|[67][0-7]|[89][0-6])\d{10}\b)", 0, 0.4,
               th_tnin_check,
               words({"thai national id", "thai id", "tnin", "เลขประจำตัวประชาชน", "เลขบัตรประชาชน",
                      "บัตรประชาชน", "รหัสปชช"})});
  for (Rule& x : r) {
    x.digit_anchored = true;
    // Checks that only reject or lower a score below the default threshold:
    // these rules are scanned only around their context words.
    for (const char* d :
         {"in_pan", "in_aadhaar", "in_passport", "in_voter", "kr_brn", "kr_driver_license",
          "kr_passport", "th_tnin", "in_vehicle_registration_weak"}) {
      if (x.detector == d) x.needs_context = true;
    }
  }
  return r;
}

}  // namespace perimeter::detect::internal
