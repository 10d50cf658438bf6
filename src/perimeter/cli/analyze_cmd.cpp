// Placeholder until the analyze module lands: registers no command yet.
#include "cli/commands.h"

namespace perimeter::cli {

void add_analyze_commands(CLI::App&) {}

}  // namespace perimeter::cli
