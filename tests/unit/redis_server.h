// redis_server.h: a real redis-server for one test, on a unix socket in
// its own directory, no TCP, nothing saved; stopped by its PID.
#pragma once

#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lib/store/redis_client.h"
#include "tests/unit/temp_dir.h"

namespace jgl_test {

// redis-server on $dir/redis.sock.
class RedisServer {
 public:
  explicit RedisServer(std::initializer_list<std::string> extra = {}) {
    std::vector<std::string> args{"redis-server", "--port", "0", "--unixsocket", socket(), "--save", "",
                                  "--appendonly", "no", "--dir", dir_.path()};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      freopen("/dev/null", "w", stdout);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    wait_until_ready();
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  ~RedisServer() { stop(); }

  std::string socket() const { return dir_ / "redis.sock"; }
  pid_t pid() const { return pid_; }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGCONT);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    unlink(socket().c_str());
  }

  // A command's reply as text: a string, status, error ("ERR ..."), an
  // integer or the elements of an array joined by spaces.
  std::string run(std::vector<std::string_view> words) {
    auto client = jgl::RedisClient::connect_unix(socket(), 1000);
    REQUIRE(client.has_value());
    auto replies = client->pipeline({words});
    REQUIRE(replies.has_value());
    return text((*replies)[0].get());
  }

 private:
  static std::string text(const redisReply* r) {
    if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
    if (r->type == REDIS_REPLY_NIL) return "(nil)";
    if (r->type != REDIS_REPLY_ARRAY) return std::string(jgl::reply_text(r));
    std::string out;
    for (std::size_t i = 0; i < r->elements; ++i) out += (i ? " " : "") + text(r->element[i]);
    return out;
  }

  void wait_until_ready() {
    for (int i = 0; i < 200; ++i) {
      auto client = jgl::RedisClient::connect_unix(socket(), 200);
      if (client) {
        // Any answer will do: a server with a password answers NOAUTH.
        auto replies = client->pipeline({{"PING"}});
        if (replies) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    stop();  // the destructor of an object never constructed does not run
    FAIL("redis-server did not answer on " << socket() << " within 5 s (is it installed? make deps)");
  }

  jgl_test::TempDir dir_{"jgl-redis-test"};
  pid_t pid_ = -1;
};

}  // namespace jgl_test
