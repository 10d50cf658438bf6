#include "audit/chain.h"

#include <nlohmann/json.hpp>

#include "audit/record.h"

namespace perimeter::audit {

std::string record_bytes(std::string_view payload, const std::string& chain,
                         const std::string& prev, int64_t seq, int64_t time_ms,
                         std::string_view type) {
  // Keys in sorted order, so this equals canonical() of the parsed object.
  std::string out;
  out.reserve(payload.size() + chain.size() + 160);
  out += "{\"body\":";
  out += payload;
  out += ",\"chain\":";
  out += canonical(nlohmann::json(chain));
  out += ",\"prev\":\"";
  out += prev;
  out += "\",\"seq\":";
  out += std::to_string(seq);
  out += ",\"time\":\"";
  out += format_time_ms(time_ms);
  out += "\",\"type\":\"";
  out += type;
  out += "\"}";
  return out;
}

std::string checkpoint_message(const std::string& hash) {
  return "perimeter-audit-checkpoint-v1\n" + hash;
}

std::string head_message(const Head& head) {
  return "perimeter-audit-head-v1\n" + head.chain + "\n" + std::to_string(head.seq) + "\n" +
         head.hash + "\n" + std::to_string(head.time_ms);
}

}  // namespace perimeter::audit
