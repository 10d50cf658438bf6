// The chain format shared by the writer (AuditLog) and the verifier. A
// record's canonical bytes are the JSON object
//   {"body":{...},"chain":"...","prev":"<hex>","seq":N,"time":"<RFC 3339>","type":"..."}
// with sorted keys and no whitespace; its hash is the sha256 of those bytes,
// and the next record's "prev" is that hash. The first record's prev is 64 zeros.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "audit/store.h"

namespace perimeter::audit {

inline const std::string kGenesisHash(64, '0');

// Canonical record bytes; `payload` must already be canonical JSON.
std::string record_bytes(std::string_view payload, const std::string& chain,
                         const std::string& prev, int64_t seq, int64_t time_ms,
                         std::string_view type);

// What a checkpoint's signature covers: its own record hash (which covers
// every earlier record through the prev links).
std::string checkpoint_message(const std::string& hash);

// What a head's signature covers: chain, seq, hash and time.
std::string head_message(const Head& head);

}  // namespace perimeter::audit
