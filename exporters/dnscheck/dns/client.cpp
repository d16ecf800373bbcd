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

// At most this many queries in flight per resolver: a burst of 500 UDP
// datagrams overflows a server's (or our) socket buffer on loopback (the
// kernel charges ~1 KB per datagram against 208 KB), and a lost query costs
// a whole retry timeout. A window keeps every query fast and is polite to
// real resolvers; the next query leaves as each answer arrives.
constexpr std::size_t kWindowPerChannel = 64;

struct Batch;

struct Pending {
  Query* query = nullptr;
  Clock::time_point sent;
  Batch* batch = nullptr;
  std::vector<unsigned char> packet;  // built up front, sent when the window allows
};

struct Batch {
  std::size_t outstanding = 0;  // sent or waiting, not yet answered
  // Per channel: the queries waiting for a slot, and how many are in flight.
  std::vector<std::vector<Pending*>> waiting;
  std::vector<std::size_t> next_waiting;
  std::vector<std::size_t> in_flight;
  std::vector<ares_channel> channels;
  std::vector<std::size_t> channel_of;  // by Pending index
  Pending* base = nullptr;
};

void onAnswer(void* arg, int status, int timeouts, unsigned char* answer, int length);

void sendNext(Batch& batch, std::size_t channel) {
  while (batch.in_flight[channel] < kWindowPerChannel &&
         batch.next_waiting[channel] < batch.waiting[channel].size()) {
    Pending* pending = batch.waiting[channel][batch.next_waiting[channel]++];
    ++batch.in_flight[channel];
    pending->sent = Clock::now();
    ares_send(batch.channels[channel], pending->packet.data(),
              static_cast<int>(pending->packet.size()), onAnswer, pending);
  }
}

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
  Batch& batch = *pending->batch;
  --batch.outstanding;
  const std::size_t channel = batch.channel_of[pending - batch.base];
  --batch.in_flight[channel];
  // Not after a cancel: run() is giving up on everything left.
  if (status != ARES_ECANCELLED && status != ARES_EDESTRUCTION) sendNext(batch, channel);
}

}  // namespace

struct Client::Channel {
  ares_channel channel = nullptr;
  std::string error;
  bool recursion_desired = true;
  bool edns = true;
  ~Channel() {
    if (channel != nullptr) ares_destroy(channel);
  }
};

Client::Client(std::chrono::milliseconds timeout) : timeout_(timeout) { initLibrary(); }

Client::~Client() = default;

std::size_t Client::addChannel(const ServerSet& servers) {
  auto channel = std::make_unique<Channel>();
  channel->recursion_desired = servers.recursion_desired;
  channel->edns = servers.edns;
  ares_options options{};
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
  options.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_STAYOPEN;
  if (!servers.recursion_desired) options.flags |= ARES_FLAG_NORECURSE;
  if (servers.tcp) options.flags |= ARES_FLAG_USEVC;
  if (servers.accept_truncated) options.flags |= ARES_FLAG_IGNTC;
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
  Batch batch;
  std::vector<Pending> pending(queries.size());
  batch.base = pending.data();
  batch.waiting.resize(channels_.size());
  batch.next_waiting.assign(channels_.size(), 0);
  batch.in_flight.assign(channels_.size(), 0);
  batch.channel_of.assign(queries.size(), 0);
  for (const auto& channel : channels_) batch.channels.push_back(channel->channel);
  const Clock::time_point start = Clock::now();
  for (std::size_t i = 0; i < queries.size(); ++i) {
    Query& query = queries[i];
    query.answered = false;
    query.error.clear();
    query.response.clear();
    query.duration = {};
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
    // 1232: the EDNS buffer size DNS flag day 2020 settled on (large TXT
    // answers fit); 0 sends no OPT record.
    int status = ares_create_query(query.name.c_str(), ns_c_in, query.type, 0,
                                   channel.recursion_desired ? 1 : 0, &buffer, &length,
                                   channel.edns ? 1232 : 0);
    if (status != ARES_SUCCESS) {
      query.error = std::string("cannot build the query: ") + ares_strerror(status);
      continue;
    }
    pending[i].query = &query;
    pending[i].batch = &batch;
    pending[i].packet.assign(buffer, buffer + length);
    ares_free_string(buffer);
    batch.channel_of[i] = query.channel;
    batch.waiting[query.channel].push_back(&pending[i]);
    ++batch.outstanding;
  }
  for (std::size_t c = 0; c < channels_.size(); ++c) sendNext(batch, c);
  // Each query has the full timeout from when it leaves; the whole batch
  // gets enough windows' worth of it, and c-ares's own per-try timeouts
  // normally end a silent server's queries first.
  std::size_t longest_queue = 0;
  for (const auto& waiting : batch.waiting) longest_queue = std::max(longest_queue, waiting.size());
  const auto windows =
      static_cast<long>((longest_queue + kWindowPerChannel - 1) / kWindowPerChannel);
  const Clock::time_point deadline =
      start + timeout_ * std::max(1L, windows) + std::chrono::milliseconds(50);
  std::size_t& outstanding = batch.outstanding;

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
