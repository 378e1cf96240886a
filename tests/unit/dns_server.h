// dns_server.h: a real DNS server for one test: /usr/bin/python3 with
// dnslib, answering from a zone given as text, on UDP 127.0.0.1 and a free
// port; stopped by its PID. Names starting with "servfail." answer
// SERVFAIL; a CNAME is answered with its target's records too.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

namespace jgl_test {

inline constexpr const char* kDnsServerScript = R"(
import socket, sys
from dnslib import DNSRecord, RR, QTYPE, RCODE
zone = RR.fromZone(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
print(s.getsockname()[1], flush=True)
def answer(reply, name, qtype, depth=0):
    for rr in zone:
        if rr.rname == name and (rr.rtype == qtype or rr.rtype == QTYPE.CNAME):
            reply.add_answer(rr)
            if rr.rtype == QTYPE.CNAME and qtype != QTYPE.CNAME and depth < 8:
                answer(reply, rr.rdata.label, qtype, depth + 1)
while True:
    data, peer = s.recvfrom(65535)
    q = DNSRecord.parse(data)
    r = q.reply()
    if str(q.q.qname).lower().startswith('servfail.'):
        r.header.rcode = RCODE.SERVFAIL
    elif not any(rr.rname == q.q.qname for rr in zone):
        r.header.rcode = RCODE.NXDOMAIN
    else:
        answer(r, q.q.qname, q.q.qtype)
    s.sendto(r.pack(), peer)
)";

class DnsServer {
 public:
  explicit DnsServer(const std::string& zone) {
    int out[2];
    REQUIRE(pipe(out) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      execl("/usr/bin/python3", "python3", "-c", kDnsServerScript, zone.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    char line[16] = {};
    ssize_t n = read(out[0], line, sizeof line - 1);
    // Kept open until the server stops: closed now, the server's flush
    // could meet a broken pipe and end it.
    out_ = out[0];
    port_ = n > 0 ? std::stoi(std::string(line, static_cast<std::size_t>(n))) : 0;
    REQUIRE(port_ > 0);
  }
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;
  ~DnsServer() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    close(out_);
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int out_ = -1;
};

}  // namespace jgl_test
