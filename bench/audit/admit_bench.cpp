// What the audit step adds to a request in the real request path:
// Gateway::admit() (analysis, budget check, decision record) timed with no
// audit log and with SQLite in `sync: normal` and `sync: full`, interleaved
// round by round in one run so that machine noise hits every mode alike.
//
//   admit_bench [--requests N] [--writers W] [--rounds R]
//
// Prints p50/p99 of admit() per mode and the added p50/p99 versus no audit.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "audit/signing.h"
#include "gateway/gateway.h"
#include "support/demo.h"

namespace {

using namespace perimeter;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct Mode {
  std::string name;
  std::unique_ptr<gateway::Gateway> gw;
  std::vector<double> us;  // admit() latency samples, all rounds
};

// `writers` threads each admit `per_writer` requests; appends latencies (µs).
void run_round(Mode& m, int writers, int per_writer, int round) {
  std::vector<std::vector<double>> lat(writers);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      for (int i = 0; i < per_writer; ++i) {
        ChatRequest r;
        r.model = "demo";
        r.messages = {{"user",
                       "Please summarise the attached note for jane.doe@example.org, "
                       "ticket " +
                           std::to_string(i)}};
        const auto t0 = Clock::now();
        auto a = m.gw->admit(m.name + "-" + std::to_string(round) + "-" + std::to_string(w) + "-" +
                                 std::to_string(i),
                             auth::Principal{auth::kLocalPrincipal}, std::move(r), t0);
        lat[w].push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      }
    });
  for (auto& t : threads) t.join();
  for (auto& l : lat) m.us.insert(m.us.end(), l.begin(), l.end());
}

}  // namespace

int main(int argc, char** argv) {
  int requests = 2000, writers = 1, rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--requests")
      requests = std::atoi(argv[i + 1]);
    else if (a == "--writers")
      writers = std::atoi(argv[i + 1]);
    else if (a == "--rounds")
      rounds = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: admit_bench [--requests N] [--writers W] [--rounds R]\n");
      return 2;
    }
  }
  std::string tmpl = (fs::temp_directory_path() / "perimeter-admit-XXXXXX").string();
  const fs::path dir = mkdtemp(tmpl.data());
  audit::SigningKey::generate().write_files(dir / "k.pem", dir / "k.pub.pem");

  std::vector<Mode> modes;
  for (const std::string name : {"none", "sqlite-normal", "sqlite-full"}) {
    config::Config cfg = testing::demo_config(2, 16);
    if (name != "none") {
      audit::AuditOptions o;
      o.store = "sqlite:" + (dir / (name + ".db")).string();
      o.signing_key = (dir / "k.pem").string();
      o.public_key = (dir / "k.pub.pem").string();
      o.sync = name == "sqlite-full" ? audit::SyncMode::Full : audit::SyncMode::Normal;
      cfg.audit = o;
    }
    Mode m{name, std::make_unique<gateway::Gateway>(cfg), {}};
    m.gw->load_models(nullptr);
    modes.push_back(std::move(m));
  }
  const int per_writer = std::max(1, requests / rounds / writers);
  for (int r = 0; r < rounds; ++r)
    for (auto& m : modes) run_round(m, writers, per_writer, r);

  double l1 = 0, l5 = 0, l15 = 0;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) != 3) l1 = -1;
    std::fclose(f);
  }
  std::printf("admit() latency, %d writer(s), %zu samples per mode, load avg %.2f\n", writers,
              modes[0].us.size(), l1);
  std::printf("%-14s %10s %10s %14s %14s\n", "mode", "p50 us", "p99 us", "added p50 us",
              "added p99 us");
  const double base50 = percentile(modes[0].us, 0.5), base99 = percentile(modes[0].us, 0.99);
  for (auto& m : modes) {
    const double p50 = percentile(m.us, 0.5), p99 = percentile(m.us, 0.99);
    std::printf("%-14s %10.1f %10.1f %14.1f %14.1f\n", m.name.c_str(), p50, p99, p50 - base50,
                p99 - base99);
  }
  modes.clear();
  fs::remove_all(dir);
  return 0;
}
