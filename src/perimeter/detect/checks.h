// Checksum and format validators for candidate identifiers. Each takes the
// candidate text as found (separators included unless stated) and says whether
// it is a well-formed instance; none allocates on the heap for short input.
#pragma once

#include <string>
#include <string_view>

namespace perimeter::detect::checks {

// The ASCII digits of `s` in order (separators dropped).
std::string digits_of(std::string_view s);

// Letters and digits of `s` in order, letters upper-cased.
std::string alnum_upper(std::string_view s);

// Luhn mod-10 over a digit string.
bool luhn(std::string_view digits);

// Credit card: 13-19 digits, Luhn, a known issuer prefix, consistent separators.
bool credit_card(std::string_view s);

// IBAN: known country, that country's length, mod-97 == 1 (spaces/dashes allowed).
bool iban(std::string_view s);

// ABA routing number: 9 digits, weights 3-7-1, valid Federal Reserve prefix.
bool aba_routing(std::string_view s);

// US SSN rules: area not 000/666/9xx, group not 00, serial not 0000, not a
// known advertising number, consistent separators.
bool us_ssn(std::string_view s);

// UK NHS number: 10 digits with a mod-11 check digit.
bool uk_nhs(std::string_view s);

// US NPI: 10 digits starting 1 or 2, Luhn over "80840" + number.
bool us_npi(std::string_view s);

// UK National Insurance number prefix and suffix rules.
bool uk_nino(std::string_view s);

// Bitcoin base58check (P2PKH / P2SH) address.
bool btc_base58(std::string_view s);

// Bitcoin bech32 / bech32m segwit address ("bc1...").
bool btc_bech32(std::string_view s);

// IPv4 dotted quad with every octet <= 255 and no leading zeros beyond one.
bool ipv4(std::string_view s);

// IPv6 in any RFC 4291 text form (inet_pton).
bool ipv6(std::string_view s);

// Finnish henkilötunnus: DDMMYY, century sign (+ 1800s; - Y X W V U 1900s;
// A-F 2000s), a 3-digit individual number, a mod-31 check character; the date
// must exist.
bool fi_personal_identity_code(std::string_view s);

// Turkish T.C. Kimlik No: 11 digits, not starting with 0, two check digits.
bool tr_national_id(std::string_view s);

// Polish PESEL: 11 digits, YYMMDD with the century in the month (+80 1800s,
// +0 1900s, +20 2000s, +40 2100s, +60 2200s), weighted check digit.
bool pl_pesel(std::string_view s);

// True if day `d` of month `m` (1-12) exists in year `y` (Gregorian).
bool date_exists(int y, int m, int d);

// Verhoeff's dihedral-group check over a digit string (Aadhaar, Nigerian
// NIN): true if it ends in its check digit.
bool verhoeff(std::string_view digits);

// Shannon entropy in bits per byte.
double shannon_entropy(std::string_view s);

}  // namespace perimeter::detect::checks
