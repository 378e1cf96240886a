// open_store.cc: choosing the store the environment names.
#include "lib/open_store.h"

#include <string>

#include "lib/env.h"
#include "lib/tree_store.h"

namespace jgl {

StoreSettings store_settings_from_env() {
  StoreSettings settings;
  settings.dir = env_get("JGREYLIST_DIR");
  return settings;
}

Result<std::unique_ptr<Store>> open_store(const StoreSettings& settings) {
  if (settings.dir == nullptr || *settings.dir == '\0') return fail("JGREYLIST_DIR is not set or empty");
  auto tree = TreeStore::open(settings.dir);
  if (!tree) {
    Error e = tree.error();
    e.message = "JGREYLIST_DIR=" + e.message;
    return std::unexpected(std::move(e));
  }
  return std::make_unique<TreeStore>(std::move(*tree));
}

}  // namespace jgl
