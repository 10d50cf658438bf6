#include <yaml-cpp/yaml.h>

#include <gtest/gtest.h>

#include "detect/detector.h"

namespace perimeter::detect {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_detector_options(YAML::Load(yaml), "detect");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Options, ParsesAll) {
  auto o = parse_detector_options(YAML::Load(R"(
enabled: [EMAIL_ADDRESS, US_SSN]
min_confidence: 0.4
thresholds: {EMAIL_ADDRESS: 0.9}
allow_domains: [Perimeter.dev]
allow_values: [Help@Example.com]
sensitivity: {PII: confidential, US_SSN: restricted}
phone_regions: [TR, PH]
deny_lists: {PROJECT_NAME: [Bluebird, Night Jar]}
disabled: [PROJECT_NAME]
)"),
                                  "detect");
  EXPECT_EQ(o.enabled.size(), 2u);
  EXPECT_DOUBLE_EQ(o.min_confidence, 0.4);
  EXPECT_DOUBLE_EQ(o.thresholds.at("EMAIL_ADDRESS"), 0.9);
  EXPECT_TRUE(o.allow_domains.count("perimeter.dev"));
  EXPECT_TRUE(o.allow_values.count("help@example.com"));
  EXPECT_EQ(o.sensitivity.at("PII"), Sensitivity::Confidential);
  EXPECT_EQ(o.sensitivity.at("US_SSN"), Sensitivity::Restricted);
  EXPECT_EQ(o.sensitivity.at("SECRET"), Sensitivity::Restricted);  // default kept
  EXPECT_EQ(o.phone_regions, (std::vector<std::string>{"TR", "PH"}));
  EXPECT_EQ(o.deny_lists.at("PROJECT_NAME"), (std::vector<std::string>{"Bluebird", "Night Jar"}));
  EXPECT_TRUE(o.disabled.count("PROJECT_NAME"));  // a type the deny lists add may be named
}

TEST(Options, ErrorsNameKeyPathAndRule) {
  EXPECT_EQ(error_of("thresholds: {EMAIL_ADDRESS: 1.5}"),
            "detect.thresholds.EMAIL_ADDRESS: must be in [0, 1]");
  EXPECT_EQ(error_of("min_confidence: high"), "detect.min_confidence: must be a number in [0, 1]");
  EXPECT_EQ(
      error_of("enabled: [EMAIL, US_SSN]").rfind("detect.enabled[0]: unknown entity 'EMAIL'", 0),
      0u);
  EXPECT_EQ(error_of("sensitivity: {PII: secret}"),
            "detect.sensitivity.PII: must be one of public, internal, confidential, restricted");
  EXPECT_EQ(error_of("alow_domains: [x.com]").rfind("detect.alow_domains: unknown key", 0), 0u);
  EXPECT_EQ(error_of("allow_domains: [not a domain]"),
            "detect.allow_domains[0]: must be a domain name like example.com");
  EXPECT_EQ(error_of("phone_regions: [TR, Turkey]"),
            "detect.phone_regions[1]: unknown region 'Turkey' (use a two-letter ISO 3166 code "
            "such as TR or PH)");
  EXPECT_EQ(error_of("deny_lists: {project: [x]}"),
            "detect.deny_lists.project: entity type must be upper-case letters, digits and _ "
            "(like PROJECT_NAME)");
  EXPECT_EQ(error_of("deny_lists: {PROJECT: [x, '']}"),
            "detect.deny_lists.PROJECT[1]: must not be empty");
  EXPECT_EQ(error_of("deny_lists: [x]"),
            "detect.deny_lists: must be a mapping of entity type to a list of words");
}

}  // namespace
}  // namespace perimeter::detect
