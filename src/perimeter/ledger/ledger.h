// Token and cost accounting. The ledger keeps no store of its own: usage is
// the outcome records of the audit log, so spend, tokens and the audit trail
// can never disagree, every ledger figure is covered by the hash chain, and a
// request costs one durable write, not two. Prices, the reference cloud price
// and budgets come from config.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace perimeter::ledger {

// Price per million tokens, in the ledger currency.
struct Price {
  double input_per_mtok = 0;
  double output_per_mtok = 0;

  // Cost of one request at this price.
  double cost(int64_t prompt_tokens, int64_t completion_tokens) const {
    return (static_cast<double>(prompt_tokens) * input_per_mtok +
            static_cast<double>(completion_tokens) * output_per_mtok) /
           1e6;
  }
};

// Reads {input_per_mtok: X, output_per_mtok: Y} at `key_path` (e.g. a model's
// `price:`); both >= 0, missing ones are 0. Throws std::runtime_error "<path>.<key>: <rule>".
Price parse_price(const YAML::Node& node, const std::string& key_path);

// Prices per model id. Thread-safe for concurrent reads once built.
class PriceTable {
 public:
  // Sets (or replaces) the price of `model`.
  void set(const std::string& model, const Price& price) { prices_[model] = price; }

  // The price of `model`, if one is configured.
  std::optional<Price> find(const std::string& model) const;

  // Cost of a request; a model without a price (e.g. an unpriced local model) costs 0.
  double cost(const std::string& model, int64_t prompt_tokens, int64_t completion_tokens) const;

 private:
  std::map<std::string, Price> prices_;
};

enum class BudgetMetric { Tokens, Cost };
enum class BudgetPeriod { Day, Month };  // calendar day / month, UTC

// A limit on one API key's usage per period.
struct Budget {
  std::string key;  // API-key id (the principal)
  BudgetMetric metric = BudgetMetric::Tokens;
  BudgetPeriod period = BudgetPeriod::Day;
  double limit = 0;

  // Config name of this budget: tokens_per_day, tokens_per_month, cost_per_day, cost_per_month.
  std::string name() const;
};

// The `ledger:` config section.
struct LedgerOptions {
  std::string currency = "USD";
  Price reference;              // what an all-cloud deployment would pay, for "savings"
  PriceTable prices;            // from ledger.prices (the server adds models.*.price)
  std::vector<Budget> budgets;  // from ledger.budgets.<key>.<name>
};

// Reads the `ledger:` mapping at `key_path`:
//   {currency: USD, reference: {input_per_mtok, output_per_mtok},
//    prices: {MODEL: {input_per_mtok, output_per_mtok}},
//    budgets: {KEY: {tokens_per_day, tokens_per_month, cost_per_day, cost_per_month}}}
// Every key is optional; unknown keys and negative or zero limits are errors
// (std::runtime_error "<path>: <rule>").
LedgerOptions parse_ledger_options(const YAML::Node& node, const std::string& key_path);

// Start of the UTC day or month containing `ms`, and of the next one.
int64_t period_start_ms(BudgetPeriod p, int64_t ms);
int64_t period_end_ms(BudgetPeriod p, int64_t ms);

}  // namespace perimeter::ledger
