// Internal to detect/: the candidate rules compiled into the one Vectorscan
// database, and the post-passes that need token-level logic instead.
#pragma once

#include <hs/hs.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/detector.h"

namespace perimeter::detect::internal {

// A candidate after validation: the span may have been trimmed or widened.
struct Hit {
  size_t start, end;
  double score;
  std::string entity;  // empty = the rule's entity
};

// Inspects the raw match [start, end) inside `text`; may adjust `hit`. Returns
// false to reject. Must run in time proportional to the candidate (plus a
// bounded window around it).
using Check = std::function<bool(std::string_view text, Hit& hit)>;
// Like Check, but one candidate region may yield several hits (more in `extra`).
// `looked` is the rule's own state across the candidates of one scan, 0 at
// the start of each message: how far they have read past themselves.
using MultiCheck =
    std::function<bool(std::string_view text, Hit& hit, std::vector<Hit>& extra, size_t& looked)>;

struct Rule {
  std::string detector;                   // rule name reported in Finding::detector
  std::string entity;                     // entity type it yields
  std::string pattern;                    // Vectorscan expression (no backtracking engine runs it)
  unsigned flags = 0;                     // HS_FLAG_* besides SOM_LEFTMOST
  double score = 0.5;                     // confidence before context
  Check check = nullptr;                  // nullptr: accept as matched
  std::vector<std::string> context = {};  // lowercase words that raise confidence nearby
  bool merge = false;          // merge overlapping raw matches into one region before checking
  MultiCheck multi = nullptr;  // used instead of `check` when set
  // Start-of-match tracking roughly halves Vectorscan's speed, so trigger
  // rules whose check finds the start itself run without it: their raw
  // match arrives as the empty span [end, end).
  bool som = true;
  // Every match contains a digit and is at most a few dozen bytes long
  // (Vectorscan's max_width, at most 256). Such rules (letter-led identifiers
  // like `[A-Za-z]{2}\d{7}`, which Vectorscan cannot skip ahead for in prose,
  // and the digit-led numbers, dates, phones and house numbers) go into a
  // second database that is scanned only in windows reaching that far around
  // digits, where it finds exactly the matches of a whole-message scan. (A
  // window edge looks like a start or end of data to Vectorscan, so \b at a
  // match's ends is re-checked against the message; a rule without start
  // tracking must therefore not begin with an assertion.)
  bool digit_anchored = false;
  // With digit_anchored: scanned as part of a second database over the same
  // windows. Vectorscan runs some sets of these patterns much faster as two
  // databases than as one (measured: the separator-heavy dates, SSNs, IBANs
  // and street numbers on their own cut the windows' time on dense text by
  // about a sixth; the crypto addresses' long letter-digit classes joined them
  // on 2026-11-30: mixed text +5 %, PII-dense +1 %).
  bool digit_second = false;
  // The check only rejects or lowers: it never raises the score above
  // `score` and keeps the span. Below its entity's threshold, such a rule's
  // candidate is reported only with a context word, so (when it is also
  // digit_anchored, with start tracking, no start_of, merge or multi) it is
  // scanned only around its context words' occurrences. Its raw matches
  // are all kept, overlapping or not, so a window finds exactly the matches
  // of a whole-message scan.
  bool needs_context = false;
  // Given the end of a match (`text[0, end)` holds it), the leftmost start
  // Vectorscan's HS_FLAG_SOM_LEFTMOST would report. Set for dense-matching
  // rules whose pattern makes that start a short backward walk: the rule is
  // compiled without start-of-match tracking (the expensive part of the scan
  // on digit-dense text) and its raw matches are the same as with it.
  // Returns kNoStart when no start makes a match (at the edge of a digit
  // window, see digit_anchored); the match is then dropped.
  size_t (*start_of)(std::string_view text, size_t end) = nullptr;
  static constexpr size_t kNoStart = static_cast<size_t>(-1);  // above any end
  // With start_of, optional: given that `start` is the start start_of
  // returns for the match end `prev_end`, true if it is also the one for the
  // later match end `end` (a cheap sufficient test; false means "compute
  // it"). Dense rules report many ends of one candidate; this spares the
  // backward walk for all but the first.
  bool (*same_start)(std::string_view text, size_t start, size_t prev_end, size_t end) = nullptr;
  // With start_of: when set, the rule's candidates are this expression's
  // (with SOM_LEFTMOST), and `pattern` is a cheaper superset that Vectorscan
  // scans instead; start_of returns a start only for ends where this one
  // matches, and tests compare the two. Without start tracking (som false):
  // the check accepts exactly the ends of this expression that it accepts
  // among the superset's (tested as well).
  std::string exact_pattern = {};
  // For a rule whose values may follow its finding bare (its label is in
  // the pattern, "MRN: A / B"; a credential's, "password: A, B"): the end of
  // the item that starts at `start` in such a list, or `start` if none
  // starts there. See list_item_after.
  size_t (*list_item)(std::string_view text, size_t start) = nullptr;
  // Words that, in a table's column header, name this rule's values in the
  // column when they are not its context words: its candidates there become
  // `column_entity` (dates under "Date of birth": the check relabels by words
  // near the candidate, out of a header's reach), or, with no column_entity,
  // each cell is read with list_item (a column under "MRN").
  std::vector<std::string> column_words = {};
  std::string column_entity = {};
};

std::vector<Rule> pii_rules();
std::vector<Rule> secret_rules();
std::vector<Rule> clinical_rules();

// The phone rule's check, which also accepts the national numbers of `regions`.
MultiCheck phone_check_for(std::vector<std::string> regions);

// The rule for a configured deny list: each of `words` (literally,
// case-insensitively, as a whole word) reported as `entity` with confidence 1.
Rule deny_list_rule(const std::string& entity, const std::vector<std::string>& words);

// An entity type a rule file adds to the registry, with its category and
// default sensitivity level (null = the category's).
struct EntityDef {
  const char* name;
  Category category;
  const char* level;
};

// National identifiers beyond the US/UK core, one file per region: the
// entity types each adds, and its rules.
std::vector<EntityDef> de_id_entities();  // Germany (de_ids.cpp)
std::vector<Rule> de_id_rules();
std::vector<EntityDef> asia_id_entities();  // India, Korea, Singapore, Thailand (asia_ids.cpp)
std::vector<Rule> asia_id_rules();
std::vector<EntityDef> eu_id_entities();  // Spain, Italy, Sweden (eu_ids.cpp)
std::vector<Rule> eu_id_rules();
std::vector<EntityDef>
world_id_entities();  // Australia, Canada, Nigeria, South Africa, ... (world_ids.cpp)
std::vector<Rule> world_id_rules();

// PhoneNumberUtil::IsValidNumberForRegion(number, region) for the number with
// `country_code` and significant national number `national` (digits, no
// leading zero, at most 17), where `region` is the country code's main region
// ("001" for non-geographic codes): 1 valid, 0 not, -1 ask libphonenumber.
// Same decision from the same metadata, one Vectorscan scan instead of one
// ICU regex per number type (phone_meta.cpp).
int phone_valid_for_region(const std::string& region, int country_code, std::string_view national);

// Token-level passes, run after the Vectorscan scan on the same message.
void find_persons(std::string_view text, std::vector<Hit>& out);
void find_code(std::string_view text, double threshold, std::vector<Hit>& out);

// True if any of `words` occurs within the window around [start, end) of `text`,
// case-insensitively; words of up to 3 letters must stand alone.
bool has_context(std::string_view text, size_t start, size_t end,
                 const std::vector<std::string>& words);
// The same on `lowered`, the whole message already lower-cased by lower_ascii
// (computed once per message instead of once per candidate).
bool has_context_lowered(std::string_view lowered, size_t start, size_t end,
                         const std::vector<std::string>& words);
// The context words of many candidates, found with one Vectorscan scan of
// the message instead of a search per candidate: on dense text the 88-byte
// windows of the candidates cover the message several times over. Answers
// exactly as has_context does for each list of words.
class ContextIndex {
 public:
  struct Occurrence {
    size_t end;     // one past the word's last byte
    uint32_t word;  // index into the distinct words
  };
  // lists[i]: the words of list i (lower-case; a word with an upper-case
  // ASCII letter never matches lower-cased text and is left out).
  explicit ContextIndex(const std::vector<const std::vector<std::string>*>& lists);
  ~ContextIndex();
  ContextIndex(const ContextIndex&) = delete;
  ContextIndex& operator=(const ContextIndex&) = delete;
  // The database to size a scratch for (null when there are no words).
  const hs_database_t* db() const { return db_; }
  // The length in bytes of distinct word `word`.
  size_t length(uint32_t word) const { return len_[word]; }
  // True if distinct word `word` is in list `list`.
  bool in_list(size_t list, uint32_t word) const {
    return (lists_[list * width_ + word / 64] >> (word % 64)) & 1;
  }
  // Every occurrence of every word in `text`, case-insensitively, by end.
  void find(std::string_view text, hs_scratch_t* scratch, std::vector<Occurrence>& occ) const;
  // has_context(text, start, end, <list `list`>), from `occ` = find(text).
  // `hint`: where the search for the window's occurrences starts (0 at
  // first, then left as the last call set it); any value gives the answer.
  bool near(size_t list, std::string_view text, const std::vector<Occurrence>& occ, size_t start,
            size_t end, size_t& hint) const;

 private:
  std::vector<uint32_t> len_;    // per word: its length
  std::vector<uint64_t> lists_;  // per list: bitset over the words, words_ wide
  size_t width_ = 0;             // 64-bit words per list
  hs_database_t* db_ = nullptr;
};

// ASCII lower-casing of `src` into dst[0, src.size()), as std::tolower in the
// "C" locale.
void lower_ascii(std::string_view src, char* dst);

// The standard boost for a supportive context word.
inline double boosted(double score) {
  double s = score + 0.35;
  if (s < 0.6) s = 0.6;
  return s > 1.0 ? 1.0 : s;
}

// Entity registry helpers shared by options and the detector.
Category category_of(const std::string& entity);

}  // namespace perimeter::detect::internal
