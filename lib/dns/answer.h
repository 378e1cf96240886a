// dns/answer.h: what one DNS question came back with.
//
// Five outcomes, because RFC 7208 treats each differently: records found;
// the name does not exist (NXDOMAIN) or exists without records of the type
// asked (NOERROR, empty answer), together the "void lookups"; no answer in
// time; any other failure of the server or the transport. Only the first
// carries records. `detail` says, for the administrator, what the resolver
// library reported when it was not a plain answer.
#pragma once

#include <string>
#include <vector>

namespace jgl {

enum class DnsStatus { found, nxdomain, no_data, timeout, server_failure };

// "found", "nxdomain", "no data", "timeout", "server failure".
const char* status_name(DnsStatus status);

template <typename T>
struct DnsAnswer {
  DnsStatus status = DnsStatus::no_data;
  std::vector<T> records;
  std::string detail;

  bool found() const { return status == DnsStatus::found; }
  // NXDOMAIN or NOERROR without records: RFC 7208's "void lookup".
  bool is_void() const { return status == DnsStatus::nxdomain || status == DnsStatus::no_data; }
  // The server could not say: the question may succeed later.
  bool is_error() const { return status == DnsStatus::timeout || status == DnsStatus::server_failure; }
};

struct MxRecord {
  int preference = 0;
  std::string exchange;  // the host, without a trailing dot
};

}  // namespace jgl
