// Placeholder until the router module lands: registers no command yet.
#include "cli/commands.h"

namespace perimeter::cli {

void add_router_commands(CLI::App&) {}

}  // namespace perimeter::cli
