#include "cli/commands.h"
namespace perimeter::cli {
void add_demo_model_command(CLI::App&) {}
}  // namespace perimeter::cli
