#include "pii_eval.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

namespace perimeter::pii_eval {
namespace {

using detect::Detector;
using detect::DetectorOptions;
using detect::Finding;

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

// byte offset of each code point index (plus one past the end).
std::vector<size_t> cp_to_byte(const std::string& s) {
  std::vector<size_t> map;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) map.push_back(i);
  }
  map.push_back(s.size());
  return map;
}

// Findings of the wanted types; same-type overlaps reduced to the best one.
std::vector<Finding> of_types(std::vector<Finding> f, const std::set<std::string>& types) {
  std::vector<Finding> v;
  for (auto& x : f) {
    if (types.count(x.type)) v.push_back(std::move(x));
  }
  std::sort(v.begin(), v.end(), [](const Finding& a, const Finding& b) {
    if (a.confidence != b.confidence) return a.confidence > b.confidence;
    return a.end - a.start > b.end - b.start;
  });
  std::vector<Finding> kept;
  for (auto& x : v) {
    bool overlap = false;
    for (auto& k : kept)
      overlap = overlap || (x.type == k.type && x.start < k.end && k.start < x.end);
    if (!overlap) kept.push_back(std::move(x));
  }
  return kept;
}

bool is_ner(const nlohmann::json& row) {
  if (!row.contains("recognizer") || row["recognizer"].is_null()) return false;
  std::string r = row["recognizer"];
  return r == "SpacyRecognizer" || r == "StanzaRecognizer" || r == "TransformersRecognizer";
}

// A row whose test configured Presidio's PhoneRecognizer with regions (and
// perhaps its own label, e.g. TR_PHONE_NUMBER): the regions, as our
// `phone_regions` option takes them. False for any other row.
bool configured_phone_regions(const nlohmann::json& row, std::vector<std::string>& regions) {
  if (!row.contains("recognizer_args")) return false;
  const std::string args = row["recognizer_args"];
  const size_t at = args.find("supported_regions=");
  if (args.rfind("PhoneRecognizer(", 0) != 0 || at == std::string::npos) return false;
  regions.clear();
  // The quoted two-letter codes up to the end of the argument list.
  for (size_t q = args.find('\'', at); q != std::string::npos && q + 3 < args.size();
       q = args.find('\'', q + 4)) {
    if (args[q + 3] == '\'') regions.push_back(args.substr(q + 1, 2));
  }
  return true;
}

}  // namespace

PresidioReport eval_presidio(const std::string& path) {
  DetectorOptions opt = detect::default_detector_options();
  opt.min_confidence = 0;
  opt.resolve_overlaps = false;
  auto det = Detector::create(opt);
  // Detectors for rows that configure their recognizer (phone regions, a
  // deny list), one per configuration, keyed by its description.
  std::map<std::string, std::unique_ptr<Detector>> configured;
  auto configured_detector = [&](const std::string& key, const auto& configure) {
    auto& d = configured[key];
    if (!d) {
      DetectorOptions o = opt;
      configure(o);
      d = Detector::create(o);
    }
    return d.get();
  };
  auto joined = [](const std::vector<std::string>& v) {
    std::string k;
    for (const auto& x : v) k += x + '\x1f';
    return k;
  };
  PresidioReport rep;
  for (const std::string& line : read_lines(path)) {
    if (line.empty()) continue;
    auto row = nlohmann::json::parse(line);
    if (is_ner(row)) {
      ++rep.ner_rows;
      continue;
    }
    std::set<std::string> types;
    if (row["entity"].is_array()) {
      for (auto& e : row["entity"]) types.insert(e.get<std::string>());
    } else {
      std::string e = row["entity"];
      // Presidio's context sentences still use the recognizer's old entity
      // name for Singapore's FIN (SgFinRecognizer reported "FIN" / "NRIC").
      types.insert(e == "FIN" ? "SG_NRIC_FIN" : e);
    }
    std::string label = *types.begin();
    // A PhoneRecognizer configured with regions reports phone numbers under
    // the label the test gave it; ours reports them as PHONE_NUMBER.
    Detector* d = det.get();
    std::vector<std::string> regions;
    if (configured_phone_regions(row, regions)) {
      d = configured_detector("phone " + joined(regions),
                              [&](DetectorOptions& o) { o.phone_regions = regions; });
      types = {"PHONE_NUMBER"};
    } else if (row.contains("deny_list")) {
      // A PatternRecognizer with a deny list: our detect.deny_lists.
      auto words = row["deny_list"].get<std::vector<std::string>>();
      d = configured_detector("deny " + label + '\x1f' + joined(words),
                              [&](DetectorOptions& o) { o.deny_lists[label] = words; });
    }
    bool supported = true;
    for (auto& t : types)
      supported = supported && (detect::known_entities().count(t) || row.contains("deny_list"));
    Counts& ent = rep.per_entity[label];
    const std::string text = row["text"];
    const std::string kind = row["kind"];
    bool pass = false;
    std::string why;
    if (!supported) {
      rep.unsupported.insert(label);
      why = "entity not supported";
      if (kind == "analyze" && row["count"].get<int>() > 0) ent.fn += row["count"].get<int>();
    } else if (kind == "analyze") {
      auto found = of_types(d->scan({text}), types);
      int count = row["count"];
      auto map = cp_to_byte(text);
      std::vector<std::pair<size_t, size_t>> expected;
      if (row["expected"].is_array()) {
        for (auto& e : row["expected"])
          expected.emplace_back(map[e[0].get<size_t>()], map[e[1].get<size_t>()]);
      }
      int matched = 0;
      for (auto& e : expected) {
        for (auto& f : found) {
          if (f.start == e.first && f.end == e.second) {
            ++matched;
            break;
          }
        }
      }
      pass =
          static_cast<int>(found.size()) == count && matched == static_cast<int>(expected.size());
      int tp = expected.empty() ? std::min<int>(count, static_cast<int>(found.size())) : matched;
      ent.tp += tp;
      ent.fp += static_cast<int>(found.size()) - tp;
      ent.fn += count - tp;
      if (!pass) {
        why = "found";
        for (auto& f : found)
          why += " [" + std::to_string(f.start) + "," + std::to_string(f.end) + ")";
        why += " want " + std::to_string(count);
        for (auto& e : expected)
          why += " [" + std::to_string(e.first) + "," + std::to_string(e.second) + ")";
      }
    } else if (kind == "context_boost") {
      auto found = of_types(d->scan({text}), types);
      if (found.empty()) {
        why = "not found";
      } else {
        const Finding& f = found[0];
        auto alone = of_types(d->scan({text.substr(f.start, f.end - f.start)}), types);
        double without = alone.empty() ? 0 : alone[0].confidence;
        pass = f.confidence > without;
        if (!pass) why = "no boost";
      }
    } else if (kind == "validate") {
      if (row["valid"].is_null()) {
        pass = true;
      } else {
        auto found = of_types(d->scan({text}), types);
        bool whole = !found.empty() && found[0].start == 0 && found[0].end == text.size();
        pass = whole == row["valid"].get<bool>();
        if (!pass) why = "validate mismatch";
      }
    }
    ++ent.cases;
    ++rep.non_ner.cases;
    if (supported) ++rep.supported.cases;
    if (pass) {
      ++ent.passed;
      ++rep.non_ner.passed;
      if (supported) ++rep.supported.passed;
    } else if (supported) {
      rep.failures.push_back(label + " | " + kind + " | " + text.substr(0, 160) + " | " + why);
    }
  }
  return rep;
}

GitleaksReport eval_gitleaks(const std::string& path) {
  auto det = Detector::create(detect::default_detector_options());
  GitleaksReport rep;
  std::vector<nlohmann::json> rows;
  for (const std::string& line : read_lines(path)) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  // Positive texts per rule, to spot negatives that carry another rule's secret.
  std::vector<std::pair<std::string, std::string>> positives;
  for (const auto& r : rows) {
    if (r["positive"].get<bool>()) positives.emplace_back(r["rule"], r["text"]);
  }
  auto cross = [&](const std::string& rule, const std::string& text) {
    for (const auto& [r, t] : positives) {
      if (r != rule && t.size() >= 16 && text.find(t) != std::string::npos) return true;
    }
    return false;
  };
  for (const auto& row : rows) {
    const std::string text = row["text"];
    const std::string rule = row["rule"];
    bool hit = false;
    std::string why;  // detector and value of each SECRET finding, for --failures
    for (const auto& f : det->scan({text})) {
      if (f.category != detect::Category::SECRET) continue;
      hit = true;
      why += " [" + f.detector + ": " +
             text.substr(f.start, std::min<size_t>(f.end - f.start, 60)) + "]";
    }
    Counts& c = rep.per_rule[rule];
    ++c.cases;
    if (row["positive"].get<bool>()) {
      ++rep.positives;
      if (hit) {
        ++rep.detected;
        ++c.tp;
        ++c.passed;
      } else {
        ++c.fn;
        rep.misses.push_back(rule + " | " + text.substr(0, 200));
      }
    } else {
      ++rep.negatives;
      bool other = cross(rule, text);
      rep.cross_negatives += other;
      rep.cross_flagged += other && hit;
      if (hit) {
        ++rep.flagged;
        ++c.fp;
        const char* kind = other ? "[another rule's credential] " : "[other] ";
        rep.false_flags.push_back(kind + rule + " | " + text.substr(0, 200) + " ->" + why);
      } else {
        ++c.passed;
      }
    }
  }
  return rep;
}

// ---------------------------------------------------------------------------
// Template sentences with generated values.
namespace {

struct Gold {
  std::string type;
  size_t start, end;
};

class Faker {
 public:
  Faker(const std::string& names_dir, unsigned seed) : rng_(seed) {
    given_ = read_lines(names_dir + "/eval_given_names.txt");
    surnames_ = read_lines(names_dir + "/eval_surnames.txt");
  }
  int num(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(num(0, static_cast<int>(v.size()) - 1))];
  }
  std::string digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + num(0, 9));
    return s;
  }
  std::string first() { return pick(given_); }
  std::string last() { return pick(surnames_); }
  std::string person() {
    return num(0, 5) == 0 ? first() + " " + static_cast<char>('A' + num(0, 25)) + ". " + last()
                          : first() + " " + last();
  }
  std::string street_name() {
    static const std::vector<std::string> kSuf = {
        "Street",    "Avenue",  "Road",   "Lane",    "Drive", "Court",  "Way",  "Place",
        "Boulevard", "Terrace", "Circle", "Parkway", "Ridge", "Square", "Trail"};
    return (num(0, 1) ? last() : first()) + " " + pick(kSuf);
  }
  std::string building_number() { return std::to_string(num(1, 9999)); }
  std::string secondary() {
    return (num(0, 1) ? "Apt. " : "Suite ") + std::to_string(num(100, 999));
  }
  std::string city() {
    static const std::vector<std::string> k = {
        "Springfield", "Riverside", "Lake Jessica", "Port Andrew", "New Hannah", "Franklin",
        "Georgetown",  "Salem",     "Madison",      "Clinton",     "North Kevin"};
    return pick(k);
  }
  std::string state() {
    static const std::vector<std::string> k = {"CA", "NY", "TX", "WA", "IL",
                                               "MA", "FL", "OR", "NC"};
    return pick(k);
  }
  std::string address() {
    std::string a = building_number() + " " + street_name();
    if (num(0, 2) == 0) a += " " + secondary();
    a += (num(0, 1) ? "\n" : ", ") + city() + ", " + state() + " " + digits(5);
    return a;
  }
  std::string credit_card() {
    std::string prefix;
    int len = 16;
    switch (num(0, 3)) {
      case 0:
        prefix = "4";
        break;
      case 1:
        prefix = "5" + std::to_string(num(1, 5));
        break;
      case 2:
        prefix = num(0, 1) ? "34" : "37";
        len = 15;
        break;
      default:
        prefix = "6011";
        break;
    }
    std::string d = prefix + digits(len - 1 - static_cast<int>(prefix.size()));
    for (int c = 0; c < 10; ++c) {
      std::string t = d + static_cast<char>('0' + c);
      int sum = 0;
      bool dbl = false;
      for (size_t i = t.size(); i-- > 0;) {
        int x = t[i] - '0';
        if (dbl) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
        sum += x;
        dbl = !dbl;
      }
      if (sum % 10 == 0) {
        d = t;
        break;
      }
    }
    int style = num(0, 2);
    if (style == 0 || len != 16) return d;
    char sep = style == 1 ? ' ' : '-';
    return d.substr(0, 4) + sep + d.substr(4, 4) + sep + d.substr(8, 4) + sep + d.substr(12, 4);
  }
  std::string iban() {
    static const std::vector<std::pair<std::string, int>> k = {{"DE", 18}, {"ES", 20}, {"FR", 23},
                                                               {"IT", 23}, {"GB", 18}, {"NL", 14}};
    auto [cc, n] = pick(k);
    std::string bban;
    if (cc == "GB" || cc == "NL") {
      for (int i = 0; i < 4; ++i) bban += static_cast<char>('A' + num(0, 25));
      bban += digits(n - 4);
    } else if (cc == "IT") {
      bban = std::string(1, static_cast<char>('A' + num(0, 25))) + digits(n - 1);
    } else {
      bban = digits(n);
    }
    std::string rearranged = bban + cc + "00";
    unsigned rem = 0;
    for (char c : rearranged) {
      if (c >= '0' && c <= '9')
        rem = (rem * 10 + static_cast<unsigned>(c - '0')) % 97;
      else
        rem = (rem * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97;
    }
    unsigned check = 98 - rem;
    std::string out = cc + (check < 10 ? "0" : "") + std::to_string(check) + bban;
    if (num(0, 1)) {
      std::string g;
      for (size_t i = 0; i < out.size(); ++i) {
        if (i && i % 4 == 0) g += ' ';
        g += out[i];
      }
      out = g;
    }
    return out;
  }
  std::string ssn() {
    int area = num(1, 899);
    if (area == 666) area = 667;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%03d-%02d-%04d", area, num(1, 99), num(1, 9999));
    return buf;
  }
  std::string phone() {
    static const std::vector<std::string> areas = {"201", "202", "212", "213", "305", "312", "415",
                                                   "503", "617", "646", "702", "718", "801", "919"};
    std::string a = pick(areas), e = std::to_string(num(201, 989)), n = digits(4);
    switch (num(0, 5)) {
      case 0:
        return "(" + a + ") " + e + "-" + n;
      case 1:
        return a + "-" + e + "-" + n;
      case 2:
        return a + "." + e + "." + n;
      case 3:
        return "+1-" + a + "-" + e + "-" + n;
      case 4:
        return "+44 20 7" + digits(3) + " " + digits(4);
      default:
        return "001-" + a + "-" + e + "-" + n;
    }
  }
  std::string email() {
    static const std::vector<std::string> d = {"gmail.com", "yahoo.com", "example.org",
                                               "hotmail.com", "acme.io"};
    std::string f = first(), l = last();
    std::transform(f.begin(), f.end(), f.begin(), ::tolower);
    std::transform(l.begin(), l.end(), l.begin(), ::tolower);
    return (num(0, 1) ? f + "." + l : f.substr(0, 1) + l + std::to_string(num(1, 99))) + "@" +
           pick(d);
  }
  std::string ip() {
    if (num(0, 4) == 0)
      return "2001:db8:" + std::to_string(num(1, 9999)) + "::" + std::to_string(num(1, 99));
    return std::to_string(num(1, 223)) + "." + std::to_string(num(0, 255)) + "." +
           std::to_string(num(0, 255)) + "." + std::to_string(num(1, 254));
  }
  std::string url() {
    static const std::vector<std::string> w = {"johnson", "smith-lee", "garcia",
                                               "brown",   "data",      "shop"};
    static const std::vector<std::string> t = {"com", "org", "net", "info", "biz"};
    return (num(0, 1) ? "https://www." : "http://") + pick(w) + "." + pick(t) +
           (num(0, 1) ? "/" : "/category/index.html");
  }
  std::string date() {
    static const std::vector<std::string> m = {"January",   "February", "March",    "April",
                                               "May",       "June",     "July",     "August",
                                               "September", "October",  "November", "December"};
    int y = num(1940, 2005), mo = num(1, 12), d = num(1, 28);
    char buf[40];
    switch (num(0, 3)) {
      case 0:
        std::snprintf(buf, sizeof buf, "%02d/%02d/%d", mo, d, y);
        return buf;
      case 1:
        std::snprintf(buf, sizeof buf, "%d-%02d-%02d", y, mo, d);
        return buf;
      case 2:
        return m[static_cast<size_t>(mo - 1)] + " " + std::to_string(d) + ", " + std::to_string(y);
      default:
        return std::to_string(d) + " " + m[static_cast<size_t>(mo - 1)] + " " + std::to_string(y);
    }
  }
  std::string date_time() {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%d-%02d-%02d %02d:%02d:%02d", num(1970, 2024), num(1, 12),
                  num(1, 28), num(0, 23), num(0, 59), num(0, 59));
    return num(0, 1) ? std::string(buf) : date();
  }
  std::string driver_license() {
    return num(0, 1) ? std::string(1, static_cast<char>('A' + num(0, 25))) + digits(7) : digits(9);
  }

 private:
  std::mt19937 rng_;
  std::vector<std::string> given_, surnames_;
};

// (entity, value) for a slot; entity "" = not scored.
std::pair<std::string, std::string> fill(const std::string& slot, Faker& f) {
  if (slot == "person" || slot == "name" || slot == "name_female" || slot == "name_male") {
    return {"PERSON", f.person()};
  }
  if (slot.rfind("first_name", 0) == 0 || slot == "nation_woman") {
    return {slot == "nation_woman" ? "" : "PERSON",
            slot == "nation_woman" ? "Frenchwoman" : f.first()};
  }
  if (slot.rfind("last_name", 0) == 0) return {"PERSON", f.last()};
  if (slot == "prefix_male") return {"", "Mr."};
  if (slot == "prefix_female") return {"", f.num(0, 1) ? "Mrs." : "Ms."};
  if (slot == "prefix") return {"", "Dr."};
  if (slot == "address") return {"STREET_ADDRESS", f.address()};
  if (slot == "street_name") return {"", f.street_name()};
  if (slot == "building_number") return {"", f.building_number()};
  if (slot == "secondary_address") return {"", f.secondary()};
  if (slot == "credit_card_number") return {"CREDIT_CARD", f.credit_card()};
  if (slot == "iban") return {"IBAN_CODE", f.iban()};
  if (slot == "ssn") return {"US_SSN", f.ssn()};
  if (slot == "phone_number") return {"PHONE_NUMBER", f.phone()};
  if (slot == "email") return {"EMAIL_ADDRESS", f.email()};
  if (slot == "ip_address") return {"IP_ADDRESS", f.ip()};
  if (slot == "url") return {"URL", f.url()};
  if (slot == "us_driver_license") return {"US_DRIVER_LICENSE", f.driver_license()};
  if (slot == "date_of_birth") return {"DATE_OF_BIRTH", f.date()};
  if (slot == "date_time") return {"DATE_TIME", f.date_time()};
  if (slot == "city") return {"", f.city()};
  if (slot == "state_abbr") return {"", f.state()};
  if (slot == "zipcode" || slot == "postcode") return {"", f.digits(5)};
  if (slot == "country") return {"", f.num(0, 1) ? "Canada" : "Germany"};
  if (slot == "organization") return {"", f.num(0, 1) ? "Acme Corp" : "Globex LLC"};
  if (slot == "nationality" || slot == "nation_plural")
    return {"", f.num(0, 1) ? "Canadian" : "Germans"};
  if (slot == "job") return {"", "accountant"};
  if (slot == "age") return {"", std::to_string(f.num(18, 90))};
  if (slot == "year") return {"", std::to_string(f.num(1950, 2024))};
  if (slot == "day_of_week") return {"", "Monday"};
  return {"", "thing"};
}

bool same_family(const std::string& a, const std::string& b) {
  auto fam = [](const std::string& t) {
    return t == "DATE_OF_BIRTH" ? std::string("DATE_TIME") : t;
  };
  return fam(a) == fam(b);
}

}  // namespace

TemplateReport eval_templates(const std::string& templates_path, const std::string& names_dir,
                              int repeats, unsigned seed) {
  static const std::set<std::string> kScored = {
      "PERSON", "STREET_ADDRESS",    "CREDIT_CARD",   "IBAN_CODE",
      "US_SSN", "PHONE_NUMBER",      "EMAIL_ADDRESS", "IP_ADDRESS",
      "URL",    "US_DRIVER_LICENSE", "DATE_OF_BIRTH", "DATE_TIME"};
  auto det = Detector::create(detect::default_detector_options());
  Faker faker(names_dir, seed);
  TemplateReport rep;
  auto templates = read_lines(templates_path);
  for (int r = 0; r < repeats; ++r) {
    for (const std::string& tpl : templates) {
      if (tpl.find("{{") == std::string::npos) continue;
      std::string text;
      std::vector<Gold> gold;
      struct Slot {
        std::string name;
        size_t start, end;
      };
      std::vector<Slot> slots;
      size_t i = 0;
      while (i < tpl.size()) {
        if (tpl.compare(i, 2, "\\n") == 0) {
          text += '\n';
          i += 2;
          continue;
        }
        if (tpl.compare(i, 2, "{{") == 0) {
          size_t close = tpl.find("}}", i);
          if (close != std::string::npos) {
            std::string slot = tpl.substr(i + 2, close - i - 2);
            auto [type, value] = fill(slot, faker);
            size_t s = text.size();
            text += value;
            slots.push_back({slot, s, text.size()});
            if (!type.empty()) gold.push_back({type, s, text.size()});
            i = close + 2;
            continue;
          }
        }
        text += tpl[i++];
      }
      // "{{building_number}} {{street_name}}" is a street address.
      for (size_t k = 0; k + 1 < slots.size(); ++k) {
        if (slots[k].name == "building_number" && slots[k + 1].name == "street_name" &&
            slots[k + 1].start == slots[k].end + 1) {
          gold.push_back({"STREET_ADDRESS", slots[k].start, slots[k + 1].end});
        }
      }
      ++rep.sentences;
      auto found = det->scan({text});
      std::vector<bool> used(found.size(), false);
      for (const Gold& g : gold) {
        bool ok = false;
        for (size_t k = 0; k < found.size() && !ok; ++k) {
          const Finding& f = found[k];
          if (used[k] || !same_family(f.type, g.type)) continue;
          size_t a = std::max(f.start, g.start), b = std::min(f.end, g.end);
          size_t inter = b > a ? b - a : 0;
          size_t longer = std::max(f.end - f.start, g.end - g.start);
          if (static_cast<double>(inter) >= 0.75 * static_cast<double>(longer)) {
            used[k] = true;
            ok = true;
          }
        }
        Counts& c = rep.per_entity[g.type];
        if (ok) {
          ++c.tp;
          ++rep.total.tp;
        } else {
          ++c.fn;
          ++rep.total.fn;
          rep.errors.push_back("FN " + g.type + " '" + text.substr(g.start, g.end - g.start) +
                               "' in: " + text.substr(0, 200));
        }
      }
      for (size_t k = 0; k < found.size(); ++k) {
        if (used[k] || !kScored.count(found[k].type)) continue;
        ++rep.per_entity[found[k].type].fp;
        ++rep.total.fp;
        rep.errors.push_back("FP " + found[k].type + " '" +
                             text.substr(found[k].start, found[k].end - found[k].start) +
                             "' in: " + text.substr(0, 200));
      }
    }
  }
  return rep;
}

std::string corpus_prose(std::mt19937& rng, size_t n) {
  static const char* kWords[] = {
      "the",    "system",   "should", "respond", "within", "a",       "reasonable", "time",
      "and",    "we",       "expect", "results", "to",     "be",      "accurate",   "for",
      "every",  "request",  "that",   "users",   "send",   "through", "gateway",    "model",
      "answer", "question", "about",  "history", "of",     "science", "in",         "Europe",
      "during", "century",  "which",  "was"};
  std::string s;
  while (s.size() < n) {
    s += kWords[rng() % std::size(kWords)];
    s += (rng() % 12 == 0) ? ". " : " ";
  }
  return s.substr(0, n);
}

std::string corpus_mixed(std::mt19937& rng, size_t n) {
  static const char* kChunks[] = {
      "Please summarise the meeting notes from yesterday and list the action items. ",
      "for (int i = 0; i < n; ++i) {\n  total += values[i] * weights[i];\n}\n",
      "2024-03-15T14:30:00Z INFO request_id=8f3a2c served in 12ms status=200 path=/v1/chat\n",
      "Pt presented with chest pain, BP 140/90, started on aspirin 81 mg daily. Follow-up in 2 "
      "weeks. ",
      "The quarterly revenue grew by 12 percent compared to the previous period. ",
      "def handler(event):\n    return {'statusCode': 200, 'body': json.dumps(event)}\n",
  };
  std::string s;
  while (s.size() < n) s += kChunks[rng() % std::size(kChunks)];
  return s.substr(0, n);
}

// PII-dense text with fresh values each time (digits 'N' randomised), so no
// cache or branch predictor gets to see the same number twice.
std::string corpus_pii(std::mt19937& rng, size_t n) {
  static const char* kChunks[] = {
      "Patient: Maria Gonzalez, DOB 03/1N/19NN, MRN: 00NNNNNN, phone (415) 5NN-NNNN. ",
      "Contact jane.doeNNN@example.org or call +44 20 7NNN NNNN about order NNNN-NNNN. ",
      "My SSN is 1NN-NN-NNNN and my IBAN is GB82 WEST 1234 5698 7654 32. ",
      "export AWS_ACCESS_KEY_ID=AKIAQ3EGRUVW5XKZ7M2P\ndb_password = \"q8Zr3kP0xVbNLmNNwT5y\"\n",
      "Server 10.1.N.N and 2001:db8::N were contacted by Dr. Smith at NNNN Pennsylvania Avenue. ",
  };
  std::string s;
  while (s.size() < n) {
    std::string c = kChunks[rng() % std::size(kChunks)];
    for (char& ch : c) {
      if (ch == 'N') ch = static_cast<char>('0' + rng() % 10);
    }
    s += c;
  }
  return s.substr(0, n);
}

void dump_findings(const detect::Detector& d, const std::string& label, const std::string& text,
                   std::string& out) {
  char buf[128];
  for (const Finding& f : d.scan({text})) {
    out += label;
    std::snprintf(buf, sizeof buf, " %s %s %d %zu %zu %a ", f.type.c_str(),
                  detect::category_name(f.category), f.message, f.start, f.end, f.confidence);
    out += buf;
    out += f.detector;
    out += '\n';
  }
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace perimeter::pii_eval
