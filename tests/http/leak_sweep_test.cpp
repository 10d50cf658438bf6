// Issue #6, blueprint test (f): the leak sweep. 10,000 generated requests, each
// carrying several random values of the entity types the detector supports
// (checksums valid, phone numbers valid for their country), go through a route
// whose policy pseudonymizes instead of keeping anything on the host, so every
// one of them travels to the fake cloud. Not one original value may appear in
// the bytes the fake cloud recorded, and the answers come back with the
// originals restored. One sentence in four lists 2 to 4 values (", ", " / ",
// a tab, ...) or is a small CSV or markdown table: values next to each other
// must be found each. The generator is seeded; the seed is printed, and
// PERIMETER_LEAK_SEED=<n> replays another sweep. List forms known to leak are
// left out (PiiGenerator::leaking_list_forms); PERIMETER_LEAK_LISTS=all
// sweeps them too.
#include <openssl/sha.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>

#include "support/audit_dir.h"
#include "support/fake_openai.h"
#include "support/http_client.h"
#include "support/http_session.h"
#include "support/running.h"

namespace perimeter::http {
namespace {

using nlohmann::json;
using testing::AuditDir;
using testing::FakeOpenAI;
using testing::Running;

constexpr uint64_t kDefaultSeed = 20260601;
constexpr int kRequests = 10000;
constexpr int kSequentialSample = 200;  // sent one by one: answer mapping checked exactly
constexpr int kClients = 4;             // keep-alive connections for the rest

// One generated value: the entity type the detector should report, a variant
// (format or country) for the report, and the strings that must never reach
// the cloud: the value, its digits-only form, and for names and addresses
// their parts.
struct Value {
  std::string type;
  std::string variant;
  std::string text;
  std::vector<std::string> forms;
  // How it was written: "" alone in its sentence, else the list form it was
  // one item of (see PiiGenerator::list_sentence), e.g. "list ' / '".
  std::string list;
};

struct Generated {
  json messages;  // the chat messages as sent
  std::string all_text;
  std::vector<Value> values;
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool luhn_ok(std::string_view d) {
  int sum = 0;
  bool dbl = false;
  for (size_t i = d.size(); i-- > 0;) {
    int v = d[i] - '0';
    if (dbl) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

// The digit that completes `payload` to a valid Luhn number.
char luhn_digit(const std::string& payload) {
  for (char c = '0'; c <= '9'; ++c)
    if (luhn_ok(payload + c)) return c;
  return '0';
}

int mod97(const std::string& s) {
  int rem = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      rem = (rem * 10 + (c - '0')) % 97;
    } else {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    }
  }
  return rem;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
int days_in(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[m - 1] + (m == 2 && leap(y) ? 1 : 0);
}

std::string two(int v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

// bech32 (BIP 173) checksum over hrp + data.
uint32_t bech32_polymod(const std::vector<int>& v) {
  static constexpr uint32_t G[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (int x : v) {
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ static_cast<uint32_t>(x);
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= G[i];
  }
  return chk;
}

// Checksums of the national identifiers, written from their published
// definitions (not taken from the detector, which they are meant to test).

// ISO 7064 MOD 11,10 (hybrid): the check digit after `body` (German VAT ID
// and Steuer-ID).
int mod11_10(const std::string& body) {
  int p = 10;
  for (char c : body) {
    int s = (p + (c - '0')) % 10;
    if (s == 0) s = 10;
    p = s * 2 % 11;
  }
  return (11 - p) % 10;
}

// Verhoeff's dihedral check (Aadhaar, Nigerian NIN), from its standard tables.
bool verhoeff_ok(const std::string& s) {
  static constexpr int kD[10][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
      {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
      {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
      {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
      {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
  static constexpr int kP[8][10] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
                                    {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
                                    {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
                                    {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
  int c = 0;
  for (size_t i = 0; i < s.size(); ++i) c = kD[c][kP[i % 8][s[s.size() - 1 - i] - '0']];
  return c == 0;
}

// The digit that makes payload + digit pass `ok`, or '?' if none does.
template <class Ok>
char completing_digit(const std::string& payload, Ok ok) {
  for (char c = '0'; c <= '9'; ++c)
    if (ok(payload + c)) return c;
  return '?';
}

// Sum of the decimal digits of a product (German KVNR and RVNR weighting).
int cross_sum(int v) {
  return v / 10 + v % 10;
}

int weighted_sum(const std::string& d, std::initializer_list<int> w) {
  int sum = 0;
  size_t i = 0;
  for (int f : w) sum += f * (d[i++] - '0');
  return sum;
}

// A number written with separators is also looked for without them (and
// with its digits alone), in case something normalised it on the way.
std::vector<std::string> id_forms(const std::string& v) {
  std::vector<std::string> forms = {v};
  std::string compact, only_digits;
  for (char c : v) {
    if (std::isalnum(static_cast<unsigned char>(c))) compact += c;
    if (std::isdigit(static_cast<unsigned char>(c))) only_digits += c;
  }
  if (compact != v) forms.push_back(compact);
  if (only_digits.size() >= 8 && only_digits != compact) forms.push_back(only_digits);
  return forms;
}

class PiiGenerator {
 public:
  explicit PiiGenerator(uint64_t seed) : rng_(seed) {}

  // The types, each with a generator of a value and the sentence around it.
  // Every sentence carries the context a person would write with the value.
  using Make = std::pair<Value, std::string> (PiiGenerator::*)();
  static const std::vector<std::pair<std::string, Make>>& kinds() {
    static const std::vector<std::pair<std::string, Make>> k = {
        {"EMAIL_ADDRESS", &PiiGenerator::email},
        {"PHONE_NUMBER", &PiiGenerator::phone},
        {"CREDIT_CARD", &PiiGenerator::credit_card},
        {"IBAN_CODE", &PiiGenerator::iban},
        {"US_SSN", &PiiGenerator::ssn},
        {"US_ITIN", &PiiGenerator::itin},
        {"US_PASSPORT", &PiiGenerator::us_passport},
        {"US_DRIVER_LICENSE", &PiiGenerator::us_driver_license},
        {"ABA_ROUTING_NUMBER", &PiiGenerator::aba},
        {"US_BANK_NUMBER", &PiiGenerator::us_bank},
        {"CRYPTO", &PiiGenerator::crypto},
        {"UK_NINO", &PiiGenerator::nino},
        {"UK_NHS", &PiiGenerator::nhs},
        {"UK_PASSPORT", &PiiGenerator::uk_passport},
        {"UK_DRIVING_LICENCE", &PiiGenerator::uk_driving_licence},
        {"UK_POSTCODE", &PiiGenerator::uk_postcode},
        {"IP_ADDRESS", &PiiGenerator::ip},
        {"MAC_ADDRESS", &PiiGenerator::mac},
        {"URL_CREDENTIALS", &PiiGenerator::url_credentials},
        {"DATE_OF_BIRTH", &PiiGenerator::date_of_birth},
        {"PERSON", &PiiGenerator::person},
        {"STREET_ADDRESS", &PiiGenerator::street_address},
        {"MEDICAL_RECORD_NUMBER", &PiiGenerator::mrn},
        {"US_NPI", &PiiGenerator::npi},
        {"US_MBI", &PiiGenerator::mbi},
        {"MEDICAL_LICENSE", &PiiGenerator::dea},
        {"FI_PERSONAL_IDENTITY_CODE", &PiiGenerator::fi_hetu},
        {"TR_NATIONAL_ID", &PiiGenerator::tr_kimlik},
        {"PL_PESEL", &PiiGenerator::pl_pesel},
        {"ICD10_CODE", &PiiGenerator::icd10},
        {"MEDICATION", &PiiGenerator::medication},
        {"MEDICAL_CONDITION", &PiiGenerator::condition},
        {"SECRET", &PiiGenerator::secret},
        {"DE_VAT_ID", &PiiGenerator::de_vat_id},
        {"DE_HEALTH_INSURANCE", &PiiGenerator::de_kvnr},
        {"DE_PASSPORT", &PiiGenerator::de_passport},
        {"DE_ID_CARD", &PiiGenerator::de_id_card},
        {"DE_SOCIAL_SECURITY", &PiiGenerator::de_rvnr},
        {"DE_LANR", &PiiGenerator::de_lanr},
        {"DE_BSNR", &PiiGenerator::de_bsnr},
        {"DE_TAX_ID", &PiiGenerator::de_tax_id},
        {"DE_KFZ", &PiiGenerator::de_kfz},
        {"DE_FUEHRERSCHEIN", &PiiGenerator::de_fuehrerschein},
        {"DE_PLZ", &PiiGenerator::de_plz},
        {"DE_TAX_NUMBER", &PiiGenerator::de_tax_number},
        {"DE_HANDELSREGISTER", &PiiGenerator::de_handelsregister},
        {"IN_GSTIN", &PiiGenerator::in_gstin},
        {"IN_AADHAAR", &PiiGenerator::in_aadhaar},
        {"IN_PAN", &PiiGenerator::in_pan},
        {"IN_PASSPORT", &PiiGenerator::in_passport},
        {"IN_VOTER", &PiiGenerator::in_voter},
        {"IN_VEHICLE_REGISTRATION", &PiiGenerator::in_vehicle},
        {"KR_RRN", &PiiGenerator::kr_rrn},
        {"KR_FRN", &PiiGenerator::kr_frn},
        {"KR_BRN", &PiiGenerator::kr_brn},
        {"KR_PASSPORT", &PiiGenerator::kr_passport},
        {"KR_DRIVER_LICENSE", &PiiGenerator::kr_driver_license},
        {"SG_NRIC_FIN", &PiiGenerator::sg_nric},
        {"SG_UEN", &PiiGenerator::sg_uen},
        {"TH_TNIN", &PiiGenerator::th_tnin},
        {"ES_NIF", &PiiGenerator::es_nif},
        {"ES_NIE", &PiiGenerator::es_nie},
        {"ES_PASSPORT", &PiiGenerator::es_passport},
        {"IT_FISCAL_CODE", &PiiGenerator::it_fiscal_code},
        {"IT_VAT_CODE", &PiiGenerator::it_vat},
        {"IT_DRIVER_LICENSE", &PiiGenerator::it_driver_license},
        {"IT_IDENTITY_CARD", &PiiGenerator::it_identity_card},
        {"IT_PASSPORT", &PiiGenerator::it_passport},
        {"SE_PERSONNUMMER", &PiiGenerator::se_personnummer},
        {"SE_ORGANISATIONSNUMMER", &PiiGenerator::se_orgnr},
        {"AU_ABN", &PiiGenerator::au_abn},
        {"AU_ACN", &PiiGenerator::au_acn},
        {"AU_TFN", &PiiGenerator::au_tfn},
        {"AU_MEDICARE", &PiiGenerator::au_medicare},
        {"CA_SIN", &PiiGenerator::ca_sin},
        {"NG_NIN", &PiiGenerator::ng_nin},
        {"NG_VEHICLE_REGISTRATION", &PiiGenerator::ng_plate},
        {"PH_TIN", &PiiGenerator::ph_tin},
        {"TR_LICENSE_PLATE", &PiiGenerator::tr_plate},
        {"UK_VEHICLE_REGISTRATION", &PiiGenerator::uk_vehicle},
        {"ZA_ID_NUMBER", &PiiGenerator::za_id},
    };
    return k;
  }

  // One request: 3 to 6 sentences (types dealt from a shuffled deck, so every
  // type is drawn equally often), one in four a list of 2 to 4 values or a
  // table (list_sentence), a filler sentence or two, in one user message,
  // after a system message, or split over two user turns.
  Generated request(const std::string& tag) {
    Generated g;
    const int n = uniform(3, 6);
    std::vector<std::string> sentences;
    for (int i = 0; i < n; ++i) {
      const size_t k = next_kind();
      if (uniform(0, 3) == 0) {
        sentences.push_back(list_sentence(k, g.values));
        continue;
      }
      auto [value, sentence] = value_of(k);
      sentences.push_back(sentence);
      g.values.push_back(std::move(value));
    }
    static const std::vector<std::string> kFiller = {"Thanks in advance.",
                                                     "Can you summarise this for the team?",
                                                     "Please draft a short, polite reply.",
                                                     "Keep the answer under fifty words.",
                                                     "Let me know if anything is missing.",
                                                     "This is for the quarterly review."};
    for (int i = uniform(0, 2); i > 0; --i) sentences.push_back(pick(kFiller));
    std::shuffle(sentences.begin(), sentences.end(), rng_);
    sentences.push_back("(case " + tag + ")");
    auto join = [](const std::vector<std::string>& v, size_t a, size_t b) {
      std::string s;
      for (size_t i = a; i < b; ++i) s += (s.empty() ? "" : " ") + v[i];
      return s;
    };
    const int shape = uniform(0, 9);
    if (shape < 7) {
      g.messages =
          json::array({{{"role", "user"}, {"content", join(sentences, 0, sentences.size())}}});
    } else if (shape < 9) {
      g.messages =
          json::array({{{"role", "system"}, {"content", join(sentences, 0, 1)}},
                       {{"role", "user"}, {"content", join(sentences, 1, sentences.size())}}});
    } else {
      const size_t half = sentences.size() / 2;
      g.messages =
          json::array({{{"role", "user"}, {"content", join(sentences, 0, half)}},
                       {{"role", "assistant"}, {"content", "Noted. What else?"}},
                       {{"role", "user"}, {"content", join(sentences, half, sentences.size())}}});
    }
    for (const auto& m : g.messages) g.all_text += m["content"].get<std::string>() + "\n";
    return g;
  }

  int uniform(int a, int b) { return std::uniform_int_distribution<int>(a, b)(rng_); }

  // Values written next to each other (contact sheets, CSV rows, tables): 2
  // to 4 values joined by one separator inside the sentence the first one
  // would be said in, or the cells of a small table. A detector that finds
  // each value alone can still miss one that touches another (phone numbers
  // 'A / B' went out in clear before e314709). The separators and tables:
  static const std::vector<std::string>& list_forms() {
    static const std::vector<std::string> k = {", ", "; ", " / ", " | ", " and ", " or ",
                                               "\n", "\t", " ",   ",",   "csv",   "markdown"};
    return k;
  }
  // Types the detector finds by their shape or checksum alone, without a
  // context word: the only ones an item of a list of mixed types (after
  // another type's label) or a table's "Other" column is drawn from. The
  // others are found only under their own label or column header; after
  // another type's label they go out in clear (known: 'Social Insurance
  // Number: 928 113 398, 8051-2103-4694' scores the Aadhaar 0.40;
  // PERIMETER_LEAK_LISTS=all draws them too).
  static const std::set<std::string>& self_evident() {
    static const std::set<std::string> k = {"EMAIL_ADDRESS",
                                            "PHONE_NUMBER",
                                            "CREDIT_CARD",
                                            "IBAN_CODE",
                                            "US_SSN",
                                            "US_ITIN",
                                            "CRYPTO",
                                            "UK_NINO",
                                            "UK_NHS",
                                            "UK_DRIVING_LICENCE",
                                            "UK_POSTCODE",
                                            "IP_ADDRESS",
                                            "MAC_ADDRESS",
                                            "URL_CREDENTIALS",
                                            "STREET_ADDRESS",
                                            "US_NPI",
                                            "US_MBI",
                                            "FI_PERSONAL_IDENTITY_CODE",
                                            "DE_VAT_ID",
                                            "DE_SOCIAL_SECURITY",
                                            "DE_HANDELSREGISTER",
                                            "IN_GSTIN",
                                            "IN_VEHICLE_REGISTRATION",
                                            "KR_RRN",
                                            "KR_FRN",
                                            "SG_NRIC_FIN",
                                            "ES_NIE",
                                            "IT_FISCAL_CODE"};
    return k;
  }
  // (Type, list form) pairs known to leak, each a detector bug to fix and
  // then to remove from here; left out of the sweep unless
  // PERIMETER_LEAK_LISTS=all. "*" is any type; "table" is both tables,
  // "list" every separator, "mixed" an item of a list of mixed types. Found
  // by the list sweep (seeds 20260601, 7, 123456789, 42, 99991, 5 to 14):
  static const std::set<std::pair<std::string, std::string>>& leaking_list_forms() {
    static const std::set<std::pair<std::string, std::string>> k = {
        // Values joined by a single blank or a tab run together: a grouped
        // Amex before another card, a grouped IBAN after another IBAN, a
        // grouped Aadhaar or a Korean licence after another. (Phone numbers
        // are found since 9e4063a..040fc93, names in tables and tab-separated
        // names since 0c110d4.)
        {"CREDIT_CARD", " "},
        {"IBAN_CODE", " "},
        {"IN_AADHAAR", " "},         // '2201 5172 5162 752496865010'
        {"KR_DRIVER_LICENSE", " "},  // '20-31-685053-39 12-50-230520-59'
        // An item read by its shape alone (a bare MRN or password after a
        // labelled one) needs a list's mark (, ; / | & and or, a tab, a
        // bullet) or a line of its own: after a blank, or on a line that
        // goes on ('A\nB\nC (case x)'), it could be a year or a word.
        {"MEDICAL_RECORD_NUMBER", " "},
        {"MEDICAL_RECORD_NUMBER", "\n"},
        {"SECRET", " "},
        {"SECRET", "\n"},
        // A list of Italian VAT numbers whose first items carry the "IT"
        // prefix (found alone, so no label is carried) and a later one not.
        {"IT_VAT_CODE", " and "},
        {"IT_VAT_CODE", " or "},
        {"PERSON", " "},  // 'Dear Priya Robinson Dorothy Nguyen,': where one name ends
        // A phone number after other values in one run of digits and blanks
        // ('65 EK 440 952978015 0044 20 7175 5266 5745551512'; mixed lists).
        {"PHONE_NUMBER", "mixed"},
        // A table's cells are the header's type name's items since the
        // column-header pass, as list items are their label's; these types
        // still leak there (seeds 20260601, 7, 123456789, 42, 99991, 5, 6,
        // 8, 9, 10):
        // - the header ("IT DRIVER LICENSE", the type's name in English)
        //   holds none of the rule's words (Italian, or "italian driver");
        {"IT_DRIVER_LICENSE", "table"},
        {"IT_IDENTITY_CARD", "table"},
        // - the rule weighs its context inside its check (a KFZ plate, a
        //   passport or ID card number failing its check digit, a 7-digit
        //   NIF, a PLZ, the second date of birth of a list), where neither pass
        //   reaches;
        {"DE_KFZ", "table"},
        {"DE_PASSPORT", "table"},
        {"DE_ID_CARD", "table"},
        {"ES_NIF", "table"},
        {"DATE_OF_BIRTH", "list"},  // under a "Date of birth" header it is found
        {"DE_PLZ", "*"},
        // - by design: a diagnosis, drug or ICD-10 code is PHI next to
        //   something that says whose it is, and a column of them alone
        //   names no one.
        {"MEDICAL_CONDITION", "table"},
        {"MEDICATION", "table"},
        {"ICD10_CODE", "table"},
        // A full address ending in a ZIP code run into the digits of the
        // next value ('..., VA 37139 904 84 3789') keeps only its street.
        {"STREET_ADDRESS", " "},
        {"STREET_ADDRESS", "\t"},
        // A bare password is a secret only after a credential (a list of
        // passwords or keys is read on since the list pass): after another
        // type's label ('ITIN 957-71-6804, BfgPys-I7NkE45PlV') or under a
        // 'SECRET' header (not a context word) it is not found.
        {"SECRET", "mixed"},
        {"SECRET", "table"},
    };
    return k;
  }
  static std::string list_form_name(const std::string& form) {
    if (form == "csv" || form == "markdown") return form + " table";
    std::string s;
    for (char c : form) s += c == '\n' ? "\\n" : c == '\t' ? "\\t" : std::string(1, c);
    return "list '" + s + "'";
  }

 private:
  size_t next_kind() {
    if (deck_pos_ >= deck_.size()) {
      deck_.clear();
      for (size_t k = 0; k < kinds().size(); ++k) deck_.push_back(k);
      std::shuffle(deck_.begin(), deck_.end(), rng_);
      deck_pos_ = 0;
    }
    return deck_[deck_pos_++];
  }

  // A value of kind k with every form to look for, and its sentence.
  std::pair<Value, std::string> value_of(size_t k) {
    auto r = (this->*kinds()[k].second)();
    Value& value = r.first;
    if (value.forms.empty()) value.forms.push_back(value.text);
    // Numbers also without their separators ("4111111111111111" for
    // "4111 1111 1111 1111"), in case something normalised them.
    static const std::set<std::string> kNumbers = {
        "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN",        "US_ITIN",
        "UK_NHS",       "UK_NINO",     "US_MBI",    "DATE_OF_BIRTH", "UK_POSTCODE"};
    if (kNumbers.count(value.type) &&
        value.text.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -./()+") ==
            std::string::npos) {
      std::string bare;
      for (char c : value.text)
        if (std::isalnum(static_cast<unsigned char>(c))) bare += c;
      if (bare != value.text) value.forms.push_back(bare);
    }
    return r;
  }

  // Whether kind k may be listed as `form`: near its own label (the first
  // item's sentence), or without one (a table cell, a mixed list's item).
  bool list_ok(size_t k, const std::string& form, bool own_label) const {
    if (all_lists_) return true;
    const std::string& type = kinds()[k].first;
    if (!own_label && !self_evident().count(type)) return false;
    const std::string f = form == "csv" || form == "markdown" ? "table" : form;
    const auto& bad = leaking_list_forms();
    return !bad.count({type, f}) && !bad.count({type, "*"}) && !bad.count({"*", f}) &&
           !(f != "table" && f != "mixed" && bad.count({type, "list"}));
  }

  // An item of a list written as `form`: of kind k, or (mixed) of another
  // kind that may be listed without its label.
  Value list_value(size_t k, bool mixed, const std::string& form) {
    size_t kind = k;
    if (mixed) {
      do kind = static_cast<size_t>(uniform(0, static_cast<int>(kinds().size()) - 1));
      while (kind == k || !list_ok(kind, form, false) || !list_ok(kind, "mixed", false));
    }
    Value v = value_of(kind).first;
    v.list = list_form_name(form) + (mixed ? " mixed" : "");
    return v;
  }

  // The list (or table) sentence for kind k; its values go to `values`.
  // A value is written as its first form (DE_PLZ: the PLZ with its place).
  std::string list_sentence(size_t k, std::vector<Value>& values) {
    std::vector<std::string> forms;
    for (const auto& f : list_forms())
      if (list_ok(k, f, true)) forms.push_back(f);
    if (forms.empty()) {  // a single value after all
      auto [value, sentence] = value_of(k);
      values.push_back(value);
      return sentence;
    }
    const std::string form = pick(forms);
    const bool mixed = uniform(0, 3) == 0 && list_ok(k, "mixed", true);
    if (form == "csv" || form == "markdown") {
      // Columns: Name (if names may be listed so), the kind's own, and for
      // a mixed table one of another kind; headed by the type names.
      static const size_t kPerson = [] {
        for (size_t i = 0; i < kinds().size(); ++i)
          if (kinds()[i].first == "PERSON") return i;
        return size_t{0};
      }();
      std::vector<size_t> cols;
      if (k != kPerson && list_ok(kPerson, form, false)) cols.push_back(kPerson);
      cols.push_back(k);
      const bool csv = form == "csv";
      auto row = [&](const std::vector<std::string>& cells) {
        std::string r = csv ? "" : "|";
        for (size_t c = 0; c < cells.size(); ++c) {
          const bool quote = csv && cells[c].find(',') != std::string::npos;
          const std::string cell = quote ? "\"" + cells[c] + "\"" : cells[c];
          r += csv ? (c ? "," : "") + cell : " " + cell + " |";
        }
        return r + "\n";
      };
      std::vector<std::string> header;
      for (size_t c : cols) {
        std::string h = kinds()[c].first;
        std::replace(h.begin(), h.end(), '_', ' ');
        header.push_back(c == kPerson ? "Name" : h);
      }
      if (mixed) header.push_back("Other");
      std::string t = "Here is the table:\n" + row(header);
      if (!csv) {
        t += "|";
        for (size_t c = 0; c < header.size(); ++c) t += "---|";
        t += "\n";
      }
      for (int r = uniform(1, 3); r > 0; --r) {
        std::vector<std::string> cells;
        for (size_t c = 0; c < header.size(); ++c) {
          const bool other = c == cols.size();
          values.push_back(list_value(other ? k : cols[c], other, form));
          cells.push_back(values.back().forms.front());
        }
        t += row(cells);
      }
      return t;
    }
    // The first value's own sentence, its value replaced by the list.
    auto [first, sentence] = value_of(k);
    first.list = list_form_name(form) + (mixed ? " mixed" : "");
    std::string joined = first.forms.front();
    values.push_back(first);
    for (int i = uniform(2, 4); i > 1; --i) {
      values.push_back(list_value(k, mixed, form));
      joined += form + values.back().forms.front();
    }
    const size_t at = sentence.find(first.forms.front());
    return at == std::string::npos ? sentence + " " + joined
                                   : sentence.replace(at, first.forms.front().size(), joined);
  }

  bool all_lists_ = std::getenv("PERIMETER_LEAK_LISTS") != nullptr &&
                    std::string(std::getenv("PERIMETER_LEAK_LISTS")) == "all";

  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(uniform(0, static_cast<int>(v.size()) - 1))];
  }
  std::string digits(int n, bool nonzero_first = false) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + uniform(i == 0 && nonzero_first, 9));
    return s;
  }
  std::string from(const char* alphabet, int n) {
    const int len = static_cast<int>(std::char_traits<char>::length(alphabet));
    std::string s;
    for (int i = 0; i < n; ++i) s += alphabet[uniform(0, len - 1)];
    return s;
  }
  std::string letters(int n) { return from("ABCDEFGHIJKLMNOPQRSTUVWXYZ", n); }
  // Fills a template: "{v}" is the value.
  std::string fill(const std::vector<std::string>& templates, const std::string& v) {
    std::string t = pick(templates);
    return t.replace(t.find("{v}"), 3, v);
  }
  std::pair<Value, std::string> make(const std::string& type, const std::string& variant,
                                     const std::string& v,
                                     const std::vector<std::string>& templates) {
    return {Value{type, variant, v, {}, {}}, fill(templates, v)};
  }

  // Common US given names and surnames (census lists), none shorter than 5
  // letters, none also an everyday English word.
  const std::vector<std::string> kGiven = {
      "Maria",     "James",     "Robert",   "Linda",   "Michael",  "Jennifer", "David",
      "Elizabeth", "William",   "Barbara",  "Richard", "Susan",    "Joseph",   "Jessica",
      "Thomas",    "Sarah",     "Charles",  "Karen",   "Daniel",   "Nancy",    "Matthew",
      "Anthony",   "Margaret",  "Donald",   "Sandra",  "Steven",   "Ashley",   "Andrew",
      "Kimberly",  "Joshua",    "Emily",    "Kenneth", "Donna",    "Michelle", "Dorothy",
      "George",    "Edward",    "Amanda",   "Ronald",  "Melissa",  "Timothy",  "Deborah",
      "Jason",     "Stephanie", "Jeffrey",  "Rebecca", "Laura",    "Jacob",    "Sharon",
      "Cynthia",   "Nicholas",  "Kathleen", "Helen",   "Jonathan", "Priya",    "Ahmed",
      "Sofia",     "Mateo",     "Fatima",   "Carlos"};
  const std::vector<std::string> kSurname = {
      "Johnson",   "Williams", "Jones",    "Garcia",    "Davis",    "Rodriguez",  "Martinez",
      "Hernandez", "Lopez",    "Gonzalez", "Wilson",    "Anderson", "Taylor",     "Moore",
      "Jackson",   "Thompson", "Harris",   "Sanchez",   "Clark",    "Ramirez",    "Lewis",
      "Robinson",  "Perez",    "Nguyen",   "Patel",     "Kowalski", "Schmidt",    "Murphy",
      "Rivera",    "Campbell", "Mitchell", "Roberts",   "Phillips", "Evans",      "Edwards",
      "Collins",   "Stewart",  "Morris",   "Rogers",    "Cooper",   "Richardson", "Howard",
      "Peterson",  "Ramos",    "Torres",   "James",     "Watson",   "Brooks",     "Kelly",
      "Sanders",   "Bennett",  "Barnes",   "Henderson", "Coleman",  "Jenkins"};

  std::pair<Value, std::string> email() {
    static const std::vector<std::string> kTld = {"com", "net", "org", "io", "de", "co.uk"};
    std::string local = lower(pick(kGiven));
    switch (uniform(0, 2)) {
      case 0:
        local += "." + lower(pick(kSurname));
        break;
      case 1:
        local += "_" + lower(pick(kSurname)) + digits(2);
        break;
      default:
        local = local.substr(0, 1) + lower(pick(kSurname)) + digits(uniform(1, 4));
        break;
    }
    const std::string v = local + "@" + lower(letters(uniform(5, 9))) + "." + pick(kTld);
    return make("EMAIL_ADDRESS", "email", v,
                {"Please reply to {v} before Friday.", "My email is {v}.", "Contact: {v}",
                 "cc {v} on the thread, please.", "Send the invoice to {v} today."});
  }

  // Formats libphonenumber accepts as valid for the country (every pattern
  // below checked against it), international, "00" and national forms.
  std::pair<Value, std::string> phone() {
    std::string v, variant;
    switch (uniform(0, 14)) {
      case 0:
      case 1:
      case 2: {  // North America: area and exchange not N11, no 555 area
        auto three = [&] {
          std::string s;
          do s = std::to_string(uniform(2, 9)) + digits(2);
          while (s[1] == '1' && s[2] == '1');
          return s;
        };
        std::string a;
        do a = three();
        while (a == "555");
        const std::string e = three(), x = digits(4);
        static const std::vector<std::string> kFmt = {"+1 (A) E-X", "(A) E-X",  "A-E-X",
                                                      "A.E.X",      "+1 A E X", "1-A-E-X"};
        v = pick(kFmt);
        v.replace(v.find('A'), 1, a);
        v.replace(v.find('E'), 1, e);
        v.replace(v.find('X'), 1, x);
        variant = "US";
        break;
      }
      case 3:
        v = "+44 20 7" + digits(3) + " " + digits(4);
        variant = "GB intl";
        break;
      case 4:
        v = "020 7" + digits(3) + " " + digits(4);
        variant = "GB national";
        break;
      case 5:
        v = "+44 78" + digits(2) + " " + digits(6);
        variant = "GB mobile";
        break;
      case 6:
        v = "0044 20 7" + digits(3) + " " + digits(4);
        variant = "GB 00-prefix";
        break;
      case 7:
        v = "+49 17" + digits(1) + " " + digits(7);
        variant = "DE mobile";
        break;
      case 8:
        v = "030 " + digits(8);
        variant = "DE national";
        break;
      case 9:
        v = "+33 1 " + digits(2) + " " + digits(2) + " " + digits(2) + " " + digits(2);
        variant = "FR intl";
        break;
      case 10:
        v = "+61 41" + digits(1) + " " + digits(3) + " " + digits(3);
        variant = "AU mobile";
        break;
      case 11:
        v = "+91 98" + digits(3) + " " + digits(5);
        variant = "IN mobile";
        break;
      case 12:
        v = "+972 52-" + digits(3) + "-" + digits(4);
        variant = "IL mobile";
        break;
      case 13:
        v = "+55 11 9" + digits(4) + "-" + digits(4);
        variant = "BR mobile";
        break;
      default:
        v = "+86 138 " + digits(4) + " " + digits(4);
        variant = "CN mobile";
        break;
    }
    return make("PHONE_NUMBER", variant, v,
                {"Call me at {v} after lunch.", "My phone number is {v}.", "Mobile: {v}",
                 "You can reach the office on {v} during the week.", "Fax it to {v}, please."});
  }

  std::pair<Value, std::string> credit_card() {
    std::string payload, variant;
    switch (uniform(0, 3)) {
      case 0:
        payload = "4" + digits(14);
        variant = "Visa";
        break;
      case 1:
        payload = "5" + std::to_string(uniform(1, 5)) + digits(13);
        variant = "Mastercard";
        break;
      case 2:
        payload = (uniform(0, 1) ? "34" : "37") + digits(12);
        variant = "Amex";
        break;
      default:
        payload = "6011" + digits(11);
        variant = "Discover";
        break;
    }
    const std::string d = payload + luhn_digit(payload);
    std::string v;
    const int fmt = uniform(0, 2);
    if (fmt == 0) {
      v = d;
    } else {
      const char sep = fmt == 1 ? ' ' : '-';
      if (d.size() == 15) {
        v = d.substr(0, 4) + sep + d.substr(4, 6) + sep + d.substr(10);
      } else {
        for (size_t i = 0; i < d.size(); i += 4)
          v += (i ? std::string(1, sep) : "") + d.substr(i, 4);
      }
    }
    return make("CREDIT_CARD", variant, v,
                {"Charge my card {v} for the renewal.", "Card number: {v}",
                 "Please refund the payment to credit card {v}."});
  }

  std::pair<Value, std::string> iban() {
    // Country, BBAN shape: 'a' an upper-case letter, 'n' a digit.
    static const std::vector<std::pair<std::string, std::string>> kCountries = {
        {"DE", "nnnnnnnnnnnnnnnnnn"},       {"GB", "aaaannnnnnnnnnnnnn"},
        {"FR", "nnnnnnnnnnnnnnnnnnnnnnn"},  {"ES", "nnnnnnnnnnnnnnnnnnnn"},
        {"NL", "aaaannnnnnnnnn"},           {"IT", "annnnnnnnnnnnnnnnnnnnnn"},
        {"CH", "nnnnnnnnnnnnnnnnn"},        {"BE", "nnnnnnnnnnnn"},
        {"PL", "nnnnnnnnnnnnnnnnnnnnnnnn"}, {"AT", "nnnnnnnnnnnnnnnn"},
        {"SE", "nnnnnnnnnnnnnnnnnnnn"},     {"NO", "nnnnnnnnnnn"},
        {"IE", "aaaannnnnnnnnnnnnn"}};
    const auto& [cc, shape] = pick(kCountries);
    std::string bban;
    for (char c : shape) bban += c == 'a' ? letters(1) : digits(1);
    const int check = 98 - mod97(bban + cc + "00");
    const std::string compact = cc + two(check) + bban;
    std::string v = compact;
    if (uniform(0, 1)) {
      v.clear();
      for (size_t i = 0; i < compact.size(); i += 4) v += (i ? " " : "") + compact.substr(i, 4);
    }
    return make("IBAN_CODE", cc, v,
                {"Please wire the deposit to IBAN {v}.", "My bank account is {v}, in my name.",
                 "Transfer the refund to {v}."});
  }

  std::pair<Value, std::string> ssn() {
    std::string area;
    do area = two(uniform(0, 8)) + digits(1);  // 000-899
    while (area == "000" || area == "666");
    const std::string group = two(uniform(1, 99));
    std::string serial;
    do serial = digits(4);
    while (serial == "0000");
    const char sep = uniform(0, 3) == 0 ? ' ' : '-';
    const std::string v = area + sep + group + sep + serial;
    return make("US_SSN", sep == ' ' ? "spaced" : "dashed", v,
                {"My SSN is {v}.", "Social Security number: {v}",
                 "The employee's social security number is {v}."});
  }

  std::pair<Value, std::string> itin() {
    static const std::vector<int> kGroups = [] {
      std::vector<int> g;
      for (int i = 50; i <= 65; ++i) g.push_back(i);
      for (int i = 70; i <= 88; ++i) g.push_back(i);
      for (int i : {90, 91, 92, 94, 95, 96, 97, 98, 99}) g.push_back(i);
      return g;
    }();
    const char sep = uniform(0, 3) == 0 ? ' ' : '-';
    const std::string v = "9" + digits(2) + sep + two(pick(kGroups)) + sep + digits(4);
    return make("US_ITIN", "ITIN", v,
                {"My ITIN is {v}.", "Individual taxpayer identification number (ITIN): {v}",
                 "File it under taxpayer ITIN {v}."});
  }

  std::pair<Value, std::string> us_passport() {
    const bool letter = uniform(0, 1);
    const std::string v = letter ? letters(1) + digits(8) : digits(9, true);
    return make("US_PASSPORT", letter ? "letter+8" : "9 digits", v,
                {"My US passport number is {v}.", "Passport: {v}",
                 "Travel document (passport) {v} expires next year."});
  }

  std::pair<Value, std::string> us_driver_license() {
    const std::string v = letters(1) + digits(7);
    return make("US_DRIVER_LICENSE", "letter+7", v,
                {"My driver license number is {v}.", "Driver's license: {v}",
                 "California DL {v}, issued 2019."});
  }

  std::pair<Value, std::string> aba() {
    static const std::vector<int> kPrefixes = [] {
      std::vector<int> p;
      for (int i = 1; i <= 12; ++i) p.push_back(i);
      for (int i = 21; i <= 32; ++i) p.push_back(i);
      for (int i = 61; i <= 72; ++i) p.push_back(i);
      p.push_back(80);
      return p;
    }();
    std::string d = two(pick(kPrefixes)) + digits(6);
    static constexpr int w[8] = {3, 7, 1, 3, 7, 1, 3, 7};
    int sum = 0;
    for (int i = 0; i < 8; ++i) sum += w[i] * (d[static_cast<size_t>(i)] - '0');
    d += static_cast<char>('0' + (10 - sum % 10) % 10);
    return make("ABA_ROUTING_NUMBER", "ABA", d,
                {"The ABA routing number is {v}.", "Routing number: {v}",
                 "Use bank routing {v} for the direct deposit."});
  }

  std::pair<Value, std::string> us_bank() {
    const std::string v = digits(uniform(10, 12), true);
    return make("US_BANK_NUMBER", "account", v,
                {"My checking account number is {v}.", "Bank account: {v}",
                 "Deposit it into savings account {v}."});
  }

  std::pair<Value, std::string> crypto() {
    std::string v, variant;
    switch (uniform(0, 2)) {
      case 0: {  // P2PKH / P2SH, base58check
        std::array<unsigned char, 25> raw{};
        raw[0] = uniform(0, 1) ? 0x00 : 0x05;
        for (int i = 1; i <= 20; ++i)
          raw[static_cast<size_t>(i)] = static_cast<unsigned char>(uniform(0, 255));
        unsigned char h1[32], h2[32];
        SHA256(raw.data(), 21, h1);
        SHA256(h1, 32, h2);
        std::copy(h2, h2 + 4, raw.begin() + 21);
        static const char* kB58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        std::vector<unsigned char> num(raw.begin(), raw.end());
        std::string out;
        while (std::any_of(num.begin(), num.end(), [](unsigned char c) { return c != 0; })) {
          int rem = 0;
          for (auto& c : num) {
            const int cur = rem * 256 + c;
            c = static_cast<unsigned char>(cur / 58);
            rem = cur % 58;
          }
          out += kB58[rem];
        }
        for (unsigned char c : raw) {
          if (c != 0) break;
          out += '1';
        }
        v.assign(out.rbegin(), out.rend());
        variant = raw[0] == 0 ? "BTC P2PKH" : "BTC P2SH";
        break;
      }
      case 1: {  // segwit v0, bech32
        static const char* kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
        std::vector<int> data = {0};
        int acc = 0, bits = 0;
        for (int i = 0; i < 20; ++i) {
          acc = (acc << 8) | uniform(0, 255);
          bits += 8;
          while (bits >= 5) {
            bits -= 5;
            data.push_back((acc >> bits) & 31);
          }
        }
        std::vector<int> chk = {3, 3, 0, 2, 3};  // "bc" expanded
        chk.insert(chk.end(), data.begin(), data.end());
        chk.insert(chk.end(), 6, 0);
        const uint32_t mod = bech32_polymod(chk) ^ 1;
        v = "bc1";
        for (int x : data) v += kCharset[x];
        for (int i = 0; i < 6; ++i) v += kCharset[(mod >> (5 * (5 - i))) & 31];
        variant = "BTC bech32";
        break;
      }
      default:
        v = "0x" + from("0123456789abcdef", 40);
        variant = "ETH";
        break;
    }
    return make("CRYPTO", variant, v,
                {"Send the payout to my bitcoin wallet {v} tonight.", "Wallet: {v}",
                 "My crypto wallet address is {v}."});
  }

  std::pair<Value, std::string> nino() {
    std::string prefix;
    static const std::set<std::string> kNever = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"};
    do prefix = from("ABCEGHJKLMNOPRSTWXYZ", 1) + from("ABCEGHJKLMNPRSTWXYZ", 1);
    while (kNever.count(prefix));
    const std::string d = digits(6), suffix = from("ABCD", 1);
    const bool spaced = uniform(0, 1);
    const std::string v = spaced ? prefix + " " + d.substr(0, 2) + " " + d.substr(2, 2) + " " +
                                       d.substr(4, 2) + " " + suffix
                                 : prefix + d + suffix;
    return make(
        "UK_NINO", spaced ? "spaced" : "compact", v,
        {"My National Insurance number is {v}.", "NINO: {v}", "NI number {v} is on the payslip."});
  }

  std::pair<Value, std::string> nhs() {
    std::string d;
    int check;
    do {
      d = std::to_string(uniform(4, 9)) + digits(8);
      int sum = 0;
      for (int i = 0; i < 9; ++i) sum += (d[static_cast<size_t>(i)] - '0') * (10 - i);
      check = 11 - sum % 11;
      if (check == 11) check = 0;
    } while (check == 10);
    d += static_cast<char>('0' + check);
    std::string v = d;
    const int fmt = uniform(0, 2);
    if (fmt > 0) {
      const char sep = fmt == 1 ? ' ' : '-';
      v = d.substr(0, 3) + sep + d.substr(3, 3) + sep + d.substr(6);
    }
    return make(
        "UK_NHS", fmt == 0 ? "compact" : "grouped", v,
        {"My NHS number is {v}.", "NHS No: {v}", "The hospital has her under NHS number {v}."});
  }

  std::pair<Value, std::string> uk_passport() {
    const std::string v = letters(2) + digits(7);
    return make(
        "UK_PASSPORT", "2 letters+7", v,
        {"My UK passport number is {v}.", "Passport no. {v}", "Travel document: passport {v}."});
  }

  std::pair<Value, std::string> uk_driving_licence() {
    std::string surname = upper(pick(kSurname)).substr(0, 5);
    while (surname.size() < 5) surname += '9';
    const int year = uniform(1950, 2004), month = uniform(1, 12);
    const int day = uniform(1, days_in(year, month));
    const std::string v =
        surname + std::to_string(year / 10 % 10) + two(month + (uniform(0, 1) ? 50 : 0)) +
        two(day) + std::to_string(year % 10) + letters(1) + (uniform(0, 3) ? letters(1) : "9") +
        "9" + from("ABCDEFGHJKLMNPRSTUVWXYZ0123456789", 2);
    return make("UK_DRIVING_LICENCE", "DVLA", v,
                {"My driving licence number is {v}.", "DVLA licence: {v}",
                 "Driving licence {v} was checked at the desk."});
  }

  std::pair<Value, std::string> uk_postcode() {
    const std::string area1 = from("ABCDEFGHIJKLMNOPRSTUWYZ", 1);
    const std::string area2 = from("ABCDEFGHKLMNOPQRSTUVWXY", 1);
    std::string outward;
    switch (uniform(0, 5)) {
      case 0:
        outward = area1 + digits(1, true);
        break;
      case 1:
        outward = area1 + digits(1, true) + digits(1);
        break;
      case 2:
        outward = area1 + area2 + digits(1, true);
        break;
      case 3:
        outward = area1 + area2 + digits(1, true) + digits(1);
        break;
      case 4:
        outward = area1 + digits(1, true) + from("ABCDEFGHJKPSTUW", 1);
        break;
      default:
        outward = area1 + area2 + digits(1, true) + from("ABEHMNPRVWXY", 1);
        break;
    }
    const std::string v = outward + " " + digits(1) + from("ABDEFGHJLNPQRSTUWXYZ", 2);
    return make("UK_POSTCODE", "postcode", v,
                {"The postcode is {v}.", "Post code: {v}", "Deliver to the flat at postcode {v}."});
  }

  std::pair<Value, std::string> ip() {
    if (uniform(0, 2) > 0) {
      const std::string v = std::to_string(uniform(11, 223)) + "." +
                            std::to_string(uniform(0, 255)) + "." +
                            std::to_string(uniform(0, 255)) + "." + std::to_string(uniform(1, 254));
      return make("IP_ADDRESS", "IPv4", v,
                  {"The server at {v} refused the connection.", "Login from IP {v} was blocked.",
                   "Whitelist host {v} in the firewall."});
    }
    auto group = [&] {
      std::string g = from("0123456789abcdef", uniform(1, 4));
      while (g.size() > 1 && g[0] == '0') g.erase(0, 1);
      return g;
    };
    std::string v;
    if (uniform(0, 1)) {
      for (int i = 0; i < 8; ++i) v += (i ? ":" : "") + group();
    } else {
      v = "2001:db8:" + group() + "::" + group() + ":" + group();
    }
    return make(
        "IP_ADDRESS", "IPv6", v,
        {"The server at {v} refused the connection.", "Login from IPv6 address {v} was blocked.",
         "Whitelist host {v} in the firewall."});
  }

  std::pair<Value, std::string> mac() {
    std::string v, variant;
    std::string hex = from("0123456789abcdef", 12);
    hex[1] = from("02468ace", 1)[0];  // unicast
    switch (uniform(0, 2)) {
      case 0:
        for (int i = 0; i < 6; ++i) v += (i ? ":" : "") + hex.substr(static_cast<size_t>(i) * 2, 2);
        variant = "colon";
        break;
      case 1:
        for (int i = 0; i < 6; ++i)
          v += (i ? "-" : "") + upper(hex.substr(static_cast<size_t>(i) * 2, 2));
        variant = "dash";
        break;
      default:
        v = hex.substr(0, 4) + "." + hex.substr(4, 4) + "." + hex.substr(8, 4);
        variant = "cisco";
        break;
    }
    return make("MAC_ADDRESS", variant, v,
                {"The device MAC address is {v}.", "MAC: {v}",
                 "Block hardware address {v} on the switch."});
  }

  std::pair<Value, std::string> url_credentials() {
    static const std::vector<std::string> kScheme = {"https", "postgres", "mysql", "redis", "ftp"};
    const std::string scheme = pick(kScheme);
    const std::string user = lower(pick(kGiven)) + digits(uniform(0, 2));
    const std::string pass = from("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 8) +
                             digits(2) + from("!*-_", 1) + from("abcdefghijkmnpqrstuvwxyz", 2);
    const std::string host =
        lower(letters(uniform(4, 8))) + ".internal." + lower(letters(5)) + ".com";
    const std::string v = scheme + "://" + user + ":" + pass + "@" + host + "/" + lower(letters(4));
    return make("URL_CREDENTIALS", scheme, v,
                {"Connect with {v} and run the migration.", "The backup job uses {v} nightly.",
                 "Our connection string is {v} in production."});
  }

  std::pair<Value, std::string> date_of_birth() {
    static const std::vector<std::string> kMonth = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};
    const int y = uniform(1940, 2005), m = uniform(1, 12), d = uniform(1, days_in(y, m));
    std::string v, variant;
    switch (uniform(0, 3)) {
      case 0:
        v = two(m) + "/" + two(d) + "/" + std::to_string(y);
        variant = "MM/DD/YYYY";
        break;
      case 1:
        v = std::to_string(y) + "-" + two(m) + "-" + two(d);
        variant = "ISO";
        break;
      case 2:
        v = std::to_string(d) + " " + kMonth[static_cast<size_t>(m - 1)] + " " + std::to_string(y);
        variant = "D Month YYYY";
        break;
      default:
        v = kMonth[static_cast<size_t>(m - 1)] + " " + std::to_string(d) + ", " + std::to_string(y);
        variant = "Month D, YYYY";
        break;
    }
    return make("DATE_OF_BIRTH", variant, v,
                {"My date of birth is {v}.", "DOB: {v}", "I was born on {v} in Ohio."});
  }

  // Labelled and titled names; the given name and the surname must not reach
  // the cloud either.
  std::pair<Value, std::string> person() {
    const std::string given = pick(kGiven), sur = pick(kSurname);
    const std::string v = given + " " + sur;
    auto r = make("PERSON", "labelled", v,
                  {"Name: {v}", "My name is {v}.", "Dear {v}, thank you for your letter.",
                   "Dr. {v} will review the results.", "Patient: {v}", "Ms. {v} called earlier.",
                   "Regards, {v}"});
    r.first.forms = {v, given, sur};
    return r;
  }

  std::pair<Value, std::string> street_address() {
    static const std::vector<std::string> kName = {
        "Maple",    "Cedar",     "Willow",      "Sunset",   "Highland", "Lakeview", "Chestnut",
        "Magnolia", "Hillcrest", "Meadowbrook", "Sycamore", "Juniper",  "Orchard"};
    static const std::vector<std::string> kSuffix = {
        "Street", "Avenue", "Road",    "Lane", "Drive", "Boulevard", "Court",
        "Way",    "Place",  "Terrace", "St.",  "Ave",   "Rd."};
    static const std::vector<std::string> kCity = {
        "Springfield", "Riverside", "Fairview", "Greenville", "Oakland",
        "Denver",      "Phoenix",   "Seattle",  "Columbus",   "Richmond"};
    static const std::vector<std::string> kState = {"IL", "CA", "TX", "NY", "OH", "WA", "CO", "VA"};
    const std::string street =
        std::to_string(uniform(1, 9999)) + " " + pick(kName) + " " + pick(kSuffix);
    std::string v = street;
    const int shape = uniform(0, 2);
    if (shape >= 1) v += ", " + pick(kCity) + ", " + pick(kState) + " " + digits(5, true);
    if (shape == 2)
      v = street + ", Apt " + std::to_string(uniform(1, 40)) + letters(1) + v.substr(street.size());
    auto r = make("STREET_ADDRESS", shape == 0 ? "street" : "with city and ZIP", v,
                  {"I live at {v}.", "Please ship it to {v} by Monday.",
                   "Our office is located at {v} on the second floor."});
    r.first.forms = {v, street};
    return r;
  }

  std::pair<Value, std::string> mrn() {
    const std::string v = uniform(0, 2) ? digits(uniform(7, 8), true) : "MR" + digits(7);
    return make("MEDICAL_RECORD_NUMBER", v[0] == 'M' ? "MR prefix" : "digits", v,
                {"MRN: {v}", "Medical Record Number {v} for the admission.", "Patient ID: {v}",
                 "Chart number {v} needs updating."});
  }

  std::pair<Value, std::string> npi() {
    const std::string payload = std::to_string(uniform(1, 2)) + digits(8);
    std::string d = payload;
    for (char c = '0'; c <= '9'; ++c)
      if (luhn_ok("80840" + payload + c)) {
        d += c;
        break;
      }
    return make("US_NPI", "NPI", d,
                {"The prescriber's NPI is {v}.", "Provider NPI: {v}",
                 "Bill it under national provider identifier (NPI) {v}."});
  }

  std::pair<Value, std::string> mbi() {
    const char* L = "ACDEFGHJKMNPQRTUVWXY";
    const char* A = "ACDEFGHJKMNPQRTUVWXY0123456789";
    const std::string v1 = std::to_string(uniform(1, 9)) + from(L, 1) + from(A, 1) + digits(1);
    const std::string v2 = from(L, 1) + from(A, 1) + digits(1);
    const std::string v3 = from(L, 2) + digits(2);
    const bool dashed = uniform(0, 1);
    const std::string v = dashed ? v1 + "-" + v2 + "-" + v3 : v1 + v2 + v3;
    return make("US_MBI", dashed ? "dashed" : "compact", v,
                {"My Medicare number (MBI) is {v}.", "Medicare beneficiary identifier: {v}",
                 "The MBI on the card reads {v}."});
  }

  std::pair<Value, std::string> dea() {
    std::string d = digits(6);
    const int sum = (d[0] - '0') + (d[2] - '0') + (d[4] - '0') +
                    2 * ((d[1] - '0') + (d[3] - '0') + (d[5] - '0'));
    d += static_cast<char>('0' + sum % 10);
    const std::string v = from("ABFGMPRX", 1) + pick(kSurname).substr(0, 1) + d;
    return make("MEDICAL_LICENSE", "DEA", v,
                {"The prescriber's DEA number is {v}.", "DEA registration: {v}",
                 "Medical license (DEA) {v} is on file."});
  }

  std::pair<Value, std::string> fi_hetu() {
    const int y = uniform(1930, 2009), m = uniform(1, 12), d = uniform(1, days_in(y, m));
    const int n = uniform(2, 899);
    const std::string date = two(d) + two(m) + two(y % 100);
    char num[8];
    std::snprintf(num, sizeof num, "%03d", n);
    static const char kCheck[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";
    const long long key = std::stoll(date) * 1000 + n;
    const std::string v = date + (y >= 2000 ? "A" : "-") + num + kCheck[key % 31];
    return make("FI_PERSONAL_IDENTITY_CODE", "hetu", v,
                {"My Finnish personal identity code is {v}.", "Henkilotunnus (hetu): {v}",
                 "The identity code {v} is on her Kela card."});
  }

  std::pair<Value, std::string> tr_kimlik() {
    int d[11];
    d[0] = uniform(1, 9);
    for (int i = 1; i < 9; ++i) d[i] = uniform(0, 9);
    const int odd = d[0] + d[2] + d[4] + d[6] + d[8], even = d[1] + d[3] + d[5] + d[7];
    d[9] = ((odd * 7 - even) % 10 + 10) % 10;
    int sum = 0;
    for (int i = 0; i < 10; ++i) sum += d[i];
    d[10] = sum % 10;
    std::string v;
    for (int x : d) v += static_cast<char>('0' + x);
    return make("TR_NATIONAL_ID", "TCKN", v,
                {"T.C. Kimlik No: {v}", "My Turkish ID (TCKN) is {v}.",
                 "Kimlik numarasi {v} on the form."});
  }

  std::pair<Value, std::string> pl_pesel() {
    const int y = uniform(1940, 2015), m = uniform(1, 12), dd = uniform(1, days_in(y, m));
    std::string s = two(y % 100) + two(m + (y >= 2000 ? 20 : 0)) + two(dd) + digits(4);
    static const int kW[] = {1, 3, 7, 9, 1, 3, 7, 9, 1, 3};
    int sum = 0;
    for (int i = 0; i < 10; ++i) sum += kW[i] * (s[static_cast<size_t>(i)] - '0');
    s += static_cast<char>('0' + (10 - sum % 10) % 10);
    return make(
        "PL_PESEL", "PESEL", s,
        {"My PESEL is {v}.", "Numer PESEL: {v}", "The Polish ID (PESEL) {v} is on the contract."});
  }

  std::pair<Value, std::string> icd10() {
    static const std::vector<std::string> kCodes = {"E11.9",   "E11.65",  "J45.909", "I25.10",
                                                    "F32.1",   "M54.5",   "K21.9",   "N18.3",
                                                    "C50.911", "G43.909", "E78.5",   "F41.1"};
    return make("ICD10_CODE", "ICD-10", pick(kCodes),
                {"The patient's diagnosis code is {v}.", "Patient was coded {v} at discharge.",
                 "For this patient, ICD-10 {v} applies."});
  }

  std::pair<Value, std::string> medication() {
    static const std::vector<std::string> kDrugs = {
        "metformin",  "lisinopril",    "losartan",   "amlodipine", "metoprolol", "atorvastatin",
        "sertraline", "levothyroxine", "omeprazole", "warfarin",   "furosemide", "prednisone"};
    static const std::vector<std::string> kDose = {"5 mg",  "10 mg", "20 mg",  "25 mg",
                                                   "40 mg", "50 mg", "100 mg", "500 mg"};
    const std::string v = pick(kDrugs) + " " + pick(kDose);
    return make("MEDICATION", "drug+dose", v,
                {"The patient takes {v} twice daily.", "Patient is on {v} since March.",
                 "Start the patient on {v} at night."});
  }

  std::pair<Value, std::string> condition() {
    static const std::vector<std::string> kConditions = {"type 2 diabetes",
                                                         "hypertension",
                                                         "hepatitis c",
                                                         "leukemia",
                                                         "lymphoma",
                                                         "melanoma",
                                                         "major depressive disorder",
                                                         "carcinoma"};
    return make("MEDICAL_CONDITION", "condition", pick(kConditions),
                {"The patient was diagnosed with {v} last year.", "Patient has a history of {v}.",
                 "Our patient is being treated for {v}."});
  }

  std::pair<Value, std::string> secret() {
    const char* kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    switch (uniform(0, 4)) {
      case 0:
        return make("SECRET", "AWS access key",
                    "AKIA" + from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
                    {"aws_access_key_id = {v}", "The AWS key {v} was committed by mistake."});
      case 1:
        return make("SECRET", "GitHub token", "ghp_" + from(kAlnum, 36),
                    {"export GITHUB_TOKEN={v}", "Revoke the GitHub token {v} today."});
      case 2:
        return make("SECRET", "Stripe key", "sk_live_" + from(kAlnum, 24),
                    {"Our Stripe key is {v} for now.", "STRIPE_SECRET_KEY={v}"});
      case 3:
        return make("SECRET", "Hugging Face token",
                    "hf_" + from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 34),
                    {"HF_TOKEN={v}", "Use the Hugging Face token {v} to pull the model."});
      default:
        return make(
            "SECRET", "password assignment",
            from(kAlnum, 6) + from("!#%*-_", 1) + from(kAlnum, 5) + digits(2) + from(kAlnum, 3),
            {"db password = {v}", "The admin password is: {v}", "password: {v}"});
    }
  }

  // ---- National identifiers -------------------------------------------------
  // Most of these are weak shapes that are reported only next to a context
  // word, so every template carries one close to the value, and no other
  // digit stands near it.

  std::pair<Value, std::string> with_forms(std::pair<Value, std::string> r) {
    r.first.forms = id_forms(r.first.text);
    return r;
  }

  std::pair<Value, std::string> de_vat_id() {
    std::string d = digits(8, true);
    d += static_cast<char>('0' + mod11_10(d));
    const bool spaced = uniform(0, 1);
    const std::string v =
        spaced ? "DE " + d.substr(0, 3) + " " + d.substr(3, 3) + " " + d.substr(6) : "DE" + d;
    return with_forms(make(
        "DE_VAT_ID", spaced ? "spaced" : "compact", v,
        {"Our VAT ID is {v}.", "USt-IdNr.: {v}", "Please print our USt-IdNr. {v} on every invoice.",
         "Umsatzsteuer-Identifikationsnummer: {v}"}));
  }

  // Krankenversichertennummer: the letter counts as its two-digit alphabet
  // position, weights 1 2 alternating, products' cross sums, mod 10.
  std::pair<Value, std::string> de_kvnr() {
    const std::string body = letters(1) + digits(8);
    const int pos = body[0] - 'A' + 1;
    std::string d = two(pos) + body.substr(1);
    int sum = 0;
    for (size_t i = 0; i < d.size(); ++i) sum += cross_sum((d[i] - '0') * (i % 2 ? 2 : 1));
    const std::string v = body + static_cast<char>('0' + sum % 10);
    return with_forms(make("DE_HEALTH_INSURANCE", "KVNR", v,
                           {"My Krankenversichertennummer is {v}.", "Versichertennummer (eGK): {v}",
                            "Her health insurance number at the AOK is {v}.",
                            "Die Krankenkasse hat mich unter {v} gespeichert."}));
  }

  // Passports start with C F G H J K, ID cards (since 2010) with L M N P R T
  // V W X Y; nine characters without vowels in all, the last a digit. The
  // number itself has no check digit (the MRZ adds one as a tenth
  // character): every draw is a real-looking number, the specimen's
  // L01X00T47 among them.
  std::string de_document_number(const char* first) {
    return from(first, 1) + from("CFGHJKLMNPRTVWXYZ0123456789", 7) + from("0123456789", 1);
  }

  std::pair<Value, std::string> de_passport() {
    return with_forms(make("DE_PASSPORT", "Reisepass", de_document_number("CFGHJK"),
                           {"My German passport number is {v}.", "Passnummer: {v}",
                            "Reisepass Nr. {v}, issued in Berlin.",
                            "The travel document (Reisepass) {v} expires next year."}));
  }

  std::pair<Value, std::string> de_id_card() {
    return with_forms(make("DE_ID_CARD", "Personalausweis", de_document_number("LMNPRTVWXY"),
                           {"My German ID card number is {v}.", "Personalausweisnummer: {v}",
                            "Ausweis-Nr. {v} was checked at the desk.",
                            "Die Nummer meines Personalausweises lautet {v}."}));
  }

  // Rentenversicherungsnummer: area, birth date, initial of the birth name
  // (as its two-digit alphabet position), serial, check digit (weights
  // 2 1 2 5 7 1 2 1 2 1 2 1, cross sums, mod 10).
  std::pair<Value, std::string> de_rvnr() {
    static const std::vector<std::string> kArea = {"02", "04", "08", "10", "12", "13", "15",
                                                   "17", "18", "23", "25", "28", "38", "40",
                                                   "42", "49", "53", "65", "66", "89"};
    const int y = uniform(1940, 2005), m = uniform(1, 12), dd = uniform(1, days_in(y, m));
    const std::string initial = letters(1), serial = two(uniform(0, 99));
    const std::string head = pick(kArea) + two(dd) + two(m) + two(y % 100);
    const int pos = initial[0] - 'A' + 1;
    const std::string d = head + two(pos) + serial;
    static constexpr int kW[12] = {2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1};
    int sum = 0;
    for (size_t i = 0; i < 12; ++i) sum += cross_sum((d[i] - '0') * kW[i]);
    const std::string v = head + initial + serial + static_cast<char>('0' + sum % 10);
    return with_forms(
        make("DE_SOCIAL_SECURITY", "RVNR", v,
             {"Meine Rentenversicherungsnummer ist {v}.", "Sozialversicherungsnummer: {v}",
              "My German social security number is {v}."}));
  }

  // Lebenslange Arztnummer: six digits, a check digit (weights 4 9, ten
  // minus the sum mod 10), a specialty code.
  std::pair<Value, std::string> de_lanr() {
    static const std::vector<std::string> kSpecialty = {
        "01", "02", "03", "04", "08", "09", "10", "13", "15", "23", "25", "34", "38", "51", "58"};
    const std::string d = digits(6, true);
    int sum = 0;
    for (size_t i = 0; i < 6; ++i) sum += (d[i] - '0') * (i % 2 ? 9 : 4);
    const std::string v = d + static_cast<char>('0' + (10 - sum % 10) % 10) + pick(kSpecialty);
    return with_forms(make("DE_LANR", "LANR", v,
                           {"LANR des behandelnden Arztes: {v}", "The doctor's LANR is {v}.",
                            "Lebenslange Arztnummer {v}, please check it."}));
  }

  // Betriebsstaettennummer: a KV region code and seven digits (no check digit).
  std::pair<Value, std::string> de_bsnr() {
    static const std::vector<std::string> kRegion = {"01", "02", "03", "06", "07", "17",
                                                     "20", "38", "46", "51", "52", "71",
                                                     "72", "78", "83", "88", "93", "98"};
    const std::string v = pick(kRegion) + digits(7);
    return with_forms(make("DE_BSNR", "BSNR", v,
                           {"BSNR der Praxis: {v}", "Our practice's Betriebsstättennummer is {v}.",
                            "Praxisnummer (BSNR) {v} is on the form."}));
  }

  // Steuer-ID: no leading zero; among the first ten digits exactly one digit
  // occurs twice (or three times, never three in a row); MOD 11,10 check.
  std::pair<Value, std::string> de_tax_id() {
    std::string d;
    for (;;) {
      std::string pool = "0123456789";
      std::shuffle(pool.begin(), pool.end(), rng_);
      const bool thrice = uniform(0, 3) == 0;
      d = pool.substr(0, thrice ? 8 : 9);
      d += std::string(thrice ? 2 : 1, d[0]);
      std::shuffle(d.begin(), d.end(), rng_);
      if (d[0] == '0') continue;
      bool run = false;
      for (size_t i = 0; i + 2 < d.size(); ++i) run = run || (d[i] == d[i + 1] && d[i] == d[i + 2]);
      if (!run) break;
    }
    d += static_cast<char>('0' + mod11_10(d));
    const bool grouped = uniform(0, 1);
    const std::string v =
        grouped ? d.substr(0, 2) + " " + d.substr(2, 3) + " " + d.substr(5, 3) + " " + d.substr(8)
                : d;
    return with_forms(make("DE_TAX_ID", grouped ? "grouped" : "compact", v,
                           {"Meine Steuer-ID ist {v}.", "Steueridentifikationsnummer: {v}",
                            "My German tax ID is {v}."}));
  }

  std::pair<Value, std::string> de_kfz() {
    static const std::vector<std::string> kDistrict = {
        "B",  "M",  "HH", "K",  "F",  "S",  "D",   "DO",  "E",   "HB", "H",   "L",
        "DD", "N",  "KA", "MA", "BN", "AC", "BI",  "MS",  "WI",  "KI", "HRO", "LU",
        "OF", "HD", "FR", "UL", "GE", "BO", "WOB", "REK", "NOH", "STA"};
    std::string v = pick(kDistrict) + (uniform(0, 1) ? "-" : " ") + letters(uniform(1, 2)) + " " +
                    std::to_string(uniform(10, 9999));
    if (uniform(0, 5) == 0) v += uniform(0, 1) ? "E" : "H";
    return make(
        "DE_KFZ", "Kennzeichen", v,
        {"Das Kennzeichen meines Autos ist {v}.", "Kfz-Kennzeichen: {v}",
         "My car's license plate is {v}.", "Der Wagen mit dem Kennzeichen {v} parkt falsch."});
  }

  std::pair<Value, std::string> de_fuehrerschein() {
    // The check character's derivation is not published (the detector does
    // not check it either): it is drawn at random.
    const std::string v = letters(2) + digits(8) + from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 1);
    return with_forms(make("DE_FUEHRERSCHEIN", "EU card", v,
                           {"Meine Führerscheinnummer ist {v}.", "Führerschein-Nr.: {v}",
                            "My German driving licence number is {v}."}));
  }

  // A postal code alone is any five digits; the city after it is part of the
  // form looked for, so that no five digits elsewhere in the recorded bytes
  // (ports, lengths) can pass for a leak.
  std::pair<Value, std::string> de_plz() {
    static const std::vector<std::string> kCity = {
        "Berlin", "Hamburg", "Leipzig", "Dresden", "Bremen", "Hannover", "Stuttgart", "Dortmund",
        "Essen",  "Bonn",    "Kiel",    "Mainz",   "Erfurt", "Potsdam",  "Rostock",   "Freiburg"};
    char buf[8];
    std::snprintf(buf, sizeof buf, "%05d", uniform(1001, 99998));
    const std::string plz = buf, place = plz + " " + pick(kCity);
    static const std::vector<std::string> kTemplates = {
        "PLZ/Ort: {v}", "Meine Adresse: Lindenstrasse 12, {v}.", "Wohnort: {v}, Deutschland.",
        "Die Postleitzahl und Stadt: {v}."};
    return {Value{"DE_PLZ", "PLZ", plz, {place}, {}}, fill(kTemplates, place)};
  }

  // Steuernummer in the slashed forms the states print (Bayern, Sachsen,
  // Berlin, Niedersachsen, NRW) and ELSTER's 13-digit form for Berlin and
  // Saarland only: the detector takes the first two of the 13 digits for a
  // state code 01-16, which the other states' prefixes (Bayern 9, NRW 5,
  // Baden-Wuerttemberg 28, ...) are not, and misses those. The last digit is
  // a check digit whose method differs by state; the detector does not check
  // it and it is drawn at random here.
  std::pair<Value, std::string> de_tax_number() {
    std::string v, variant;
    switch (uniform(0, 4)) {
      case 0:
        v = std::to_string(uniform(101, 299)) + "/" + digits(3) + "/" + digits(5);
        variant = "FFF/BBB/UUUUP";
        break;
      case 1:
        v = std::to_string(uniform(11, 39)) + "/" + digits(3) + "/" + digits(5);
        variant = "FF/BBB/UUUUP";
        break;
      case 2:
        v = std::to_string(uniform(101, 399)) + "/" + digits(4) + "/" + digits(4);
        variant = "NRW FFF/BBBB/UUUP";
        break;
      default:
        v = (uniform(0, 1) ? "11" : "10") + two(uniform(10, 99)) + "0" + digits(8);
        variant = "ELSTER 13 digits";
        break;
    }
    return with_forms(make("DE_TAX_NUMBER", variant, v,
                           {"Meine Steuernummer ist {v}.", "St.-Nr.: {v}",
                            "Our tax number (Steuernummer) at the Finanzamt is {v}."}));
  }

  std::pair<Value, std::string> de_handelsregister() {
    const std::string v = (uniform(0, 3) ? "HRB " : "HRA ") + std::to_string(uniform(100, 299999));
    return make("DE_HANDELSREGISTER", v.substr(0, 3), v,
                {"Eingetragen im Handelsregister: Amtsgericht München, {v}.",
                 "Our GmbH is registered at the Amtsgericht Hamburg under {v}.",
                 "Registergericht: Amtsgericht Berlin, {v}"});
  }

  // ---- India ----
  // A PAN's sequence number runs from 0001 to 9999.
  std::string pan_serial() {
    char b[8];
    std::snprintf(b, sizeof b, "%04d", uniform(1, 9999));
    return b;
  }

  // GSTIN: state, the holder's PAN, entity number, Z, and a base-36 check
  // character (weights 1 2 alternating, each product's base-36 digits summed).
  std::pair<Value, std::string> in_gstin() {
    static const std::string kB36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const std::string s = two(uniform(1, 37)) + letters(3) + from("CFPH", 1) + letters(1) +
                          pan_serial() + letters(1) + from("123456789", 1) + "Z";
    int sum = 0;
    for (size_t i = 0; i < 14; ++i) {
      const int prod = static_cast<int>(kB36.find(s[i])) * (i % 2 ? 2 : 1);
      sum += prod / 36 + prod % 36;
    }
    const std::string v = s + kB36[static_cast<size_t>((36 - sum % 36) % 36)];
    return make(
        "IN_GSTIN", "GSTIN", v,
        {"Our GSTIN is {v}.", "GSTIN: {v}", "Please add GST number {v} to the tax invoice."});
  }

  // Aadhaar: 12 digits, the first 2-9, a Verhoeff check digit.
  std::pair<Value, std::string> in_aadhaar() {
    std::string d;
    do {
      const std::string payload = std::to_string(uniform(2, 9)) + digits(10);
      d = payload + completing_digit(payload, verhoeff_ok);
    } while (std::equal(d.begin(), d.begin() + 6, d.rbegin()));
    const int fmt = uniform(0, 2);
    const std::string sep = fmt == 1 ? " " : "-";
    const std::string v = fmt == 0 ? d : d.substr(0, 4) + sep + d.substr(4, 4) + sep + d.substr(8);
    return with_forms(make("IN_AADHAAR", fmt == 0 ? "compact" : "grouped", v,
                           {"My Aadhaar number is {v}.", "Aadhaar: {v}",
                            "UIDAI sent the Aadhaar card {v} to her home."}));
  }

  std::pair<Value, std::string> in_pan() {
    // The last letter is a check character whose method is not published
    // (the detector does not check it): drawn at random.
    const std::string v = letters(3) + from("PCHFT", 1) + letters(1) + pan_serial() + letters(1);
    return make(
        "IN_PAN", "PAN", v,
        {"My PAN is {v}.", "PAN card: {v}", "Income tax PAN {v} is linked to the account."});
  }

  std::pair<Value, std::string> in_passport() {
    const std::string v =
        from("ABCDEFGHJKLMNPRSTUVWYZ", 1) + from("123456789", 1) + digits(5) + from("123456789", 1);
    return make("IN_PASSPORT", "letter+7", v,
                {"My Indian passport number is {v}.", "Passport No.: {v}",
                 "Her passport {v} was issued in Chennai."});
  }

  std::pair<Value, std::string> in_voter() {
    const std::string v = letters(3) + digits(7);
    return make("IN_VOTER", "EPIC", v,
                {"My voter ID (EPIC) number is {v}.", "Voter ID card: {v}",
                 "The election office printed EPIC {v} on her card."});
  }

  std::pair<Value, std::string> in_vehicle() {
    static const std::vector<std::pair<std::string, int>> kStates = {
        {"MH", 51}, {"DL", 13}, {"KA", 71}, {"TN", 99}, {"UP", 96}, {"GJ", 39}, {"RJ", 58},
        {"WB", 98}, {"KL", 99}, {"AP", 40}, {"TS", 38}, {"HR", 99}, {"PB", 99}, {"MP", 71}};
    std::string v, variant;
    if (uniform(0, 4) == 0) {
      v = std::to_string(uniform(21, 26)) + "BH" + digits(4) + from("ABCDEFGHJKLMNPQRSTUVWXYZ", 2);
      if (v.substr(4, 4) == "0000") v[7] = '1';
      variant = "Bharat series";
    } else {
      const auto& [state, max_district] = pick(kStates);
      std::string number = digits(4);
      if (number == "0000") number = "0001";
      v = state + two(uniform(1, max_district)) + letters(uniform(1, 2)) + number;
      variant = "state";
    }
    return make("IN_VEHICLE_REGISTRATION", variant, v,
                {"My vehicle registration number is {v}.", "The number plate reads {v}.",
                 "The RTO registered the car as {v}."});
  }

  // ---- Korea ----
  // RRN / FRN: birth date, a gender digit that also gives the century
  // (1-4 citizens, 5-8 foreigners), region and serial, a check digit: weights
  // 2..9,2..5, r = sum mod 11, (11 - r) mod 10, or (13 - r) mod 10 for
  // foreigners.
  std::string kr_resident(bool foreigner) {
    const int y = uniform(1940, 2019), m = uniform(1, 12), dd = uniform(1, days_in(y, m));
    const int g = (y >= 2000 ? 3 : 1) + uniform(0, 1) + (foreigner ? 4 : 0);
    // Then the registration office's region (00-96) and three more digits.
    const std::string d =
        two(y % 100) + two(m) + two(dd) + std::to_string(g) + two(uniform(0, 96)) + digits(3);
    static constexpr int kW[12] = {2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5};
    int sum = 0;
    for (size_t i = 0; i < 12; ++i) sum += kW[i] * (d[i] - '0');
    const int r = sum % 11;
    const int check = ((foreigner ? 13 : 11) - r) % 10;
    return d.substr(0, 6) + (uniform(0, 3) ? "-" : "") + d.substr(6) +
           static_cast<char>('0' + check);
  }

  std::pair<Value, std::string> kr_rrn() {
    const std::string v = kr_resident(false);
    return with_forms(make("KR_RRN", v.size() == 14 ? "dashed" : "compact", v,
                           {"My resident registration number (RRN) is {v}.", "주민등록번호: {v}",
                            "The Korean RRN {v} is on the lease."}));
  }

  std::pair<Value, std::string> kr_frn() {
    const std::string v = kr_resident(true);
    return with_forms(make("KR_FRN", v.size() == 14 ? "dashed" : "compact", v,
                           {"My foreigner registration number is {v}.", "외국인등록번호: {v}",
                            "FRN {v} is on her alien registration card."}));
  }

  // Business registration number: weights 1 3 7 1 3 7 1 3 5, the ninth
  // product's tens digit added once more, ten minus the sum mod 10.
  std::pair<Value, std::string> kr_brn() {
    char serial[8];
    std::snprintf(serial, sizeof serial, "%04d", uniform(1, 9999));
    const std::string d = std::to_string(uniform(101, 999)) + two(uniform(1, 99)) + serial;
    static constexpr int kW[9] = {1, 3, 7, 1, 3, 7, 1, 3, 5};
    int sum = 0;
    for (size_t i = 0; i < 9; ++i) sum += kW[i] * (d[i] - '0');
    sum += (d[8] - '0') * 5 / 10;
    const std::string full = d + static_cast<char>('0' + (10 - sum % 10) % 10);
    const bool dashed = uniform(0, 2) > 0;
    const std::string v =
        dashed ? full.substr(0, 3) + "-" + full.substr(3, 2) + "-" + full.substr(5) : full;
    return with_forms(make("KR_BRN", dashed ? "dashed" : "compact", v,
                           {"Our business registration number is {v}.", "사업자등록번호: {v}",
                            "BRN {v} is printed on the receipt."}));
  }

  std::pair<Value, std::string> kr_passport() {
    const bool current = uniform(0, 2) > 0;
    const std::string v =
        from("MSROD", 1) + digits(3) + (current ? letters(1) : digits(1)) + digits(4);
    return make(
        "KR_PASSPORT", current ? "letter+3+letter+4" : "letter+8", v,
        {"My Korean passport number is {v}.", "여권번호: {v}", "Passport {v}, Republic of Korea."});
  }

  std::pair<Value, std::string> kr_driver_license() {
    // Region of issue (11-26, 28), year, serial, and two digits whose
    // derivation is not published (the detector checks the region only).
    static const std::vector<int> kRegion = {11, 12, 13, 14, 15, 16, 17, 18, 19,
                                             20, 21, 22, 23, 24, 25, 26, 28};
    const std::string v = std::to_string(pick(kRegion)) + "-" + two(uniform(0, 99)) + "-" +
                          digits(6) + "-" + digits(2);
    return with_forms(make("KR_DRIVER_LICENSE", "dashed", v,
                           {"My Korean driver's license number is {v}.", "운전면허번호: {v}",
                            "Korean driver license {v} was renewed."}));
  }

  // ---- Singapore ----
  // NRIC/FIN: weights 2 7 6 5 4 3 2 over the digits, +4 for T and G, +3 for
  // M; the remainder mod 11 picks the letter (the M series counts down).
  std::pair<Value, std::string> sg_nric() {
    const char prefix = from("STFGM", 1)[0];
    const std::string d = digits(7);
    int sum = weighted_sum(d, {2, 7, 6, 5, 4, 3, 2});
    if (prefix == 'T' || prefix == 'G') sum += 4;
    if (prefix == 'M') sum += 3;
    const int r = sum % 11;
    char check;
    if (prefix == 'S' || prefix == 'T') {
      check = "JZIHGFEDCBA"[r];
    } else if (prefix == 'F' || prefix == 'G') {
      check = "XWUTRQPNMLK"[r];
    } else {
      check = "KLJNPQRTUWX"[10 - r];
    }
    const std::string v = std::string(1, prefix) + d + check;
    return make("SG_NRIC_FIN", std::string(1, prefix), v,
                {"My NRIC is {v}.", "NRIC/FIN: {v}", "Her FIN {v} is on the work pass."});
  }

  // UEN in ACRA's three formats, each with its weighted mod-11 check letter.
  std::pair<Value, std::string> sg_uen() {
    std::string v, variant;
    switch (uniform(0, 2)) {
      case 0: {  // businesses: 8 digits
        const std::string d = digits(8);
        v = d + "XMKECAWLJDB"[weighted_sum(d, {10, 4, 9, 3, 8, 2, 7, 1}) % 11];
        variant = "business";
        break;
      }
      case 1: {  // local companies: year of registration + 5 digits
        const std::string d = std::to_string(uniform(1980, 2025)) + digits(5);
        v = d + "ZKCMDNERGWH"[weighted_sum(d, {10, 8, 6, 4, 9, 7, 5, 3, 1}) % 11];
        variant = "local company";
        break;
      }
      default: {  // other entities: T (20xx) / S (19xx), year, entity type, 4 digits
        static const std::vector<std::string> kTypes = {"LP", "LL", "FC", "PF", "RF", "MQ",
                                                        "CC", "CS", "MB", "SS", "GA", "PA"};
        const bool t = uniform(0, 1);
        const std::string s = std::string(t ? "T" : "S") +
                              two(t ? uniform(0, 25) : uniform(50, 99)) + pick(kTypes) + digits(4);
        static const std::string kAlphabet = "ABCDEFGHJKLMNPQRSTUVWX0123456789";
        static constexpr int kW[9] = {4, 3, 5, 3, 10, 2, 2, 5, 7};
        int sum = 0;
        for (size_t i = 0; i < 9; ++i) sum += static_cast<int>(kAlphabet.find(s[i])) * kW[i];
        v = s + kAlphabet[static_cast<size_t>(((sum - 5) % 11 + 11) % 11)];
        variant = "other entity";
        break;
      }
    }
    return make("SG_UEN", variant, v,
                {"Our UEN is {v}.", "UEN: {v}", "ACRA lists the company under UEN {v}."});
  }

  // ---- Thailand ----
  // 13 digits: a category digit, a province code, the rest, and a check digit
  // (weights 13..2, (11 - sum mod 11) mod 10).
  std::pair<Value, std::string> th_tnin() {
    static const std::vector<int> kProvince = {10, 11, 12, 13, 20, 21, 24, 30, 34, 40, 41, 50,
                                               52, 57, 60, 65, 70, 73, 80, 83, 84, 90, 94, 95};
    std::string d = std::to_string(uniform(1, 8)) + std::to_string(pick(kProvince)) + digits(9);
    int sum = 0;
    for (size_t i = 0; i < 12; ++i) sum += static_cast<int>(13 - i) * (d[i] - '0');
    d += static_cast<char>('0' + (11 - sum % 11) % 10);
    return make("TH_TNIN", "TNIN", d,
                {"My Thai ID number is {v}.", "เลขประจำตัวประชาชน {v}", "Thai national ID: {v}"});
  }

  // ---- Spain ----
  static constexpr const char* kEsLetters = "TRWAGMYFPDXBNJZSQVHLCKE";

  // DNI numbers below 10,000,000 are also written without their leading zero.
  std::pair<Value, std::string> es_nif() {
    const bool eight = uniform(0, 4) > 0;
    const int n = eight ? uniform(0, 99999999) : uniform(1000000, 9999999);
    char buf[12];
    std::snprintf(buf, sizeof buf, eight ? "%08d" : "%07d", n);
    const std::string v = std::string(buf) + (uniform(0, 3) ? "" : "-") + kEsLetters[n % 23];
    return with_forms(make("ES_NIF", eight ? "8 digits" : "7 digits", v,
                           {"Mi DNI es {v}.", "NIF: {v}", "My Spanish ID (DNI) number is {v}."}));
  }

  std::pair<Value, std::string> es_nie() {
    const int lead = uniform(0, 2), n = uniform(0, 9999999);
    char buf[12];
    std::snprintf(buf, sizeof buf, "%07d", n);
    const std::string v = std::string(1, static_cast<char>('X' + lead)) + buf +
                          kEsLetters[(lead * 10000000 + n) % 23];
    return make("ES_NIE", v.substr(0, 1), v,
                {"Mi NIE es {v}.", "NIE: {v}", "Número de identificación de extranjero (NIE) {v}"});
  }

  std::pair<Value, std::string> es_passport() {
    const std::string v = letters(3) + digits(6);
    return make("ES_PASSPORT", "3 letters+6", v,
                {"Mi número de pasaporte es {v}.", "Pasaporte: {v}",
                 "Spanish passport {v} expires next year."});
  }

  // ---- Italy ----
  // Codice fiscale: surname and name letters, year, month letter, day (+40
  // for women), municipality code, check letter (odd positions by the
  // decree's table, even positions by rank, mod 26).
  std::pair<Value, std::string> it_fiscal_code() {
    static const std::vector<std::string> kMunicipality = {"H501", "F205", "F839", "L219",
                                                           "G273", "D612", "A944", "L736"};
    const int y = uniform(1940, 2005), m = uniform(1, 12), dd = uniform(1, days_in(y, m));
    const std::string s = letters(6) + two(y % 100) + "ABCDEHLMPRST"[m - 1] +
                          two(dd + (uniform(0, 1) ? 40 : 0)) + pick(kMunicipality);
    static constexpr int kOdd[26] = {1,  0,  5, 7, 9, 13, 15, 17, 19, 21, 2,  4,  18,
                                     20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23};
    int sum = 0;
    for (size_t i = 0; i < 15; ++i) {
      const int rank = std::isdigit(static_cast<unsigned char>(s[i])) ? s[i] - '0' : s[i] - 'A';
      sum += i % 2 == 0 ? kOdd[rank] : rank;
    }
    const std::string v = s + static_cast<char>('A' + sum % 26);
    return make(
        "IT_FISCAL_CODE", "codice fiscale", v,
        {"Il mio codice fiscale è {v}.", "Codice fiscale: {v}", "My Italian tax code is {v}."});
  }

  // Partita IVA: company number, office code, Luhn check digit.
  std::pair<Value, std::string> it_vat() {
    const std::string payload = digits(7) + two(0) + std::to_string(uniform(1, 9));
    const std::string d = payload + luhn_digit(payload);
    const bool prefixed = uniform(0, 1);
    return with_forms(
        make("IT_VAT_CODE", prefixed ? "IT prefix" : "digits", prefixed ? "IT" + d : d,
             {"Partita IVA: {v}", "La nostra P.IVA è {v}.", "Our Italian VAT number is {v}."}));
  }

  std::pair<Value, std::string> it_driver_license() {
    const bool card = uniform(0, 1);
    const std::string v = card ? "U1" + from("BCDEFGHJKLMNPRSTUWXYZ0123456789", 7) + letters(1)
                               : letters(2) + digits(7) + letters(1);
    return make("IT_DRIVER_LICENSE", card ? "card U1" : "paper", v,
                {"Numero patente: {v}", "La mia patente di guida è {v}.",
                 "Italian driving licence {v} is valid."});
  }

  std::pair<Value, std::string> it_identity_card() {
    std::string v, variant;
    switch (uniform(0, 2)) {
      case 0:
        v = "C" + letters(1) + digits(5) + letters(2);
        variant = "CIE 3.0";
        break;
      case 1:
        v = digits(7, true) + letters(2);
        variant = "CIE 2.0";
        break;
      default:
        v = letters(2) + digits(7);
        variant = "paper";
        break;
    }
    return make("IT_IDENTITY_CARD", variant, v,
                {"Numero carta d'identità: {v}", "La mia carta di identità è {v}.",
                 "Italian identity card (CIE) {v} is attached."});
  }

  std::pair<Value, std::string> it_passport() {
    const std::string v = letters(2) + digits(7);
    return make("IT_PASSPORT", "2 letters+7", v,
                {"Il mio passaporto è {v}.", "Numero di passaporto: {v}",
                 "Italian passport {v} expires next year."});
  }

  // ---- Sweden ----
  std::pair<Value, std::string> se_personnummer() {
    const int y = uniform(1940, 2005), m = uniform(1, 12), dd = uniform(1, days_in(y, m));
    const std::string payload = two(y % 100) + two(m) + two(dd) + digits(3);
    const std::string d = payload + luhn_digit(payload);
    const bool century = uniform(0, 2) == 0;
    const std::string v =
        (century ? std::to_string(y / 100) : "") + d.substr(0, 6) + "-" + d.substr(6);
    return with_forms(make("SE_PERSONNUMMER", century ? "12 digits" : "10 digits", v,
                           {"Mitt personnummer är {v}.", "Personnummer: {v}",
                            "My Swedish personal identity number is {v}."}));
  }

  // Organisationsnummer: legal-form digit, a third digit of at least 2, Luhn.
  std::pair<Value, std::string> se_orgnr() {
    const std::string payload = from("1235789", 1) + digits(1) + from("23456789", 1) + digits(6);
    const std::string d = payload + luhn_digit(payload);
    const bool dashed = uniform(0, 3) > 0;
    const std::string v = dashed ? d.substr(0, 6) + "-" + d.substr(6) : d;
    return with_forms(make("SE_ORGANISATIONSNUMMER", dashed ? "dashed" : "compact", v,
                           {"Organisationsnummer: {v}", "Bolagets org.nr är {v}.",
                            "The Swedish company's organisation number is {v}."}));
  }

  // ---- Australia ----
  // ABN: subtract 1 from the first digit; the weighted sum (10 1 3 5 .. 19)
  // is divisible by 89. The first two digits are chosen to make it so (11-99
  // as the ABR issues them: "10" also passes, but stands for "99").
  std::pair<Value, std::string> au_abn() {
    const std::string rest = digits(9);
    const int tail = weighted_sum(rest, {3, 5, 7, 9, 11, 13, 15, 17, 19});
    std::string d;
    for (int lead = 11; lead <= 99 && d.empty(); ++lead)
      if (((lead / 10 - 1) * 10 + lead % 10 + tail) % 89 == 0) d = std::to_string(lead) + rest;
    const bool grouped = uniform(0, 1);
    const std::string v =
        grouped ? d.substr(0, 2) + " " + d.substr(2, 3) + " " + d.substr(5, 3) + " " + d.substr(8)
                : d;
    return with_forms(
        make("AU_ABN", grouped ? "grouped" : "compact", v,
             {"Our ABN is {v}.", "ABN: {v}", "Australian Business Number {v} is on the invoice."}));
  }

  std::string grouped_3_3_3(const std::string& d, char sep) {
    return d.substr(0, 3) + sep + d.substr(3, 3) + sep + d.substr(6);
  }

  // ACN: ten minus the weighted sum (8..1) mod 10.
  std::pair<Value, std::string> au_acn() {
    const std::string p = digits(8);
    const std::string d =
        p + static_cast<char>('0' + (10 - weighted_sum(p, {8, 7, 6, 5, 4, 3, 2, 1}) % 10) % 10);
    const bool grouped = uniform(0, 1);
    return with_forms(
        make("AU_ACN", grouped ? "grouped" : "compact", grouped ? grouped_3_3_3(d, ' ') : d,
             {"ACN {v}", "The company's ACN is {v}.", "Australian Company Number: {v}"}));
  }

  // TFN: weighted sum (1 4 3 7 5 8 6 9 10) divisible by 11.
  std::pair<Value, std::string> au_tfn() {
    std::string d;
    int last;
    do {
      d = digits(8, true);
      last = weighted_sum(d, {1, 4, 3, 7, 5, 8, 6, 9}) % 11;  // 10 * last ≡ -last (mod 11)
    } while (last == 10);
    d += static_cast<char>('0' + last);
    const bool grouped = uniform(0, 1);
    return with_forms(make("AU_TFN", grouped ? "grouped" : "compact",
                           grouped ? grouped_3_3_3(d, ' ') : d,
                           {"My TFN is {v}.", "Tax file number: {v}",
                            "Quote your tax file number {v} to the employer."}));
  }

  // Medicare: first digit 2-6, the ninth the weighted sum (1 3 7 9 1 3 7 9)
  // mod 10, then the card's issue number.
  std::pair<Value, std::string> au_medicare() {
    const std::string p = std::to_string(uniform(2, 6)) + digits(7);
    const std::string d = p +
                          static_cast<char>('0' + weighted_sum(p, {1, 3, 7, 9, 1, 3, 7, 9}) % 10) +
                          std::to_string(uniform(1, 9));
    const bool grouped = uniform(0, 1);
    const std::string v = grouped ? d.substr(0, 4) + " " + d.substr(4, 5) + " " + d.substr(9) : d;
    return with_forms(make("AU_MEDICARE", grouped ? "grouped" : "compact", v,
                           {"My Medicare card number is {v}.", "Medicare: {v}",
                            "Her Medicare number {v} is on file."}));
  }

  // ---- Canada ----
  std::pair<Value, std::string> ca_sin() {
    const std::string payload = from("12345679", 1) + digits(7);
    const std::string d = payload + luhn_digit(payload);
    const int fmt = uniform(0, 2);
    const std::string v = fmt == 0 ? d : grouped_3_3_3(d, fmt == 1 ? ' ' : '-');
    return with_forms(make("CA_SIN", fmt == 0 ? "compact" : "grouped", v,
                           {"My SIN is {v}.", "Social Insurance Number: {v}",
                            "Canadian SIN {v} is on the tax slip."}));
  }

  // ---- Nigeria ----
  std::pair<Value, std::string> ng_nin() {
    const std::string p = digits(10, true);
    const std::string v = p + completing_digit(p, verhoeff_ok);
    return make("NG_NIN", "NIN", v,
                {"My NIN is {v}.", "NIMC National Identification Number: {v}",
                 "Nigerian NIN {v} was verified yesterday."});
  }

  std::pair<Value, std::string> ng_plate() {
    static const std::vector<std::string> kLga = {"KJA", "LND", "EKY", "FKJ", "AGL", "ABJ",
                                                  "GGE", "KRD", "BDG", "APP", "SMK", "LSD"};
    const std::string v = pick(kLga) + (uniform(0, 1) ? "-" : " ") + digits(3) + letters(2);
    return make("NG_VEHICLE_REGISTRATION", "LGA-123AB", v,
                {"The vehicle plate number is {v}.", "Plate: {v} (Lagos)",
                 "Vehicle registration {v} was flagged."});
  }

  // ---- Philippines ----
  // TIN: the ninth digit is the weighted sum (9..2) of the first eight mod
  // 11; an optional branch code follows.
  std::pair<Value, std::string> ph_tin() {
    std::string d;
    int check;
    do {
      d = digits(8, true);
      check = weighted_sum(d, {9, 8, 7, 6, 5, 4, 3, 2}) % 11;
    } while (check == 10);
    d += static_cast<char>('0' + check);
    const int fmt = uniform(0, 2);
    const std::string v = fmt == 0   ? d
                          : fmt == 1 ? grouped_3_3_3(d, '-')
                                     : grouped_3_3_3(d, '-') + "-000";
    return with_forms(
        make("PH_TIN",
             fmt == 0   ? "compact"
             : fmt == 1 ? "dashed"
                        : "with branch",
             v, {"My TIN is {v}.", "BIR TIN: {v}", "Taxpayer Identification Number {v} (BIR)"}));
  }

  // ---- Turkey ----
  // Province 01-81, 1-3 letters without Q W X (one letter: 4 digits, two: 3-4,
  // three: 2-3).
  std::pair<Value, std::string> tr_plate() {
    const char* kLetters = "ABCDEFGHIJKLMNOPRSTUVYZ";
    const int n = uniform(1, 3);
    const int nd = n == 1 ? 4 : n == 2 ? uniform(3, 4) : uniform(2, 3);
    const std::string v = two(uniform(1, 81)) + " " + from(kLetters, n) + " " + digits(nd, true);
    return make("TR_LICENSE_PLATE", std::to_string(n) + " letters", v,
                {"Aracımın plakası {v}.", "Plaka: {v}", "My car's plate number is {v}."});
  }

  // ---- UK vehicles ----
  std::pair<Value, std::string> uk_vehicle() {
    const char* kArea = "ABCDEFGHJKLMNOPRSTUVWXY";
    const char* kTail = "ABCDEFGHJKLMNOPRSTUVWXYZ";
    std::string v, variant;
    if (uniform(0, 3) > 0) {
      const int age = uniform(0, 1) ? uniform(2, 25) : uniform(51, 75);
      v = from(kArea, 2) + two(age) + (uniform(0, 3) ? " " : "") + from(kTail, 3);
      variant = "current";
    } else {
      v = from("ABCDEFGHJKLMNPRSTVWXY", 1) + std::to_string(uniform(1, 999)) + " " +
          from(kArea, 1) + from(kTail, 2);
      variant = "prefix";
    }
    return make("UK_VEHICLE_REGISTRATION", variant, v,
                {"My car's registration is {v}.", "Vehicle reg: {v}",
                 "The DVLA has {v} registered to my address."});
  }

  // ---- South Africa ----
  // YYMMDD, sequence (gender), citizenship 0/1, 8, Luhn check digit.
  std::pair<Value, std::string> za_id() {
    const int y = uniform(1940, 2005), m = uniform(1, 12), dd = uniform(1, days_in(y, m));
    const std::string p =
        two(y % 100) + two(m) + two(dd) + digits(4) + std::to_string(uniform(0, 1)) + "8";
    const std::string v = p + luhn_digit(p);
    return make("ZA_ID_NUMBER", "13 digits", v,
                {"My South African ID number is {v}.", "RSA ID: {v}",
                 "Identity number {v} (South Africa)"});
  }

  std::mt19937_64 rng_;
  std::vector<size_t> deck_;
  size_t deck_pos_ = 0;
};

// The fake cloud answers with the first placeholder of every type, separated
// by " | " and split into small pieces (placeholders cut mid-way when streamed).
std::vector<std::string> answer_types() {
  std::vector<std::string> t;
  for (const auto& [type, make] : PiiGenerator::kinds()) t.push_back(type);
  return t;
}
std::string placeholder(const std::string& type) {
  return "<" + type + "_1>";
}
std::vector<std::string> split_answer(const std::string& text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size(); i += 7) out.push_back(text.substr(i, 7));
  return out;
}
std::vector<std::string> slots_of(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    const size_t bar = text.find(" | ", pos);
    out.push_back(text.substr(pos, bar == std::string::npos ? std::string::npos : bar - pos));
    if (bar == std::string::npos) return out;
    pos = bar + 3;
  }
}

std::string tag_of(int i) {
  // Letters only (no detector reports a lower-case word), scrambled.
  uint64_t x = static_cast<uint64_t>(i) * 2654435761u % 308915776u;  // 26^6
  std::string s;
  for (int k = 0; k < 6; ++k) {
    s += static_cast<char>('a' + x % 26);
    x /= 26;
  }
  return s;
}

class LeakSweep : public ::testing::Test {
 protected:
  config::Config config() {
    // Policy for the sweep: no rule keeps anything on the host; every finding
    // of any category is pseudonymized before a cloud target sees it.
    return dir.config(
        false,
        "policy:\n  routes:\n"
        "    cheap: {targets: [cloud-mini, demo]}\n"
        "    private: {targets: [demo]}\n"
        "  intents: {public_fact: cheap, sensitive_extraction: private, complex_reasoning: cheap, "
        "uncertain: private}\n"
        "  rules:\n"
        "    - {when: {categories: [PII, PHI, SECRET, CODE]}, pii: pseudonymize}\n",
        "  cloud-mini:\n    engine: http\n    urls: [" + cloud.url() +
            "]\n    upstream_model: cloud-mini-2026-01-01\n    egress: cloud\n    retries: 0\n");
  }

  json body(const Generated& g, bool stream) {
    json j = {{"model", "cheap"}, {"messages", g.messages}, {"max_tokens", 64}, {"seed", 5}};
    if (stream) j["stream"] = true;
    return j;
  }

  AuditDir dir;
  FakeOpenAI cloud;
};

TEST_F(LeakSweep, NoOriginalValueReachesTheCloudAndAnswersAreRestored) {
  uint64_t seed = kDefaultSeed;
  if (const char* s = std::getenv("PERIMETER_LEAK_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::cout << "[ leak sweep ] seed " << seed << " (PERIMETER_LEAK_SEED=" << seed
            << " replays it), " << kRequests << " requests" << std::endl;
  RecordProperty("seed", std::to_string(seed));

  // 10,000 access-log lines would dominate the run time and the output.
  const auto log_level = spdlog::get_level();
  spdlog::set_level(spdlog::level::warn);
  struct RestoreLevel {
    spdlog::level::level_enum level;
    ~RestoreLevel() { spdlog::set_level(level); }
  } restore_level{log_level};

  const auto t0 = std::chrono::steady_clock::now();
  PiiGenerator gen(seed);
  std::vector<Generated> reqs;
  reqs.reserve(kRequests);
  for (int i = 0; i < kRequests; ++i) reqs.push_back(gen.request(tag_of(i)));

  const std::vector<std::string> types = answer_types();
  std::string answer;
  for (const auto& t : types) answer += (answer.empty() ? "" : " | ") + placeholder(t);
  cloud.set_answer(split_answer(answer));
  Running server(config());

  // Every tenth request streams; the answer text is what the client reads.
  std::vector<int> status(kRequests, 0);
  std::vector<std::string> texts(kRequests);
  auto send = [&](testing::HttpSession& session, int i) {
    const bool stream = i % 10 == 3;
    try {
      const auto r = session.post_chat(body(reqs[static_cast<size_t>(i)], stream));
      status[static_cast<size_t>(i)] = r.status;
      if (r.status != 200) {
        texts[static_cast<size_t>(i)] = r.body;
      } else {
        texts[static_cast<size_t>(i)] =
            stream ? testing::sse_content(r.body)
                   : r.json()["choices"][0]["message"]["content"].get<std::string>();
      }
    } catch (const std::exception& e) {
      status[static_cast<size_t>(i)] = -1;
      texts[static_cast<size_t>(i)] = e.what();
    }
  };

  // 1. A sequential sample: each answer is checked against the placeholders
  //    that request really sent (the fake's last recorded request).
  {
    testing::HttpSession session(server.port());
    int checked = 0;
    for (int i = 0; i < kSequentialSample; ++i) {
      send(session, i);
      const auto& g = reqs[static_cast<size_t>(i)];
      ASSERT_EQ(status[static_cast<size_t>(i)], 200)
          << "request " << i << ": " << texts[static_cast<size_t>(i)];
      ASSERT_EQ(cloud.request_count(), static_cast<size_t>(i + 1))
          << "request " << i << " did not reach the cloud: " << g.messages.dump();
      const std::string sent = cloud.requests().back();
      const auto slots = slots_of(texts[static_cast<size_t>(i)]);
      ASSERT_EQ(slots.size(), types.size()) << texts[static_cast<size_t>(i)];
      for (size_t k = 0; k < types.size(); ++k) {
        const std::string ph = placeholder(types[k]);
        if (sent.find(ph) == std::string::npos) {
          EXPECT_EQ(slots[k], ph) << "request " << i << ": an unknown placeholder was replaced";
          continue;
        }
        ++checked;
        EXPECT_NE(slots[k], ph) << "request " << i << ": " << ph
                                << " was sent but not restored in the answer";
        EXPECT_TRUE(!slots[k].empty() && g.all_text.find(slots[k]) != std::string::npos)
            << "request " << i << ": " << ph << " restored to '" << slots[k]
            << "', which is not in the request: " << g.messages.dump();
      }
    }
    EXPECT_GT(checked, kSequentialSample) << "the sample restored too few placeholders";
    std::cout << "[ leak sweep ] sample: " << kSequentialSample << " requests, " << checked
              << " placeholders restored and checked" << std::endl;
  }

  // 2. The rest, concurrently over a few keep-alive connections.
  const auto t_send = std::chrono::steady_clock::now();
  std::atomic<int> next{kSequentialSample};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      testing::HttpSession session(server.port());
      for (int i = next++; i < kRequests; i = next++) send(session, i);
    });
  }
  for (auto& t : clients) t.join();
  const double send_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_send).count();

  int not_ok = 0;
  for (int i = 0; i < kRequests; ++i) {
    if (status[static_cast<size_t>(i)] == 200) continue;
    if (++not_ok <= 5)
      ADD_FAILURE() << "request " << i << " answered " << status[static_cast<size_t>(i)] << ": "
                    << texts[static_cast<size_t>(i)];
  }
  ASSERT_EQ(not_ok, 0) << "requests not answered 200";
  ASSERT_EQ(cloud.request_count(), static_cast<size_t>(kRequests))
      << "every request must reach the cloud";

  // Every answer slot is its placeholder (nothing of that type was sent) or
  // a value from the request's own text: never another request's value.
  int foreign = 0;
  for (int i = kSequentialSample; i < kRequests; ++i) {
    const auto slots = slots_of(texts[static_cast<size_t>(i)]);
    const auto& g = reqs[static_cast<size_t>(i)];
    if (slots.size() != types.size()) {
      if (++foreign <= 5)
        ADD_FAILURE() << "request " << i << " answer: " << texts[static_cast<size_t>(i)];
      continue;
    }
    for (size_t k = 0; k < types.size(); ++k) {
      if (slots[k] == placeholder(types[k]) ||
          (!slots[k].empty() && g.all_text.find(slots[k]) != std::string::npos))
        continue;
      if (++foreign <= 5)
        ADD_FAILURE() << "request " << i << ": " << placeholder(types[k]) << " restored to '"
                      << slots[k] << "', not in the request: " << g.messages.dump();
    }
  }
  EXPECT_EQ(foreign, 0) << "answers restored with values that are not the request's own";

  // 3. The leak check. Map each recorded upstream request to ours by its tag.
  const auto t_check = std::chrono::steady_clock::now();
  const std::vector<std::string> upstream = cloud.requests();
  std::unordered_map<std::string, int> by_tag;
  for (int i = 0; i < kRequests; ++i) by_tag[tag_of(i)] = i;
  ASSERT_EQ(by_tag.size(), static_cast<size_t>(kRequests)) << "tags must be unique";
  std::vector<int> upstream_of(kRequests, -1);
  for (size_t u = 0; u < upstream.size(); ++u) {
    const size_t p = upstream[u].find("(case ");
    ASSERT_NE(p, std::string::npos) << "an upstream request without its tag: " << upstream[u];
    const auto it = by_tag.find(upstream[u].substr(p + 6, 6));
    ASSERT_NE(it, by_tag.end()) << upstream[u];
    ASSERT_EQ(upstream_of[static_cast<size_t>(it->second)], -1)
        << "request " << it->second << " reached the cloud twice";
    upstream_of[static_cast<size_t>(it->second)] = static_cast<int>(u);
  }

  struct Tally {
    int generated = 0, leaked = 0;
    int labelled = 0;  // its request went out with a placeholder of the value's own type
    std::string example;
  };
  std::map<std::string, Tally> tally;  // "TYPE (variant)"
  std::map<std::string, Tally> lists;  // "list ', '", "csv table mixed", ...
  std::set<std::string> leaked_forms;
  // Three leaks per type and variant are shown; PERIMETER_LEAK_REPORT_ALL=1 shows every one.
  const int shown = std::getenv("PERIMETER_LEAK_REPORT_ALL") ? INT32_MAX : 3;
  auto report = [&](int i, const Value& v, const std::string& form, const std::string& where) {
    Tally& t = tally[v.type + " (" + v.variant + ")"];
    if (++t.leaked == 1) t.example = v.text;
    if (!v.list.empty() && ++lists[v.list].leaked == 1)
      lists[v.list].example = v.type + " '" + v.text + "'";
    leaked_forms.insert(form);
    if (t.leaked <= shown)
      ADD_FAILURE() << "LEAK: " << v.type << " (" << v.variant << ") value '" << v.text << "'"
                    << (form != v.text ? " as '" + form + "'" : std::string())
                    << (v.list.empty() ? std::string() : ", an item of a " + v.list)
                    << " reached the cloud.\n  request " << i << ": "
                    << reqs[static_cast<size_t>(i)].messages.dump() << "\n  " << where;
  };
  size_t values = 0;
  for (int i = 0; i < kRequests; ++i) {
    const std::string& sent = upstream[static_cast<size_t>(upstream_of[static_cast<size_t>(i)])];
    const size_t h = sent.find("\r\n\r\n");
    for (const auto& v : reqs[static_cast<size_t>(i)].values) {
      ++values;
      Tally& t = tally[v.type + " (" + v.variant + ")"];
      ++t.generated;
      if (!v.list.empty()) ++lists[v.list].generated;
      if (sent.find("<" + v.type + "_") != std::string::npos) ++t.labelled;
      for (const auto& f : v.forms) {
        if (sent.find(f) == std::string::npos) continue;
        report(i, v, f, "sent upstream: " + (h == std::string::npos ? sent : sent.substr(h + 4)));
        break;
      }
    }
  }

  // Any value in any recorded byte (headers, other requests, partial reads):
  // one pass over everything the fake received, looking up the first K bytes
  // at each offset among the values' first K bytes.
  const std::string all = cloud.received();
  size_t k = SIZE_MAX;
  for (const auto& g : reqs)
    for (const auto& v : g.values)
      for (const auto& f : v.forms) k = std::min(k, f.size());
  ASSERT_GE(k, 5u) << "a value shorter than 5 bytes cannot be told from ordinary text";
  std::unordered_map<std::string_view, std::vector<std::pair<int, const Value*>>> by_prefix;
  for (int i = 0; i < kRequests; ++i)
    for (const auto& v : reqs[static_cast<size_t>(i)].values)
      for (const auto& f : v.forms) by_prefix[std::string_view(f).substr(0, k)].push_back({i, &v});
  size_t hits = 0;
  for (size_t p = 0; p + k <= all.size(); ++p) {
    const auto it = by_prefix.find(std::string_view(all).substr(p, k));
    if (it == by_prefix.end()) continue;
    for (const auto& [i, v] : it->second) {
      for (const auto& f : v->forms) {
        if (all.compare(p, f.size(), f) != 0 || leaked_forms.count(f)) continue;
        ++hits;
        report(i, *v, f,
               "found in the recorded bytes at offset " + std::to_string(p) + ": ..." +
                   all.substr(p >= 80 ? p - 80 : 0, 200) + "...");
      }
    }
  }
  const double check_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_check).count();

  int leaks = 0;
  std::cout << "[ leak sweep ] " << values << " values in " << kRequests << " requests, "
            << all.size() << " bytes recorded by the fake cloud\n";
  for (const auto& [name, t] : tally) {
    leaks += t.leaked;
    std::cout << "  " << name << ": " << t.generated << " generated, " << t.labelled
              << " sent as their own type, " << t.leaked << " leaked"
              << (t.leaked ? " (e.g. '" + t.example + "')" : std::string()) << "\n";
  }
  const char* all_lists = std::getenv("PERIMETER_LEAK_LISTS");
  int listed = 0;
  for (const auto& [form, t] : lists) listed += t.generated;
  std::cout << "[ leak sweep ] " << listed << " of the " << values
            << " values were items of lists or tables"
            << (all_lists && std::string(all_lists) == "all" ? ""
                                                             : " (known leaking forms left out)")
            << ":\n";
  for (const auto& [form, t] : lists)
    std::cout << "  " << form << ": " << t.generated << " values, " << t.leaked << " leaked"
              << (t.leaked ? " (e.g. " + t.example + ")" : std::string()) << "\n";
  std::cout << "[ leak sweep ] concurrent part " << send_s << " s, check " << check_s
            << " s, total "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s"
            << std::endl;
  EXPECT_EQ(leaks, 0) << "original values reached the cloud (seed " << seed << ")";

  // Per type: generated, and at least once sent out under a placeholder of
  // its own type. A value masked only by some other rule would hide a type
  // whose own rule no longer finds anything.
  std::map<std::string, std::pair<int, int>> per_type;  // type: generated, labelled
  for (const auto& [name, t] : tally) {
    auto& pt = per_type[name.substr(0, name.find(" ("))];
    pt.first += t.generated;
    pt.second += t.labelled;
  }
  for (const auto& [type, make] : PiiGenerator::kinds()) {
    EXPECT_GT(per_type[type].first, 0) << type << " was never generated";
    EXPECT_GT(per_type[type].second, 0) << type << " was never sent out as <" << type << "_n>";
  }
}

}  // namespace
}  // namespace perimeter::http
