// `perimeter report`: spend, tokens, the share that stayed local and the
// savings against a reference cloud price, per principal, role, route and
// model, computed from the audit log's outcome records.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/record.h"
#include "audit/store.h"
#include "ledger/ledger.h"

namespace perimeter::ledger {

struct Totals {
  int64_t requests = 0;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t local_requests = 0;  // served inside the perimeter (egress local)
  int64_t local_tokens = 0;
  double spend = 0;           // recorded cost
  double reference_cost = 0;  // the same tokens at the reference cloud price

  int64_t tokens() const { return prompt_tokens + completion_tokens; }
  // Share of tokens served locally, 0..1 (0 if no tokens).
  double local_share() const { return tokens() ? double(local_tokens) / double(tokens()) : 0; }
  // What staying off the reference cloud saved (may be negative).
  double savings() const { return reference_cost - spend; }
};

struct Report {
  std::string currency = "USD";
  int64_t since_ms = 0;
  Totals total;
  // dimension ("principal", "role", "route", "model") -> value -> totals
  std::map<std::string, std::map<std::string, Totals>> by;
};

// The dimensions a report groups by, in print order.
const std::vector<std::string>& report_dimensions();

class ReportBuilder {
 public:
  ReportBuilder(Price reference, std::string currency, int64_t since_ms);

  // Adds one outcome to the total and to every dimension.
  void add(const audit::Outcome& o);

  const Report& report() const { return report_; }

 private:
  Price reference_;
  Report report_;
};

// Report over every outcome record in `store` with time >= since_ms.
Report build_report(audit::Store& store, int64_t since_ms, const Price& reference,
                    const std::string& currency);

// Plain-text tables, one per dimension in `dims` (all if empty), then the total.
std::string format_report(const Report& r, const std::vector<std::string>& dims = {});

// The report as JSON (for scripts and dashboards).
nlohmann::json report_json(const Report& r);

}  // namespace perimeter::ledger
