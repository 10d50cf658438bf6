// National identifiers of Spain, Italy and Sweden: patterns, checksums and
// context words.
#include "detect/rule_kit.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {

std::vector<EntityDef> eu_id_entities() {
  return {};
}

std::vector<Rule> eu_id_rules() {
  return {};
}

}  // namespace perimeter::detect::internal
