// dns/settings.cc: JGREYLIST_DNS and JGREYLIST_DNS_TIMEOUT.
#include "lib/dns/settings.h"

#include "lib/base/env.h"
#include "lib/base/number.h"
#include "lib/net/address.h"
#include "lib/net/endpoint.h"

namespace jgl {

namespace {

Result<std::string> with_port(std::string_view host, std::string_view port, Family family) {
  auto address = Address::parse(host);
  if (!address || address->family() != family) {
    return fail("not an IP" + std::string(family == Family::v4 ? "v4" : "v6") + " address: " + std::string(host));
  }
  long number = 53;
  if (!port.empty()) {
    auto parsed = parse_number(port, 1, 65535);
    if (!parsed) return fail("bad port: " + std::string(port));
    number = *parsed;
  }
  std::string text(address->format().view());
  if (family == Family::v6) text = "[" + text + "]";
  return text + ":" + std::to_string(number);
}

}  // namespace

Result<std::string> parse_dns_server(std::string_view spec) {
  auto split = split_endpoint(spec, BareIpv6::allowed);
  if (!split) return fail(split.error().message + ": " + std::string(spec));
  if (split->port && split->port->empty()) return fail("empty port: " + std::string(spec));
  bool v6 = split->bracketed() || split->host.find(':') != std::string_view::npos;
  return with_port(split->bare_host(), split->port.value_or(""), v6 ? Family::v6 : Family::v4);
}

Result<DnsSettings> dns_settings_from_env() {
  DnsSettings settings;
  auto timeout = env_number("JGREYLIST_DNS_TIMEOUT", kDefaultDnsTimeoutMs, 1, kMaxDnsTimeoutMs);
  if (!timeout) return std::unexpected(timeout.error());
  settings.timeout_ms = *timeout;
  if (const char* server = env_get("JGREYLIST_DNS"); server && *server) {
    auto parsed = parse_dns_server(server);
    if (!parsed) return fail("JGREYLIST_DNS: " + parsed.error().message);
    settings.server = *parsed;
  }
  return settings;
}

}  // namespace jgl
