#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "grammar/grammar.h"

namespace perimeter::cli {
namespace {

// The file's text, or stdin's for "-".
std::string read_all(const std::string& path) {
  if (path == "-") return {std::istreambuf_iterator<char>(std::cin), {}};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

void add_grammar_command(CLI::App& app) {
  struct Args {
    std::string schema;
    bool strict = false;
    std::string instance;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "schema",
      "Compile a JSON Schema as response_format would: print the GBNF grammar, or the 400 "
      "naming what cannot be enforced (exit 1)");
  cmd->add_option("SCHEMA", a->schema, "JSON Schema file ('-' for stdin)")->required();
  cmd->add_flag("--strict", a->strict, "as json_schema.strict: additionalProperties false");
  cmd->add_option("--validate", a->instance,
                  "also validate this JSON file against the schema (as every answer is)");
  cmd->callback([a] {
    nlohmann::json schema;
    try {
      const std::string text = read_all(a->schema);
      try {
        schema = nlohmann::json::parse(text);
      } catch (const std::exception& e) {
        throw std::runtime_error(a->schema + ": not JSON: " + e.what());
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      std::exit(2);
    }
    try {
      std::fputs(grammar::schema_to_gbnf(schema, a->strict).c_str(), stdout);
    } catch (const Error& e) {
      std::fprintf(stderr, "%s\n", e.what());
      std::exit(1);
    }
    if (!a->instance.empty()) {
      const grammar::Validation v = grammar::validate(schema, read_all(a->instance));
      std::fprintf(stderr, "%s: %s\n", a->instance.c_str(),
                   v.ok ? "valid" : ("invalid: " + v.error).c_str());
      if (!v.ok) std::exit(1);
    }
  });
}

}  // namespace perimeter::cli
