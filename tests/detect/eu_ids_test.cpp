// Tests of the eu national identifier rules (eu_ids.cpp).
#include <gtest/gtest.h>

#include <string>

#include "detect/detector.h"
#include "id_test_util.h"

namespace perimeter::detect {
namespace {

using id_test::any;

// Test values were computed from the published algorithms (Luhn, the mod-23
// DNI/NIE letter, the codice fiscale check letter), not taken from elsewhere.

TEST(EuIds, SwedishPersonnummer) {
  const std::string t = "SE_PERSONNUMMER";
  EXPECT_TRUE(id_test::reported("Mitt personnummer är 850709-2743.", t, "850709-2743"));
  EXPECT_TRUE(id_test::reported("personnummer 198507092743", t, "198507092743"));
  EXPECT_TRUE(id_test::reported("personnummer 19850709-2743", t, "19850709-2743"));
  // A samordningsnummer: day + 60.
  EXPECT_TRUE(id_test::reported("samordningsnummer 850769-2740", t, "850769-2740"));
  // Broken check digit, impossible date, a century that is not 18-20.
  EXPECT_FALSE(any("Mitt personnummer är 850709-2744.", t));
  EXPECT_FALSE(any("personnummer 851309-2743", t));
  EXPECT_FALSE(any("personnummer 218507092743", t));
  // Inside a longer number.
  EXPECT_FALSE(any("personnummer 1850709-27431", t));
  // Ten digits with a valid Luhn digit are common: not reported alone.
  EXPECT_FALSE(any("ref 850709-2743 ok", t));
  EXPECT_FALSE(any("ref 198507092743 ok", t));
}

TEST(EuIds, SwedishOrganisationsnummer) {
  const std::string t = "SE_ORGANISATIONSNUMMER";
  EXPECT_TRUE(id_test::reported("Organisationsnummer: 559123-4561", t, "559123-4561"));
  EXPECT_TRUE(id_test::reported("orgnr 5591234561", t, "5591234561"));
  EXPECT_FALSE(any("Organisationsnummer: 559123-4562", t));
  // Third digit below 2: a personnummer's month, not an organisation.
  EXPECT_FALSE(any("Organisationsnummer: 850709-2743", t));
  EXPECT_FALSE(any("ref 559123-4561 ok", t));
}

TEST(EuIds, SpanishNif) {
  const std::string t = "ES_NIF";
  EXPECT_TRUE(id_test::reported("Mi DNI es 48291734Z", t, "48291734Z"));
  EXPECT_TRUE(id_test::reported("NIF: 48291734-z", t, "48291734-z"));
  EXPECT_TRUE(id_test::reported("DNI 4829173R", t, "4829173R"));
  EXPECT_FALSE(any("Mi DNI es 48291734A", t));
  EXPECT_FALSE(any("Mi DNI es 148291734Z", t));
  // The short (7-digit) form is too common a shape to report alone.
  EXPECT_FALSE(any("code 4829173R", t));
  // An NIE is not read as an NIF of its digits.
  EXPECT_FALSE(any("NIE Y2345678Z", t));
}

TEST(EuIds, SpanishNie) {
  const std::string t = "ES_NIE";
  EXPECT_TRUE(id_test::reported("Mi NIE es Y2345678Z", t, "Y2345678Z"));
  EXPECT_TRUE(
      id_test::reported("número de identificación de extranjero y2345678-z", t, "y2345678-z"));
  EXPECT_FALSE(any("Mi NIE es Y2345678A", t));
  EXPECT_FALSE(any("Mi NIE es X2345678Z", t));
  EXPECT_FALSE(any("Mi NIE es Y234567Z", t));
}

TEST(EuIds, SpanishPassport) {
  const std::string t = "ES_PASSPORT";
  EXPECT_TRUE(id_test::reported("Mi número de pasaporte es PAB482913", t, "PAB482913"));
  EXPECT_FALSE(any("PAB482913", t));
  EXPECT_FALSE(any("pasaporte PAB4829134", t));
}

TEST(EuIds, ItalianFiscalCode) {
  const std::string t = "IT_FISCAL_CODE";
  EXPECT_TRUE(id_test::reported("Codice fiscale: BNCLRA90E45F205D", t, "BNCLRA90E45F205D"));
  // The check letter makes it distinctive enough without a context word.
  EXPECT_TRUE(id_test::reported("sent BNCLRA90E45F205D today", t, "BNCLRA90E45F205D"));
  EXPECT_TRUE(id_test::reported("cf vrdgpp72c13l219y", t, "vrdgpp72c13l219y"));
  // Omocodia: the last digit replaced by its letter (5 -> R).
  EXPECT_TRUE(id_test::reported("Codice fiscale BNCLRA90E45F20RY", t, "BNCLRA90E45F20RY"));
  // Wrong check letter, impossible day, glued to a word.
  EXPECT_FALSE(any("sent BNCLRA90E45F205E today", t));
  EXPECT_FALSE(any("Codice fiscale: BNCLRA90E95F205D", t));
  EXPECT_FALSE(any("Codice fiscale: XBNCLRA90E45F205D", t));
}

TEST(EuIds, ItalianVatCode) {
  const std::string t = "IT_VAT_CODE";
  EXPECT_TRUE(id_test::reported("Partita IVA 07245120964", t, "07245120964"));
  EXPECT_TRUE(id_test::reported("P.IVA: 07245120_964", t, "07245120_964"));
  // The EU VAT form: the country prefix is not part of the span.
  EXPECT_TRUE(id_test::reported("VAT IT07245120964", t, "07245120964"));
  EXPECT_FALSE(any("Partita IVA 07245120965", t));
  EXPECT_FALSE(any("Partita IVA 00000000000", t));
  EXPECT_FALSE(any("order 07245120964 shipped", t));
}

TEST(EuIds, ItalianDriverLicense) {
  const std::string t = "IT_DRIVER_LICENSE";
  EXPECT_TRUE(id_test::reported("patente di guida RM4827361K", t, "RM4827361K"));
  EXPECT_TRUE(id_test::reported("patente U1H27B361C", t, "U1H27B361C"));
  EXPECT_FALSE(any("patente U1H27A361C", t));  // A is not in the card's alphabet
  EXPECT_FALSE(any("RM4827361K", t));
}

TEST(EuIds, ItalianIdentityCardAndPassport) {
  EXPECT_TRUE(id_test::reported("carta d'identità CA48271KD", "IT_IDENTITY_CARD", "CA48271KD"));
  EXPECT_TRUE(id_test::reported("carta di identità AX 4827136", "IT_IDENTITY_CARD", "AX 4827136"));
  EXPECT_FALSE(any("CA48271KD", "IT_IDENTITY_CARD"));
  EXPECT_TRUE(id_test::reported("passaporto YA4827361", "IT_PASSPORT", "YA4827361"));
  EXPECT_FALSE(any("YA4827361", "IT_PASSPORT"));
  EXPECT_FALSE(any("passaporto YA48273612", "IT_PASSPORT"));
}

}  // namespace
}  // namespace perimeter::detect
