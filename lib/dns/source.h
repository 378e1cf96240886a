// dns/source.h: where DNS answers come from, as one interface.
//
// The questions RFC 7208 asks: TXT, A, AAAA, MX and PTR (by address). The
// real source is CaresSource (lib/dns/cares_source.h); tests answer from
// memory. Names are given without a trailing dot; a source follows CNAMEs
// as a resolver does. A TXT record's strings come back joined into one
// string per record (RFC 7208 section 3.3).
//
// Two ways to ask. One question at a time (txt(), a()...), each answered
// when the call returns: what an evaluation needs, as each question depends
// on the last. Or many at once, for a walk of many domains: ask_txt(),
// ask_a()... return at once, and run_asked() waits for the answers, calling
// each question's `then` as its answer comes, in whatever order; a `then`
// may ask more, and run_asked() returns when every question asked, those
// too, has been answered. This base class answers the asked questions one
// after the other, in the order asked, through the one-at-a-time calls: a
// source that can do better (CaresSource: all on one socket, each within
// its own timeout) overrides them.
#pragma once

#include <deque>
#include <functional>
#include <string>

#include "lib/dns/answer.h"
#include "lib/net/address.h"

namespace jgl {

class DnsSource {
 public:
  template <typename T>
  using Then = std::function<void(const DnsAnswer<T>&)>;

  virtual ~DnsSource() = default;
  virtual DnsAnswer<std::string> txt(const std::string& name) = 0;
  virtual DnsAnswer<Address> a(const std::string& name) = 0;
  virtual DnsAnswer<Address> aaaa(const std::string& name) = 0;
  virtual DnsAnswer<MxRecord> mx(const std::string& name) = 0;
  // The names the address's reverse zone gives (in-addr.arpa, ip6.arpa).
  virtual DnsAnswer<std::string> ptr(const Address& address) = 0;

  virtual void ask_txt(const std::string& name, Then<std::string> then) {
    queue([this, name, then] { then(txt(name)); });
  }
  virtual void ask_a(const std::string& name, Then<Address> then) {
    queue([this, name, then] { then(a(name)); });
  }
  virtual void ask_aaaa(const std::string& name, Then<Address> then) {
    queue([this, name, then] { then(aaaa(name)); });
  }
  virtual void ask_mx(const std::string& name, Then<MxRecord> then) {
    queue([this, name, then] { then(mx(name)); });
  }
  virtual void run_asked() {
    while (!queued_.empty()) {
      std::function<void()> next = std::move(queued_.front());
      queued_.pop_front();
      next();
    }
  }

 private:
  void queue(std::function<void()> question) { queued_.push_back(std::move(question)); }
  std::deque<std::function<void()>> queued_;
};

}  // namespace jgl
