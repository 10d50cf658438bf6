// Prices, config, budget windows, and reports computed from outcome records:
// totals must equal the sum of the usage written.
#include <gtest/gtest.h>

#include "audit/audit_log.h"
#include "audit/audit_test_util.h"
#include "ledger/budget.h"
#include "ledger/ledger.h"
#include "ledger/report.h"

namespace perimeter::ledger {
namespace {

using audit::parse_time_ms;

std::string error_of(const std::string& yaml) {
  try {
    parse_ledger_options(YAML::Load(yaml), "ledger");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Ledger, CostPerMillionTokens) {
  PriceTable t;
  t.set("cloud-mini", Price{0.40, 1.60});
  EXPECT_DOUBLE_EQ(t.cost("cloud-mini", 1000000, 500000), 0.40 + 0.80);
  EXPECT_DOUBLE_EQ(t.cost("cloud-mini", 1234, 0), 1234 * 0.40 / 1e6);
  EXPECT_DOUBLE_EQ(t.cost("extractor", 1000, 1000), 0.0);  // unpriced local model
}

TEST(Ledger, ParsesOptions) {
  LedgerOptions o = parse_ledger_options(YAML::Load(R"(
currency: EUR
reference: {input_per_mtok: 2.5, output_per_mtok: 10}
prices: {extractor: {input_per_mtok: 0.01, output_per_mtok: 0.02}}
budgets:
  support-bot: {tokens_per_day: 1000, cost_per_month: 5}
)"),
                                         "ledger");
  EXPECT_EQ(o.currency, "EUR");
  EXPECT_DOUBLE_EQ(o.reference.output_per_mtok, 10);
  EXPECT_DOUBLE_EQ(o.prices.find("extractor")->output_per_mtok, 0.02);
  ASSERT_EQ(o.budgets.size(), 2u);
  EXPECT_EQ(o.budgets[0].name(), "tokens_per_day");
  EXPECT_EQ(o.budgets[1].name(), "cost_per_month");
  EXPECT_EQ(o.budgets[1].key, "support-bot");
}

TEST(Ledger, OptionErrorsNameTheKeyAndTheRule) {
  EXPECT_EQ(error_of("{budgets: {k: {tokens_per_day: 0}}}"),
            "ledger.budgets.k.tokens_per_day: must be > 0");
  EXPECT_EQ(error_of("{budgets: {k: {tokens_per_week: 5}}}")
                .rfind("ledger.budgets.k.tokens_per_week: unknown key", 0),
            0u);
  EXPECT_EQ(error_of("{reference: {input_per_mtok: -1}}"),
            "ledger.reference.input_per_mtok: must be >= 0");
  EXPECT_EQ(error_of("{reference: {input_per_mtok: cheap}}"),
            "ledger.reference.input_per_mtok: must be a number");
  EXPECT_EQ(error_of("{colour: red}").rfind("ledger.colour: unknown key", 0), 0u);
}

TEST(Ledger, PeriodsAreUtcDaysAndMonths) {
  int64_t t = parse_time_ms("2026-12-31T23:59:59.999Z", 0);
  EXPECT_EQ(period_start_ms(BudgetPeriod::Day, t), parse_time_ms("2026-12-31", 0));
  EXPECT_EQ(period_end_ms(BudgetPeriod::Day, t), parse_time_ms("2027-01-01", 0));
  EXPECT_EQ(period_start_ms(BudgetPeriod::Month, t), parse_time_ms("2026-12-01", 0));
  EXPECT_EQ(period_end_ms(BudgetPeriod::Month, t), parse_time_ms("2027-01-01", 0));
  EXPECT_EQ(period_end_ms(BudgetPeriod::Month, parse_time_ms("2028-02-10", 0)),
            parse_time_ms("2028-03-01", 0));
}

TEST(Budgets, TokenBudgetRunsOutAndResetsNextDay) {
  BudgetTracker b({Budget{"bot", BudgetMetric::Tokens, BudgetPeriod::Day, 1000}});
  int64_t day = parse_time_ms("2026-03-10T08:00:00Z", 0);
  b.record("bot", 600, 0, day);
  EXPECT_FALSE(b.check("bot", day).has_value());
  b.record("bot", 400, 0, day + 1000);
  auto over = b.check("bot", day + 2000);
  ASSERT_TRUE(over.has_value());
  EXPECT_EQ(over->budget, "tokens_per_day");
  EXPECT_EQ(over->used, 1000);
  EXPECT_EQ(over->resets_at_ms, parse_time_ms("2026-03-11", 0));
  EXPECT_NE(over->message().find("resets at 2026-03-11T00:00:00.000Z"), std::string::npos);
  // Other keys are unaffected; the next day starts from zero.
  EXPECT_FALSE(b.check("someone-else", day).has_value());
  EXPECT_FALSE(b.check("bot", parse_time_ms("2026-03-11T00:00:01Z", 0)).has_value());

  Error e = budget_error(*over);
  EXPECT_EQ(e.status, 429);
  EXPECT_EQ(e.to_json()["error"]["type"], "insufficient_quota");
  EXPECT_EQ(e.to_json()["error"]["code"], "budget_exceeded");
}

TEST(Budgets, CostBudgetPerMonth) {
  BudgetTracker b({Budget{"bot", BudgetMetric::Cost, BudgetPeriod::Month, 5.0}}, "EUR");
  int64_t t = parse_time_ms("2026-03-10", 0);
  b.record("bot", 10, 4.99, t);
  EXPECT_FALSE(b.check("bot", t).has_value());
  b.record("bot", 10, 0.02, parse_time_ms("2026-03-30", 0));
  auto over = b.check("bot", parse_time_ms("2026-03-31", 0));
  ASSERT_TRUE(over.has_value());
  EXPECT_EQ(over->resets_at_ms, parse_time_ms("2026-04-01", 0));
  EXPECT_NE(over->message().find("EUR"), std::string::npos);
  // Usage from an earlier month, seen late, does not count.
  BudgetTracker late({Budget{"bot", BudgetMetric::Cost, BudgetPeriod::Month, 5.0}});
  late.record("bot", 0, 1.0, parse_time_ms("2026-03-02", 0));
  late.record("bot", 0, 9.0, parse_time_ms("2026-02-27", 0));
  EXPECT_DOUBLE_EQ(late.used("bot", "cost_per_month", parse_time_ms("2026-03-05", 0)), 1.0);
}

class LedgerStoreTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LedgerStoreTest, ReportAndBudgetsComeFromOutcomeRecords) {
  perimeter::testing::TempDir dir;
  std::string url = perimeter::testing::store_url(GetParam(), dir);
  PriceTable prices;
  prices.set("cloud-mini", Price{0.40, 1.60});
  Price reference{2.50, 10.00};

  int64_t prompt_sum = 0, completion_sum = 0, local_tokens = 0;
  double spend_sum = 0, reference_sum = 0;
  {
    audit::AuditLog log(audit::open_store(url), audit::SigningKey::generate(), "main", 1000, false);
    for (int i = 0; i < 30; ++i) {
      audit::Outcome o = perimeter::testing::sample_outcome(i, i % 3 ? "alice" : "bob");
      bool cloud = i % 2 == 0;
      o.egress = cloud ? "cloud" : "local";
      o.model.id = cloud ? "cloud-mini" : "extractor";
      o.route = cloud ? "public_fact" : "sensitive_extraction";
      o.prompt_tokens = 100 + 7 * i;
      o.completion_tokens = 10 + i;
      o.cost = prices.cost(o.model.id, o.prompt_tokens, o.completion_tokens);
      log.append_decision(perimeter::testing::sample_decision(i));
      log.append_outcome(o);
      prompt_sum += o.prompt_tokens;
      completion_sum += o.completion_tokens;
      if (!cloud) local_tokens += o.prompt_tokens + o.completion_tokens;
      spend_sum += o.cost;
      reference_sum += reference.cost(o.prompt_tokens, o.completion_tokens);
    }
  }
  auto store = audit::open_store(url);
  Report r = build_report(*store, 0, reference, "USD");
  EXPECT_EQ(r.total.requests, 30);
  EXPECT_EQ(r.total.prompt_tokens, prompt_sum);
  EXPECT_EQ(r.total.completion_tokens, completion_sum);
  EXPECT_NEAR(r.total.spend, spend_sum, 1e-12);
  EXPECT_NEAR(r.total.reference_cost, reference_sum, 1e-12);
  EXPECT_NEAR(r.total.savings(), reference_sum - spend_sum, 1e-12);
  EXPECT_DOUBLE_EQ(r.total.local_share(),
                   double(local_tokens) / double(prompt_sum + completion_sum));
  EXPECT_EQ(r.by["principal"]["alice"].requests + r.by["principal"]["bob"].requests, 30);
  EXPECT_EQ(r.by["principal"]["bob"].requests, 10);
  EXPECT_EQ(r.by["model"]["extractor"].spend, 0);
  EXPECT_EQ(r.by["route"]["public_fact"].requests, 15);
  std::string text = format_report(r);
  EXPECT_NE(text.find("by principal:"), std::string::npos);
  EXPECT_NE(text.find("alice"), std::string::npos);
  EXPECT_EQ(report_json(r)["total"]["requests"], 30);

  // Nothing after a future `since`.
  EXPECT_EQ(build_report(*store, audit::now_ms() + 60000, reference, "USD").total.requests, 0);

  // Budgets seeded from the same records.
  BudgetTracker b({Budget{"alice", BudgetMetric::Tokens, BudgetPeriod::Month, 1e12},
                   Budget{"bob", BudgetMetric::Tokens, BudgetPeriod::Day, 1}});
  b.load(*store, audit::now_ms());
  EXPECT_EQ(b.used("alice", "tokens_per_month", audit::now_ms()),
            double(r.by["principal"]["alice"].tokens()));
  EXPECT_FALSE(b.check("alice", audit::now_ms()).has_value());
  EXPECT_TRUE(b.check("bob", audit::now_ms()).has_value());
}

INSTANTIATE_TEST_SUITE_P(Stores, LedgerStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace perimeter::ledger
