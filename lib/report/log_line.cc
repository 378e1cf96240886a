// report/log_line.cc: the programs' log lines read back (log_line.h).
#include "lib/report/log_line.h"

#include <time.h>

#include <cstring>

namespace jgl {

namespace {

struct Words {
  std::string_view words;
  Outcome outcome;
};

// The log's words, a longer one before any it starts with.
constexpr Words kWords[] = {
    {"OK known at connect time", Outcome::ok_known_at_connect},
    {"OK known", Outcome::ok_known},
    {"OK whitelisted", Outcome::ok_whitelisted},
    {"OK relayclient", Outcome::ok_relayclient},
    {"OK auto-whitelisted", Outcome::ok_awl},
    {"OK correspondent", Outcome::ok_correspondent},
    {"OK spared", Outcome::ok_spared},
    {"OK failopen", Outcome::ok_failopen},
    {"OK not from SMTP", Outcome::ok_not_smtp},
    {"GREY first time (expired)", Outcome::grey_expired},
    {"GREY first time", Outcome::grey_first},
    {"GREY too soon", Outcome::grey_too_soon},
    {"GREY not passed by failopen", Outcome::grey_not_failopen},
    {"DENY blacklisted", Outcome::deny_blacklisted},
    {"DENY no reverse DNS", Outcome::deny_norev},
    {"DENY by the rules", Outcome::deny_rules},
    {"DEFER configuration error", Outcome::defer_config},
    {"DEFER store error", Outcome::defer_store},
    {"DEFER", Outcome::defer_other},
};

// jgreylist's line for a client it passed on to jgreylist-queue
// (JGREYLIST_HANDOFF): the queue step decides, and logs its own line.
constexpr std::string_view kHandedOff = ", passed on to the queue step";
// Follows the OK line of the same connection: not a decision of its own.
constexpr std::string_view kCannotRun = "DEFER cannot run ";

bool digit(char c) { return c >= '0' && c <= '9'; }

// `n` digits at text[at]; false when there are not.
bool number(std::string_view text, std::size_t at, std::size_t n, int* value) {
  if (text.size() < at + n) return false;
  int v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!digit(text[i])) return false;
    v = v * 10 + (text[i] - '0');
  }
  *value = v;
  return true;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "@" and 24 hex digits: TAI64N, whose label is 2^62 + 10 + the Unix time
// (daemontools' and runit's convention).
bool tai64n_time(std::string_view text, std::int64_t* time) {
  if (text.size() < 25 || text[0] != '@') return false;
  std::uint64_t label = 0;
  for (std::size_t i = 1; i < 25; ++i) {
    int h = hex(text[i]);
    if (h < 0) return false;
    if (i <= 16) label = label << 4 | static_cast<unsigned>(h);
  }
  constexpr std::uint64_t kUnixEpoch = (std::uint64_t{1} << 62) + 10;
  if (label < kUnixEpoch) return false;
  *time = static_cast<std::int64_t>(label - kUnixEpoch);
  return true;
}

// YYYY-MM-DD, one of 'T', '_', ' ', HH:MM:SS, a fraction, a zone (Z,
// +HH:MM, +HHMM, +HH); without a zone, UTC.
bool iso_time(std::string_view text, std::int64_t* time) {
  int y, mo, d, h, mi, s;
  if (!number(text, 0, 4, &y) || text.size() < 19 || text[4] != '-' || !number(text, 5, 2, &mo) || text[7] != '-' ||
      !number(text, 8, 2, &d) || (text[10] != 'T' && text[10] != '_' && text[10] != ' ') ||
      !number(text, 11, 2, &h) || text[13] != ':' || !number(text, 14, 2, &mi) || text[16] != ':' ||
      !number(text, 17, 2, &s)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return false;
  std::size_t at = 19;
  if (at < text.size() && (text[at] == '.' || text[at] == ',')) {
    ++at;
    while (at < text.size() && digit(text[at])) ++at;
  }
  std::int64_t offset = 0;
  if (at < text.size() && text[at] == 'Z') {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int oh, om = 0;
    if (!number(text, at + 1, 2, &oh)) return false;
    std::size_t next = at + 3;
    if (next < text.size() && text[next] == ':') ++next;
    if (number(text, next, 2, &om)) next += 2;
    offset = (oh * 3600 + om * 60) * (text[at] == '-' ? -1 : 1);
    at = next;
  }
  *time = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
  return true;
}

int month_number(std::string_view name) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  for (int m = 0; m < 12; ++m) {
    if (kMonths.substr(static_cast<std::size_t>(m) * 3, 3) == name) return m + 1;
  }
  return 0;
}

// Past "word " at text[at], for the host name after a stamp.
std::size_t after_word(std::string_view text, std::size_t at) {
  std::size_t space = text.find(' ', at);
  return space == std::string_view::npos ? text.size() : space + 1;
}

// The program at text[at]: "jgreylist", "jgreylist-queue" or
// "jgreylist-policy", then "[digits]: " or ": ". Sets *end past it.
bool program_at(std::string_view text, std::size_t at, Program* program, std::size_t* end) {
  constexpr std::string_view kName = "jgreylist";
  std::size_t i = at + kName.size();
  if (text.compare(i, 6, "-queue") == 0) {
    *program = Program::queue;
    i += 6;
  } else if (text.compare(i, 7, "-policy") == 0) {
    *program = Program::policy;
    i += 7;
  } else {
    *program = Program::jgreylist;
  }
  if (i < text.size() && text[i] == '[') {
    std::size_t close = i + 1;
    while (close < text.size() && digit(text[close])) ++close;
    if (close == i + 1 || close >= text.size() || text[close] != ']') return false;
    i = close + 1;
  }
  if (text.compare(i, 2, ": ") != 0) return false;
  *end = i + 2;
  return true;
}

// Whether `text` can be a client's address as the programs log it.
bool address_like(std::string_view text) {
  if (text.empty() || text.size() > 45) return false;
  for (char c : text) {
    if (!(digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' || c == ':')) return false;
  }
  return true;
}

// " <SENDER> <RECIPIENT>" at text[at]; true and past it when there.
bool envelope_at(std::string_view text, std::size_t at, LogLine* line, std::size_t* end) {
  if (text.compare(at, 2, " <") != 0) return false;
  std::size_t mid = text.find("> <", at + 2);
  if (mid == std::string_view::npos) return false;
  std::size_t close = text.find('>', mid + 3);
  if (close == std::string_view::npos) return false;
  line->sender = text.substr(at + 2, mid - at - 2);
  line->recipient = text.substr(mid + 3, close - mid - 3);
  line->has_envelope = true;
  *end = close + 1;
  return true;
}

// The words after PROG[PID]: and the client, into `line`.
void read_words(std::string_view text, LogLine* line) {
  if (text.starts_with(kCannotRun)) {
    line->kind = LineKind::note;
    return;
  }
  const Words* found = nullptr;
  for (const Words& w : kWords) {
    if (text.starts_with(w.words) &&
        (text.size() == w.words.size() || text[w.words.size()] == ' ' || text[w.words.size()] == ',' ||
         text[w.words.size()] == ':')) {
      found = &w;
      break;
    }
  }
  if (found == nullptr) {
    line->kind = LineKind::note;
    return;
  }
  line->kind = LineKind::decision;
  line->outcome = found->outcome;
  std::size_t at = found->words.size();
  if (line->program == Program::jgreylist && text.substr(at).starts_with(kHandedOff)) {
    line->outcome = Outcome::handed_off;
    return;
  }
  std::size_t end = at;
  if (envelope_at(text, at, line, &end)) {
    std::size_t key = text.find(" key=", end);
    if (key != std::string_view::npos) {
      std::size_t from = key + 5;
      std::size_t to = text.find(' ', from);
      line->key = text.substr(from, to == std::string_view::npos ? std::string_view::npos : to - from);
    }
  }
}

}  // namespace

std::string_view program_name(Program p) {
  switch (p) {
    case Program::jgreylist: return "jgreylist";
    case Program::queue: return "jgreylist-queue";
    case Program::policy: return "jgreylist-policy";
  }
  return "?";
}

std::string_view outcome_words(Outcome o) {
  if (o == Outcome::handed_off) return "GREY, passed on to the queue step";
  for (const Words& w : kWords) {
    if (w.outcome == o) return w.words;
  }
  return "?";
}

OutcomeClass outcome_class(Outcome o) {
  switch (o) {
    case Outcome::ok_known:
    case Outcome::ok_whitelisted:
    case Outcome::ok_relayclient:
    case Outcome::ok_awl:
    case Outcome::ok_correspondent:
    case Outcome::ok_spared:
    case Outcome::ok_failopen:
    case Outcome::ok_known_at_connect:
    case Outcome::ok_not_smtp:
    case Outcome::handed_off: return OutcomeClass::passed;
    case Outcome::grey_first:
    case Outcome::grey_expired:
    case Outcome::grey_too_soon:
    case Outcome::grey_not_failopen: return OutcomeClass::greylisted;
    case Outcome::deny_blacklisted:
    case Outcome::deny_norev:
    case Outcome::deny_rules: return OutcomeClass::denied;
    case Outcome::defer_config:
    case Outcome::defer_store:
    case Outcome::defer_other: return OutcomeClass::deferred;
  }
  return OutcomeClass::deferred;
}

std::string_view class_name(OutcomeClass c) {
  switch (c) {
    case OutcomeClass::passed: return "passed";
    case OutcomeClass::greylisted: return "greylisted";
    case OutcomeClass::denied: return "denied";
    case OutcomeClass::deferred: return "deferred";
  }
  return "?";
}

LineReader::LineReader(std::int64_t now) : now_(now) {}

std::int64_t LineReader::local_hour(int year, int month, int day, int hour) {
  if (cached_[0] == year && cached_[1] == month && cached_[2] == day && cached_[3] == hour) return cached_start_;
  struct tm tm {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_isdst = -1;
  cached_start_ = mktime(&tm);
  cached_[0] = year;
  cached_[1] = month;
  cached_[2] = day;
  cached_[3] = hour;
  return cached_start_;
}

// "Mmm dd HH:MM:SS" (dd space-padded or zero-padded).
bool LineReader::syslog_time(std::string_view text, std::int64_t* time) {
  if (text.size() < 16 || text[3] != ' ' || text[6] != ' ' || text[9] != ':' || text[12] != ':') return false;
  int month = month_number(text.substr(0, 3));
  int day, h, mi, s;
  if (month == 0) return false;
  if (text[4] == ' ') {
    if (!number(text, 5, 1, &day)) return false;
  } else if (!number(text, 4, 2, &day)) {
    return false;
  }
  if (!number(text, 7, 2, &h) || !number(text, 10, 2, &mi) || !number(text, 13, 2, &s)) return false;
  if (day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) return false;
  if (last_month_ == 0) {
    time_t now = static_cast<time_t>(now_);
    struct tm local {};
    localtime_r(&now, &local);
    year_ = local.tm_year + 1900;
    if (local_hour(year_, month, day, h) > now_ + 86400) --year_;
  } else if (month < last_month_ && last_month_ - month >= 6) {
    ++year_;
  }
  last_month_ = month;
  *time = local_hour(year_, month, day, h) + mi * 60 + s;
  return true;
}

LogLine LineReader::read(std::string_view text) {
  LogLine line;
  std::size_t at = 0;  // where the logger's part may end
  if (tai64n_time(text, &line.time)) {
    line.has_time = true;
    at = 26;
  } else if (iso_time(text, &line.time)) {
    line.has_time = true;
    at = after_word(text, 11);
  } else if (syslog_time(text, &line.time)) {
    line.has_time = true;
    at = 16;
  }
  // The program's name, at the start of a word.
  constexpr std::string_view kName = "jgreylist";
  std::size_t end = 0;
  for (std::size_t found = text.find(kName, at);; found = text.find(kName, found + 1)) {
    if (found == std::string_view::npos) return line;
    if ((found == 0 || text[found - 1] == ' ') && program_at(text, found, &line.program, &end)) break;
  }
  // A logger's tag that names the program, then the program's own head:
  // the journal under a unit's StandardError=journal (the package's
  // jgreylist-policy@.service), whose journalctl shows
  // "host jgreylist-policy[812]: jgreylist-policy[812]: 192.0.2.7: ...".
  // The innermost head is the program's: under one unit's tag,
  // jgreylist-queue's lines follow jgreylist's.
  for (Program inner; text.compare(end, kName.size(), kName) == 0 && program_at(text, end, &inner, &end);) {
    line.program = inner;
  }
  std::string_view rest = text.substr(end);
  std::size_t colon = rest.find(": ");
  if (colon != std::string_view::npos && address_like(rest.substr(0, colon))) {
    line.client = rest.substr(0, colon);
    rest.remove_prefix(colon + 2);
  }
  read_words(rest, &line);
  return line;
}

}  // namespace jgl
