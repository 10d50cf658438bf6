#include "redact/redact.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <stdexcept>

namespace perimeter::redact {
namespace {

void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

std::string mask_of(std::string_view v) {
  std::string m(v);
  for (char& c : m) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) c = '*';
  }
  // A code point becomes one '*' per byte; collapse continuation bytes so
  // the mask stays valid UTF-8 and about as long as the value looked.
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if ((static_cast<unsigned char>(v[i]) & 0xC0) == 0x80) continue;
    out += m[i];
  }
  return out;
}

}  // namespace

Mode parse_mode(std::string_view name) {
  if (name == "pseudonymize") return Mode::Pseudonymize;
  if (name == "mask") return Mode::Mask;
  if (name == "drop") return Mode::Drop;
  throw std::invalid_argument("unknown redaction mode '" + std::string(name) +
                              "' (expected pseudonymize, mask or drop)");
}

Pseudonymizer::Pseudonymizer(RedactOptions options) : options_(std::move(options)) {}

Pseudonymizer::~Pseudonymizer() {
  for (auto& [k, v] : by_placeholder_) wipe(v);
  for (auto& [k, v] : by_value_) wipe(const_cast<std::string&>(k));
}

std::string Pseudonymizer::placeholder_for(const std::string& type, std::string_view value) {
  std::string key = type;
  key.push_back('\0');
  key.append(value);
  auto it = by_value_.find(key);
  if (it != by_value_.end()) {
    wipe(key);
    return it->second;
  }
  std::string ph = "<" + type + "_" + std::to_string(++counters_[type]) + ">";
  by_placeholder_[ph] = std::string(value);
  by_value_.emplace(std::move(key), ph);
  return ph;
}

std::vector<std::string> Pseudonymizer::apply(const std::vector<std::string_view>& messages,
                                              const std::vector<detect::Finding>& findings) {
  std::vector<const detect::Finding*> order;
  for (const auto& f : findings) {
    if (options_.keep_types.count(f.type)) continue;
    if (f.message < 0 || static_cast<size_t>(f.message) >= messages.size()) {
      throw std::out_of_range("redact: finding refers to message " + std::to_string(f.message));
    }
    if (f.start >= f.end || f.end > messages[static_cast<size_t>(f.message)].size()) {
      throw std::out_of_range("redact: finding span outside its message");
    }
    order.push_back(&f);
  }
  std::sort(order.begin(), order.end(), [](const detect::Finding* a, const detect::Finding* b) {
    if (a->message != b->message) return a->message < b->message;
    if (a->start != b->start) return a->start < b->start;
    return a->end > b->end;
  });
  std::vector<std::string> out;
  out.reserve(messages.size());
  size_t k = 0;
  for (size_t m = 0; m < messages.size(); ++m) {
    std::string_view text = messages[m];
    std::string result;
    size_t pos = 0;
    for (; k < order.size() && order[k]->message == static_cast<int>(m); ++k) {
      const detect::Finding& f = *order[k];
      if (f.start < pos) continue;  // overlaps one already replaced
      result.append(text.substr(pos, f.start - pos));
      std::string_view value = text.substr(f.start, f.end - f.start);
      std::string rep;
      switch (options_.mode) {
        case Mode::Pseudonymize:
          rep = placeholder_for(f.type, value);
          break;
        case Mode::Mask:
          rep = mask_of(value);
          break;
        case Mode::Drop:
          break;
      }
      result += rep;
      replacements_.push_back({static_cast<int>(m), f.start, f.end, f.type, rep});
      pos = f.end;
    }
    result.append(text.substr(pos));
    out.push_back(std::move(result));
  }
  return out;
}

nlohmann::json Pseudonymizer::mapping_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [ph, v] : by_placeholder_) j[ph] = v;
  return j;
}

std::string Pseudonymizer::reidentify(std::string_view text) const {
  Reidentifier r(by_placeholder_);
  std::string out = r.feed(text);
  out += r.finish();
  return out;
}

Reidentifier::Reidentifier(std::map<std::string, std::string> mapping)
    : mapping_(std::move(mapping)) {
  for (const auto& [ph, v] : mapping_) max_len_ = std::max(max_len_, ph.size());
}

Reidentifier::~Reidentifier() {
  for (auto& [k, v] : mapping_) wipe(v);
  wipe(pending_);
}

std::string Reidentifier::feed(std::string_view chunk) {
  pending_.append(chunk);
  std::string out;
  out.reserve(pending_.size());
  size_t i = 0;
  const size_t n = pending_.size();
  while (i < n) {
    size_t lt = pending_.find('<', i);
    if (lt == std::string::npos || mapping_.empty()) {
      out.append(pending_, i, std::string::npos);
      i = n;
      break;
    }
    out.append(pending_, i, lt - i);
    std::string_view tail(pending_.data() + lt, n - lt);
    size_t gt = tail.find('>');
    if (gt != std::string_view::npos && gt < max_len_) {
      auto it = mapping_.find(std::string(tail.substr(0, gt + 1)));
      if (it != mapping_.end()) {
        out += it->second;
        i = lt + gt + 1;
        continue;
      }
    } else if (gt == std::string_view::npos && tail.size() < max_len_) {
      // Could this be the start of a placeholder whose rest is still to come?
      auto it = mapping_.lower_bound(std::string(tail));
      if (it != mapping_.end() && it->first.compare(0, tail.size(), tail) == 0) {
        std::string keep(tail);
        wipe(pending_);
        pending_ = std::move(keep);
        return out;
      }
    }
    out += '<';
    i = lt + 1;
  }
  wipe(pending_);
  pending_.clear();
  return out;
}

std::string Reidentifier::finish() {
  std::string out = std::move(pending_);
  pending_.clear();
  return out;
}

}  // namespace perimeter::redact
