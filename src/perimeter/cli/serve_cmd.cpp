#include "cli/commands.h"
namespace perimeter::cli {
void add_serve_command(CLI::App&) {}
}  // namespace perimeter::cli
