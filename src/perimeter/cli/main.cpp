// perimeter: the gateway's single executable.
#include <cstdio>
#include <exception>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Perimeter: a privacy-first LLM gateway speaking the OpenAI API"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "perimeter 0.1.0");
  perimeter::cli::add_serve_command(app);
  perimeter::cli::add_demo_model_command(app);
  perimeter::cli::add_analyze_commands(app);
  perimeter::cli::add_router_commands(app);
  perimeter::cli::add_audit_commands(app);
  perimeter::cli::add_auth_commands(app);
  perimeter::cli::add_lock_commands(app);
  perimeter::cli::add_grammar_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "perimeter: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
