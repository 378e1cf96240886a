// base/system_fs.cc: the Filesystem the programs use, alone in its translation
// unit so that a test build can link its own system_filesystem() instead:
// the programs under $(BUILD)/tests/ take theirs from
// tests/helpers/fault_seam.cpp, which fails chosen calls (JGL_FAULT). The
// linker takes this file from libjgl.a only when no other object already
// defines the function, so the installed programs never contain the faults.
#include "lib/base/filesystem.h"

namespace jgl {

Filesystem& system_filesystem() {
  static Filesystem fs;
  return fs;
}

}  // namespace jgl
