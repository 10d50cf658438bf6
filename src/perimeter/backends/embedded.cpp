#include "backends/embedded.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace perimeter::backends {

engine::Sampling resolve_sampling(const config::Sampling& d, const SamplingOverrides& req) {
  engine::Sampling s;
  s.temperature = req.temperature.value_or(d.temperature);
  s.top_k = req.top_k.value_or(d.top_k);
  s.top_p = req.top_p.value_or(d.top_p);
  s.min_p = req.min_p.value_or(d.min_p);
  s.max_tokens = req.max_tokens.value_or(d.max_tokens);
  if (req.seed) {
    s.seed = *req.seed;
  } else if (d.seed) {
    s.seed = *d.seed;
  } else {
    static thread_local std::mt19937 rng{std::random_device{}()};
    s.seed = static_cast<uint32_t>(rng() % 0xFFFFFFFFu);
  }
  s.stop = req.stop;
  s.logit_bias = req.logit_bias;
  s.grammar = req.grammar;
  if (s.temperature < 0 || s.temperature > 2)
    throw invalid_request("temperature: must be in [0, 2]", "temperature");
  if (!(s.top_p > 0 && s.top_p <= 1)) throw invalid_request("top_p: must be in (0, 1]", "top_p");
  if (s.min_p < 0 || s.min_p > 1) throw invalid_request("min_p: must be in [0, 1]", "min_p");
  if (s.top_k < 0) throw invalid_request("top_k: must be >= 0", "top_k");
  if (s.max_tokens < 1) throw invalid_request("max_tokens: must be >= 1", "max_tokens");
  return s;
}

namespace {

// One request's answer as the backend relays it: the first of a token and
// the queue-wait deadline wins, so an expired request never shows a token.
struct Relay {
  enum State { Waiting, Answering, Expired };
  std::mutex mutex;
  State state = Waiting;
  AnswerSink sink;
  std::shared_ptr<engine::Ticket> ticket;
};

}  // namespace

// Deadlines of queued requests, watched by one thread.
struct EmbeddedBackend::Waits {
  std::mutex mutex;
  std::condition_variable cv;
  std::multimap<std::chrono::steady_clock::time_point, std::weak_ptr<Relay>> due;
  bool stopping = false;
  std::thread thread;
};

EmbeddedBackend::~EmbeddedBackend() {
  {
    std::lock_guard lock(waits_->mutex);
    waits_->stopping = true;
  }
  waits_->cv.notify_all();
  waits_->thread.join();
}

EmbeddedBackend::EmbeddedBackend(const config::Model& model, std::function<void(float)> on_progress)
    : model_(model) {
  engine::EngineOptions o;
  o.name = model.id;
  o.path = model.path;
  o.sha256 = model.sha256;
  o.slots = model.slots;
  o.threads = model.threads;
  o.context = model.context;
  o.queue = model.queue;
  for (const auto& a : model.adapters)
    o.adapters.push_back({a.name, a.path, a.sha256, static_cast<float>(a.scale)});
  o.on_progress = std::move(on_progress);
  engine_ = engine::Engine::load(o);
  waits_ = std::make_unique<Waits>();
  waits_->thread = std::thread([this] { watch(); });
}

void EmbeddedBackend::watch() {
  Waits& w = *waits_;
  std::unique_lock lock(w.mutex);
  while (!w.stopping) {
    if (w.due.empty()) {
      w.cv.wait(lock);
      continue;
    }
    const auto when = w.due.begin()->first;
    if (std::chrono::steady_clock::now() < when) {
      w.cv.wait_until(lock, when);
      continue;
    }
    auto relay = w.due.begin()->second.lock();
    w.due.erase(w.due.begin());
    if (!relay) continue;
    // Nobody waiting means this request holds a slot (it is still reading
    // its prompt): not saturated.
    if (engine_->stats().queued == 0) continue;
    {
      std::lock_guard rl(relay->mutex);
      if (relay->state != Relay::Waiting) continue;
      relay->state = Relay::Expired;
    }
    relay->ticket->cancel();
    lock.unlock();
    Completion done;
    done.model_sha256 = model_.sha256;
    const auto st = engine_->stats();
    done.error =
        Error(503, "server_error",
              "Model '" + model_.id + "' is saturated: the request waited " +
                  std::to_string(model_.queue_wait_ms) + " ms (queue_wait_ms) for one of " +
                  std::to_string(st.slots) + " slots (" + std::to_string(st.queued) +
                  " requests waiting, queue " + std::to_string(model_.queue) +
                  "). It produced no output; retry later or use another model.",
              "", "upstream_saturated");
    if (relay->sink.on_done) relay->sink.on_done(done);
    lock.lock();
  }
}

std::function<void()> EmbeddedBackend::start(const ChatRequest& request, AnswerSink sink) {
  auto relay = std::make_shared<Relay>();
  relay->sink = std::move(sink);
  AnswerSink inner;
  inner.on_delta = [relay](std::string_view d) {
    {
      std::lock_guard lock(relay->mutex);
      if (relay->state == Relay::Expired) return;
      relay->state = Relay::Answering;
    }
    if (relay->sink.on_delta) relay->sink.on_delta(d);
  };
  inner.on_done = [relay](const Completion& c) {
    {
      std::lock_guard lock(relay->mutex);
      if (relay->state == Relay::Expired) return;  // its on_done was already sent
      relay->state = Relay::Answering;
    }
    if (relay->sink.on_done) relay->sink.on_done(c);
  };
  try {
    engine::Sampling sampling = resolve_sampling(model_.sampling, request.sampling);
    sampling.adapter = request.adapter;
    relay->ticket = engine_->submit(request.messages, sampling, std::move(inner));
  } catch (const Error& e) {
    if (e.code != "overloaded") throw;
    // The dispatcher's contract: no capacity = upstream_saturated.
    throw Error(503, "server_error",
                "Model '" + model_.id + "' is saturated: " + e.what() +
                    " The request was not started; retry later or use another model.",
                "", "upstream_saturated");
  }
  if (model_.queue_wait_ms > 0) {
    std::lock_guard lock(waits_->mutex);
    waits_->due.emplace(
        std::chrono::steady_clock::now() + std::chrono::milliseconds(model_.queue_wait_ms), relay);
    waits_->cv.notify_all();
  }
  auto ticket = relay->ticket;
  return [ticket] { ticket->cancel(); };
}

BackendInfo EmbeddedBackend::info() const {
  BackendInfo info{model_.id, "embedded", model_.sha256, "local", {}};
  for (const auto& a : model_.adapters) info.adapters.push_back(a.name);
  return info;
}

}  // namespace perimeter::backends
