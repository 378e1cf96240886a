// smtp_test.cpp: the fake SMTP conversation, driven through a socketpair
// (or pipes) by a scripted client.
#include "lib/mail/smtp.h"

#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string>
#include <thread>

namespace {

using jgl::Conversation;
using jgl::ConversationResult;
using jgl::Ending;

struct Outcome {
  ConversationResult result;
  std::string output;  // everything converse() wrote
  long elapsed_ms = 0;
};

class RecordingTranscript : public jgl::Transcript {
 public:
  void line(char direction, std::string_view text) override {
    text_ += direction;
    text_ += ' ';
    text_ += text;
    text_ += '\n';
  }
  std::string text_;
};

Conversation greylisting() {
  Conversation c;
  c.refusal = jgl::Refusal::greylist;
  c.message = "GREYLIST try again later";
  c.hostname = "mx.example";
  c.timeout_ms = 10000;
  return c;
}

// Reply lines, each with its CR LF.
std::string replies(std::initializer_list<std::string> lines) {
  std::string s;
  for (const std::string& line : lines) s += line + "\r\n";
  return s;
}

std::string repeat(const std::string& text, int times) {
  std::string s;
  for (int i = 0; i < times; ++i) s += text;
  return s;
}

// False once the server is gone, as it may be after QUIT.
bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string read_all(int fd) {
  std::string s;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return s;
    s.append(buf, static_cast<std::size_t>(n));
  }
}

// Runs converse() on one end of a socketpair while `client` writes to the
// other end from a thread and, unless read_output is false, another thread
// collects the replies.
Outcome talk(const Conversation& conversation, const std::function<void(int)>& client,
             jgl::Transcript* transcript = nullptr, bool read_output = true) {
  int fds[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  Outcome outcome;
  std::thread writer(client, fds[1]);
  std::thread reader;
  if (read_output) reader = std::thread([&] { outcome.output = read_all(fds[1]); });
  auto start = std::chrono::steady_clock::now();
  outcome.result = jgl::converse(fds[0], fds[0], conversation, transcript);
  outcome.elapsed_ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - start)
                                             .count());
  close(fds[0]);
  writer.join();
  if (reader.joinable()) reader.join();
  close(fds[1]);
  return outcome;
}

// The client sends `input` in one go, then closes its sending side.
Outcome talk(const Conversation& conversation, const std::string& input,
             jgl::Transcript* transcript = nullptr) {
  return talk(
      conversation,
      [&input](int fd) {
        send_all(fd, input);
        shutdown(fd, SHUT_WR);
      },
      transcript);
}

void pause_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

TEST_CASE("the client is greeted with 220 and the hostname") {
  Outcome o = talk(greylisting(), "");
  REQUIRE(o.output == replies({"220 mx.example ESMTP"}));
  REQUIRE(o.result.ending == Ending::eof);
  REQUIRE(o.result.commands == 0);
}

TEST_CASE("HELO is answered with the hostname") {
  Outcome o = talk(greylisting(), "HELO client.example\r\n");
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "250 mx.example"}));
}

TEST_CASE("EHLO advertises pipelining and enhanced status codes") {
  Outcome o = talk(greylisting(), "EHLO client.example\r\n");
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "250-mx.example", "250-PIPELINING",
                               "250 ENHANCEDSTATUSCODES"}));
}

TEST_CASE("MAIL and RSET and NOOP are accepted with 250") {
  Outcome o = talk(greylisting(), "MAIL FROM:<a@b.example>\r\nRSET\r\nNOOP\r\nNOOP hello\r\n");
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "250 2.1.0 Ok", "250 2.0.0 Ok",
                               "250 2.0.0 Ok", "250 2.0.0 Ok"}));
}

TEST_CASE("QUIT gets 221 and ends the conversation before any later command") {
  Outcome o = talk(greylisting(), "HELO x\r\nQUIT\r\nNOOP\r\nRCPT TO:<a@b>\r\n");
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "250 mx.example",
                               "221 2.0.0 mx.example closing connection"}));
  REQUIRE(o.result.ending == Ending::quit);
  REQUIRE(o.result.commands == 2);
}

TEST_CASE("a greylisted client's other commands get 450 with the message") {
  Outcome o = talk(greylisting(), "RCPT TO:<a@b.example>\r\nDATA\r\nVRFY root\r\n");
  std::string refusal = "450 4.7.1 GREYLIST try again later";
  REQUIRE(o.output == replies({"220 mx.example ESMTP", refusal, refusal, refusal}));
}

TEST_CASE("a denied client's other commands get 553 with the message") {
  Conversation c = greylisting();
  c.refusal = jgl::Refusal::deny;
  c.message = "DENIED go away";
  Outcome o = talk(c, "MAIL FROM:<a@b.example>\r\nRCPT TO:<a@b.example>\r\nDATA\r\n");
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "250 2.1.0 Ok", "553 5.7.1 DENIED go away",
                               "553 5.7.1 DENIED go away"}));
}

TEST_CASE("verbs are recognised in any case") {
  Outcome o = talk(greylisting(), "helo x\r\nEhLo x\r\nmail from:<>\r\nrset\r\nnoop\r\nquit\r\n");
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "250 mx.example", "250-mx.example",
                               "250-PIPELINING", "250 ENHANCEDSTATUSCODES", "250 2.1.0 Ok",
                               "250 2.0.0 Ok", "250 2.0.0 Ok",
                               "221 2.0.0 mx.example closing connection"}));
  REQUIRE(o.result.ending == Ending::quit);
}

TEST_CASE("a verb must be a whole word") {
  Outcome o = talk(greylisting(), "HELOX\r\nQUITE\r\nNOOP\tx\r\n");
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "450 4.7.1 GREYLIST try again later",
                               "450 4.7.1 GREYLIST try again later", "250 2.0.0 Ok"}));
  REQUIRE(o.result.ending == Ending::eof);
}

TEST_CASE("bare LF ends a line as CRLF does") {
  Outcome o = talk(greylisting(), "HELO x\nNOOP\r\nDATA\nQUIT\n");
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "250 mx.example", "250 2.0.0 Ok",
                               "450 4.7.1 GREYLIST try again later",
                               "221 2.0.0 mx.example closing connection"}));
  REQUIRE(o.result.ending == Ending::quit);
}

TEST_CASE("a line is answered when its end arrives in a later read") {
  Outcome o = talk(greylisting(), [](int fd) {
    send_all(fd, "NO");
    pause_ms(30);
    send_all(fd, "OP\r");
    pause_ms(30);
    send_all(fd, "\nQU");
    pause_ms(30);
    send_all(fd, "IT\r\n");
  });
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "250 2.0.0 Ok",
                               "221 2.0.0 mx.example closing connection"}));
  REQUIRE(o.result.ending == Ending::quit);
}

TEST_CASE("pipelined commands are each answered in order") {
  std::string input, expected = replies({"220 mx.example ESMTP"});
  for (int i = 0; i < 100; ++i) {
    input += "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nNOOP\r\n";
    expected += replies({"250 2.1.0 Ok", "450 4.7.1 GREYLIST try again later", "250 2.0.0 Ok"});
  }
  input += "QUIT\r\n";
  expected += replies({"221 2.0.0 mx.example closing connection"});
  Outcome o = talk(greylisting(), input);
  REQUIRE(o.output == expected);
  REQUIRE(o.result.commands == 301);
  REQUIRE(o.result.rcpts == 100);
}

TEST_CASE("a line of a megabyte is answered once with a refusal") {
  std::string input(1 << 20, 'x');
  input += "\r\n";
  Outcome o = talk(greylisting(), input);
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "450 4.7.1 GREYLIST try again later"}));
  REQUIRE(o.result.ending == Ending::eof);
  REQUIRE(o.result.commands == 1);
}

TEST_CASE("a megabyte line is recognised by its verb") {
  std::string input = "NOOP " + std::string(1 << 20, 'x') + "\r\nRCPT TO:<" +
                      std::string(1 << 20, 'y') + ">\r\n";
  Outcome o = talk(greylisting(), input);
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "250 2.0.0 Ok",
                               "450 4.7.1 GREYLIST try again later"}));
  REQUIRE(o.result.rcpts == 1);
}

TEST_CASE("empty lines and NUL bytes and binary garbage get the refusal") {
  std::string input("\r\n\n", 3);
  input += std::string("\0\0\0\0\r\n", 6);
  input += std::string("HE\0LO x\r\n", 9);
  input += "\x80\xff\xfe\x01\x7f garbage\r\n";
  input += std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n", 13);
  Outcome o = talk(greylisting(), input);
  std::string refusal = "450 4.7.1 GREYLIST try again later";
  REQUIRE(o.output ==
          replies({"220 mx.example ESMTP", refusal, refusal, refusal, refusal, refusal, refusal}));
  REQUIRE(o.result.commands == 6);
}

TEST_CASE("EOF without QUIT ends the conversation leaving a partial last line unanswered") {
  Outcome o = talk(greylisting(), "NOOP\r\nNOOP");
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "250 2.0.0 Ok"}));
  REQUIRE(o.result.ending == Ending::eof);
  REQUIRE(o.result.commands == 1);
}

TEST_CASE("the RCPT that reaches the limit gets 421 and ends the conversation") {
  Conversation c = greylisting();
  c.rcpt_limit = 4;
  Outcome o = talk(c, "MAIL FROM:<a@b>\r\n" + repeat("RCPT TO:<c@d>\r\nNOOP\r\n", 5));
  std::string refusal = "450 4.7.1 GREYLIST try again later";
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "250 2.1.0 Ok", refusal, "250 2.0.0 Ok",
                               refusal, "250 2.0.0 Ok", refusal, "250 2.0.0 Ok",
                               "421 4.7.0 mx.example too many recipients, closing connection"}));
  REQUIRE(o.result.ending == Ending::rcpt_limit);
  REQUIRE(o.result.rcpts == 4);
  REQUIRE(o.result.commands == 8);
}

TEST_CASE("a zero RCPT limit means no limit") {
  Outcome o = talk(greylisting(), repeat("RCPT TO:<c@d>\r\n", 200));
  REQUIRE(o.result.ending == Ending::eof);
  REQUIRE(o.result.rcpts == 200);
  REQUIRE(o.output.find("421") == std::string::npos);
}

TEST_CASE("the command after the cap gets 421 and ends the conversation") {
  Conversation c = greylisting();
  c.max_commands = 4;
  Outcome o = talk(c, repeat("NOOP\r\n", 7));
  REQUIRE(o.output == replies({"220 mx.example ESMTP", "250 2.0.0 Ok", "250 2.0.0 Ok",
                               "250 2.0.0 Ok", "250 2.0.0 Ok",
                               "421 4.7.0 mx.example too many commands, closing connection"}));
  REQUIRE(o.result.ending == Ending::command_cap);
  REQUIRE(o.result.commands == 4);
}

TEST_CASE("result counts every answered line and every RCPT") {
  Outcome o = talk(greylisting(), "EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<a>\r\nrcpt to:<b>\r\nDATA\r\n\r\n");
  REQUIRE(o.result.ending == Ending::eof);
  REQUIRE(o.result.commands == 6);
  REQUIRE(o.result.rcpts == 2);
}

TEST_CASE("a silent client gets 421 when the deadline passes") {
  Conversation c = greylisting();
  c.timeout_ms = 200;
  Outcome o = talk(c, [](int) {});  // sends nothing, keeps the connection open
  REQUIRE(o.output ==
          replies({"220 mx.example ESMTP", "421 4.4.2 mx.example timeout, closing connection"}));
  REQUIRE(o.result.ending == Ending::timeout);
  REQUIRE(o.elapsed_ms >= 200);
  REQUIRE(o.elapsed_ms < 1000);
}

TEST_CASE("the deadline covers the whole conversation and not each command") {
  Conversation c = greylisting();
  c.timeout_ms = 300;
  Outcome o = talk(c, [](int fd) {
    for (int i = 0; i < 40 && send_all(fd, "NOOP\r\n"); ++i) pause_ms(25);
  });
  REQUIRE(o.result.ending == Ending::timeout);
  REQUIRE(o.elapsed_ms >= 300);
  REQUIRE(o.elapsed_ms < 1000);
  REQUIRE(o.output.ends_with("421 4.4.2 mx.example timeout, closing connection\r\n"));
}

TEST_CASE("a client trickling an endless line still gets 421 at the deadline") {
  Conversation c = greylisting();
  c.timeout_ms = 200;
  Outcome o = talk(c, [](int fd) {
    for (int i = 0; i < 100 && send_all(fd, "xxxxxxxx"); ++i) pause_ms(10);
  });
  REQUIRE(o.output ==
          replies({"220 mx.example ESMTP", "421 4.4.2 mx.example timeout, closing connection"}));
  REQUIRE(o.result.ending == Ending::timeout);
  REQUIRE(o.elapsed_ms < 1000);
}

TEST_CASE("a client that never reads its replies cannot outlast the deadline") {
  Conversation c = greylisting();
  c.timeout_ms = 300;
  c.max_commands = 10'000'000;
  std::string flood = repeat("NOOP\r\n", 500'000);
  Outcome o = talk(
      c, [&flood](int fd) { send_all(fd, flood); }, nullptr, /*read_output=*/false);
  REQUIRE(o.result.ending == Ending::timeout);
  REQUIRE(o.elapsed_ms < 1500);
}

TEST_CASE("a client gone before the greeting ends the conversation with an I/O error") {
  int fds[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  close(fds[1]);
  ConversationResult r = jgl::converse(fds[0], fds[0], greylisting());
  close(fds[0]);
  REQUIRE(r.ending == Ending::io_error);
}

TEST_CASE("the conversation works over pipes as over a socket") {
  signal(SIGPIPE, SIG_IGN);
  int in[2], out[2];
  REQUIRE(pipe(in) == 0);
  REQUIRE(pipe(out) == 0);
  std::string input = "EHLO x\r\n" + repeat("RCPT TO:<a@b>\r\n", 3) + "QUIT\r\n";
  std::thread writer([&] {
    std::string_view rest = input;
    while (!rest.empty()) {
      ssize_t n = write(in[1], rest.data(), rest.size());
      if (n <= 0) break;
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    close(in[1]);
  });
  std::string output;
  std::thread reader([&] { output = read_all(out[0]); });
  ConversationResult r = jgl::converse(in[0], out[1], greylisting());
  close(out[1]);
  writer.join();
  reader.join();
  close(in[0]);
  close(out[0]);
  std::string refusal = "450 4.7.1 GREYLIST try again later";
  REQUIRE(output == replies({"220 mx.example ESMTP", "250-mx.example", "250-PIPELINING",
                             "250 ENHANCEDSTATUSCODES", refusal, refusal, refusal,
                             "221 2.0.0 mx.example closing connection"}));
  REQUIRE(r.ending == Ending::quit);
}

TEST_CASE("control characters in the message or hostname cannot break a reply line") {
  Conversation c = greylisting();
  c.hostname = "mx\r\n250 fake";
  c.message = "GREYLIST\r\n250 Ok";
  Outcome o = talk(c, "HELO x\r\nDATA\r\n");
  REQUIRE(o.output == replies({"220 mx??250 fake ESMTP", "250 mx??250 fake",
                               "450 4.7.1 GREYLIST??250 Ok"}));
}

TEST_CASE("an overlong message is cut to a 512-byte reply line") {
  Conversation c = greylisting();
  std::string message(2000, 'm');
  c.message = message;
  Outcome o = talk(c, "DATA\r\n");
  REQUIRE(o.output ==
          replies({"220 mx.example ESMTP", "450 4.7.1 " + std::string(510 - 10, 'm')}));
}

TEST_CASE("the transcript records sanitised client lines and every reply line") {
  RecordingTranscript t;
  std::string input = "EHLO x\r\n";
  input += std::string("RCPT TO:<a\0b>\x1b[31m\r\n", 20);
  input += "QUIT\r\n";
  talk(greylisting(), input, &t);
  REQUIRE(t.text_ ==
          "> 220 mx.example ESMTP\n"
          "< EHLO x\n"
          "> 250-mx.example\n"
          "> 250-PIPELINING\n"
          "> 250 ENHANCEDSTATUSCODES\n"
          "< RCPT TO:<a?b>?[31m\n"
          "> 450 4.7.1 GREYLIST try again later\n"
          "< QUIT\n"
          "> 221 2.0.0 mx.example closing connection\n");
}

TEST_CASE("the transcript cuts long client lines to 100 characters") {
  RecordingTranscript t;
  talk(greylisting(), "NOOP " + std::string(100000, 'z') + "\r\n", &t);
  REQUIRE(t.text_ == "> 220 mx.example ESMTP\n< NOOP " + std::string(95, 'z') +
                         "\n> 250 2.0.0 Ok\n");
}
