// Strict reading of one YAML mapping: typed getters whose errors name the key
// path and the rule, and a final check that rejects keys nobody asked for.
// Every config section (ours and other modules') is read through this.
#pragma once

#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace perimeter::config {

// A configuration problem; the message is "<key path>: <rule>".
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class MapReader {
 public:
  // Reads `node` as a mapping found at `path` ("" for the document root);
  // throws ConfigError if it is not a mapping (a null node counts as empty).
  MapReader(const YAML::Node& node, std::string path);

  // Key path of `key` inside this mapping, e.g. "models.extractor.slots".
  std::string path_of(const std::string& key) const;

  // True if `key` is present (and marks it as known).
  bool has(const std::string& key);

  // The raw child node (marks it as known); undefined node if absent.
  YAML::Node child(const std::string& key);

  // Keys of this mapping, in document order.
  std::vector<std::string> keys() const;

  std::optional<std::string> get_string(const std::string& key);
  std::optional<long long> get_int(const std::string& key, long long min, long long max);
  std::optional<double> get_double(const std::string& key);
  std::optional<bool> get_bool(const std::string& key);
  std::optional<std::vector<std::string>> get_string_list(const std::string& key);

  // Throws ConfigError for `key` with `rule` as the message tail.
  [[noreturn]] void fail(const std::string& key, const std::string& rule) const;

  // Throws ConfigError naming the first key that no getter asked for.
  void reject_unknown() const;

 private:
  YAML::Node node_;
  std::string path_;
  std::set<std::string> known_;
};

}  // namespace perimeter::config
