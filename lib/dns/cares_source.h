// dns/cares_source.h: DNS answers from the network, through c-ares.
//
// One channel, one deadline: every question asked through a source shares
// the time budget it was built with, so that a whole SPF evaluation never
// waits longer than that, whatever resolv.conf's timeouts and attempts say.
// A question asked after the deadline is a timeout at once. The server is
// the system's resolver (c-ares reads resolv.conf) or the one named in the
// settings (lib/dns/settings.h). c-ares parses every answer; there is no
// DNS packet code here.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <string>

#include "lib/base/error.h"
#include "lib/dns/settings.h"
#include "lib/dns/source.h"

namespace jgl {

class CaresSource : public DnsSource {
 public:
  // The channel, with the settings' server; the deadline starts now.
  static Result<std::unique_ptr<CaresSource>> open(const DnsSettings& settings);
  ~CaresSource() override;
  CaresSource(const CaresSource&) = delete;
  CaresSource& operator=(const CaresSource&) = delete;

  DnsAnswer<std::string> txt(const std::string& name) override;
  DnsAnswer<Address> a(const std::string& name) override;
  DnsAnswer<Address> aaaa(const std::string& name) override;
  DnsAnswer<MxRecord> mx(const std::string& name) override;
  DnsAnswer<std::string> ptr(const Address& address) override;

  // A new budget from now: for a program that evaluates several times.
  void restart(long timeout_ms);

  // Many at once, on the channel's one socket (lib/dns/source.h), at most
  // kMaxInFlight of them sent and unanswered (more, sent together, would
  // overflow a server's socket buffer and wait for c-ares to send them
  // again): each question has the settings' timeout from when it is sent,
  // whatever the budget of the one-at-a-time calls.
  static constexpr std::size_t kMaxInFlight = 64;
  void ask_txt(const std::string& name, Then<std::string> then) override;
  void ask_a(const std::string& name, Then<Address> then) override;
  void ask_aaaa(const std::string& name, Then<Address> then) override;
  void ask_mx(const std::string& name, Then<MxRecord> then) override;
  void run_asked() override;

  struct Reply;  // the raw answer of one question (cares_source.cc)
  struct Asked;  // a question asked, not yet answered (cares_source.cc)

 private:
  CaresSource();
  Reply ask(const std::string& name, int type);
  void ask_later(const std::string& name, int type, std::function<void(const Reply&)> then);
  void send_waiting();

  void* channel_ = nullptr;  // ares_channel, kept out of this header
  std::chrono::steady_clock::time_point deadline_;
  long question_timeout_ms_ = 0;
  std::list<std::unique_ptr<Asked>> asked_;    // sent, not answered
  std::deque<std::unique_ptr<Asked>> waiting_;  // not sent yet (kMaxInFlight)
  // Questions given up at their deadline that c-ares still holds: kept
  // until the channel is cancelled, as c-ares writes their answers here.
  std::list<std::unique_ptr<Asked>> abandoned_;
};

}  // namespace jgl
