// qmail_envelope_test.cpp: EnvelopeReader, qmail-queue's envelope read as
// it arrives ("F" sender NUL, "T" recipient NUL..., a final NUL): the same
// addresses however the bytes are cut, where it ends, what it refuses, and
// that a huge envelope costs no more memory than one address.
#include "lib/mail/qmail_envelope.h"

#include <malloc.h>

#include <catch2/catch.hpp>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace std::string_literals;
using jgl::EnvelopeReader;
using Status = EnvelopeReader::Status;

namespace {

constexpr std::size_t kLimit = 1024;  // jgreylist-queue's: Key::kMaxAddress

// Keeps every address it is handed, in order.
struct Collected : EnvelopeReader::Handler {
  void sender(std::string_view address) override {
    senders.emplace_back(address);
    events.push_back("F" + std::string(address));
  }
  void recipient(std::string_view address) override {
    recipients.emplace_back(address);
    events.push_back("T" + std::string(address));
  }
  std::vector<std::string> senders, recipients, events;
};

struct Outcome {
  Status status = Status::more;
  std::size_t used = 0;  // bytes of the input that were part of the envelope
  std::string error;
  Collected got;
};

const char* status_name(Status s) {
  switch (s) {
    case Status::more: return "more";
    case Status::done: return "done";
    case Status::malformed: return "malformed";
  }
  return "?";
}

// Feeds `bytes` cut at `cuts` (increasing offsets), stopping at the first
// piece that ends the envelope or finds it malformed, as jgreylist-queue does.
Outcome feed_in_pieces(std::string_view bytes, const std::vector<std::size_t>& cuts,
                       std::size_t limit = kLimit) {
  EnvelopeReader reader(limit);
  Outcome out;
  std::size_t start = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(bytes.size());
  for (std::size_t end : ends) {
    std::size_t used = 0;
    out.status = reader.feed(bytes.substr(start, end - start), out.got, &used);
    REQUIRE(used <= end - start);
    out.used += used;
    if (out.status != Status::more) break;
    REQUIRE(used == end - start);  // "more" takes the whole piece
    start = end;
  }
  out.error = std::string(reader.error());
  return out;
}

Outcome feed_whole(std::string_view bytes, std::size_t limit = kLimit) { return feed_in_pieces(bytes, {}, limit); }

Outcome feed_byte_by_byte(std::string_view bytes) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < bytes.size(); ++i) cuts.push_back(i);
  return feed_in_pieces(bytes, cuts);
}

Outcome feed_at_random(std::string_view bytes, std::mt19937& rng) {
  std::vector<std::size_t> cuts;
  std::uniform_int_distribution<std::size_t> piece(1, 9);
  for (std::size_t at = piece(rng); at < bytes.size(); at += piece(rng)) cuts.push_back(at);
  return feed_in_pieces(bytes, cuts);
}

void require_status(const Outcome& out, Status expected) {
  INFO("expected " << status_name(expected) << ", got " << status_name(out.status) << " (error: \"" << out.error
                   << "\")");
  REQUIRE(out.status == expected);
}

// The events of an envelope of `sender` and `recipients`, and its bytes.
std::string envelope(std::string_view sender, const std::vector<std::string>& recipients) {
  std::string e = "F" + std::string(sender) + '\0';
  for (const auto& r : recipients) e += "T" + r + '\0';
  return e + '\0';
}

std::vector<std::string> events(std::string_view sender, const std::vector<std::string>& recipients) {
  std::vector<std::string> out{"F" + std::string(sender)};
  for (const auto& r : recipients) out.push_back("T" + r);
  return out;
}

// Heap bytes in use (glibc). Under ASan, whose allocator glibc does not see,
// it does not move, and the memory checks below pass trivially.
std::size_t heap_in_use() { return mallinfo2().uordblks; }

}  // namespace

TEST_CASE("an envelope fed whole, byte by byte or in random pieces gives the same addresses", "[envelope_reader]") {
  const std::vector<std::string> recipients{"b@example.net", "C@Example.NET", "postmaster", "x\x01y@\xff.example",
                                            std::string(kLimit, 'r')};
  const std::string sender = "a+tag@example.org";
  const std::string bytes = envelope(sender, recipients);
  const auto expected = events(sender, recipients);

  Outcome whole = feed_whole(bytes);
  require_status(whole, Status::done);
  CHECK(whole.used == bytes.size());
  CHECK(whole.got.events == expected);

  Outcome bytewise = feed_byte_by_byte(bytes);
  require_status(bytewise, Status::done);
  CHECK(bytewise.used == bytes.size());
  CHECK(bytewise.got.events == expected);

  std::mt19937 rng(20261130);
  for (int round = 0; round < 200; ++round) {
    Outcome random = feed_at_random(bytes, rng);
    INFO("round " << round);
    require_status(random, Status::done);
    CHECK(random.used == bytes.size());
    CHECK(random.got.events == expected);
  }
}

TEST_CASE("each address is handed on as soon as its NUL arrives, before the envelope ends", "[envelope_reader]") {
  EnvelopeReader reader(kLimit);
  Collected got;
  std::size_t used = 0;
  CHECK(reader.feed("Fa@example.org"s, got, &used) == Status::more);
  CHECK(got.events.empty());
  CHECK(reader.feed("\0Tb@exa"s, got, &used) == Status::more);
  CHECK(got.events == std::vector<std::string>{"Fa@example.org"});
  CHECK(reader.feed("mple.net\0"s, got, &used) == Status::more);
  CHECK(got.events == std::vector<std::string>{"Fa@example.org", "Tb@example.net"});
  CHECK(reader.feed("\0"s, got, &used) == Status::done);
  CHECK(used == 1);
}

TEST_CASE("the empty sender of a bounce is handed on as an empty address", "[envelope_reader]") {
  const std::string bytes = "F\0Tb@example.net\0\0"s;
  for (const Outcome& out : {feed_whole(bytes), feed_byte_by_byte(bytes)}) {
    require_status(out, Status::done);
    CHECK(out.got.senders == std::vector<std::string>{""});
    CHECK(out.got.recipients == std::vector<std::string>{"b@example.net"});
  }
}

TEST_CASE("an empty recipient is an address like any other", "[envelope_reader]") {
  Outcome out = feed_whole("Fa@example.org\0T\0\0"s);
  require_status(out, Status::done);
  CHECK(out.got.recipients == std::vector<std::string>{""});
}

TEST_CASE("the final NUL ends the envelope and the bytes after it are not used", "[envelope_reader]") {
  const std::string envelope_bytes = "Fa@example.org\0Tb@example.net\0\0"s;
  const std::string after = "Tc@example.net\0\0garbage"s;
  EnvelopeReader reader(kLimit);
  Collected got;
  std::size_t used = 12345;
  CHECK(reader.feed(envelope_bytes + after, got, &used) == Status::done);
  CHECK(used == envelope_bytes.size());
  CHECK(got.recipients == std::vector<std::string>{"b@example.net"});

  SECTION("and what is fed after the end is not used either") {
    used = 12345;
    CHECK(reader.feed(after, got, &used) == Status::done);
    CHECK(used == 0);
    CHECK(got.recipients.size() == 1);
  }
}

TEST_CASE("the end found in a later piece counts only that piece's bytes up to the NUL", "[envelope_reader]") {
  EnvelopeReader reader(kLimit);
  Collected got;
  std::size_t used = 0;
  CHECK(reader.feed("Fa\0Tb"s, got, &used) == Status::more);
  CHECK(used == 5);
  CHECK(reader.feed("\0\0XYZ"s, got, &used) == Status::done);
  CHECK(used == 2);
}

TEST_CASE("an envelope that does not start with F is malformed at its first byte", "[envelope_reader]") {
  for (std::string bytes : {"Tb@example.net\0\0"s, "\0"s, "f\0Tb\0\0"s, " Fa\0Tb\0\0"s}) {
    Outcome out = feed_whole(bytes);
    INFO("envelope " << bytes.size() << " bytes starting with byte " << int(bytes[0]));
    require_status(out, Status::malformed);
    CHECK(out.used == 1);
    CHECK_THAT(out.error, Catch::Contains("does not start with F"));
    CHECK(out.got.events.empty());
  }
}

TEST_CASE("an item other than T after the sender is malformed", "[envelope_reader]") {
  for (std::string bytes : {"Fa@example.org\0Xb@example.net\0\0"s, "Fa@example.org\0Tb\0Fc\0\0"s}) {
    Outcome out = feed_whole(bytes);
    require_status(out, Status::malformed);
    CHECK_THAT(out.error, Catch::Contains("not T"));
  }
}

TEST_CASE("an envelope without a recipient is malformed", "[envelope_reader]") {
  Outcome out = feed_whole("F\0\0"s);
  require_status(out, Status::malformed);
  CHECK(out.used == 3);
  CHECK_THAT(out.error, Catch::Contains("no recipient"));
}

TEST_CASE("an address of exactly the limit is accepted, one byte more is not", "[envelope_reader]") {
  const std::size_t limit = 16;
  Outcome at_limit = feed_whole(envelope(std::string(limit, 's'), {std::string(limit, 'r')}), limit);
  require_status(at_limit, Status::done);
  CHECK(at_limit.got.recipients == std::vector<std::string>{std::string(limit, 'r')});

  Outcome sender_over = feed_whole(envelope(std::string(limit + 1, 's'), {"b"}), limit);
  require_status(sender_over, Status::malformed);
  CHECK_THAT(sender_over.error, Catch::Contains("longer than the limit"));
  CHECK(sender_over.got.events.empty());

  Outcome recipient_over = feed_whole(envelope("a", {"b", std::string(limit + 1, 'r')}), limit);
  require_status(recipient_over, Status::malformed);
  CHECK(recipient_over.got.events == std::vector<std::string>{"Fa", "Tb"});
}

TEST_CASE("an address over the limit is refused at once, without reading the rest", "[envelope_reader]") {
  const std::string megabyte(1 << 20, 'x');
  SECTION("a 1 MB sender") {
    Outcome out = feed_whole("F" + megabyte + '\0' + "Tb\0\0"s);
    require_status(out, Status::malformed);
    // "F", then kLimit bytes kept, then the one that is too many.
    CHECK(out.used == 1 + kLimit + 1);
  }
  SECTION("a 1 MB recipient") {
    Outcome out = feed_whole("Fa\0T"s + megabyte + '\0' + '\0');
    require_status(out, Status::malformed);
    CHECK(out.used == 4 + kLimit + 1);
    CHECK(out.got.events == std::vector<std::string>{"Fa"});
  }
  SECTION("and fed in pieces, no piece after the refusal is taken") {
    EnvelopeReader reader(kLimit);
    Collected got;
    std::size_t used = 0;
    CHECK(reader.feed("F" + megabyte.substr(0, 1000), got, &used) == Status::more);
    CHECK(reader.feed(megabyte.substr(0, 1000), got, &used) == Status::malformed);
    CHECK(used == kLimit - 1000 + 1);
    CHECK(reader.feed(megabyte.substr(0, 1000) + "\0Tb\0\0"s, got, &used) == Status::malformed);
    CHECK(used == 0);
    CHECK(got.events.empty());
  }
}

TEST_CASE("after a malformed envelope every further piece is refused, none used", "[envelope_reader]") {
  EnvelopeReader reader(kLimit);
  Collected got;
  std::size_t used = 0;
  CHECK(reader.feed("X"s, got, &used) == Status::malformed);
  CHECK(reader.feed("Fa\0Tb\0\0"s, got, &used) == Status::malformed);
  CHECK(used == 0);
  CHECK_FALSE(reader.error().empty());
  CHECK(got.events.empty());
}

TEST_CASE("an envelope cut short asks for more, wherever it is cut", "[envelope_reader]") {
  const std::string bytes = "Fa@example.org\0Tb@example.net\0Tc@example.net\0\0"s;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    Outcome out = feed_whole(bytes.substr(0, n));
    INFO("cut after " << n << " of " << bytes.size() << " bytes");
    require_status(out, Status::more);
    CHECK(out.used == n);
    CHECK(out.error.empty());
  }
}

TEST_CASE("100,000 recipients are each handed on, in order, and not kept by the reader", "[envelope_reader]") {
  constexpr unsigned long kCount = 100000;
  std::string bytes = "Fa@example.org\0"s;
  for (unsigned long i = 0; i < kCount; ++i) bytes += "Trecipient-" + std::to_string(i) + "@example.net" + '\0';
  bytes += '\0';

  // Checks each recipient as it comes and keeps none of them.
  struct Counting : EnvelopeReader::Handler {
    void sender(std::string_view address) override { sender_ok = address == "a@example.org"; }
    void recipient(std::string_view address) override {
      if (address == "recipient-" + std::to_string(calls) + "@example.net") ++in_order;
      ++calls;
    }
    bool sender_ok = false;
    unsigned long calls = 0, in_order = 0;
  } handler;

  const std::size_t before = heap_in_use();
  std::size_t peak = 0;
  EnvelopeReader reader(kLimit);
  Status status = Status::more;
  std::size_t used_total = 0;
  for (std::size_t at = 0; at < bytes.size() && status == Status::more; at += 65536) {
    std::size_t used = 0;
    status = reader.feed(std::string_view(bytes).substr(at, 65536), handler, &used);
    used_total += used;
    std::size_t now = heap_in_use();
    if (now > peak) peak = now;
  }
  require_status(Outcome{status, used_total, std::string(reader.error()), {}}, Status::done);
  CHECK(used_total == bytes.size());
  CHECK(handler.sender_ok);
  CHECK(handler.calls == kCount);
  CHECK(handler.in_order == kCount);
  // The recipients are 2.5 MB; the reader may hold one address (1 KiB at
  // most) and the handler's temporaries, nothing that grows with the count.
  INFO("heap in use grew by " << (peak > before ? peak - before : 0) << " bytes while reading " << bytes.size());
  CHECK(peak <= before + 64 * 1024);
}
