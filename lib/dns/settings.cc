// dns/settings.cc: JGREYLIST_DNS and JGREYLIST_DNS_TIMEOUT.
#include "lib/dns/settings.h"

#include "lib/base/env.h"
#include "lib/base/number.h"
#include "lib/net/address.h"

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
  if (spec.starts_with('[')) {
    auto close = spec.find(']');
    if (close == std::string_view::npos) return fail("no ']' after the IPv6 address: " + std::string(spec));
    std::string_view rest = spec.substr(close + 1);
    if (!rest.empty() && (!rest.starts_with(':') || rest.size() == 1)) {
      return fail("expected ':PORT' after ']': " + std::string(spec));
    }
    return with_port(spec.substr(1, close - 1), rest.empty() ? rest : rest.substr(1), Family::v6);
  }
  auto colon = spec.find(':');
  if (colon == std::string_view::npos) return with_port(spec, "", Family::v4);
  if (spec.find(':', colon + 1) != std::string_view::npos) return with_port(spec, "", Family::v6);
  if (colon + 1 == spec.size()) return fail("empty port: " + std::string(spec));
  return with_port(spec.substr(0, colon), spec.substr(colon + 1), Family::v4);
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
