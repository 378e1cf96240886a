// normalise.cc (fuzz target): the sender and recipient as a triplet keys
// them, and JGREYLIST_SPARE (lib/mail/normalise.h).
//
// The input is one address, and one spare list. Properties, beyond not
// crashing:
//   - normalising is idempotent: a normalised sender or recipient is its
//     own normal form (else one sender would key two triplets, depending
//     on whether it came normalised once or twice: a forwarder's SRS
//     around another's, say);
//   - a normalised sender holds no ASCII uppercase letter, is no longer
//     than the input, and keeps an '@' the input has (one without '@'
//     gains one only from SRS, which gives back USER@DOMAIN);
//   - the recipient is only lowercased: same length, same bytes but A-Z;
//   - a spare list that parses spares what each of its entries names.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/mail/normalise.h"

namespace {

[[noreturn]] void failed(const char* what, std::string_view input, std::string_view detail = {}) {
  std::fprintf(stderr, "FAILED: %s\n  input: '%.*s'\n  detail: '%.*s'\n", what, static_cast<int>(input.size()),
               input.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

bool has_upper(std::string_view s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

void check_sender(std::string_view input) {
  std::string once = jgl::normalise_sender(input);
  std::string twice = jgl::normalise_sender(once);
  if (twice != once) failed("normalise_sender is not idempotent", input, once + " -> " + twice);
  if (has_upper(once)) failed("a normalised sender holds an uppercase letter", input, once);
  if (once.size() > input.size()) failed("a normalised sender grew", input, once);
  bool at_in = input.find('@') != std::string_view::npos;
  bool at_out = once.find('@') != std::string::npos;
  if (at_in && !at_out) failed("normalising lost the '@'", input, once);
}

void check_recipient(std::string_view input) {
  std::string once = jgl::normalise_recipient(input);
  if (once.size() != input.size()) failed("a normalised recipient changed length", input, once);
  for (std::size_t i = 0; i < once.size(); ++i) {
    char c = input[i];
    char want = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    if (once[i] != want) failed("a recipient changed beyond lowercasing", input, once);
  }
  if (jgl::normalise_recipient(once) != once) failed("normalise_recipient is not idempotent", input, once);
}

bool separates(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// Each entry of a list that parsed spares the recipients it names.
void check_spare_list(std::string_view input) {
  auto list = jgl::SpareList::parse(input);
  if (!list) {
    if (list.error().message.empty()) failed("a spare list refused without a reason", input);
    return;
  }
  for (std::size_t i = 0; i < input.size();) {
    if (separates(input[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < input.size() && !separates(input[end])) ++end;
    std::string entry(input.substr(i, end - i));
    i = end;
    std::size_t at = entry.find('@');
    if (at == std::string::npos) failed("a spare list accepted an entry without '@'", input, entry);
    std::string local = entry.substr(0, at), domain = entry.substr(at + 1);
    std::string wanted = local.empty() ? "someone@" + domain : domain.empty() ? local + "@example.org" : entry;
    if (!list->spares(wanted)) failed("an entry does not spare what it names", input, wanted);
    if (domain.empty() && !list->spares(local)) failed("local@ does not spare the bare local part", input, local);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  check_sender(input);
  check_recipient(input);
  check_spare_list(input);
  return 0;
}
