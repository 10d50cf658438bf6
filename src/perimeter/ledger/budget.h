// Per-API-key budgets (tokens or cost per UTC day or month). The server checks
// a key before dispatch and records usage after each answer; at startup the
// tracker is seeded from the audit store's outcome records.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/store.h"
#include "core/error.h"
#include "ledger/ledger.h"

namespace perimeter::ledger {

// Which budget a key has used up, and when it resets.
struct BudgetExceeded {
  std::string key;
  std::string budget;  // e.g. "tokens_per_day"
  double limit = 0;
  double used = 0;
  std::string currency;  // for cost budgets
  int64_t resets_at_ms = 0;

  // "budget tokens_per_day of API key 'k' exhausted: 1200 of 1000 tokens used; resets at <time>".
  std::string message() const;
};

// The client-facing error for an exhausted budget: HTTP 429, OpenAI type
// "insufficient_quota", code "budget_exceeded", message naming the budget and reset time.
Error budget_error(const BudgetExceeded& e);

class BudgetTracker {
 public:
  explicit BudgetTracker(std::vector<Budget> budgets, std::string currency = "USD");

  // Counts a finished request against every budget of `key`. Thread-safe.
  void record(const std::string& key, int64_t tokens, double cost, int64_t time_ms);

  // Seeds usage from the store's outcome records of the current month (the
  // longest period), so a restart does not reset budgets.
  void load(audit::Store& store, int64_t now_ms);

  // The first exhausted budget of `key` at `now_ms` (used >= limit), if any. Thread-safe.
  // Requests already in flight when a budget runs out still complete, so a
  // budget can be overshot by what concurrent requests use.
  std::optional<BudgetExceeded> check(const std::string& key, int64_t now_ms) const;

  // Usage of one budget of `key` in the period containing `now_ms` (for reports and tests).
  double used(const std::string& key, const std::string& budget_name, int64_t now_ms) const;

 private:
  struct Window {
    int64_t start = 0;  // period start the usage belongs to
    double used = 0;
  };
  std::vector<Budget> budgets_;
  std::string currency_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<size_t>> by_key_;  // key -> indexes into budgets_
  std::vector<Window> windows_;                        // parallel to budgets_
};

}  // namespace perimeter::ledger
