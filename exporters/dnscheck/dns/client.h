#pragma once
// Many DNS queries in flight at once over c-ares (Debian's libc-ares, 1.18):
// one channel per resolver (its own server list, or /etc/resolv.conf), every
// query sent before any answer is awaited, one poll loop for all of them, a
// per-query deadline after which the query is an error ("timeout"), never a
// hang. c-ares does the transport (UDP with retries, TCP on truncation, query
// ids, matching answers to questions); the answers come back raw, with any
// rcode (ARES_FLAG_NOCHECKRESP), and message.h parses them.

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace dnscheck::dns {

struct ServerSet {
  std::vector<std::string>
      servers;  // "192.0.2.53:53", "[2001:db8::53]:53"; empty: /etc/resolv.conf
  bool recursion_desired = true;
  bool tcp = false;
  // An EDNS OPT record offering 1232-byte UDP answers. Without it servers
  // answer in 512 bytes, as they do blackbox's dns prober (which sends none).
  bool edns = true;
  // Keep a truncated UDP answer (TC bit) instead of asking again over TCP,
  // as blackbox's dns prober does; the scheduled checks want whole answers.
  bool accept_truncated = false;
};

struct Query {
  std::size_t channel = 0;
  std::string name;
  int type = 1;
  // Filled by run():
  bool answered = false;                 // a response arrived (any rcode)
  std::string error;                     // why not: "timeout", "connection refused", ...
  std::vector<unsigned char> response;   // the raw message
  std::chrono::nanoseconds duration{0};  // send to answer (or to giving up)
};

class Client {
 public:
  explicit Client(std::chrono::milliseconds timeout);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // A channel for one resolver; its index goes into Query::channel. A channel
  // that cannot be made (bad server list) fails its queries with the reason.
  std::size_t addChannel(const ServerSet& servers);

  // Sends every query, waits for all answers or the deadline.
  void run(std::span<Query> queries);

 private:
  struct Channel;
  std::chrono::milliseconds timeout_;
  std::vector<std::unique_ptr<Channel>> channels_;
};

}  // namespace dnscheck::dns
