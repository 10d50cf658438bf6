#include "ledger/report.h"

#include <cstdio>

namespace perimeter::ledger {
namespace {

void accumulate(Totals& t, const audit::Outcome& o, double reference_cost) {
  t.requests++;
  t.prompt_tokens += o.prompt_tokens;
  t.completion_tokens += o.completion_tokens;
  if (o.egress != "cloud") {
    t.local_requests++;
    t.local_tokens += o.prompt_tokens + o.completion_tokens;
  }
  t.spend += o.cost;
  t.reference_cost += reference_cost;
}

std::string row(const std::string& name, const Totals& t) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "  %-24s %9lld %12lld %12lld %12.4f %7.1f%% %12.4f %12.4f\n",
                name.c_str(), static_cast<long long>(t.requests),
                static_cast<long long>(t.prompt_tokens),
                static_cast<long long>(t.completion_tokens), t.spend, t.local_share() * 100,
                t.reference_cost, t.savings());
  return buf;
}

nlohmann::json totals_json(const Totals& t) {
  return {{"requests", t.requests},
          {"prompt_tokens", t.prompt_tokens},
          {"completion_tokens", t.completion_tokens},
          {"local_requests", t.local_requests},
          {"local_tokens", t.local_tokens},
          {"local_share", t.local_share()},
          {"spend", t.spend},
          {"reference_cost", t.reference_cost},
          {"savings", t.savings()}};
}

}  // namespace

const std::vector<std::string>& report_dimensions() {
  static const std::vector<std::string> dims = {"principal", "role", "route", "model"};
  return dims;
}

ReportBuilder::ReportBuilder(Price reference, std::string currency, int64_t since_ms)
    : reference_(reference) {
  report_.currency = std::move(currency);
  report_.since_ms = since_ms;
}

void ReportBuilder::add(const audit::Outcome& o) {
  double ref = reference_.cost(o.prompt_tokens, o.completion_tokens);
  accumulate(report_.total, o, ref);
  auto value = [](const std::string& s) { return s.empty() ? std::string("(none)") : s; };
  accumulate(report_.by["principal"][value(o.principal)], o, ref);
  accumulate(report_.by["role"][value(o.role)], o, ref);
  accumulate(report_.by["route"][value(o.route)], o, ref);
  accumulate(report_.by["model"][value(o.model.id)], o, ref);
}

Report build_report(audit::Store& store, int64_t since_ms, const Price& reference,
                    const std::string& currency) {
  ReportBuilder b(reference, currency, since_ms);
  store.scan_type("outcome", since_ms, [&](const audit::Row& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (!j.is_discarded() && j.contains("body")) b.add(audit::outcome_from_json(j["body"]));
    return true;
  });
  return b.report();
}

std::string format_report(const Report& r, const std::vector<std::string>& dims) {
  std::string out;
  char head[512];
  std::snprintf(head, sizeof head, "  %-24s %9s %12s %12s %12s %8s %12s %12s\n", "", "requests",
                "prompt_tok", "complet_tok", ("spend " + r.currency).c_str(), "local", "reference",
                "savings");
  const auto& which = dims.empty() ? report_dimensions() : dims;
  for (const std::string& d : which) {
    out += "by " + d + ":\n";
    out += head;
    auto it = r.by.find(d);
    if (it != r.by.end())
      for (const auto& [name, t] : it->second) out += row(name, t);
    out += "\n";
  }
  out += "total:\n";
  out += head;
  out += row("all", r.total);
  return out;
}

nlohmann::json report_json(const Report& r) {
  nlohmann::json j;
  j["currency"] = r.currency;
  j["since"] = audit::format_time_ms(r.since_ms);
  j["total"] = totals_json(r.total);
  for (const auto& [dim, values] : r.by)
    for (const auto& [name, t] : values) j["by"][dim][name] = totals_json(t);
  return j;
}

}  // namespace perimeter::ledger
