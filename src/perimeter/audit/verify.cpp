#include "audit/verify.h"

#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "audit/chain.h"
#include "audit/record.h"
#include "core/sha256.h"

namespace perimeter::audit {
namespace {

const PublicKey* find_key(const std::vector<PublicKey>& keys, const std::string& id) {
  for (const PublicKey& k : keys)
    if (k.key_id() == id) return &k;
  return nullptr;
}

bool verifies_with_any(const std::vector<PublicKey>& keys, const std::string& msg,
                       const std::string& sig) {
  for (const PublicKey& k : keys)
    if (k.verify(msg, sig)) return true;
  return false;
}

ChainReport verify_chain(Store& store, const std::vector<PublicKey>& keys,
                         const std::string& chain) {
  ChainReport rep;
  rep.chain = chain;
  auto bad = [&](int64_t seq, std::string why) {
    rep.ok = false;
    rep.bad_seq = seq;
    rep.problem = std::move(why);
  };

  // The head is read before the scan: on a live log, records committed after
  // this point may follow it; the head is then re-read (below).
  std::optional<Head> head = store.head(chain);
  // Hashes from the earliest record a head may point at, to check heads against.
  int64_t keep_from = head ? head->signed_seq : 0;
  std::map<int64_t, std::string> tail_hashes;

  int64_t expect = 1;
  std::string prev = kGenesisHash;
  int64_t last_seq = 0;
  store.scan(chain, 1, [&](const Row& r) {
    rep.records++;
    const std::string at = "seq " + std::to_string(r.seq);
    if (r.seq != expect) {
      bad(r.seq, r.seq > expect ? "record(s) missing: expected seq " + std::to_string(expect) +
                                      ", found seq " + std::to_string(r.seq)
                                : "unexpected seq " + std::to_string(r.seq) + " (expected " +
                                      std::to_string(expect) + ")");
      return false;
    }
    if (sha256_hex(r.body) != r.hash) {
      bad(r.seq, "content does not match its stored hash (record edited)");
      return false;
    }
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || canonical(j) != r.body) {
      bad(r.seq, "record is not canonical JSON");
      return false;
    }
    if (j.value("prev", "") != prev) {
      bad(r.seq, "link broken: prev does not match the hash of seq " + std::to_string(r.seq - 1) +
                     " (a record before it was edited, removed, inserted or reordered)");
      return false;
    }
    if (!j["seq"].is_number_integer() || j["seq"].get<int64_t>() != r.seq) {
      bad(r.seq, "record content says seq " + j["seq"].dump() + " but is stored at " + at +
                     " (records swapped or renumbered)");
      return false;
    }
    if (j.value("chain", "") != chain || j.value("type", "") != r.type ||
        j.value("time", "") != format_time_ms(r.time_ms) ||
        (j["body"].is_object() && j["body"].value("request_id", "") != r.request_id)) {
      bad(r.seq, "stored columns (chain/type/time/request_id) disagree with the hashed content");
      return false;
    }
    if (r.type == "checkpoint") {
      std::string key_id = j["body"].value("key_id", "");
      const PublicKey* k = find_key(keys, key_id);
      if (!k) {
        bad(r.seq, "checkpoint signed by unknown key " + key_id);
        return false;
      }
      if (!k->verify(checkpoint_message(r.hash), r.sig)) {
        bad(r.seq, "checkpoint signature is invalid (forged or altered)");
        return false;
      }
      rep.checkpoints++;
    } else if (!r.sig.empty()) {
      bad(r.seq, "non-checkpoint record carries a signature");
      return false;
    }
    if (r.seq >= keep_from) {
      tail_hashes[r.seq] = r.hash;
      // Without a head, keep a bounded window (a head may appear meanwhile).
      if (!head && tail_hashes.size() > 100000) tail_hashes.erase(tail_hashes.begin());
    }
    prev = r.hash;
    last_seq = r.seq;
    ++expect;
    return true;
  });
  if (!rep.ok) return rep;

  // Records past the head read before the scan are either forged appends or
  // commits by a live writer: re-read the head to tell which.
  bool live = false;
  if (!head || head->seq < last_seq) {
    auto again = store.head(chain);
    if (again && again->seq <= last_seq)
      head = again;
    else if (again && head)
      live = true;  // still appending: check against the first head
  }
  if (!head) {
    bad(last_seq, "no head for this chain (head removed)");
    return rep;
  }
  rep.head_seq = head->seq;
  auto hash_at = [&](int64_t seq) -> std::string {
    auto it = tail_hashes.find(seq);
    return it == tail_hashes.end() ? std::string() : it->second;
  };
  // The signed part pins the chain cryptographically...
  if (head->chain != chain || head->signed_seq < 1 ||
      !verifies_with_any(keys, head_message(*head), head->sig)) {
    bad(0, "head signature is invalid (forged or altered head)");
    return rep;
  }
  if (head->signed_seq > last_seq) {
    bad(last_seq + 1, "log truncated: the signed head is at seq " +
                          std::to_string(head->signed_seq) + " but the log ends at seq " +
                          std::to_string(last_seq));
    return rep;
  }
  if (hash_at(head->signed_seq) != head->signed_hash) {
    bad(head->signed_seq, "record does not match the signed head's hash");
    return rep;
  }
  // ...and the unsigned part names the last commit.
  if (head->seq < head->signed_seq) {
    bad(head->seq, "head rewritten: it claims seq " + std::to_string(head->seq) +
                       " but its signed part is at seq " + std::to_string(head->signed_seq));
  } else if (head->seq > last_seq) {
    bad(last_seq + 1, "log truncated: the head is at seq " + std::to_string(head->seq) +
                          " but the log ends at seq " + std::to_string(last_seq));
  } else if (head->seq < last_seq && !live) {
    bad(head->seq + 1, "record(s) after the head at seq " + std::to_string(head->seq) +
                           " (appended without the writer)");
  } else if (head->seq <= last_seq && hash_at(head->seq) != head->hash) {
    bad(head->seq, "last record does not match the head's hash");
  }
  return rep;
}

}  // namespace

std::string VerifyReport::summary() const {
  std::string out;
  if (chains.empty()) out += "no audit chains found\n";
  for (const ChainReport& c : chains) {
    out += "chain " + c.chain + ": ";
    if (c.ok) {
      out += "OK, " + std::to_string(c.records) + " records, " + std::to_string(c.checkpoints) +
             " signed checkpoints, signed head at seq " + std::to_string(c.head_seq) + "\n";
    } else {
      out += "FAILED";
      if (c.bad_seq) out += " at seq " + std::to_string(c.bad_seq);
      out += ": " + c.problem + "\n";
    }
  }
  return out;
}

VerifyReport verify(Store& store, const std::vector<PublicKey>& keys, const std::string& chain) {
  VerifyReport rep;
  std::vector<std::string> names;
  if (chain.empty())
    names = store.chains();
  else
    names.push_back(chain);
  for (const std::string& name : names) {
    rep.chains.push_back(verify_chain(store, keys, name));
    if (!rep.chains.back().ok) rep.ok = false;
  }
  return rep;
}

}  // namespace perimeter::audit
