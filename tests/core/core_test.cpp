#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "core/sha256.h"
#include "core/utf8.h"

namespace perimeter {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, FileMatchesStringHash) {
  const auto path = std::filesystem::temp_directory_path() / "perimeter-sha-test.bin";
  std::string data(3 << 20, 'x');  // crosses the 1 MiB read buffer
  data[12345] = 'y';
  std::ofstream(path, std::ios::binary) << data;
  EXPECT_EQ(sha256_file(path), sha256_hex(data));
  std::filesystem::remove(path);
  EXPECT_THROW(sha256_file(path), std::runtime_error);
}

TEST(Sha256, HexShape) {
  EXPECT_TRUE(is_sha256_hex(sha256_hex("x")));
  EXPECT_FALSE(is_sha256_hex("ABC"));
  EXPECT_FALSE(is_sha256_hex(std::string(64, 'g')));
  EXPECT_FALSE(is_sha256_hex(std::string(63, 'a')));
}

TEST(Utf8, CompletePrefixHoldsBackSplitSequence) {
  const std::string euro = "\xE2\x82\xAC";  // 3 bytes
  EXPECT_EQ(utf8_complete_prefix("ab" + euro), 5u);
  EXPECT_EQ(utf8_complete_prefix("ab" + euro.substr(0, 2)), 2u);
  EXPECT_EQ(utf8_complete_prefix("ab" + euro.substr(0, 1)), 2u);
  // An invalid byte is complete (it will be replaced, not waited for).
  EXPECT_EQ(utf8_complete_prefix("a\xFF"), 2u);
}

TEST(Utf8, SanitizeReplacesInvalidBytes) {
  EXPECT_EQ(utf8_sanitize("ok"), "ok");
  EXPECT_EQ(utf8_sanitize("a\xFF"
                          "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(utf8_sanitize("\xE2\x82"), "\xEF\xBF\xBD");                              // truncated
  EXPECT_EQ(utf8_sanitize("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_TRUE(utf8_valid(utf8_sanitize("\xC0\xAF\xF5\x80")));
  EXPECT_FALSE(utf8_valid("\xC0\xAF"));  // overlong
  EXPECT_TRUE(utf8_valid("caf\xC3\xA9 \xF0\x9F\x98\x80"));
}

TEST(Error, OpenAiShape) {
  Error e = invalid_request("Invalid 'top_p': must be in (0, 1].", "top_p");
  auto j = e.to_json();
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
  EXPECT_EQ(j["error"]["param"], "top_p");
  EXPECT_TRUE(j["error"]["code"].is_null());
  EXPECT_EQ(j["error"]["message"], "Invalid 'top_p': must be in (0, 1].");
}

}  // namespace
}  // namespace perimeter
