// Credential rules: provider token formats (written from each provider's
// documented prefixes and lengths), private keys, JWTs, and generic
// `password=` / `token:` assignments gated by entropy and a stopword list.
#include <hs/hs.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>

#include "detect/ascii.h"
#include "detect/checks.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {
namespace {

bool token_char(unsigned char c) {
  return ascii::isalnum(c) || c == '_' || c == '-';
}

// Alphabet or digit runs typed by hand ("klmnopqrstuvwx", "0123456789"):
// eight ascending letters or ten ascending digits in a row. A random token
// holds such a run with odds below 1e-9; documentation fillers nearly always do.
// Fillers also interleave letters and digits ("1a2b3c4d5e6f7g8h9i0j",
// "abcd1234efgh5678ijkl9012"), so the letters are also read apart: eight
// ascending among them is a filler too. Digits typed along the keyboard row
// wrap from 9 to 0 ("1234567890123456"): twelve in a row with the wrap count.
// (Twelve, not ten: fillers that gitleaks counts as credentials, such as
// Sonar's "12345678ABCDEFH1234567890…", carry one "1234567890" next to other
// characters, and recall counts them.)
bool sequential_filler(std::string_view v) {
  size_t run = 1;
  for (size_t i = 1; i < v.size(); ++i) {
    unsigned char a = static_cast<unsigned char>(v[i - 1]), b = static_cast<unsigned char>(v[i]);
    bool letters =
        ascii::isalpha(a) && ascii::isalpha(b) && ascii::tolower(b) == ascii::tolower(a) + 1;
    bool digits = ascii::isdigit(a) && ascii::isdigit(b) && b == a + 1;
    run = letters || digits ? run + 1 : 1;
    if ((letters && run >= 8) || (digits && run >= 10)) return true;
  }
  int prev_letter = -1;
  size_t letter_run = 0, digit_run = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    if (ascii::isalpha(c)) {
      int l = ascii::tolower(c);
      letter_run = prev_letter >= 0 && l == prev_letter + 1 ? letter_run + 1 : 1;
      prev_letter = l;
      if (letter_run >= 8) return true;
    }
    bool wrap_step = i > 0 && ascii::isdigit(c) &&
                     ascii::isdigit(static_cast<unsigned char>(v[i - 1])) &&
                     c - '0' == (v[i - 1] - '0' + 1) % 10;
    digit_run = wrap_step ? digit_run + 1 : (ascii::isdigit(c) ? 1 : 0);
    if (digit_run >= 12) return true;
  }
  return false;
}

// A value that is one short unit typed over and over ("test1234test1234",
// "a1b2c3d4e5f6a1b2c3d4e5f6"): at least two whole repetitions, the last one
// possibly cut short. Random tokens never repeat themselves like this.
bool periodic_value(std::string_view v) {
  for (size_t p = 1; p * 2 <= v.size(); ++p) {
    bool same = true;
    for (size_t i = p; i < v.size() && same; ++i) same = v[i] == v[i - p];
    if (same) return true;
  }
  return false;
}

// The adjacent byte pairs of a string as a 1024-bit set: a word can only
// occur where its first two bytes do, so most of a word list is passed over
// without a search (same answers, fewer searches).
struct PairSet {
  uint64_t bits[16] = {};
  static unsigned bit(char a, char b) {
    return (static_cast<unsigned>(static_cast<unsigned char>(a)) * 31u +
            static_cast<unsigned char>(b)) &
           1023u;
  }
  explicit PairSet(std::string_view s) {
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      unsigned b = bit(s[i], s[i + 1]);
      bits[b / 64] |= uint64_t{1} << (b % 64);
    }
  }
  // On the word's first two bytes only: no strlen for the words filtered out.
  bool may_contain(const char* w) const {
    if (w[0] == '\0' || w[1] == '\0') return true;
    unsigned b = bit(w[0], w[1]);
    return (bits[b / 64] >> (b % 64) & 1u) != 0;
  }
};

// Documentation placeholders and variable references, never credentials.
// With `embedded` false, a word counts only where it starts `v` or follows a
// non-alphanumeric byte, or a non-alphanumeric byte follows it: the random
// body of a provider-prefixed key holds "fake" or "todo" about once in 10^4
// keys ("sk_live_...OPFaKE5c...", "hf_...vhtoDO"), a documentation value
// writes "sk_live_fake_key".
bool placeholder(std::string_view v, bool embedded = true) {
  // Lower-cased on the stack (values are at most ~1 KB; longer ones on the heap).
  char buf[256];
  std::string heap;
  char* l_data = buf;
  if (v.size() > sizeof buf) {
    heap.resize(v.size());
    l_data = heap.data();
  }
  lower_ascii(v, l_data);
  std::string_view l(l_data, v.size());
  const PairSet pairs(l);
  static const char* kStop[] = {
      "example",  "sample",     "changeme",  "change_me",  "placeholder",
      "your_",    "your-",      "yourkey",   "xxxx",       "dummy",
      "redacted", "<",          "${",        "{{",         "process.env",
      "getenv",   "environ",    "lorem",     "insert",     "replace",
      "****",     "....",       "abcdefgh",  "fake",       "secret_key_here",
      "todo",     "mypassword", "password1", "password123"};
  auto alnum = [&](size_t i) {
    return i < l.size() && ascii::isalnum(static_cast<unsigned char>(l[i]));
  };
  for (const char* s : kStop) {
    if (!pairs.may_contain(s)) continue;
    const size_t n = std::strlen(s);
    for (size_t at = l.find(s); at != std::string_view::npos; at = l.find(s, at + 1)) {
      // A fill ("xxxx", "****") ending the value masks the rest of a key.
      const bool fill = s[0] == 'x' || s[0] == '*' || s[0] == '.';
      if (embedded || (at == 0 || !alnum(at - 1)) ||
          ((at + n < l.size() || fill) && !alnum(at + n)))
        return true;
    }
  }
  return sequential_filler(v);
}

// Low-variety values (XXXX..., 0000..., abcabc) fail; random tokens pass.
// A long run of one character is allowed only as a minor part of the value
// (Twitter bearer tokens start with 22 'A's).
bool random_enough(std::string_view v, double min_entropy) {
  if (checks::shannon_entropy(v) < min_entropy) return false;
  size_t same_run = 1, longest = 1;
  for (size_t i = 1; i < v.size(); ++i) {
    same_run = v[i] == v[i - 1] ? same_run + 1 : 1;
    longest = std::max(longest, same_run);
  }
  return longest < 6 || longest * 3 < v.size();
}

Check token_check(double min_entropy) {
  return [min_entropy](std::string_view t, Hit& h) {
    if (h.start > 0 && token_char(static_cast<unsigned char>(t[h.start - 1])) &&
        ascii::isalnum(static_cast<unsigned char>(t[h.start]))) {
      return false;
    }
    // A file name or URL path segment that happens to start like a token.
    if (h.start > 0 && (t[h.start - 1] == '.' || t[h.start - 1] == '/') && t[h.start] != 'h')
      return false;
    std::string_view v = t.substr(h.start, h.end - h.start);
    if (v.find("EXAMPLE") != std::string_view::npos || placeholder(v, false)) return false;
    // The prefix already says what it is; only reject low-variety fillers.
    return checks::shannon_entropy(v) >= min_entropy;
  };
}

std::string lower(std::string_view v) {
  std::string l(v.size(), '\0');
  lower_ascii(v, l.data());
  return l;
}

// Case-insensitive ASCII equality of t[i, i + w.size()) and the lower-case word w.
bool lower_eq_at(std::string_view t, size_t i, std::string_view w) {
  if (i > t.size() || t.size() - i < w.size()) return false;
  for (size_t k = 0; k < w.size(); ++k) {
    char c = t[i + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != w[k]) return false;
  }
  return true;
}

// Key names that hold identifiers, names or public material, not secrets.
bool benign_key(const std::string& key) {
  static const char* kParts[] = {
      "public", "publishable", "primary",     "foreign",      "schema",   "length", "_name",
      "size",   "type",        "path",        "file",         "field",    "column", "index",
      "count",  "csrf",        "xsrf",        "authenticity", "fake",     "dummy",  "example",
      "sample", "mock",        "nonmatching", "format",       "algorithm"};
  const PairSet pairs(key);
  for (const char* p : kParts) {
    if (pairs.may_contain(p) && key.find(p) != std::string::npos) return true;
  }
  // ...Id / _id: an identifier of the credential, not the credential.
  size_t n = key.size();
  return n >= 2 && key.compare(n - 2, 2, "id") == 0;
}

// Values that are references, names or code rather than secret material.
bool benign_value(std::string_view v) {
  std::string l = lower(v);
  int digits = 0;
  for (char c : v) digits += ascii::isdigit(static_cast<unsigned char>(c)) != 0;
  // The name of a secret ("NEXUS-GPT4-API-KEY", "chain_Anvil1_Key"), not its value.
  if (digits <= 2) {
    for (const char* p : {"secret", "token", "password", "passwd", "key", "credential"}) {
      if (l.find(p) != std::string::npos) return true;
    }
  }
  // SOPS / Ansible-style encrypted envelopes: ciphertext, not a secret.
  if (v.substr(0, 4) == "ENC[") return true;
  char f = v.front(), b = v.back();
  if (f == '$' || f == '%' || f == '{' || f == '[' || f == '@' || f == '#' || b == '%' ||
      b == '}') {
    return true;
  }
  // Versioned artefact names: jjwt-jackson-0.11.2, SalesResults-1.2.
  {
    size_t dash = v.rfind('-');
    if (dash != std::string_view::npos && dash + 1 < v.size()) {
      bool version = v.find('.', dash) != std::string_view::npos;
      for (char c : v.substr(dash + 1))
        version = version && (ascii::isdigit(static_cast<unsigned char>(c)) || c == '.');
      if (version) return true;
    }
  }
  if (v.find('.') == std::string_view::npos) return false;
  // Dotted names: module paths (io.jsonwebtoken, X25519.secret_length) have
  // segments that start with a letter and few digits; host names end in a
  // short alphabetic label.
  std::vector<std::string_view> segs;
  size_t a = 0;
  while (a <= v.size()) {
    size_t dot = v.find('.', a);
    if (dot == std::string_view::npos) dot = v.size();
    segs.push_back(v.substr(a, dot - a));
    a = dot + 1;
  }
  bool all_alpha_start = true;
  for (auto sgm : segs) {
    if (sgm.empty() || !ascii::isalpha(static_cast<unsigned char>(sgm[0]))) all_alpha_start = false;
  }
  if (all_alpha_start && digits <= 3) return true;
  std::string_view last = segs.back();
  bool tld = segs.size() >= 3 && last.size() >= 2 && last.size() <= 6;
  for (char c : last) tld = tld && ascii::isalpha(static_cast<unsigned char>(c));
  return tld;
}

// The last word of an identifier (`secretArn` -> "arn", `token_hash` ->
// "hash", `X.apiKeyVersion` -> "version"), lower case: the head noun says
// what the key holds.
std::string last_word(std::string_view id) {
  size_t e = id.size();
  while (e > 0 && !ascii::isalnum(static_cast<unsigned char>(id[e - 1]))) --e;
  size_t b = e;
  while (b > 0 && ascii::isalnum(static_cast<unsigned char>(id[b - 1]))) {
    unsigned char c = static_cast<unsigned char>(id[b - 1]);
    --b;
    // camelCase boundary: an upper-case letter after a lower-case one.
    if (ascii::isupper(c) && b > 0 && ascii::islower(static_cast<unsigned char>(id[b - 1]))) break;
  }
  return lower(id.substr(b, e - b));
}

// Keys whose head noun is metadata about a secret rather than the secret:
// where it lives (`secretArn`, `tokenUrl`, `key_endpoint`), a digest of it
// (`token_hash`, `password_sha1`), its policy, version or lifetime.
bool metadata_key(std::string_view id) {
  static const char* kHeads[] = {"arn",     "url",      "uri",      "endpoint",    "hash",
                                 "hashed",  "digest",   "checksum", "fingerprint", "thumbprint",
                                 "md5",     "sha1",     "sha256",   "sha512",      "policy",
                                 "version", "ttl",      "expiry",   "expires",     "rotation",
                                 "ref",     "location", "region",   "provider"};
  std::string w = last_word(id);
  for (const char* h : kHeads) {
    if (!w.empty() && w[0] == h[0] && w == h) return true;
  }
  return false;
}

// Resource names and references rather than random material: an ARN/URN,
// a digest with its algorithm (`sha256:9f86…`), a path of word segments
// (`projects/123/secrets/db/versions/4`), or a namespace-qualified type name
// (`xs:AgencyCodeType`) whose part after the colon is only letters: in a
// `user:password` or `id:token` pair that part is the secret, and a secret
// of letters alone fails the character-mix gate anyway.
bool reference_value(std::string_view v) {
  std::string l = lower(v);
  if (l.rfind("arn:", 0) == 0 || l.rfind("urn:", 0) == 0) return true;
  for (const char* algo : {"md5:", "sha1:", "sha256:", "sha384:", "sha512:"}) {
    if (l.rfind(algo, 0) == 0) return true;
  }
  std::string_view named = v;
  while (!named.empty() && named.back() == ':') named.remove_suffix(1);  // `bm:trivia:` + id
  size_t colon = named.rfind(':');
  if (colon != std::string_view::npos && colon + 1 < named.size()) {
    bool letters = true;
    for (char c : named.substr(colon + 1))
      letters = letters && ascii::isalpha(static_cast<unsigned char>(c));
    if (letters) return true;
  }
  if (std::count(v.begin(), v.end(), '/') >= 2) {
    bool words = true;
    size_t a = 0;
    while (words && a <= v.size()) {
      size_t slash = v.find('/', a);
      if (slash == std::string_view::npos) slash = v.size();
      std::string_view seg = v.substr(a, slash - a);
      bool lowers = true, digits = true;
      for (char c : seg) {
        unsigned char u = static_cast<unsigned char>(c);
        lowers = lowers && (ascii::islower(u) || c == '-' || c == '_');
        digits = digits && ascii::isdigit(u);
      }
      words = lowers || digits;
      a = slash + 1;
    }
    if (words) return true;
  }
  return false;
}

// A name built from words, like a resource, service or header name
// (`my-service-01`, `kv-prod-weu-001`, `X-Api-Key-2024`, `min-length-12`):
// segments split at '-', '_' or '.' that are words (letters only, one case
// or Capitalised, with a vowel when longer than three), plain numbers, and at
// most one short code of letters and digits (`cmp2`, `v2`). A random token
// mixes case and digits inside its segments, so it does not read like this.
bool slug_value(std::string_view v) {
  int words = 0, codes = 0, segments = 0;
  bool long_word = false;
  size_t a = 0;
  while (a <= v.size()) {
    size_t e = v.find_first_of("-_.", a);
    if (e == std::string_view::npos) e = v.size();
    std::string_view seg = v.substr(a, e - a);
    a = e + 1;
    if (seg.empty()) continue;
    ++segments;
    int up = 0, low = 0, dig = 0, consonants = 0, longest_consonants = 0;
    bool vowel = false;
    for (char c : seg) {
      unsigned char u = static_cast<unsigned char>(c);
      if (ascii::isupper(u))
        ++up;
      else if (ascii::islower(u))
        ++low;
      else if (ascii::isdigit(u))
        ++dig;
      else
        return false;
      bool v = std::strchr("aeiouyAEIOUY", c) != nullptr;
      vowel = vowel || v;
      consonants = ascii::isalpha(u) && !v ? consonants + 1 : 0;
      longest_consonants = std::max(longest_consonants, consonants);
    }
    if (dig == static_cast<int>(seg.size())) continue;  // a number
    if (dig == 0) {
      // Pronounceable: a vowel, and no more than four consonants in a row
      // ("length" has four; a random "kqmbnrpzstu" has ten).
      bool capitalised = up == 1 && ascii::isupper(static_cast<unsigned char>(seg[0]));
      if ((up > 0 && low > 0 && !capitalised) || seg.size() > 14 ||
          (seg.size() > 3 && (!vowel || longest_consonants > 4))) {
        return false;
      }
      ++words;
      // Upper-case blocks (`ABCD-EFGH-…`) are how licence keys are written.
      long_word = long_word || (seg.size() >= 3 && low > 0);
      continue;
    }
    if (seg.size() > 4 || ++codes > 1) return false;
  }
  return segments >= 2 && words >= 1 && long_word;
}

// Values that begin with a provider's token prefix are that provider rule's
// business: if its format check rejected them (`xoxp-1234567890`, a hex
// token with a `g` in it) they are mangled or made up, and the generic rule
// must not report them anyway.
bool provider_prefixed(std::string_view v) {
  static const char* kPrefixes[] = {"xoxa-", "xoxb-",   "xoxp-",   "xoxo-", "xoxs-",       "xoxr-",
                                    "xoxe-", "xapp-",   "ghp_",    "gho_",  "ghu_",        "ghs_",
                                    "ghr_",  "glpat-",  "sk-ant-", "npm_",  "github_pat_", "pypi-",
                                    "dapi",  "sntrys_", "sntryu_", "AIza",  "hf_"};
  if (v.empty()) return false;
  for (const char* p : kPrefixes) {
    if (p[0] != v[0]) continue;  // most prefixes differ at once: no strlen, no compare
    if (v.substr(0, std::strlen(p)) == p) return true;
  }
  return false;
}

bool all_of_class(std::string_view v, int (*pred)(int)) {
  for (char c : v) {
    if (!pred(static_cast<unsigned char>(c))) return false;
  }
  return !v.empty();
}

int lower_hex(int c) {
  return ascii::isdigit(c) || (c >= 'a' && c <= 'f');
}
int token_class(int c) {
  return ascii::isalnum(c) || c == '_' || c == '-';
}

// A key that names a provider whose tokens have one documented shape: the
// value must have that shape, or it is not that provider's token (a test
// value, a truncated paste, another field). Returns false to reject.
bool provider_shape_ok(const std::string& key, std::string_view v) {
  bool token_key = key.find("token") != std::string::npos || key.find("key") != std::string::npos;
  if (!token_key) return true;
  if (key.find("telegram") != std::string::npos) {
    // Bot token: bot id (5-16 digits), ':', 'A' and 34 more characters.
    size_t colon = v.find(':');
    if (colon == std::string_view::npos || colon < 5 || colon > 16) return false;
    if (!all_of_class(v.substr(0, colon), [](int c) { return ascii::isdigit(c); })) return false;
    std::string_view rest = v.substr(colon + 1);
    return rest.size() == 35 && rest[0] == 'A' && all_of_class(rest, token_class);
  }
  if (key.find("meraki") != std::string::npos) {
    return v.size() == 40 && all_of_class(v, lower_hex);  // Meraki API keys: 40 lowercase hex
  }
  return true;
}

// The gates every assigned secret value passes, whatever its key: 10-1000
// bytes, no blank, a digit or a sign, no placeholder, benign value or
// reference, and random enough (cheapest first).
bool secret_value(std::string_view v) {
  if (v.size() < 10 || v.size() > 1000) return false;
  bool has_digit = false, has_upper = false, has_lower = false, has_special = false, space = false;
  for (unsigned char c : v) {
    if (ascii::isdigit(c))
      has_digit = true;
    else if (ascii::isupper(c))
      has_upper = true;
    else if (ascii::islower(c))
      has_lower = true;
    else if (ascii::isspace(c))
      space = true;
    else if (c != '_' && c != '.' && c != '-')
      has_special = true;
  }
  if (space) return false;                       // prose or a command line, not a credential value
  if (!has_digit && !has_special) return false;  // identifiers and words
  if (!has_upper && !has_lower && !has_special && v.size() < 12) return false;  // short numbers
  if (v.find('(') != std::string_view::npos) return false;
  if (placeholder(v) || benign_value(v) || reference_value(v)) return false;
  return random_enough(v, v.size() >= 16 ? 2.7 : 2.5);
}

// A bare secret in a list after an assigned one ("password: A, B, C"): a
// run up to a blank or , ; | that passes secret_value.
size_t secret_item(std::string_view t, size_t start) {
  size_t e = start;
  while (e < t.size() && e - start <= 1000 && !ascii::isspace(static_cast<unsigned char>(t[e])) &&
         std::string_view(",;|\"'").find(t[e]) == std::string_view::npos)
    ++e;
  // A sentence's full stop is not part of the value.
  if (e > start && (t[e - 1] == '.' || t[e - 1] == '!' || t[e - 1] == '?')) --e;
  return secret_value(t.substr(start, e - start)) ? e : start;
}

// `key = "value"` in any common syntax: the rule matches the key word; this
// walks forward over the rest of the identifier, quotes, a type name, the
// operator and an auth scheme to the value, then judges key and value.
// Bounded: at most ~1 KB past the key word.
bool assignment_check(std::string_view t, Hit& h) {
  size_t n = t.size();
  size_t limit = std::min(n, h.end + 1100);
  // The whole identifier around the key word, for the key-name checks.
  size_t id_start = h.start;
  while (id_start > 0 && h.start - id_start < 40 &&
         (token_char(static_cast<unsigned char>(t[id_start - 1])) || t[id_start - 1] == '.')) {
    --id_start;
  }
  size_t i = h.end;
  auto skip_ws = [&] {
    while (i < limit && (t[i] == ' ' || t[i] == '\t')) ++i;
  };
  size_t id_len = 0;
  while (i < limit && (token_char(static_cast<unsigned char>(t[i])) || t[i] == '.') &&
         id_len < 40) {
    ++i;
    ++id_len;
  }
  std::string key = lower(t.substr(id_start, i - id_start));
  if (benign_key(key) || metadata_key(t.substr(id_start, i - id_start))) return false;
  // A segment of a colon-separated name (`arn:aws:secretsmanager:…`), not a key.
  if (id_start > 1 && t[id_start - 1] == ':' &&
      ascii::isalnum(static_cast<unsigned char>(t[id_start - 2]))) {
    return false;
  }
  bool quoted_key = false;
  if (i < limit && (t[i] == '"' || t[i] == '\'' || t[i] == ']' || t[i] == '`')) {
    ++i;
    quoted_key = true;
  }
  size_t vs = 0, ve = 0;
  if (i < limit && t[i] == '>' && id_start > 0 && t[id_start - 1] == '<') {
    // XML element: <apiToken>value</apiToken>
    ++i;
    while (i < limit && ascii::isspace(static_cast<unsigned char>(t[i]))) ++i;
    vs = i;
    while (i < limit && t[i] != '<' && t[i] != '\n') ++i;
    ve = i;
    while (ve > vs && ascii::isspace(static_cast<unsigned char>(t[ve - 1]))) --ve;
  } else {
    skip_ws();
    // XML attribute: <add key="Password" value="...">
    if (t.substr(i, 5) == "value") {
      i += 5;
      skip_ws();
    }
    // A declared type between name and operator: `var token string = "..."`.
    {
      size_t j = i, w = 0;
      while (j < limit && ascii::isalpha(static_cast<unsigned char>(t[j])) && w < 12) ++j, ++w;
      if (w > 0 && j < limit && t[j] == ' ') {
        size_t k = j;
        while (k < limit && t[k] == ' ') ++k;
        if (k < limit && (t[k] == '=' || t[k] == ':')) i = k;
      }
    }
    static const char* kOps[] = {
        ":::=", "::=", ":=", "?=", "=>", "+=", ".=", "||=", "==", "=", ":", ","};
    bool op = false;
    // Prose: "the admin password is: X", "my token was X". The value gates
    // below (length, character mix, entropy) keep "the token is expired" out.
    bool prose = false;
    // Only for key words that name a secret outright ("boarding pass is
    // BA2490-LHR" is not one).
    const bool secret_word =
        key.find("passw") != std::string::npos || key.find("pwd") != std::string::npos ||
        key.find("secret") != std::string::npos || key.find("token") != std::string::npos ||
        key.find("key") != std::string::npos;
    for (const char* verb : {"is", "was", "are"}) {
      if (!secret_word) break;
      const size_t len = std::strlen(verb);
      if (i + len < limit && lower_eq_at(t, i, verb) && (t[i + len] == ' ' || t[i + len] == ':')) {
        i += len;
        if (t[i] == ':') ++i;
        skip_ws();
        if (i < limit && t[i] == ':') ++i;
        op = prose = true;
        break;
      }
    }
    for (const char* o : kOps) {
      if (op) break;
      if (i >= t.size() || t[i] != o[0]) continue;  // no strlen/compare for most operators
      size_t len = std::strlen(o);
      if (t.substr(i, len) == o) {
        if (std::strcmp(o, "==") == 0) return false;  // comparison, not assignment
        // `auth::Principal`, `Token::new`: a scope operator, not an assignment.
        if (std::strcmp(o, ":") == 0 && i + 1 < limit && t[i + 1] == ':') return false;
        if (std::strcmp(o, ",") == 0 && !quoted_key)
          return false;  // argument lists need "key", value
        i += len;
        op = true;
        break;
      }
    }
    if (!op) return false;
    skip_ws();
    static const char* kPrefixes[] = {"Bearer ", "bearer ", "Basic ", "basic ", "Token ", "token "};
    for (const char* p : kPrefixes) {
      if (i >= t.size() || t[i] != p[0]) continue;  // as for the operators
      size_t len = std::strlen(p);
      if (t.substr(i, len) == p) {
        i += len;
        break;
      }
    }
    char quote = 0;
    if (i < limit && (t[i] == '"' || t[i] == '\'' || t[i] == '`')) quote = t[i++];
    vs = i;
    while (i < limit) {
      unsigned char c = static_cast<unsigned char>(t[i]);
      if (quote ? (c == static_cast<unsigned char>(quote) || c == '\n')
                : (ascii::isspace(c) || c == '"' || c == '\'' || c == ';' || c == ',' || c == ')' ||
                   c == '<' || c == '>' || c == '}' || c == ']')) {
        break;
      }
      // An escaped line break inside a quoted config string ends an unquoted value.
      if (!quote && c == '\\' && i + 1 < limit && (t[i + 1] == 'n' || t[i + 1] == 'r')) break;
      ++i;
    }
    ve = i;
    // A sentence's full stop is not part of the value.
    if (prose && ve > vs && (t[ve - 1] == '.' || t[ve - 1] == '!' || t[ve - 1] == '?')) --ve;
  }
  std::string_view v = t.substr(vs, ve - vs);
  if (v.size() < 10 || v.size() > 1000) return false;
  if (provider_prefixed(v) || !provider_shape_ok(key, v)) return false;
  // A password may be any string a person chose; other keys holding a name
  // made of words hold a name.
  bool password_key = key.find("pass") != std::string::npos || key.find("pwd") != std::string::npos;
  if (!password_key && slug_value(v)) return false;
  if (!secret_value(v)) return false;
  // A short unit typed over and over is a filler for a key or token; a
  // password may be one (people choose "hunter2hunter2"), so it stays a hit.
  if (!password_key && periodic_value(v)) return false;
  h.start = vs;
  h.end = ve;
  h.score = v.size() >= 16 ? 0.8 : 0.65;
  return true;
}

bool private_key_check(std::string_view t, Hit& h) {
  size_t end = t.find("-----END", h.end);
  if (end == std::string_view::npos || end - h.end > 64 * 1024) {
    // A key cut off by the prompt still is a key if enough body follows.
    size_t body = 0;
    for (size_t i = h.end; i < t.size() && body < 64; ++i) {
      unsigned char c = static_cast<unsigned char>(t[i]);
      if (ascii::isalnum(c) || c == '+' || c == '/') ++body;
    }
    if (body < 64) return false;
    h.end = std::min(t.size(), h.end + 4096);
    return true;
  }
  size_t body = 0;
  for (size_t i = h.end; i < end; ++i) {
    unsigned char c = static_cast<unsigned char>(t[i]);
    if (ascii::isalnum(c) || c == '+' || c == '/') ++body;
  }
  if (body < 64) return false;
  size_t close = t.find("-----", end + 8);
  h.end = close == std::string_view::npos ? std::min(t.size(), end + 40) : close + 5;
  return true;
}

bool curl_user_check(std::string_view t, Hit& h) {
  size_t line = t.rfind('\n', h.start);
  line = line == std::string_view::npos ? 0 : line + 1;
  if (t.substr(line, h.start - line).find("curl") == std::string_view::npos) return false;
  // Markup or punctuation closing the argument in prose (`curl -u user:password`,).
  while (h.end > h.start && std::strchr("`,.;)", t[h.end - 1]) != nullptr) --h.end;
  std::string_view v = t.substr(h.start, h.end - h.start);
  size_t colon = v.find(':');
  if (colon == std::string_view::npos || v.size() - colon < 4) return false;
  std::string_view pw = v.substr(colon + 1);
  if (placeholder(pw) || pw[0] == '$' || pw[0] == '[' || pw[0] == '<' || pw.size() < 6)
    return false;
  // Doc examples use words (user:pass, username:password); real ones mix in digits or symbols.
  bool digit = false, special = false;
  for (char c : pw) {
    digit = digit || ascii::isdigit(static_cast<unsigned char>(c));
    special = special || ascii::ispunct(static_cast<unsigned char>(c));
  }
  return digit || special;
}

Rule tok(const char* name, const char* pattern, double min_entropy = 3.0, unsigned flags = 0) {
  Rule r{name, "SECRET", pattern, flags, 0.95, token_check(min_entropy), {}};
  r.list_item = secret_item;  // "AKIA... | <its secret>"
  return r;
}

// The start SOM_LEFTMOST reports for \b\d{15,16}\|[\w\-]{27}\b ending at
// `end`, where `\d\|[\w\-]{27}\b` (the pattern scanned) matched: the '|' is
// 28 bytes back, and the digits before it must be a whole run of 15 or 16
// with a word boundary before it (a start inside the run has a digit before
// it). kNoStart (above `end`) when there is none.
size_t facebook_app_token_start(std::string_view t, size_t end) {
  constexpr size_t kNoStart = Rule::kNoStart;
  if (end < 28 + 15) return kNoStart;
  size_t bar = end - 28, s = bar;
  while (s > 0 && bar - s <= 16 && t[s - 1] >= '0' && t[s - 1] <= '9') --s;
  size_t run = bar - s;
  if (run < 15 || run > 16) return kNoStart;
  if (s > 0 && ascii::isword(static_cast<unsigned char>(t[s - 1]))) return kNoStart;
  return s;
}

}  // namespace

std::vector<Rule> secret_rules() {
  std::vector<Rule> r;
  // ---- cloud providers ----------------------------------------------------------
  r.push_back(tok("aws_access_key", R"(\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b)", 3.0));
  r.push_back(tok(
      "aws_bedrock_key",
      R"(\bABSK[A-Za-z0-9+/]{109,}={0,2}|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=]*)",
      2.0));
  r.push_back(tok("gcp_api_key", R"(\bAIza[\w\-]{35}\b)", 3.5));
  r.push_back(Rule{
      "gcp_service_account", "SECRET", R"("type"\s*:\s*"service_account")", 0, 0.8, nullptr, {}});
  r.push_back(Rule{"azure_ad_client_secret",
                   "SECRET",
                   R"([a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.\-]{31,34})",
                   0,
                   0.95,
                   [](std::string_view t, Hit& h) {
                     // The secret is 37-40 characters: inside a longer run of the
                     // same alphabet (a Freenet key, a signed URL) it is not one.
                     auto in_set = [](unsigned char c) {
                       return ascii::isalnum(c) || c == '_' || c == '~' || c == '.' || c == '-';
                     };
                     if (h.start > 0 && in_set(static_cast<unsigned char>(t[h.start - 1])))
                       return false;
                     size_t e = h.end;
                     while (e < t.size() && in_set(static_cast<unsigned char>(t[e]))) ++e;
                     while (e > h.end && t[e - 1] == '.') --e;  // sentence end
                     if (e - h.start > 40) return false;
                     h.end = e;
                     return token_check(3.0)(t, h);
                   },
                   {}});
  r.push_back(tok("alibaba_access_key", R"(\bLTAI[a-zA-Z0-9]{20}\b)"));
  r.push_back(tok("digitalocean_token", R"(\bdo[opr]_v1_[a-f0-9]{64}\b)"));
  r.push_back(tok("databricks_token", R"(\bdapi[a-f0-9]{32}(?:-\d)?\b)"));
  r.push_back(tok("cloudflare_origin_ca", R"(\bv1\.0-[a-f0-9]{24}-[a-f0-9]{146}\b)"));
  r.push_back(tok("heroku_api_key_v2", R"(\bHRKU-AA[0-9a-zA-Z_\-]{58}\b)"));
  r.push_back(tok("flyio_token", R"(\bfo1_[\w\-=]{43}|\bfm[12][ar]?_[a-zA-Z0-9+/]{100,}={0,3})"));
  r.push_back(tok(
      "yandex_token",
      R"(\bt1\.[A-Z0-9a-z_\-]+={0,2}\.[A-Z0-9a-z_\-]{86}={0,2}|\bAQVN[A-Za-z0-9_\-]{35,38}\b|\bYC[a-zA-Z0-9_\-]{38}\b)"));
  r.push_back(tok("openshift_token", R"(\bsha256~[\w\-]{43}\b)"));
  r.push_back(Rule{"vault_token",
                   "SECRET",
                   R"(\bhv[sb]\.[\w\-]{90,}|\bs\.[A-Za-z0-9]{24}\b)",
                   0,
                   0.9,
                   [](std::string_view t, Hit& h) {
                     std::string_view v = t.substr(h.start, h.end - h.start);
                     bool digit = false, up = false, low = false;
                     for (char c : v) {
                       digit = digit || ascii::isdigit(static_cast<unsigned char>(c));
                       up = up || ascii::isupper(static_cast<unsigned char>(c));
                       low = low || ascii::islower(static_cast<unsigned char>(c));
                     }
                     bool batch_or_service = v.size() > 3 && v[0] == 'h';
                     return (batch_or_service || (digit && up && low)) && token_check(3.0)(t, h);
                   },
                   {}});
  r.push_back(tok("hashicorp_tf_token", R"(\b[a-z0-9]{14}\.atlasv1\.[a-z0-9\-_=]{60,70})", 3.0,
                  HS_FLAG_CASELESS));
  // ---- code hosting and CI ----------------------------------------------------------
  r.push_back(tok("github_token", R"(\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b)"));
  r.push_back(tok("github_fine_grained_pat", R"(\bgithub_pat_\w{82}\b)"));
  r.push_back(
      tok("gitlab_token", R"(\bgl(?:pat|dt|ft|imt|ptt|rt|soat|cbt|ffct|agent|oas)-[\w\-.=]{20,})"));
  r.push_back(tok("gitlab_runner_registration", R"(\bGR1348941[\w\-]{20}\b)"));
  r.push_back(tok("gitlab_session", R"(_gitlab_session=[0-9a-z]{32})", 2.5));
  r.push_back(tok("npm_token", R"(\bnpm_[A-Za-z0-9]{36}\b)"));
  r.push_back(tok("pypi_token", R"(\bpypi-AgEIcHlwaS5vcmc[\w\-]{50,})", 2.5));
  r.push_back(tok("rubygems_token", R"(\brubygems_[a-f0-9]{48}\b)"));
  r.push_back(tok("clojars_token", R"(\bCLOJARS_[a-z0-9]{60}\b)", 3.0, HS_FLAG_CASELESS));
  r.push_back(tok("artifactory_key", R"(\bAKCp[A-Za-z0-9]{69}\b|\bcmVmd[A-Za-z0-9]{59}\b)", 3.5));
  r.push_back(tok("sourcegraph_token",
                  R"(\bsgp_(?:[a-fA-F0-9]{16}|local)_[a-fA-F0-9]{40}\b|\bsgp_[a-fA-F0-9]{40}\b)"));
  r.push_back(tok("pulumi_token", R"(\bpul-[a-f0-9]{40}\b)"));
  r.push_back(tok("prefect_token", R"(\bpnu_[a-zA-Z0-9]{36}\b)"));
  r.push_back(tok("harness_token", R"(\bpat\.[\w\-]{22}\.[\w\-]{24}\.[\w\-]{20}\b)"));
  r.push_back(tok("doppler_token", R"(\bdp\.pt\.[a-z0-9]{43}\b)", 3.0, HS_FLAG_CASELESS));
  r.push_back(tok("scalingo_token", R"(\btk-us-[\w\-]{48}\b)"));
  r.push_back(tok("octopus_key", R"(\bAPI-[A-Z0-9]{26}\b)"));
  r.push_back(tok("readme_token", R"(\brdme_[a-z0-9]{70}\b)"));
  r.push_back(tok("infracost_token", R"(\bico-[a-zA-Z0-9]{32}\b)"));
  r.push_back(tok("intra42_secret", R"(\bs-s4t2(?:ud|af)-[a-f0-9]{64}\b)"));
  r.push_back(
      tok("age_secret_key", R"(\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b)", 0.5));
  r.push_back(tok(
      "onepassword_key",
      R"(\bA3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\b|\bops_eyJ[A-Za-z0-9+/]{250,}={0,3})"));
  // ---- communication and SaaS ---------------------------------------------------------
  r.push_back(Rule{
      "slack_token",
      "SECRET",
      R"(\bxox[abposre]-(?:\d-)?\d{6,}-[A-Za-z0-9\-]{8,}|\bxox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}\b|\bxoxe(?:\.xox[bp])?-\d-[A-Za-z0-9]{100,})",
      HS_FLAG_CASELESS,
      0.95,
      [](std::string_view t, Hit& h) {
        // The secret part is the last dash-separated segment; a token cut off
        // before it (`xoxp-1-2-3-####`) or ending in a bare number is a template.
        std::string_view v = t.substr(h.start, h.end - h.start);
        size_t dash = v.rfind('-');
        std::string_view last = v.substr(dash + 1);
        if (last.size() < 6 || all_of_class(last, [](int c) { return ascii::isdigit(c); }))
          return false;
        return token_check(2.5)(t, h);
      },
      {}});
  r.push_back(
      tok("slack_app_token", R"(\bxapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+\b)", 2.5, HS_FLAG_CASELESS));
  r.push_back(tok("slack_webhook",
                  R"(hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56})",
                  2.5));
  r.push_back(tok(
      "teams_webhook",
      R"(\.webhook\.office\.com/webhookb2/[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12}@[a-z0-9\-]{36}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9\-]{36})",
      2.5, HS_FLAG_CASELESS));
  r.push_back(
      tok("discord_webhook", R"(discord(?:app)?\.com/api/webhooks/\d{17,20}/[\w\-]{60,70})"));
  r.push_back(Rule{"telegram_bot_token",
                   "SECRET",
                   R"(\b\d{5,16}:A[\w\-]{34}\b)",
                   0,
                   0.95,
                   [](std::string_view t, Hit& h) {
                     // `\b` lets a longer run continue with '-': then it is not a token.
                     if (h.end < t.size() && token_char(static_cast<unsigned char>(t[h.end])))
                       return false;
                     return token_check(3.0)(t, h);
                   },
                   {}});
  r.push_back(tok("twilio_key", R"(\bSK[0-9a-fA-F]{32}\b)"));
  r.push_back(tok("sendgrid_key", R"(\bSG\.[\w\-=.]{20,100})"));
  r.push_back(
      tok("sendinblue_key", R"(\bxkeysib-[a-f0-9]{64}-[a-z0-9]{16}\b)", 3.0, HS_FLAG_CASELESS));
  r.push_back(tok("mailgun_key", R"(\b(?:pub)?key-[a-f0-9]{32}\b)"));
  r.push_back(tok("mailchimp_key", R"(\b[a-f0-9]{32}-us\d{1,2}\b)"));
  r.push_back(tok("mapbox_token", R"(\bpk\.[a-z0-9]{60}\.[a-z0-9]{22}\b)", 3.0, HS_FLAG_CASELESS));
  r.push_back(
      tok("newrelic_key", R"(\bNR(?:AK|II|JS)-[a-z0-9\-]{19,32}\b)", 3.0, HS_FLAG_CASELESS));
  r.push_back(tok("notion_token", R"(\bntn_\d{11}[A-Za-z0-9]{32}[A-Za-z0-9]{3}\b)"));
  r.push_back(tok("postman_key", R"(\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b)", 3.0, HS_FLAG_CASELESS));
  r.push_back(tok("linear_key", R"(\blin_api_[a-z0-9]{40}\b)", 3.0, HS_FLAG_CASELESS));
  r.push_back(tok("lob_key", R"(\b(?:live|test)_(?:pub_)?[a-f0-9]{31,35}\b)"));
  r.push_back(tok("shopify_token", R"(\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b)"));
  r.push_back(tok("shippo_token", R"(\bshippo_(?:live|test)_[a-fA-F0-9]{40}\b)"));
  r.push_back(tok("settlemint_token", R"(\bsm_(?:aat|pat|sat)_[a-zA-Z0-9]{16}\b)"));
  // Org tokens: sntrys_ + base64 JSON payload + '_' + 32 random bytes in
  // unpadded base64 (43 characters), per Sentry's token generator.
  r.push_back(Rule{"sentry_token",
                   "SECRET",
                   R"(\bsntrys_eyJ[A-Za-z0-9+/=]{30,}_[A-Za-z0-9+/]{43}|\bsntryu_[a-f0-9]{64}\b)",
                   0,
                   0.95,
                   [](std::string_view t, Hit& h) {
                     if (h.end < t.size()) {
                       unsigned char c = static_cast<unsigned char>(t[h.end]);
                       if (ascii::isalnum(c) || c == '+' || c == '/') return false;
                     }
                     return token_check(3.0)(t, h);
                   },
                   {}});
  r.push_back(tok(
      "grafana_token",
      R"(\beyJrIjoi[A-Za-z0-9]{70,}={0,2}|\bglc_[A-Za-z0-9+/]{32,}={0,2}|\bglsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b)"));
  r.push_back(
      tok("dynatrace_token", R"(\bdt0c01\.[a-z0-9]{24}\.[a-z0-9]{64}\b)", 3.0, HS_FLAG_CASELESS));
  r.push_back(tok("easypost_token", R"(\bEZ[AT]K[a-zA-Z0-9]{54}\b)"));
  // Two rules under one name: the app token's bounded digit run was about an
  // eighth of the main database's time on digit-dense text. Vectorscan scans
  // the digit before the '|' and the rest; the start is computed. The two
  // forms never overlap (the first is one run of word characters).
  r.push_back(tok("facebook_token", R"(\bEAA[MC][a-zA-Z0-9]{100,})"));
  r.push_back(tok("facebook_token", R"(\d\|[\w\-]{27}\b)"));
  r.back().start_of = facebook_app_token_start;
  r.back().exact_pattern = R"(\b\d{15,16}\|[\w\-]{27}\b)";
  r.push_back(tok("square_token", R"(\bEAAA[\w\-]{22,60}|\bsq0(?:atp|csp)-[\w\-]{22,43})"));
  r.push_back(tok("flutterwave_key", R"(\bFLW(?:PUB|SEC)K_TEST-[a-hA-H0-9]{12,32}(?:-X)?)", 2.5));
  r.push_back(tok("frameio_token", R"(\bfio-u-[\w\-=]{64}\b)"));
  r.push_back(tok("planetscale_token", R"(\bpscale_(?:tkn|oauth|pw)_[\w=.\-]{32,64})"));
  r.push_back(tok("duffel_token", R"(\bduffel_(?:test|live)_[\w\-=]{43})"));
  r.push_back(tok("adobe_secret", R"(\bp8e-[a-z0-9]{32}\b)", 3.0, HS_FLAG_CASELESS));
  r.push_back(tok(
      "authress_key",
      R"(\b(?:sc|ext|scauth|authress)_[a-z0-9]{5,30}\.[a-z0-9]{4,6}\.acc[_\-][a-z0-9\-]{10,32}\.[a-z0-9+/_=\-]{30,120})",
      3.0, HS_FLAG_CASELESS));
  r.push_back(tok("typeform_token", R"(\btfp_[\w\-.=]{59}\b)"));
  r.push_back(tok("twitter_bearer", R"(A{22}[a-zA-Z0-9%]{80,100})"));
  r.push_back(tok("huggingface_token", R"(\b(?:hf_|api_org_)[A-Za-z]{34}\b)"));
  r.push_back(tok("perplexity_key", R"(\bpplx-[a-zA-Z0-9]{48}\b)"));
  // ---- AI providers ----------------------------------------------------------------------
  r.push_back(tok(
      "openai_key",
      R"(\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{20,}|\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\b)"));
  // Anthropic keys end in "AA" (the padding of their encoding).
  r.push_back(Rule{"anthropic_key",
                   "SECRET",
                   R"(\bsk-ant-(?:api|admin)\d\d-[\w\-]{80,})",
                   0,
                   0.95,
                   [](std::string_view t, Hit& h) {
                     // The match runs to the end of the token (longest match).
                     if (t.substr(h.end - 2, 2) != "AA") return false;
                     return token_check(3.0)(t, h);
                   },
                   {}});
  r.push_back(tok("stripe_key", R"(\b(?:sk|rk)_(?:test|live|prod)_[A-Za-z0-9]{10,99}\b)"));
  // ---- structural -------------------------------------------------------------------------
  r.push_back(Rule{"private_key",
                   "SECRET",
                   R"(-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----)",
                   0,
                   1.0,
                   private_key_check,
                   {}});
  r.push_back(Rule{
      "jwt",
      "SECRET",
      R"(\bey[A-Za-z0-9_\-]{10,}\.ey[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{8,}|\bZXlK[A-Za-z0-9+/]{60,}={0,2})",
      0,
      0.9,
      token_check(3.0),
      {}});
  r.push_back(Rule{"curl_user",
                   "SECRET",
                   R"((?:\s-u|--user)[ =]['"]?[\w.@\-]+:[^\s'"]{3,})",
                   0,
                   0.85,
                   [](std::string_view t, Hit& h) {
                     // Keep only "user:password".
                     size_t s = h.start;
                     std::string_view m = t.substr(h.start, h.end - h.start);
                     size_t sp = m.find_first_of(" =", m.find('-'));
                     if (sp == std::string_view::npos) return false;
                     s = h.start + sp + 1;
                     if (t[s] == '\'' || t[s] == '"') ++s;
                     h.start = s;
                     return curl_user_check(t, h);
                   },
                   {}});
  // ---- generic assignments: the key word triggers, the value decides ------------------------
  r.push_back(Rule{
      "generic_assignment",
      "SECRET",
      R"((?:passw(?:or)?d|passwd|\bpwd|\bpass\b|secret|token|api[_\-.]?key|\bapikey|access[_\-.]?key|private[_\-.]?key|client[_\-.]?(?:id|secret)|auth(?:orization)?|credentials?|\bkey\b|[a-z]Key\b|_KEY\b|signing[_\-]?key|conn(?:ection)?[_\-]?string|\bdsn\b|(?:\b|_)(?:cloudflare|sourcegraph|artifactory|jfrog|heroku|hubspot|twilio|stripe|slack|bitbucket|okta|datadog|sentry|sendgrid|mailgun|mailchimp|twitter|discord|telegram|shopify|plaid|dropbox)|contribsys__com))",
      HS_FLAG_CASELESS,
      0.8,
      assignment_check,
      {}});
  r.back().som = false;  // the check scans back over the identifier itself
  r.back().list_item = secret_item;
  return r;
}

}  // namespace perimeter::detect::internal
