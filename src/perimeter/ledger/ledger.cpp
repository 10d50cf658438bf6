#include "ledger/ledger.h"

#include <stdexcept>

namespace perimeter::ledger {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& rule) {
  throw std::runtime_error(path + ": " + rule);
}

double number(const YAML::Node& n, const std::string& path) {
  double v = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v)) fail(path, "must be a number");
  return v;
}

// Civil date <-> days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's algorithms).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

constexpr int64_t kDayMs = 86400000;

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

}  // namespace

Price parse_price(const YAML::Node& node, const std::string& key_path) {
  if (!node.IsMap()) fail(key_path, "must be a mapping {input_per_mtok, output_per_mtok}");
  Price p;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string path = key_path + "." + key;
    double v = number(kv.second, path);
    if (v < 0) fail(path, "must be >= 0");
    if (key == "input_per_mtok")
      p.input_per_mtok = v;
    else if (key == "output_per_mtok")
      p.output_per_mtok = v;
    else
      fail(path, "unknown key (expected input_per_mtok, output_per_mtok)");
  }
  return p;
}

std::optional<Price> PriceTable::find(const std::string& model) const {
  auto it = prices_.find(model);
  if (it == prices_.end()) return std::nullopt;
  return it->second;
}

double PriceTable::cost(const std::string& model, int64_t prompt_tokens,
                        int64_t completion_tokens) const {
  auto p = find(model);
  return p ? p->cost(prompt_tokens, completion_tokens) : 0.0;
}

std::string Budget::name() const {
  return std::string(metric == BudgetMetric::Tokens ? "tokens" : "cost") +
         (period == BudgetPeriod::Day ? "_per_day" : "_per_month");
}

LedgerOptions parse_ledger_options(const YAML::Node& node, const std::string& key_path) {
  LedgerOptions o;
  if (!node || node.IsNull()) return o;
  if (!node.IsMap()) fail(key_path, "must be a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string path = key_path + "." + key;
    const YAML::Node& v = kv.second;
    if (key == "currency") {
      if (!v.IsScalar() || v.as<std::string>().empty()) fail(path, "must be a currency code");
      o.currency = v.as<std::string>();
    } else if (key == "reference") {
      o.reference = parse_price(v, path);
    } else if (key == "prices") {
      if (!v.IsMap()) fail(path, "must map model names to prices");
      for (const auto& m : v)
        o.prices.set(m.first.as<std::string>(),
                     parse_price(m.second, path + "." + m.first.as<std::string>()));
    } else if (key == "budgets") {
      if (!v.IsMap()) fail(path, "must map API-key ids to budgets");
      for (const auto& b : v) {
        const std::string api_key = b.first.as<std::string>();
        const std::string bpath = path + "." + api_key;
        if (!b.second.IsMap())
          fail(bpath,
               "must be a mapping of tokens_per_day, tokens_per_month, cost_per_day, "
               "cost_per_month");
        for (const auto& lim : b.second) {
          const std::string name = lim.first.as<std::string>();
          const std::string lpath = bpath + "." + name;
          Budget budget;
          budget.key = api_key;
          if (name == "tokens_per_day" || name == "tokens_per_month")
            budget.metric = BudgetMetric::Tokens;
          else if (name == "cost_per_day" || name == "cost_per_month")
            budget.metric = BudgetMetric::Cost;
          else
            fail(lpath,
                 "unknown key (expected tokens_per_day, tokens_per_month, cost_per_day, "
                 "cost_per_month)");
          budget.period = name.ends_with("_per_day") ? BudgetPeriod::Day : BudgetPeriod::Month;
          budget.limit = number(lim.second, lpath);
          if (budget.limit <= 0) fail(lpath, "must be > 0");
          o.budgets.push_back(budget);
        }
      }
    } else {
      fail(path, "unknown key (expected currency, reference, prices, budgets)");
    }
  }
  return o;
}

int64_t period_start_ms(BudgetPeriod p, int64_t ms) {
  int64_t day = floor_div(ms, kDayMs);
  if (p == BudgetPeriod::Day) return day * kDayMs;
  int64_t y;
  unsigned m;
  civil_from_days(day, y, m);
  return days_from_civil(y, m, 1) * kDayMs;
}

int64_t period_end_ms(BudgetPeriod p, int64_t ms) {
  int64_t day = floor_div(ms, kDayMs);
  if (p == BudgetPeriod::Day) return (day + 1) * kDayMs;
  int64_t y;
  unsigned m;
  civil_from_days(day, y, m);
  return (m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1)) * kDayMs;
}

}  // namespace perimeter::ledger
