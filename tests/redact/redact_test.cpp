#include "redact/redact.h"

#include <gtest/gtest.h>

#include <random>

namespace perimeter::redact {
namespace {

const detect::Detector& detector() {
  static auto d = detect::Detector::create(detect::default_detector_options());
  return *d;
}

TEST(Pseudonymizer, StablePlaceholdersAcrossMessages) {
  std::vector<std::string_view> msgs = {"Email bob@example.com and alice@example.org.",
                                        "Again: bob@example.com, SSN 078-05-1123."};
  auto findings = detector().scan(msgs);
  Pseudonymizer p;
  auto out = p.apply(msgs, findings);
  EXPECT_EQ(out[0], "Email <EMAIL_ADDRESS_1> and <EMAIL_ADDRESS_2>.");
  EXPECT_EQ(out[1], "Again: <EMAIL_ADDRESS_1>, SSN <US_SSN_1>.");
  EXPECT_EQ(p.mapping().at("<EMAIL_ADDRESS_1>"), "bob@example.com");
  EXPECT_EQ(p.mapping().size(), 3u);
  // Nothing of the originals survives in the egress text.
  for (const auto& m : out) {
    EXPECT_EQ(m.find("bob@"), std::string::npos);
    EXPECT_EQ(m.find("078-05"), std::string::npos);
  }
  EXPECT_EQ(p.reidentify("Wrote to <EMAIL_ADDRESS_1> about <US_SSN_1>; <UNKNOWN_1> stays."),
            "Wrote to bob@example.com about 078-05-1123; <UNKNOWN_1> stays.");
}

TEST(Pseudonymizer, MaskAndDrop) {
  std::vector<std::string_view> msgs = {"card 4111-1111-1111-1111 ok"};
  auto f = detector().scan(msgs);
  Pseudonymizer mask({Mode::Mask, {}});
  EXPECT_EQ(mask.apply(msgs, f)[0], "card ****-****-****-**** ok");
  EXPECT_TRUE(mask.mapping().empty());
  Pseudonymizer drop({Mode::Drop, {}});
  EXPECT_EQ(drop.apply(msgs, f)[0], "card  ok");
  EXPECT_THROW(parse_mode("hide"), std::invalid_argument);
}

TEST(Pseudonymizer, KeepsConfiguredTypesAndRejectsBadSpans) {
  std::vector<std::string_view> msgs = {"see https://example.com on 2024-01-02"};
  Pseudonymizer p;
  EXPECT_EQ(p.apply(msgs, detector().scan(msgs))[0], msgs[0]);
  detect::Finding bad{"EMAIL_ADDRESS", detect::Category::PII, 0, 5, 500, 1.0, "x"};
  EXPECT_THROW(p.apply(msgs, {bad}), std::out_of_range);
}

TEST(Pseudonymizer, OverlappingFindingsReplaceOnce) {
  std::vector<std::string_view> msgs = {"abcdefghij"};
  std::vector<detect::Finding> f = {{"PERSON", detect::Category::PII, 0, 2, 6, 0.9, "t"},
                                    {"US_SSN", detect::Category::PII, 0, 4, 8, 0.9, "t"}};
  Pseudonymizer p;
  EXPECT_EQ(p.apply(msgs, f)[0], "ab<PERSON_1>ghij");
}

std::map<std::string, std::string> sample_mapping() {
  return {{"<PERSON_1>", "Jane Doe"}, {"<PERSON_12>", "Bo Li"}, {"<EMAIL_ADDRESS_1>", "j@d.com"}};
}

TEST(Reidentifier, PlaceholderSplitAcrossChunks) {
  Reidentifier r(sample_mapping());
  std::string out;
  out += r.feed("Dear <PER");
  EXPECT_EQ(out, "Dear ");  // the partial placeholder is held back
  out += r.feed("SON_1>, write to <");
  out += r.feed("EMAIL_ADDRESS_1");
  out += r.feed("> or a < b.");
  out += r.finish();
  EXPECT_EQ(out, "Dear Jane Doe, write to j@d.com or a < b.");
}

TEST(Reidentifier, LongestPlaceholderAndUnknowns) {
  Reidentifier r(sample_mapping());
  std::string out = r.feed("<PERSON_1");
  out += r.feed("2> and <PERSON_3> and <PERSON_1>");
  out += r.finish();
  EXPECT_EQ(out, "Bo Li and <PERSON_3> and Jane Doe");
  Reidentifier t(sample_mapping());
  std::string held = t.feed("ends with <PERS");
  EXPECT_EQ(held, "ends with ");
  held += t.finish();
  EXPECT_EQ(held, "ends with <PERS");
}

// Every way of cutting a streamed answer into chunks gives the same text as
// re-identifying it whole.
TEST(Reidentifier, AnySplitEqualsWhole) {
  const std::string answer =
      "Hi <PERSON_1>! <EMAIL_ADDRESS_1> is <PERSON_12>'s; <<PERSON_1>> <PERSON_ <> done";
  const std::string want = "Hi Jane Doe! j@d.com is Bo Li's; <Jane Doe> <PERSON_ <> done";
  std::mt19937 rng(1);
  for (int trial = 0; trial < 2000; ++trial) {
    Reidentifier r(sample_mapping());
    std::string out;
    size_t i = 0;
    while (i < answer.size()) {
      size_t n = 1 + rng() % 7;
      out += r.feed(std::string_view(answer).substr(i, n));
      i += n;
    }
    out += r.finish();
    ASSERT_EQ(out, want) << "trial " << trial;
  }
}

TEST(Reidentifier, EmitsPromptlyWithoutPlaceholders) {
  Reidentifier r(sample_mapping());
  EXPECT_EQ(r.feed("plain text "), "plain text ");
  EXPECT_EQ(r.feed("x<y "), "x<y ");
  EXPECT_EQ(r.finish(), "");
}

}  // namespace
}  // namespace perimeter::redact
