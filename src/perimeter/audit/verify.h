// Offline verification of audit chains: links, sequence, canonical form,
// checkpoint and head signatures. Needs only the public key(s).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "audit/signing.h"
#include "audit/store.h"

namespace perimeter::audit {

struct ChainReport {
  std::string chain;
  int64_t records = 0;        // rows read (all types)
  int64_t checkpoints = 0;    // valid signed checkpoints seen
  int64_t head_seq = 0;       // seq of the signed head, 0 if none
  int64_t unsigned_tail = 0;  // records after the signed head (live or crashed writer)
  bool ok = true;
  int64_t bad_seq = 0;  // first bad record (0 if the problem is not one record)
  std::string problem;  // why, empty if ok
};

struct VerifyReport {
  bool ok = true;
  std::vector<ChainReport> chains;

  // Human-readable multi-line summary ("chain main: OK, 1203 records ..." or the problem).
  std::string summary() const;
};

// Verifies every chain in `store` (or only `chain` if non-empty) against
// `keys`; stops each chain at its first problem. A store with no chain at all
// fails. Never throws for tampering, only for store errors.
VerifyReport verify(Store& store, const std::vector<PublicKey>& keys,
                    const std::string& chain = "");

}  // namespace perimeter::audit
