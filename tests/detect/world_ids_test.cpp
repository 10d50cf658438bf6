// Tests of the world national identifier rules (world_ids.cpp).
//
// Values are made up and given valid check digits with each published
// algorithm; the "broken" ones change only the check digit (or the date).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "detect/detector.h"
#include "id_test_util.h"

namespace perimeter::detect {
namespace {

using id_test::spans;

// `value` in `text` is the one `type` finding there (world tests name the value first).
bool reports(const std::string& text, const std::string& value, const std::string& type) {
  return id_test::reported(text, type, value);
}
bool silent(const std::string& text, const std::string& type) {
  return !id_test::any(text, type);
}

TEST(WorldIds, EntitiesAreRegistered) {
  for (const char* e : {"ZA_ID_NUMBER", "UK_VEHICLE_REGISTRATION", "CA_SIN", "TR_LICENSE_PLATE",
                        "NG_VEHICLE_REGISTRATION", "PH_TIN", "AU_ACN", "AU_ABN", "NG_NIN", "AU_TFN",
                        "AU_MEDICARE"}) {
    EXPECT_TRUE(known_entities().count(e)) << e;
  }
  EXPECT_EQ(known_entities().at("AU_MEDICARE"), Category::PHI);
  EXPECT_EQ(known_entities().at("ZA_ID_NUMBER"), Category::PII);
}

TEST(WorldIds, SouthAfricanIdNumber) {
  EXPECT_TRUE(reports("My ID number is 8507144321086.", "8507144321086", "ZA_ID_NUMBER"));
  EXPECT_TRUE(reports("RSA identity: 0402295123184", "0402295123184", "ZA_ID_NUMBER"));
  // Broken Luhn digit; 29 February 2001; citizenship digit 3.
  EXPECT_TRUE(silent("My ID number is 8507144321087.", "ZA_ID_NUMBER"));
  EXPECT_TRUE(silent("My ID number is 0102295123180.", "ZA_ID_NUMBER"));
  EXPECT_TRUE(silent("My ID number is 8507144321386.", "ZA_ID_NUMBER"));
  // 13 digits without a context word stay below the default threshold.
  EXPECT_TRUE(silent("order 8507144321086 shipped", "ZA_ID_NUMBER"));
  EXPECT_TRUE(silent("ID X8507144321086", "ZA_ID_NUMBER"));
}

TEST(WorldIds, UkVehicleRegistration) {
  EXPECT_TRUE(reports("My car reg is KX63 PFN today", "KX63 PFN", "UK_VEHICLE_REGISTRATION"));
  EXPECT_TRUE(reports("vehicle: kx63pfn", "kx63pfn", "UK_VEHICLE_REGISTRATION"));
  EXPECT_TRUE(reports("car registration P714 LMR", "P714 LMR", "UK_VEHICLE_REGISTRATION"));
  EXPECT_TRUE(reports("the vehicle GRX 417T was sold", "GRX 417T", "UK_VEHICLE_REGISTRATION"));
  // Age identifiers 30-50 and 80+ were never issued; I and Q never appear.
  EXPECT_TRUE(silent("My car reg is KX35 PFN", "UK_VEHICLE_REGISTRATION"));
  EXPECT_TRUE(silent("My car reg is KX83 PFN", "UK_VEHICLE_REGISTRATION"));
  EXPECT_TRUE(silent("My car reg is KQ63 PFN", "UK_VEHICLE_REGISTRATION"));
  EXPECT_TRUE(silent("My car reg is KX63 PIN", "UK_VEHICLE_REGISTRATION"));
  // Without a context word the shapes stay below the threshold.
  EXPECT_TRUE(silent("ticket KX63 PFN closed", "UK_VEHICLE_REGISTRATION"));
  EXPECT_TRUE(silent("part P714 LMR in stock", "UK_VEHICLE_REGISTRATION"));
  EXPECT_TRUE(silent("part GRX 417T in stock", "UK_VEHICLE_REGISTRATION"));
}

TEST(WorldIds, CanadianSin) {
  EXPECT_TRUE(reports("my SIN is 273 648 196", "273 648 196", "CA_SIN"));
  EXPECT_TRUE(reports("social insurance number 273-648-196", "273-648-196", "CA_SIN"));
  EXPECT_TRUE(reports("SIN: 618453021", "618453021", "CA_SIN"));
  EXPECT_TRUE(silent("my SIN is 273 648 197", "CA_SIN"));
  EXPECT_TRUE(silent("my SIN is 273-648 196", "CA_SIN"));  // mixed separators
  EXPECT_TRUE(silent("order 273648196 shipped", "CA_SIN"));
  EXPECT_TRUE(silent("order 273 648 196 shipped", "CA_SIN"));
}

TEST(WorldIds, TurkishLicensePlate) {
  EXPECT_TRUE(reports("Plaka: 06 KLM 472", "06 KLM 472", "TR_LICENSE_PLATE"));
  EXPECT_TRUE(reports("araç plakası 34ab1234 olarak", "34ab1234", "TR_LICENSE_PLATE"));
  EXPECT_TRUE(reports("license plate 35-JK-12", "35-JK-12", "TR_LICENSE_PLATE"));
  // Province codes run 01-81; Q, W and X are not Turkish letters.
  EXPECT_TRUE(silent("Plaka: 84 KLM 472", "TR_LICENSE_PLATE"));
  EXPECT_TRUE(silent("Plaka: 00 KLM 472", "TR_LICENSE_PLATE"));
  EXPECT_TRUE(silent("Plaka: 06 KWM 472", "TR_LICENSE_PLATE"));
  EXPECT_TRUE(silent("we met 06 KLM 472 times", "TR_LICENSE_PLATE"));
}

TEST(WorldIds, NigerianVehicleRegistration) {
  EXPECT_TRUE(reports("plate number LSR-218KJ", "LSR-218KJ", "NG_VEHICLE_REGISTRATION"));
  EXPECT_TRUE(reports("vehicle lsr218kj", "lsr218kj", "NG_VEHICLE_REGISTRATION"));
  // Lower case with a space is prose ("was 300km"), not a plate.
  EXPECT_TRUE(silent("the vehicle was 300km away", "NG_VEHICLE_REGISTRATION"));
  EXPECT_TRUE(silent("plate number LSR-2184KJ", "NG_VEHICLE_REGISTRATION"));
  EXPECT_TRUE(silent("code LSR-218KJ", "NG_VEHICLE_REGISTRATION"));
}

TEST(WorldIds, PhilippineTin) {
  EXPECT_TRUE(reports("My TIN is 432-187-650-000", "432-187-650-000", "PH_TIN"));
  EXPECT_TRUE(reports("BIR TIN: 432187650", "432187650", "PH_TIN"));
  EXPECT_TRUE(reports("taxpayer no. 432187650000", "432187650000", "PH_TIN"));
  EXPECT_TRUE(silent("My TIN is 432-187-651-000", "PH_TIN"));
  EXPECT_TRUE(silent("ref 432-187-650-000 done", "PH_TIN"));
}

TEST(WorldIds, AustralianCompanyNumber) {
  EXPECT_TRUE(reports("ACN 093 127 452", "093 127 452", "AU_ACN"));
  EXPECT_TRUE(reports("ACN: 314159290", "314159290", "AU_ACN"));  // check digit 0
  EXPECT_TRUE(silent("ACN 093 127 453", "AU_ACN"));
  EXPECT_TRUE(silent("ref 093 127 452", "AU_ACN"));
}

TEST(WorldIds, AustralianBusinessNumber) {
  EXPECT_TRUE(reports("ABN 27 736 291 048", "27 736 291 048", "AU_ABN"));
  EXPECT_TRUE(reports("our abn: 80204518736", "80204518736", "AU_ABN"));
  EXPECT_TRUE(silent("ABN 27 736 291 049", "AU_ABN"));
  EXPECT_TRUE(silent("ABN 27 736 291 0480", "AU_ABN"));
  EXPECT_TRUE(silent("ref 27 736 291 048", "AU_ABN"));
}

TEST(WorldIds, AustralianTaxFileNumber) {
  EXPECT_TRUE(reports("my tax file number is 473 918 209", "473 918 209", "AU_TFN"));
  EXPECT_TRUE(reports("TFN 821593700", "821593700", "AU_TFN"));
  EXPECT_TRUE(silent("TFN 473 918 208", "AU_TFN"));
  EXPECT_TRUE(silent("TFN 473 918\n209", "AU_TFN"));
  EXPECT_TRUE(silent("ref 473 918 209", "AU_TFN"));
}

TEST(WorldIds, AustralianMedicare) {
  EXPECT_TRUE(reports("Medicare card 3947 51027 3", "3947 51027 3", "AU_MEDICARE"));
  EXPECT_TRUE(reports("medicare no 5183726423", "5183726423", "AU_MEDICARE"));
  EXPECT_TRUE(silent("Medicare card 3947 51028 3", "AU_MEDICARE"));
  EXPECT_TRUE(silent("Medicare card 1947 51027 3", "AU_MEDICARE"));  // starts 2-6
  EXPECT_TRUE(silent("ref 3947 51027 3", "AU_MEDICARE"));
}

TEST(WorldIds, NigerianNin) {
  EXPECT_TRUE(reports("NIN: 73029184562", "73029184562", "NG_NIN"));
  EXPECT_TRUE(reports("my NIMC number 28461930574", "28461930574", "NG_NIN"));
  EXPECT_TRUE(silent("NIN: 73029184563", "NG_NIN"));
  EXPECT_TRUE(silent("ref 73029184562", "NG_NIN"));
}

}  // namespace
}  // namespace perimeter::detect
