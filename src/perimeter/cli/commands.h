// Subcommand groups of the `perimeter` executable. Each adds its commands to
// `app`; the command's callback runs it and exits with its status.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace perimeter::cli {

void add_serve_command(CLI::App& app);       // serve
void add_demo_model_command(CLI::App& app);  // demo-model, demo-adapter
void add_analyze_commands(CLI::App& app);    // analyze, redact
void add_router_commands(CLI::App& app);     // router train|eval
void add_audit_commands(CLI::App& app);      // audit verify|tail|export, report
void add_auth_commands(CLI::App& app);       // auth new-key
void add_lock_commands(CLI::App& app);       // lock, verify
void add_grammar_command(CLI::App& app);     // schema

// The command that re-locks `config` (into `lock_file`, if not the default).
std::string relock_command(const std::string& config, const std::string& lock_file);

}  // namespace perimeter::cli
