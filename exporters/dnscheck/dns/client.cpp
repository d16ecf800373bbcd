#include "dnscheck/dns/client.h"

#include <ares.h>
#include <arpa/nameser.h>
#include <poll.h>

#include <algorithm>
#include <mutex>

namespace dnscheck::dns {

namespace {

using Clock = std::chrono::steady_clock;

void initLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

struct Pending {
  Query* query;
  Clock::time_point sent;
  std::size_t* outstanding;
};

void onAnswer(void* arg, int status, int /*timeouts*/, unsigned char* answer, int length) {
  auto* pending = static_cast<Pending*>(arg);
  Query& query = *pending->query;
  query.duration = Clock::now() - pending->sent;
  if (status == ARES_SUCCESS && answer != nullptr && length > 0) {
    query.answered = true;
    query.response.assign(answer, answer + length);
  } else if (status == ARES_ETIMEOUT || status == ARES_ECANCELLED || status == ARES_EDESTRUCTION) {
    query.error = "timeout";
  } else {
    query.error = ares_strerror(status);
  }
  --*pending->outstanding;
}

}  // namespace

struct Client::Channel {
  ares_channel channel = nullptr;
  std::string error;
  ~Channel() {
    if (channel != nullptr) ares_destroy(channel);
  }
};

Client::Client(std::chrono::milliseconds timeout) : timeout_(timeout) { initLibrary(); }

Client::~Client() = default;

std::size_t Client::addChannel(const ServerSet& servers) {
  auto channel = std::make_unique<Channel>();
  ares_options options{};
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  options.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_STAYOPEN;
  if (!servers.recursion_desired) options.flags |= ARES_FLAG_NORECURSE;
  if (servers.tcp) options.flags |= ARES_FLAG_USEVC;
  // Two tries: the second waits twice as long (c-ares doubles it), so the
  // three thirds of the per-query timeout are spent before run()'s own cut.
  options.tries = 2;
  options.timeout = std::max<int>(1, static_cast<int>(timeout_.count() / 3));
  int status = ares_init_options(&channel->channel, &options, mask);
  if (status != ARES_SUCCESS) {
    channel->error = std::string("cannot make a resolver: ") + ares_strerror(status);
    channel->channel = nullptr;
  } else if (!servers.servers.empty()) {
    std::string csv;
    for (const std::string& server : servers.servers) csv += (csv.empty() ? "" : ",") + server;
    status = ares_set_servers_ports_csv(channel->channel, csv.c_str());
    if (status != ARES_SUCCESS)
      channel->error = "bad servers " + csv + ": " + ares_strerror(status);
  }
  channels_.push_back(std::move(channel));
  return channels_.size() - 1;
}

void Client::run(std::span<Query> queries) {
  std::size_t outstanding = 0;
  std::vector<Pending> pending(queries.size());
  const Clock::time_point start = Clock::now();
  // A little past c-ares's own three thirds, so its "timeout" normally wins.
  const Clock::time_point deadline = start + timeout_ + std::chrono::milliseconds(50);
  for (std::size_t i = 0; i < queries.size(); ++i) {
    Query& query = queries[i];
    query.answered = false;
    query.error.clear();
    query.response.clear();
    if (query.channel >= channels_.size()) {
      query.error = "no such resolver";
      continue;
    }
    Channel& channel = *channels_[query.channel];
    if (!channel.error.empty()) {
      query.error = channel.error;
      continue;
    }
    unsigned char* buffer = nullptr;
    int length = 0;
    // 1232: the EDNS buffer size DNS flag day 2020 settled on (large TXT answers fit).
    int status =
        ares_create_query(query.name.c_str(), ns_c_in, query.type, 0, 1, &buffer, &length, 1232);
    if (status != ARES_SUCCESS) {
      query.error = std::string("cannot build the query: ") + ares_strerror(status);
      continue;
    }
    // ares_create_query always sets RD; clear it where the channel asks so.
    ares_options options{};
    int mask = 0;
    if (ares_save_options(channel.channel, &options, &mask) == ARES_SUCCESS) {
      if (options.flags & ARES_FLAG_NORECURSE) buffer[2] &= static_cast<unsigned char>(~0x01);
      ares_destroy_options(&options);
    }
    pending[i] = Pending{&query, Clock::now(), &outstanding};
    ++outstanding;
    ares_send(channel.channel, buffer, length, onAnswer, &pending[i]);
    ares_free_string(buffer);
  }

  std::vector<pollfd> fds;
  std::vector<std::size_t> owners;
  while (outstanding > 0) {
    const Clock::time_point now = Clock::now();
    if (now >= deadline) break;
    fds.clear();
    owners.clear();
    timeval wait{};
    timeval longest{};
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
    longest.tv_sec = left.count() / 1'000'000;
    longest.tv_usec = left.count() % 1'000'000;
    long wait_ms = left.count() / 1000 + 1;
    for (std::size_t c = 0; c < channels_.size(); ++c) {
      ares_channel channel = channels_[c]->channel;
      if (channel == nullptr) continue;
      ares_socket_t sockets[ARES_GETSOCK_MAXNUM];
      int bits = ares_getsock(channel, sockets, ARES_GETSOCK_MAXNUM);
      for (int s = 0; s < ARES_GETSOCK_MAXNUM; ++s) {
        short events = 0;
        if (ARES_GETSOCK_READABLE(bits, s)) events |= POLLIN;
        if (ARES_GETSOCK_WRITABLE(bits, s)) events |= POLLOUT;
        if (events == 0) continue;
        fds.push_back(pollfd{sockets[s], events, 0});
        owners.push_back(c);
      }
      if (timeval* next = ares_timeout(channel, &longest, &wait)) {
        wait_ms = std::min<long>(wait_ms, next->tv_sec * 1000 + next->tv_usec / 1000 + 1);
      }
    }
    int ready = poll(fds.data(), fds.size(), static_cast<int>(std::max<long>(wait_ms, 0)));
    if (ready < 0 && errno != EINTR) break;
    for (std::size_t f = 0; f < fds.size(); ++f) {
      if (fds[f].revents == 0) continue;
      ares_socket_t readable =
          (fds[f].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[f].fd : ARES_SOCKET_BAD;
      ares_socket_t writable = (fds[f].revents & POLLOUT) ? fds[f].fd : ARES_SOCKET_BAD;
      ares_process_fd(channels_[owners[f]]->channel, readable, writable);
    }
    // Retries and per-try timeouts.
    for (const auto& channel : channels_) {
      if (channel->channel != nullptr)
        ares_process_fd(channel->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    }
  }
  // Whatever is left has used up its time: its callback says "timeout".
  for (const auto& channel : channels_) {
    if (channel->channel != nullptr) ares_cancel(channel->channel);
  }
}

}  // namespace dnscheck::dns
