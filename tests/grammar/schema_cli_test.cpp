// The real binary: `perimeter schema` prints a schema's grammar, or the same
// refusal the API returns, and validates an answer the way every answer is.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

struct Run {
  int code = -1;
  std::string output;  // stdout and stderr
};

// `perimeter schema args` with its exit code and output.
Run schema_cli(const std::string& args) {
  Run r;
  FILE* p = popen((std::string(PERIMETER_BIN) + " schema " + args + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

fs::path write(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("schema_cli_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / name) << text;
  return dir / name;
}

TEST(SchemaCli, PrintsTheGrammarOrTheRefusal) {
  const auto ok = schema_cli(write("ok.json", R"({"type":"integer","multipleOf":12})").string());
  EXPECT_EQ(ok.code, 0) << ok.output;
  EXPECT_NE(ok.output.find("root ::= "), std::string::npos) << ok.output;

  const auto refused =
      schema_cli(write("no.json", R"({"type":"array","contains":{"const":1}})").string());
  EXPECT_EQ(refused.code, 1) << refused.output;
  EXPECT_NE(refused.output.find("keyword 'contains' is not supported"), std::string::npos)
      << refused.output;

  const auto bad = schema_cli(write("bad.json", "{not json").string());
  EXPECT_EQ(bad.code, 2) << bad.output;
  EXPECT_NE(bad.output.find("not JSON"), std::string::npos) << bad.output;
}

TEST(SchemaCli, ValidatesAnAnswer) {
  const std::string schema =
      write("s.json", R"({"type":"object","required":["n"],"properties":{"n":{"type":"integer"}}})")
          .string();
  const auto good = schema_cli(schema + " --validate " + write("a.json", R"({"n":3})").string());
  EXPECT_EQ(good.code, 0) << good.output;
  EXPECT_NE(good.output.find("valid"), std::string::npos);
  const auto wrong = schema_cli(schema + " --validate " + write("b.json", R"({"n":"x"})").string());
  EXPECT_EQ(wrong.code, 1) << wrong.output;
  EXPECT_NE(wrong.output.find("invalid"), std::string::npos) << wrong.output;
}

}  // namespace
