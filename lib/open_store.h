// open_store.h: the store the environment names, opened.
//
// The one place that knows every backend: a program asks for "the store"
// and gets a Store (lib/store.h), whichever holds the state. A new backend
// is one more field in StoreSettings and one more case in open_store().
#pragma once

#include <memory>

#include "lib/error.h"
#include "lib/store.h"

namespace jgl {

struct StoreSettings {
  const char* dir = nullptr;  // JGREYLIST_DIR: the tree
};

StoreSettings store_settings_from_env();

// Opens the store the settings name. The error names the variable at fault
// ("JGREYLIST_DIR=/x: not a directory"): a configuration error.
Result<std::unique_ptr<Store>> open_store(const StoreSettings& settings);

}  // namespace jgl
