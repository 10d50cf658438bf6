// The tamper-evident audit log: one hash chain per gateway replica, appended
// with group commit (concurrent callers share one transaction and one fsync;
// nobody returns before their own record is durable), with Ed25519-signed
// checkpoints every N records and on close, and a signed head (re-signed with
// every checkpoint and at most every kHeadSignIntervalMs) so that cutting the
// tail is detectable.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "audit/record.h"
#include "audit/signing.h"
#include "audit/store.h"

namespace perimeter::audit {

// Which dispatches wait for their decision record to be durable.
enum class DurableBefore {
  Dispatch,  // every one: a crash never loses the record of a request that was sent
  Egress,    // only those leaving the host; a local one's record commits in the background
};

// The `audit:` config section.
struct AuditOptions {
  std::string store = "sqlite:var/audit.db";  // "sqlite:PATH" or "postgresql://..."
  bool store_text = false;                    // keep prompt/completion text (outside the chain)
  int64_t checkpoint_every = 1000;            // records between signed checkpoints
  std::string signing_key;                    // Ed25519 private key PEM (required)
  std::string public_key;                     // its public key PEM; default: keygen's sibling path
  std::string replica = "main";               // chain name; distinct per replica sharing a store
  SyncMode sync = SyncMode::Full;             // full: survive power loss; normal: survive kill -9
  DurableBefore durable_before = DurableBefore::Dispatch;
};

// Reads the `audit:` mapping found at `key_path`. Throws std::runtime_error
// "<key_path>.<key>: <rule>" for a bad value, a missing signing_key or an unknown key.
AuditOptions parse_audit_options(const YAML::Node& node, const std::string& key_path);

// Makes a relative sqlite store path and key paths absolute against `base_dir`
// (the config file's folder), so a config means the same files from any cwd.
void resolve_paths(AuditOptions& options, const std::filesystem::path& base_dir);

// Where an appended record landed in its chain.
struct Receipt {
  int64_t seq = 0;
  std::string hash;
};

struct AuditStats {
  int64_t records = 0;      // decision/outcome/fallback records made durable
  int64_t checkpoints = 0;  // checkpoints made durable
  int64_t commits = 0;      // store transactions (group commits)
  int64_t failures = 0;     // failed commits
  int64_t lost = 0;         // records nobody waited for that a failed commit dropped
};

class AuditLog {
 public:
  // The head is re-signed at most this often (and with every checkpoint):
  // signing each commit would double its cost. Records younger than this at a
  // crash are not yet pinned: cutting exactly those is not detectable.
  static constexpr int64_t kHeadSignIntervalMs = 50;

  // How long the background thread lets a record nobody waits for gather
  // company before committing it (unless a waiting append commits it first):
  // at one request at a time an outcome then shares the next decision's
  // commit, and under load one commit carries many records.
  static constexpr std::chrono::microseconds kBackgroundLinger{2000};

  // Opens the store and key named by `options`; throws std::runtime_error.
  static std::unique_ptr<AuditLog> open(const AuditOptions& options);

  // Continues chain `chain` in `store`. Refuses (std::runtime_error) a chain
  // whose signed head is invalid or points past or at a changed record, and
  // writes a "recovery" checkpoint if the chain did not end with one (an
  // unclean shutdown).
  AuditLog(std::unique_ptr<Store> store, SigningKey key, std::string chain,
           int64_t checkpoint_every, bool store_text);

  // Closes the log (final checkpoint), swallowing errors.
  ~AuditLog();

  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends a decision record; returns once it is durable. `prompt_text` is
  // stored (outside the chain) only if store_text is on. Throws
  // std::runtime_error if the record could not be made durable: the caller
  // must then not dispatch. Thread-safe.
  Receipt append_decision(const Decision& d, std::string_view prompt_text = {});

  // Appends a decision record and returns at once, never waiting for the
  // store: a background thread commits it after kBackgroundLinger (with
  // whatever else is queued). A failed commit is logged with the request ids
  // it dropped and counted in stats().lost; the chain continues from the last
  // durable record. Only for requests to `egress: local` targets
  // (DurableBefore::Egress). Throws if the log is closed, or while the
  // chain's tail is being re-read after a failed commit.
  Receipt enqueue_decision(const Decision& d, std::string_view prompt_text = {});

  // Appends an outcome record and returns at once, like enqueue_decision():
  // nobody waits for an outcome, so nobody should block a thread on one.
  Receipt enqueue_outcome(const Outcome& o, std::string_view completion_text = {});

  // Appends an outcome record; returns once it is durable. Thread-safe.
  Receipt append_outcome(const Outcome& o, std::string_view completion_text = {});

  // Appends a flagged saturation-fallback record; returns once it is durable.
  Receipt append_fallback(const Fallback& f);

  // Appends a signed checkpoint now; returns once it is durable.
  Receipt checkpoint(const std::string& reason = "manual");

  // Writes a final checkpoint and rejects further appends. Idempotent.
  void close();

  // Counters since open (for metrics).
  AuditStats stats() const;

  // Records queued for the next group commit (a gauge for metrics).
  int64_t pending() const;

  const std::string& chain() const { return chain_; }

  // The underlying store, e.g. to seed budgets at startup. Its reads are safe
  // to call concurrently with appends.
  Store& store() { return *store_; }

 private:
  struct Waiter;
  struct Pending;

  using Clock = std::chrono::steady_clock;

  Receipt append(std::string_view type, const std::string& request_id, std::string payload,
                 std::string_view text, const char* text_kind, bool wait = true);
  void enqueue_locked(std::string_view type, const std::string& request_id,
                      const std::string& payload, std::string_view text, const char* text_kind,
                      Waiter* waiter, Receipt* receipt);
  void enqueue_checkpoint_locked(const std::string& reason, Waiter* waiter, Receipt* receipt);
  void wait_durable(std::unique_lock<std::mutex>& lk, Waiter& w);
  void commit_batch(std::unique_lock<std::mutex>& lk);
  void log_lost(const std::vector<Pending>& batch, std::exception_ptr err);
  // The durable tail of the chain, checked: store reads only, no state.
  struct Tail {
    std::optional<Row> last;
    std::optional<Head> head;
  };
  Tail read_tail();
  void continue_after(const Tail& t);
  void resync(std::unique_lock<std::mutex>& lk);  // read_tail() without the lock held
  void background_commits();
  void await_resync_locked(std::unique_lock<std::mutex>& lk);

  std::unique_ptr<Store> store_;
  SigningKey key_;
  std::string key_id_;
  std::string chain_;
  int64_t checkpoint_every_;
  bool store_text_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending> queue_;  // assigned seq, not yet committed
  bool committing_ = false;     // a leader is writing a batch
  bool needs_resync_ = false;   // a commit failed: re-read the tail before appending
  bool resyncing_ = false;      // someone is re-reading it (without the lock)
  bool closed_ = false;
  int64_t next_seq_ = 1;
  std::string last_hash_;
  int64_t since_checkpoint_ = 0;
  int64_t last_checkpoint_seq_ = 0;
  Head signed_head_;  // last head written; touched only by the current leader
  AuditStats stats_;
  bool stop_background_ = false;
  std::thread background_;  // commits records nobody waits for; last: joined first
};

}  // namespace perimeter::audit
