#include "detect/detector.h"

#include <hs/hs.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <tuple>

#include "detect/ascii.h"
#include "detect/rules.h"

namespace perimeter::detect {
namespace {

struct EntityInfo {
  Category category;
  const char* level;  // default sensitivity when the entity has its own entry; null = category's
};

const std::map<std::string, EntityInfo>& registry() {
  static const std::map<std::string, EntityInfo> kEntities = [] {
    std::map<std::string, EntityInfo> m = {
        // contact details
        {"EMAIL_ADDRESS", {Category::PII, nullptr}},
        {"PHONE_NUMBER", {Category::PII, nullptr}},
        {"PERSON", {Category::PII, nullptr}},
        {"STREET_ADDRESS", {Category::PII, nullptr}},
        {"IP_ADDRESS", {Category::PII, nullptr}},
        {"MAC_ADDRESS", {Category::PII, nullptr}},
        {"URL", {Category::PII, "public"}},
        {"DATE_TIME", {Category::PII, "public"}},
        {"DATE_OF_BIRTH", {Category::PII, "confidential"}},
        // financial accounts
        {"CREDIT_CARD", {Category::PII, "confidential"}},
        {"IBAN_CODE", {Category::PII, "confidential"}},
        {"ABA_ROUTING_NUMBER", {Category::PII, "confidential"}},
        {"US_BANK_NUMBER", {Category::PII, "confidential"}},
        {"CRYPTO", {Category::PII, "confidential"}},
        // government identifiers
        {"US_SSN", {Category::PII, "confidential"}},
        {"US_ITIN", {Category::PII, "confidential"}},
        {"US_PASSPORT", {Category::PII, "confidential"}},
        {"US_DRIVER_LICENSE", {Category::PII, "confidential"}},
        {"UK_NINO", {Category::PII, "confidential"}},
        {"MEDICAL_LICENSE", {Category::PII, "confidential"}},
        {"UK_PASSPORT", {Category::PII, "confidential"}},
        {"UK_DRIVING_LICENCE", {Category::PII, "confidential"}},
        {"UK_POSTCODE", {Category::PII, nullptr}},
        {"FI_PERSONAL_IDENTITY_CODE", {Category::PII, "confidential"}},
        {"TR_NATIONAL_ID", {Category::PII, "confidential"}},
        {"PL_PESEL", {Category::PII, "confidential"}},
        // health
        {"UK_NHS", {Category::PHI, nullptr}},
        {"MEDICAL_RECORD_NUMBER", {Category::PHI, nullptr}},
        {"US_NPI", {Category::PHI, nullptr}},
        {"US_MBI", {Category::PHI, nullptr}},
        {"ICD10_CODE", {Category::PHI, nullptr}},
        {"MEDICATION", {Category::PHI, nullptr}},
        {"MEDICAL_CONDITION", {Category::PHI, nullptr}},
        // credentials and code
        {"SECRET", {Category::SECRET, nullptr}},
        {"URL_CREDENTIALS", {Category::SECRET, nullptr}},
        {"CODE", {Category::CODE, nullptr}},
    };
    for (auto* list : {internal::de_id_entities, internal::asia_id_entities,
                       internal::eu_id_entities, internal::world_id_entities}) {
      for (const auto& e : list()) m.emplace(e.name, EntityInfo{e.category, e.level});
    }
    return m;
  }();
  return kEntities;
}

bool is_clinical(const std::string& t) {
  return t == "ICD10_CODE" || t == "MEDICATION" || t == "MEDICAL_CONDITION";
}

bool identifies_patient(const std::string& t) {
  return t == "PERSON" || t == "MEDICAL_RECORD_NUMBER" || t == "DATE_OF_BIRTH" || t == "US_SSN" ||
         t == "UK_NHS" || t == "EMAIL_ADDRESS" || t == "PHONE_NUMBER" || t == "STREET_ADDRESS";
}

// Case-insensitive search for "patient" (or the chart abbreviation "pt.")
// without copying the message.
bool mentions_patient(std::string_view t) {
  for (size_t i = 0; i + 3 <= t.size(); ++i) {
    char c = t[i];
    if (c != 'p' && c != 'P') continue;
    if (i > 0 && ascii::isalpha(static_cast<unsigned char>(t[i - 1]))) continue;
    auto ieq = [&](size_t at, const char* w) {
      size_t n = std::strlen(w);
      if (at + n > t.size()) return false;
      for (size_t k = 0; k < n; ++k) {
        if (ascii::tolower(static_cast<unsigned char>(t[at + k])) != w[k]) return false;
      }
      return true;
    };
    if (ieq(i, "patient") || ieq(i, "pt.") || ieq(i, "pt ")) return true;
  }
  return false;
}

std::string lower(std::string_view s) {
  std::string l(s);
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return ascii::tolower(c); });
  return l;
}

bool domain_allowed(std::string_view host, const std::set<std::string>& allow) {
  std::string h = lower(host);
  for (const auto& d : allow) {
    if (h == d) return true;
    if (h.size() > d.size() && h.compare(h.size() - d.size(), d.size(), d) == 0 &&
        h[h.size() - d.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

// The host part of an e-mail address or URL, for the own-domain allow-list.
std::string_view host_of(std::string_view type, std::string_view v) {
  if (type == "EMAIL_ADDRESS") {
    size_t at = v.rfind('@');
    return at == std::string_view::npos ? v : v.substr(at + 1);
  }
  size_t scheme = v.find("://");
  if (scheme != std::string_view::npos) v = v.substr(scheme + 3);
  size_t end = v.find_first_of("/?#:");
  return v.substr(0, end);
}

// How an item of a list is set off from the one before it.
enum class Sep : uint8_t {
  kBlank,  // blanks only ("A B")
  kLine,   // a line break and blanks ("A\nB")
  kMark,   // one of , ; / | &, "and"/"or", a bullet or a tab ("A, B", "A\n- B")
};

// Where the next item of a list starts when `text[end]` follows an item: a
// separator of blanks with at most one line break (a "- " or "* " bullet may
// follow it), at most one of , ; / | &, then "and" or "or" if blanks came
// before ("A, B", "A / B", "A and B", "A\n- B"), and a letter or digit; `sep`
// says which. npos when nothing list-like follows.
size_t list_item_after(std::string_view text, size_t end, Sep& sep) {
  constexpr size_t kNone = std::string_view::npos;
  const size_t n = text.size();
  size_t i = end;
  int breaks = 0;
  bool mark = false;
  auto blanks = [&] {  // false at a second line break
    for (; i < n; ++i) {
      const char c = text[i];
      if (c == '\n') {
        if (++breaks > 1) return false;
        if (i + 2 < n && (text[i + 1] == '-' || text[i + 1] == '*') && text[i + 2] == ' ') {
          i += 2;
          mark = true;
        }
      } else if (c == '\t') {
        mark = true;
      } else if (c != ' ' && c != '\r') {
        return true;
      }
    }
    return true;
  };
  if (!blanks()) return kNone;
  if (i < n && std::string_view(",;/|&").find(text[i]) != kNone) {
    ++i;
    mark = true;
    if (!blanks()) return kNone;
  }
  for (std::string_view w : {std::string_view("and"), std::string_view("or")}) {
    if (i > end && i + w.size() < n && text.compare(i, w.size(), w) == 0 &&
        (text[i + w.size()] == ' ' || text[i + w.size()] == '\t')) {
      i += w.size();
      mark = true;
      if (!blanks()) return kNone;
      break;
    }
  }
  if (i == end || i - end > 12 || i >= n) return kNone;
  sep = mark ? Sep::kMark : breaks ? Sep::kLine : Sep::kBlank;
  return ascii::isalnum(static_cast<unsigned char>(text[i])) ? i : kNone;
}

// A set of nonzero 64-bit keys in one open-addressed array: no allocation
// per key (a std::set's cost ~3 % of PII-dense text, where most scans have
// list heads).
class KeySet {
 public:
  bool contains(uint64_t k) const {
    if (slots_.empty()) return false;
    for (size_t i = hash(k);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == k + 1) return true;
      if (slots_[i] == 0) return false;
    }
  }
  void insert(uint64_t k) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    for (size_t i = hash(k);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i] == k + 1) return;
      if (slots_[i] == 0) {
        slots_[i] = k + 1;
        ++size_;
        return;
      }
    }
  }

 private:
  size_t hash(uint64_t k) const {
    return static_cast<size_t>((k * 0x9E3779B97F4A7C15ull) >> 20) & (slots_.size() - 1);
  }
  void grow() {
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, 0);
    size_ = 0;
    for (uint64_t v : old)
      if (v) insert(v - 1);
  }
  std::vector<uint64_t> slots_;  // key + 1; 0 = empty
  size_t size_ = 0;
};

// True if text[start, end) may lie in a table cell of at most 64 bytes: a
// '|', tab, ',' or line edge at most that far on each side.
bool in_short_cell(std::string_view text, size_t start, size_t end) {
  constexpr size_t kCell = 64;
  auto edge = [](char c) { return c == '|' || c == '\t' || c == ',' || c == '\n'; };
  size_t i = start;
  while (i > 0 && start - i < kCell && !edge(text[i - 1])) --i;
  if (i > 0 && !edge(text[i - 1])) return false;
  size_t j = end;
  while (j < text.size() && j - end < kCell && !edge(text[j])) ++j;
  return j == text.size() || edge(text[j]);
}

// The character that splits the rows of a table whose header is `line` and
// whose next line is `next`: '|' (Markdown), else a tab, else a comma; 0
// when `line` has none, or when `next` has another number of them (unless
// quotes may hide commas; then table_cells decides).
char table_delimiter(std::string_view line, std::string_view next) {
  for (char d : {'|', '\t', ','}) {
    if (line.find(d) == std::string_view::npos) continue;
    const auto n = std::count(next.begin(), next.end(), d);
    if (n == std::count(line.begin(), line.end(), d)) return d;
    const bool quotes =
        line.find('"') != std::string_view::npos || next.find('"') != std::string_view::npos;
    return d == ',' && n > 0 && quotes ? d : 0;
  }
  return 0;
}

// True if `cell` holds the end of a sentence or a label before its value
// (". ", "? ", "! ", ": "): prose, not a column header.
bool sentence_in(std::string_view cell) {
  for (size_t i = 0; i + 1 < cell.size(); ++i)
    if (cell[i + 1] == ' ' && std::string_view(".?!:").find(cell[i]) != std::string_view::npos)
      return true;
  return false;
}

// The cells of the table row text[a, b) split at `delim`, trimmed of blanks
// and quotes, into `out`: a ',' inside double quotes does not split, and a
// Markdown row's outer pipes do not make empty cells. None when no `delim`
// splits the line.
void table_cells(std::string_view text, size_t a, size_t b, char delim,
                 std::vector<std::pair<size_t, size_t>>& out) {
  out.clear();
  auto push = [&](size_t s, size_t e) {
    while (s < e && (text[s] == ' ' || text[s] == '\t' || text[s] == '"')) ++s;
    while (e > s &&
           (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r' || text[e - 1] == '"'))
      --e;
    out.emplace_back(s, e);
  };
  bool quoted = false;
  size_t s = a;
  for (size_t i = a; i < b; ++i) {
    if (text[i] == '"' && delim == ',') quoted = !quoted;
    if (text[i] != delim || quoted) continue;
    push(s, i);
    s = i + 1;
  }
  if (out.empty()) return;  // no delimiter: not a row
  push(s, b);
  if (delim == '|' && out.size() >= 2 && out.front().first == out.front().second &&
      out.back().first == out.back().second) {
    out.erase(out.begin());
    out.pop_back();
  }
}

struct Raw {
  unsigned rule;
  size_t start, end;
};

struct ScanState {
  std::vector<Raw> raw;
  std::vector<int> last;  // per rule: index of its latest raw match
  const std::vector<internal::Rule>* rules;
  // Window scans of the digit-anchored database: offsets arrive relative to
  // [win_start, win_end) of `text`.
  std::string_view text;
  size_t win_start = 0, win_end = 0;
  // In the windows around context words (Rule::needs_context): matches that
  // start before this cannot be near the words the window was made for.
  size_t accept_from = 0;
};

int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int,
             void* ctx) {
  auto& st = *static_cast<ScanState*>(ctx);
  const internal::Rule& rule = (*st.rules)[id];
  if (st.win_end) {
    from += st.win_start;
    to += st.win_start;
    // At a window edge Vectorscan sees start/end of data where the message
    // goes on: re-check the word boundaries these rules begin and end with.
    // (A computed start is found in the whole message, boundaries included;
    // rules without a start have no start assertion in their pattern.)
    if (rule.som && !rule.start_of && from == st.win_start && from > 0 &&
        ascii::isword(static_cast<unsigned char>(st.text[from - 1])))
      return 0;
    if (to == st.win_end && to < st.text.size() &&
        ascii::isword(static_cast<unsigned char>(st.text[to])))
      return 0;
  }
  int& li = st.last[id];
  if (rule.start_of) {
    // A further end of the latest candidate: its start carries over when the
    // rule can tell cheaply (Rule::same_start); otherwise it is computed.
    if (li >= 0 && rule.same_start) {
      Raw& r = st.raw[static_cast<size_t>(li)];
      if (r.end < to && rule.same_start(st.text, r.start, r.end, static_cast<size_t>(to))) {
        r.end = static_cast<size_t>(to);
        return 0;
      }
    }
    from = rule.start_of(st.text, static_cast<size_t>(to));  // computed, not tracked
    if (from > to) return 0;  // no start in the message (a window-edge artefact)
  } else if (!rule.som) {
    from = to;  // no start tracked: the check finds it
  }
  if (from < st.accept_from) return 0;
  if (li >= 0) {
    Raw& r = st.raw[static_cast<size_t>(li)];
    // Same start: a longer match of the same candidate. Overlapping start:
    // leftmost-first like a findall, or one merged region for merge rules.
    // Rules scanned in context windows keep every start, so that a window
    // never depends on a match before it.
    if (r.start == from || (from < r.end && rule.merge)) {
      r.end = std::max<size_t>(r.end, to);
      return 0;
    }
    if (from < r.end && !rule.needs_context) return 0;
  }
  st.raw.push_back(Raw{id, static_cast<size_t>(from), static_cast<size_t>(to)});
  li = static_cast<int>(st.raw.size() - 1);
  return 0;
}

// Runs `db` over the window text[a, b): matches come out as offsets into
// `text` (on_match re-checks the word boundaries at the window's edges), and
// those starting before `accept_from` are dropped.
void scan_window(const hs_database_t* db, std::string_view text, size_t a, size_t b,
                 size_t accept_from, hs_scratch_t* scratch, ScanState& st) {
  st.win_start = a;
  st.win_end = b;
  st.accept_from = accept_from;
  hs_scan(db, text.data() + a, static_cast<unsigned>(b - a), 0, scratch, on_match, &st);
  st.win_start = st.win_end = st.accept_from = 0;
}

class DetectorImpl final : public Detector {
 public:
  explicit DetectorImpl(DetectorOptions opt) : opt_(std::move(opt)) {
    auto enabled = [&](const std::string& e) {
      return (opt_.enabled.empty() || opt_.enabled.count(e)) && !opt_.disabled.count(e);
    };
    for (auto* make : {internal::pii_rules, internal::secret_rules, internal::clinical_rules,
                       internal::de_id_rules, internal::asia_id_rules, internal::eu_id_rules,
                       internal::world_id_rules}) {
      for (auto& r : make()) {
        // Rules that may re-label (dates, URLs) stay if any of their outputs is wanted.
        bool keep = enabled(r.entity) || (r.entity == "DATE_TIME" && enabled("DATE_OF_BIRTH")) ||
                    (r.entity == "URL" && enabled("URL_CREDENTIALS"));
        if (keep) rules_.push_back(std::move(r));
      }
    }
    for (const auto& [entity, words] : opt_.deny_lists) {
      if (!words.empty() && enabled(entity))
        rules_.push_back(internal::deny_list_rule(entity, words));
    }
    if (!opt_.phone_regions.empty()) {
      for (auto& r : rules_) {
        if (r.detector == "phone") r.multi = internal::phone_check_for(opt_.phone_regions);
      }
    }
    person_ = enabled("PERSON");
    code_ = enabled("CODE");
    index_entities();
    if (!rules_.empty()) compile();
  }

  ~DetectorImpl() override {
    for (hs_scratch_t* s : pool_) hs_free_scratch(s);
    if (proto_) hs_free_scratch(proto_);
    if (db_) hs_free_database(db_);
    if (digit_db_) hs_free_database(digit_db_);
    if (digit_db2_) hs_free_database(digit_db2_);
    if (gated_db_) hs_free_database(gated_db_);
  }

  const DetectorOptions& options() const override { return opt_; }

  std::vector<Finding> scan(const std::vector<std::string_view>& messages) const override {
    std::vector<Finding> out;
    hs_scratch_t* scratch = proto_ ? acquire() : nullptr;
    struct Release {
      const DetectorImpl* d;
      hs_scratch_t* s;
      ~Release() {
        if (s) d->release(s);
      }
    } release{this, scratch};
    // Each message's findings come out sorted by (start, end, type) and
    // messages are scanned in order, so `out` is sorted without a final sort.
    for (size_t m = 0; m < messages.size(); ++m)
      scan_one(messages[m], static_cast<int>(m), scratch, out);
    return out;
  }

 private:
  // True if no finding of rule `i` reaches its threshold without a context
  // word (Rule::needs_context), and gating is on.
  bool needs_context(size_t i) const {
    const internal::Rule& r = rules_[i];
    return opt_.context_gating && r.needs_context && r.score < threshold(r.entity);
  }

  // True if rule `i` is scanned only around its context words.
  bool context_gated(size_t i) const {
    const internal::Rule& r = rules_[i];
    return needs_context(i) && !r.context.empty() && r.digit_anchored && r.som && !r.start_of &&
           !r.merge && !r.multi;
  }

  // Databases: the main one, scanned over the whole message; the
  // digit-anchored rules (see Rule::digit_anchored), scanned only in windows
  // of `digit_reach_` bytes around digits (two databases over the same
  // windows, Rule::digit_second); and the context-gated rules, scanned around
  // their context words (scan_gated). Letter-led patterns keep Vectorscan
  // from skipping ahead in prose; near digits they cost nothing extra. One
  // scratch serves them all.
  void compile() {
    std::vector<unsigned> main_ids, digit_ids, digit2_ids, gated_ids;
    std::set<std::string> gated_words;
    for (size_t i = 0; i < rules_.size(); ++i) {
      // Without context words to raise it, such a rule is never reported.
      if (needs_context(i) && rules_[i].context.empty()) continue;
      bool digit = false, gated = false;
      if (rules_[i].digit_anchored) {
        hs_expr_info_t* info = nullptr;
        hs_compile_error_t* err = nullptr;
        if (hs_expression_info(rules_[i].pattern.c_str(), rules_[i].flags, &info, &err) ==
                HS_SUCCESS &&
            info && info->min_width > 0 && info->max_width <= 256) {
          digit = true;
          gated = context_gated(i);
          if (gated) {
            gated_reach_ = std::max<size_t>(gated_reach_, info->max_width);
            gated_ids.push_back(static_cast<unsigned>(i));
            gated_words.insert(rules_[i].context.begin(), rules_[i].context.end());
          } else {
            digit_reach_ = std::max<size_t>(digit_reach_, info->max_width);
          }
        }
        if (err) hs_free_compile_error(err);
        free(info);  // allocated by Vectorscan's default allocator (malloc)
      }
      if (gated) continue;
      (digit ? (rules_[i].digit_second ? digit2_ids : digit_ids) : main_ids)
          .push_back(static_cast<unsigned>(i));
    }
    if (digit_ids.empty()) digit_ids.swap(digit2_ids);
    if (!main_ids.empty()) db_ = build(main_ids);
    if (!digit_ids.empty()) digit_db_ = build(digit_ids);
    if (!digit2_ids.empty()) digit_db2_ = build(digit2_ids);
    std::vector<const std::vector<std::string>*> lists;
    for (const auto& r : rules_) lists.push_back(&r.context);
    if (!gated_ids.empty()) {
      gated_db_ = build(gated_ids);
      // One more list, after the rules': every gated rule's words.
      gated_words_.assign(gated_words.begin(), gated_words.end());
      lists.push_back(&gated_words_);
    }
    std::set<std::string> column_words;
    for (const auto& r : rules_) column_words.insert(r.column_words.begin(), r.column_words.end());
    if (!column_words.empty()) {  // and one of every rule's column words
      column_words_.assign(column_words.begin(), column_words.end());
      column_list_ = lists.size();
      lists.push_back(&column_words_);
    }
    context_ = std::make_unique<internal::ContextIndex>(lists);
    for (const hs_database_t* db :
         {static_cast<const hs_database_t*>(db_), static_cast<const hs_database_t*>(digit_db_),
          static_cast<const hs_database_t*>(digit_db2_), context_->db(),
          static_cast<const hs_database_t*>(gated_db_)}) {
      if (db && hs_alloc_scratch(db, &proto_) != HS_SUCCESS)
        throw std::runtime_error("detect: cannot allocate Vectorscan scratch");
    }
  }

  hs_database_t* build(const std::vector<unsigned>& ids) const {
    std::vector<const char*> exprs;
    std::vector<unsigned> flags;
    for (unsigned i : ids) {
      exprs.push_back(rules_[i].pattern.c_str());
      bool som = rules_[i].som && !rules_[i].start_of;
      flags.push_back(rules_[i].flags | (som ? HS_FLAG_SOM_LEFTMOST : 0u));
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                         &err) != HS_SUCCESS) {
      std::string msg = "detect: pattern database failed to compile";
      if (err) {
        if (err->expression >= 0)
          msg += " at rule " + rules_[ids[static_cast<size_t>(err->expression)]].detector;
        msg += ": ";
        msg += err->message;
        hs_free_compile_error(err);
      }
      throw std::runtime_error(msg);
    }
    return db;
  }

  // Runs the digit-anchored database over windows [d - reach, d + reach]
  // around every digit d, overlapping windows merged: each match of these
  // rules contains a digit and is at most `reach` long, so it lies inside
  // one window. Text without digits costs one pass of a byte loop.
  // Returns true if `text` has a digit.
  bool scan_digit_windows(std::string_view text, hs_scratch_t* scratch, ScanState& st) const {
    const size_t n = text.size(), reach = digit_reach_;
    auto next_digit = [&](size_t i) {
      while (i<n&& static_cast<unsigned char>(text[i] - '0')> 9) ++i;
      return i;
    };
    st.text = text;
    size_t d = next_digit(0);
    const bool any = d < n;
    while (d < n) {
      // Extend the window to the farthest digit within 2 * reach of the last
      // one, looking backwards from that limit: on digit-dense text this
      // jumps over the digits in between instead of visiting each one.
      size_t last = d, j;
      for (;;) {
        size_t k = std::min(n - 1, last + 2 * reach);
        while (k > last && static_cast<unsigned char>(text[k] - '0') > 9) --k;
        if (k == last) break;
        last = k;
      }
      j = next_digit(std::min(n, last + 2 * reach + 1));
      const size_t a = d > reach ? d - reach : 0, b = std::min(n, last + reach + 1);
      scan_window(digit_db_, text, a, b, 0, scratch, st);
      if (digit_db2_) scan_window(digit_db2_, text, a, b, 0, scratch, st);
      d = j;
    }
    return any;
  }

  // Runs the context-gated rules' database (Rule::needs_context) around
  // each occurrence of their context words. A word [ws, we) boosts a
  // candidate that ends at most 24 bytes before it or starts at most 64
  // bytes after it (has_context), so such a candidate, at most L =
  // gated_reach_ long, lies in R = [we - 24 - L, ws + 64 + L]; the window
  // reaches L further each way, so every match inside R is found with the
  // start and ends a whole-message scan gives it, and matches starting
  // before R are dropped (Vectorscan may see only their tail).
  // `all`: every context word's occurrences (ContextIndex::find); `occ`
  // gets the gated rules' among them.
  void scan_gated(std::string_view text, hs_scratch_t* scratch, ScanState& st,
                  const std::vector<internal::ContextIndex::Occurrence>& all,
                  std::vector<internal::ContextIndex::Occurrence>& occ) const {
    const size_t n = text.size(), reach = gated_reach_, list = rules_.size();
    auto region = [&](const internal::ContextIndex::Occurrence& o) {
      const size_t ws = o.end - context_->length(o.word);
      return std::make_pair(o.end > 24 + reach ? o.end - 24 - reach : 0,
                            std::min(n, ws + 64 + reach));
    };
    // A word of up to 3 bytes counts only where it stands alone in its
    // window (context_in), and a window's edge can stand for at most one of
    // its sides: with a letter on both sides it never counts.
    auto embedded = [&](const internal::ContextIndex::Occurrence& o) {
      const size_t len = context_->length(o.word);
      return len <= 3 && o.end > len && o.end < n &&
             ascii::isalpha(static_cast<unsigned char>(text[o.end - len - 1])) &&
             ascii::isalpha(static_cast<unsigned char>(text[o.end]));
    };
    occ.clear();
    for (const auto& o : all)
      if (context_->in_list(list, o.word) && !embedded(o)) occ.push_back(o);
    for (size_t i = 0; i < occ.size();) {
      auto [r0, r1] = region(occ[i]);
      // Occurrences come by end, so region starts only grow: merge while the
      // windows overlap.
      for (++i; i < occ.size(); ++i) {
        auto [a, b] = region(occ[i]);
        if (a > r1 + 2 * reach) break;
        r1 = std::max(r1, b);
      }
      scan_window(gated_db_, text, r0 > reach ? r0 - reach : 0, std::min(n, r1 + reach), r0,
                  scratch, st);
    }
  }

  hs_scratch_t* acquire() const {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!pool_.empty()) {
        hs_scratch_t* s = pool_.back();
        pool_.pop_back();
        return s;
      }
    }
    hs_scratch_t* s = nullptr;
    if (hs_clone_scratch(proto_, &s) != HS_SUCCESS)
      throw std::runtime_error("detect: scratch clone failed");
    return s;
  }

  void release(hs_scratch_t* s) const {
    std::lock_guard<std::mutex> lock(mu_);
    pool_.push_back(s);
  }

  bool wanted(const std::string& e) const {
    return (opt_.enabled.empty() || opt_.enabled.count(e)) && !opt_.disabled.count(e);
  }

  double threshold(const std::string& e) const {
    auto it = opt_.thresholds.find(e);
    return it == opt_.thresholds.end() ? opt_.min_confidence : it->second;
  }

  // A finding before it is reported: strings stay with the rule and the
  // entity table until a candidate survives every filter.
  struct Cand {
    size_t start, end;
    double score;
    uint32_t entity;              // index into entities_ (or the scan's extra names)
    const std::string* detector;  // the rule's name
    bool context = false;         // raised by a context word of its rule
    uint32_t rule = kNoRule;      // index into rules_ (kNoRule: the name and code passes)
  };
  static constexpr uint32_t kNoRule = 0xFFFFFFFFu;

  // What the post-passes need to know about an entity type, computed once.
  struct EntityMeta {
    const std::string* name;
    Category category;
    bool wanted, clinical, identifies;
    double threshold;
  };

  EntityMeta meta_for(const std::string& name) const {
    return EntityMeta{&name,
                      internal::category_of(name),
                      wanted(name),
                      is_clinical(name),
                      identifies_patient(name),
                      threshold(name)};
  }

  void index_entities() {
    for (const auto& [name, info] : registry()) entities_.push_back(meta_for(name));
    for (const auto& [name, words] : opt_.deny_lists) {
      if (!registry().count(name)) entities_.push_back(meta_for(name));
    }
    std::sort(entities_.begin(), entities_.end(),
              [](const EntityMeta& a, const EntityMeta& b) { return *a.name < *b.name; });
    for (const auto& r : rules_) rule_entity_.push_back(entity_id(r.entity));
    person_id_ = entity_id("PERSON");
    code_id_ = entity_id("CODE");
  }

  // Index of a known entity (entities_ is sorted by name), or kNoEntity.
  uint32_t entity_id(const std::string& name) const {
    auto it =
        std::lower_bound(entities_.begin(), entities_.end(), name,
                         [](const EntityMeta& m, const std::string& n) { return *m.name < n; });
    if (it == entities_.end() || *it->name != name) return kNoEntity;
    return static_cast<uint32_t>(it - entities_.begin());
  }

  void scan_one(std::string_view text, int msg, hs_scratch_t* scratch,
                std::vector<Finding>& out) const {
    std::vector<Cand> found;
    found.reserve(16);
    // Names a check produced that are not in the registry (none today) get
    // their metadata here, with ids after the registry's.
    std::vector<std::unique_ptr<std::string>> extra_names;  // no allocation while empty
    std::vector<EntityMeta> extra_meta;
    auto meta = [&](uint32_t id) -> const EntityMeta& {
      return id < entities_.size() ? entities_[id] : extra_meta[id - entities_.size()];
    };
    auto id_of = [&](const std::string& name) {
      uint32_t id = entity_id(name);
      if (id != kNoEntity) return id;
      for (size_t k = 0; k < extra_names.size(); ++k) {
        if (*extra_names[k] == name) return static_cast<uint32_t>(entities_.size() + k);
      }
      extra_names.push_back(std::make_unique<std::string>(name));
      extra_meta.push_back(meta_for(*extra_names.back()));
      return static_cast<uint32_t>(entities_.size() + extra_names.size() - 1);
    };
    if ((db_ || digit_db_ || gated_db_) && !text.empty()) {
      // Per-thread buffers, reused across scans: on dense text these are
      // about as large as the message, and fresh ones cost page faults.
      struct Buffers {
        std::vector<Raw> raw;
        std::string lowered;
        std::vector<char> block_done;
        std::vector<internal::ContextIndex::Occurrence> context;
        std::vector<internal::ContextIndex::Occurrence> gated;  // scan_gated's words
        std::vector<size_t> looked;
      };
      thread_local Buffers buffers;
      ScanState st;
      st.raw.swap(buffers.raw);
      st.raw.clear();
      st.rules = &rules_;
      st.last.assign(rules_.size(), -1);
      st.text = text;
      if (db_) {
        hs_scan(db_, text.data(), static_cast<unsigned>(std::min<size_t>(text.size(), 0xFFFFFFFFu)),
                0, scratch, on_match, &st);
      }
      const std::string_view scanned = text.substr(0, std::min<size_t>(text.size(), 0xFFFFFFFFu));
      bool digits = false;
      if (digit_db_) {
        digits = scan_digit_windows(scanned, scratch, st);
      } else if (gated_db_) {
        digits =
            std::any_of(scanned.begin(), scanned.end(), [](char c) { return ascii::isdigit(c); });
      }
      // The context words are found now if the gated rules need them; the
      // candidates' lookups below then use the same occurrences.
      std::vector<internal::ContextIndex::Occurrence>& occ = buffers.context;
      bool indexed = false;
      if (gated_db_ && digits) {
        context_->find(text, scratch, occ);
        indexed = true;
        scan_gated(scanned, scratch, st, occ, buffers.gated);
      }
      found.reserve(st.raw.size() + 16);
      // The message lower-cased once, for the context words of all candidates.
      // Lower-cased in 1 KB blocks as candidates need them, so a long
      // message with a few candidates is not lower-cased as a whole.
      std::string& lowered = buffers.lowered;
      std::vector<char>& block_done = buffers.block_done;
      constexpr size_t kBlock = 1024;
      bool lowered_init = false;
      auto lowered_text = [&](size_t start, size_t end) -> std::string_view {
        if (!lowered_init) {
          lowered.resize(text.size());
          block_done.assign(text.size() / kBlock + 1, 0);
          lowered_init = true;
        }
        size_t a = start > 64 ? start - 64 : 0, b = std::min(text.size(), end + 24);
        for (size_t k = a / kBlock; k * kBlock < b; ++k) {
          if (block_done[k]) continue;
          size_t from = k * kBlock, len = std::min(kBlock, text.size() - from);
          internal::lower_ascii(text.substr(from, len), lowered.data() + from);
          block_done[k] = 1;
        }
        return std::string_view(lowered).substr(0, text.size());
      };
      // Where the candidates that may look for context words are dense
      // enough for their windows to cover the message (one per 96 bytes or
      // more), the words are found with one scan of the message instead.
      size_t wanting_context = 0;
      for (const Raw& r : st.raw) wanting_context += !rules_[r.rule].context.empty();
      if (!indexed && wanting_context * 96 >= text.size() && context_->db()) {
        context_->find(text, scratch, occ);
        indexed = true;
      }
      size_t hint = 0;
      auto has_context = [&](const internal::Rule& rule, unsigned id, size_t a, size_t b) {
        if (indexed) return context_->near(id, text, occ, a, b, hint);
        return internal::has_context_lowered(lowered_text(a, b), a, b, rule.context);
      };
      std::vector<internal::Hit> extra;
      std::vector<size_t>& looked = buffers.looked;  // MultiCheck's per-rule state
      looked.assign(rules_.size(), 0);
      std::string last_label;
      uint32_t last_label_id = kNoEntity;
      // Candidates that reach their threshold only through a context word
      // (`listed`: through the list they are an item of, see below).
      std::vector<uint32_t> labelled;
      auto add_hit = [&](unsigned ri, internal::Hit& x, bool listed) {
        const internal::Rule& rule = rules_[ri];
        const double before = x.score;
        // A context word cannot raise a score that is already 1.
        bool context = false;
        if (!rule.context.empty() && x.score < 1.0 &&
            (listed || has_context(rule, ri, x.start, x.end))) {
          x.score = internal::boosted(x.score);
          context = true;
        }
        uint32_t id = rule_entity_[ri];
        if (!x.entity.empty()) {
          // Relabels repeat (a date becomes DATE_OF_BIRTH): remember the last one.
          if (x.entity != last_label) {
            last_label = x.entity;
            last_label_id = id_of(x.entity);
          }
          id = last_label_id;
        }
        if (id == kNoEntity) id = id_of(rule.entity);
        if (x.score >= meta(id).threshold &&
            (rule.list_item || (context && before < meta(id).threshold)))
          labelled.push_back(static_cast<uint32_t>(found.size()));
        found.push_back(Cand{x.start, x.end, x.score, id, &rule.detector, context, ri});
      };
      auto check = [&](const Raw& r, internal::Hit& h) {
        const internal::Rule& rule = rules_[r.rule];
        h = internal::Hit{r.start, r.end, rule.score, {}};
        extra.clear();
        return rule.multi ? rule.multi(text, h, extra, looked[r.rule])
                          : (!rule.check || rule.check(text, h));
      };
      internal::Hit h;
      for (const Raw& r : st.raw) {
        if (!check(r, h)) continue;
        add_hit(r.rule, h, false);
        for (internal::Hit& x : extra) add_hit(r.rule, x, false);
      }
      // Candidates that may be raised as items of a list or a table column,
      // by start; built when first needed.
      std::vector<std::pair<size_t, uint32_t>> items;
      bool items_built = false;
      size_t scanned_at = std::string_view::npos, scanned_from = 0, scanned_to = 0;
      auto build_items = [&] {
        if (items_built) return;
        for (uint32_t i = 0; i < found.size(); ++i) {
          const internal::Rule& r = rules_[found[i].rule];
          if (!r.context.empty() || !r.column_words.empty()) items.emplace_back(found[i].start, i);
        }
        std::sort(items.begin(), items.end());
        items_built = true;
      };
      // Calls f(index into found) for each of rule `ri`'s candidates starting at `at`.
      auto each_item_at = [&](uint32_t ri, size_t at, auto&& f) {
        build_items();
        for (auto it = std::lower_bound(items.begin(), items.end(), std::make_pair(at, 0u));
             it != items.end() && it->first == at; ++it)
          if (found[it->second].rule == ri) f(it->second);
      };
      // Raises rule `ri`'s candidate that starts at `at`, set off by `sep`,
      // as an item its label names (as a context word would) and queues it
      // in `labelled`. With no candidate there, a gated rule is scanned for
      // one; a rule with Rule::list_item reads its item itself. True if the
      // rule has one at `at`.
      auto raise_at = [&](uint32_t ri, size_t at, Sep sep) {
        const internal::Rule& rule = rules_[ri];
        if (rule.list_item) {  // its items are no candidates of its own
          static const std::string kListItem = "list_item";
          // Read by shape alone, an item needs a list's mark, or a line of
          // its own: "MRN 4197047 2023 follow-up" lists no year.
          if (sep == Sep::kBlank) return false;
          const size_t end = rule.list_item(scanned, at);
          if (end <= at) return false;
          if (sep == Sep::kLine && end < scanned.size() && scanned[end] != '\n' &&
              scanned[end] != '\r')
            return false;
          const uint32_t id = rule_entity_[ri] != kNoEntity ? rule_entity_[ri] : id_of(rule.entity);
          labelled.push_back(static_cast<uint32_t>(found.size()));
          found.push_back(Cand{at, end, rule.score, id, &kListItem, false, ri});
          return true;
        }
        bool any = false;
        each_item_at(ri, at, [&](uint32_t i) {
          Cand& c = found[i];
          any = true;
          if (!c.context && c.score < meta(c.entity).threshold) {
            c.score = internal::boosted(c.score);
            c.context = true;
          }
          if (c.score >= meta(c.entity).threshold) labelled.push_back(i);
        });
        if (any || !context_gated(ri)) return any;
        if (scanned_at != at) {  // one scan serves every rule of a table cell
          scanned_at = at;
          scanned_from = st.raw.size();
          scan_window(gated_db_, scanned, at, std::min(scanned.size(), at + gated_reach_), at,
                      scratch, st);
          scanned_to = st.raw.size();
        }
        for (size_t k = scanned_from; k < scanned_to; ++k) {
          const Raw r = st.raw[k];
          if (r.rule != ri || r.start != at || !check(r, h)) continue;
          add_hit(r.rule, h, true);
          any = true;
        }
        return any;
      };
      // Gives rule `ri`'s candidate of its own type that starts at `at` the
      // type of the column it is in (Rule::column_entity).
      auto relabel_at = [&](uint32_t ri, size_t at) {
        each_item_at(ri, at, [&](uint32_t i) {
          Cand& c = found[i];
          if (c.entity != rule_entity_[ri]) return;
          c.entity = id_of(rules_[ri].column_entity);
          c.score = std::max(c.score, 0.85);
          c.context = true;
        });
      };
      // A table's column header names the cells below it: "Passport" heads
      // a column of passport numbers, most rows far from the word.
      if (indexed) {
        // A row's cells are not a list: what the header raises starts none.
        const size_t heads = labelled.size();
        std::vector<std::pair<size_t, size_t>> header, row;
        std::vector<std::pair<size_t, uint32_t>> named;    // (column, rule) to raise_at
        std::vector<std::pair<size_t, uint32_t>> relabel;  // (column, rule) to relabel_at
        size_t line_done = 0;                              // lines before this are read
        for (size_t k = 0; k < occ.size(); ++k) {
          const size_t ws = occ[k].end - context_->length(occ[k].word);
          if (ws < line_done) continue;
          const size_t from = line_done;
          const size_t le = std::min(text.find('\n', occ[k].end), text.size());
          line_done = le + 1;
          // A header's words lie in short cells: the line's first word tells.
          if (le == text.size() || !in_short_cell(text, ws, occ[k].end)) continue;
          const void* nl = memrchr(text.data() + from, '\n', ws - from);
          const size_t ls =
              nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) + 1 : from;
          const size_t ne = std::min(text.find('\n', le + 1), text.size());
          const char delim =
              table_delimiter(text.substr(ls, le - ls), text.substr(le + 1, ne - le - 1));
          if (!delim) continue;
          table_cells(text, ls, le, delim, header);
          // A header's cells are labels, not sentences; '| MRN |' is a table.
          if (header.size() < (delim == '|' ? 1u : 2u) ||
              std::any_of(header.begin(), header.end(), [&](const auto& c) {
                return c.second - c.first > 64 ||
                       sentence_in(text.substr(c.first, c.second - c.first));
              }))
            continue;
          size_t r = le + 1;
          if (delim == '|') {  // the Markdown line under the header
            const size_t re = std::min(text.find('\n', r), text.size());
            if (text.substr(r, re - r).find_first_not_of("|-: \t\r") == std::string_view::npos)
              r = re + 1;
          }
          // A table has a row below the header with as many cells.
          table_cells(text, r, std::min(text.find('\n', r), text.size()), delim, row);
          if (row.size() != header.size()) continue;
          named.clear();
          relabel.clear();
          size_t col = 0;  // occurrences come by end, so columns only grow
          for (size_t j = k; j < occ.size() && occ[j].end <= le; ++j) {
            const uint32_t word = occ[j].word;
            const size_t len = context_->length(word), we = occ[j].end;
            if (len <= 3 &&
                ((we > len && ascii::isalpha(static_cast<unsigned char>(text[we - len - 1]))) ||
                 (we < text.size() && ascii::isalpha(static_cast<unsigned char>(text[we])))))
              continue;  // a short word inside another
            while (col < header.size() && header[col].second < we) ++col;
            if (col == header.size() || header[col].first > we - len) continue;
            for (uint32_t i = 0; i < rules_.size(); ++i) {
              if (context_->in_list(i, word) &&
                  (rules_[i].list_item || rules_[i].score < threshold(rules_[i].entity)))
                named.emplace_back(col, i);
            }
            if (column_list_ == SIZE_MAX || !context_->in_list(column_list_, word)) continue;
            const std::string w = lower(text.substr(we - len, len));
            for (uint32_t i = 0; i < rules_.size(); ++i) {
              const auto& cw = rules_[i].column_words;
              if (std::find(cw.begin(), cw.end(), w) == cw.end()) continue;
              (rules_[i].column_entity.empty() ? named : relabel).emplace_back(col, i);
            }
          }
          for (auto* v : {&named, &relabel}) {
            std::sort(v->begin(), v->end());
            v->erase(std::unique(v->begin(), v->end()), v->end());
          }
          while (r < text.size()) {
            const size_t re = std::min(text.find('\n', r), text.size());
            table_cells(text, r, re, delim, row);
            // Prose after the table may split into as many cells.
            if (row.size() != header.size() ||
                std::any_of(row.begin(), row.end(), [&](const auto& c) {
                  return c.second - c.first > 64 &&
                         sentence_in(text.substr(c.first, c.second - c.first));
                }))
              break;
            for (const auto& [col, ri] : named)
              if (row[col].first < row[col].second) raise_at(ri, row[col].first, Sep::kMark);
            for (const auto& [col, ri] : relabel)
              if (row[col].first < row[col].second) relabel_at(ri, row[col].first);
            r = re + 1;
          }
          line_done = std::max(line_done, r);
        }
        labelled.resize(heads);
      }
      // A label names each item of the list after it: in "Passport: A, B
      // / C" the word is near A only, and B and C are read as A's rule
      // reads them. An item of A's rule right after A's separator, below
      // its threshold without context, is raised as A was, and so on down
      // the list. A gated rule's items beyond its windows are scanned for
      // here; a rule whose pattern holds its label ("MRN: A / B") reads the
      // next item with Rule::list_item.
      // The lists are read one item further per wave, and each (item start,
      // rule) once: `read` holds the heads and every item found (a run of
      // tokens each heading the rest would otherwise be read once per token
      // before it). A failed look adds nothing: another rule's list may
      // still have its item there.
      KeySet read;
      auto key = [](size_t at, uint32_t rule) { return uint64_t{at} << 16 | rule; };
      for (uint32_t i : labelled) read.insert(key(found[i].start, found[i].rule));
      std::vector<std::tuple<size_t, uint32_t, Sep>> wave;  // (next item's start, rule, sep)
      for (size_t done = 0; done < labelled.size();) {
        wave.clear();
        for (; done < labelled.size(); ++done) {
          const Cand& item = found[labelled[done]];
          Sep sep = Sep::kBlank;
          const size_t next = list_item_after(scanned, item.end, sep);
          if (next != std::string_view::npos && !read.contains(key(next, item.rule)))
            wave.emplace_back(next, item.rule, sep);
        }
        std::sort(wave.begin(), wave.end());
        wave.erase(std::unique(wave.begin(), wave.end()), wave.end());
        for (const auto& [next, rule, sep] : wave)
          if (!read.contains(key(next, rule)) && raise_at(rule, next, sep))
            read.insert(key(next, rule));
      }
      // Keep the buffers for the next scan unless a huge message grew them.
      constexpr size_t kKeep = size_t{8} << 20;
      if (st.raw.capacity() * sizeof(Raw) <= kKeep) buffers.raw.swap(st.raw);
      if (occ.capacity() * sizeof(occ[0]) > kKeep)
        std::vector<internal::ContextIndex::Occurrence>().swap(occ);
      if (lowered.capacity() > kKeep) {
        std::string().swap(lowered);
        std::vector<char>().swap(block_done);
      }
    }
    static const std::string kPersonDetector = "person", kCodeDetector = "code";
    if (person_) {
      std::vector<internal::Hit> hits;
      internal::find_persons(text, hits);
      for (auto& h : hits)
        found.push_back(Cand{h.start, h.end, h.score, person_id_, &kPersonDetector});
    }
    if (code_) {
      std::vector<internal::Hit> hits;
      internal::find_code(text, opt_.code_threshold, hits);
      for (auto& h : hits) found.push_back(Cand{h.start, h.end, h.score, code_id_, &kCodeDetector});
    }
    // Health facts become PHI when the message also says whose they are.
    bool clinical = false, patient = false;
    for (const Cand& f : found) {
      const EntityMeta& m = meta(f.entity);
      if (m.identifies && f.score >= m.threshold) patient = true;
      clinical = clinical || m.clinical;
    }
    if (clinical && !patient) patient = mentions_patient(text);
    if (patient) {
      for (Cand& f : found) {
        if (meta(f.entity).clinical) f.score = std::max(f.score, 0.85);
      }
    }
    // Several triggers can widen to the same candidate.
    auto type_less = [&](uint32_t a, uint32_t b) {
      return a != b && *meta(a).name < *meta(b).name;
    };
    // A total order: of two candidates with the same span and type, the one
    // with the higher confidence comes first (and survives `unique`), then
    // the rule name decides. So any sorting algorithm gives the same order.
    sort_candidates(found, [&](const Cand& a, const Cand& b) {
      if (a.start != b.start) return a.start < b.start;
      if (a.end != b.end) return a.end < b.end;
      if (type_less(a.entity, b.entity)) return true;
      if (type_less(b.entity, a.entity)) return false;
      if (a.score != b.score) return a.score > b.score;
      return *a.detector < *b.detector;
    });
    found.erase(
        std::unique(found.begin(), found.end(),
                    [&](const Cand& a, const Cand& b) {
                      return a.start == b.start && a.end == b.end &&
                             (a.entity == b.entity || *meta(a.entity).name == *meta(b.entity).name);
                    }),
        found.end());
    // Filters: enabled set, thresholds, allow-lists. In place, so `found`
    // keeps its (start, end, type) order.
    found.erase(
        std::remove_if(found.begin(), found.end(),
                       [&](const Cand& f) {
                         const EntityMeta& m = meta(f.entity);
                         if (!m.wanted || f.score < m.threshold) return true;
                         std::string_view value = text.substr(f.start, f.end - f.start);
                         if (!opt_.allow_values.empty() && opt_.allow_values.count(lower(value)))
                           return true;
                         return !opt_.allow_domains.empty() &&
                                (*m.name == "EMAIL_ADDRESS" || *m.name == "URL") &&
                                domain_allowed(host_of(*m.name, value), opt_.allow_domains);
                       }),
        found.end());
    if (opt_.resolve_overlaps) resolve(found, [&](uint32_t id) { return meta(id).category; });
    out.reserve(out.size() + found.size());
    for (const Cand& f : found) {
      const EntityMeta& m = meta(f.entity);
      Finding x;
      x.type = *m.name;
      x.category = m.category;
      x.message = msg;
      x.start = f.start;
      x.end = f.end;
      x.confidence = f.score;
      x.detector = *f.detector;
      x.context = f.context;
      out.push_back(std::move(x));
    }
  }

  // Sorts `v` by `less`, a total order that compares (start, end) first.
  // Many candidates (dense text) are sorted by (start, end) with a stable
  // radix sort, a byte per pass, skipping the bytes all keys share, and then
  // each run of equal spans by `less`: linear in the candidates instead of
  // n log n comparisons.
  template <class Less>
  static void sort_candidates(std::vector<Cand>& v, Less less) {
    const size_t n = v.size();
    size_t max_end = 0;
    bool by_span = true;  // already in (start, end) order (hit-free prose: names only)
    for (size_t i = 0; i < n; ++i) {
      max_end = std::max(max_end, v[i].end);
      if (i > 0 && (v[i].start < v[i - 1].start ||
                    (v[i].start == v[i - 1].start && v[i].end < v[i - 1].end)))
        by_span = false;
    }
    // Orders each run of equal spans of `w`, already in (start, end) order.
    auto sort_runs = [&](std::vector<Cand>& w) {
      for (size_t r = 0; r < n;) {
        size_t e = r + 1;
        while (e < n && w[e].start == w[r].start && w[e].end == w[r].end) ++e;
        if (e - r > 1) {
          std::sort(w.begin() + static_cast<std::ptrdiff_t>(r),
                    w.begin() + static_cast<std::ptrdiff_t>(e), less);
        }
        r = e;
      }
    };
    if (by_span) {  // only runs of equal spans to order
      sort_runs(v);
      return;
    }
    if (n < 512 || max_end > 0xFFFFFFFFu) {
      std::sort(v.begin(), v.end(), less);
      return;
    }
    struct Item {
      uint64_t key;  // start << 32 | end
      uint32_t i;
    };
    thread_local std::vector<Item> a, b;
    thread_local std::vector<Cand> sorted;
    a.resize(n);
    b.resize(n);
    std::vector<uint32_t> count(8 * 256, 0);
    for (size_t i = 0; i < n; ++i) {
      uint64_t k = static_cast<uint64_t>(v[i].start) << 32 | static_cast<uint64_t>(v[i].end);
      a[i] = Item{k, static_cast<uint32_t>(i)};
      for (int d = 0; d < 8; ++d) ++count[static_cast<size_t>(d) * 256 + ((k >> (8 * d)) & 255)];
    }
    for (int d = 0; d < 8; ++d) {
      uint32_t* c = &count[static_cast<size_t>(d) * 256];
      if (c[(a[0].key >> (8 * d)) & 255] == n) continue;  // every key has this byte
      uint32_t off[256];
      uint32_t pos = 0;
      for (int k = 0; k < 256; ++k) {
        off[k] = pos;
        pos += c[k];
      }
      for (size_t j = 0; j < n; ++j) b[off[(a[j].key >> (8 * d)) & 255]++] = a[j];
      a.swap(b);
    }
    sorted.resize(n);
    for (size_t j = 0; j < n; ++j) sorted[j] = v[a[j].i];
    sort_runs(sorted);
    std::copy(sorted.begin(), sorted.end(), v.begin());
    if (n * sizeof(Cand) > (size_t{8} << 20)) {  // a huge message: do not keep its buffers
      std::vector<Item>().swap(a);
      std::vector<Item>().swap(b);
      std::vector<Cand>().swap(sorted);
    }
  }

  // Best finding per span: higher confidence, then longer, wins. CODE spans
  // are containers and never suppress what is inside them (a key in code is
  // still a key). Decides on indices, then compacts `v` in place, so its
  // order is kept. `v` is sorted by start.
  template <class CategoryOf>
  static void resolve(std::vector<Cand>& v, CategoryOf category_of) {
    // The sort keys side by side (not reached through an index), so the sort
    // touches less memory; same comparisons, so the same order.
    struct Key {
      double score;
      size_t len, start;
      uint32_t i;
    };
    auto better = [](const Key& a, const Key& b) {
      if (a.score != b.score) return a.score > b.score;
      if (a.len != b.len) return a.len > b.len;
      return a.start < b.start;
    };
    std::vector<Key> order;
    order.reserve(v.size());
    std::vector<char> keep(v.size(), 0);
    bool empty_span = false;
    size_t lo = SIZE_MAX, hi = 0;
    for (uint32_t i = 0; i < v.size(); ++i) {
      if (category_of(v[i].entity) != Category::CODE) {
        order.push_back(Key{v[i].score, v[i].end - v[i].start, v[i].start, i});
        empty_span = empty_span || v[i].end <= v[i].start;
        lo = std::min(lo, v[i].start);
        hi = std::max(hi, v[i].end);
      } else {
        keep[i] = 1;
      }
    }
    if (!empty_span && !order.empty()) {
      // Non-empty spans: a candidate overlaps a kept span iff one of its
      // bytes is covered by one, so a bitmap of covered bytes decides.
      std::vector<uint64_t> covered((hi - lo + 64) / 64, 0);
      auto any = [&](size_t a, size_t b) {  // any bit in [a, b)
        for (size_t w = a / 64; w <= (b - 1) / 64; ++w) {
          uint64_t m = ~0ull;
          if (w == a / 64) m &= ~0ull << (a % 64);
          if (w == (b - 1) / 64) m &= ~0ull >> (63 - (b - 1) % 64);
          if (covered[w] & m) return true;
        }
        return false;
      };
      auto set = [&](size_t a, size_t b) {
        for (size_t w = a / 64; w <= (b - 1) / 64; ++w) {
          uint64_t m = ~0ull;
          if (w == a / 64) m &= ~0ull << (a % 64);
          if (w == (b - 1) / 64) m &= ~0ull >> (63 - (b - 1) % 64);
          covered[w] |= m;
        }
      };
      // Candidates that overlap nothing (most of them) are kept without a
      // sort. The others form clusters, maximal runs (in start order) of
      // chained overlaps; a decision only depends on kept spans that overlap
      // the candidate, all in its cluster, so sorting each cluster on its
      // own decides as one global sort would.
      std::vector<uint32_t> cluster;  // one cluster's candidates, best first
      size_t a = 0;
      while (a < order.size()) {
        size_t b = a + 1, reach = v[order[a].i].end;
        while (b < order.size() && v[order[b].i].start < reach) {
          reach = std::max(reach, v[order[b].i].end);
          ++b;
        }
        if (b - a == 1) {
          keep[order[a].i] = 1;
        } else {
          std::sort(order.begin() + static_cast<std::ptrdiff_t>(a),
                    order.begin() + static_cast<std::ptrdiff_t>(b), better);
          cluster.clear();
          for (size_t k = a; k < b; ++k) {
            const Cand& f = v[order[k].i];
            if (!any(f.start - lo, f.end - lo)) {
              set(f.start - lo, f.end - lo);
              keep[order[k].i] = 1;
            }
            cluster.push_back(order[k].i);
          }
          cover_losers(v, keep, category_of, cluster);
        }
        a = b;
      }
    } else {
      std::sort(order.begin(), order.end(), better);
      // Kept spans are disjoint, so ordered by start they are also ordered
      // by end: a candidate overlaps a kept span iff it overlaps its
      // neighbour (the last one starting before its end).
      std::map<size_t, size_t> spans;  // start -> end of kept findings
      for (const Key& k : order) {
        const Cand& f = v[k.i];
        auto it = spans.lower_bound(f.end);
        bool overlaps = false;
        if (it != spans.begin()) {
          --it;
          overlaps = it->second > f.start;
        }
        if (!overlaps) {
          spans.emplace(f.start, f.end);
          keep[k.i] = 1;
        }
      }
      std::vector<uint32_t> all;
      for (const Key& k : order) all.push_back(k.i);
      cover_losers(v, keep, category_of, all);
    }
    size_t w = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      if (!keep[i]) continue;
      if (w != i) v[w] = v[i];
      ++w;
    }
    v.resize(w);
  }

  // True if the spans in `spans` (any order) leave no byte of [start, end) out.
  static bool covered(std::vector<std::pair<size_t, size_t>>& spans, size_t start, size_t end) {
    std::sort(spans.begin(), spans.end());
    for (const auto& [a, b] : spans) {
      if (a > start) return false;
      start = std::max(start, b);
      if (start >= end) return true;
    }
    return start >= end;
  }

  // A finding that lost to an overlapping one may stick out of it: the
  // e-mail address inside a connection string's password beats the
  // URL_CREDENTIALS finding around it, and the rest of the URL (user and
  // password) would go out in clear. So a loser that contains a shorter kept
  // finding, or is of a more sensitive category (SECRET, then PHI, then
  // PII), merges with the kept findings it overlaps: one finding over their
  // union, that of the most sensitive category, then the highest
  // confidence, the longest, the first. (A loser of the same category that
  // only partly overlaps, such as a name guessed from "Kennzeichen HB" next
  // to a plate, is dropped as before.) A loser the kept findings cover
  // whole, of a more sensitive category, takes their place unless they were
  // raised by their own context word and it was not: the digits of a US
  // phone number after "Mobile:" may pass the NHS checksum (PHI, which keeps
  // a request local), but after "NHS number" or with no word at all they
  // are read as the NHS number. Nothing of a covered loser goes out either way.
  // `ids`: a cluster of chained overlaps (or all candidates), best first;
  // small, so pairs are compared directly.
  template <class CategoryOf>
  static void cover_losers(std::vector<Cand>& v, std::vector<char>& keep, CategoryOf category_of,
                           const std::vector<uint32_t>& ids) {
    auto rank = [&](uint32_t i) {
      const Category c = category_of(v[i].entity);
      return c == Category::SECRET ? 3 : c == Category::PHI ? 2 : c == Category::PII ? 1 : 0;
    };
    auto better = [&](uint32_t a, uint32_t b) {
      if (rank(a) != rank(b)) return rank(a) > rank(b);
      if (v[a].score != v[b].score) return v[a].score > v[b].score;
      if (v[a].end - v[a].start != v[b].end - v[b].start)
        return v[a].end - v[a].start > v[b].end - v[b].start;
      return v[a].start < v[b].start;
    };
    std::vector<uint32_t> lost, kept;
    std::vector<std::pair<size_t, size_t>> cover;  // the kept spans a loser overlaps
    for (uint32_t i : ids) {
      if (v[i].end <= v[i].start || rank(i) == 0) continue;
      (keep[i] ? kept : lost).push_back(i);
    }
    if (lost.empty()) return;
    std::sort(lost.begin(), lost.end(), better);
    for (uint32_t l : lost) {
      auto overlaps = [&](uint32_t k) {
        return keep[k] && v[k].end > v[l].start && v[l].end > v[k].start;
      };
      bool merges = false, relabels = false;
      cover.clear();
      for (uint32_t k : kept) {
        if (!overlaps(k)) continue;
        cover.emplace_back(v[k].start, v[k].end);
        merges = merges || rank(l) > rank(k) ||
                 (v[l].start <= v[k].start && v[k].end <= v[l].end &&
                  v[l].end - v[l].start > v[k].end - v[k].start);
        relabels = relabels || (rank(l) > rank(k) && !(v[k].context && !v[l].context));
      }
      if (!merges || (!relabels && covered(cover, v[l].start, v[l].end))) continue;
      size_t start = v[l].start, end = v[l].end;
      uint32_t best = l;
      for (uint32_t k : kept) {
        if (!overlaps(k)) continue;
        start = std::min(start, v[k].start);
        end = std::max(end, v[k].end);
        if (better(k, best)) best = k;
        keep[k] = 0;
      }
      v[best].start = start;
      v[best].end = end;
      keep[best] = 1;
      if (best == l) kept.push_back(l);
    }
  }

  static constexpr uint32_t kNoEntity = 0xFFFFFFFFu;
  std::vector<EntityMeta> entities_;  // the registry's and the deny lists' types, sorted by name
  std::vector<uint32_t> rule_entity_;
  uint32_t person_id_ = kNoEntity, code_id_ = kNoEntity;

  DetectorOptions opt_;
  std::vector<internal::Rule> rules_;
  bool person_ = false, code_ = false;
  hs_database_t* db_ = nullptr;
  hs_database_t* digit_db_ = nullptr;
  hs_database_t* digit_db2_ = nullptr;               // Rule::digit_second, same windows
  size_t digit_reach_ = 0;                           // longest match of a digit-anchored rule
  std::unique_ptr<internal::ContextIndex> context_;  // the rules' context words
  hs_database_t* gated_db_ = nullptr;                // context_gated rules, scan_gated's windows
  size_t gated_reach_ = 0;                           // their longest match
  std::vector<std::string> gated_words_;   // their context words: context_'s list after the rules'
  std::vector<std::string> column_words_;  // every Rule::column_words: context_'s list
  size_t column_list_ = SIZE_MAX;          // ... at this index (SIZE_MAX: none)
  hs_scratch_t* proto_ = nullptr;
  mutable std::mutex mu_;
  mutable std::vector<hs_scratch_t*> pool_;
};

}  // namespace

namespace internal {

Category category_of(const std::string& entity) {
  auto it = registry().find(entity);
  return it == registry().end() ? Category::PII : it->second.category;
}

namespace {

// ASCII lower-casing as std::tolower does in the "C" locale, without a libc
// call per byte.
struct LowerTable {
  char t[256];
  constexpr LowerTable() : t() {
    for (int i = 0; i < 256; ++i) t[i] = static_cast<char>(i >= 'A' && i <= 'Z' ? i + 32 : i);
  }
};
constexpr LowerTable kLower;

bool context_in(std::string_view before, std::string_view after,
                const std::vector<std::string>& words) {
  auto found_in = [](std::string_view hay, const std::string& w) {
    size_t pos = 0;
    while ((pos = hay.find(w, pos)) != std::string_view::npos) {
      if (w.size() > 3) return true;
      bool left = pos == 0 || !ascii::isalpha(static_cast<unsigned char>(hay[pos - 1]));
      size_t e = pos + w.size();
      bool right = e >= hay.size() || !ascii::isalpha(static_cast<unsigned char>(hay[e]));
      if (left && right) return true;
      ++pos;
    }
    return false;
  };
  // A word can only occur where its first two letters do: a 1024-entry set of
  // the windows' letter pairs skips most searches. The set is stamped with a
  // per-call generation instead of cleared, so building it is one plain store
  // per byte (a bitmap's read-modify-write chained each byte on the last).
  thread_local uint32_t pair_gen[1024];
  thread_local uint32_t gen = 0;
  if (++gen == 0) {
    std::fill(std::begin(pair_gen), std::end(pair_gen), 0u);
    gen = 1;
  }
  auto pair_bit = [](char a, char b) {
    return (static_cast<unsigned>(static_cast<unsigned char>(a)) * 31u +
            static_cast<unsigned char>(b)) &
           1023u;
  };
  for (std::string_view hay : {before, after}) {
    for (size_t i = 0; i + 1 < hay.size(); ++i) pair_gen[pair_bit(hay[i], hay[i + 1])] = gen;
  }
  for (const auto& w : words) {
    if (w.size() >= 2 && pair_gen[pair_bit(w[0], w[1])] != gen) continue;
    if (found_in(before, w) || found_in(after, w)) return true;
  }
  return false;
}

int on_context_word(unsigned int id, unsigned long long, unsigned long long to, unsigned int,
                    void* ctx) {
  static_cast<std::vector<ContextIndex::Occurrence>*>(ctx)->push_back(
      ContextIndex::Occurrence{static_cast<size_t>(to), id});
  return 0;
}

}  // namespace

ContextIndex::ContextIndex(const std::vector<const std::vector<std::string>*>& lists) {
  std::vector<std::string> words;
  std::vector<std::vector<uint32_t>> ids(lists.size());
  for (size_t i = 0; i < lists.size(); ++i) {
    if (!lists[i]) continue;
    for (const std::string& w : *lists[i]) {
      // An empty word would match at every window edge in has_context:
      // no rule has one, and none may.
      if (w.empty()) throw std::logic_error("detect: empty context word");
      // An upper-case letter never occurs in lower-cased text.
      if (std::any_of(w.begin(), w.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) continue;
      size_t k = static_cast<size_t>(std::find(words.begin(), words.end(), w) - words.begin());
      if (k == words.size()) words.push_back(w);
      ids[i].push_back(static_cast<uint32_t>(k));
    }
  }
  width_ = (words.size() + 63) / 64;
  lists_.assign(lists.size() * width_, 0);
  for (size_t i = 0; i < ids.size(); ++i) {
    for (uint32_t k : ids[i]) lists_[i * width_ + k / 64] |= uint64_t{1} << (k % 64);
  }
  if (words.empty()) return;
  std::vector<const char*> exprs;
  std::vector<size_t> lens;
  std::vector<unsigned> flags(words.size(), HS_FLAG_CASELESS), hs_ids;
  for (size_t k = 0; k < words.size(); ++k) {
    exprs.push_back(words[k].data());
    lens.push_back(words[k].size());
    len_.push_back(static_cast<uint32_t>(words[k].size()));
    hs_ids.push_back(static_cast<unsigned>(k));
  }
  hs_compile_error_t* err = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), hs_ids.data(), lens.data(),
                           static_cast<unsigned>(words.size()), HS_MODE_BLOCK, nullptr, &db_,
                           &err) != HS_SUCCESS) {
    std::string msg = "detect: context words failed to compile";
    if (err) {
      msg += ": ";
      msg += err->message;
      hs_free_compile_error(err);
    }
    throw std::runtime_error(msg);
  }
}

ContextIndex::~ContextIndex() {
  if (db_) hs_free_database(db_);
}

void ContextIndex::find(std::string_view text, hs_scratch_t* scratch,
                        std::vector<Occurrence>& occ) const {
  occ.clear();
  if (!db_ || text.empty()) return;
  hs_scan(db_, text.data(), static_cast<unsigned>(std::min<size_t>(text.size(), 0xFFFFFFFFu)), 0,
          scratch, on_context_word, &occ);
  auto by_end = [](const Occurrence& x, const Occurrence& y) { return x.end < y.end; };
  if (!std::is_sorted(occ.begin(), occ.end(), by_end)) std::sort(occ.begin(), occ.end(), by_end);
}

bool ContextIndex::near(size_t list, std::string_view text, const std::vector<Occurrence>& occ,
                        size_t start, size_t end, size_t& hint) const {
  if (!width_) return false;
  // The windows of has_context: 64 bytes before the candidate, 24 after. A
  // word counts when it lies inside one of them; a word of up to 3 bytes
  // must stand alone there (a window's edge counts as a boundary).
  size_t a = start > 64 ? start - 64 : 0, b = std::min(text.size(), end + 24);
  const uint64_t* bits = &lists_[list * width_];
  // The first occurrence ending after `a`, searched from `hint` (the last
  // answer) outwards in doubling steps: candidates come mostly in message
  // order, so the answer is usually a few entries away, and a far one costs
  // a logarithm of the distance.
  const size_t key = a + 1, n = occ.size();
  size_t i = std::min(hint, n), lo, hi;  // the answer is in [lo, hi]
  if (i > 0 && occ[i - 1].end >= key) {
    hi = i - 1;
    for (size_t step = 1;; step *= 2) {
      size_t c = hi >= step ? hi - step : 0;
      if (occ[c].end < key) {
        lo = c + 1;
        break;
      }
      hi = c;
      if (c == 0) {
        lo = 0;
        break;
      }
    }
  } else {
    lo = i;
    for (size_t step = 1;; step *= 2) {
      size_t c = std::min(n, lo + step - 1);
      if (c == n || occ[c].end >= key) {
        hi = c;
        break;
      }
      lo = c + 1;
    }
  }
  auto it = std::lower_bound(occ.begin() + static_cast<std::ptrdiff_t>(lo),
                             occ.begin() + static_cast<std::ptrdiff_t>(hi), key,
                             [](const Occurrence& o, size_t v) { return o.end < v; });
  hint = static_cast<size_t>(it - occ.begin());
  for (; it != occ.end() && it->end <= b; ++it) {
    uint32_t w = it->word;
    if (!((bits[w / 64] >> (w % 64)) & 1)) continue;
    size_t n = len_[w], e = it->end, p = e - n, lo, hi;
    if (p >= a && e <= start) {
      lo = a;
      hi = start;
    } else if (p >= end && e <= b) {
      lo = end;
      hi = b;
    } else {
      continue;
    }
    if (n > 3) return true;
    bool left = p == lo || !ascii::isalpha(static_cast<unsigned char>(text[p - 1]));
    bool right = e == hi || !ascii::isalpha(static_cast<unsigned char>(text[e]));
    if (left && right) return true;
  }
  return false;
}

void lower_ascii(std::string_view src, char* dst) {
  for (size_t i = 0; i < src.size(); ++i) dst[i] = kLower.t[static_cast<unsigned char>(src[i])];
}

bool has_context(std::string_view text, size_t start, size_t end,
                 const std::vector<std::string>& words) {
  size_t a = start > 64 ? start - 64 : 0;
  size_t b = std::min(text.size(), end + 24);
  // Lower-cased copies of the two windows on the stack: no allocation per candidate.
  char before_buf[64], after_buf[24];
  lower_ascii(text.substr(a, start - a), before_buf);
  lower_ascii(text.substr(end, b - end), after_buf);
  return context_in(std::string_view(before_buf, start - a), std::string_view(after_buf, b - end),
                    words);
}

bool has_context_lowered(std::string_view lowered, size_t start, size_t end,
                         const std::vector<std::string>& words) {
  size_t a = start > 64 ? start - 64 : 0;
  size_t b = std::min(lowered.size(), end + 24);
  return context_in(lowered.substr(a, start - a), lowered.substr(end, b - end), words);
}

}  // namespace internal

const std::map<std::string, Category>& known_entities() {
  static const std::map<std::string, Category> kMap = [] {
    std::map<std::string, Category> m;
    for (const auto& [k, v] : registry()) m[k] = v.category;
    return m;
  }();
  return kMap;
}

const char* category_name(Category c) {
  switch (c) {
    case Category::PII:
      return "PII";
    case Category::PHI:
      return "PHI";
    case Category::SECRET:
      return "SECRET";
    case Category::CODE:
      return "CODE";
  }
  return "PII";
}

const char* sensitivity_name(Sensitivity s) {
  switch (s) {
    case Sensitivity::Public:
      return "public";
    case Sensitivity::Internal:
      return "internal";
    case Sensitivity::Confidential:
      return "confidential";
    case Sensitivity::Restricted:
      return "restricted";
  }
  return "restricted";
}

Sensitivity parse_sensitivity(std::string_view name) {
  std::string l = lower(name);
  if (l == "public") return Sensitivity::Public;
  if (l == "internal") return Sensitivity::Internal;
  if (l == "confidential") return Sensitivity::Confidential;
  if (l == "restricted") return Sensitivity::Restricted;
  throw std::invalid_argument("unknown sensitivity '" + std::string(name) +
                              "' (expected public, internal, confidential or restricted)");
}

DetectorOptions default_detector_options() {
  DetectorOptions o;
  o.sensitivity["PII"] = Sensitivity::Internal;
  o.sensitivity["PHI"] = Sensitivity::Restricted;
  o.sensitivity["SECRET"] = Sensitivity::Restricted;
  o.sensitivity["CODE"] = Sensitivity::Confidential;
  for (const auto& [name, info] : registry()) {
    if (info.level) o.sensitivity[name] = parse_sensitivity(info.level);
  }
  return o;
}

std::unique_ptr<Detector> Detector::create(const DetectorOptions& options) {
  for (const auto* set : {&options.enabled, &options.disabled}) {
    for (const auto& e : *set) {
      if (!registry().count(e) && !options.deny_lists.count(e))
        throw std::runtime_error("detect: unknown entity '" + e + "'");
    }
  }
  return std::make_unique<DetectorImpl>(options);
}

Sensitivity sensitivity_of(const std::vector<Finding>& findings, const DetectorOptions& options) {
  Sensitivity s = Sensitivity::Public;
  for (const Finding& f : findings) {
    Sensitivity level = Sensitivity::Restricted;  // unmapped: fail closed
    auto it = options.sensitivity.find(f.type);
    if (it != options.sensitivity.end()) {
      level = it->second;
    } else {
      auto ct = options.sensitivity.find(category_name(f.category));
      if (ct != options.sensitivity.end()) level = ct->second;
    }
    s = std::max(s, level);
  }
  return s;
}

nlohmann::json to_json(const std::vector<Finding>& findings, Sensitivity sensitivity) {
  nlohmann::json arr = nlohmann::json::array();
  for (const Finding& f : findings) {
    arr.push_back({{"type", f.type},
                   {"category", category_name(f.category)},
                   {"message", f.message},
                   {"start", f.start},
                   {"end", f.end},
                   {"confidence", std::round(f.confidence * 1000) / 1000},
                   {"detector", f.detector}});
  }
  return {{"findings", std::move(arr)}, {"sensitivity", sensitivity_name(sensitivity)}};
}

}  // namespace perimeter::detect
