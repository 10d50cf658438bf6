// Egress and response transforms: replace what the detector found before a
// request leaves the host, and put the originals back into the answer, also
// while it streams. The mapping lives in memory only, for one request.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "detect/detector.h"

namespace perimeter::redact {

enum class Mode {
  Pseudonymize,  // "<EMAIL_ADDRESS_1>": stable per value, reversible
  Mask,          // letters and digits become '*', separators stay: irreversible
  Drop,          // the value is removed: irreversible
};

// "pseudonymize" / "mask" / "drop"; throws std::invalid_argument otherwise.
Mode parse_mode(std::string_view name);

struct RedactOptions {
  Mode mode = Mode::Pseudonymize;
  // Entity types left in place. Dates and plain URLs are rarely identifying
  // alone; code is the request's subject and cannot be replaced by a token.
  std::set<std::string> keep_types = {"DATE_TIME", "URL", "CODE"};
};

// One replacement made in a message.
struct Replacement {
  int message;
  size_t start, end;        // byte span in the original message
  std::string type;         // entity type
  std::string replacement;  // placeholder, mask or ""
};

// Per-request: the same value always gets the same placeholder, within and
// across messages, for as long as this object lives. Not thread-safe.
class Pseudonymizer {
 public:
  explicit Pseudonymizer(RedactOptions options = {});
  ~Pseudonymizer();  // wipes the originals it holds
  Pseudonymizer(const Pseudonymizer&) = delete;
  Pseudonymizer& operator=(const Pseudonymizer&) = delete;

  // `messages` with every finding's span replaced (overlapping findings: the
  // earlier, then longer one wins). Findings must index into `messages`.
  std::vector<std::string> apply(const std::vector<std::string_view>& messages,
                                 const std::vector<detect::Finding>& findings);

  // Replacements made so far, in order.
  const std::vector<Replacement>& replacements() const { return replacements_; }

  // placeholder -> original value, for every placeholder handed out so far.
  const std::map<std::string, std::string>& mapping() const { return by_placeholder_; }

  // {"<EMAIL_ADDRESS_1>": "bob@example.com", ...}
  nlohmann::json mapping_json() const;

  // `text` with every known placeholder replaced by its original.
  std::string reidentify(std::string_view text) const;

 private:
  std::string placeholder_for(const std::string& type, std::string_view value);

  RedactOptions options_;
  std::map<std::string, std::string> by_value_;        // type \0 value -> placeholder
  std::map<std::string, std::string> by_placeholder_;  // placeholder -> value
  std::map<std::string, int> counters_;
  std::vector<Replacement> replacements_;
};

// Stream-safe re-identification: feed answer chunks as they arrive; what it
// returns is final and safe to send, and a placeholder split across chunks is
// held back until it is complete. Not thread-safe; one per streamed answer.
class Reidentifier {
 public:
  // `mapping` is placeholder -> original (Pseudonymizer::mapping()).
  explicit Reidentifier(std::map<std::string, std::string> mapping);
  ~Reidentifier();

  // Text that can be emitted now; holds back at most one placeholder's length.
  std::string feed(std::string_view chunk);

  // Everything still held back (an incomplete placeholder is emitted as is).
  std::string finish();

 private:
  std::map<std::string, std::string> mapping_;
  std::string pending_;
  size_t max_len_ = 0;
};

}  // namespace perimeter::redact
