// spool_test.cpp: where the queue filter holds a message (lib/mail/spool.h):
// in its own pipe when the message fits, else in an unlinked spool file,
// or on descriptor 0 itself when that is a file at its start; the bytes
// always the same.
#include "lib/mail/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/helpers/fault_filesystem.h"
#include "tests/unit/temp_dir.h"

namespace {

using jgl::HeldMessage;
using Where = HeldMessage::Where;

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 4099) & 0xff);
  return s;
}

std::string read_all(int fd) {
  std::string got;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) got.append(buf, static_cast<std::size_t>(n));
  REQUIRE(n == 0);
  return got;
}

// What our pipe may hold here: 1 MiB, or less where the system says so.
std::size_t pipe_capacity() {
  int fd = open("/proc/sys/fs/pipe-max-size", O_RDONLY);
  char text[32] = {};
  if (fd >= 0) {
    ssize_t ignored = read(fd, text, sizeof text - 1);
    (void)ignored;
    close(fd);
  }
  long max = std::atol(text);
  return max > 0 && max < jgl::kHoldPipeBytes ? static_cast<std::size_t>(max) : jgl::kHoldPipeBytes;
}

// A writer in a thread of its own, as qmail-smtpd: `message` into a pipe
// in `piece`-sized writes with `pause` between them, then the pipe closed.
class Writer {
 public:
  Writer(std::string message, std::size_t piece = 65536, std::chrono::milliseconds pause = {})
      : message_(std::move(message)) {
    REQUIRE(pipe2(fds_, O_CLOEXEC) == 0);
    thread_ = std::thread([this, piece, pause] {
      for (std::size_t at = 0; at < message_.size();) {
        ssize_t n = write(fds_[1], message_.data() + at, std::min(piece, message_.size() - at));
        if (n <= 0) break;
        at += static_cast<std::size_t>(n);
        if (pause.count() > 0) std::this_thread::sleep_for(pause);
      }
      close(fds_[1]);
    });
  }
  ~Writer() {
    thread_.join();
    close(fds_[0]);
  }
  int fd() const { return fds_[0]; }

 private:
  std::string message_;
  int fds_[2];
  std::thread thread_;
};

struct Held {
  HeldMessage message;
  std::string bytes;
};

Held hold(jgl::Filesystem& fs, int in, const std::string& dir) {
  auto held = jgl::hold_message(fs, in, dir.c_str());
  if (!held) FAIL(held.error().message);
  Held h{*held, ""};
  if (h.message.where != Where::pipe) REQUIRE(lseek(h.message.fd, 0, SEEK_SET) == 0);
  h.bytes = read_all(h.message.fd);
  if (h.message.fd != in) close(h.message.fd);
  return h;
}

}  // namespace

TEST_CASE("a message that fits our pipe is held there, whole, and the spool is not touched") {
  jgl_test::TempDir spool("jgl-spool-test");
  jgl::Filesystem fs;
  std::size_t capacity = pipe_capacity();
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{65535}, std::size_t{65536}, std::size_t{65537},
                        capacity - 1, capacity}) {
    INFO("message of " << n << " bytes");
    std::string message = pattern(n);
    Writer writer(message);
    Held h = hold(fs, writer.fd(), spool.path());
    CHECK(h.message.where == Where::pipe);
    CHECK(h.bytes == message);
  }
  CHECK(std::filesystem::is_empty(spool.path()));
}

TEST_CASE("a message larger than our pipe is spilled into the spool, whole") {
  jgl_test::TempDir spool("jgl-spool-test");
  jgl::Filesystem fs;
  std::size_t capacity = pipe_capacity();
  for (std::size_t n : {capacity + 1, std::size_t{3} << 20}) {
    INFO("message of " << n << " bytes");
    std::string message = pattern(n);
    Writer writer(message);
    Held h = hold(fs, writer.fd(), spool.path());
    CHECK(h.message.where == Where::spool);
    CHECK(h.bytes == message);
  }
  CHECK(std::filesystem::is_empty(spool.path()));
}

TEST_CASE("a slow writer is waited for without spinning") {
  jgl_test::TempDir spool("jgl-spool-test");
  jgl::Filesystem fs;
  std::string message = pattern(100000);
  timespec cpu0, cpu1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
  auto t0 = std::chrono::steady_clock::now();
  Writer writer(message, 10000, std::chrono::milliseconds(40));
  Held h = hold(fs, writer.fd(), spool.path());
  auto wall = std::chrono::steady_clock::now() - t0;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
  CHECK(h.bytes == message);
  double cpu_ms = (cpu1.tv_sec - cpu0.tv_sec) * 1e3 + (cpu1.tv_nsec - cpu0.tv_nsec) / 1e6;
  INFO("wall " << std::chrono::duration_cast<std::chrono::milliseconds>(wall).count() << " ms, cpu " << cpu_ms
               << " ms");
  CHECK(wall >= std::chrono::milliseconds(300));
  CHECK(cpu_ms < 50);
}

TEST_CASE("a regular file at its start is handed on in place, one further on is copied from there") {
  jgl_test::TempDir spool("jgl-spool-test");
  jgl::Filesystem fs;
  std::string message = pattern(200000);
  std::string path = spool / "message";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, message.data(), message.size()) == static_cast<ssize_t>(message.size()));
  REQUIRE(lseek(fd, 0, SEEK_SET) == 0);
  Held h = hold(fs, fd, spool.path());
  CHECK(h.message.where == Where::in_place);
  CHECK(h.message.fd == fd);
  CHECK(h.bytes == message);

  REQUIRE(lseek(fd, 1000, SEEK_SET) == 1000);
  h = hold(fs, fd, spool.path());
  CHECK(h.message.where == Where::spool);
  CHECK(h.bytes == message.substr(1000));
  close(fd);
}

TEST_CASE("a missing spool directory fails only a message that must spill, naming the directory") {
  jgl_test::TempDir spool("jgl-spool-test");
  jgl::Filesystem fs;
  std::string missing = spool / "missing";
  {
    Writer writer(pattern(1000));
    Held h = hold(fs, writer.fd(), missing);
    CHECK(h.message.where == Where::pipe);
  }
  Writer writer(pattern(pipe_capacity() + 4096));
  auto held = jgl::hold_message(fs, writer.fd(), missing.c_str());
  REQUIRE_FALSE(held.has_value());
  CHECK(held.error().temporary);  // the spool: qmail-queue's 53
  CHECK(held.error().message == "cannot make a spool file in " + missing + ": No such file or directory");
  // The writer must not hang on a reader that went away.
  char buf[65536];
  while (read(writer.fd(), buf, sizeof buf) > 0) {
  }
}

TEST_CASE("without a pipe of our own, or its size, the message still arrives whole") {
  jgl_test::TempDir spool("jgl-spool-test");
  std::string message = pattern(100000);
  {
    jgl::FaultFilesystem fs({{"pipe", 1, EMFILE, false}});
    Writer writer(message);
    Held h = hold(fs, writer.fd(), spool.path());
    CHECK(fs.injected() == 1);
    CHECK(h.message.where == Where::spool);
    CHECK(h.bytes == message);
  }
  {
    // The default 64 KiB pipe: a 100,000-byte message spills.
    jgl::FaultFilesystem fs({{"pipesize", 1, EPERM, false}});
    Writer writer(message);
    Held h = hold(fs, writer.fd(), spool.path());
    CHECK(fs.injected() >= 1);
    CHECK(h.message.where == Where::spool);
    CHECK(h.bytes == message);
  }
  CHECK(std::filesystem::is_empty(spool.path()));
}

TEST_CASE("a splice that fails is an error reading the message, or writing the spool") {
  jgl_test::TempDir spool("jgl-spool-test");
  std::string message = pattern(100000);
  {
    jgl::FaultFilesystem fs({{"splice", 1, EIO, false}});
    Writer writer(message);
    auto held = jgl::hold_message(fs, writer.fd(), spool.path().c_str());
    REQUIRE_FALSE(held.has_value());
    CHECK(held.error().message == "cannot read the message: Input/output error");
    CHECK_FALSE(held.error().temporary);  // the message: qmail-queue's 54
    CHECK(held.error().sys_errno == EIO);
    char buf[65536];
    while (read(writer.fd(), buf, sizeof buf) > 0) {
    }
  }
  {
    // Without our pipe the first splice is the spool's.
    jgl::FaultFilesystem fs({{"pipe", 1, EMFILE, false}, {"splice", 1, ENOSPC, false}});
    Writer writer(message);
    auto held = jgl::hold_message(fs, writer.fd(), spool.path().c_str());
    REQUIRE_FALSE(held.has_value());
    CHECK(held.error().message == "cannot spool the message: No space left on device");
    CHECK(held.error().temporary);  // the spool: qmail-queue's 53
    char buf[65536];
    while (read(writer.fd(), buf, sizeof buf) > 0) {
    }
  }
  CHECK(std::filesystem::is_empty(spool.path()));
}

TEST_CASE("an envelope copy is held in a pipe while it fits, then spilled into the spool, whole") {
  jgl_test::TempDir spool("jgl-spool-test");
  jgl::Filesystem fs;
  // Written 1000 bytes at a time: a write the pipe cannot take whole (at
  // most 4096 bytes are written all or nothing) spills, so the last KiB of
  // the 64 KiB pipe may go unused.
  for (std::size_t n : {std::size_t{3}, std::size_t{63000}, std::size_t{65537}, std::size_t{1} << 20}) {
    INFO("a copy of " << n << " bytes");
    std::string bytes = pattern(n);
    jgl::HeldCopy copy(fs, spool.path().c_str());
    for (std::size_t at = 0; at < n; at += 1000) REQUIRE(copy.write(bytes.data() + at, std::min<std::size_t>(1000, n - at)));
    HeldMessage held = copy.finish();
    CHECK(held.where == (n <= 63000 ? Where::pipe : Where::spool));
    if (held.where == Where::spool) REQUIRE(lseek(held.fd, 0, SEEK_SET) == 0);
    CHECK(read_all(held.fd) == bytes);
    close(held.fd);
  }
  CHECK(std::filesystem::is_empty(spool.path()));
}

TEST_CASE("an envelope copy that must spill where the spool directory is missing names the directory") {
  jgl_test::TempDir spool("jgl-spool-test");
  jgl::Filesystem fs;
  std::string missing = spool / "missing";
  jgl::HeldCopy copy(fs, missing.c_str());
  std::string bytes = pattern(100000);
  auto written = copy.write(bytes.data(), bytes.size());
  REQUIRE_FALSE(written.has_value());
  CHECK(written.error().message == "cannot make a spool file in " + missing + ": No such file or directory");
}

TEST_CASE("a spool directory is usable only when it is a directory that exists") {
  jgl_test::TempDir spool("jgl-spool-test");
  CHECK(jgl::check_spool_dir(spool.path().c_str()).has_value());
  std::string missing = spool / "missing";
  auto checked = jgl::check_spool_dir(missing.c_str());
  REQUIRE_FALSE(checked.has_value());
  CHECK(checked.error().message == "cannot make a spool file in " + missing + ": No such file or directory");
  CHECK(checked.error().temporary);
  CHECK(checked.error().sys_errno == ENOENT);
  std::string file = spool / "file";
  int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0700);
  REQUIRE(fd >= 0);
  close(fd);
  checked = jgl::check_spool_dir(file.c_str());
  REQUIRE_FALSE(checked.has_value());
  CHECK(checked.error().message == "cannot make a spool file in " + file + ": Not a directory");
}
