// spf/whitelist.cc: the fragment's format, both ways, and the update rules.
#include "lib/spf/whitelist.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "lib/base/atomic_file.h"
#include "lib/base/printable.h"
#include "lib/spf/domain.h"

namespace jgl {
namespace {

constexpr std::string_view kHeader =
    "# Written by jgreylist-spf walk: the ranges that big senders' SPF records\n"
    "# authorise, as tcprules lines. Regenerated: edit the list of domains, not\n"
    "# this file, and compile your own rules first (jgreylist-spf(8)).\n";
constexpr std::string_view kDomain = "# domain: ";
constexpr std::string_view kRecord = "# record: ";
constexpr std::string_view kKept = "# kept: ";
constexpr std::string_view kAllow = ":allow,JGREYLIST=\"\"";

// A comment's text on one line, whatever DNS sent: a newline in a record
// must not start a rule line.
std::string comment_text(std::string_view text) { return shown_value(text, 2048); }

Result<void> parse_line(std::string_view line, int number, std::vector<WhitelistSection>& sections) {
  auto error = [&](const char* why) {
    return fail("line " + std::to_string(number) + ": " + why + ": " + shown_value(line, 80));
  };
  if (line.empty()) return {};
  if (line.starts_with(kDomain)) {
    sections.push_back({std::string(line.substr(kDomain.size())), "", {}, ""});
    return {};
  }
  if (line.starts_with('#')) {
    if (line.starts_with(kRecord) && !sections.empty()) sections.back().record = line.substr(kRecord.size());
    return {};
  }
  if (!line.ends_with(kAllow)) return error("not a line jgreylist-spf walk writes");
  if (sections.empty()) return error("a range before any \"# domain:\" line");
  auto range = Prefix::parse(line.substr(0, line.size() - kAllow.size()));
  if (!range) return error("not a CIDR range");
  sections.back().ranges.push_back(*range);
  return {};
}

Result<std::string> read_all(int fd, const std::string& path) {
  std::string text;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) return text;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_temporary("unable to read " + path + ": " + std::strerror(errno), errno);
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

// The whole file; `missing_ok`: no file is an empty text.
Result<std::string> read_file(const std::string& path, bool missing_ok) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && missing_ok) return std::string();
  if (fd < 0) return fail_temporary("unable to open " + path + ": " + std::strerror(errno), errno);
  auto text = read_all(fd, path);
  ::close(fd);
  return text;
}

std::string_view trimmed(std::string_view text) {
  std::size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r") + 1 - begin);
}

}  // namespace

std::string format_whitelist(const std::vector<WhitelistSection>& sections) {
  std::string text(kHeader);
  for (const WhitelistSection& s : sections) {
    text += "\n";
    text += kDomain;
    text += s.domain + "\n";
    if (!s.record.empty()) text += std::string(kRecord) + comment_text(s.record) + "\n";
    if (!s.kept_because.empty()) {
      text += std::string(kKept) + "the previous run's ranges; this walk failed: " + comment_text(s.kept_because) + "\n";
    }
    for (const Prefix& range : s.ranges) {
      text += range.format().view();
      text += kAllow;
      text += "\n";
    }
  }
  return text;
}

Result<std::vector<WhitelistSection>> parse_whitelist(std::string_view text) {
  std::vector<WhitelistSection> sections;
  int number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (auto ok = parse_line(line, ++number, sections); !ok) return std::unexpected(ok.error());
  }
  return sections;
}

Result<std::vector<WhitelistSection>> read_whitelist(const std::string& path) {
  auto text = read_file(path, true);
  if (!text) return std::unexpected(text.error());
  auto sections = parse_whitelist(*text);
  if (!sections) return fail(path + " " + sections.error().message);
  return sections;
}

Result<std::string> listed_domain(std::string_view word) {
  bool host_bytes = word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
                    std::string_view::npos;
  if (!host_bytes || !is_valid_domain(word)) return fail("not a domain name: " + shown_value(word, 80));
  return query_name(lowercase(word));
}

Result<std::vector<std::string>> parse_domain_list(std::string_view text) {
  std::vector<std::string> domains;
  int number = 0;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    line = trimmed(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    auto domain = listed_domain(line);
    if (!domain) return fail("line " + std::to_string(number) + ": " + domain.error().message);
    domains.push_back(*domain);
  }
  return domains;
}

Result<std::vector<std::string>> read_domain_list(const std::string& path) {
  auto text = read_file(path, false);
  if (!text) return std::unexpected(text.error());
  auto domains = parse_domain_list(*text);
  if (!domains) return fail(path + " " + domains.error().message);
  return domains;
}

Result<void> write_whitelist(const std::string& path, const std::vector<WhitelistSection>& sections) {
  auto file = ReplacingFile::create_beside(path, 0644);
  if (!file) return std::unexpected(file.error());
  if (auto ok = file->write(format_whitelist(sections)); !ok) return ok;
  return file->commit();
}

std::size_t range_count(const std::vector<WhitelistSection>& sections) {
  std::size_t count = 0;
  for (const WhitelistSection& s : sections) count += s.ranges.size();
  return count;
}

WhitelistUpdate update_whitelist(const std::vector<DomainWalk>& walks, const std::vector<WhitelistSection>& previous,
                                 int max_shrink_percent) {
  std::map<std::string, const WhitelistSection*> before;
  for (const WhitelistSection& s : previous) before.emplace(s.domain, &s);
  WhitelistUpdate update;
  for (const DomainWalk& walk : walks) {
    if (walk.ok) {
      update.sections.push_back({walk.domain, walk.record, walk.ranges, ""});
      continue;
    }
    auto old = before.find(walk.domain);
    if (old == before.end()) {
      update.missing.push_back(walk.domain + ": " + walk.reason);
      continue;
    }
    update.sections.push_back({walk.domain, old->second->record, old->second->ranges, walk.reason});
    update.kept.push_back(walk.domain + ": " + walk.reason);
  }
  update.previous_ranges = range_count(previous);
  update.ranges = range_count(update.sections);
  // Losing more than max_shrink_percent of the ranges: refused.
  std::size_t lost = update.previous_ranges > update.ranges ? update.previous_ranges - update.ranges : 0;
  if (lost * 100 > update.previous_ranges * static_cast<std::size_t>(max_shrink_percent)) {
    update.refused = std::to_string(update.ranges) + " ranges would replace " + std::to_string(update.previous_ranges) +
                     ", losing more than " + std::to_string(max_shrink_percent) + "%";
  }
  return update;
}

}  // namespace jgl
