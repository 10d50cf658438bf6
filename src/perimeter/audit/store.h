// Where audit records live. A store holds any number of chains (one per
// gateway replica), each an append-only sequence of rows plus a signed head.
// Implementations: SQLite (WAL; embedded default) and PostgreSQL (libpq; for
// several replicas sharing one database).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace perimeter::audit {

// One record as stored. `body` is the canonical JSON whose sha256 is `hash`;
// the other columns duplicate fields of `body` for indexing, and verify()
// checks that they agree.
struct Row {
  std::string chain;
  int64_t seq = 0;  // 1, 2, 3, ... within the chain
  int64_t time_ms = 0;
  std::string type;  // decision | outcome | fallback | checkpoint
  std::string request_id;
  std::string body;
  std::string hash;
  std::string sig;  // hex Ed25519 signature (checkpoints only)
};

// A signed pin on a chain: "record `seq` of `chain` has hash `hash`". Written
// in the same transaction as the rows it covers, whenever the writer re-signs
// (every checkpoint, and at most every AuditLog::kHeadSignIntervalMs), so
// cutting records at or before it is detectable without trusting the store.
struct Head {
  std::string chain;
  int64_t seq = 0;
  std::string hash;
  int64_t time_ms = 0;
  std::string sig;  // hex Ed25519 signature of head_message()
};

// Prompt or completion text, kept outside the chain (store_text: true only)
// so it can be purged without breaking verification.
struct TextRow {
  std::string chain;
  int64_t seq = 0;
  std::string kind;  // prompt | completion
  std::string request_id;
  int64_t time_ms = 0;
  std::string text;
};

enum class SyncMode {
  Full,    // each commit is fsynced: survives power loss
  Normal,  // commit reaches the OS before append returns: survives process crash (kill -9)
};

struct StoreOptions {
  SyncMode sync = SyncMode::Full;
};

class Store {
 public:
  virtual ~Store() = default;

  // Writes rows, texts and (if not null) the new head atomically and durably
  // (per the sync mode) before returning; throws std::runtime_error and writes
  // nothing on failure.
  virtual void append(const std::vector<Row>& rows, const std::vector<TextRow>& texts,
                      const Head* head) = 0;

  // Makes this store the only writer of `chain` (until destroyed): a second
  // gateway configured with the same replica name fails here instead of
  // interleaving with the first. Throws std::runtime_error if another holds it.
  virtual void claim_chain(const std::string& chain) = 0;

  // The chain's head, if it has one.
  virtual std::optional<Head> head(const std::string& chain) = 0;

  // The chain's row with the highest seq, if any.
  virtual std::optional<Row> last(const std::string& chain) = 0;

  // Names of every chain holding rows or a head, sorted.
  virtual std::vector<std::string> chains() = 0;

  // Calls `fn` on the chain's rows with seq >= from_seq in seq order until it returns false.
  virtual void scan(const std::string& chain, int64_t from_seq,
                    const std::function<bool(const Row&)>& fn) = 0;

  // Calls `fn` on rows of `type` (all chains) with time_ms >= since_ms, chain by chain in
  // seq order, until it returns false. `fn` must not call back into the store.
  virtual void scan_type(const std::string& type, int64_t since_ms,
                         const std::function<bool(const Row&)>& fn) = 0;

  // Stored text of one record, if any.
  virtual std::optional<std::string> text(const std::string& chain, int64_t seq,
                                          const std::string& kind) = 0;

  // Deletes stored text older than before_ms (scrubbing it from the file where
  // the engine allows); returns the number of texts deleted.
  virtual int64_t purge_text(int64_t before_ms) = 0;

  // Runs one SQL statement with no result (tests use it to tamper). Throws on error.
  virtual void exec_for_test(const std::string& sql) = 0;
};

// Opens (creating the schema if needed) "sqlite:PATH" or a libpq URI
// "postgresql://..." / "postgres://..."; throws std::runtime_error.
std::unique_ptr<Store> open_store(const std::string& url, const StoreOptions& options = {});

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const StoreOptions& options);
std::unique_ptr<Store> open_pg_store(const std::string& conninfo, const StoreOptions& options);

}  // namespace perimeter::audit
