// Prometheus text exposition 0.0.4 and thread safety of the registry.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <thread>

#include "metrics/metrics.h"

namespace perimeter::metrics {
namespace {

TEST(Metrics, RendersCountersAndGauges) {
  Registry r;
  auto& req = r.counter("perimeter_requests_total", "Requests.", {"route", "status"});
  req.with({"public_fact", "200"}).inc();
  req.with({"public_fact", "200"}).inc(2);
  req.with({"public_fact", "429"}).inc();
  auto& g = r.gauge("queue_depth", "Waiting.", {"backend"});
  g.with({"extractor"}).set(3);
  g.with({"reasoner"}).bind([] { return 7.5; });
  EXPECT_EQ(r.render(),
            "# HELP perimeter_requests_total Requests.\n"
            "# TYPE perimeter_requests_total counter\n"
            "perimeter_requests_total{route=\"public_fact\",status=\"200\"} 3\n"
            "perimeter_requests_total{route=\"public_fact\",status=\"429\"} 1\n"
            "# HELP queue_depth Waiting.\n"
            "# TYPE queue_depth gauge\n"
            "queue_depth{backend=\"extractor\"} 3\n"
            "queue_depth{backend=\"reasoner\"} 7.5\n");
}

TEST(Metrics, RendersHistogramsWithCumulativeBuckets) {
  Registry r;
  auto& h = r.histogram("stage_seconds", "Stage time.", {"stage"}, {0.001, 0.01, 0.1});
  auto& a = h.with({"audit"});
  a.observe(0.0005);
  a.observe(0.001);  // upper bounds are inclusive
  a.observe(0.05);
  a.observe(3);
  EXPECT_EQ(r.render(),
            "# HELP stage_seconds Stage time.\n"
            "# TYPE stage_seconds histogram\n"
            "stage_seconds_bucket{stage=\"audit\",le=\"0.001\"} 2\n"
            "stage_seconds_bucket{stage=\"audit\",le=\"0.01\"} 2\n"
            "stage_seconds_bucket{stage=\"audit\",le=\"0.1\"} 3\n"
            "stage_seconds_bucket{stage=\"audit\",le=\"+Inf\"} 4\n"
            "stage_seconds_sum{stage=\"audit\"} 3.0515\n"
            "stage_seconds_count{stage=\"audit\"} 4\n");
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  Registry r;
  r.counter("c", "line1\nback\\slash", {"v"}).with({"a\"b\\c\nd"}).inc();
  std::string out = r.render();
  EXPECT_NE(out.find("# HELP c line1\\nback\\\\slash\n"), std::string::npos) << out;
  EXPECT_NE(out.find("c{v=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos) << out;
}

TEST(Metrics, RejectsBadNamesAndConflicts) {
  Registry r;
  EXPECT_THROW(r.counter("9bad", "x"), std::invalid_argument);
  EXPECT_THROW(r.counter("ok", "x", {"bad-label"}), std::invalid_argument);
  EXPECT_THROW(r.counter("ok", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "x", {"le"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h2", "x", {}, {1, 1}), std::invalid_argument);
  auto& a = r.counter("same", "x", {"l"});
  EXPECT_EQ(&a, &r.counter("same", "x", {"l"}));
  EXPECT_THROW(r.gauge("same", "x", {"l"}), std::invalid_argument);
  EXPECT_THROW(a.with({"one", "two"}), std::invalid_argument);
  a.with({"x"}).inc(-5);  // counters never go down
  EXPECT_EQ(a.with({"x"}).value(), 0);
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
  Registry r;
  auto& c = r.counter("hits_total", "x", {"t"});
  auto& h = r.histogram("lat", "x");
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 20000; ++i) {
        c.with({std::to_string(t % 2)}).inc();
        h.with().observe(0.001);
        if (i % 1000 == 0) (void)r.render();  // scrapes during updates
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(c.with({"0"}).value() + c.with({"1"}).value(), 160000);
  EXPECT_EQ(h.with().snapshot().count, 160000u);
}

TEST(Metrics, GatewayMetricsExposeEveryLineInTheTextFormat) {
  Registry r;
  GatewayMetrics m(r);
  m.requests.with({"public_fact", "cloud-mini", "200"}).inc();
  m.observe_stage("audit", 0.00008);
  m.tokens.with({"extractor", "prompt"}).inc(120);
  m.cost.with({"cloud-mini"}).inc(0.0004);
  m.fallbacks.with({"complex_reasoning", "reasoner", "cloud-big"}).inc();
  m.findings.with({"email"}).inc(2);
  m.queue_depth.with({"extractor"}).set(1);
  m.audit_records.with().bind([] { return 42.0; });
  std::string out = r.render();
  for (const char* name : {"perimeter_requests_total", "perimeter_stage_duration_seconds_bucket",
                           "perimeter_tokens_total", "perimeter_cost_total",
                           "perimeter_fallbacks_total", "perimeter_findings_total",
                           "perimeter_backend_queue_depth", "perimeter_audit_records_total 42"})
    EXPECT_NE(out.find(name), std::string::npos) << name;
  // Every line is a comment or `name{labels} value`.
  const std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (NaN|[+-]Inf|[-+0-9.eE]+)$)");
  const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    EXPECT_TRUE(std::regex_match(line, sample) || std::regex_match(line, comment)) << line;
}

}  // namespace
}  // namespace perimeter::metrics
