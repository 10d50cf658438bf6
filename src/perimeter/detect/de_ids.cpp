// National identifiers of Germany: patterns, checksums and
// context words.
#include "detect/rule_kit.h"
#include "detect/rules.h"

namespace perimeter::detect::internal {

std::vector<EntityDef> de_id_entities() {
  return {};
}

std::vector<Rule> de_id_rules() {
  return {};
}

}  // namespace perimeter::detect::internal
