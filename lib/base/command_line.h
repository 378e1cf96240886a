// base/command_line.h: the administrator's tools parse their command line
// with CLI11 one way.
//
// --help and --version are answered (on stdout, exit 0); any other parse
// error goes to `usage`, which must not return (it dies with kExitUsage,
// lib/base/exitcode.h).
#pragma once

#include <CLI/CLI.hpp>
#include <array>
#include <cstddef>

namespace jgl {

// A program's verbs as a table (jgreylist-admin's and jgreylist-spf's
// kVerbs): each row a subcommand of `app`, with the options its `options`
// function adds. With app.require_subcommand(1), chosen() then names the
// row the command line picked.
template <typename Verb, std::size_t N, typename Options>
std::array<CLI::App*, N> add_verbs(CLI::App& app, const Verb (&verbs)[N], Options& o) {
  std::array<CLI::App*, N> commands{};
  for (std::size_t i = 0; i < N; ++i) {
    commands[i] = app.add_subcommand(verbs[i].name, verbs[i].help);
    verbs[i].options(*commands[i], o);
  }
  return commands;
}

template <typename Verb, std::size_t N>
const Verb& chosen(const Verb (&verbs)[N], const std::array<CLI::App*, N>& commands) {
  for (std::size_t i = 0; i < N; ++i) {
    if (commands[i]->parsed()) return verbs[i];
  }
  return verbs[0];  // not reached: require_subcommand(1) refuses a command line without one
}

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
