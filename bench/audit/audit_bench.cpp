// bench/audit: durable decision records per second with concurrent writers,
// and the latency append_decision() adds to a request (p50/p99), for SQLite
// (sync full and normal) and PostgreSQL (a throwaway local server).
//
//   audit_bench [--records N] [--writers 1,4,16,64] [--stores sqlite-full,sqlite-normal,pg]
//               [--rate R] [--dir DIR]
//
// Closed loop by default: every writer appends back to back, which measures
// saturation throughput (latency then includes queueing for the CPU: more
// writers than cores). With --rate R the writers together offer R records/s
// on a fixed schedule (open loop), which measures the latency an append adds
// at that load.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_log.h"
#include "audit/pg_fixture.h"

using namespace perimeter::audit;
using Clock = std::chrono::steady_clock;

namespace {

Decision decision(int i) {
  Decision d;
  d.request_id = "req-" + std::to_string(i);
  d.principal = "support-bot";
  d.role = "support";
  d.declared_sensitivity = "internal";
  d.effective_sensitivity = "restricted";
  d.intent = "sensitive_extraction";
  d.intent_confidence = 0.91;
  d.findings = {{"email", 1}, {"person_name", 2}};
  d.route = "sensitive_extraction";
  d.backend = "extractor";
  d.egress = "local";
  d.transform = "none";
  d.model = {"extractor", std::string(64, 'a'), "", "", ""};
  d.sampling.temperature = 0;
  d.sampling.top_k = 1;
  d.sampling.seed = 42;
  return d;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

struct Result {
  double rate, p50_us, p99_us, max_us, batch, cpu_us;
};

// User + system CPU time of this process, in microseconds. Unlike wall-clock
// figures it barely moves when other processes compete for the cores.
double cpu_us() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

Result run(const std::string& url, SyncMode sync, int writers, int records, double rate) {
  StoreOptions so;
  so.sync = sync;
  AuditLog log(open_store(url, so), SigningKey::generate(), "bench", 1000, false);
  // Warm up (schema, caches) before measuring.
  for (int i = 0; i < 50; ++i) log.append_decision(decision(i));
  AuditStats before = log.stats();

  const int per = std::max(1, records / writers);
  std::vector<std::vector<double>> lat(writers);
  std::vector<std::thread> ts;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  for (int w = 0; w < writers; ++w)
    ts.emplace_back([&, w] {
      lat[w].reserve(per);
      std::vector<Decision> ds;
      for (int i = 0; i < per; ++i) ds.push_back(decision(w * per + i));
      ready++;
      while (!go) std::this_thread::yield();
      const auto start = Clock::now();
      // Open loop: writer w's i-th append is due at start + (i * writers + w) / rate.
      const double step_us = rate > 0 ? 1e6 * writers / rate : 0;
      const double offset_us = rate > 0 ? 1e6 * w / rate : 0;
      for (int i = 0; i < per; ++i) {
        if (rate > 0)
          std::this_thread::sleep_until(
              start + std::chrono::microseconds(static_cast<int64_t>(offset_us + i * step_us)));
        auto t0 = Clock::now();
        log.append_decision(ds[i]);
        lat[w].push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  while (ready < writers) std::this_thread::yield();
  auto t0 = Clock::now();
  double cpu0 = cpu_us();
  go = true;
  for (auto& t : ts) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = cpu_us() - cpu0;
  AuditStats after = log.stats();

  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) { return all[std::min(all.size() - 1, size_t(p * all.size()))]; };
  double commits = double(after.commits - before.commits);
  return {all.size() / secs,
          pct(0.50),
          pct(0.99),
          all.back(),
          commits > 0 ? double(after.records - before.records) / commits : 0,
          cpu / all.size()};
}

}  // namespace

int main(int argc, char** argv) {
  int records = 20000;
  double rate = 0;
  std::vector<std::string> writer_list = {"1", "4", "16", "64"};
  std::vector<std::string> stores = {"sqlite-full", "sqlite-normal", "pg"};
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "perimeter-audit-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--records")
      records = std::atoi(v.c_str());
    else if (a == "--writers")
      writer_list = split(v);
    else if (a == "--stores")
      stores = split(v);
    else if (a == "--rate")
      rate = std::atof(v.c_str());
    else if (a == "--dir")
      dir = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  std::filesystem::create_directories(dir);
  std::unique_ptr<perimeter::testing::PgServer> pg;

  if (rate > 0) std::printf("open loop: %.0f records/s offered\n", rate);
  std::printf("%-14s %8s %12s %10s %10s %10s %8s %12s\n", "store", "writers", "records/s", "p50 us",
              "p99 us", "max us", "batch", "cpu us/rec");
  for (const std::string& store : stores) {
    for (const std::string& ws : writer_list) {
      int writers = std::atoi(ws.c_str());
      std::string url;
      SyncMode sync = SyncMode::Full;
      if (store == "sqlite-full" || store == "sqlite-normal") {
        auto db = dir / ("bench-" + store + "-" + ws + ".db");
        for (const char* suffix : {"", "-wal", "-shm"})
          std::filesystem::remove(db.string() + suffix);
        url = "sqlite:" + db.string();
        sync = store == "sqlite-full" ? SyncMode::Full : SyncMode::Normal;
      } else if (store == "pg" || store == "pg-normal") {
        if (!pg) pg = std::make_unique<perimeter::testing::PgServer>();
        url =
            pg->fresh_schema_url("bench_" + std::to_string(writers) + (store == "pg" ? "" : "_n"));
        sync = store == "pg" ? SyncMode::Full : SyncMode::Normal;
      } else {
        std::fprintf(stderr, "unknown store %s\n", store.c_str());
        return 2;
      }
      Result r = run(url, sync, writers, records, rate);
      std::printf("%-14s %8d %12.0f %10.1f %10.1f %10.1f %8.1f %12.1f\n", store.c_str(), writers,
                  r.rate, r.p50_us, r.p99_us, r.max_us, r.batch, r.cpu_us);
      std::fflush(stdout);
    }
  }
  std::filesystem::remove_all(dir);
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) > 0)
    std::printf("load average during the run: %.2f (1 min) on %u cores\n", load[0],
                std::thread::hardware_concurrency());
  return 0;
}
