// dns/answer.cc: the names of the outcomes of a DNS question.
#include "lib/dns/answer.h"

namespace jgl {

const char* status_name(DnsStatus status) {
  switch (status) {
    case DnsStatus::found: return "found";
    case DnsStatus::nxdomain: return "nxdomain";
    case DnsStatus::no_data: return "no data";
    case DnsStatus::timeout: return "timeout";
    case DnsStatus::server_failure: return "server failure";
  }
  return "unknown";
}

}  // namespace jgl
