// Concurrency-1 latency of one chat request sent straight to the upstream,
// through Perimeter and through Portkey, interleaved round-robin in one run
// so that a noisy machine hits all targets alike. One keep-alive connection
// per target. Prints p50/p90/p99 per target and the added latency (target
// minus direct) at each percentile. With --block B the targets take turns of
// B requests instead of one: a gateway's work after answering (Node's
// garbage collector, a log write) then lands mostly on its own next request
// rather than on the other targets'.
//
//   overhead_client --direct PORT --perimeter PORT [--portkey PORT]
//                   [--n 5000] [--warmup 500] [--stream] [--block 1]
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Target {
  std::string name;
  uint16_t port = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<tcp::socket> sock;
  beast::flat_buffer buf;
  std::vector<double> us;  // measured latencies, microseconds
  int failures = 0;
};

// The request every target gets: a short prompt with an e-mail address so
// that detection has something to find.
std::string body(bool stream) {
  std::string b =
      R"({"model":"bench","messages":[{"role":"user","content":"Please reply to jane.doe@example.com and confirm the meeting on Tuesday."}],"max_tokens":16)";
  if (stream) b += R"(,"stream":true,"stream_options":{"include_usage":true})";
  return b + "}";
}

void connect(asio::io_context& io, Target& t) {
  t.sock.emplace(io);
  t.sock->connect({asio::ip::make_address("127.0.0.1"), t.port});
  t.sock->set_option(tcp::no_delay(true));
  t.buf.clear();
}

// One request on the target's connection; its latency in µs, or -1 on failure.
double once(asio::io_context& io, Target& t, const std::string& payload) {
  http::request<http::string_body> req{http::verb::post, "/v1/chat/completions", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::content_type, "application/json");
  req.set(http::field::authorization, "Bearer sk-bench");
  for (const auto& [k, v] : t.headers) req.set(k, v);
  req.keep_alive(true);
  req.body() = payload;
  req.prepare_payload();
  beast::error_code ec;
  if (!t.sock) connect(io, t);
  const auto start = Clock::now();
  http::write(*t.sock, req, ec);
  http::response<http::string_body> res;
  if (!ec) http::read(*t.sock, t.buf, res, ec);
  const auto end = Clock::now();
  if (ec || res.result() != http::status::ok || res.body().find("address.") == std::string::npos) {
    if (t.failures++ < 3)
      std::fprintf(stderr, "%s: %s %d %.200s\n", t.name.c_str(), ec ? ec.message().c_str() : "",
                   static_cast<int>(res.result_int()), res.body().c_str());
    t.sock.reset();
    return -1;
  }
  if (!res.keep_alive()) t.sock.reset();
  return std::chrono::duration<double, std::micro>(end - start).count();
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * v.size()));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  uint16_t direct = 0, perimeter = 0, portkey = 0;
  int n = 5000, warmup = 500, block = 1;
  bool stream = false;
  for (int i = 1; i < argc; ++i) {
    auto next = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", argv[i]);
        std::exit(2);
      }
      return std::atoi(argv[++i]);
    };
    if (!std::strcmp(argv[i], "--direct"))
      direct = next();
    else if (!std::strcmp(argv[i], "--perimeter"))
      perimeter = next();
    else if (!std::strcmp(argv[i], "--portkey"))
      portkey = next();
    else if (!std::strcmp(argv[i], "--n"))
      n = next();
    else if (!std::strcmp(argv[i], "--warmup"))
      warmup = next();
    else if (!std::strcmp(argv[i], "--block"))
      block = std::max(1, next());
    else if (!std::strcmp(argv[i], "--stream"))
      stream = true;
    else {
      std::fprintf(stderr,
                   "unknown argument %s; usage: overhead_client --direct PORT --perimeter PORT "
                   "[--portkey PORT] [--n N] [--warmup N] [--stream] [--block B]\n",
                   argv[i]);
      return 2;
    }
  }
  if (!direct || !perimeter) {
    std::fprintf(stderr, "--direct and --perimeter are required (ports on 127.0.0.1)\n");
    return 2;
  }
  std::vector<Target> targets(1);
  targets[0].name = "direct";
  targets[0].port = direct;
  targets.push_back({"perimeter", perimeter, {}, {}, {}, {}, 0});
  if (portkey) {
    const std::string host = "http://127.0.0.1:" + std::to_string(direct) + "/v1";
    targets.push_back({"portkey",
                       portkey,
                       {{"x-portkey-provider", "openai"}, {"x-portkey-custom-host", host}},
                       {},
                       {},
                       {},
                       0});
  }
  std::signal(SIGPIPE, SIG_IGN);  // a closed connection is an error to report, not a crash
  asio::io_context io;
  const std::string payload = body(stream);
  for (int i = 0; i < warmup + n; i += block) {
    // Rotate the starting target so that none always runs right after another.
    for (size_t k = 0; k < targets.size(); ++k) {
      Target& t = targets[(i / block + k) % targets.size()];
      for (int j = i; j < std::min(i + block, warmup + n); ++j) {
        const double us = once(io, t, payload);
        if (j >= warmup && us >= 0) t.us.push_back(us);
      }
    }
  }
  std::printf("c=1 %s, %d requests per target after %d warm-up, latency in ms\n",
              stream ? "streaming" : "non-streaming", n, warmup);
  std::printf("%-10s %8s %8s %8s %8s %9s %9s %9s %6s\n", "target", "p50", "p90", "p99", "mean",
              "+p50", "+p90", "+p99", "fail");
  const auto& d = targets[0].us;
  const double d50 = pct(d, 50), d90 = pct(d, 90), d99 = pct(d, 99);
  std::vector<double> added50;
  for (const auto& t : targets) {
    double mean = 0;
    for (double x : t.us) mean += x;
    mean = t.us.empty() ? 0 : mean / t.us.size();
    const double p50 = pct(t.us, 50), p90 = pct(t.us, 90), p99 = pct(t.us, 99);
    std::printf("%-10s %8.3f %8.3f %8.3f %8.3f %9.3f %9.3f %9.3f %6d\n", t.name.c_str(), p50 / 1e3,
                p90 / 1e3, p99 / 1e3, mean / 1e3, (p50 - d50) / 1e3, (p90 - d90) / 1e3,
                (p99 - d99) / 1e3, t.failures);
    added50.push_back(p50 - d50);
  }
  if (targets.size() == 3 && added50[1] > 0)
    std::printf("portkey added / perimeter added at p50: %.1fx\n", added50[2] / added50[1]);
  bool failed = false;
  for (const auto& t : targets) failed |= t.us.empty();
  return failed ? 1 : 0;
}
