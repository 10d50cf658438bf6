#include "audit/verify.h"

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

  // The head is read before the scan: it commits with the rows it pins, so an
  // honest store has them all, even while a writer keeps appending.
  std::optional<Head> head = store.head(chain);
  std::string pinned_hash, pinned_reason;

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
    if (head && r.seq == head->seq) {
      pinned_hash = r.hash;
      if (r.type == "checkpoint") pinned_reason = j["body"].value("reason", "");
    }
    prev = r.hash;
    last_seq = r.seq;
    ++expect;
    return true;
  });
  if (!rep.ok) return rep;

  if (!head) {
    bad(last_seq, "no signed head for this chain (head removed)");
    return rep;
  }
  rep.head_seq = head->seq;
  if (head->chain != chain || !verifies_with_any(keys, head_message(*head), head->sig)) {
    bad(0, "head signature is invalid (forged or altered head)");
    return rep;
  }
  if (head->seq > last_seq) {
    bad(last_seq + 1, "log truncated: the signed head is at seq " + std::to_string(head->seq) +
                          " but the log ends at seq " + std::to_string(last_seq));
    return rep;
  }
  if (pinned_hash != head->hash) {
    bad(head->seq, "record does not match the signed head's hash");
    return rep;
  }
  // After a clean close nothing may follow; otherwise the newest records
  // (written since the last re-signing) are not yet pinned.
  rep.unsigned_tail = last_seq - head->seq;
  if (rep.unsigned_tail > 0 && pinned_reason == "close")
    bad(head->seq + 1, "record(s) after the closing checkpoint at seq " +
                           std::to_string(head->seq) + " (appended without the writer)");
  return rep;
}

}  // namespace

std::string VerifyReport::summary() const {
  std::string out;
  if (chains.empty())
    out += "FAILED: no audit chains found (wrong store, or the log was deleted)\n";
  for (const ChainReport& c : chains) {
    out += "chain " + c.chain + ": ";
    if (c.ok) {
      out += "OK, " + std::to_string(c.records) + " records, " + std::to_string(c.checkpoints) +
             " signed checkpoints, signed head at seq " + std::to_string(c.head_seq);
      if (c.unsigned_tail)
        out += "; the " + std::to_string(c.unsigned_tail) +
               " newest records are not yet signed (writer running, or stopped uncleanly)";
      out += "\n";
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
  // An empty store is not a verified log: deleting everything must not pass.
  if (names.empty()) rep.ok = false;
  for (const std::string& name : names) {
    rep.chains.push_back(verify_chain(store, keys, name));
    if (!rep.chains.back().ok) rep.ok = false;
  }
  return rep;
}

}  // namespace perimeter::audit
