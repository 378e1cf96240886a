// base/command_line.h: the administrator's tools parse their command line
// with CLI11 one way.
//
// --help and --version are answered (on stdout, exit 0); any other parse
// error goes to `usage`, which must not return (it dies with kExitUsage,
// lib/base/exitcode.h).
#pragma once

#include <CLI/CLI.hpp>

namespace jgl {

// -1 to go on; otherwise the exit code of an answered --help or --version.
template <typename Usage>
int parse_command_line(CLI::App& app, int argc, char** argv, Usage usage) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    usage(e.what());
  }
  return -1;
}

}  // namespace jgl
