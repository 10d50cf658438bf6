#include "audit/audit_log.h"

#include <algorithm>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "audit/chain.h"
#include "core/sha256.h"

namespace perimeter::audit {

// ---- options -----------------------------------------------------------------

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& rule) {
  throw std::runtime_error(path + ": " + rule);
}

std::string get_string(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) fail(path, "must be a string");
  return n.as<std::string>();
}

// Which of `names` the scalar `v` is; fails naming them all otherwise.
size_t choice(const YAML::Node& v, const std::string& path, std::vector<std::string> names) {
  const std::string s = get_string(v, path);
  std::string expected;
  for (size_t i = 0; i < names.size(); ++i) {
    if (s == names[i]) return i;
    expected += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + ('"' + names[i] + '"');
  }
  fail(path, "must be " + expected);
}

bool valid_chain_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

}  // namespace

AuditOptions parse_audit_options(const YAML::Node& node, const std::string& key_path) {
  AuditOptions o;
  if (!node || node.IsNull()) fail(key_path + ".signing_key", "is required");
  if (!node.IsMap()) fail(key_path, "must be a mapping");
  bool have_key = false;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string path = key_path + "." + key;
    const YAML::Node& v = kv.second;
    if (key == "store") {
      o.store = get_string(v, path);
      bool ok = (o.store.rfind("sqlite:", 0) == 0 && o.store.size() > 7) ||
                o.store.rfind("postgresql://", 0) == 0 || o.store.rfind("postgres://", 0) == 0;
      if (!ok) fail(path, "must be \"sqlite:PATH\" or a \"postgresql://...\" URI");
    } else if (key == "store_text") {
      bool b = false;
      if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b)) fail(path, "must be true or false");
      o.store_text = b;
    } else if (key == "checkpoint_every") {
      long long n = 0;
      if (!v.IsScalar() || !YAML::convert<long long>::decode(v, n))
        fail(path, "must be an integer");
      if (n < 1) fail(path, "must be >= 1");
      o.checkpoint_every = n;
    } else if (key == "signing_key") {
      o.signing_key = get_string(v, path);
      if (o.signing_key.empty()) fail(path, "must name an Ed25519 private key file");
      have_key = true;
    } else if (key == "public_key") {
      o.public_key = get_string(v, path);
    } else if (key == "replica") {
      o.replica = get_string(v, path);
      if (!valid_chain_name(o.replica)) fail(path, "must be 1-64 characters of [A-Za-z0-9._-]");
    } else if (key == "sync") {
      o.sync = choice(v, path, {"full", "normal"}) == 0 ? SyncMode::Full : SyncMode::Normal;
    } else if (key == "durable_before") {
      o.durable_before = choice(v, path, {"dispatch", "egress"}) == 0 ? DurableBefore::Dispatch
                                                                      : DurableBefore::Egress;
    } else {
      fail(path,
           "unknown key (expected store, store_text, checkpoint_every, signing_key, "
           "public_key, replica, sync, durable_before)");
    }
  }
  if (!have_key)
    fail(key_path + ".signing_key",
         "is required (create one with `perimeter audit keygen --out FILE`)");
  if (o.public_key.empty()) o.public_key = default_public_key_path(o.signing_key).string();
  return o;
}

void resolve_paths(AuditOptions& o, const std::filesystem::path& base_dir) {
  auto abs = [&](const std::string& p) {
    std::filesystem::path f(p);
    return f.is_relative() ? (base_dir / f).lexically_normal().string() : p;
  };
  if (o.store.rfind("sqlite:", 0) == 0) {
    std::string path = o.store.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);
    o.store = "sqlite:" + abs(path);
  }
  o.signing_key = abs(o.signing_key);
  o.public_key = abs(o.public_key);
}

// ---- the log -------------------------------------------------------------------

struct AuditLog::Waiter {
  bool done = false;
  std::exception_ptr error;
};

struct AuditLog::Pending {
  Row row;
  bool has_text = false;
  TextRow text;
  bool needs_sig = false;  // a checkpoint: signed by the leader, outside the lock
  Waiter* waiter = nullptr;
  std::chrono::steady_clock::time_point queued_at;
};

std::unique_ptr<AuditLog> AuditLog::open(const AuditOptions& options) {
  SigningKey key = SigningKey::load(options.signing_key);
  StoreOptions so;
  so.sync = options.sync;
  return std::make_unique<AuditLog>(open_store(options.store, so), std::move(key), options.replica,
                                    options.checkpoint_every, options.store_text);
}

AuditLog::AuditLog(std::unique_ptr<Store> store, SigningKey key, std::string chain,
                   int64_t checkpoint_every, bool store_text)
    : store_(std::move(store)),
      key_(std::move(key)),
      key_id_(key_.public_key().key_id()),
      chain_(std::move(chain)),
      checkpoint_every_(std::max<int64_t>(1, checkpoint_every)),
      store_text_(store_text) {
  if (!valid_chain_name(chain_))
    throw std::runtime_error("audit chain name '" + chain_ +
                             "' must be 1-64 characters of [A-Za-z0-9._-]");
  store_->claim_chain(chain_);
  std::unique_lock lk(mu_);
  continue_after(read_tail());
  auto last = store_->last(chain_);
  if (last && last->type != "checkpoint") {
    Waiter w;
    Receipt r;
    enqueue_checkpoint_locked("recovery", &w, &r);
    wait_durable(lk, w);
  }
  background_ = std::thread([this] { background_commits(); });
}

void AuditLog::background_commits() {
  std::unique_lock lk(mu_);
  Clock::time_point next_resync{};
  while (!stop_background_) {
    if (needs_resync_ && !committing_ && !resyncing_ && queue_.empty()) {
      // After a failed commit, re-read the tail here rather than in the next
      // enqueue: that may run on a network thread, which must not wait for
      // the store. A store still failing is tried again once a second.
      if (Clock::now() < next_resync) {
        cv_.wait_until(lk, next_resync);
        continue;
      }
      try {
        resync(lk);
      } catch (const std::exception& e) {
        spdlog::error("audit: re-reading chain '{}' after a failed commit: {}", chain_, e.what());
        next_resync = Clock::now() + std::chrono::seconds(1);
      }
      continue;
    }
    if (queue_.empty() || committing_) {
      cv_.wait(lk);
      continue;
    }
    // Anyone waiting on the queue commits it themselves; otherwise the
    // oldest record has lingered long enough once this passes.
    const auto due = queue_.front().queued_at + kBackgroundLinger;
    if (Clock::now() < due)
      cv_.wait_until(lk, due);
    else
      commit_batch(lk);
  }
}

AuditLog::~AuditLog() {
  try {
    close();
  } catch (...) {
  }
  if (background_.joinable()) background_.join();  // closed elsewhere and still unwinding
}

AuditLog::Tail AuditLog::read_tail() {
  // Continue after the last durable record, but only if the signed head is
  // genuine and the record it pins is intact: appending after a truncated or
  // edited chain would bury the evidence under a fresh signature.
  auto last = store_->last(chain_);
  auto head = store_->head(chain_);
  if (last || head) {
    auto problem = [&](const std::string& why) {
      throw std::runtime_error("audit chain '" + chain_ + "' is damaged (" + why +
                               "); refusing to append. Run `perimeter audit verify`.");
    };
    if (!head) problem("records but no signed head");
    if (!key_.public_key().verify(head_message(*head), head->sig))
      problem("head signature does not verify with this signing key");
    if (!last || last->seq < head->seq)
      problem("the signed head is at seq " + std::to_string(head->seq) +
              " but the last record is seq " + std::to_string(last ? last->seq : 0));
    std::optional<Row> pinned;
    store_->scan(chain_, head->seq, [&](const Row& r) {
      if (r.seq == head->seq) pinned = r;
      return false;
    });
    if (!pinned || pinned->hash != head->hash || sha256_hex(pinned->body) != pinned->hash)
      problem("record " + std::to_string(head->seq) + " does not match the signed head");
    if (sha256_hex(last->body) != last->hash)
      problem("last record's hash does not match its content");
  }
  return {std::move(last), std::move(head)};
}

void AuditLog::continue_after(const Tail& t) {
  signed_head_ = t.head ? *t.head : Head{};
  next_seq_ = t.last ? t.last->seq + 1 : 1;
  last_hash_ = t.last ? t.last->hash : kGenesisHash;
  since_checkpoint_ = 0;
  needs_resync_ = false;
}

void AuditLog::resync(std::unique_lock<std::mutex>& lk) {
  // The store is read without the lock, so that enqueue_* never waits for
  // it; meanwhile they refuse (needs_resync_) and waiting appends wait.
  resyncing_ = true;
  lk.unlock();
  std::optional<Tail> tail;
  std::exception_ptr err;
  try {
    tail = read_tail();
  } catch (...) {
    err = std::current_exception();
  }
  lk.lock();
  resyncing_ = false;
  cv_.notify_all();
  if (err) std::rethrow_exception(err);
  continue_after(*tail);
}

void AuditLog::enqueue_locked(std::string_view type, const std::string& request_id,
                              const std::string& payload, std::string_view text,
                              const char* text_kind, Waiter* waiter, Receipt* receipt) {
  Pending p;
  p.row.chain = chain_;
  p.row.seq = next_seq_;
  p.row.time_ms = now_ms();
  p.row.type = std::string(type);
  p.row.request_id = request_id;
  p.row.body = record_bytes(payload, chain_, last_hash_, p.row.seq, p.row.time_ms, type);
  p.row.hash = sha256_hex(p.row.body);
  if (store_text_ && text_kind && !text.empty()) {
    p.has_text = true;
    p.text = TextRow{chain_, p.row.seq, text_kind, request_id, p.row.time_ms, std::string(text)};
  }
  p.waiter = waiter;
  p.queued_at = Clock::now();
  if (receipt) *receipt = Receipt{p.row.seq, p.row.hash};
  ++next_seq_;
  last_hash_ = p.row.hash;
  queue_.push_back(std::move(p));
}

void AuditLog::enqueue_checkpoint_locked(const std::string& reason, Waiter* waiter,
                                         Receipt* receipt) {
  nlohmann::json j = nlohmann::json::object();
  j["reason"] = reason;
  j["key_id"] = key_id_;
  j["records"] = next_seq_;  // records in the chain including this checkpoint
  j["previous_checkpoint"] = last_checkpoint_seq_;
  last_checkpoint_seq_ = next_seq_;
  enqueue_locked("checkpoint", "", canonical(j), {}, nullptr, waiter, receipt);
  queue_.back().needs_sig = true;
  since_checkpoint_ = 0;
}

void AuditLog::await_resync_locked(std::unique_lock<std::mutex>& lk) {
  while (needs_resync_) {
    // A failed batch may still be unwinding; re-read the tail once it has.
    if (!committing_ && !resyncing_ && queue_.empty()) {
      resync(lk);
      continue;
    }
    cv_.wait(lk);
  }
}

Receipt AuditLog::append(std::string_view type, const std::string& request_id, std::string payload,
                         std::string_view text, const char* text_kind, bool wait) {
  Waiter w;
  Receipt r;
  std::unique_lock lk(mu_);
  if (closed_) throw std::runtime_error("audit log is closed");
  if (!wait && needs_resync_)  // chaining now could fork the chain; re-reading would block
    throw std::runtime_error(
        "a commit to the audit store just failed and the chain's tail is being re-read; "
        "record not written");
  await_resync_locked(lk);
  const bool was_empty = queue_.empty();
  enqueue_locked(type, request_id, payload, text, text_kind, wait ? &w : nullptr, &r);
  if (++since_checkpoint_ >= checkpoint_every_)
    enqueue_checkpoint_locked("interval", nullptr, nullptr);
  if (!wait) {
    if (was_empty) cv_.notify_all();  // the background thread starts its linger
    return r;
  }
  wait_durable(lk, w);
  return r;
}

void AuditLog::wait_durable(std::unique_lock<std::mutex>& lk, Waiter& w) {
  while (!w.done) {
    if (committing_ || queue_.empty())
      cv_.wait(lk);
    else
      commit_batch(lk);  // become the leader for everything queued so far
  }
  if (w.error) std::rethrow_exception(w.error);
}

void AuditLog::commit_batch(std::unique_lock<std::mutex>& lk) {
  committing_ = true;
  std::vector<Pending> batch;
  batch.swap(queue_);
  Head head;
  head.chain = chain_;
  head.seq = batch.back().row.seq;
  head.hash = batch.back().row.hash;
  head.time_ms = now_ms();
  lk.unlock();

  // Only one leader runs at a time, so signed_head_ needs no lock here.
  std::exception_ptr err;
  bool signed_now = false;
  try {
    std::vector<Row> rows;
    std::vector<TextRow> texts;
    rows.reserve(batch.size());
    bool has_checkpoint = false;
    for (Pending& p : batch) {
      if (p.needs_sig) {
        p.row.sig = key_.sign(checkpoint_message(p.row.hash));
        has_checkpoint = true;
      }
      rows.push_back(p.row);
      if (p.has_text) texts.push_back(p.text);
    }
    // Re-sign the head with every checkpoint and at most every
    // kHeadSignIntervalMs otherwise: one signature and one extra page per
    // commit would nearly double the cost of a commit.
    if (has_checkpoint || head.time_ms - signed_head_.time_ms >= kHeadSignIntervalMs ||
        signed_head_.seq == 0) {
      head.sig = key_.sign(head_message(head));
      signed_now = true;
    }
    store_->append(rows, texts, signed_now ? &head : nullptr);
    if (signed_now) signed_head_ = head;
  } catch (...) {
    err = std::current_exception();
  }

  lk.lock();
  committing_ = false;
  int64_t records = 0, checkpoints = 0;
  for (Pending& p : batch) {
    (p.row.type == "checkpoint" ? checkpoints : records)++;
    if (p.waiter) {
      p.waiter->done = true;
      p.waiter->error = err;
    }
  }
  if (!err) {
    stats_.records += records;
    stats_.checkpoints += checkpoints;
    stats_.commits++;
  } else {
    // Records queued meanwhile were chained onto the failed batch: fail them
    // too, and re-read the durable tail before the next append.
    stats_.failures++;
    for (Pending& p : queue_) {
      if (p.waiter) {
        p.waiter->done = true;
        p.waiter->error = err;
      }
    }
    log_lost(batch, err);
    queue_.clear();
    needs_resync_ = true;
  }
  cv_.notify_all();
}

void AuditLog::log_lost(const std::vector<Pending>& batch, std::exception_ptr err) {
  // A waiting caller hears of the failure itself; records nobody waited for
  // are named here, or nobody would know which requests lack them.
  std::string why = "unknown error";
  try {
    std::rethrow_exception(err);
  } catch (const std::exception& e) {
    why = e.what();
  } catch (...) {
  }
  std::string lost;
  auto name = [&](const Pending& p) {
    if (p.waiter || p.row.type == "checkpoint") return;
    ++stats_.lost;
    lost += (lost.empty() ? "" : ", ") + p.row.type + ' ' + p.row.request_id;
  };
  for (const Pending& p : batch) name(p);
  for (const Pending& p : queue_) name(p);
  spdlog::error("audit: commit of records {}..{} to chain '{}' failed: {}{}{}",
                batch.front().row.seq, (queue_.empty() ? batch : queue_).back().row.seq, chain_,
                why, lost.empty() ? "" : "; not written: ", lost);
}

Receipt AuditLog::append_decision(const Decision& d, std::string_view prompt_text) {
  return append("decision", d.request_id, canonical(to_json(d)), prompt_text, "prompt");
}

Receipt AuditLog::enqueue_decision(const Decision& d, std::string_view prompt_text) {
  return append("decision", d.request_id, canonical(to_json(d)), prompt_text, "prompt", false);
}

Receipt AuditLog::enqueue_outcome(const Outcome& o, std::string_view completion_text) {
  return append("outcome", o.request_id, canonical(to_json(o)), completion_text, "completion",
                false);
}

Receipt AuditLog::append_outcome(const Outcome& o, std::string_view completion_text) {
  return append("outcome", o.request_id, canonical(to_json(o)), completion_text, "completion");
}

Receipt AuditLog::append_fallback(const Fallback& f) {
  return append("fallback", f.request_id, canonical(to_json(f)), {}, nullptr);
}

Receipt AuditLog::checkpoint(const std::string& reason) {
  Waiter w;
  Receipt r;
  std::unique_lock lk(mu_);
  if (closed_) throw std::runtime_error("audit log is closed");
  await_resync_locked(lk);
  enqueue_checkpoint_locked(reason, &w, &r);
  wait_durable(lk, w);
  return r;
}

void AuditLog::close() {
  std::exception_ptr err;
  {
    Waiter w;
    std::unique_lock lk(mu_);
    if (closed_) return;
    closed_ = true;  // no append may follow the closing checkpoint
    try {
      await_resync_locked(lk);
      enqueue_checkpoint_locked("close", &w, nullptr);
      wait_durable(lk, w);
    } catch (...) {
      err = std::current_exception();
    }
    stop_background_ = true;
    cv_.notify_all();
  }
  if (background_.joinable()) background_.join();
  if (err) std::rethrow_exception(err);
}

int64_t AuditLog::pending() const {
  std::lock_guard lk(mu_);
  return static_cast<int64_t>(queue_.size());
}

AuditStats AuditLog::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

}  // namespace perimeter::audit
