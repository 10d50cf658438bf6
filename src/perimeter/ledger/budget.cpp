#include "ledger/budget.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "audit/record.h"

namespace perimeter::ledger {

std::string BudgetExceeded::message() const {
  char used_s[64], limit_s[64];
  if (budget.rfind("tokens", 0) == 0) {
    std::snprintf(used_s, sizeof used_s, "%.0f", used);
    std::snprintf(limit_s, sizeof limit_s, "%.0f tokens", limit);
  } else {
    std::snprintf(used_s, sizeof used_s, "%.4f", used);
    std::snprintf(limit_s, sizeof limit_s, "%.4f %s", limit, currency.c_str());
  }
  return "budget " + budget + " of API key '" + key + "' exhausted: " + used_s + " of " + limit_s +
         " used; resets at " + audit::format_time_ms(resets_at_ms);
}

Error budget_error(const BudgetExceeded& e) {
  return Error(429, "insufficient_quota", e.message(), "", "budget_exceeded");
}

BudgetTracker::BudgetTracker(std::vector<Budget> budgets, std::string currency)
    : budgets_(std::move(budgets)), currency_(std::move(currency)), windows_(budgets_.size()) {
  for (size_t i = 0; i < budgets_.size(); ++i) by_key_[budgets_[i].key].push_back(i);
}

void BudgetTracker::record(const std::string& key, int64_t tokens, double cost, int64_t time_ms) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  std::lock_guard lk(mu_);
  for (size_t i : it->second) {
    const Budget& b = budgets_[i];
    Window& w = windows_[i];
    int64_t start = period_start_ms(b.period, time_ms);
    double amount = b.metric == BudgetMetric::Tokens ? static_cast<double>(tokens) : cost;
    // Order-independent: only the latest period seen matters.
    if (start > w.start) {
      w.start = start;
      w.used = amount;
    } else if (start == w.start) {
      w.used += amount;
    }
  }
}

void BudgetTracker::load(audit::Store& store, int64_t now_ms) {
  if (budgets_.empty()) return;
  int64_t since = period_start_ms(BudgetPeriod::Month, now_ms);
  store.scan_type("outcome", since, [&](const audit::Row& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.contains("body")) return true;
    audit::Outcome o = audit::outcome_from_json(j["body"]);
    record(o.principal, o.prompt_tokens + o.completion_tokens, o.cost, r.time_ms);
    return true;
  });
}

std::optional<BudgetExceeded> BudgetTracker::check(const std::string& key, int64_t now_ms) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return std::nullopt;
  std::lock_guard lk(mu_);
  for (size_t i : it->second) {
    const Budget& b = budgets_[i];
    const Window& w = windows_[i];
    double used = w.start == period_start_ms(b.period, now_ms) ? w.used : 0;
    if (used >= b.limit)
      return BudgetExceeded{key,  b.name(),  b.limit,
                            used, currency_, period_end_ms(b.period, now_ms)};
  }
  return std::nullopt;
}

double BudgetTracker::used(const std::string& key, const std::string& budget_name,
                           int64_t now_ms) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return 0;
  std::lock_guard lk(mu_);
  for (size_t i : it->second)
    if (budgets_[i].name() == budget_name)
      return windows_[i].start == period_start_ms(budgets_[i].period, now_ms) ? windows_[i].used
                                                                              : 0;
  return 0;
}

}  // namespace perimeter::ledger
