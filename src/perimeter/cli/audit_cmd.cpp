// Placeholder until the audit module lands: registers no command yet.
#include "cli/commands.h"

namespace perimeter::cli {

void add_audit_commands(CLI::App&) {}

}  // namespace perimeter::cli
