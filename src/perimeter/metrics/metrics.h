// A small thread-safe metrics registry: counters, gauges and histograms in
// labelled families, rendered in the Prometheus text exposition format 0.0.4
// for GET /metrics. Hot paths keep the Counter&/Gauge&/Histogram& that with()
// returns (stable for the registry's lifetime) and update it lock-free.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace perimeter::metrics {

// Content-Type of render()'s output.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

class Counter {
 public:
  // Adds `v` (must be >= 0; negative values are ignored: counters only go up).
  void inc(double v = 1);
  // Current value (or the bound function's).
  double value() const;
  // Reads the value from `fn` at render time instead (e.g. a count kept elsewhere).
  void bind(std::function<double()> fn);

 private:
  std::atomic<double> v_{0};
  std::shared_ptr<std::function<double()>> fn_;
  mutable std::mutex fn_mu_;
};

class Gauge {
 public:
  void set(double v) { v_.store(v, std::memory_order_relaxed); }
  void add(double v) { v_.fetch_add(v, std::memory_order_relaxed); }
  // Current value (or the bound function's).
  double value() const;
  // Reads the value from `fn` at render time (e.g. a queue depth).
  void bind(std::function<double()> fn);

 private:
  std::atomic<double> v_{0};
  std::shared_ptr<std::function<double()>> fn_;
  mutable std::mutex fn_mu_;
};

class Histogram {
 public:
  // `bounds`: strictly increasing upper bounds; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  // Counts `v` in the first bucket whose bound is >= v.
  void observe(double v);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Default latency buckets in seconds: 50 us .. 60 s.
std::vector<double> latency_buckets();

enum class Type { Counter, Gauge, Histogram };

// All series of one metric name, keyed by label values.
template <class T>
class Family {
 public:
  // The series with these label values (in label-name order), created on
  // first use. Throws std::invalid_argument if the count is wrong.
  T& with(const std::vector<std::string>& label_values = {});

 private:
  friend class Registry;
  Family(std::vector<std::string> label_names, std::vector<double> bounds)
      : label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;  // histograms only
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_;
};

class Registry {
 public:
  // Registers (or returns the identical existing) family. Throws
  // std::invalid_argument for an invalid name or label, or a name already
  // registered with another type, help or labels.
  Family<Counter>& counter(const std::string& name, const std::string& help,
                           const std::vector<std::string>& labels = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help,
                       const std::vector<std::string>& labels = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help,
                               const std::vector<std::string>& labels = {},
                               const std::vector<double>& bounds = latency_buckets());

  // Every family in the text exposition format 0.0.4, sorted by name.
  std::string render() const;

 private:
  struct Entry {
    Type type;
    std::string help;
    std::vector<std::string> labels;
    std::vector<double> bounds;
    void* family;  // Family<T>* matching `type`, owned by holders below
  };
  Entry& add(const std::string& name, Type type, const std::string& help,
             const std::vector<std::string>& labels, const std::vector<double>& bounds);

  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::vector<std::unique_ptr<Family<Counter>>> counters_;
  std::vector<std::unique_ptr<Family<Gauge>>> gauges_;
  std::vector<std::unique_ptr<Family<Histogram>>> histograms_;
};

// The gateway's standard metrics, registered in `registry` under fixed names
// (listed in docs/audit.md). Keep one per process next to the Registry.
struct GatewayMetrics {
  explicit GatewayMetrics(Registry& registry);

  Family<Counter>& requests;           // perimeter_requests_total{route,backend,status}
  Family<Histogram>& stage_seconds;    // perimeter_stage_duration_seconds{stage}
  Family<Counter>& tokens;             // perimeter_tokens_total{model,kind} kind=prompt|completion
  Family<Counter>& cost;               // perimeter_cost_total{model}
  Family<Counter>& fallbacks;          // perimeter_fallbacks_total{route,from,to}
  Family<Counter>& findings;           // perimeter_findings_total{type}
  Family<Counter>& budget_rejections;  // perimeter_budget_rejections_total{key,budget}
  Family<Gauge>& queue_depth;          // perimeter_backend_queue_depth{backend}
  Family<Gauge>& slots_in_use;         // perimeter_backend_slots_in_use{backend}
  Family<Gauge>& slots;                // perimeter_backend_slots{backend}
  Family<Counter>& audit_records;      // perimeter_audit_records_total
  Family<Counter>& audit_commits;      // perimeter_audit_commits_total
  Family<Counter>& audit_failures;     // perimeter_audit_commit_failures_total
  Family<Counter>& audit_lost;         // perimeter_audit_records_lost_total
  Family<Gauge>& audit_pending;        // perimeter_audit_pending_records

  // Records one pipeline stage's duration ("analyze", "decide", "audit", "upstream", "total").
  void observe_stage(const std::string& stage, double seconds) {
    stage_seconds.with({stage}).observe(seconds);
  }
};

}  // namespace perimeter::metrics
