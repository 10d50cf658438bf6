// PhoneNumberUtil::IsValidNumberForRegion without libphonenumber's per-call
// regex machinery. libphonenumber decides validity by matching the national
// number against its metadata's per-type patterns, one ICU regex at a time
// (each call hashes the pattern text for its regex cache and builds a new
// matcher): about 6 us per number, most of the detector's time on text dense
// with international numbers. Here the same patterns, from the same compiled-in
// metadata (`metadata_get()`, exported by libphonenumber), are compiled once
// per region into one Vectorscan database of full-match expressions, and the
// same decision (GetNumberTypeHelper != UNKNOWN) is made from which of them
// match. The answers are checked against libphonenumber's own on random
// numbers of every region (tests/detect, PhoneMetaAgreesWithLibphonenumber).
#include <hs/hs.h>
#include <phonenumbers/phonemetadata.pb.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "detect/rules.h"

namespace i18n::phonenumbers {
// Exported by libphonenumber: the serialized PhoneMetadataCollection it loads.
int metadata_size();
const void* metadata_get();
}  // namespace i18n::phonenumbers

namespace perimeter::detect::internal {
namespace {

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneNumberDesc;

// The descriptions GetNumberTypeHelper consults, general description first.
enum Desc {
  kGeneral,
  kPremium,
  kTollFree,
  kSharedCost,
  kVoip,
  kPersonal,
  kPager,
  kUan,
  kVoicemail,
  kFixedLine,
  kMobile,
  kDescs
};

const PhoneNumberDesc& desc_of(const PhoneMetadata& m, int d) {
  switch (d) {
    case kGeneral:
      return m.general_desc();
    case kPremium:
      return m.premium_rate();
    case kTollFree:
      return m.toll_free();
    case kSharedCost:
      return m.shared_cost();
    case kVoip:
      return m.voip();
    case kPersonal:
      return m.personal_number();
    case kPager:
      return m.pager();
    case kUan:
      return m.uan();
    case kVoicemail:
      return m.voicemail();
    case kFixedLine:
      return m.fixed_line();
    default:
      return m.mobile();
  }
}

struct Region {
  hs_database_t* db = nullptr;  // null: no usable pattern set, ask libphonenumber
  std::vector<int> lengths[kDescs];
  bool has_pattern[kDescs] = {};
  bool same_mobile_and_fixed_line = false;
};

class Registry {
 public:
  Registry() {
    collection_.ParseFromArray(i18n::phonenumbers::metadata_get(),
                               i18n::phonenumbers::metadata_size());
    for (int i = 0; i < collection_.metadata_size(); ++i) {
      const PhoneMetadata& m = collection_.metadata(i);
      by_key_[key(m.id(), m.country_code())] = &m;
    }
  }

  // The compiled region for (region code, country code), built on first use.
  const Region* get(const std::string& region, int cc) {
    std::string k = key(region, cc);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = regions_.find(k);
    if (it != regions_.end()) return it->second.get();
    auto m = by_key_.find(k);
    std::unique_ptr<Region> r;
    if (m != by_key_.end()) r = compile(*m->second);
    return regions_.emplace(k, std::move(r)).first->second.get();
  }

 private:
  static std::string key(const std::string& region, int cc) {
    return region == "001" ? "001:" + std::to_string(cc) : region;
  }

  static std::unique_ptr<Region> compile(const PhoneMetadata& m) {
    auto r = std::make_unique<Region>();
    r->same_mobile_and_fixed_line = m.same_mobile_and_fixed_line_pattern();
    std::vector<std::string> exprs;
    std::vector<unsigned> ids, flags;
    for (int d = 0; d < kDescs; ++d) {
      const PhoneNumberDesc& desc = desc_of(m, d);
      r->lengths[d].assign(desc.possible_length().begin(), desc.possible_length().end());
      // An empty pattern never matches (RegexBasedMatcher::MatchNationalNumber).
      if (desc.national_number_pattern().empty()) continue;
      r->has_pattern[d] = true;
      exprs.push_back("^(?:" + desc.national_number_pattern() + ")\\z");
      ids.push_back(static_cast<unsigned>(d));
      flags.push_back(HS_FLAG_SINGLEMATCH);
    }
    if (exprs.empty()) return r;
    std::vector<const char*> ptrs;
    for (const auto& e : exprs) ptrs.push_back(e.c_str());
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(ptrs.data(), flags.data(), ids.data(), static_cast<unsigned>(ptrs.size()),
                         HS_MODE_BLOCK, nullptr, &r->db, &err) != HS_SUCCESS) {
      if (err) hs_free_compile_error(err);
      r->db = nullptr;  // a pattern Vectorscan does not take: libphonenumber decides
    }
    return r;
  }

  i18n::phonenumbers::PhoneMetadataCollection collection_;
  std::map<std::string, const PhoneMetadata*> by_key_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<Region>> regions_;  // never freed: process lifetime
};

Registry& registry() {
  static Registry* r = new Registry();  // leaked on purpose: used until exit
  return *r;
}

// One scratch per thread, grown to fit every region database it has seen
// (hs_alloc_scratch is not cheap even when nothing needs to grow).
struct ThreadScratch {
  hs_scratch_t* s = nullptr;
  std::vector<const Region*> fitted;
  bool fit(const Region* r) {
    if (std::find(fitted.begin(), fitted.end(), r) != fitted.end()) return true;
    if (hs_alloc_scratch(r->db, &s) != HS_SUCCESS) return false;
    fitted.push_back(r);
    return true;
  }
  ~ThreadScratch() {
    if (s) hs_free_scratch(s);
  }
};

int on_desc(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  *static_cast<unsigned*>(ctx) |= 1u << id;
  return 0;
}

}  // namespace

int phone_valid_for_region(const std::string& region, int country_code, std::string_view national) {
  const Region* r = registry().get(region, country_code);
  if (!r) return 0;  // no metadata for the region: IsValidNumberForRegion says false
  if (!r->db) return -1;
  thread_local ThreadScratch scratch;
  if (!scratch.fit(r)) return -1;
  unsigned matched = 0;
  if (hs_scan(r->db, national.data(), static_cast<unsigned>(national.size()), 0, scratch.s, on_desc,
              &matched) != HS_SUCCESS)
    return -1;
  const int len = static_cast<int>(national.size());
  // IsNumberMatchingDesc: the possible lengths (when listed), then the pattern.
  auto m = [&](int d) {
    if (!r->lengths[d].empty() &&
        std::find(r->lengths[d].begin(), r->lengths[d].end(), len) == r->lengths[d].end())
      return false;
    return r->has_pattern[d] && (matched >> d & 1u) != 0;
  };
  // GetNumberTypeHelper(...) != UNKNOWN
  if (!m(kGeneral)) return 0;
  for (int d = kPremium; d <= kFixedLine; ++d) {
    if (m(d)) return 1;
  }
  return !r->same_mobile_and_fixed_line && m(kMobile) ? 1 : 0;
}

}  // namespace perimeter::detect::internal
