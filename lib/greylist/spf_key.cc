// greylist/spf_key.cc: the SPF-aware triplet.
#include "lib/greylist/spf_key.h"

#include <fmt/format.h>

#include "lib/base/printable.h"
#include "lib/spf/check_host.h"
#include "lib/spf/domain.h"

namespace jgl {

namespace {

std::string domain_of(std::string_view identity) {
  std::size_t at = identity.rfind('@');
  std::string domain = lowercase(at == std::string_view::npos ? identity : identity.substr(at + 1));
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  return domain;
}

// A bounce without HELO: nothing to ask (RFC 7208 section 2.4 names no
// other identity), so nothing is asked.
SpfKeying no_identity() { return {SpfResult::none, "", "empty sender, HELO unknown"}; }

}  // namespace

std::string spf_identity(std::string_view sender, std::string_view helo) {
  if (!sender.empty()) return std::string(sender);
  if (helo.empty()) return {};
  return "postmaster@" + std::string(helo);
}

SpfKeying evaluate_spf(DnsSource& dns, const Address& client, std::string_view sender, std::string_view helo) {
  std::string identity = spf_identity(sender, helo);
  if (identity.empty()) return no_identity();
  SpfVerdict verdict = check_sender(dns, client, sender, helo);
  SpfKeying spf{verdict.result, domain_of(identity), ""};
  bool trouble = verdict.result == SpfResult::temperror || verdict.result == SpfResult::permerror;
  if (trouble && !verdict.reasons.empty()) spf.detail = verdict.reasons.back();
  return spf;
}

Key spf_aware_triplet(const SpfKeying& spf, const Prefix& network, std::string sender, std::string recipient) {
  if (spf.result == SpfResult::pass && !spf.domain.empty() && spf.domain.size() <= Key::kMaxDomain) {
    return Key::spf_triplet(spf.domain, std::move(sender), std::move(recipient));
  }
  return Key::triplet(network, std::move(sender), std::move(recipient));
}

std::string spf_log_words(const SpfKeying& spf, const Key& key) {
  if (spf.detail.empty()) return fmt::format(" spf={} key={}", result_name(spf.result), key.client_text());
  return fmt::format(" spf={} ({}) key={}", result_name(spf.result), shown_value(spf.detail, 200), key.client_text());
}

Result<void> check_spf_key_kind(bool spf, KeyKind kind) {
  if (spf && kind == KeyKind::ip) {
    return fail("JGREYLIST_SPF=1 with JGREYLIST_KEY=ip: SPF keys triplets only (JGREYLIST_KEY=triplet)");
  }
  return {};
}

SpfKeying SpfKeyer::evaluate(const Address& client, std::string_view sender, std::string_view helo) {
  std::string identity = spf_identity(sender, helo);
  if (identity.empty()) return no_identity();
  auto now = SpfCache::Clock::now();
  if (cache_ != nullptr) {
    if (auto cached = cache_->find(client, identity, helo, now)) return {*cached, domain_of(identity), "cached"};
  }
  if (!source_) {
    auto opened = CaresSource::open(settings_);
    if (!opened) return {SpfResult::temperror, domain_of(identity), "DNS: " + opened.error().message};
    source_ = std::move(*opened);
  } else {
    source_->restart(settings_.timeout_ms);
  }
  SpfKeying spf = evaluate_spf(*source_, client, sender, helo);
  if (cache_ != nullptr) cache_->remember(client, identity, helo, spf.result, now);
  return spf;
}

}  // namespace jgl
