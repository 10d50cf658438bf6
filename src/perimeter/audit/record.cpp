#include "audit/record.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace perimeter::audit {
namespace {

using nlohmann::json;

json model_json(const ModelRef& m) {
  json j = json::object();
  j["id"] = m.id;
  if (!m.sha256.empty()) j["sha256"] = m.sha256;
  if (!m.snapshot.empty()) j["snapshot"] = m.snapshot;
  if (!m.adapter.empty()) j["adapter"] = {{"name", m.adapter}, {"sha256", m.adapter_sha256}};
  return j;
}

ModelRef model_from(const json& j) {
  ModelRef m;
  if (!j.is_object()) return m;
  m.id = j.value("id", "");
  m.sha256 = j.value("sha256", "");
  m.snapshot = j.value("snapshot", "");
  if (j.contains("adapter") && j["adapter"].is_object()) {
    m.adapter = j["adapter"].value("name", "");
    m.adapter_sha256 = j["adapter"].value("sha256", "");
  }
  return m;
}

json sampling_json(const SamplingRecord& s) {
  json j = json::object();
  if (s.temperature) j["temperature"] = *s.temperature;
  if (s.top_p) j["top_p"] = *s.top_p;
  if (s.min_p) j["min_p"] = *s.min_p;
  if (s.top_k) j["top_k"] = *s.top_k;
  if (s.seed) j["seed"] = *s.seed;
  if (s.max_tokens) j["max_tokens"] = *s.max_tokens;
  return j;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

json to_json(const Decision& d) {
  json j = json::object();
  j["request_id"] = d.request_id;
  j["principal"] = d.principal;
  j["role"] = d.role;
  j["declared_sensitivity"] = d.declared_sensitivity;
  j["effective_sensitivity"] = d.effective_sensitivity;
  j["intent"] = d.intent;
  j["intent_confidence"] = d.intent_confidence;
  j["findings"] = json::object();
  for (const auto& [type, count] : d.findings) j["findings"][type] = count;
  j["route"] = d.route;
  j["backend"] = d.backend;
  j["egress"] = d.egress;
  j["transform"] = d.transform;
  j["model"] = model_json(d.model);
  j["sampling"] = sampling_json(d.sampling);
  if (!d.prompt_sha256.empty()) j["prompt_sha256"] = d.prompt_sha256;
  return j;
}

json to_json(const Outcome& o) {
  json j = json::object();
  j["request_id"] = o.request_id;
  j["principal"] = o.principal;
  j["role"] = o.role;
  j["route"] = o.route;
  j["backend"] = o.backend;
  j["egress"] = o.egress;
  j["model"] = model_json(o.model);
  j["prompt_tokens"] = o.prompt_tokens;
  j["completion_tokens"] = o.completion_tokens;
  j["cost"] = o.cost;
  j["latency_ms"] = o.latency_ms;
  j["status"] = o.status;
  j["finish_reason"] = o.finish_reason;
  if (!o.error_code.empty()) j["error_code"] = o.error_code;
  return j;
}

json to_json(const Fallback& f) {
  json j = json::object();
  j["request_id"] = f.request_id;
  j["principal"] = f.principal;
  j["route"] = f.route;
  j["from_backend"] = f.from_backend;
  j["to_backend"] = f.to_backend;
  j["egress"] = f.egress;
  j["reason"] = f.reason;
  j["categories"] = f.categories;
  j["transform"] = f.transform;
  j["model"] = model_json(f.model);
  j["flagged"] = true;
  return j;
}

Outcome outcome_from_json(const json& j) {
  Outcome o;
  if (!j.is_object()) return o;
  o.request_id = j.value("request_id", "");
  o.principal = j.value("principal", "");
  o.role = j.value("role", "");
  o.route = j.value("route", "");
  o.backend = j.value("backend", "");
  o.egress = j.value("egress", "");
  if (j.contains("model")) o.model = model_from(j["model"]);
  o.prompt_tokens = j.value("prompt_tokens", int64_t{0});
  o.completion_tokens = j.value("completion_tokens", int64_t{0});
  o.cost = j.value("cost", 0.0);
  o.latency_ms = j.value("latency_ms", 0.0);
  o.status = j.value("status", 0);
  o.finish_reason = j.value("finish_reason", "");
  o.error_code = j.value("error_code", "");
  return o;
}

std::string canonical(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string format_time_ms(int64_t unix_ms) {
  int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
  int ms = static_cast<int>(unix_ms - secs * 1000);
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

int64_t parse_time_ms(const std::string& s, int64_t now) {
  auto bad = [&]() -> std::runtime_error {
    return std::runtime_error("invalid time '" + s +
                              "': expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[.mmm]Z or an age "
                              "like 30m, 24h, 7d");
  };
  if (s.empty()) throw bad();
  // Relative age: digits followed by one unit letter.
  char unit = s.back();
  if ((unit == 's' || unit == 'm' || unit == 'h' || unit == 'd') && s.size() >= 2 &&
      s.find_first_not_of("0123456789") == s.size() - 1) {
    int64_t n = std::stoll(s.substr(0, s.size() - 1));
    int64_t mult = unit == 's' ? 1000 : unit == 'm' ? 60000 : unit == 'h' ? 3600000 : 86400000;
    return now - n * mult;
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0, used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) throw bad();
  if (s.size() > 10) {
    int used2 = 0;
    if ((s[10] != 'T' && s[10] != ' ') ||
        std::sscanf(s.c_str() + 11, "%2d:%2d:%2d%n", &h, &mi, &sec, &used2) != 3 || used2 != 8)
      throw bad();
    size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
      int frac = 0, digits = 0;
      ++pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (digits < 3) frac = frac * 10 + (s[pos] - '0'), ++digits;
        ++pos;
      }
      while (digits < 3) frac *= 10, ++digits;
      ms = frac;
    }
    if (pos < s.size() && s[pos] == 'Z') ++pos;
    if (pos != s.size()) throw bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) throw bad();
  int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60000 + sec * 1000LL + ms;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace perimeter::audit
