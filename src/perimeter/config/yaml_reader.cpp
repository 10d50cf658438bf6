#include "config/yaml_reader.h"

namespace perimeter::config {
namespace {

std::string where(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return "";
  return " (line " + std::to_string(m.line + 1) + ")";
}

}  // namespace

MapReader::MapReader(const YAML::Node& node, std::string path)
    : node_(node), path_(std::move(path)) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap())
    throw ConfigError((path_.empty() ? "document" : path_) + ": must be a mapping" + where(node_));
}

std::string MapReader::path_of(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool MapReader::has(const std::string& key) {
  known_.insert(key);
  return node_.IsMap() && node_[key].IsDefined() && !node_[key].IsNull();
}

YAML::Node MapReader::child(const std::string& key) {
  known_.insert(key);
  if (!node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return node_[key];
}

std::vector<std::string> MapReader::keys() const {
  std::vector<std::string> out;
  if (!node_.IsMap()) return out;
  for (const auto& kv : node_) out.push_back(kv.first.as<std::string>());
  return out;
}

void MapReader::fail(const std::string& key, const std::string& rule) const {
  std::string loc;
  if (node_.IsMap() && node_[key].IsDefined()) loc = where(node_[key]);
  throw ConfigError(path_of(key) + ": " + rule + loc);
}

std::optional<std::string> MapReader::get_string(const std::string& key) {
  if (!has(key)) return std::nullopt;
  YAML::Node n = node_[key];
  if (!n.IsScalar()) fail(key, "must be a string");
  return n.Scalar();
}

std::optional<long long> MapReader::get_int(const std::string& key, long long min, long long max) {
  if (!has(key)) return std::nullopt;
  YAML::Node n = node_[key];
  long long v;
  if (!n.IsScalar() || !YAML::convert<long long>::decode(n, v)) fail(key, "must be an integer");
  if (v < min || v > max)
    fail(key, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return v;
}

std::optional<double> MapReader::get_double(const std::string& key) {
  if (!has(key)) return std::nullopt;
  YAML::Node n = node_[key];
  double v;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v)) fail(key, "must be a number");
  return v;
}

std::optional<bool> MapReader::get_bool(const std::string& key) {
  if (!has(key)) return std::nullopt;
  YAML::Node n = node_[key];
  bool v;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) fail(key, "must be true or false");
  return v;
}

std::optional<std::vector<std::string>> MapReader::get_string_list(const std::string& key) {
  if (!has(key)) return std::nullopt;
  YAML::Node n = node_[key];
  if (!n.IsSequence()) fail(key, "must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : n) {
    if (!item.IsScalar()) fail(key, "must be a list of strings");
    out.push_back(item.Scalar());
  }
  return out;
}

void MapReader::reject_unknown() const {
  for (const auto& k : keys())
    if (!known_.count(k))
      throw ConfigError(path_of(k) + ": unknown key" + where(node_[k]) +
                        "; check the spelling against docs/CONFIGURATION.md");
}

}  // namespace perimeter::config
