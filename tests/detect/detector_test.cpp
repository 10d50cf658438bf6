#include "detect/detector.h"

#include <hs/hs.h>
#include <phonenumbers/phonenumberutil.h>

#include "detect/rules.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>

namespace perimeter::detect {
namespace {

const Detector& detector() {
  static auto d = Detector::create(default_detector_options());
  return *d;
}

bool has(const std::string& text, const std::string& type, const std::string& value = "") {
  for (const auto& f : detector().scan({text})) {
    if (f.type == type && (value.empty() || text.substr(f.start, f.end - f.start) == value))
      return true;
  }
  return false;
}

TEST(Detector, ContactDetails) {
  EXPECT_TRUE(has("write to jane.doe@example.org today", "EMAIL_ADDRESS", "jane.doe@example.org"));
  EXPECT_TRUE(has("call me at (415) 555-0132 tomorrow", "PHONE_NUMBER", "(415) 555-0132"));
  EXPECT_TRUE(has("office +44 20 7123 4567", "PHONE_NUMBER", "+44 20 7123 4567"));
  EXPECT_TRUE(has("server 10.1.2.3 is down", "IP_ADDRESS", "10.1.2.3"));
  EXPECT_TRUE(has("ping 2001:db8::1 now", "IP_ADDRESS", "2001:db8::1"));
  EXPECT_TRUE(has("MAC: 00:1A:2B:3C:4D:5E", "MAC_ADDRESS", "00:1A:2B:3C:4D:5E"));
  EXPECT_TRUE(has("She lives at 1600 Pennsylvania Avenue, Washington, DC 20500.", "STREET_ADDRESS",
                  "1600 Pennsylvania Avenue, Washington, DC 20500"));
}

// The house number and the street name are at most 40 spaces apart (the rule
// is scanned in windows around digits, so its matches are bounded); a number
// in one column of a wide table and a capitalised word in another are not an
// address.
TEST(Detector, StreetNumberAndNameStayClose) {
  auto apart = [](size_t spaces) {
    return "Ship to 1600" + std::string(spaces, ' ') + "Pennsylvania Avenue today";
  };
  EXPECT_TRUE(has(apart(1), "STREET_ADDRESS", "1600 Pennsylvania Avenue"));
  EXPECT_TRUE(has(apart(40), "STREET_ADDRESS"));
  EXPECT_FALSE(has(apart(41), "STREET_ADDRESS"));
  EXPECT_FALSE(has(apart(200), "STREET_ADDRESS"));
}

TEST(Detector, FinancialAndGovernment) {
  EXPECT_TRUE(has("card 4111 1111 1111 1111 exp 12/29", "CREDIT_CARD", "4111 1111 1111 1111"));
  EXPECT_FALSE(has("card 4111 1111 1111 1112", "CREDIT_CARD"));
  EXPECT_TRUE(
      has("pay to GB82 WEST 1234 5698 7654 32 please", "IBAN_CODE", "GB82 WEST 1234 5698 7654 32"));
  EXPECT_TRUE(has("my ssn is 078-05-1123", "US_SSN", "078-05-1123"));
  EXPECT_TRUE(has("NINO: AB 12 34 56 C", "UK_NINO"));
  EXPECT_TRUE(has("NHS number 401 023 2137", "UK_NHS"));
  EXPECT_TRUE(has("send to 16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyZ", "CRYPTO"));
  EXPECT_TRUE(has("my passport number is 912803456", "US_PASSPORT"));
  EXPECT_TRUE(has("driver license: H1223456", "US_DRIVER_LICENSE"));
  // Weak patterns need their context words under the default threshold.
  EXPECT_FALSE(has("order 912803456 shipped", "US_PASSPORT"));
}

TEST(Detector, PersonAndHealth) {
  EXPECT_TRUE(has("Patient: Maria Gonzalez, DOB 03/14/1962", "PERSON", "Maria Gonzalez"));
  EXPECT_TRUE(has("Patient: Maria Gonzalez, DOB 03/14/1962", "DATE_OF_BIRTH", "03/14/1962"));
  EXPECT_TRUE(has("They call me Mr. Mayers", "PERSON", "Mayers"));
  EXPECT_TRUE(has("my name is Dan", "PERSON", "Dan"));
  // Lone given names from the census part of the gazetteer; place names are kept out of it.
  EXPECT_TRUE(has("I talked to Wilhelmina about the invoice", "PERSON", "Wilhelmina"));
  EXPECT_TRUE(has("and then Shelba agreed to it", "PERSON", "Shelba"));
  EXPECT_FALSE(has("We flew to France and then to Kenya.", "PERSON"));
  // A given name before a street suffix names the street; company suffixes in
  // the possessive do not start a name.
  EXPECT_TRUE(has("please meet Wilhelmina at noon", "PERSON", "Wilhelmina"));
  EXPECT_FALSE(has("please meet on Wilhelmina Avenue at noon", "PERSON"));
  EXPECT_TRUE(has("and Initech Corp's Wilhelmina Okafor signed", "PERSON", "Wilhelmina Okafor"));
  EXPECT_TRUE(has("and Initech LLC's Wilhelmina Okafor signed", "PERSON", "Wilhelmina Okafor"));
  // Answers to a name question, middle initials, a speaker at the message's
  // start; "I'm" is never part of the name.
  EXPECT_TRUE(has("What's your last name? Okafor", "PERSON", "Okafor"));
  EXPECT_TRUE(has("What's your name? Wilhelmina A. Okafor", "PERSON", "Wilhelmina A. Okafor"));
  EXPECT_TRUE(has("Wilhelmina: what a day.", "PERSON", "Wilhelmina"));
  EXPECT_TRUE(has("I'm Wilhelmina Okafor, from Leeds", "PERSON", "Wilhelmina Okafor"));
  EXPECT_TRUE(has("Yesterday I'm Wilhelmina Okafor, from Leeds", "PERSON", "Wilhelmina Okafor"));
  EXPECT_FALSE(has("What's the file name? Report", "PERSON"));
  // A role before a given name is no part of the name; contractions are none.
  EXPECT_TRUE(
      has("It aired. Producer Wilhelmina Okafor explained it", "PERSON", "Wilhelmina Okafor"));
  EXPECT_FALSE(has("Five Bands Of The 70s You're Supposed To Hate", "PERSON"));
  // An unknown word before a given name on a signature line is a given name we lack.
  EXPECT_TRUE(
      has("Thanks\nThandiwe Lilly Dickens\nHead of Sales", "PERSON", "Thandiwe Lilly Dickens"));
  EXPECT_TRUE(has("MRN: 00482913", "MEDICAL_RECORD_NUMBER", "00482913"));
  EXPECT_TRUE(has("NPI 1234567893", "US_NPI"));
  // Clinical facts are PHI next to a patient identifier, not on their own.
  EXPECT_TRUE(has("Patient John Miller started metformin 500 mg", "MEDICATION"));
  EXPECT_FALSE(has("what is the usual dose, metformin 500 mg?", "MEDICATION"));
  EXPECT_TRUE(has("Patient Jane Roe, diagnosis E11.9", "ICD10_CODE", "E11.9"));
}

// Labels, self-introductions and lists that name people the gazetteer may
// not know.
TEST(Detector, PersonLabelsAndLists) {
  // Forms align their values; the label is no part of the name.
  EXPECT_TRUE(has("Name:      Xiadani Okafor", "PERSON", "Xiadani Okafor"));
  EXPECT_TRUE(has("Name:\n    Xiadani Okafor", "PERSON", "Xiadani Okafor"));
  EXPECT_TRUE(has("Contact Wilhelmina Brennan today", "PERSON", "Wilhelmina Brennan"));
  EXPECT_FALSE(has("Contact Wilhelmina Brennan today", "PERSON", "Contact Wilhelmina Brennan"));
  // An address line goes on after the name.
  EXPECT_TRUE(has("Ms. Xiadani Okafor Suite 372 3706 Glover Circle", "PERSON", "Xiadani Okafor"));
  // "I'm" with a typed or typographic apostrophe, before a surname we know;
  // not before a nationality.
  EXPECT_TRUE(has("I'm Xiadani Brennan, from Leeds", "PERSON", "Xiadani Brennan"));
  EXPECT_TRUE(has("I\u2019m Xiadani Brennan.", "PERSON", "Xiadani Brennan"));
  EXPECT_FALSE(has("I'm Canadian and I'm Nervous", "PERSON"));
  // A surname that is also a word, after a title or before a name.
  EXPECT_TRUE(has("seen by Dr. Smith at noon", "PERSON", "Smith"));
  EXPECT_TRUE(has("Regards\nMiles Brennan\n", "PERSON", "Miles Brennan"));
  // Possessives, kin, naming and reported speech.
  EXPECT_TRUE(has("As promised, here's Wilhelmina's address:", "PERSON", "Wilhelmina"));
  EXPECT_TRUE(has("remove my kid Xiadani from the will", "PERSON", "Xiadani"));
  EXPECT_TRUE(has("She named him Xiadani", "PERSON", "Xiadani"));
  EXPECT_TRUE(has("he was called Xiadani Okafor", "PERSON", "Xiadani Okafor"));
  EXPECT_TRUE(has("\"Glad to hear it,\" says Okafor.", "PERSON", "Okafor"));
  EXPECT_TRUE(has("So jealous! said Wilhelmina to us", "PERSON", "Wilhelmina"));
  EXPECT_TRUE(has("Then she shouted at Wilhelmina: \"Why?\"", "PERSON", "Wilhelmina"));
  // ... but only names the gazetteer knows: departments are talked to too.
  EXPECT_FALSE(has("I spoke with Legal about the contract.", "PERSON"));
  EXPECT_FALSE(has("Why? asked Legal.", "PERSON"));
  EXPECT_FALSE(has("Then they moved to Xiadani last May", "PERSON"));
  // At a sentence start, what only people do next.
  EXPECT_TRUE(has("Xiadani Okafor lives at 12 Glover Circle", "PERSON", "Xiadani Okafor"));
  // Names listed with a name: every item the gazetteer knows, either way, of
  // the same shape; not departments, firms or roles.
  const std::string four = "They had 4: Shelba, Wilhelmina, Rosalind and Brennan.";
  for (const char* n : {"Shelba", "Wilhelmina", "Rosalind", "Brennan"})
    EXPECT_TRUE(has(four, "PERSON", n)) << n;
  EXPECT_TRUE(has("Brennan and Wilhelmina were engineers.", "PERSON", "Brennan"));
  EXPECT_FALSE(has("cc: Wilhelmina, Legal and Compliance", "PERSON", "Legal"));
  // An unknown item counts in a list with two names the gazetteer knows.
  EXPECT_TRUE(has("founders: Shelba, Wilhelmina and Okafor.", "PERSON", "Okafor"));
  EXPECT_FALSE(has("founders: Shelba, Xiadani and Okafor.", "PERSON", "Okafor"));
  // A known item is a name however many are known; unknown ones must not
  // outnumber the known.
  EXPECT_TRUE(has("Dr. Okafor and Nguyen examined the patient.", "PERSON", "Nguyen"));
  EXPECT_FALSE(has("cc: Jessica, Kevin, Legal, Compliance and Facilities", "PERSON", "Legal"));
  EXPECT_FALSE(has("Thanks to Wilhelmina Brennan and Director Okafor and Shelba", "PERSON",
                   "Director Okafor"));
  // Naming words and speech need a name-like word after them; forms an empty field.
  EXPECT_FALSE(has("He said Google is hiring", "PERSON"));
  EXPECT_FALSE(has("a folder named Invoices", "PERSON"));
  EXPECT_FALSE(has("Our partner Microsoft will host", "PERSON"));
  EXPECT_FALSE(has("Employee:                Department: Sales", "PERSON"));
  EXPECT_FALSE(has("Employee:        Job Title: Engineer", "PERSON"));
  EXPECT_TRUE(has("Patient: Okafor: BP 120/80", "PERSON", "Okafor"));
  EXPECT_FALSE(has("Ship to 3700 Elm Dr West, Boise", "PERSON"));
  EXPECT_TRUE(has("Seen by Dr Baker in clinic.", "PERSON", "Baker"));
  EXPECT_TRUE(has("Dr. Okafor\u2019s office called", "PERSON", "Okafor"));
  EXPECT_TRUE(has("Wilhelmina Brennan\u2019s Office called", "PERSON", "Wilhelmina Brennan"));
  EXPECT_TRUE(has("Mr. Brennan's Dog barked", "PERSON", "Brennan"));
  // A capital after a hyphenated prefix starts no name; a double-barrelled one does.
  EXPECT_FALSE(has("a song by ex-Zombie Brennan", "PERSON", "Zombie Brennan"));
  EXPECT_TRUE(has("Dear Jean-Luc Okafor,", "PERSON", "Jean-Luc Okafor"));
  // A longer run of capitalised words is a title; a role, an article or a
  // possessive does not make a name part of one.
  EXPECT_FALSE(has("the song The Big Three Killed My Baby by them", "PERSON"));
  // ... but a name before one capitalised word stays a name, and credentials
  // are cut off it.
  EXPECT_TRUE(has("I told Adaeze Okafor I would call back.", "PERSON", "Adaeze Okafor"));
  EXPECT_TRUE(has("I spoke with Adaeze Okafor Monday.", "PERSON", "Adaeze Okafor"));
  EXPECT_TRUE(has("Seen today by Adaeze Okafor MD for follow-up.", "PERSON", "Adaeze Okafor"));
  EXPECT_TRUE(has("Meet Adaeze Okafor, our new lead.", "PERSON", "Adaeze Okafor"));
  EXPECT_TRUE(has("from Xiadani Okafor's Cautionary Tales", "PERSON", "Xiadani Okafor"));
  EXPECT_TRUE(has("The Xiadani Okafor version sold well", "PERSON", "Xiadani Okafor"));
  // After a journey or a street, a lone given name is a town.
  EXPECT_FALSE(has("and then we flew to Madison on Monday", "PERSON", "Madison"));
  EXPECT_FALSE(has("We moved here from Madison", "PERSON", "Madison"));
  EXPECT_FALSE(has("lives at 3181 Merle Boulevard, Madison", "PERSON", "Madison"));
  EXPECT_TRUE(has("and then I wrote to Madison about it", "PERSON", "Madison"));
  EXPECT_TRUE(has("I will get back to Jessica tomorrow.", "PERSON", "Jessica"));
  EXPECT_TRUE(has("We drove to Jessica's house after dinner.", "PERSON", "Jessica"));
  EXPECT_TRUE(has("Wilhelmina Brennan and Xiadani Okafor signed", "PERSON", "Xiadani Okafor"));
  EXPECT_FALSE(has("Wilhelmina Brennan, Paris, France", "PERSON", "Paris"));
  EXPECT_FALSE(has("Wilhelmina Brennan, London.", "PERSON", "London"));
  EXPECT_FALSE(has("In Leeds, Wilhelmina met us", "PERSON", "Leeds"));
}

// A "Name" column of a CSV, TSV or Markdown table holds names the gazetteer
// may not know; a file's or host's name column does not.
TEST(Detector, TablesWithANameColumn) {
  const std::string csv =
      "Name,Email\nPriya Kowalski,priya@example.com\nXiadani Oyelaran-Brandt,x@example.org\n";
  EXPECT_TRUE(has(csv, "PERSON", "Priya Kowalski"));
  EXPECT_TRUE(has(csv, "PERSON", "Xiadani Oyelaran-Brandt"));
  const std::string md =
      "| Patient Name | Phone |\n|---|---|\n| Xiadani Oyelaran | 212-555-0143 |\n";
  EXPECT_TRUE(has(md, "PERSON", "Xiadani Oyelaran"));
  EXPECT_TRUE(has("Full name\tRoom\nXiadani Oyelaran\t12\n", "PERSON", "Xiadani Oyelaran"));
  // Not a person's name, not a name column, or no longer the table.
  EXPECT_FALSE(has("File name,Size\nReport Final.pdf,12\nQuarterly Plan,3\n", "PERSON"));
  EXPECT_FALSE(has("Username,Role\nXiadani Oyelaran,admin\n", "PERSON", "Xiadani Oyelaran"));
  EXPECT_FALSE(has("Name,Email\nx,y,z\nXiadani Oyelaran,a@b.c\n", "PERSON", "Xiadani Oyelaran"));
}

// A label names every item of the list after it and a column header every
// cell below it, however far they are from the word: each value below is
// more than 64 bytes (the context window) past its label.
TEST(Detector, ListsAndTableColumnsShareTheirLabel) {
  const std::vector<std::string> sins = {"498 259 795", "290 748 334", "988 762 324",
                                         "701 290 405", "579 666 975", "351 027 347"};
  for (const char* sep : {" / ", ", ", "; ", " and ", " | ", "\n- ", "\t", " "}) {
    std::string list = "Social Insurance Number: " + sins[0];
    for (size_t i = 1; i < sins.size(); ++i) list += sep + sins[i];
    for (const auto& v : sins) EXPECT_TRUE(has(list, "CA_SIN", v)) << list;
  }
  // Without a label, or after a sentence ends, the numbers are just numbers.
  EXPECT_FALSE(has(sins[0] + " / " + sins[1] + " / " + sins[2], "CA_SIN"));
  const std::string far = "SIN: " + sins[0] + ". The office reopens on Monday after the " +
                          "long weekend, and the queue is short: " + sins[1];
  EXPECT_TRUE(has(far, "CA_SIN", sins[0]));
  EXPECT_FALSE(has(far, "CA_SIN", sins[1]));
  // A label in the pattern itself: each medical record number of the list.
  const std::string mrns = "MRN: 4197047 / 8750782, MR1234567 and 99887766; Room 12";
  for (const char* v : {"4197047", "8750782", "MR1234567", "99887766"})
    EXPECT_TRUE(has(mrns, "MEDICAL_RECORD_NUMBER", v)) << v;
  EXPECT_FALSE(has(mrns, "MEDICAL_RECORD_NUMBER", "12"));

  std::string md = "| Name | SIN | Notes |\n|---|---|---|\n";
  std::string csv = "Name,SIN,MRN,Notes\n";
  for (size_t i = 0; i + 1 < sins.size(); ++i) {
    md += "| Ann Example | " + sins[i] + " | call back |\n";
    csv += "\"Example, Ann\"," + sins[i] + ",MR10" + std::to_string(20000 + i) + ",ok\n";
  }
  for (size_t i = 0; i + 1 < sins.size(); ++i) {
    EXPECT_TRUE(has(md, "CA_SIN", sins[i])) << md;
    EXPECT_TRUE(has(csv, "CA_SIN", sins[i])) << csv;
    EXPECT_TRUE(has(csv, "MEDICAL_RECORD_NUMBER", "MR10" + std::to_string(20000 + i))) << csv;
  }
  // Another column, and rows after the table ends (another number of cells),
  // are not the header's.
  const std::string other = md + "| Ann Example | none | " + sins.back() + " |\n";
  EXPECT_FALSE(has(other, "CA_SIN", sins.back())) << other;
  const std::string after = md + "\nnext | " + sins.back() + "\n";
  EXPECT_FALSE(has(after, "CA_SIN", sins.back())) << after;
  // A prose line before a header is not a header (its cells are sentences),
  // and a one-column table's end does not hide the next table's header.
  const std::string prose = "Dear Ann, Bo, and Cy, your SIN forms are in. Here it is:\n" + csv;
  EXPECT_TRUE(has(prose, "CA_SIN", sins[4])) << prose;
  std::string two = "| MRN |\n|---|\n| 7647708 |\nThe NPI is fine.\n| SIN |\n|---|\n";
  for (const auto& v : sins) two += "| " + v + " |\n";
  EXPECT_TRUE(has(two, "CA_SIN", sins.back())) << two;
  // A row's cells are not a list, and a list item must look like one.
  const std::string cells = "MRN,Visit,Room\nMR1234567,20240611,12B4\n";
  EXPECT_TRUE(has(cells, "MEDICAL_RECORD_NUMBER", "MR1234567"));
  EXPECT_FALSE(has(cells, "MEDICAL_RECORD_NUMBER", "20240611"));
  EXPECT_FALSE(has("MRN: 1234567, smith0619 or 12B4", "MEDICAL_RECORD_NUMBER", "smith0619"));
  // A date under a "Date of birth" header is one, however far down; a date
  // in another column is not.
  std::string dob = "| Patient | DOB | Visit |\n|---|---|---|\n";
  for (int y = 1946; y < 1952; ++y)
    dob += "| P" + std::to_string(y) + " | " + std::to_string(y) + "-02-12 | 2024-06-11 |\n";
  EXPECT_TRUE(has(dob, "DATE_OF_BIRTH", "1951-02-12")) << dob;
  size_t visits = 0;
  for (const auto& f : detector().scan({dob}))
    visits += f.type == "DATE_TIME" && dob.compare(f.start, f.end - f.start, "2024-06-11") == 0;
  EXPECT_GE(visits, 3u) << dob;
  // Bare secrets after an assigned one, whatever their shape; words are not.
  const std::string pw =
      "The admin password is: iSiS8c%mANn114rcS, ghp_9swpxA4hfW8aMfO2aIGTEYF1x4EnuyPVPfJc, "
      "cCVTqI*dDJms69IC2\nFdQni7_LneNq08Xj5\nthen restart";
  for (const char* v : {"iSiS8c%mANn114rcS", "cCVTqI*dDJms69IC2", "FdQni7_LneNq08Xj5"})
    EXPECT_TRUE(has(pw, "SECRET", v)) << v;
  EXPECT_FALSE(has(pw, "SECRET", "then"));
  // An item read by shape alone needs a list's mark or a line of its own.
  EXPECT_FALSE(has("MRN 4197047 2023 follow-up", "MEDICAL_RECORD_NUMBER", "2023"));
  EXPECT_FALSE(has("MRN: 1234567, 2024-06-11", "MEDICAL_RECORD_NUMBER", "2024-06-11"));
  EXPECT_FALSE(has("MRN: 1234567 / 555-123-4567", "MEDICAL_RECORD_NUMBER", "555-123-4567"));
  EXPECT_FALSE(has("token ghp_9swpxA4hfW8aMfO2aIGTEYF1x4EnuyPVPfJc 550e8400-e29b-41d4-a716",
                   "SECRET", "550e8400-e29b-41d4-a716"));
  EXPECT_FALSE(has("password: iSiS8c%mANn114rcS\nQ1tSyJ#1oTSj73iLI was logged", "SECRET",
                   "Q1tSyJ#1oTSj73iLI"));
}

TEST(Detector, Secrets) {
  EXPECT_TRUE(has("export AWS_ACCESS_KEY_ID=AKIAQ3EGRUVW5XKZ7M2P", "SECRET"));
  EXPECT_TRUE(has("token ghp_kowgauiq64qzgxzm9pfyb9387fs2xwj0ygzg", "SECRET"));
  EXPECT_TRUE(has("db_password = \"q8Zr3kP0xVb7Lm2NwT5y\"", "SECRET", "q8Zr3kP0xVb7Lm2NwT5y"));
  // Documentation placeholders are not credentials.
  EXPECT_FALSE(has("password=changeme_example", "SECRET"));
  EXPECT_FALSE(has("api_key = os.environ.get", "SECRET"));
  EXPECT_FALSE(has("key: sk_live_fakekeyforthedocs1234567", "SECRET"));
  // ... but a provider key's random body may hold such a word by chance.
  EXPECT_TRUE(has("STRIPE_SECRET_KEY=sk_live_xLl3yGb3OPFaKE5cLV90zjwl", "SECRET",
                  "sk_live_xLl3yGb3OPFaKE5cLV90zjwl"));
  EXPECT_TRUE(has("the token 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", "SECRET",
                  "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"));
  // ... but a fill at the end masks the rest of a key.
  EXPECT_FALSE(has("token ghp_R8kT2mQ9vLw3ZpXaxxxxxxxxxxxxxxxxxxxx", "SECRET"));
  EXPECT_TRUE(has("postgres://admin:S3cr3tPw@db.internal:5432/app", "URL_CREDENTIALS"));
  std::string pem = "-----BEGIN RSA PRIVATE KEY-----\n" + std::string(200, 'A') +
                    "b9\n-----END RSA PRIVATE KEY-----";
  EXPECT_TRUE(has(pem, "SECRET", pem));
}

// Negatives a secret scanner must stay quiet on, each next to a positive
// control of the same shape (so the test fails if either side breaks).
// Two rules reporting the same span and type: the higher confidence (the
// specific rule over the generic assignment rule) is the one kept, whatever
// order the candidates arrive in.
TEST(Detector, SameSpanAndTypeKeepsTheHigherConfidence) {
  auto opt = default_detector_options();
  opt.min_confidence = 0;
  opt.resolve_overlaps = false;
  auto d = Detector::create(opt);
  for (int copies : {1, 2, 200}) {  // few candidates and many (the radix sort)
    std::string text;
    for (int i = 0; i < copies; ++i)
      text += "api_key = AKIAQ3EGRUVW5XKZ7M2P and 10.1.2.3, 4.5.6.7\n";
    size_t keys = 0;
    for (const auto& f : d->scan({text})) {
      if (f.type != "SECRET") continue;
      ++keys;
      EXPECT_EQ(f.detector, "aws_access_key") << copies;
      EXPECT_DOUBLE_EQ(f.confidence, 0.95) << copies;
    }
    EXPECT_EQ(keys, static_cast<size_t>(copies));
  }
}

TEST(Detector, SecretFalsePositiveGuards) {
  // Hand-typed alphabet runs are documentation fillers.
  EXPECT_TRUE(has("api_key = \"Qx7-kqmbnrpzstu-93\"", "SECRET"));
  EXPECT_FALSE(has("api_key = \"Qx7-klmnopqrstu-93\"", "SECRET"));
  EXPECT_FALSE(has("client_secret = \"Zt0123456789qX\"", "SECRET"));
  // A value carrying a provider prefix is judged by that provider's rule only.
  EXPECT_FALSE(has("\"auth_token\": \"xoxp-1234567890\"", "SECRET"));
  EXPECT_FALSE(has("GH_TOKEN=ghp_9kQ2xL7mN4pR8sT1vW6yZ3", "SECRET"));  // too short for ghp_
  // Keys naming a provider with one token shape: the value must have it.
  std::string tg_tail = "A" + std::string("x9fK2mQ7pL0vR8sT3wY6zB1nC5dE4gH2jk");  // 'A' + 34
  EXPECT_TRUE(has("telegram_bot_token = \"47110815:" + tg_tail + "\"", "SECRET"));
  EXPECT_FALSE(has("telegram_bot_token = \"4711:" + tg_tail + "\"", "SECRET"));
  EXPECT_FALSE(has("telegram_bot_token = \"47110815:" + tg_tail + "zz\"", "SECRET"));
  EXPECT_TRUE(has("meraki_api_key: 9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c", "SECRET"));
  EXPECT_FALSE(has("meraki_api_key: 9f8e7d6c5b4a39281706F5e4d3c2b1a09f8e7d6c", "SECRET"));
  // Azure client secrets are 37-40 characters, not a slice of a longer run.
  std::string azure =
      "Xk2"
      "8Q~"
      "rcBcYjzzOhg1Hnn76Wm3jGgakZiZ.8vMgR";
  EXPECT_TRUE(has("AZURE_CLIENT_SECRET=" + azure, "SECRET", azure));
  EXPECT_FALSE(has("Identity=\"USK@aZ0,4~q" + azure.substr(3) + "~yk0,AQACAAE/x\"", "SECRET"));
  // Slack tokens cut off before their secret part are templates.
  EXPECT_TRUE(has("xoxb-4817263594206-9381726354019-Kp3mZq8WtX2vNc7Lr5sYh1Jd", "SECRET"));
  EXPECT_FALSE(has("xoxp-481726359420-938172635401-938172635402-####################", "SECRET"));
  // Sentry org tokens end in exactly 43 characters of base64 secret.
  std::string sentry_head =
      "sntrys_eyJpYXQiOjE3MDAwMDAwMDAsInVybCI6Imh0dHBzOi8vc2VudHJ5LmlvIiwib3JnIjoiYWNtZSJ9_";
  std::string sentry_secret = "Qm9vTjJ3Zk1hc1R6cFh2WjNrTHFyN1BzV1lOOGJDdEw";  // 43
  EXPECT_TRUE(has("SENTRY_AUTH_TOKEN=" + sentry_head + sentry_secret, "SECRET"));
  EXPECT_FALSE(has("SENTRY_AUTH_TOKEN=" + sentry_head + sentry_secret + "x", "SECRET"));
  // Anthropic keys end in "AA".
  std::string ant =
      "sk-ant-api03-" + std::string("Zq8Wm2Xr5Tn1Lp7Kv3Bs9Hd4Fg6Jc0Qa") +
      "Rt5Yu8Io2Pw4Es7Dz1Xc3Vb6Nm9Lk0Jh5Gf2Ds8Aq4We7Rt1Yu3Io6Pz9Xc2Vb5Nm8Lk1Jh4Gf7Ds0Aq";
  EXPECT_TRUE(has(ant + "AA", "SECRET"));
  EXPECT_FALSE(has(ant + "BB", "SECRET"));
  // SOPS-encrypted values are ciphertext.
  EXPECT_FALSE(has(
      "password: ENC[AES256_GCM,data:W3PiZ6lD,iv:2qF98Zkchg=,tag:FzoL+CZHk==,type:str]", "SECRET"));
  // An escaped newline in an embedded config string ends the value.
  EXPECT_TRUE(has("{\"cfg\": \"DB_PASSWORD=q8Zr3kP0xVb7Lm2NwT5y\\nDEBUG=true\"}", "SECRET",
                  "q8Zr3kP0xVb7Lm2NwT5y"));
  // Names made of words (resources, services, headers) are names; a password
  // may be any string, and a random token does not read like words.
  EXPECT_FALSE(has("keyVaultName: kv-prod-weu-001", "SECRET"));
  EXPECT_FALSE(has("api_key_header: X-Api-Key-2024", "SECRET"));
  EXPECT_FALSE(has("auth_token = \"test_token_12345\"", "SECRET"));
  EXPECT_TRUE(has("password: summer-2024-x", "SECRET"));
  EXPECT_TRUE(has("license_key: QBXD-RFGH-7294-MJKL", "SECRET"));
  EXPECT_TRUE(has("HEROKU_API_KEY=3f2b9c1e-8a4d-4f6b-9e2a-7c5d1b0a9e8f", "SECRET"));
  // Metadata keys: where a secret lives, its digest, its policy.
  EXPECT_FALSE(has("token_hash: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                   "SECRET"));
  EXPECT_FALSE(has("tokenEndpoint: /oauth/v2/token1", "SECRET"));
  EXPECT_TRUE(
      has("token: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "SECRET"));
  // References: ARNs, digests with their algorithm, word paths, qualified type names.
  EXPECT_FALSE(has(
      "secret_arn = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbC1x2\"", "SECRET"));
  EXPECT_FALSE(
      has("secret = \"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"",
          "SECRET"));
  EXPECT_FALSE(has("secret_version = \"projects/123/secrets/db/versions/4\"", "SECRET"));
  EXPECT_FALSE(has("token: \"ns84837:AgencyIdentificationCodeContentType\"", "SECRET"));
  EXPECT_TRUE(has("auth = \"admin:S3cr3tPw!x\"", "SECRET"));
  EXPECT_TRUE(has("secret: \"kPq7/Zr2Xv9LmB3/wT5yNc8d\"", "SECRET"));
  // A scope operator is not an assignment.
  EXPECT_FALSE(has("void f(const auth::Principal& who, const Token::Kind& k2);", "SECRET"));
}

// Hand-typed fillers that mix letters and digits, and values that repeat one
// unit: documentation, not credentials. Each guard has a control of the same
// shape and length that stays a hit.
TEST(Detector, SecretFillerGuards) {
  // Letters ascending when read apart from the digits between them.
  EXPECT_FALSE(has("api_key: \"1a2b3c4d5e6f7g8h9i0j\"", "SECRET"));
  EXPECT_FALSE(has("token = \"abcd1234efgh5678ijkl9012mnop3456\"", "SECRET"));
  EXPECT_TRUE(has("api_key: \"7q3x9k2m5w8r4t6z1p0j\"", "SECRET"));
  EXPECT_TRUE(has("token = \"kq7w1234zpmx5678bvtr9012hnjd3456\"", "SECRET"));
  // The keyboard row of digits, 9 wrapping to 0, twelve or more in a row.
  EXPECT_FALSE(has("secret: \"1234567890123456\"", "SECRET"));
  EXPECT_TRUE(has("secret: \"8302749165038274\"", "SECRET"));
  // One "1234567890" next to other material is not enough (recall keeps
  // such values, see docs/detection.md).
  EXPECT_TRUE(has("api_key = \"Qm7x1234567890Tz\"", "SECRET"));
  // Provider rules share the filler check.
  EXPECT_FALSE(has("GITHUB_TOKEN=ghp_1a2b3c4d5e6f7g8h9i0jQm7WxZ3pRr9TvBn2", "SECRET"));
  EXPECT_TRUE(has("GITHUB_TOKEN=ghp_7q3x9k2m5w8r4t6z1p0jKvRbNcYdWhEsGfUa", "SECRET"));
  // One unit repeated is a filler for a key or token ...
  EXPECT_FALSE(has("apiKey = \"test1234test1234\"", "SECRET"));
  EXPECT_FALSE(has("api_key = \"a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4\"", "SECRET"));
  EXPECT_FALSE(has("client_secret: \"Zx9#Qw2!Zx9#Qw2!Zx9\"", "SECRET"));  // cut short
  EXPECT_TRUE(has("apiKey = \"t3Zk91Qw7xLp4Rm2\"", "SECRET"));
  EXPECT_TRUE(has("client_secret: \"Zx9#Qw2!Lp4$Rm7%Tn5\"", "SECRET"));
  // ... but a password may be one: people choose them.
  EXPECT_TRUE(has("password = \"hunter2hunter2\"", "SECRET"));
}

// The filler and repetition guards must not cost random tokens: seeded random
// values of the usual token alphabets and lengths are all reported.
TEST(Detector, SecretFillerGuardsKeepRandomTokens) {
  std::mt19937 rng(20241129);
  const std::string b62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const std::string hex = "0123456789abcdef";
  int missed = 0;
  std::string first_miss;
  for (int i = 0; i < 3000; ++i) {
    const std::string& alphabet = i % 3 == 0 ? hex : b62;
    size_t len = 20 + rng() % 45;
    std::string v;
    bool digit = false;
    while (v.size() < len) {
      char c = alphabet[rng() % alphabet.size()];
      digit = digit || (c >= '0' && c <= '9');
      v += c;
    }
    if (!digit) continue;  // the character-mix gate, not these guards, decides
    // Values that spell a secret's name ("gKkKEyy…" holds "key") with few
    // digits are left to the name guard.
    std::string low = v;
    for (char& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool named = false;
    for (const char* w : {"secret", "token", "passw", "key", "credential"})
      named = named || low.find(w) != std::string::npos;
    if (named) continue;
    if (!has("api_key = \"" + v + "\"", "SECRET")) {
      if (missed++ == 0) first_miss = v;
    }
  }
  EXPECT_EQ(missed, 0) << "first: " << first_miss;
}

// Phone numbers in international, "00" and trunk-prefixed national form are
// validated by country; the direct path must agree with libphonenumber.
TEST(Detector, PhoneForms) {
  EXPECT_TRUE(has("reach me on +44 20 7946 0321 today", "PHONE_NUMBER", "+44 20 7946 0321"));
  EXPECT_TRUE(has("reach me on 0044 20 7946 0321 today", "PHONE_NUMBER", "0044 20 7946 0321"));
  EXPECT_TRUE(has("reach me on 020 7946 0321 today", "PHONE_NUMBER", "020 7946 0321"));
  EXPECT_TRUE(has("ruf mich an: +49 30 901820", "PHONE_NUMBER", "+49 30 901820"));
  // Italian numbers keep their leading zero (handled by the Parse fallback).
  EXPECT_TRUE(has("chiamami al +39 06 6982 1234", "PHONE_NUMBER", "+39 06 6982 1234"));
  // No country code starts with 0, and +44 has no 11-digit national numbers.
  EXPECT_FALSE(has("reach me on +0 5151 543675 today", "PHONE_NUMBER"));
  EXPECT_FALSE(has("reach me on +44 20 7946 03219 today", "PHONE_NUMBER"));
  // One US number in eleven passes the NHS checksum; after "Mobile:" the
  // phone reading (confidence 1) stands, not UK_NHS (0.5), which is PHI and
  // would keep the request on the host for no reason.
  EXPECT_TRUE(has("Mobile: 202-201-3077", "PHONE_NUMBER", "202-201-3077"));
  EXPECT_FALSE(has("Mobile: 202-201-3077", "UK_NHS"));
  EXPECT_TRUE(has("My NHS number is 824 694 3960.", "UK_NHS", "824 694 3960"));
  // With no word for either reading, or one for the more sensitive reading
  // too, the more sensitive one stands (PHI keeps the request local).
  EXPECT_TRUE(has("943 476 5919", "UK_NHS", "943 476 5919"));
  EXPECT_TRUE(has("Mrs Jane Smith, DOB 12/03/1961, 485 291 4176, referred by her GP", "UK_NHS",
                  "485 291 4176"));
  EXPECT_TRUE(has("Medicare number 2123 45670 1", "AU_MEDICARE", "2123 45670 1"));
  EXPECT_TRUE(has("password=+12125550143", "SECRET"));
  // A date and the hour of its time are not a phone number; a number before
  // a time still is.
  EXPECT_TRUE(has("When: 2005-10-25 20:13:12", "DATE_TIME", "2005-10-25 20:13:12"));
  EXPECT_FALSE(has("When: 2005-10-25 20:13:12", "PHONE_NUMBER"));
  EXPECT_TRUE(has("Tel 0171 1234567 10:30", "PHONE_NUMBER", "0171 1234567"));
}

// Numbers listed with " / ", a blank or a tab between them form one run of
// the phone pattern's characters, longer than one number; each is found with
// its own span (they went out in clear before). A slash inside one number
// ("030 / 1234567", German style) still joins it.
TEST(Detector, PhoneListsAreSplit) {
  auto each_found = [](const std::string& text, const std::vector<std::string>& numbers) {
    for (const std::string& n : numbers)
      EXPECT_TRUE(has(text, "PHONE_NUMBER", n)) << n << " in: " << text;
  };
  each_found("Call 212-555-0143 / 646-555-0198 today", {"212-555-0143", "646-555-0198"});
  each_found("Tel. 089 1234567 / 0171 2345678", {"089 1234567", "0171 2345678"});
  const std::vector<std::string> nums = {"415-555-0132", "646-555-0198", "718-555-0123",
                                         "312-555-0147", "646-555-0111", "415-555-0187",
                                         "312-555-0102"};
  std::string list = "Phones: ";
  for (size_t i = 0; i < nums.size(); ++i) list += (i ? " / " : "") + nums[i];
  each_found(list + " end", nums);
  EXPECT_TRUE(has("Tel 030 / 1234567", "PHONE_NUMBER", "030 / 1234567"));
  // Side by side with a blank (or a tab) between; a number before a token
  // that starts with a digit.
  each_found("Mobile: 212-555-0143 646-555-0198\t718-555-0123 ok",
             {"212-555-0143", "646-555-0198", "718-555-0123"});
  EXPECT_TRUE(has("Fax: 212-555-0143 0x6f", "PHONE_NUMBER", "212-555-0143"));
  // The first number is a shorter prefix than "all but the last group".
  each_found("Mobile: +972 52-339-5938 020 7876 6236 +49 172 9516390 ok",
             {"+972 52-339-5938", "020 7876 6236", "+49 172 9516390"});
  // Tab-separated cells: after a code glued to the run, after a longer number,
  // after an IP address; "+1" changes nothing about a North American number.
  EXPECT_TRUE(has("ICD-10 I25.10\t(557) 934-9693 applies", "PHONE_NUMBER", "(557) 934-9693"));
  EXPECT_TRUE(has("call +1 686 501 9519\t58039021107 today", "PHONE_NUMBER", "+1 686 501 9519"));
  EXPECT_TRUE(has("at 27.131.115.173\t902.956.3911\tok", "PHONE_NUMBER", "902.956.3911"));
  // However long the list: every one of 50 numbers in a row.
  std::string many = "Phones:";
  for (int k = 0; k < 50; ++k) many += " 212-555-01" + std::to_string(10 + k);
  size_t found = 0;  // each found (a few pass the NHS checksum too and are read so)
  for (const auto& f : detector().scan({many}))
    found += many.compare(f.start, 9, "212-555-0") == 0 && f.end - f.start == 12;
  EXPECT_EQ(found, 50u);
  // A slash inside one number next to other numbers and dates.
  EXPECT_TRUE(has("Stand 2005-10-25. 030 / 1234567", "PHONE_NUMBER", "030 / 1234567"));
  each_found("Phones: 415.555.0132 020 7946 0958 030 / 1234567 415.555.0132",
             {"415.555.0132", "020 7946 0958", "030 / 1234567"});
  EXPECT_TRUE(has("Mobil/Tel: 0171 2345678 / 030 / 1234567", "PHONE_NUMBER", "030 / 1234567"));
  EXPECT_TRUE(has("x 0967 212-555-0143 / 646-555-0198", "PHONE_NUMBER", "646-555-0198"));
  // A long run of them, one with its area code in parentheses.
  each_found(
      "My phone number is +55 11 98913-1452 030 82295172 (851) 556-0967 212-555-0143 "
      "646-555-0198 718-555-0123. My",
      {"030 82295172", "(851) 556-0967", "212-555-0143", "646-555-0198", "718-555-0123"});
  EXPECT_TRUE(has("Tel 030 1234567", "PHONE_NUMBER", "030 1234567"));
  EXPECT_FALSE(has("dates 01/02/2020 / 03/04/2021 ok", "PHONE_NUMBER"));
  // The last of a list longer than one candidate's 64-byte look-ahead; a
  // slash between blanks joins no number but after an area code.
  each_found(
      "My phone number is 0044 20 7115 8808 / 020 7435 7529 / 0044 20 7317 4968 / 030 11607301.",
      {"0044 20 7115 8808", "020 7435 7529", "0044 20 7317 4968", "030 11607301"});
  EXPECT_FALSE(has("ref 7529 / 0044 20 ok", "PHONE_NUMBER"));
  // A later candidate steps over the parts an earlier one read and reads on
  // (it stopped there, and the fourth number leaked on sweep seed 5).
  each_found("Mobile: +44 20 7250 0905 030 92247237 0044 20 7227 7426 0044 20 7949 6737 Dear",
             {"030 92247237", "0044 20 7227 7426", "0044 20 7949 6737"});
}

// Findings come back sorted by (message, start, end) without a final sort,
// overlaps resolved per message.
TEST(Detector, FindingsSortedAcrossMessages) {
  std::vector<std::string> msgs = {
      "mail bob@example.org, card 4111 1111 1111 1111, call (415) 555-0132",
      "",
      "AKIAQ3EGRUVW5XKZ7M2P then jane.doe@example.org and 10.1.2.3",
  };
  auto f = detector().scan({msgs[0], msgs[1], msgs[2]});
  ASSERT_GE(f.size(), 6u);
  for (size_t i = 1; i < f.size(); ++i) {
    auto key = [](const Finding& x) { return std::make_tuple(x.message, x.start, x.end); };
    EXPECT_LE(key(f[i - 1]), key(f[i])) << "finding " << i << " out of order";
    if (f[i - 1].message == f[i].message && f[i - 1].category != Category::CODE &&
        f[i].category != Category::CODE) {
      EXPECT_LE(f[i - 1].end, f[i].start) << "overlap left after resolution";
    }
  }
  EXPECT_EQ(f.front().message, 0);
  EXPECT_EQ(f.back().message, 2);
}

// Letter-led identifiers are scanned only in windows around digits; matches
// must be the same as a whole-message scan, including word boundaries at the
// window edges.
TEST(Detector, DigitAnchoredWindows) {
  const std::string id = "passport AB1234567";
  EXPECT_TRUE(has("my " + id + " please", "UK_PASSPORT", "AB1234567"));
  // Far apart: separate windows, both found.
  std::string far = "uk " + id + std::string(600, ' ') + "and NINO: AB 12 34 56 C here";
  EXPECT_TRUE(has(far, "UK_PASSPORT", "AB1234567"));
  EXPECT_TRUE(has(far, "UK_NINO", "AB 12 34 56 C"));
  // A long word glued to the identifier: no word boundary, whatever the window.
  for (size_t pad : {10u, 60u, 200u, 400u}) {
    std::string glued = "passport " + std::string(pad, 'x') + "AB1234567";
    EXPECT_FALSE(has(glued, "UK_PASSPORT")) << pad;
    EXPECT_FALSE(has("passport AB1234567" + std::string(pad, 'x'), "UK_PASSPORT")) << pad;
  }
  // ICD-10 and IBAN (digit-anchored) next to a patient.
  EXPECT_TRUE(has("Patient Jane Roe, diagnosis E11.9", "ICD10_CODE", "E11.9"));
  EXPECT_TRUE(has(std::string(500, '.') + " GB82 WEST 1234 5698 7654 32", "IBAN_CODE",
                  "GB82 WEST 1234 5698 7654 32"));
  // A dose (no start tracking) whose window starts inside a word: found, and
  // a number glued to a word is not a dose wherever the window starts.
  for (size_t pad : {0u, 40u, 70u, 200u}) {
    std::string lead = "Patient Jane Roe: " + std::string(pad, 'x') + " ";
    EXPECT_TRUE(has(lead + "metformin 500 mg daily", "MEDICATION", "metformin 500 mg")) << pad;
    EXPECT_TRUE(has(lead + "metformin 12.5mg", "MEDICATION", "metformin 12.5mg")) << pad;
    EXPECT_FALSE(has(lead + "metformin x500 mg", "MEDICATION")) << pad;
    EXPECT_FALSE(has(lead + "metformin 500 mgs", "MEDICATION")) << pad;
  }
}

TEST(Detector, NationalIdentifiers) {
  EXPECT_TRUE(has("hetu: 170590-1236.", "FI_PERSONAL_IDENTITY_CODE", "170590-1236"));
  EXPECT_TRUE(has("identity code is170590-1236", "FI_PERSONAL_IDENTITY_CODE", "170590-1236"));
  EXPECT_FALSE(has("ref 3170590-1236", "FI_PERSONAL_IDENTITY_CODE"));
  // 11-digit numbers need their context under the default threshold.
  EXPECT_TRUE(has("TC Kimlik No: 55807302178", "TR_NATIONAL_ID", "55807302178"));
  EXPECT_FALSE(has("order 55807302178 shipped", "TR_NATIONAL_ID"));
  EXPECT_TRUE(has("numer PESEL 90051701234", "PL_PESEL", "90051701234"));
  EXPECT_FALSE(has("PESEL 90051701235", "PL_PESEL"));
}

TEST(Detector, Code) {
  std::string fenced = "Why does this fail?\n```\nint x = 1;\n```\nthanks";
  EXPECT_TRUE(has(fenced, "CODE"));
  std::string unfenced =
      "def parse(path):\n    with open(path) as f:\n        return json.load(f)\n";
  EXPECT_TRUE(has(unfenced, "CODE"));
  EXPECT_FALSE(has("The weather is nice today. We walked to the park and had lunch.", "CODE"));
}

TEST(Detector, OffsetsAreBytesOnCodePoints) {
  std::string text = "Grüße, schreib an jürgen@example.de oder müller@example.de";
  auto f = detector().scan({text});
  ASSERT_FALSE(f.empty());
  for (const auto& x : f) {
    ASSERT_LE(x.end, text.size());
    EXPECT_NE(static_cast<unsigned char>(text[x.start]) & 0xC0, 0x80)
        << "start inside a code point";
    if (x.end < text.size()) {
      EXPECT_NE(static_cast<unsigned char>(text[x.end]) & 0xC0, 0x80);
    }
  }
}

TEST(Detector, MessagesAreIndexed) {
  auto f = detector().scan({"nothing here", "mail bob@example.com"});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].message, 1);
  EXPECT_EQ(f[0].start, 5u);
}

TEST(Detector, Sensitivity) {
  auto o = default_detector_options();
  auto lvl = [&](const std::string& t) { return sensitivity_of(detector().scan({t}), o); };
  EXPECT_EQ(lvl("What is the capital of France?"), Sensitivity::Public);
  EXPECT_EQ(lvl("mail bob@example.com"), Sensitivity::Internal);
  EXPECT_EQ(lvl("my ssn is 078-05-1123"), Sensitivity::Confidential);
  EXPECT_EQ(lvl("key ghp_kowgauiq64qzgxzm9pfyb9387fs2xwj0ygzg"), Sensitivity::Restricted);
  o.sensitivity["EMAIL_ADDRESS"] = Sensitivity::Restricted;
  EXPECT_EQ(sensitivity_of(detector().scan({"mail bob@example.com"}), o), Sensitivity::Restricted);
  EXPECT_EQ(effective_sensitivity(Sensitivity::Internal, Sensitivity::Public, Sensitivity::Public),
            Sensitivity::Internal);  // declared cannot lower
  EXPECT_EQ(
      effective_sensitivity(Sensitivity::Public, Sensitivity::Restricted, Sensitivity::Public),
      Sensitivity::Restricted);
}

TEST(Detector, AllowListsAndEnabled) {
  auto o = default_detector_options();
  o.allow_domains = {"perimeter.dev"};
  o.allow_values = {"help@example.com"};
  auto d = Detector::create(o);
  auto f = d->scan({"a@perimeter.dev b@mail.perimeter.dev help@example.com carol@other.org"});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].start, 54u);
  o = default_detector_options();
  o.enabled = {"EMAIL_ADDRESS"};
  d = Detector::create(o);
  f = d->scan({"carol@other.org 078-05-1123 ghp_kowgauiq64qzgxzm9pfyb9387fs2xwj0ygzg"});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].type, "EMAIL_ADDRESS");
  o.enabled = {"NOT_AN_ENTITY"};
  EXPECT_THROW(Detector::create(o), std::runtime_error);
}

// National numbers written without a country code or trunk prefix are
// ambiguous between countries; `phone_regions` names the ones to accept.
TEST(Detector, PhoneRegionsAddNationalNumbers) {
  const std::string text = "Cep: 532 123 45 67, ofis: 312 123 45 67";
  auto phones = [&](const Detector& d) {
    std::vector<std::pair<size_t, size_t>> out;
    for (const auto& f : d.scan({text}))
      if (f.type == "PHONE_NUMBER") out.emplace_back(f.start, f.end);
    return out;
  };
  EXPECT_TRUE(phones(detector()).empty());
  auto o = default_detector_options();
  o.phone_regions = {"TR"};
  auto tr = Detector::create(o);
  EXPECT_EQ(phones(*tr), (std::vector<std::pair<size_t, size_t>>{{5, 18}, {26, 39}}));
  o.phone_regions = {"PH"};  // not numbers of that plan
  EXPECT_TRUE(phones(*Detector::create(o)).empty());
}

TEST(Detector, DenyListsReportWholeWordsAsTheirType) {
  auto o = default_detector_options();
  o.deny_lists["PROJECT_NAME"] = {"Blue.bird", "Night Jar"};
  o.deny_lists["PERSON"] = {"Zed"};
  auto d = Detector::create(o);
  const std::string text = "blue.bird and NIGHT JAR, not Blue.birds or xNight Jar; ask zed.";
  std::vector<std::tuple<std::string, size_t, size_t>> got;
  for (const auto& f : d->scan({text})) {
    got.emplace_back(f.type, f.start, f.end);
    EXPECT_EQ(f.confidence, 1.0);
    EXPECT_EQ(f.detector, "deny_list");
  }
  EXPECT_EQ(got, (std::vector<std::tuple<std::string, size_t, size_t>>{
                     {"PROJECT_NAME", 0, 9}, {"PROJECT_NAME", 14, 23}, {"PERSON", 59, 62}}));
  // A new type is PII at that category's level, and can be disabled by name.
  EXPECT_EQ(sensitivity_of(d->scan({"Night Jar"}), o), Sensitivity::Internal);
  o.disabled = {"PROJECT_NAME"};
  for (const auto& f : Detector::create(o)->scan({"Night Jar"})) EXPECT_NE(f.type, "PROJECT_NAME");
}

// An e-mail address inside a connection string's password must not leave
// the rest of the URL (user, password) outside every finding.
TEST(Detector, ALoserThatContainsTheWinnerIsNotLeftPartlyUncovered) {
  const std::string text =
      "Our connection string is postgres://steven:6WBDwNGp93!jj@injrn.internal.example.com/pz";
  auto f = detector().scan({text});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].type, "URL_CREDENTIALS");
  EXPECT_EQ(text.substr(f[0].start, f[0].end - f[0].start),
            "postgres://steven:6WBDwNGp93!jj@injrn.internal.example.com/pz");
}

TEST(Detector, Json) {
  auto f = detector().scan({"mail bob@example.com"});
  auto j = to_json(f, sensitivity_of(f, detector().options()));
  EXPECT_EQ(j["sensitivity"], "internal");
  ASSERT_EQ(j["findings"].size(), 1u);
  EXPECT_EQ(j["findings"][0]["type"], "EMAIL_ADDRESS");
  EXPECT_EQ(j["findings"][0]["category"], "PII");
  EXPECT_EQ(j["findings"][0]["start"], 5);
  EXPECT_EQ(j["findings"][0]["end"], 20);
  EXPECT_EQ(j["findings"][0]["detector"], "email");
}

TEST(Detector, BadInputIsLinearAndSafe) {
  std::string nul("a\0b@example.com\xff\xfe", 18);
  EXPECT_NO_THROW(detector().scan({nul}));
  // 10 MB of near-matches and a 1 MB digit run: completes, no crash.
  std::string near;
  while (near.size() < 10'000'000) near += "078-05-112 a@b 4111 1111 ";
  EXPECT_NO_THROW(detector().scan({near}));
  EXPECT_NO_THROW(detector().scan({std::string(1'000'000, '7')}));
  EXPECT_NO_THROW(detector().scan({std::string(100'000, '{') + std::string(100'000, '}')}));
}

TEST(Detector, ThreadSafe) {
  std::vector<std::thread> ts;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto f = detector().scan({"mail bob@example.com, card 4111111111111111"});
        if (f.size() != 2) ++bad;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
}

// Overlap resolution decides cluster by cluster (runs of chained overlaps);
// it must keep exactly what one greedy pass over all candidates keeps: best
// confidence first, then longer, then earlier; CODE never competes. Checked
// on random text dense with overlapping candidates (phones, cards, dates,
// SSNs, IPs and assignments side by side), against the unresolved findings.
TEST(Detector, OverlapResolutionEqualsGlobalGreedy) {
  auto opt = default_detector_options();
  opt.min_confidence = 0;
  auto raw_opt = opt;
  raw_opt.resolve_overlaps = false;
  auto resolved = Detector::create(opt), raw = Detector::create(raw_opt);
  const char* pieces[] = {"4111 1111 1111 1111",
                          "123-45-6789",
                          "(415) 555-0134",
                          "10.1.2.3",
                          "2024-03-01",
                          "03/12/1981",
                          " ",
                          "-",
                          ".",
                          "\n",
                          "+44 20 7946 0958",
                          "Mobile: 202-201-3077",
                          "NHS 943 476 5919",
                          "password=Zq8rK3p0xV",
                          "Dr. Jane Smith",
                          "12 Main Street",
                          "0",
                          "GB82 WEST 1234 5698 7654 32",
                          "int x = f(y);",
                          "MRN 00123456",
                          "postgres://ann:Xk9!pq@db7.example.com/x"};
  std::mt19937 rng(5);
  int texts_with_conflicts = 0, texts_with_unions = 0, covered_relabels = 0, sticking_out = 0;
  for (int it = 0; it < 400; ++it) {
    std::string t;
    for (int k = 0; k < 30; ++k) t += pieces[rng() % std::size(pieces)];
    auto all = raw->scan({t});
    std::vector<size_t> order(all.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const Finding &x = all[a], &y = all[b];
      if (x.confidence != y.confidence) return x.confidence > y.confidence;
      if (x.end - x.start != y.end - y.start) return x.end - x.start > y.end - y.start;
      return x.start < y.start;
    });
    std::vector<char> keep(all.size(), 0);
    std::vector<std::pair<size_t, size_t>> kept;
    for (size_t i : order) {
      const Finding& f = all[i];
      if (f.category == Category::CODE) {
        keep[i] = 1;
        continue;
      }
      bool overlaps = false;
      for (auto& [a, b] : kept) overlaps = overlaps || (f.start < b && a < f.end);
      if (!overlaps) {
        kept.emplace_back(f.start, f.end);
        keep[i] = 1;
      }
    }
    // Then a loser that contains a shorter kept finding, or is of a more sensitive
    // category, merges with the kept ones it overlaps: their union, labelled
    // by the most sensitive category, then the best by the order above.
    // Unless the kept ones cover it whole and were raised by their own
    // context word where it was not.
    auto rank = [](Category c) {
      return c == Category::SECRET ? 3 : c == Category::PHI ? 2 : c == Category::PII ? 1 : 0;
    };
    auto key = [&](size_t i) {
      const Finding& f = all[i];
      return std::make_tuple(rank(f.category), f.confidence, f.end - f.start, SIZE_MAX - f.start);
    };
    std::vector<std::pair<size_t, size_t>> span(all.size());
    for (size_t i = 0; i < all.size(); ++i) span[i] = {all[i].start, all[i].end};
    std::vector<size_t> losers;
    for (size_t i = 0; i < all.size(); ++i)
      if (!keep[i] && all[i].end > all[i].start && rank(all[i].category) > 0) losers.push_back(i);
    std::sort(losers.begin(), losers.end(), [&](size_t a, size_t b) { return key(a) > key(b); });
    for (size_t l : losers) {
      auto overlapping = [&](size_t k) {
        return keep[k] && rank(all[k].category) > 0 && span[k].second > span[l].first &&
               span[l].second > span[k].first;
      };
      bool merges = false, relabels = false;
      std::vector<char> covered(span[l].second - span[l].first, 0);
      for (size_t k = 0; k < all.size(); ++k) {
        if (!overlapping(k)) continue;
        merges = merges || rank(all[l].category) > rank(all[k].category) ||
                 (span[l].first <= span[k].first && span[k].second <= span[l].second &&
                  span[l].second - span[l].first > span[k].second - span[k].first);
        relabels = relabels || (rank(all[l].category) > rank(all[k].category) &&
                                !(all[k].context && !all[l].context));
        for (size_t b = std::max(span[l].first, span[k].first);
             b < std::min(span[l].second, span[k].second); ++b)
          covered[b - span[l].first] = 1;
      }
      // A loser covered whole stays dropped unless it relabels: more
      // sensitive, and the kept one was not raised by a context word alone.
      const bool whole = std::find(covered.begin(), covered.end(), 0) == covered.end();
      if (!merges || (whole && !relabels)) continue;
      ++(whole ? covered_relabels : sticking_out);
      size_t best = l;
      auto u = span[l];
      for (size_t k = 0; k < all.size(); ++k) {
        if (!overlapping(k)) continue;
        u = {std::min(u.first, span[k].first), std::max(u.second, span[k].second)};
        if (key(k) > key(best)) best = k;
        keep[k] = 0;
      }
      span[best] = u;
      keep[best] = 1;
      ++texts_with_unions;
    }
    std::vector<std::tuple<size_t, size_t, std::string>> want, got;
    for (size_t i = 0; i < all.size(); ++i) {
      if (keep[i]) want.emplace_back(span[i].first, span[i].second, all[i].type);
    }
    std::sort(want.begin(), want.end());
    for (const auto& f : resolved->scan({t})) got.emplace_back(f.start, f.end, f.type);
    std::sort(got.begin(), got.end());
    texts_with_conflicts += want.size() < all.size();
    ASSERT_EQ(got, want) << t;
  }
  EXPECT_GT(texts_with_conflicts, 250);
  EXPECT_GT(texts_with_unions, 100);
  EXPECT_GT(sticking_out, 50);
  EXPECT_GT(covered_relabels, 10);
  std::cout << "unions: " << sticking_out << " of losers sticking out, " << covered_relabels
            << " of covered, more sensitive losers\n";
}

// Rules with Rule::start_of run without Vectorscan's start-of-match tracking;
// the start they compute must be the one SOM_LEFTMOST reports, for every
// match end, or raw candidates (and so findings) would change. Random text
// over the characters these patterns care about, checked against the exact
// pattern (Rule::exact_pattern, else the pattern) compiled with SOM_LEFTMOST.
#ifndef ITERS_START_OF
#define ITERS_START_OF 60000
#endif
TEST(Detector, ComputedMatchStartsEqualVectorscanSom) {
  int rules_checked = 0;
  for (const auto& rule : internal::pii_rules()) {
    if (!rule.start_of) continue;
    ++rules_checked;
    // The matches the detector works with: `pattern` scanned without start
    // tracking, starts from start_of (ends it finds no start for dropped).
    // They must be exactly those of the exact pattern with SOM_LEFTMOST.
    const std::string& exact = rule.exact_pattern.empty() ? rule.pattern : rule.exact_pattern;
    hs_database_t *scanned = nullptr, *reference = nullptr;
    hs_compile_error_t* err = nullptr;
    ASSERT_EQ(hs_compile(rule.pattern.c_str(), rule.flags, HS_MODE_BLOCK, nullptr, &scanned, &err),
              HS_SUCCESS)
        << rule.detector;
    ASSERT_EQ(hs_compile(exact.c_str(), rule.flags | HS_FLAG_SOM_LEFTMOST, HS_MODE_BLOCK, nullptr,
                         &reference, &err),
              HS_SUCCESS)
        << rule.detector;
    hs_scratch_t* scratch = nullptr;
    ASSERT_EQ(hs_alloc_scratch(scanned, &scratch), HS_SUCCESS);
    ASSERT_EQ(hs_alloc_scratch(reference, &scratch), HS_SUCCESS);
    struct Ctx {
      const internal::Rule* rule;
      std::string_view text;
      std::vector<std::pair<size_t, size_t>> spans;
      size_t carried = 0, carried_wrong = 0;  // Rule::same_start said yes / wrongly
    } got, want;
    got.rule = want.rule = &rule;
    auto on_scanned = [](unsigned, unsigned long long, unsigned long long to, unsigned,
                         void* p) -> int {
      auto& c = *static_cast<Ctx*>(p);
      size_t from = c.rule->start_of(c.text, static_cast<size_t>(to));
      // same_start may carry the latest start over only where start_of agrees.
      if (c.rule->same_start && !c.spans.empty() && c.spans.back().second < to &&
          c.rule->same_start(c.text, c.spans.back().first, c.spans.back().second,
                             static_cast<size_t>(to))) {
        ++c.carried;
        if (from != c.spans.back().first) ++c.carried_wrong;
      }
      if (from <= to) c.spans.emplace_back(from, static_cast<size_t>(to));
      return 0;
    };
    auto on_reference = [](unsigned, unsigned long long from, unsigned long long to, unsigned,
                           void* p) -> int {
      static_cast<Ctx*>(p)->spans.emplace_back(static_cast<size_t>(from), static_cast<size_t>(to));
      return 0;
    };
    std::mt19937 rng(20261129);
    // Digit-heavy text (phone, card), text with capitals and digits (IBAN,
    // street) and digit groups (card), each with the characters around them
    // that make or break a word boundary.
    const std::string alphabets[] = {
        "01234567890123456789012345678901234567890123456789     ++(()).-/\tAAAZZaabx_\x80",
        "0123456789012345678901234567890123456789ABCDEFGHIJKLMNOPQRSTUVWXYZGBDEFR  --ab_.\x80",
        "0123456789012345678901234567890123456789  --a_."};
    size_t matches = 0;
    int wrong = 0;
    std::string first_wrong;
    for (const std::string& alphabet : alphabets) {
      for (int i = 0; i < ITERS_START_OF; ++i) {
        std::string t(1 + rng() % 60, ' ');
        for (char& c : t) c = alphabet[rng() % alphabet.size()];
        got.text = want.text = t;
        got.spans.clear();
        want.spans.clear();
        hs_scan(scanned, t.data(), static_cast<unsigned>(t.size()), 0, scratch, on_scanned, &got);
        hs_scan(reference, t.data(), static_cast<unsigned>(t.size()), 0, scratch, on_reference,
                &want);
        matches += want.spans.size();
        if (got.spans != want.spans && wrong++ == 0) first_wrong = t;
      }
    }
    EXPECT_EQ(wrong, 0) << rule.detector << ": " << first_wrong;
    EXPECT_EQ(got.carried_wrong, 0u) << rule.detector;
    if (rule.same_start) {
      EXPECT_GT(got.carried, matches / 4) << rule.detector;
    }
    EXPECT_GT(matches, static_cast<size_t>(ITERS_START_OF / 30)) << rule.detector;
    hs_free_scratch(scratch);
    hs_free_database(scanned);
    hs_free_database(reference);
  }
  EXPECT_GE(rules_checked, 4);  // phone, credit card, IBAN, street
}

// Rules scanned as a superset without start tracking (Rule::exact_pattern,
// som false): their check must accept exactly the ends it accepts among the
// exact pattern's, on text made of the pieces the patterns care about.
TEST(Detector, SupersetPatternsKeepTheirChecksAnswers) {
  int rules_checked = 0;
  std::vector<internal::Rule> rules = internal::pii_rules();
  for (auto& r : internal::secret_rules()) rules.push_back(std::move(r));
  for (auto& r : internal::clinical_rules()) rules.push_back(std::move(r));
  for (const auto& rule : rules) {
    if (rule.som || rule.start_of || rule.exact_pattern.empty()) continue;
    ++rules_checked;
    hs_database_t *scanned = nullptr, *exact = nullptr;
    hs_compile_error_t* err = nullptr;
    ASSERT_EQ(hs_compile(rule.pattern.c_str(), rule.flags, HS_MODE_BLOCK, nullptr, &scanned, &err),
              HS_SUCCESS)
        << rule.detector;
    ASSERT_EQ(
        hs_compile(rule.exact_pattern.c_str(), rule.flags, HS_MODE_BLOCK, nullptr, &exact, &err),
        HS_SUCCESS)
        << rule.detector;
    hs_scratch_t* scratch = nullptr;
    ASSERT_EQ(hs_alloc_scratch(scanned, &scratch), HS_SUCCESS);
    ASSERT_EQ(hs_alloc_scratch(exact, &scratch), HS_SUCCESS);
    auto on_end = [](unsigned, unsigned long long, unsigned long long to, unsigned,
                     void* p) -> int {
      static_cast<std::vector<size_t>*>(p)->push_back(static_cast<size_t>(to));
      return 0;
    };
    // What the detector keeps of a list of ends: the check's spans.
    auto accepted = [&](const std::string& t, const std::vector<size_t>& ends) {
      std::vector<std::pair<size_t, size_t>> out;
      for (size_t e : ends) {
        internal::Hit h{e, e, rule.score, {}};
        std::vector<internal::Hit> extra;
        size_t looked = 0;
        bool ok = rule.multi ? rule.multi(t, h, extra, looked) : (!rule.check || rule.check(t, h));
        if (ok) out.emplace_back(h.start, h.end);
      }
      return out;
    };
    const std::string pieces[] = {
        "metformin ", "aspirin ",  "lisinopril", " ",    "  ",      "\t",   "\n",    "1",
        "25",         "0.5",       ".",          "..",   "x",       "_",    "mg",    "MG",
        "mcg",        "\xc2\xb5g", "ug",         "g",    "ml",      "unit", "units", "iu",
        "meq",        "s",         "-",          "hcl ", "tablets "};
    std::mt19937 rng(20261129);
    size_t ends = 0, kept = 0;
    int wrong = 0;
    std::string first_wrong;
    for (int i = 0; i < 60000; ++i) {
      std::string t;
      for (size_t k = 1 + rng() % 12; k > 0; --k) t += pieces[rng() % std::size(pieces)];
      std::vector<size_t> got, want;
      hs_scan(scanned, t.data(), static_cast<unsigned>(t.size()), 0, scratch, on_end, &got);
      hs_scan(exact, t.data(), static_cast<unsigned>(t.size()), 0, scratch, on_end, &want);
      ends += want.size();
      auto a = accepted(t, got), b = accepted(t, want);
      kept += b.size();
      if (a != b && wrong++ == 0) first_wrong = t;
    }
    EXPECT_EQ(wrong, 0) << rule.detector << ": " << first_wrong;
    EXPECT_GT(ends, 2000u) << rule.detector;
    EXPECT_GT(kept, 150u) << rule.detector;
    hs_free_scratch(scratch);
    hs_free_database(scanned);
    hs_free_database(exact);
  }
  EXPECT_GE(rules_checked, 1);  // medication_dose
}

// The Facebook app token is scanned as a superset with a computed start (in
// the main database). Checked through the detector, on messages longer than
// Vectorscan's 64-byte blocks: this Vectorscan build (5.4.9) misses matches
// of a digit class followed by '|' in a database of that one pattern, at
// some offsets past the first 64 bytes, so the pattern is checked in the
// database it is scanned in, against the exact pattern's spans.
TEST(Detector, FacebookAppTokenFoundAsByExactPattern) {
  const internal::Rule* rule = nullptr;
  std::vector<internal::Rule> rules = internal::secret_rules();
  for (const auto& r : rules) {
    if (r.detector == "facebook_token" && r.start_of) rule = &r;
  }
  ASSERT_NE(rule, nullptr);
  hs_database_t* exact = nullptr;
  hs_compile_error_t* err = nullptr;
  ASSERT_EQ(hs_compile(rule->exact_pattern.c_str(), rule->flags | HS_FLAG_SOM_LEFTMOST,
                       HS_MODE_BLOCK, nullptr, &exact, &err),
            HS_SUCCESS);
  hs_scratch_t* scratch = nullptr;
  ASSERT_EQ(hs_alloc_scratch(exact, &scratch), HS_SUCCESS);
  auto opt = default_detector_options();
  opt.min_confidence = 0;
  opt.resolve_overlaps = false;
  opt.enabled = {"SECRET"};
  auto d = Detector::create(opt);
  std::mt19937 rng(20261129);
  size_t spans = 0;
  int wrong = 0;
  std::string first_wrong;
  for (int i = 0; i < 6000; ++i) {
    std::string t;
    size_t n = 80 + rng() % 400;
    while (t.size() < n) {
      t += std::string(rng() % 70, " x-|9_"[rng() % 6]);
      for (size_t k = 14 + rng() % 4; k > 0; --k) t += static_cast<char>('0' + rng() % 10);
      t += '|';
      for (size_t k = 25 + rng() % 4; k > 0; --k) t += "aZ9_-xQ7"[rng() % 8];
    }
    using Span = std::pair<size_t, size_t>;
    std::vector<Span> want, got;
    hs_scan(
        exact, t.data(), static_cast<unsigned>(t.size()), 0, scratch,
        [](unsigned, unsigned long long from, unsigned long long to, unsigned, void* p) -> int {
          static_cast<std::vector<Span>*>(p)->emplace_back(from, to);
          return 0;
        },
        &want);
    // The rule's check decides on each exact span as on the detector's.
    std::vector<Span> accepted;
    for (const Span& s : want) {
      internal::Hit h{s.first, s.second, rule->score, {}};
      if (rule->check(t, h)) accepted.emplace_back(h.start, h.end);
    }
    for (const auto& f : d->scan({t})) {
      if (f.detector == "facebook_token") got.emplace_back(f.start, f.end);
    }
    spans += want.size();
    if (got != accepted && wrong++ == 0) first_wrong = t;
  }
  EXPECT_EQ(wrong, 0) << first_wrong;
  EXPECT_GT(spans, 1000u);
  hs_free_scratch(scratch);
  hs_free_database(exact);
}

// ContextIndex (one scan of the message for all context words) must answer
// as has_context (a search in the candidate's windows) for every rule's list,
// on text made of the words themselves in mixed case, pieces of them, letters
// that glue onto them and separators, around random candidate spans.
TEST(Detector, ContextIndexEqualsHasContext) {
  std::vector<internal::Rule> rules;
  for (auto* make : {internal::pii_rules, internal::secret_rules, internal::clinical_rules}) {
    for (auto& r : make()) rules.push_back(std::move(r));
  }
  std::vector<const std::vector<std::string>*> lists;
  std::vector<std::string> pieces = {" ", " ", "  ", "\n", "-", ".",        "#",
                                     ":", "5", "a",  "S",  "x", "\xc3\xbc", "\xc3"};
  for (const auto& r : rules) {
    lists.push_back(&r.context);
    for (const std::string& w : r.context) {
      pieces.push_back(w);
      pieces.push_back(w.substr(0, w.size() / 2 + 1));
    }
  }
  internal::ContextIndex index(lists);
  ASSERT_NE(index.db(), nullptr);
  hs_scratch_t* scratch = nullptr;
  ASSERT_EQ(hs_alloc_scratch(index.db(), &scratch), HS_SUCCESS);
  std::mt19937 rng(20261129);
  std::vector<internal::ContextIndex::Occurrence> occ;
  size_t checked = 0, found = 0;
  int wrong = 0;
  std::string first_wrong;
  for (int i = 0; i < 3000; ++i) {
    std::string t;
    size_t n = 1 + rng() % 60;
    for (size_t k = 0; k < n; ++k) {
      std::string p = pieces[rng() % pieces.size()];
      for (char& c : p) {
        if (c >= 'a' && c <= 'z' && rng() % 4 == 0) c = static_cast<char>(c - 32);
      }
      t += p;
    }
    index.find(t, scratch, occ);
    size_t hint = 0;
    for (int j = 0; j < 20; ++j) {
      size_t start = rng() % (t.size() + 1);
      size_t end = std::min(t.size(), start + rng() % 20);
      for (size_t l = 0; l < rules.size(); ++l) {
        if (rules[l].context.empty()) continue;
        bool want = internal::has_context(t, start, end, rules[l].context);
        ++checked;
        found += want;
        // The search hint carries over from call to call, as in a scan
        // (here from random places), or starts past the end.
        size_t far = occ.size() + 3, &h = j % 2 ? hint : far;
        if (index.near(l, t, occ, start, end, h) != want && wrong++ == 0)
          first_wrong = rules[l].detector + " [" + std::to_string(start) + "," +
                        std::to_string(end) + ") " + t;
      }
    }
  }
  hs_free_scratch(scratch);
  EXPECT_EQ(wrong, 0) << first_wrong;
  EXPECT_GT(found, checked / 20);
  EXPECT_LT(found, checked - checked / 20);
}

// phone_valid_for_region must give libphonenumber's IsValidNumberForRegion
// answer for every number it answers. Random national numbers for every
// country code, plus libphonenumber's example numbers of each type with
// digits changed (so that many are valid and many nearly so).
#ifndef PHONE_META_NUMBERS
#define PHONE_META_NUMBERS 300
#endif
TEST(Detector, PhoneMetaAgreesWithLibphonenumber) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::mt19937 rng(7);
  int checked = 0, valid = 0, wrong = 0, regions = 0;
  std::string first_wrong;
  auto check = [&](int cc, const std::string& region, const std::string& national) {
    if (national.empty() || national[0] == '0' || national.size() > 17) return;
    int fast = internal::phone_valid_for_region(region, cc, national);
    if (fast < 0) return;
    PhoneNumber n;
    n.set_country_code(cc);
    n.set_national_number(std::stoull(national));
    bool want = util.IsValidNumberForRegion(n, region);
    ++checked;
    valid += want;
    if ((fast == 1) != want && wrong++ == 0) first_wrong = std::to_string(cc) + ' ' + national;
  };
  std::set<PhoneNumberUtil::PhoneNumberType> types;
  for (int t = PhoneNumberUtil::FIXED_LINE; t <= PhoneNumberUtil::VOICEMAIL; ++t)
    types.insert(static_cast<PhoneNumberUtil::PhoneNumberType>(t));
  for (int cc = 1; cc < 1000; ++cc) {
    std::string region;
    util.GetRegionCodeForCountryCode(cc, &region);
    if (region == "ZZ") continue;
    ++regions;
    for (int i = 0; i < PHONE_META_NUMBERS; ++i) {
      std::string d(2 + rng() % 16, '0');
      for (char& c : d) c = static_cast<char>('0' + rng() % 10);
      d[0] = static_cast<char>('1' + rng() % 9);
      check(cc, region, d);
    }
    for (auto type : types) {
      PhoneNumber ex;
      bool got = region == "001" ? util.GetExampleNumberForNonGeoEntity(cc, &ex)
                                 : util.GetExampleNumberForType(region, type, &ex);
      if (!got) continue;
      std::string base = std::to_string(ex.national_number());
      check(cc, region, base);
      for (int i = 0; i < PHONE_META_NUMBERS / 3; ++i) {
        std::string d = base;
        // change one or two trailing or leading digits, or the length by one
        int how = static_cast<int>(rng() % 4);
        if (how == 0) d[d.size() - 1 - rng() % std::min<size_t>(d.size(), 4)] = '0' + rng() % 10;
        if (how == 1) d[rng() % std::min<size_t>(d.size(), 3)] = '0' + rng() % 10;
        if (how == 2) d += static_cast<char>('0' + rng() % 10);
        if (how == 3 && d.size() > 2) d.pop_back();
        check(cc, region, d);
      }
    }
  }
  EXPECT_EQ(wrong, 0) << "first: " << first_wrong;
  EXPECT_GT(regions, 200);
  EXPECT_GT(checked, regions * PHONE_META_NUMBERS);
  EXPECT_GT(valid, checked / 10);
}

}  // namespace
}  // namespace perimeter::detect
