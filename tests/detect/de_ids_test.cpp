// Tests of the de national identifier rules (de_ids.cpp).
//
// The values were made up for these tests and given their check digits by
// each identifier's published algorithm.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "detect/detector.h"
#include "id_test_util.h"

namespace perimeter::detect {
namespace {

// `value` is reported as `type` with exactly its bytes inside `text`.
void expect_at(const std::string& text, const std::string& value, const std::string& type) {
  EXPECT_TRUE(id_test::reported(text, type, value)) << text;
}
bool has(const std::string& text, const std::string& type) {
  return id_test::any(text, type);
}

TEST(DeIds, VatId) {
  expect_at("USt-IdNr.: DE274813658", "DE274813658", "DE_VAT_ID");
  expect_at("Rechnung an DE 274 813 658 gestellt", "DE 274 813 658", "DE_VAT_ID");
  // The "DE" prefix and a valid check digit are distinctive on their own.
  EXPECT_TRUE(has("DE274813658", "DE_VAT_ID"));
  EXPECT_FALSE(has("USt-IdNr.: DE274813659", "DE_VAT_ID"));  // check digit
  EXPECT_FALSE(has("USt-IdNr.: DE2748136580", "DE_VAT_ID"));
  EXPECT_FALSE(has("USt-IdNr.: AT274813658", "DE_VAT_ID"));
  // Lower-case "de" before digits is prose in other languages.
  EXPECT_FALSE(has("un total de 274 813 658 pesos", "DE_VAT_ID"));
}

TEST(DeIds, HealthInsurance) {
  expect_at("Krankenkasse KVNR: K739210467", "K739210467", "DE_HEALTH_INSURANCE");
  EXPECT_FALSE(has("Krankenkasse KVNR: K739210468", "DE_HEALTH_INSURANCE"));
  EXPECT_FALSE(has("Bestellung K739210467", "DE_HEALTH_INSURANCE"));
  for (const auto& f : id_test::default_detector().scan({"KVNR K739210467"})) {
    if (f.type == "DE_HEALTH_INSURANCE") {
      EXPECT_EQ(f.category, Category::PHI);
    }
  }
}

TEST(DeIds, PassportAndIdCard) {
  expect_at("Reisepass L4XK92TC0 ausgestellt", "L4XK92TC0", "DE_PASSPORT");
  expect_at("Personalausweis: L4XK92TC0.", "L4XK92TC0", "DE_ID_CARD");
  // Without the ninth-character check (real numbers have none: the
  // specimen card's L01X00T47), only next to a context word.
  EXPECT_FALSE(has("L4XK92TC1", "DE_PASSPORT"));
  EXPECT_FALSE(has("L01X00T47", "DE_ID_CARD"));
  expect_at("Reisepass L4XK92TC1", "L4XK92TC1", "DE_PASSPORT");
  expect_at("Personalausweisnummer: L01X00T47", "L01X00T47", "DE_ID_CARD");
  EXPECT_FALSE(has("Teil L4XK92TC0", "DE_PASSPORT"));
  EXPECT_FALSE(has("Teil L4XK92TC0", "DE_ID_CARD"));
  // Vowels are not in the ICAO document-number alphabet.
  EXPECT_FALSE(has("Reisepass A4XK92TC0", "DE_PASSPORT"));
  // The provisional ID card's "T" + 8 digits has no check digit: context only.
  expect_at("vorläufiger Personalausweis T48271563", "T48271563", "DE_ID_CARD");
  EXPECT_FALSE(has("T48271563", "DE_ID_CARD"));
  EXPECT_FALSE(has("T48271563", "DE_PASSPORT"));
}

// Passport and ID card share one numbering; each is its own rule, so either
// type can be enabled alone.
TEST(DeIds, IdCardAlone) {
  DetectorOptions o = default_detector_options();
  o.enabled = {"DE_ID_CARD"};
  auto d = Detector::create(o);
  auto found = d->scan({"Personalausweis: L4XK92TC0."});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].type, "DE_ID_CARD");
}

TEST(DeIds, SocialSecurity) {
  expect_at("RVNR: 53120385M074 laut Ausweis", "53120385M074", "DE_SOCIAL_SECURITY");
  // Birth date, initial and check digit make the shape distinctive alone.
  EXPECT_TRUE(has("53120385M074", "DE_SOCIAL_SECURITY"));
  EXPECT_FALSE(has("RVNR: 53120385M075", "DE_SOCIAL_SECURITY"));  // check digit
  EXPECT_FALSE(has("RVNR: 53321385M074", "DE_SOCIAL_SECURITY"));  // no month 13
  // As printed on the card, in four parts.
  expect_at("Sozialversicherungsnummer: 53 120385 M 074", "53 120385 M 074", "DE_SOCIAL_SECURITY");
  EXPECT_FALSE(has("Sozialversicherungsnummer: 53 120385 M 075", "DE_SOCIAL_SECURITY"));
}

TEST(DeIds, LanrAndBsnr) {
  expect_at("LANR: 381947223 des Arztes", "381947223", "DE_LANR");
  EXPECT_FALSE(has("LANR: 381947523", "DE_LANR"));  // check digit
  EXPECT_FALSE(has("Auftrag 381947223", "DE_LANR"));
  expect_at("BSNR 723456781 der Praxis", "723456781", "DE_BSNR");
  EXPECT_FALSE(has("Auftrag 723456781", "DE_BSNR"));
  EXPECT_FALSE(has("BSNR 000000000", "DE_BSNR"));
}

TEST(DeIds, TaxId) {
  expect_at("Meine Steuer-ID: 57391842633.", "57391842633", "DE_TAX_ID");
  expect_at("IdNr. 57 391 842 633", "57 391 842 633", "DE_TAX_ID");
  EXPECT_FALSE(has("Meine Steuer-ID: 57391842634", "DE_TAX_ID"));  // check digit
  EXPECT_FALSE(has("Meine Steuer-ID: 07391842633", "DE_TAX_ID"));  // leading zero
  EXPECT_FALSE(has("Auftrag 57391842633", "DE_TAX_ID"));
}

TEST(DeIds, VehiclePlate) {
  expect_at("Das Fahrzeug mit Kennzeichen HB XY 417 parkt", "HB XY 417", "DE_KFZ");
  expect_at("Kennzeichen: HB-XY-417E.", "HB-XY-417E", "DE_KFZ");
  EXPECT_FALSE(has("HB XY 417", "DE_KFZ"));
  // Lower-case words before a number are prose, whatever the context.
  EXPECT_FALSE(has("Das Auto ist um 12 Uhr fertig", "DE_KFZ"));
  EXPECT_FALSE(has("Kennzeichen: HBXY417", "DE_KFZ"));
}

TEST(DeIds, DrivingLicence) {
  expect_at("Führerscheinnummer: KS73019486B", "KS73019486B", "DE_FUEHRERSCHEIN");
  EXPECT_FALSE(has("KS73019486B", "DE_FUEHRERSCHEIN"));
  EXPECT_FALSE(has("Führerschein KS730194861B", "DE_FUEHRERSCHEIN"));
}

TEST(DeIds, PostalCode) {
  expect_at("Postleitzahl 34117 Kassel", "34117", "DE_PLZ");
  expect_at("Hauptstraße 5, 34117 Kassel", "34117", "DE_PLZ");
  EXPECT_FALSE(has("34117", "DE_PLZ"));
  EXPECT_FALSE(has("Es kostet 34117 Euro", "DE_PLZ"));
  EXPECT_FALSE(has("Hauptstraße 5: Miete 34117 EUR", "DE_PLZ"));
  EXPECT_FALSE(has("Hauptstraße 5: Miete 34117\u20AC", "DE_PLZ"));
  EXPECT_FALSE(has("PLZ: 99999", "DE_PLZ"));
  EXPECT_FALSE(has("PLZ: 341170", "DE_PLZ"));
}

TEST(DeIds, TaxNumber) {
  expect_at("Steuernummer: 217/815/08154 bitte angeben", "217/815/08154", "DE_TAX_NUMBER");
  expect_at("St.-Nr. 0921781508154", "0921781508154", "DE_TAX_NUMBER");
  EXPECT_FALSE(has("217/815/08154", "DE_TAX_NUMBER"));
  EXPECT_FALSE(has("0921781508154", "DE_TAX_NUMBER"));
  EXPECT_FALSE(has("Steuernummer: 1721781508154", "DE_TAX_NUMBER"));  // no state 17
  // The unified scheme: tax office first (9 Bavaria, 28 Baden-Württemberg), then 0.
  expect_at("Meine Steuernummer ist 9172042713385.", "9172042713385", "DE_TAX_NUMBER");
  expect_at("Steuernummer 2871042713382", "2871042713382", "DE_TAX_NUMBER");
  EXPECT_FALSE(has("Steuernummer 9172142713385", "DE_TAX_NUMBER"));        // fifth digit not 0
  expect_at("Steuernummer: 93815/08152", "93815/08152", "DE_TAX_NUMBER");  // BW
}

TEST(DeIds, CommercialRegister) {
  expect_at("Amtsgericht Köln HRB 48213.", "HRB 48213", "DE_HANDELSREGISTER");
  EXPECT_TRUE(has("HRA48213", "DE_HANDELSREGISTER"));
  EXPECT_FALSE(has("HRB 4821312", "DE_HANDELSREGISTER"));
  EXPECT_FALSE(has("HRC 48213", "DE_HANDELSREGISTER"));
  EXPECT_FALSE(has("hrb 48213", "DE_HANDELSREGISTER"));
}

}  // namespace
}  // namespace perimeter::detect
