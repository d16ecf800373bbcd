#pragma once
// Reads Postfix's queue listing: the showq socket first (what postfix_exporter
// reads; it needs the postfix user or root), `postqueue -j` as the fallback
// when the socket cannot be opened. Every read has a deadline: a stuck
// socket or a hung postqueue never hangs a scrape.

#include <string>

#include "mail/postfix/queue.h"

namespace mail::postfix {

struct RawListing {
  bool ok = false;
  std::string bytes;  // the answer, when ok
  std::string error;  // why not, naming the path or command
  // showq: the socket was opened (a failure after this is a stuck or broken
  // showq, which postqueue -j, a showq client too, would not get past).
  bool connected = false;
};

// Connects to the unix socket at path and feeds the answer to `stream` as it
// arrives, until the end-of-list marker or EOF, all within timeout_seconds.
// `bytes` stays empty: the messages went to the stream's callback; ok says
// the socket was read (whether the answer parsed is stream.finish()'s).
RawListing streamShowqSocket(const std::string& path, double timeout_seconds, ShowqStream& stream);

// Runs `<postqueue> -j` (PATH is searched when it has no slash) and returns
// its standard output; killed when it outlives timeout_seconds. Postfix's
// config directory comes from the environment (MAIL_CONFIG) like any
// postqueue run; config_dir, when set, is passed as -c.
RawListing runPostqueue(const std::string& postqueue, const std::string& config_dir,
                        double timeout_seconds);

}  // namespace mail::postfix
