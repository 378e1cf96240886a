// jgreylist-clean: the cron job that keeps the greylisting tree small.
//
// Removes validated entries not seen for --max-age, pending entries first
// seen longer ago than --pending-age, then directories left empty. Safe
// beside a live jgreylist and beside another cleaner: every removal that
// loses a race (ENOENT, ENOTEMPTY) is simply not counted, so two cleaners
// need no lock.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <string>

#include "lib/base/command_line.h"
#include "lib/base/diag.h"
#include "lib/base/duration.h"
#include "lib/base/env.h"
#include "lib/base/exitcode.h"
#include "lib/base/printable.h"
#include "lib/store/expiry.h"
#include "lib/store/tree.h"
#include "lib/store/tree_path.h"
#include "lib/store/walk.h"

namespace {

using namespace jgl;

constexpr const char* kVersion = "jgreylist-clean " JGL_VERSION;

struct Options {
  std::string dir;
  ExpiryPolicy policy;
  bool dry_run = false;
  bool verbose = false;
  bool stats = false;
  bool quiet = false;
};

struct FamilyStats {
  unsigned long seen = 0, validated = 0, pending = 0, removed = 0, directories = 0, skipped = 0;
};

// The directory and the names met in the tree come from outside (a hostile
// JGREYLIST_DIR, a file named with a newline): reports show them through
// shown_value, cut after kShownMax bytes.
constexpr std::size_t kShownMax = 512;
std::string shown(std::string_view text) { return shown_value(text, kShownMax); }

class Cleaner : public TreeVisitor {
 public:
  Cleaner(const Options& o, Filesystem& fs, long now) : o_(o), fs_(fs), now_(now) {}

  bool entry(const EntryVisit& v) override {
    FamilyStats& s = stats_for(v.path);
    ++s.seen;
    // Awl and correspondent entries are never pending (lib/store/expiry.h).
    const ExpiryPolicy policy = expiry_for(v.kind, o_.policy);
    Expiry e = judge(v.st.st_mtim.tv_sec, v.st.st_atim.tv_sec, now_, policy);
    ++(e.validated ? s.validated : s.pending);
    if (!e.expired) return false;
    if (!o_.dry_run) {
      // jgreylist may have seen the client since the walk looked: look again
      // right before removing, so that a returning sender keeps its entry.
      struct stat now_st;
      if (fs_.fstatat(v.dirfd, v.name, &now_st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return true;
        error(v.path, errno);
        return false;
      }
      if (!S_ISREG(now_st.st_mode) || !judge(now_st.st_mtim.tv_sec, now_st.st_atim.tv_sec, now_, policy).expired) {
        return false;
      }
      if (fs_.unlinkat(v.dirfd, v.name, 0) != 0) {
        if (errno == ENOENT) return true;
        error(v.path, errno);
        return false;
      }
    }
    ++s.removed;
    if (o_.verbose) {
      long first = v.st.st_mtim.tv_sec, last = v.st.st_atim.tv_sec;
      std::string why = e.validated ? "validated, not seen for " + format_duration(now_ - last)
                                    : "pending, first seen " + format_duration(now_ - first) + " ago";
      fmt::print("{} {} ({}): first seen {}, last seen {}: {}\n", o_.dry_run ? "would remove" : "removed",
                 v.kind == Key::Kind::prefix ? v.key.format().view() : hashed_top(v.kind), v.path, format_time(first), format_time(last), why);
    }
    return true;
  }

  bool empty_directory(int dirfd, const char* name, std::string_view path) override {
    if (!o_.dry_run && fs_.unlinkat(dirfd, name, AT_REMOVEDIR) != 0) {
      // jgreylist made an entry in it meanwhile, or another cleaner was first.
      if (errno == ENOTEMPTY || errno == EEXIST) return false;
      if (errno == ENOENT) return true;
      error(path, errno);
      return false;
    }
    ++stats_for(path).directories;
    if (o_.verbose) fmt::print("{} directory {}\n", o_.dry_run ? "would remove" : "removed", path);
    return true;
  }

  void junk(std::string_view path, std::string_view why) override {
    ++stats_for(path).skipped;
    if (!o_.quiet) warn("{}: {}", shown(o_.dir + "/" + std::string(path)), why);
  }

  void error(std::string_view path, int sys_errno) override {
    failures_ = true;
    warn("cannot remove {}: {}", shown(o_.dir + "/" + std::string(path)), std::strerror(sys_errno));
  }

  bool failures() const { return failures_; }

  void print_stats() const {
    for (std::size_t i = 0; i < kParts.size(); ++i) {
      const FamilyStats& s = stats_[i];
      // triplet/, awl/ and corr/ are jgreylist-queue's and
      // jgreylist-policy's: not mentioned in trees without them.
      if (i >= 2 && s.seen == 0 && s.directories == 0 && s.skipped == 0) continue;
      fmt::print("{}: {} entries seen, {} validated, {} pending, {} kept, {} {}removed, {} directories {}removed, {} "
                 "names skipped\n",
                 kParts[i], s.seen, s.validated, s.pending, s.seen - s.removed, s.removed,
                 o_.dry_run ? "to be " : "", s.directories, o_.dry_run ? "to be " : "", s.skipped);
    }
  }

 private:
  static constexpr std::array<std::string_view, 5> kParts = {"ip4", "ip6", "triplet", "awl", "corr"};
  FamilyStats& stats_for(std::string_view path) {
    std::string_view top = path.substr(0, path.find('/'));
    for (std::size_t i = 1; i < kParts.size(); ++i) {
      if (top == kParts[i]) return stats_[i];
    }
    return stats_[0];
  }

  const Options& o_;
  Filesystem& fs_;
  long now_;
  FamilyStats stats_[kParts.size()];
  bool failures_ = false;
};

// The options, checked; exit code when the program ends here (--help,
// --version), -1 to go on. Usage errors end it with kExitUsage.
int read_options(int argc, char** argv, Options* o) {
  // Empty: ExpiryPolicy's defaults, the ones every store expires by.
  std::string max_age, pending_age, holdtime;
  const ExpiryPolicy defaults;
  CLI::App app{"Remove old entries from a jgreylist tree.", "jgreylist-clean"};
  CLI::Option* dir_option = app.add_option("DIR", o->dir, "the tree (default: $JGREYLIST_DIR)");
  CLI::Option* max_age_option = app.add_option("--max-age", max_age,
                 fmt::format("remove validated entries not seen for this long (default {}d)", defaults.max_age / 86400));
  CLI::Option* pending_age_option = app.add_option("--pending-age", pending_age,
                 fmt::format("remove pending entries first seen this long ago (default {}d)", defaults.pending_age / 86400));
  CLI::Option* holdtime_option = app.add_option("--holdtime", holdtime,
                 "tells validated entries from pending ones (default $JGREYLIST_HOLDTIME, else 120s)");
  app.add_flag("-n,--dry-run", o->dry_run, "decide and report, change nothing");
  app.add_flag("-v,--verbose", o->verbose, "one line per removal");
  app.add_flag("--stats", o->stats, "counts per family at the end");
  app.add_flag("-q,--quiet", o->quiet, "report only errors (for cron)");
  app.set_version_flag("--version", kVersion);
  app.footer("Durations: seconds, or a number with s, m, h, d or w. Exit: 0 clean run, 1 some entries could not "
             "be removed, 2 usage or configuration error.");
  int answered = parse_command_line(app, argc, argv, [](const char* why) { die(kExitUsage, "{} (see --help)", why); });
  if (answered >= 0) return answered;

  struct {
    const std::string& text;
    CLI::Option* given;
    long* field;
    const char* option;
  } durations[] = {{max_age, max_age_option, &o->policy.max_age, "--max-age"},
                   {pending_age, pending_age_option, &o->policy.pending_age, "--pending-age"}};
  for (auto& d : durations) {
    if (d.given->count() == 0) continue;
    auto v = parse_duration(d.text);
    if (!v) die(kExitUsage, "{}: {}", d.option, v.error().message);
    *d.field = *v;
  }
  if (holdtime_option->count() != 0) {
    auto v = parse_duration(holdtime);
    if (!v) die(kExitUsage, "--holdtime: {}", v.error().message);
    o->policy.holdtime = *v;
  } else {
    auto v = holdtime_from_env();
    if (!v) die(kExitUsage, "{}", v.error().message);
    o->policy.holdtime = *v;
  }

  if (dir_option->count() != 0 && o->dir.empty()) die(kExitUsage, "DIR is empty");
  if (o->dir.empty()) {
    const char* env_dir = env_get("JGREYLIST_DIR");
    const char* redis = env_get("JGREYLIST_REDIS");
    if ((env_dir == nullptr || *env_dir == '\0') && redis != nullptr && *redis != '\0') {
      die(kExitUsage, "no DIR given, and JGREYLIST_REDIS names a Redis store: its keys expire by their TTLs, "
                      "there is nothing to clean");
    }
    if (env_dir == nullptr || *env_dir == '\0') die(kExitUsage, "no DIR given and JGREYLIST_DIR is not set");
    o->dir = env_dir;
  }
  return -1;
}

TreeStore open_tree(const std::string& dir) {
  // The store opens the root O_PATH, which asks no permission of it: make
  // sure it can be read, so that an unreadable tree is a configuration error.
  Filesystem& fs = system_filesystem();
  int probe = fs.open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
  if (probe < 0) {
    int e = errno;
    die(kExitUsage, "{}: {}", shown(dir), e == ENOTDIR ? "not a directory" : std::strerror(e));
  }
  fs.close(probe);
  auto store = TreeStore::open(dir.c_str(), fs);
  if (!store) die(kExitUsage, "{}", shown(store.error().message));
  return std::move(*store);
}

int clean(const Options& o) {
  TreeStore store = open_tree(o.dir);
  Cleaner cleaner(o, store.filesystem(), static_cast<long>(time(nullptr)));
  auto walked = walk_tree(store.root(), cleaner);
  if (!walked) die(kExitUsage, "{}: {}", shown(o.dir), walked.error().message);
  if (o.stats) cleaner.print_stats();
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    warn("cannot write the report: {}", std::strerror(errno));
    return kExitTrouble;
  }
  return cleaner.failures() ? kExitTrouble : kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  set_program("jgreylist-clean");
  // fmt reports a failed write (a full disk under -v) by throwing: the
  // walk stops there, and what was removed so far stays removed.
  try {
    Options o;
    if (int code = read_options(argc, argv, &o); code >= 0) return code;
    return clean(o);
  } catch (const std::exception& e) {
    warn("{}", e.what());
    return kExitTrouble;
  }
}
