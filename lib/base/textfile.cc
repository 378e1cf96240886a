// base/textfile.cc: families of one textfile, each writer its own (textfile.h).
#include "lib/base/textfile.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "lib/base/atomic_file.h"

namespace jgl {

namespace {

// The metric a line is about: a sample's name, or the name after
// "# HELP " / "# TYPE "; empty for any other comment or a blank line.
std::string_view metric_of(std::string_view line) {
  if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
    line.remove_prefix(7);
  } else if (line.starts_with('#')) {
    return {};
  }
  std::size_t end = line.find_first_of(" {");
  return line.substr(0, end);
}

// What a metric's samples may add to its family's name.
std::string_view family_of(std::string_view name) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.ends_with(suffix)) return name.substr(0, name.size() - suffix.size());
  }
  return name;
}

Result<std::string> read_all(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return fail_temporary("unable to read " + path + ": " + std::strerror(errno), errno);
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      close(fd);
      return fail_temporary("unable to read " + path + ": " + std::strerror(saved), saved);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return text;
}

}  // namespace

std::string merged_textfile(std::string_view old, OwnsMetric owns, std::string_view ours) {
  std::string out;
  while (!old.empty()) {
    std::size_t nl = old.find('\n');
    std::string_view line = old.substr(0, nl);
    old.remove_prefix(nl == std::string_view::npos ? old.size() : nl + 1);
    std::string_view metric = metric_of(line);
    if (line.empty() || (!metric.empty() && (owns(metric) || owns(family_of(metric))))) continue;
    out += line;
    out += '\n';
  }
  out += ours;
  return out;
}

Result<void> write_textfile(const std::string& path, OwnsMetric owns, std::string_view ours) {
  auto old = read_all(path);
  if (!old) return std::unexpected(old.error());
  auto file = ReplacingFile::create_beside(path, 0644);
  if (!file) return std::unexpected(file.error());
  if (auto written = file->write(merged_textfile(*old, owns, ours)); !written) return written;
  return file->commit();
}

}  // namespace jgl
