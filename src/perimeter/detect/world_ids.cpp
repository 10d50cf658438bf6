// National identifiers of Australia, Canada, Nigeria, South Africa, the Philippines
// (TIN), Turkey (vehicle plates) and UK vehicles: patterns, checksums and
// context words.
#include "detect/rule_kit.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {

std::vector<EntityDef> world_id_entities() {
  return {};
}

std::vector<Rule> world_id_rules() {
  return {};
}

}  // namespace perimeter::detect::internal
