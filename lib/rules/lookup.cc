// rules/lookup.cc: tcpserver's lookup order, and reading a record as
// tcpserver does.
#include "lib/rules/lookup.h"

#include <cdb.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace jgl {
namespace {

// As tcpserver reads a record: NUL-terminated items, 'D' ends it.
RuleMatch read_record(const std::string& key, std::string_view data) {
  RuleMatch match{key, false, {}};
  for (std::size_t nul; (nul = data.find('\0')) != std::string_view::npos; data.remove_prefix(nul + 1)) {
    if (data.front() == 'D') {
      match.deny = true;
      break;
    }
    if (data.front() == '+') match.settings.emplace_back(data.substr(1, nul - 1));
  }
  return match;
}

// The record of the first of `keys` found in db.
Result<std::optional<RuleMatch>> first_match(struct cdb& db, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    int found = cdb_find(&db, key.data(), static_cast<unsigned>(key.size()));
    if (found < 0) {
      int e = errno;
      return fail_temporary("lookup failed", e ? e : EPROTO);
    }
    if (found == 0) continue;
    const char* p = static_cast<const char*>(cdb_get(&db, cdb_datalen(&db), cdb_datapos(&db)));
    if (p == nullptr) return fail_temporary("truncated record", EPROTO);
    return read_record(key, std::string_view(p, cdb_datalen(&db)));
  }
  return std::optional<RuleMatch>{};
}

}  // namespace

std::vector<std::string> lookup_keys(std::string_view ip, const char* host, const char* info) {
  std::vector<std::string> keys;
  if (info) keys.push_back(fmt::format("{}@{}", info, ip));
  keys.emplace_back(ip);
  if (host) keys.push_back(fmt::format("={}", host));
  for (std::size_t n = ip.size(); n > 0; --n) {
    if (ip[n - 1] == '.' || ip[n - 1] == ':') keys.emplace_back(ip.substr(0, n));
  }
  if (host) {
    for (const char* p = host; *p; ++p) {
      if (*p == '.') keys.push_back(fmt::format("={}", p));
    }
    keys.emplace_back("=");
  }
  keys.emplace_back("");
  return keys;
}

Result<int> open_rules_cdb(const char* path) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail_temporary(std::strerror(errno), errno);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return fail_temporary(std::strerror(e), e);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    const char* what = S_ISDIR(st.st_mode) ? "is a directory" : S_ISFIFO(st.st_mode) ? "is a FIFO" : "is not a regular file";
    return fail_temporary(what, S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
  }
  return fd;
}

Result<std::optional<RuleMatch>> check_rules(int fd, std::string_view ip, const char* host, const char* info) {
  struct cdb db;
  if (cdb_init(&db, fd) < 0) return fail_temporary("not a cdb", errno ? errno : EPROTO);
  auto match = first_match(db, lookup_keys(ip, host, info));
  cdb_free(&db);
  return match;
}

struct RulesCdb::Mapped {
  int fd = -1;
  struct cdb db;
};

Result<RulesCdb> RulesCdb::open(const char* path) {
  auto fd = open_rules_cdb(path);
  if (!fd) return std::unexpected(fd.error());
  struct cdb db;
  if (cdb_init(&db, *fd) < 0) {
    int e = errno ? errno : EPROTO;
    close(*fd);
    return fail_temporary("not a cdb", e);
  }
  RulesCdb rules;
  rules.mapped_ = new Mapped{*fd, db};
  return rules;
}

RulesCdb::RulesCdb(RulesCdb&& other) noexcept : mapped_(other.mapped_) { other.mapped_ = nullptr; }

RulesCdb::~RulesCdb() {
  if (mapped_ == nullptr) return;
  cdb_free(&mapped_->db);
  close(mapped_->fd);
  delete mapped_;
}

Result<std::optional<RuleMatch>> RulesCdb::check(std::string_view ip, const char* host, const char* info) {
  return first_match(mapped_->db, lookup_keys(ip, host, info));
}

}  // namespace jgl
