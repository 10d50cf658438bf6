// Tests of the asia national identifier rules (asia_ids.cpp).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "detect/detector.h"
#include "id_test_util.h"

namespace perimeter::detect {
namespace {

using id_test::any;
using id_test::reported;
using id_test::spans;

TEST(AsiaIds, EntitiesAreRegistered) {
  for (const char* e : {"IN_AADHAAR", "IN_GSTIN", "IN_PAN", "IN_PASSPORT",
                        "IN_VEHICLE_REGISTRATION", "IN_VOTER", "KR_BRN", "KR_DRIVER_LICENSE",
                        "KR_FRN", "KR_PASSPORT", "KR_RRN", "SG_NRIC_FIN", "SG_UEN", "TH_TNIN"}) {
    ASSERT_TRUE(known_entities().count(e)) << e;
    EXPECT_EQ(known_entities().at(e), Category::PII) << e;
  }
}

TEST(AsiaIds, InGstin) {
  // 33 (Tamil Nadu), PAN KLMNP4821Q, entity 1, Z, base-36 check character C.
  EXPECT_TRUE(reported("Supplier GSTIN: 33KLMNP4821Q1ZC.", "IN_GSTIN", "33KLMNP4821Q1ZC"));
  // A valid check character is enough on its own.
  EXPECT_TRUE(reported("billed to 33KLMNP4821Q1ZC", "IN_GSTIN", "33KLMNP4821Q1ZC"));
  // A wrong check character: only next to a GST word.
  EXPECT_FALSE(any("billed to 33KLMNP4821Q1ZD", "IN_GSTIN"));
  EXPECT_TRUE(reported("GSTIN 33KLMNP4821Q1ZD", "IN_GSTIN", "33KLMNP4821Q1ZD"));
  // State codes run from 01 to 37; the fourteenth character is Z.
  EXPECT_FALSE(any("GSTIN 38KLMNP4821Q1ZC", "IN_GSTIN"));
  EXPECT_FALSE(any("GSTIN 00KLMNP4821Q1ZC", "IN_GSTIN"));
  EXPECT_FALSE(any("GSTIN 33KLMNP4821Q1YC", "IN_GSTIN"));
  EXPECT_FALSE(any("GSTIN 33KLMNP4821Q1ZCX", "IN_GSTIN"));
}

TEST(AsiaIds, InPan) {
  EXPECT_TRUE(reported("PAN: BNZPK4821L", "IN_PAN", "BNZPK4821L"));
  EXPECT_TRUE(reported("permanent account number BNZPK4821L", "IN_PAN", "BNZPK4821L"));
  // No check digit is published: the shape alone stays under the threshold.
  EXPECT_FALSE(any("ref BNZPK4821L", "IN_PAN"));
  EXPECT_FALSE(any("PAN: BNZPK4821", "IN_PAN"));
  // Only the PAN shape: five letters, four digits, a letter.
  EXPECT_FALSE(any("my pan is ab1234cdef", "IN_PAN"));
}

TEST(AsiaIds, InAadhaar) {
  // Verhoeff check digit 4.
  EXPECT_TRUE(reported("Aadhaar: 4821 5309 1764", "IN_AADHAAR", "4821 5309 1764"));
  EXPECT_TRUE(reported("aadhaar no 482153091764.", "IN_AADHAAR", "482153091764"));
  EXPECT_TRUE(reported("UIDAI 4821-5309-1764", "IN_AADHAAR", "4821-5309-1764"));
  // Broken check digit.
  EXPECT_FALSE(any("Aadhaar: 4821 5309 1765", "IN_AADHAAR"));
  // Valid, but 12 digits alone are too common.
  EXPECT_FALSE(any("ref 4821 5309 1764", "IN_AADHAAR"));
  // Mixed separators, a leading 0 or 1, a longer digit run.
  EXPECT_FALSE(any("Aadhaar: 4821 5309-1764", "IN_AADHAAR"));
  EXPECT_FALSE(any("Aadhaar: 4821 5309 1764 1234", "IN_AADHAAR"));
}

TEST(AsiaIds, InPassportAndVoter) {
  EXPECT_TRUE(reported("Indian passport K4821536", "IN_PASSPORT", "K4821536"));
  EXPECT_FALSE(any("code K4821536", "IN_PASSPORT"));
  EXPECT_FALSE(any("passport K4821530", "IN_PASSPORT"));  // never ends in 0
  EXPECT_TRUE(reported("voter id KRB4829163", "IN_VOTER", "KRB4829163"));
  EXPECT_TRUE(reported("EPIC no. KRB4829163", "IN_VOTER", "KRB4829163"));
  EXPECT_FALSE(any("ref KRB4829163", "IN_VOTER"));
  EXPECT_FALSE(any("voter id KRB48291634", "IN_VOTER"));
}

TEST(AsiaIds, InVehicleRegistration) {
  // Maharashtra district 12.
  EXPECT_TRUE(reported("vehicle MH12DE1433 parked", "IN_VEHICLE_REGISTRATION", "MH12DE1433"));
  EXPECT_TRUE(reported("reg no MH12DE1433", "IN_VEHICLE_REGISTRATION", "MH12DE1433"));
  // Not a state code; a number 0000.
  EXPECT_FALSE(any("vehicle XQ12DE1433", "IN_VEHICLE_REGISTRATION"));
  EXPECT_FALSE(any("vehicle MH12DE0000", "IN_VEHICLE_REGISTRATION"));
  // An unknown district: state-shaped only, needs its context.
  EXPECT_FALSE(any("ref KA99ME3456", "IN_VEHICLE_REGISTRATION"));
  EXPECT_TRUE(reported("RTO KA99ME3456", "IN_VEHICLE_REGISTRATION", "KA99ME3456"));
  // Short old plates are candidates only, even next to a context word.
  EXPECT_FALSE(any("vehicle MCX1243", "IN_VEHICLE_REGISTRATION"));
  // Written in parts: with a context word, one separator throughout.
  EXPECT_TRUE(
      reported("vehicle registration KA 03 MJ 7391", "IN_VEHICLE_REGISTRATION", "KA 03 MJ 7391"));
  EXPECT_TRUE(reported("RTO record KA-03-MJ-7391", "IN_VEHICLE_REGISTRATION", "KA-03-MJ-7391"));
  EXPECT_FALSE(any("KA 03 MJ 7391", "IN_VEHICLE_REGISTRATION"));
  EXPECT_FALSE(any("vehicle KA 03-MJ 7391", "IN_VEHICLE_REGISTRATION"));
}

TEST(AsiaIds, KrRrnAndFrn) {
  // 1985-07-15, gender digit 1 / 5, check digits 6 / 9.
  EXPECT_TRUE(reported("주민등록번호: 850715-1482136입니다", "KR_RRN", "850715-1482136"));
  EXPECT_TRUE(reported("RRN 8507151482136", "KR_RRN", "8507151482136"));
  EXPECT_TRUE(reported("rrn 850715-1482136", "KR_RRN", "850715-1482136"));
  EXPECT_TRUE(reported("외국인등록번호 850715-5482139", "KR_FRN", "850715-5482139"));
  EXPECT_TRUE(reported("his FRN is 850715-5482139", "KR_FRN", "850715-5482139"));
  EXPECT_FALSE(any("his FRN is 850715-5482139", "KR_RRN"));
  // Numbers issued since 2020 end in a random digit: a wrong check digit
  // needs the context word.
  EXPECT_FALSE(any("id 850715-1482137", "KR_RRN"));
  EXPECT_TRUE(reported("RRN 850715-1482137", "KR_RRN", "850715-1482137"));
  // No such date; wrong separator; gender digit 0 or 9.
  EXPECT_FALSE(any("RRN 850230-1482136", "KR_RRN"));
  EXPECT_FALSE(any("RRN 850715+1482136", "KR_RRN"));
  EXPECT_FALSE(any("RRN 850715-9482136", "KR_RRN"));
  EXPECT_FALSE(any("FRN 850715-9482139", "KR_FRN"));
}

TEST(AsiaIds, KrBrn) {
  EXPECT_TRUE(reported("사업자등록번호 220-81-62346", "KR_BRN", "220-81-62346"));
  // (A bare 10-digit value that is also a valid US phone number goes to
  // PHONE_NUMBER when overlaps are resolved.)
  EXPECT_TRUE(reported("Business Registration Number: 1188162344", "KR_BRN", "1188162344"));
  EXPECT_FALSE(any("사업자등록번호 220-81-62347", "KR_BRN"));  // broken check digit
  EXPECT_FALSE(any("order 220-81-62346", "KR_BRN"));
  EXPECT_FALSE(any("BRN 220-81-623461", "KR_BRN"));
}

TEST(AsiaIds, KrDriverLicense) {
  EXPECT_TRUE(reported("운전면허번호 13-19-482153-27", "KR_DRIVER_LICENSE", "13-19-482153-27"));
  EXPECT_TRUE(
      reported("Korean driver license 13 19 482153 27", "KR_DRIVER_LICENSE", "13 19 482153 27"));
  EXPECT_FALSE(any("ref 13-19-482153-27", "KR_DRIVER_LICENSE"));
  // Region codes 11-26 and 28 only.
  EXPECT_FALSE(any("운전면허번호 27-19-482153-27", "KR_DRIVER_LICENSE"));
  EXPECT_FALSE(any("운전면허번호 99-19-482153-27", "KR_DRIVER_LICENSE"));
  EXPECT_FALSE(any("운전면허번호 13-19-482153-271", "KR_DRIVER_LICENSE"));
}

TEST(AsiaIds, KrPassport) {
  EXPECT_TRUE(reported("대한민국 여권 M482K1539", "KR_PASSPORT", "M482K1539"));
  EXPECT_TRUE(reported("여권번호는 M482K1539입니다", "KR_PASSPORT", "M482K1539"));
  EXPECT_TRUE(reported("old passport S48215397", "KR_PASSPORT", "S48215397"));
  EXPECT_FALSE(any("model M482K1539", "KR_PASSPORT"));
  EXPECT_FALSE(any("passport A482K1539", "KR_PASSPORT"));
  EXPECT_FALSE(any("passport MM482K1539", "KR_PASSPORT"));
  EXPECT_FALSE(any("passport M482K15390", "KR_PASSPORT"));
}

TEST(AsiaIds, SgNricFin) {
  for (const char* v : {"S7341852F", "F4829163P", "T0412857A", "M3820475T"}) {
    EXPECT_TRUE(reported(std::string("NRIC ") + v, "SG_NRIC_FIN", v)) << v;
    // A valid check letter is distinctive enough alone.
    EXPECT_TRUE(reported(std::string("holder ") + v, "SG_NRIC_FIN", v)) << v;
  }
  // Broken check letter: not without its context.
  EXPECT_FALSE(any("holder S7341852G", "SG_NRIC_FIN"));
  EXPECT_FALSE(any("holder A7341852F", "SG_NRIC_FIN"));
  EXPECT_FALSE(any("NRIC S734185F", "SG_NRIC_FIN"));
}

TEST(AsiaIds, SgUen) {
  // Formats A (business), B (local company), C (other entity, type LL).
  EXPECT_TRUE(reported("UEN 48215361W", "SG_UEN", "48215361W"));
  EXPECT_TRUE(reported("ACRA UEN: 201948213N", "SG_UEN", "201948213N"));
  EXPECT_TRUE(reported("UEN T19LL4821H", "SG_UEN", "T19LL4821H"));
  EXPECT_TRUE(reported("registered as T19LL4821H", "SG_UEN", "T19LL4821H"));
  // Broken check letters; an unknown entity type; a future year.
  EXPECT_FALSE(any("UEN 48215361X", "SG_UEN"));
  EXPECT_FALSE(any("UEN 201948213Z", "SG_UEN"));
  EXPECT_FALSE(any("UEN T19LL4821J", "SG_UEN"));
  EXPECT_FALSE(any("UEN T19QQ4821H", "SG_UEN"));
  EXPECT_FALSE(any("UEN 999948213N", "SG_UEN"));
  // Format A alone is 8 digits and a letter: context needed.
  EXPECT_FALSE(any("ref 48215361W", "SG_UEN"));
}

TEST(AsiaIds, ThTnin) {
  EXPECT_TRUE(reported("Thai national ID 1101700203450", "TH_TNIN", "1101700203450"));
  EXPECT_TRUE(reported("เลขประจำตัวประชาชน: 3100492183744", "TH_TNIN", "3100492183744"));
  EXPECT_FALSE(any("Thai ID 1101700203451", "TH_TNIN"));  // broken check digit
  EXPECT_FALSE(any("order 1101700203450", "TH_TNIN"));    // 13 digits alone
  // Province codes 28, 29, 59, 68, 69, 78, 79, 87-89, 97-99 and 0x do not exist.
  EXPECT_FALSE(any("Thai ID 1281700203450", "TH_TNIN"));
  EXPECT_FALSE(any("Thai ID 1041700203450", "TH_TNIN"));
  EXPECT_FALSE(any("Thai ID 11017002034501", "TH_TNIN"));
}

// Rules scanned in windows around digits find the same thing far into a
// long message.
TEST(AsiaIds, FarIntoALongMessage) {
  std::string pad(3000, 'x');
  std::string text = pad + " NRIC S7341852F and Aadhaar 4821 5309 1764 " + pad;
  EXPECT_TRUE(reported(text, "SG_NRIC_FIN", "S7341852F"));
  EXPECT_TRUE(reported(text, "IN_AADHAAR", "4821 5309 1764"));
}

}  // namespace
}  // namespace perimeter::detect
