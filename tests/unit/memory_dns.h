// memory_dns.h: a DnsSource answering from maps, for tests of what asks DNS.
//
// A name with records of any type exists: asked for another type it is "no
// data"; a name with none is NXDOMAIN, unless it is listed as timing out or
// failing. Every question is counted.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "lib/dns/source.h"
#include "lib/dns/reverse.h"
#include "lib/spf/domain.h"

namespace jgl_test {

class MemoryDns : public jgl::DnsSource {
 public:
  std::map<std::string, std::vector<std::string>> txts, ptrs;  // ptrs: keyed by reverse name
  std::map<std::string, std::vector<jgl::Address>> as, aaaas;
  std::map<std::string, std::vector<jgl::MxRecord>> mxs;
  std::set<std::string> timeouts, failures;
  int questions = 0;

  void txt_record(const std::string& name, const std::string& text) { txts[key(name)].push_back(text); }
  void a_record(const std::string& name, const std::string& address) { add(name, address); }
  void mx_record(const std::string& name, int preference, const std::string& host) {
    mxs[key(name)].push_back({preference, host});
  }
  void ptr_record(const std::string& address, const std::string& name) {
    ptrs[jgl::reverse_name(*jgl::Address::parse(address))].push_back(name);
  }

  jgl::DnsAnswer<std::string> txt(const std::string& name) override { return answer(txts, key(name)); }
  jgl::DnsAnswer<jgl::Address> a(const std::string& name) override { return answer(as, key(name)); }
  jgl::DnsAnswer<jgl::Address> aaaa(const std::string& name) override { return answer(aaaas, key(name)); }
  jgl::DnsAnswer<jgl::MxRecord> mx(const std::string& name) override { return answer(mxs, key(name)); }
  jgl::DnsAnswer<std::string> ptr(const jgl::Address& address) override {
    return answer(ptrs, jgl::reverse_name(address));
  }

 private:
  static std::string key(const std::string& name) { return jgl::lowercase(name); }

  void add(const std::string& name, const std::string& text) {
    auto address = *jgl::Address::parse(text);
    (address.is_v4() ? as : aaaas)[key(name)].push_back(address);
  }

  bool exists(const std::string& name) const {
    return txts.count(name) || as.count(name) || aaaas.count(name) || mxs.count(name) || ptrs.count(name);
  }

  template <typename T>
  jgl::DnsAnswer<T> answer(const std::map<std::string, std::vector<T>>& records, const std::string& name) {
    ++questions;
    if (timeouts.count(name)) return {jgl::DnsStatus::timeout, {}, "test timeout"};
    if (failures.count(name)) return {jgl::DnsStatus::server_failure, {}, "test SERVFAIL"};
    if (auto it = records.find(name); it != records.end()) return {jgl::DnsStatus::found, it->second, ""};
    return {exists(name) ? jgl::DnsStatus::no_data : jgl::DnsStatus::nxdomain, {}, ""};
  }
};

}  // namespace jgl_test
