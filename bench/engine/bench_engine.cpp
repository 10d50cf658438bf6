// Decode speed of Perimeter's embedded engine versus llama.cpp's own
// llama-server: same GGUF, threads, context and sampling, both driven over
// HTTP with streaming requests, runs alternating between the two servers.
// Prints median decode tokens/s for 1 and 4 concurrent streams and the
// ratio Perimeter / llama-server. Not a test: numbers, not assertions.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

namespace net = boost::asio;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string perimeter = "build/src/perimeter/cli/perimeter";
  std::string llama_server;
  std::string model = "build/bench-models/bench.gguf";
  int threads = 2;
  int context = 1024;  // per stream
  int tokens = 128;
  int runs = 5;
};

struct Stream {
  double first = 0, last = 0;  // seconds since start, first/last content event
  std::string finish;
  bool answered = false;  // content arrived
};

// Streams one request over a raw socket, timestamping SSE events as they
// arrive (both servers answer with chunked transfer coding).
Stream run_stream(uint16_t port, const json& body, Clock::time_point t0) {
  net::io_context ioc;
  net::ip::tcp::socket s(ioc);
  s.connect({net::ip::make_address("127.0.0.1"), port});
  s.set_option(net::ip::tcp::no_delay(true));
  const std::string payload = body.dump();
  const std::string req =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(payload.size()) + "\r\n\r\n" + payload;
  net::write(s, net::buffer(req));
  Stream out;
  std::string raw;   // bytes off the socket
  std::string text;  // de-chunked body not yet split into lines
  bool in_body = false;
  char tmp[16384];
  boost::system::error_code ec;
  auto handle_line = [&](const std::string& line, double now) {
    if (line.rfind("data: {", 0) != 0) return;
    json j = json::parse(line.substr(6), nullptr, false);
    if (j.is_discarded() || !j.contains("choices") || j["choices"].empty()) return;
    const json& c = j["choices"][0];
    if (c.contains("delta") && c["delta"].contains("content") &&
        c["delta"]["content"].is_string() && !c["delta"]["content"].get<std::string>().empty()) {
      if (out.first == 0) out.first = now;
      out.last = now;
    }
    if (c.contains("finish_reason") && c["finish_reason"].is_string())
      out.finish = c["finish_reason"];
  };
  for (;;) {
    size_t n = s.read_some(net::buffer(tmp), ec);
    const double now = std::chrono::duration<double>(Clock::now() - t0).count();
    if (n == 0 || ec) break;
    raw.append(tmp, n);
    if (!in_body) {
      const size_t h = raw.find("\r\n\r\n");
      if (h == std::string::npos) continue;

      raw.erase(0, h + 4);
      in_body = true;
    }
    // Chunked transfer coding: "<hex size>\r\n<data>\r\n"; a chunk may end
    // in the middle of an SSE line, so lines are split after de-chunking.
    for (;;) {
      const size_t eol = raw.find("\r\n");
      if (eol == std::string::npos) break;
      const size_t size = std::stoul(raw.substr(0, eol), nullptr, 16);
      if (raw.size() < eol + 2 + size + 2) break;
      text.append(raw, eol + 2, size);
      raw.erase(0, eol + 2 + size + 2);
    }
    size_t pos;
    while ((pos = text.find('\n')) != std::string::npos) {
      handle_line(text.substr(0, pos), now);
      text.erase(0, pos + 1);
    }
  }
  out.answered = out.first > 0;
  return out;
}

// Aggregate decode tokens/s of `streams` concurrent requests.
double measure(uint16_t port, const std::string& model, int streams, int tokens, int run) {
  const auto t0 = Clock::now();
  std::vector<std::future<Stream>> fs;
  for (int i = 0; i < streams; ++i) {
    json body = {
        {"model", model},
        {"messages",
         {{{"role", "user"},
           {"content", "Benchmark stream " + std::to_string(i) + " run " + std::to_string(run)}}}},
        {"max_tokens", tokens},
        {"temperature", 0.8},
        {"top_k", 40},
        {"top_p", 0.95},
        {"min_p", 0.05},
        {"seed", 1000 + i},
        {"stream", true},
        // The random model must not end early: forbid its end tokens.
        {"logit_bias", {{"151643", -100}, {"151645", -100}}}};
    fs.push_back(std::async(std::launch::async, [=] {
      // llama-server occasionally ends a stream with no content under
      // concurrent load; such a stream is retried, and said so.
      for (int attempt = 0;; ++attempt) {
        Stream s = run_stream(port, body, t0);
        if (s.answered || attempt == 3) return s;
        std::fprintf(stderr, "note: port %d sent a stream without content; retrying\n", port);
      }
    }));
  }
  double first = 1e9, last = 0;
  for (auto& f : fs) {
    Stream s = f.get();
    // An empty finish means the final chunk did not parse: llama-server's
    // "timings" can hold non-JSON numbers. Timing comes from content events.
    if (!s.finish.empty() && s.finish != "length")
      std::fprintf(stderr, "warning: a stream on port %d ended with finish_reason '%s'\n", port,
                   s.finish.c_str());
    first = std::min(first, s.first);
    last = std::max(last, s.last);
  }
  // Decode phase: from the first streamed token to the last one.
  return streams * (tokens - 1) / (last - first);
}

pid_t spawn(const std::vector<std::string>& argv) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    execv(a[0], a.data());
    _exit(127);
  }
  return pid;
}

bool wait_ready(uint16_t port, const std::string& path) {
  for (int i = 0; i < 600; ++i) {
    try {
      net::io_context ioc;
      net::ip::tcp::socket s(ioc);
      s.connect({net::ip::make_address("127.0.0.1"), port});
      const std::string req = "GET " + path + " HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n";
      net::write(s, net::buffer(req));
      char buf[64] = {};
      boost::system::error_code ec;
      s.read_some(net::buffer(buf, 63), ec);
      if (std::string(buf).find(" 200 ") != std::string::npos) return true;
    } catch (...) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--perimeter")
      a.perimeter = v;
    else if (k == "--llama-server")
      a.llama_server = v;
    else if (k == "--model")
      a.model = v;
    else if (k == "--threads")
      a.threads = std::atoi(v.c_str());
    else if (k == "--tokens")
      a.tokens = std::atoi(v.c_str());
    else if (k == "--runs")
      a.runs = std::atoi(v.c_str());
    else if (k == "--context")
      a.context = std::atoi(v.c_str());
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (a.llama_server.empty()) {
    std::fprintf(stderr,
                 "usage: bench_engine --llama-server PATH [--perimeter PATH] [--model bench.gguf] "
                 "[--threads 2] [--tokens 128] [--runs 5]\n");
    return 2;
  }
  if (access(a.model.c_str(), R_OK) != 0) {
    std::string cmd = a.perimeter + " demo-model " + a.model + " --shape bench --seed 1 >/dev/null";
    std::system(("mkdir -p $(dirname " + a.model + ")").c_str());
    if (std::system(cmd.c_str()) != 0) return 1;
  }
  char shabuf[65] = {};
  FILE* p = popen(("sha256sum " + a.model).c_str(), "r");
  if (!p || fread(shabuf, 1, 64, p) != 64) return 1;
  pclose(p);

  const int slots = 4;
  const uint16_t perimeter_port = 18431, llama_port = 18432;
  const std::string cfg = "/tmp/perimeter-bench-engine.yaml";
  FILE* f = fopen(cfg.c_str(), "w");
  std::fprintf(f,
               "listen: 127.0.0.1:%d\nmodels:\n  bench:\n    engine: embedded\n    path: %s\n    "
               "sha256: %s\n"
               "    slots: %d\n    threads: %d\n    context: %d\n",
               perimeter_port, realpath(a.model.c_str(), nullptr), shabuf, slots, a.threads,
               a.context);
  fclose(f);
  pid_t pp = spawn({a.perimeter, "serve", "-c", cfg});
  pid_t lp = spawn({a.llama_server,
                    "-m",
                    a.model,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    std::to_string(llama_port),
                    "-t",
                    std::to_string(a.threads),
                    "-tb",
                    std::to_string(a.threads),
                    "-c",
                    std::to_string(a.context * slots),
                    "-np",
                    std::to_string(slots),
                    "--no-kv-unified",
                    "--no-webui",
                    "--cache-ram",
                    "0",
                    "--threads-http",
                    "8"});
  if (!wait_ready(perimeter_port, "/readyz") || !wait_ready(llama_port, "/health")) {
    std::fprintf(stderr, "a server did not become ready\n");
    kill(pp, SIGTERM);
    kill(lp, SIGTERM);
    return 1;
  }
  std::printf(
      "model %s (sha256 %.12s), threads %d, context %d/stream, %d tokens/stream, %d runs each\n",
      a.model.c_str(), shabuf, a.threads, a.context, a.tokens, a.runs);
  for (int streams : {1, 4}) {
    // Warm-up, then alternate servers so drift on a noisy machine hits both.
    measure(perimeter_port, "bench", streams, 16, -1);
    measure(llama_port, "bench", streams, 16, -1);
    std::vector<double> per, lla;
    for (int r = 0; r < a.runs; ++r) {
      per.push_back(measure(perimeter_port, "bench", streams, a.tokens, r));
      lla.push_back(measure(llama_port, "bench", streams, a.tokens, r));
    }
    std::printf(
        "%d stream%s: perimeter %.1f tok/s, llama-server %.1f tok/s (medians of %d), ratio %.3f\n",
        streams, streams > 1 ? "s" : " ", median(per), median(lla), a.runs,
        median(per) / median(lla));
    std::fflush(stdout);
  }
  kill(pp, SIGTERM);
  kill(lp, SIGTERM);
  waitpid(pp, nullptr, 0);
  waitpid(lp, nullptr, 0);
  return 0;
}
