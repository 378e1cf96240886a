// report/report.cc: decisions counted, greylisted keys followed (report.h).
#include "lib/report/report.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>

#include <fmt/format.h>

#include "lib/mail/normalise.h"
#include "lib/net/address.h"

namespace jgl {

namespace {

// The sender's domain as a report groups by it: "<>" for a bounce, the
// whole (normalised) address when it has no '@'.
std::string sender_domain(std::string_view normalised) {
  if (normalised.empty()) return "<>";
  std::size_t at = normalised.rfind('@');
  return std::string(at == std::string_view::npos ? normalised : normalised.substr(at + 1));
}

bool starts_key(Outcome o) { return o == Outcome::grey_first || o == Outcome::grey_expired; }

bool ends_key(Outcome o) {
  return o == Outcome::ok_known || o == Outcome::ok_awl || o == Outcome::ok_correspondent ||
         o == Outcome::ok_whitelisted;
}

}  // namespace

void Timeline::add(std::int64_t time, OutcomeClass c) {
  if (periods_.empty()) start_ = time - time % width_;
  if (time < start_) time = start_;  // out of order: counted in the first
  auto index = static_cast<std::size_t>((time - start_) / width_);
  while (index >= kMaxPeriods) {
    // Twice as wide, starting at a multiple of the new width.
    std::int64_t wider = width_ * 2;
    std::int64_t new_start = start_ - ((start_ % wider) + wider) % wider;
    std::vector<Period> merged((periods_.size() * width_ + (start_ - new_start)) / wider + 1);
    for (std::size_t i = 0; i < periods_.size(); ++i) {
      auto to = static_cast<std::size_t>((start_ + static_cast<std::int64_t>(i) * width_ - new_start) / wider);
      for (int k = 0; k < kOutcomeClassCount; ++k) merged[to].counts[k] += periods_[i].counts[k];
    }
    periods_ = std::move(merged);
    start_ = new_start;
    width_ = wider;
    index = static_cast<std::size_t>((time - start_) / width_);
  }
  if (index >= periods_.size()) periods_.resize(index + 1);
  ++periods_[index].counts[static_cast<int>(c)];
}

Report::Report(const ReportSettings& settings)
    : delays_by_domain(settings.names),
      never_by_network(settings.names),
      never_by_domain(settings.names),
      too_soon_by_network(settings.names),
      settings_(settings) {}

std::uint64_t Report::key_of(const LogLine& line, const Prefix& network) {
  key_text_.clear();
  if (!line.has_envelope) {
    key_text_ += 'N';
    key_text_ += network.format().view();
  } else {
    key_text_ += 'T';
    if (!line.key.empty()) {
      key_text_ += line.key;
    } else {
      key_text_ += network.format().view();
    }
    key_text_ += '\0';
    key_text_ += normalise_sender(line.sender);
    key_text_ += '\0';
    key_text_ += normalise_recipient(line.recipient);
  }
  return std::hash<std::string_view>{}(key_text_);
}

bool Report::current(const Started& s) const {
  auto it = followed_.find(s.key);
  return it != followed_.end() && it->second.serial == s.serial;
}

void Report::start(std::uint64_t key, const LogLine& line, const Prefix& network, bool first_seen) {
  std::uint64_t serial = ++serial_;
  Followed f{line.time, first_seen, line.has_time, 0, serial, network,
             line.has_envelope ? sender_domain(normalise_sender(line.sender)) : std::string()};
  followed_.insert_or_assign(key, std::move(f));
  (line.has_time ? started_ : started_untimed_).push_back(Started{line.time, key, serial});
  while (followed_.size() > settings_.max_keys && let_go_oldest(line.time)) {
  }
  // Keys that ended leave their places behind: drop them when they
  // outnumber the keys followed, so that the queues stay bounded too.
  if (started_.size() + started_untimed_.size() > 2 * settings_.max_keys) {
    std::erase_if(started_, [&](const Started& s) { return !current(s); });
    std::erase_if(started_untimed_, [&](const Started& s) { return !current(s); });
  }
}

// Past max_keys: a key of no known age first (the pending age would never
// end it), else the one started longest ago. False when none is left.
bool Report::let_go_oldest(std::int64_t now) {
  std::deque<Started>& queue = started_untimed_.empty() ? started_ : started_untimed_;
  if (queue.empty()) return false;
  Started oldest = queue.front();
  queue.pop_front();
  if (current(oldest)) end(followed_.find(oldest.key), Ending::let_go, now);
  return true;
}

void Report::end(std::unordered_map<std::uint64_t, Followed>::iterator it, Ending how, std::int64_t at, bool at_timed) {
  Followed& f = it->second;
  if (f.too_soon > 0) ++too_soon_keys;
  switch (how) {
    case Ending::passed:
      if (!f.first_seen) {
        ++passed_first_unseen;
      } else if (!f.timed || !at_timed) {
        ++passed_untimed;
      } else if (at < f.first) {
        ++out_of_order;
      } else {
        auto delay = static_cast<std::uint64_t>(at - f.first);
        delays.add(delay);
        if (f.domain.empty()) {
          delays_without_sender.add(delay);
        } else {
          delays_by_domain.add(f.domain).add(delay);
        }
      }
      break;
    case Ending::never:
      ++never_came_back;
      never_by_network.add(f.network.format().view());
      if (!f.domain.empty()) never_by_domain.add(f.domain);
      break;
    case Ending::waiting: ++still_waiting; break;
    case Ending::let_go: ++let_go; break;
  }
  followed_.erase(it);
}

// Keys greylisted longer ago than the pending age: their entries have
// expired (lib/store/expiry.h), so they never came back in time.
void Report::expire(std::int64_t now) {
  while (!started_.empty() && started_.front().since + settings_.pending_age < now) {
    Started oldest = started_.front();
    started_.pop_front();
    if (current(oldest)) end(followed_.find(oldest.key), Ending::never, now);
  }
}

void Report::add(const LogLine& line) {
  ++lines;
  if (line.kind == LineKind::other) return;
  ++ours;
  if (line.has_time) {
    if (timed == 0) first_time = line.time;
    first_time = std::min(first_time, line.time);
    last_time = std::max(last_time, line.time);
    ++timed;
    expire(line.time);
  }
  if (line.kind == LineKind::note) {
    ++notes;
    return;
  }
  ++decisions;
  ++by_outcome[static_cast<int>(line.program)][static_cast<int>(line.outcome)];
  if (line.has_time) timeline.add(line.time, outcome_class(line.outcome));

  const bool tracked = starts_key(line.outcome) || ends_key(line.outcome) || line.outcome == Outcome::grey_too_soon;
  if (!tracked || line.client.empty()) return;
  auto client = Address::parse(line.client);
  if (!client) return;
  Prefix network(*client, client->is_v4() ? settings_.prefix4 : settings_.prefix6);
  std::uint64_t key = key_of(line, network);
  auto it = followed_.find(key);
  if (starts_key(line.outcome)) {
    // Greylisted as new while followed: the earlier attempt never came back.
    if (it != followed_.end()) end(it, Ending::never, line.time);
    start(key, line, network, true);
  } else if (line.outcome == Outcome::grey_too_soon) {
    ++too_soon;
    too_soon_by_network.add(network.format().view());
    if (it == followed_.end()) {
      start(key, line, network, false);
      it = followed_.find(key);
    }
    ++it->second.too_soon;
  } else if (it != followed_.end()) {
    end(it, Ending::passed, line.time, line.has_time);
  }
}

void Report::finish() {
  while (!followed_.empty()) {
    auto it = followed_.begin();
    bool expired = it->second.timed && it->second.first + settings_.pending_age < last_time;
    end(it, expired ? Ending::never : Ending::waiting, last_time);
  }
  started_.clear();
  started_untimed_.clear();
}

namespace {

struct Compression {
  std::string_view magic, format, tool;
};

// What rotated logs are compressed with, by the bytes they start with.
const Compression* compression_of(std::string_view head) {
  static constexpr Compression kKnown[] = {
      {"\x1f\x8b", "gzip", "zcat"},
      {"\x1f\x9d", "compress", "zcat"},
      {"BZh", "bzip2", "bzcat"},
      {"\xfd" "7zXZ", "xz", "xzcat"},
      {"\x28\xb5\x2f\xfd", "zstd", "zstdcat"},
  };
  for (const Compression& c : kKnown) {
    // bzip2's "BZh" is followed by its block size, a digit from 1 to 9.
    bool bzip2 = c.magic == "BZh";
    if (head.starts_with(c.magic) && (!bzip2 || (head.size() > 3 && head[3] >= '1' && head[3] <= '9'))) return &c;
  }
  return nullptr;
}

}  // namespace

Result<void> read_log(int fd, std::string_view name, LineReader& reader, Report& report) {
  constexpr std::size_t kBuffer = 1 << 20, kLongest = 1 << 16;
  auto buffer = std::make_unique<char[]>(kBuffer);
  std::size_t held = 0;      // bytes of a line begun in the buffer
  bool skipping = false;     // past the first kLongest bytes of a line
  bool first_read = true;
  for (;;) {
    ssize_t n = read(fd, buffer.get() + held, kBuffer - held);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_temporary(std::string(name) + ": " + std::strerror(errno), errno);
    if (first_read) {
      if (const Compression* c = compression_of(std::string_view(buffer.get(), static_cast<std::size_t>(n)))) {
        return fail(fmt::format("{}: compressed ({}): read it through {}", name, c->format, c->tool));
      }
    }
    first_read = false;
    std::size_t end = held + static_cast<std::size_t>(n);
    std::size_t from = 0;
    for (;;) {
      auto* nl = static_cast<char*>(std::memchr(buffer.get() + from, '\n', end - from));
      if (nl == nullptr) break;
      std::size_t at = static_cast<std::size_t>(nl - buffer.get());
      if (!skipping) report.add(reader.read(std::string_view(buffer.get() + from, std::min(at - from, kLongest))));
      skipping = false;
      from = at + 1;
    }
    if (n == 0) {
      // A last line without its newline.
      if (from < end && !skipping) report.add(reader.read(std::string_view(buffer.get() + from, std::min(end - from, kLongest))));
      return {};
    }
    // Keep the line begun; a line longer than kLongest is read now and the
    // rest of it skipped.
    held = end - from;
    if (held >= kLongest) {
      if (!skipping) report.add(reader.read(std::string_view(buffer.get() + from, kLongest)));
      skipping = true;
      held = 0;
    } else {
      std::memmove(buffer.get(), buffer.get() + from, held);
    }
  }
}

}  // namespace jgl
