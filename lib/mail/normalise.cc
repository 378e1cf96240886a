// mail/normalise.cc: postgrey's sender rules, SRS, and the spare list.
//
// Every rule is one pass over the address, or a view into it: no rule
// backtracks, so a megabyte of '=' or digits costs a megabyte of work.
#include "lib/mail/normalise.h"

#include <cstddef>
#include <optional>

#include "lib/base/env.h"
#include "lib/base/printable.h"

namespace jgl {

namespace {

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowercased(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Perl's \w without locale or Unicode: what postgrey's \b stands between.
bool is_word(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

struct Mailbox {
  std::string_view local;
  std::string_view domain;
  bool has_at = false;
};

Mailbox split_at_last_at(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return {address, {}, false};
  return {address.substr(0, at), address.substr(at + 1), true};
}

// The text before the next '=' of `rest`, which then starts after it;
// nullopt when there is no '='.
std::optional<std::string_view> take_field(std::string_view& rest) {
  auto eq = rest.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  auto field = rest.substr(0, eq);
  rest.remove_prefix(eq + 1);
  return field;
}

bool srs_separator(char c) { return c == '=' || c == '+' || c == '-'; }

// "HASH=TT=DOMAIN=USER", what follows "srs0" and its separator. A DOMAIN
// with an '@' is no domain: taken as one, the next split at the last '@'
// would cut the result elsewhere.
std::optional<Mailbox> srs0_original(std::string_view rest) {
  auto hash = take_field(rest);
  auto stamp = hash ? take_field(rest) : std::nullopt;
  auto domain = stamp ? take_field(rest) : std::nullopt;
  if (!domain || hash->empty() || stamp->empty() || domain->empty() || rest.empty() ||
      domain->find('@') != std::string_view::npos) {
    return std::nullopt;
  }
  return Mailbox{rest, *domain, true};
}

// The forwarders' rewriting undone (libsrs2's formats), or nullopt when
// `local` is not SRS.
std::optional<Mailbox> srs_original(std::string_view local) {
  if (local.size() < 5 || !srs_separator(local[4])) return std::nullopt;
  auto tag = local.substr(0, 4);
  auto rest = local.substr(5);
  if (tag == "srs0") return srs0_original(rest);
  if (tag != "srs1") return std::nullopt;
  // "HASH=HOST=" then the first forwarder's SRS0 local part without "srs0".
  auto hash = take_field(rest);
  auto host = hash ? take_field(rest) : std::nullopt;
  if (!host || hash->empty() || host->empty() || rest.empty() || !srs_separator(rest[0])) {
    return std::nullopt;
  }
  return srs0_original(rest.substr(1));
}

// postgrey's test for the BATV tag: ten letters or digits at the start.
bool looks_like_tag(std::string_view field) {
  if (field.size() < 10) return false;
  for (std::size_t i = 0; i < 10; ++i) {
    if (!is_digit(field[i]) && !(field[i] >= 'a' && field[i] <= 'z')) return false;
  }
  return true;
}

std::string_view without_batv(std::string_view local) {
  constexpr std::string_view kPrvs = "prvs=";
  if (!local.starts_with(kPrvs)) return local;
  auto rest = local.substr(kPrvs.size());
  // postgrey splits on '=' with Perl's split, which drops empty fields at
  // the end: "prvs=a=b=" has the two fields of "prvs=a=b".
  while (!rest.empty() && rest.back() == '=') rest.remove_suffix(1);
  auto eq = rest.find('=');
  if (eq == std::string_view::npos || rest.find('=', eq + 1) != std::string_view::npos) return local;
  auto first = rest.substr(0, eq);
  auto second = rest.substr(eq + 1);
  if (looks_like_tag(second) && !looks_like_tag(first)) return first;
  return second;
}

std::string_view without_extension(std::string_view local) { return local.substr(0, local.find('+')); }

// Appends `local` with each digit run that is a word of its own made '#'.
void append_numbers_masked(std::string& out, std::string_view local) {
  std::size_t i = 0;
  while (i < local.size()) {
    if (!is_digit(local[i])) {
      out += local[i++];
      continue;
    }
    std::size_t end = i;
    while (end < local.size() && is_digit(local[end])) ++end;
    bool word_before = i > 0 && is_word(local[i - 1]);
    bool word_after = end < local.size() && is_word(local[end]);
    if (word_before || word_after) out.append(local.substr(i, end - i));
    else out += '#';
    i = end;
  }
}

}  // namespace

std::string normalise_sender(std::string_view sender) {
  std::string address = lowercased(sender);
  Mailbox box = split_at_last_at(address);
  // A forwarder that knows no SRS1 wraps the SRS0 address it got in its
  // own SRS0: every layer is undone, each from a shorter local part.
  while (auto original = srs_original(box.local)) box = *original;
  // Cutting the extension can leave a BATV local part ("prvs=tag=user+x=y"
  // is three fields, "prvs=tag=user" two): BATV again, or the result would
  // normalise further the next time.
  std::string_view local = without_batv(without_extension(without_batv(box.local)));
  std::string out;
  out.reserve(local.size() + box.domain.size() + 1);
  append_numbers_masked(out, local);
  if (box.has_at) {
    out += '@';
    out.append(box.domain);
  }
  return out;
}

std::string normalise_recipient(std::string_view recipient) { return lowercased(recipient); }

namespace {

bool separates(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

bool control(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

std::optional<std::string> entry_problem(std::string_view entry) {
  for (char c : entry) {
    if (control(c)) return "holds a control byte";
  }
  auto at = entry.find('@');
  if (at == std::string_view::npos) return "has no '@' (write local@, @domain or local@domain)";
  if (entry.find('@', at + 1) != std::string_view::npos) return "has more than one '@'";
  if (entry.size() == 1) return "names no local part and no domain";
  return std::nullopt;
}

}  // namespace

Result<SpareList> SpareList::parse(std::string_view text) {
  SpareList list;
  std::size_t i = 0;
  while (i < text.size()) {
    if (separates(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && !separates(text[end])) ++end;
    auto entry = text.substr(i, end - i);
    i = end;
    if (auto problem = entry_problem(entry)) {
      return fail("entry '" + shown_value(entry) + "' " + *problem);
    }
    if (entry.front() == '@') list.domains_.push_back(lowercased(entry.substr(1)));
    else if (entry.back() == '@') list.locals_.push_back(lowercased(entry.substr(0, entry.size() - 1)));
    else list.addresses_.push_back(lowercased(entry));
  }
  return list;
}

bool SpareList::spares(std::string_view recipient) const {
  Mailbox box = split_at_last_at(recipient);
  for (const auto& local : locals_) {
    if (ascii_iequal(box.local, local)) return true;
  }
  for (const auto& domain : domains_) {
    if (ascii_iequal(box.domain, domain)) return true;
  }
  for (const auto& address : addresses_) {
    if (ascii_iequal(recipient, address)) return true;
  }
  return false;
}

Result<SpareList> SpareList::from_env() {
  const char* value = env_get("JGREYLIST_SPARE");
  auto list = parse(value != nullptr ? std::string_view(value) : kDefault);
  if (!list) return fail("JGREYLIST_SPARE: " + list.error().message);
  return list;
}

}  // namespace jgl
