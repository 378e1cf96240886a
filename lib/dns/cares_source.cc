// dns/cares_source.cc: c-ares driven with poll() until the deadline.
#include "lib/dns/cares_source.h"

#include <ares.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <poll.h>

#include <algorithm>
#include <cstring>

#include "lib/dns/reverse.h"

namespace jgl {

struct CaresSource::Reply {
  DnsStatus status = DnsStatus::timeout;
  std::string detail;
  std::basic_string<unsigned char> packet;
  bool done = false;
};

struct CaresSource::Asked {
  std::string name;
  int type = 0;
  Reply reply;
  std::chrono::steady_clock::time_point deadline;
  std::function<void(const Reply&)> then;
};

namespace {

using Clock = std::chrono::steady_clock;

ares_channel as_channel(void* channel) { return static_cast<ares_channel>(channel); }

long remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return std::max<long>(left, 0);
}

// How ares_query's status reads in RFC 7208's terms.
DnsStatus status_of(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS: return DnsStatus::found;
    case ARES_ENOTFOUND: return DnsStatus::nxdomain;
    case ARES_ENODATA: return DnsStatus::no_data;
    case ARES_ETIMEOUT:
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION: return DnsStatus::timeout;
    default: return DnsStatus::server_failure;
  }
}

void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* reply = static_cast<CaresSource::Reply*>(arg);
  reply->done = true;
  reply->status = status_of(status);
  if (status == ARES_ECANCELLED || status == ARES_EDESTRUCTION) {
    reply->detail = "no answer before the deadline";
  } else if (reply->status != DnsStatus::found && reply->status != DnsStatus::nxdomain &&
             reply->status != DnsStatus::no_data) {
    reply->detail = ares_strerror(status);
  }
  if (status == ARES_SUCCESS && abuf && alen > 0) reply->packet.assign(abuf, abuf + alen);
}

// One poll() over the channel's sockets, bounded by c-ares's own next
// timeout and the deadline; then c-ares does what is due.
void step(ares_channel channel, Clock::time_point deadline) {
  ares_socket_t socks[ARES_GETSOCK_MAXNUM];
  int mask = ares_getsock(channel, socks, ARES_GETSOCK_MAXNUM);
  pollfd fds[ARES_GETSOCK_MAXNUM];
  nfds_t count = 0;
  for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
    short events = (ARES_GETSOCK_READABLE(mask, i) ? POLLIN : 0) | (ARES_GETSOCK_WRITABLE(mask, i) ? POLLOUT : 0);
    if (events) fds[count++] = pollfd{socks[i], events, 0};
  }
  long wait = remaining_ms(deadline);
  timeval max{wait / 1000, static_cast<suseconds_t>((wait % 1000) * 1000)}, tv{};
  timeval* next = ares_timeout(channel, &max, &tv);
  int ms = static_cast<int>(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000);
  int ready = poll(fds, count, std::min<long>(ms, wait));
  if (ready <= 0) {
    ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts due
    return;
  }
  for (nfds_t i = 0; i < count; ++i) {
    ares_socket_t r = (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD;
    ares_socket_t w = (fds[i].revents & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD;
    if (r != ARES_SOCKET_BAD || w != ARES_SOCKET_BAD) ares_process_fd(channel, r, w);
  }
}

std::string without_dot(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

template <typename T>
DnsAnswer<T> unanswered(const CaresSource::Reply& reply) {
  return DnsAnswer<T>{reply.status, {}, reply.detail};
}

// A parse that found no record of the type (a CNAME alone, say) is no data;
// one that could not read the packet is the server's failure.
template <typename T>
DnsAnswer<T> parsed(int parse_status, std::vector<T> records) {
  if (parse_status == ARES_SUCCESS && !records.empty()) return {DnsStatus::found, std::move(records), ""};
  if (parse_status == ARES_SUCCESS || parse_status == ARES_ENODATA) return {DnsStatus::no_data, {}, ""};
  return {DnsStatus::server_failure, {}, std::string("bad answer: ") + ares_strerror(parse_status)};
}

std::vector<Address> addresses(const hostent* host, Family family) {
  std::vector<Address> out;
  for (char** p = host->h_addr_list; p && *p; ++p) {
    out.push_back(Address::from_bytes_exact(family, reinterpret_cast<const std::uint8_t*>(*p)));
  }
  return out;
}

DnsAnswer<Address> address_answer(const CaresSource::Reply& reply, Family family) {
  if (reply.status != DnsStatus::found) return unanswered<Address>(reply);
  hostent* host = nullptr;
  int status = family == Family::v4 ? ares_parse_a_reply(reply.packet.data(), static_cast<int>(reply.packet.size()),
                                                         &host, nullptr, nullptr)
                                    : ares_parse_aaaa_reply(reply.packet.data(),
                                                            static_cast<int>(reply.packet.size()), &host, nullptr,
                                                            nullptr);
  std::vector<Address> records;
  if (status == ARES_SUCCESS) records = addresses(host, family);
  if (host) ares_free_hostent(host);
  return parsed(status, std::move(records));
}

DnsAnswer<std::string> txt_answer(const CaresSource::Reply& reply) {
  if (reply.status != DnsStatus::found) return unanswered<std::string>(reply);
  ares_txt_ext* head = nullptr;
  int status = ares_parse_txt_reply_ext(reply.packet.data(), static_cast<int>(reply.packet.size()), &head);
  std::vector<std::string> records;
  for (ares_txt_ext* t = head; status == ARES_SUCCESS && t; t = t->next) {
    // A record's strings are one text (RFC 7208 3.3); record_start marks the next record.
    if (t->record_start || records.empty()) records.emplace_back();
    records.back().append(reinterpret_cast<const char*>(t->txt), t->length);
  }
  if (head) ares_free_data(head);
  return parsed(status, std::move(records));
}

DnsAnswer<MxRecord> mx_answer(const CaresSource::Reply& reply) {
  if (reply.status != DnsStatus::found) return unanswered<MxRecord>(reply);
  ares_mx_reply* head = nullptr;
  int status = ares_parse_mx_reply(reply.packet.data(), static_cast<int>(reply.packet.size()), &head);
  std::vector<MxRecord> records;
  for (ares_mx_reply* m = head; status == ARES_SUCCESS && m; m = m->next) {
    records.push_back(MxRecord{m->priority, without_dot(m->host)});
  }
  if (head) ares_free_data(head);
  return parsed(status, std::move(records));
}

}  // namespace

Result<std::unique_ptr<CaresSource>> CaresSource::open(const DnsSettings& settings) {
  if (int status = ares_library_init(ARES_LIB_INIT_ALL); status != ARES_SUCCESS) {
    return fail_temporary(std::string("c-ares: ") + ares_strerror(status));
  }
  std::unique_ptr<CaresSource> source(new CaresSource);
  // Each attempt gets a share of the budget, so that a lost packet is sent
  // again in time; the deadline, not c-ares, ends the wait.
  ares_options options{};
  options.timeout = static_cast<int>(std::max<long>(settings.timeout_ms / 3, 1));
  options.tries = 3;
  // STAYOPEN: one socket for every question of the channel, not a socket,
  // a connect and a close per question (an evaluation asks several).
  options.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_EDNS | ARES_FLAG_STAYOPEN;
  options.ednspsz = 1232;
  ares_channel channel = nullptr;
  int status = ares_init_options(&channel, &options, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS |
                                                         ARES_OPT_EDNSPSZ);
  if (status != ARES_SUCCESS) {
    ares_library_cleanup();
    return fail_temporary(std::string("c-ares: cannot start the resolver: ") + ares_strerror(status));
  }
  source->channel_ = channel;
  if (!settings.server.empty()) {
    status = ares_set_servers_ports_csv(channel, settings.server.c_str());
    if (status != ARES_SUCCESS) {
      return fail(std::string("c-ares: bad DNS server ") + settings.server + ": " + ares_strerror(status));
    }
  }
  source->restart(settings.timeout_ms);
  source->question_timeout_ms_ = settings.timeout_ms;
  return source;
}

CaresSource::CaresSource() = default;

CaresSource::~CaresSource() {
  if (channel_) {
    // ares_destroy answers what is still asked (ARES_EDESTRUCTION) into
    // asked_ and abandoned_, which outlive it.
    ares_destroy(as_channel(channel_));
    ares_library_cleanup();
  }
}

void CaresSource::restart(long timeout_ms) { deadline_ = Clock::now() + std::chrono::milliseconds(timeout_ms); }

CaresSource::Reply CaresSource::ask(const std::string& name, int type) {
  Reply reply;
  if (remaining_ms(deadline_) == 0) {
    reply.detail = "no time left before the deadline";
    return reply;
  }
  ares_channel channel = as_channel(channel_);
  ares_query(channel, name.c_str(), ns_c_in, type, on_answer, &reply);
  while (!reply.done && remaining_ms(deadline_) > 0) step(channel, deadline_);
  if (!reply.done) ares_cancel(channel);  // calls on_answer: a timeout
  return reply;
}

DnsAnswer<std::string> CaresSource::txt(const std::string& name) { return txt_answer(ask(name, ns_t_txt)); }

DnsAnswer<Address> CaresSource::a(const std::string& name) { return address_answer(ask(name, ns_t_a), Family::v4); }

DnsAnswer<Address> CaresSource::aaaa(const std::string& name) {
  return address_answer(ask(name, ns_t_aaaa), Family::v6);
}

DnsAnswer<MxRecord> CaresSource::mx(const std::string& name) { return mx_answer(ask(name, ns_t_mx)); }

DnsAnswer<std::string> CaresSource::ptr(const Address& address) {
  Reply reply = ask(reverse_name(address), ns_t_ptr);
  if (reply.status != DnsStatus::found) return unanswered<std::string>(reply);
  hostent* host = nullptr;
  int af = address.is_v4() ? AF_INET : AF_INET6;
  int status = ares_parse_ptr_reply(reply.packet.data(), static_cast<int>(reply.packet.size()), address.bytes(),
                                    address.byte_count(), af, &host);
  std::vector<std::string> records;
  if (status == ARES_SUCCESS) {
    // c-ares gives the first name as h_name and every name among the aliases.
    auto add = [&](const char* name) {
      std::string n = without_dot(name);
      if (std::find(records.begin(), records.end(), n) == records.end()) records.push_back(n);
    };
    if (host->h_name) add(host->h_name);
    for (char** alias = host->h_aliases; alias && *alias; ++alias) add(*alias);
  }
  if (host) ares_free_hostent(host);
  return parsed(status, std::move(records));
}

// --- many at once ------------------------------------------------------------

void CaresSource::ask_later(const std::string& name, int type, std::function<void(const Reply&)> then) {
  auto asked = std::make_unique<Asked>();
  asked->name = name;
  asked->type = type;
  asked->then = std::move(then);
  waiting_.push_back(std::move(asked));
  send_waiting();
}

// Questions waiting sent, up to kMaxInFlight unanswered; each one's
// deadline starts when it is sent.
void CaresSource::send_waiting() {
  while (!waiting_.empty() && asked_.size() < kMaxInFlight) {
    std::unique_ptr<Asked> asked = std::move(waiting_.front());
    waiting_.pop_front();
    asked->deadline = Clock::now() + std::chrono::milliseconds(question_timeout_ms_);
    ares_query(as_channel(channel_), asked->name.c_str(), ns_c_in, asked->type, on_answer, &asked->reply);
    asked_.push_back(std::move(asked));
  }
}

void CaresSource::ask_txt(const std::string& name, Then<std::string> then) {
  ask_later(name, ns_t_txt, [then = std::move(then)](const Reply& r) { then(txt_answer(r)); });
}

void CaresSource::ask_a(const std::string& name, Then<Address> then) {
  ask_later(name, ns_t_a, [then = std::move(then)](const Reply& r) { then(address_answer(r, Family::v4)); });
}

void CaresSource::ask_aaaa(const std::string& name, Then<Address> then) {
  ask_later(name, ns_t_aaaa, [then = std::move(then)](const Reply& r) { then(address_answer(r, Family::v6)); });
}

void CaresSource::ask_mx(const std::string& name, Then<MxRecord> then) {
  ask_later(name, ns_t_mx, [then = std::move(then)](const Reply& r) { then(mx_answer(r)); });
}

// Until nothing is asked: the answers in, each question that has one or
// whose deadline has passed taken out and its `then` called (which may ask
// more). A question given up is kept for c-ares, which still holds it,
// and the channel is cancelled at the end so that it holds none.
void CaresSource::run_asked() {
  ares_channel channel = as_channel(channel_);
  while (!asked_.empty()) {
    auto soonest = std::min_element(asked_.begin(), asked_.end(),
                                    [](const auto& x, const auto& y) { return x->deadline < y->deadline; });
    step(channel, (*soonest)->deadline);
    std::vector<std::unique_ptr<Asked>> ready;
    auto now = Clock::now();
    for (auto it = asked_.begin(); it != asked_.end();) {
      if ((*it)->reply.done || now >= (*it)->deadline) {
        ready.push_back(std::move(*it));
        it = asked_.erase(it);
      } else {
        ++it;
      }
    }
    for (std::unique_ptr<Asked>& asked : ready) {
      if (!asked->reply.done) {
        Reply timed_out;
        timed_out.detail = "no answer before the deadline";
        asked->then(timed_out);
        abandoned_.push_back(std::move(asked));
      } else {
        asked->then(asked->reply);
      }
    }
    send_waiting();
  }
  if (!abandoned_.empty()) {
    ares_cancel(channel);
    abandoned_.clear();
  }
}

}  // namespace jgl
