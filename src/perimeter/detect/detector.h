// Sensitivity detection: finds personal data (PII), health data (PHI),
// credentials (SECRET) and source code (CODE) in request text, and turns the
// findings into one sensitivity level that policy can route on.
//
// One Vectorscan database holds every candidate pattern and is scanned once per
// message; all validation (checksums, libphonenumber, context words, entropy)
// runs in C++ on the candidates only, so the cost is linear in the input.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace YAML {
class Node;
}

namespace perimeter::detect {

enum class Category { PII, PHI, SECRET, CODE };

// Ordered: a larger value is more sensitive.
enum class Sensitivity { Public = 0, Internal = 1, Confidential = 2, Restricted = 3 };

struct Finding {
  std::string type;  // entity type, e.g. "EMAIL_ADDRESS"
  Category category;
  int message;           // index into the scanned messages
  size_t start, end;     // byte offsets into that message, end exclusive, on code point boundaries
  double confidence;     // in [0, 1]
  std::string detector;  // the rule that produced it, e.g. "email", "luhn_card", "github_pat"
  bool context = false;  // a context word of its rule raised its confidence
};

struct DetectorOptions {
  // Entities to report; empty means every known entity.
  std::set<std::string> enabled;
  // Entities never reported, applied after `enabled`.
  std::set<std::string> disabled;
  // Findings below their entity's threshold (or `min_confidence`) are dropped.
  double min_confidence = 0.5;
  std::map<std::string, double> thresholds;
  // Values never reported, compared case-insensitively to the finding's text
  // (e.g. a support address everyone knows).
  std::set<std::string> allow_values;
  // Domains whose e-mail addresses and URLs are not reported (own domains);
  // subdomains are included.
  std::set<std::string> allow_domains;
  // Entity type or category name ("PII", "PHI", "SECRET", "CODE") -> level;
  // the entity entry wins over its category's.
  std::map<std::string, Sensitivity> sensitivity;
  // When true, overlapping findings are reduced to the best one per span, so
  // that redaction sees disjoint spans; evaluation of single recognizers turns
  // it off.
  bool resolve_overlaps = true;
  // Entity type -> words and phrases always reported as that type, with
  // confidence 1 (matched case-insensitively as whole words): project code
  // names, client names, internal host names. A type that is not built in
  // becomes a new one in category PII.
  std::map<std::string, std::vector<std::string>> deny_lists;
  // Regions (ISO 3166 codes libphonenumber knows, e.g. "TR") whose national
  // phone numbers, written without a country code, are reported as well.
  // International numbers are always recognized; national ones by default
  // for North America and the trunk-prefixed forms of GB, DE, FR, IL, AU, JP,
  // IN, CN and BR.
  std::vector<std::string> phone_regions;
  // Scan the rules that need a context word (below their threshold without
  // one) only around their context words. The findings are the same either
  // way; turning it off is for testing that.
  bool context_gating = true;
  // Minimum code-likeness score in [0, 1] for a CODE finding.
  double code_threshold = 0.5;
};

// Every entity type this build can report, with its category.
const std::map<std::string, Category>& known_entities();

// "PII" / "PHI" / "SECRET" / "CODE".
const char* category_name(Category c);

// "public" / "internal" / "confidential" / "restricted".
const char* sensitivity_name(Sensitivity s);

// Parses a level name (case-insensitive); throws std::invalid_argument if unknown.
Sensitivity parse_sensitivity(std::string_view name);

// The defaults of DetectorOptions plus the default sensitivity mapping
// (SECRET, PHI -> restricted; government IDs, financial accounts, CODE ->
// confidential; contact details -> internal).
DetectorOptions default_detector_options();

// Reads a `detect:` config section over the defaults. Throws
// std::runtime_error whose message starts with the offending key path (under
// `key_path`) and states the rule; unknown keys are errors.
DetectorOptions parse_detector_options(const YAML::Node& node, const std::string& key_path);

class Detector {
 public:
  // Compiles the pattern database; throws std::runtime_error if options name
  // an unknown entity or the database fails to compile.
  static std::unique_ptr<Detector> create(const DetectorOptions& options);
  virtual ~Detector() = default;

  // Findings in all `messages`, sorted by (message, start, end). Safe to call
  // from many threads at once; time is linear in the total input size. Any
  // bytes are accepted: invalid UTF-8 never yields an offset inside a code point.
  virtual std::vector<Finding> scan(const std::vector<std::string_view>& messages) const = 0;

  // The options this detector was created with.
  virtual const DetectorOptions& options() const = 0;
};

// The most sensitive level implied by `findings` under the options' mapping;
// Public when there are none.
Sensitivity sensitivity_of(const std::vector<Finding>& findings, const DetectorOptions& options);

// max(detected, declared, floor): a caller's declaration can raise, never lower.
inline Sensitivity effective_sensitivity(Sensitivity detected, Sensitivity declared,
                                         Sensitivity role_floor) {
  Sensitivity s = detected > declared ? detected : declared;
  return s > role_floor ? s : role_floor;
}

// {"findings":[{"type","category","message","start","end","confidence","detector"}],
//  "sensitivity":"..."}
nlohmann::json to_json(const std::vector<Finding>& findings, Sensitivity sensitivity);

}  // namespace perimeter::detect
