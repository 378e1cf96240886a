// ucspi_test.cpp: where the client address comes from, in which order, and
// the getpeername fallback on real sockets.
#include "lib/net/ucspi.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <string>

#include "tests/unit/scoped_env.h"

namespace {

using jgl_test::ScopedEnv;

// Every variable client_address() or client_host() might read, cleared for
// the length of a test.
class ClientEnv : public ScopedEnv {
 public:
  ClientEnv()
      : ScopedEnv{"PROTO",       "TCPREMOTEIP",   "TCP6REMOTEIP",   "SSLREMOTEIP",  "REMOTE_ADDR",
                  "TESTREMOTEIP", "TCPREMOTEHOST", "TCP6REMOTEHOST", "SSLREMOTEHOST"} {}
};

// A descriptor that is not a socket, so that the getpeername fallback fails
// if the environment is not used.
class Pipe {
 public:
  Pipe() { REQUIRE(::pipe(fds_) == 0); }
  ~Pipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int fd() const { return fds_[0]; }

 private:
  int fds_[2] = {-1, -1};
};

// "address from SOURCE", or "error: <message>".
std::string found(int fd) {
  auto c = jgl::client_address(fd);
  if (!c) return "error: " + c.error().message;
  return std::string(c->address.format().view()) + " from " + c->source;
}

std::string host() {
  const char* h = jgl::client_host();
  return h ? std::string(h) : std::string("(null)");
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// A real TCP connection over loopback: `accepted` is the server's end, as a
// super-server would hand it to its child on fd 0.
struct Connection {
  Fd listener, client, accepted;
  bool ok = false;
};

// Listens on `listen_on` (port 0), connects from `connect_to`; ok is false
// when the host has no such stack (no IPv6, say).
void connect_over(Connection& c, int family, const char* listen_on, const char* connect_to, bool v6only = true) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    REQUIRE(inet_pton(AF_INET, listen_on, &sin->sin_addr) == 1);
    len = sizeof *sin;
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    REQUIRE(inet_pton(AF_INET6, listen_on, &sin6->sin6_addr) == 1);
    len = sizeof *sin6;
  }
  c.listener.reset(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (c.listener.get() < 0) return;
  if (family == AF_INET6) {
    int on = v6only ? 1 : 0;
    ::setsockopt(c.listener.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  }
  if (::bind(c.listener.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) return;
  REQUIRE(::listen(c.listener.get(), 1) == 0);
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  REQUIRE(::getsockname(c.listener.get(), reinterpret_cast<sockaddr*>(&bound), &bound_len) == 0);
  in_port_t port = family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                     : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port;

  sockaddr_storage to{};
  socklen_t to_len = 0;
  int client_family = std::string(connect_to).find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (client_family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&to);
    sin->sin_family = AF_INET;
    sin->sin_port = port;
    REQUIRE(inet_pton(AF_INET, connect_to, &sin->sin_addr) == 1);
    to_len = sizeof *sin;
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&to);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = port;
    REQUIRE(inet_pton(AF_INET6, connect_to, &sin6->sin6_addr) == 1);
    to_len = sizeof *sin6;
  }
  c.client.reset(::socket(client_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (c.client.get() < 0) return;
  if (::connect(c.client.get(), reinterpret_cast<sockaddr*>(&to), to_len) != 0) return;
  c.accepted.reset(::accept4(c.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  c.ok = c.accepted.get() >= 0;
}

}  // namespace

TEST_CASE("TCPREMOTEIP gives the client address", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("TCPREMOTEIP", "192.0.2.1");
  REQUIRE(found(pipe.fd()) == "192.0.2.1 from TCPREMOTEIP");
}

TEST_CASE("PROTO names the variable read first", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("PROTO", "TCP6");
  env.set("TCPREMOTEIP", "192.0.2.1");
  env.set("TCP6REMOTEIP", "2001:db8::1");
  REQUIRE(found(pipe.fd()) == "2001:db8::1 from TCP6REMOTEIP");
}

TEST_CASE("PROTO=SSL reads SSLREMOTEIP before TCPREMOTEIP", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("PROTO", "SSL");
  env.set("TCPREMOTEIP", "192.0.2.1");
  env.set("SSLREMOTEIP", "192.0.2.2");
  REQUIRE(found(pipe.fd()) == "192.0.2.2 from SSLREMOTEIP");
}

TEST_CASE("any upper case PROTO names its own variable", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("PROTO", "TEST");
  env.set("TCPREMOTEIP", "192.0.2.1");
  env.set("TESTREMOTEIP", "192.0.2.9");
  REQUIRE(found(pipe.fd()) == "192.0.2.9 from TESTREMOTEIP");
}

TEST_CASE("a PROTO whose variable is unset falls back to the fixed order", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("PROTO", "TCP6");
  env.set("TCPREMOTEIP", "192.0.2.1");
  REQUIRE(found(pipe.fd()) == "192.0.2.1 from TCPREMOTEIP");
}

TEST_CASE("without PROTO the variables are read in the documented order", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("TCPREMOTEIP", "192.0.2.1");
  env.set("TCP6REMOTEIP", "2001:db8::6");
  env.set("SSLREMOTEIP", "192.0.2.3");
  env.set("REMOTE_ADDR", "192.0.2.4");
  REQUIRE(found(pipe.fd()) == "192.0.2.1 from TCPREMOTEIP");
  env.unset("TCPREMOTEIP");
  REQUIRE(found(pipe.fd()) == "2001:db8::6 from TCP6REMOTEIP");
  env.unset("TCP6REMOTEIP");
  REQUIRE(found(pipe.fd()) == "192.0.2.3 from SSLREMOTEIP");
  env.unset("SSLREMOTEIP");
  REQUIRE(found(pipe.fd()) == "192.0.2.4 from REMOTE_ADDR");
}

TEST_CASE("REMOTE_ADDR from a systemd socket unit is read", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("REMOTE_ADDR", "2001:db8::25");
  REQUIRE(found(pipe.fd()) == "2001:db8::25 from REMOTE_ADDR");
}

TEST_CASE("an odd or empty PROTO is ignored", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("TCPREMOTEIP", "192.0.2.1");
  env.set("TCP6REMOTEIP", "2001:db8::1");
  for (std::string proto : std::initializer_list<std::string>{"", "tcp6", "TCP-6", "../TCP6", "TCP6 ", std::string(60, 'T')}) {
    CAPTURE(proto);
    env.set("PROTO", proto);
    REQUIRE(found(pipe.fd()) == "192.0.2.1 from TCPREMOTEIP");
  }
}

TEST_CASE("the first variable found wins even when malformed", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("TCPREMOTEIP", "bogus");
  env.set("TCP6REMOTEIP", "::1");
  env.set("REMOTE_ADDR", "192.0.2.4");
  REQUIRE(found(pipe.fd()) == "error: TCPREMOTEIP='bogus': not an IPv4 address");
}

TEST_CASE("a malformed PROTO variable is an error naming it", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("PROTO", "TCP6");
  env.set("TCP6REMOTEIP", "::ffff:1.2.3.400");
  env.set("TCPREMOTEIP", "192.0.2.1");
  REQUIRE(found(pipe.fd()) == "error: TCP6REMOTEIP='::ffff:1.2.3.400': not an IPv6 address");
}

TEST_CASE("an empty variable is an error and not a reason to look further", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("TCPREMOTEIP", "");
  env.set("REMOTE_ADDR", "192.0.2.4");
  REQUIRE(found(pipe.fd()) == "error: TCPREMOTEIP='': empty address");
}

TEST_CASE("a bad value is shown without control characters and cut", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("TCPREMOTEIP", "1.2\n3\x1b");
  REQUIRE(found(pipe.fd()) == "error: TCPREMOTEIP='1.2?3?': not an IPv4 address");
  env.set("TCPREMOTEIP", std::string(100, 'x'));
  REQUIRE(found(pipe.fd()) == "error: TCPREMOTEIP='" + std::string(40, 'x') + "...': address too long");
}

TEST_CASE("a mapped address in the environment is IPv4", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("TCP6REMOTEIP", "::ffff:192.0.2.1");
  auto c = jgl::client_address(pipe.fd());
  REQUIRE(c.has_value());
  REQUIRE(c->address.is_v4());
  REQUIRE(found(pipe.fd()) == "192.0.2.1 from TCP6REMOTEIP");
}

TEST_CASE("a zone in the environment is stripped", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  env.set("PROTO", "TCP6");
  env.set("TCP6REMOTEIP", "fe80::1%eth0");
  REQUIRE(found(pipe.fd()) == "fe80::1 from TCP6REMOTEIP");
}

TEST_CASE("without variables the IPv4 socket peer is used", "[ucspi]") {
  ClientEnv env;
  Connection c;
  connect_over(c, AF_INET, "127.0.0.1", "127.0.0.1");
  REQUIRE(c.ok);
  REQUIRE(found(c.accepted.get()) == "127.0.0.1 from getpeername");
}

TEST_CASE("without variables the IPv6 socket peer is used", "[ucspi]") {
  ClientEnv env;
  Connection c;
  connect_over(c, AF_INET6, "::1", "::1");
  if (!c.ok) {
    WARN("no IPv6 loopback here: not tested");
    return;
  }
  REQUIRE(found(c.accepted.get()) == "::1 from getpeername");
}

TEST_CASE("an IPv4 peer on a dual stack socket is IPv4", "[ucspi]") {
  ClientEnv env;
  Connection c;
  connect_over(c, AF_INET6, "::", "127.0.0.1", false);
  if (!c.ok) {
    WARN("no dual stack IPv6 socket here: not tested");
    return;
  }
  auto client = jgl::client_address(c.accepted.get());
  REQUIRE(client.has_value());
  REQUIRE(client->address.is_v4());
  REQUIRE(found(c.accepted.get()) == "127.0.0.1 from getpeername");
}

TEST_CASE("a variable wins over the socket peer", "[ucspi]") {
  ClientEnv env;
  Connection c;
  connect_over(c, AF_INET, "127.0.0.1", "127.0.0.1");
  REQUIRE(c.ok);
  env.set("REMOTE_ADDR", "192.0.2.4");
  REQUIRE(found(c.accepted.get()) == "192.0.2.4 from REMOTE_ADDR");
}

TEST_CASE("a unix socket peer is an error saying it is not IPv4 or IPv6", "[ucspi]") {
  ClientEnv env;
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  Fd a(fds[0]), b(fds[1]);
  REQUIRE(found(a.get()) == "error: no client address: socket is not IPv4 or IPv6");
}

TEST_CASE("no address at all is an error", "[ucspi]") {
  ClientEnv env;
  Pipe pipe;
  auto c = jgl::client_address(pipe.fd());
  REQUIRE_FALSE(c.has_value());
  REQUIRE(c.error().sys_errno == ENOTSOCK);
  REQUIRE(c.error().message.starts_with("no client address: "));
  REQUIRE(c.error().message.find("getpeername on fd " + std::to_string(pipe.fd())) != std::string::npos);
}

TEST_CASE("a closed descriptor and no variables is an error", "[ucspi]") {
  ClientEnv env;
  int fd;
  {
    Pipe pipe;
    fd = pipe.fd();
  }
  auto c = jgl::client_address(fd);
  REQUIRE_FALSE(c.has_value());
  REQUIRE(c.error().sys_errno == EBADF);
}

TEST_CASE("an unconnected TCP socket is an error", "[ucspi]") {
  ClientEnv env;
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(s.get() >= 0);
  auto c = jgl::client_address(s.get());
  REQUIRE_FALSE(c.has_value());
  REQUIRE(c.error().sys_errno == ENOTCONN);
}

TEST_CASE("client_host reads PROTO REMOTEHOST then TCPREMOTEHOST", "[ucspi]") {
  ClientEnv env;
  REQUIRE(host() == "(null)");
  env.set("TCPREMOTEHOST", "tcp.example");
  REQUIRE(host() == "tcp.example");
  env.set("PROTO", "TCP6");
  REQUIRE(host() == "tcp.example");
  env.set("TCP6REMOTEHOST", "tcp6.example");
  REQUIRE(host() == "tcp6.example");
  env.set("TCP6REMOTEHOST", "");
  REQUIRE(host() == "");
  env.set("PROTO", "bad proto");
  REQUIRE(host() == "tcp.example");
}
