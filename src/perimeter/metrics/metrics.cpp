#include "metrics/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace perimeter::metrics {
namespace {

bool valid_name(const std::string& s, bool allow_colon) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, res.ptr);
}

std::string escape_label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// `{a="x",b="y"}` (plus an optional extra pair), or "" if there are no labels.
std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string& extra_name = "", const std::string& extra_value = "") {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i] + "=\"" + escape_label(values[i]) + "\"";
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name + "=\"" + escape_label(extra_value) + "\"";
  }
  return out + "}";
}

const char* type_name(Type t) {
  return t == Type::Counter ? "counter" : t == Type::Gauge ? "gauge" : "histogram";
}

template <class T>
std::unique_ptr<T> make_series(const std::vector<double>& bounds) {
  if constexpr (std::is_same_v<T, Histogram>)
    return std::make_unique<Histogram>(bounds);
  else
    return std::make_unique<T>();
}

}  // namespace

void Counter::inc(double v) {
  if (v > 0) v_.fetch_add(v, std::memory_order_relaxed);
}

double Counter::value() const {
  std::lock_guard lk(fn_mu_);
  return fn_ ? (*fn_)() : v_.load(std::memory_order_relaxed);
}

void Counter::bind(std::function<double()> fn) {
  std::lock_guard lk(fn_mu_);
  fn_ = std::make_shared<std::function<double()>>(std::move(fn));
}

double Gauge::value() const {
  std::lock_guard lk(fn_mu_);
  return fn_ ? (*fn_)() : v_.load(std::memory_order_relaxed);
}

void Gauge::bind(std::function<double()> fn) {
  std::lock_guard lk(fn_mu_);
  fn_ = std::make_shared<std::function<double()>>(std::move(fn));
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  for (size_t i = 1; i < bounds_.size(); ++i)
    if (!(bounds_[i] > bounds_[i - 1]))
      throw std::invalid_argument("histogram bounds must be strictly increasing");
  buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void Histogram::observe(double v) {
  size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(acc);
  }
  s.count = acc;  // so that _count always equals the +Inf bucket
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> latency_buckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,     0.25,   0.5,     1,      2.5,   5,      10,    30,   60};
}

template <class T>
T& Family<T>::with(const std::vector<std::string>& label_values) {
  if (label_values.size() != label_names_.size())
    throw std::invalid_argument("metric expects " + std::to_string(label_names_.size()) +
                                " label values, got " + std::to_string(label_values.size()));
  std::lock_guard lk(mu_);
  auto& slot = series_[label_values];
  if (!slot) slot = make_series<T>(bounds_);
  return *slot;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registry::Entry& Registry::add(const std::string& name, Type type, const std::string& help,
                               const std::vector<std::string>& labels,
                               const std::vector<double>& bounds) {
  if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name '" + name + "'");
  for (const auto& l : labels)
    if (!valid_name(l, false) || l.rfind("__", 0) == 0 || (type == Type::Histogram && l == "le"))
      throw std::invalid_argument("invalid label name '" + l + "' for metric " + name);
  auto it = entries_.find(name);
  if (it != entries_.end()) {
    const Entry& e = it->second;
    if (e.type != type || e.help != help || e.labels != labels || e.bounds != bounds)
      throw std::invalid_argument("metric " + name + " already registered differently");
    return it->second;
  }
  Entry e{type, help, labels, bounds, nullptr};
  if (type == Type::Counter) {
    counters_.push_back(std::unique_ptr<Family<Counter>>(new Family<Counter>(labels, {})));
    e.family = counters_.back().get();
  } else if (type == Type::Gauge) {
    gauges_.push_back(std::unique_ptr<Family<Gauge>>(new Family<Gauge>(labels, {})));
    e.family = gauges_.back().get();
  } else {
    Histogram check(bounds);  // validates the bounds before registering
    histograms_.push_back(
        std::unique_ptr<Family<Histogram>>(new Family<Histogram>(labels, bounds)));
    e.family = histograms_.back().get();
  }
  return entries_.emplace(name, std::move(e)).first->second;
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   const std::vector<std::string>& labels) {
  std::lock_guard lk(mu_);
  return *static_cast<Family<Counter>*>(add(name, Type::Counter, help, labels, {}).family);
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help,
                               const std::vector<std::string>& labels) {
  std::lock_guard lk(mu_);
  return *static_cast<Family<Gauge>*>(add(name, Type::Gauge, help, labels, {}).family);
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       const std::vector<std::string>& labels,
                                       const std::vector<double>& bounds) {
  std::lock_guard lk(mu_);
  return *static_cast<Family<Histogram>*>(add(name, Type::Histogram, help, labels, bounds).family);
}

std::string Registry::render() const {
  std::lock_guard lk(mu_);
  std::string out;
  for (const auto& [name, e] : entries_) {
    out += "# HELP " + name + " " + escape_help(e.help) + "\n";
    out += "# TYPE " + name + " " + type_name(e.type) + "\n";
    if (e.type == Type::Counter || e.type == Type::Gauge) {
      auto emit = [&](const auto* fam) {
        std::lock_guard flk(fam->mu_);
        for (const auto& [values, series] : fam->series_)
          out += name + label_set(e.labels, values) + " " + format_value(series->value()) + "\n";
      };
      if (e.type == Type::Counter)
        emit(static_cast<const Family<Counter>*>(e.family));
      else
        emit(static_cast<const Family<Gauge>*>(e.family));
    } else {
      const auto* fam = static_cast<const Family<Histogram>*>(e.family);
      std::lock_guard flk(fam->mu_);
      for (const auto& [values, h] : fam->series_) {
        Histogram::Snapshot s = h->snapshot();
        for (size_t i = 0; i <= s.bounds.size(); ++i)
          out += name + "_bucket" +
                 label_set(e.labels, values, "le",
                           i < s.bounds.size() ? format_value(s.bounds[i]) : "+Inf") +
                 " " + std::to_string(s.cumulative[i]) + "\n";
        out += name + "_sum" + label_set(e.labels, values) + " " + format_value(s.sum) + "\n";
        out += name + "_count" + label_set(e.labels, values) + " " + std::to_string(s.count) + "\n";
      }
    }
  }
  return out;
}

GatewayMetrics::GatewayMetrics(Registry& r)
    : requests(r.counter("perimeter_requests_total",
                         "Requests answered, by route, backend and "
                         "HTTP status.",
                         {"route", "backend", "status"})),
      stage_seconds(r.histogram("perimeter_stage_duration_seconds",
                                "Time spent per pipeline stage (analyze, decide, audit, upstream, "
                                "total).",
                                {"stage"})),
      tokens(r.counter("perimeter_tokens_total",
                       "Tokens processed, by model and kind "
                       "(prompt|completion).",
                       {"model", "kind"})),
      cost(r.counter("perimeter_cost_total", "Cost in the ledger currency, by model.", {"model"})),
      fallbacks(r.counter(
          "perimeter_fallbacks_total",
          "Requests moved to the Plan's next candidate, by route, failed backend and target.",
          {"route", "from", "to"})),
      findings(
          r.counter("perimeter_findings_total", "Sensitive-data findings, by type.", {"type"})),
      budget_rejections(r.counter("perimeter_budget_rejections_total",
                                  "Requests refused (429) because a budget was exhausted.",
                                  {"key", "budget"})),
      queue_depth(
          r.gauge("perimeter_backend_queue_depth", "Requests waiting for a backend.", {"backend"})),
      slots_in_use(r.gauge("perimeter_backend_slots_in_use", "Backend slots busy.", {"backend"})),
      slots(r.gauge("perimeter_backend_slots", "Backend slots configured.", {"backend"})),
      audit_records(r.counter("perimeter_audit_records_total",
                              "Audit records made durable (decision, outcome, fallback).")),
      audit_commits(
          r.counter("perimeter_audit_commits_total", "Audit store transactions (group commits).")),
      audit_failures(r.counter("perimeter_audit_commit_failures_total",
                               "Audit commits that failed (their waiting requests were refused).")),
      audit_lost(r.counter("perimeter_audit_records_lost_total",
                           "Queued audit records nobody waited for (outcomes; decisions of "
                           "local requests under durable_before: egress) dropped by a failed "
                           "commit; the log names their requests.")),
      audit_pending(r.gauge("perimeter_audit_pending_records",
                            "Audit records waiting for the next group commit.")) {}

}  // namespace perimeter::metrics
