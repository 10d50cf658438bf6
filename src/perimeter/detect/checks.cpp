#include "detect/checks.h"

#include <arpa/inet.h>
#include <openssl/sha.h>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "detect/ascii.h"

namespace perimeter::detect::checks {
namespace {

// Separators between digit groups must all be the same character, so that
// "693-09.4444" (two kinds) is not taken for one identifier.
bool consistent_separators(std::string_view s) {
  char sep = 0;
  for (char c : s) {
    if (ascii::isdigit(c) || ascii::isalpha(static_cast<unsigned char>(c))) continue;
    if (sep == 0) {
      sep = c;
    } else if (c != sep) {
      return false;
    }
  }
  return true;
}

// Official IBAN lengths per country (SWIFT registry).
int iban_length(char a, char b) {
  struct Entry {
    char cc[3];
    int len;
  };
  static constexpr Entry kTable[] = {
      {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
      {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22},
      {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20},
      {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22},
      {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
      {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30},
      {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
      {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
      {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
      {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33},
      {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
      {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29},
      {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
  };
  for (const auto& e : kTable) {
    if (e.cc[0] == a && e.cc[1] == b) return e.len;
  }
  return 0;
}

void sha256(const unsigned char* data, size_t n, unsigned char out[32]) {
  SHA256(data, n, out);
}

}  // namespace

std::string digits_of(std::string_view s) {
  std::string d;
  d.reserve(s.size());
  for (char c : s) {
    if (ascii::isdigit(c)) d.push_back(c);
  }
  return d;
}

std::string alnum_upper(std::string_view s) {
  std::string d;
  d.reserve(s.size());
  for (char c : s) {
    if (ascii::isalnum(static_cast<unsigned char>(c))) {
      d.push_back(static_cast<char>(ascii::toupper(static_cast<unsigned char>(c))));
    }
  }
  return d;
}

bool luhn(std::string_view digits) {
  int sum = 0;
  bool dbl = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (d < 0 || d > 9) return false;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return !digits.empty() && sum % 10 == 0;
}

bool credit_card(std::string_view s) {
  if (!consistent_separators(s)) return false;
  std::string d = digits_of(s);
  if (d.size() < 13 || d.size() > 19) return false;
  // Issuer prefixes: UATP 1, Mastercard 2/5, Amex/Diners/JCB 3, Visa 4,
  // Discover/Maestro/UnionPay 6.
  if (d[0] < '1' || d[0] > '6') return false;
  // Lengths each issuer uses: UATP 15, Amex 15, Diners 14, JCB/Discover 16-19,
  // Visa 13/16/19, Mastercard 16.
  size_t n = d.size();
  switch (d[0]) {
    case '1':
      if (n != 15) return false;
      break;
    case '2':
    case '5':
      if (n != 16) return false;
      break;
    case '3':
      if (n < 14 || n > 19) return false;
      break;
    case '4':
      if (n != 13 && n != 16 && n != 19) return false;
      break;
    default:
      if (n < 16) return false;
      break;
  }
  bool same = true;
  for (char c : d) same = same && c == d[0];
  if (same) return false;
  return luhn(d);
}

bool iban(std::string_view s) {
  std::string a = alnum_upper(s);
  if (a.size() < 15 || a.size() > 34) return false;
  if (!ascii::isupper(static_cast<unsigned char>(a[0])) ||
      !ascii::isupper(static_cast<unsigned char>(a[1])) || !ascii::isdigit(a[2]) ||
      !ascii::isdigit(a[3])) {
    return false;
  }
  int want = iban_length(a[0], a[1]);
  if (want == 0 || static_cast<int>(a.size()) != want) return false;
  // mod 97 over BBAN + country + check digits, letters as 10..35, digit by digit.
  unsigned rem = 0;
  auto feed = [&](char c) {
    if (ascii::isdigit(c)) {
      rem = (rem * 10 + static_cast<unsigned>(c - '0')) % 97;
    } else {
      unsigned v = static_cast<unsigned>(c - 'A' + 10);
      rem = (rem * 100 + v) % 97;
    }
  };
  for (size_t i = 4; i < a.size(); ++i) feed(a[i]);
  for (size_t i = 0; i < 4; ++i) feed(a[i]);
  return rem == 1;
}

bool aba_routing(std::string_view s) {
  if (!consistent_separators(s)) return false;
  std::string d = digits_of(s);
  if (d.size() != 9) return false;
  int prefix = (d[0] - '0') * 10 + (d[1] - '0');
  bool ok_prefix = (prefix <= 12) || (prefix >= 21 && prefix <= 32) ||
                   (prefix >= 61 && prefix <= 72) || prefix == 80;
  if (!ok_prefix) return false;
  static constexpr int w[9] = {3, 7, 1, 3, 7, 1, 3, 7, 1};
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += w[i] * (d[i] - '0');
  return sum % 10 == 0 && d != "000000000";
}

bool us_ssn(std::string_view s) {
  if (!consistent_separators(s)) return false;
  std::string d = digits_of(s);
  if (d.size() != 9) return false;
  bool same = true;
  for (char c : d) same = same && c == d[0];
  if (same) return false;
  if (d.compare(0, 3, "000") == 0 || d.compare(0, 3, "666") == 0 || d[0] == '9') return false;
  if (d.compare(3, 2, "00") == 0 || d.compare(5, 4, "0000") == 0) return false;
  // Numbers printed on sample cards and in ads, known to be invalid.
  static const char* kKnown[] = {"078051120", "219099999", "123456789", "457555462"};
  for (const char* k : kKnown) {
    if (d == k) return false;
  }
  return true;
}

bool uk_nhs(std::string_view s) {
  if (!consistent_separators(s)) return false;
  std::string d = digits_of(s);
  if (d.size() != 10) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (d[i] - '0') * (10 - i);
  int check = 11 - sum % 11;
  if (check == 11) check = 0;
  if (check == 10) return false;
  return check == d[9] - '0';
}

bool us_npi(std::string_view s) {
  if (!consistent_separators(s)) return false;
  std::string d = digits_of(s);
  if (d.size() != 10 || (d[0] != '1' && d[0] != '2')) return false;
  // A run of one digit is a placeholder, not a provider.
  int same = 0;
  for (char c : d) same += c == d[0];
  if (same >= 9) return false;
  return luhn("80840" + d);
}

bool uk_nino(std::string_view s) {
  std::string a = alnum_upper(s);
  if (a.size() != 9) return false;
  char p0 = a[0], p1 = a[1];
  auto bad_first = [](char c) { return std::strchr("DFIQUV", c) != nullptr; };
  auto bad_second = [](char c) { return std::strchr("DFIQUVO", c) != nullptr; };
  if (!ascii::isalpha(static_cast<unsigned char>(p0)) ||
      !ascii::isalpha(static_cast<unsigned char>(p1)) || bad_first(p0) || bad_second(p1)) {
    return false;
  }
  static const char* kNever[] = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"};
  for (const char* n : kNever) {
    if (p0 == n[0] && p1 == n[1]) return false;
  }
  for (int i = 2; i < 8; ++i) {
    if (!ascii::isdigit(a[i])) return false;
  }
  return a[8] >= 'A' && a[8] <= 'D';
}

bool btc_base58(std::string_view s) {
  static const char* kAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  if (s.size() < 26 || s.size() > 35) return false;
  std::array<unsigned char, 25> out{};  // 1 version + 20 hash + 4 checksum
  for (char c : s) {
    const char* p = std::strchr(kAlphabet, c);
    if (p == nullptr || c == 0) return false;
    unsigned carry = static_cast<unsigned>(p - kAlphabet);
    for (size_t i = out.size(); i-- > 0;) {
      carry += 58u * out[i];
      out[i] = static_cast<unsigned char>(carry & 0xFF);
      carry >>= 8;
    }
    if (carry != 0) return false;  // longer than 25 bytes
  }
  unsigned char h1[32], h2[32];
  sha256(out.data(), 21, h1);
  sha256(h1, 32, h2);
  return std::memcmp(h2, out.data() + 21, 4) == 0;
}

bool btc_bech32(std::string_view s) {
  static const char* kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  if (s.size() < 14 || s.size() > 90) return false;
  std::string lower(s);
  bool has_lower = false, has_upper = false;
  for (char& c : lower) {
    if (ascii::islower(static_cast<unsigned char>(c))) has_lower = true;
    if (ascii::isupper(static_cast<unsigned char>(c))) {
      has_upper = true;
      c = static_cast<char>(ascii::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (has_lower && has_upper) return false;
  size_t sep = lower.rfind('1');
  if (sep == std::string::npos || sep == 0 || sep + 7 > lower.size()) return false;
  auto polymod = [](const std::vector<int>& v) {
    static constexpr uint32_t G[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t chk = 1;
    for (int x : v) {
      uint32_t top = chk >> 25;
      chk = ((chk & 0x1ffffff) << 5) ^ static_cast<uint32_t>(x);
      for (int i = 0; i < 5; ++i) {
        if ((top >> i) & 1) chk ^= G[i];
      }
    }
    return chk;
  };
  std::vector<int> v;
  for (size_t i = 0; i < sep; ++i) v.push_back(lower[i] >> 5);
  v.push_back(0);
  for (size_t i = 0; i < sep; ++i) v.push_back(lower[i] & 31);
  for (size_t i = sep + 1; i < lower.size(); ++i) {
    const char* p = std::strchr(kCharset, lower[i]);
    if (p == nullptr) return false;
    v.push_back(static_cast<int>(p - kCharset));
  }
  uint32_t m = polymod(v);
  return m == 1 || m == 0x2bc830a3;  // bech32 or bech32m
}

bool ipv4(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = i;
    int v = 0;
    while (j < s.size() && ascii::isdigit(s[j])) {
      v = v * 10 + (s[j] - '0');
      ++j;
    }
    size_t len = j - i;
    if (len == 0 || len > 3 || v > 255) return false;
    ++parts;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return parts == 4;
}

bool ipv6(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return false;
  char buf[64];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  unsigned char out[16];
  return inet_pton(AF_INET6, buf, out) == 1;
}

double shannon_entropy(std::string_view s) {
  if (s.empty()) return 0;
  // Counts, plus a bitmap of the bytes present so the sum visits only those,
  // still in ascending byte order (the same sum, bit for bit, as a walk over
  // all 256 counts).
  std::array<int, 256> count{};
  uint64_t present[4] = {};
  for (unsigned char c : s) {
    ++count[c];
    present[c >> 6] |= uint64_t{1} << (c & 63);
  }
  double h = 0;
  const double n = static_cast<double>(s.size());
  for (int w = 0; w < 4; ++w) {
    for (uint64_t m = present[w]; m; m &= m - 1) {
      double p = count[w * 64 + __builtin_ctzll(m)] / n;
      h -= p * std::log2(p);
    }
  }
  return h;
}

namespace {

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int num(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

}  // namespace

bool date_exists(int y, int m, int d) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  int max = kDays[m - 1] + (m == 2 && leap(y) ? 1 : 0);
  return d <= max;
}

// The dihedral group D5 (0-4 rotations, 5-9 reflections); the digit at
// position i from the right is first moved by the permutation
// 0123456789 -> 1576283094 applied i mod 8 times; a valid number multiplies
// out to 0. Tables built once.
bool verhoeff(std::string_view digits) {
  struct Tables {
    int d[10][10];
    int p[8][10];
    Tables() {
      for (int j = 0; j < 10; ++j) {
        for (int k = 0; k < 10; ++k) {
          if (j < 5 && k < 5)
            d[j][k] = (j + k) % 5;
          else if (j < 5)
            d[j][k] = 5 + (j + k) % 5;
          else if (k < 5)
            d[j][k] = 5 + (j - k + 5) % 5;
          else
            d[j][k] = (j - k + 5) % 5;
        }
      }
      static const int kSigma[10] = {1, 5, 7, 6, 2, 8, 3, 0, 9, 4};
      for (int i = 0; i < 10; ++i) p[0][i] = i;
      for (int r = 1; r < 8; ++r)
        for (int i = 0; i < 10; ++i) p[r][i] = kSigma[p[r - 1][i]];
    }
  };
  static const Tables t;
  int c = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    const int v = digits[digits.size() - 1 - i] - '0';
    if (v < 0 || v > 9) return false;
    c = t.d[c][t.p[i % 8][v]];
  }
  return !digits.empty() && c == 0;
}

bool fi_personal_identity_code(std::string_view s) {
  if (s.size() != 11 || !all_digits(s.substr(0, 6)) || !all_digits(s.substr(7, 3))) return false;
  int century;
  switch (s[6]) {
    case '+':
      century = 1800;
      break;
    case '-':
    case 'Y':
    case 'X':
    case 'W':
    case 'V':
    case 'U':
      century = 1900;
      break;
    case 'A':
    case 'B':
    case 'C':
    case 'D':
    case 'E':
    case 'F':
      century = 2000;
      break;
    default:
      return false;
  }
  if (!date_exists(century + num(s.substr(4, 2)), num(s.substr(2, 2)), num(s.substr(0, 2))))
    return false;
  static const char kCheck[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";
  long long v = static_cast<long long>(num(s.substr(0, 6))) * 1000 + num(s.substr(7, 3));
  return s[10] == kCheck[v % 31];
}

bool tr_national_id(std::string_view s) {
  if (s.size() != 11 || !all_digits(s) || s[0] == '0') return false;
  int d[11];
  for (int i = 0; i < 11; ++i) d[i] = s[static_cast<size_t>(i)] - '0';
  int odd = d[0] + d[2] + d[4] + d[6] + d[8], even = d[1] + d[3] + d[5] + d[7];
  if (((odd * 7 - even) % 10 + 10) % 10 != d[9]) return false;
  int sum = 0;
  for (int i = 0; i < 10; ++i) sum += d[i];
  return sum % 10 == d[10];
}

bool pl_pesel(std::string_view s) {
  if (s.size() != 11 || !all_digits(s)) return false;
  int yy = num(s.substr(0, 2)), mm = num(s.substr(2, 2)), dd = num(s.substr(4, 2));
  static const int kCentury[] = {1900, 2000, 2100, 2200, 1800};  // month / 20
  if (mm < 1 || mm > 92 || mm % 20 == 0 || mm % 20 > 12) return false;
  if (!date_exists(kCentury[mm / 20] + yy, mm % 20, dd)) return false;
  static const int kW[] = {1, 3, 7, 9, 1, 3, 7, 9, 1, 3};
  int sum = 0;
  for (int i = 0; i < 10; ++i) sum += kW[i] * (s[static_cast<size_t>(i)] - '0');
  return (10 - sum % 10) % 10 == s[10] - '0';
}

}  // namespace perimeter::detect::checks
