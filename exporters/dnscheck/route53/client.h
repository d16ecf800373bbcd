#pragma once
// A Route53 API client: ListResourceRecordSets (every page),
// ChangeResourceRecordSets and GetChange, over HTTPS with SigV4 (region
// us-east-1, service route53; Route53 is global). Failures are values
// (ApiError) and every request and error is counted in ApiStats, which the
// collector exports. Throttling, PriorRequestNotComplete and 5xx answers are
// retried a few times with backoff. Credentials are read before every
// request, so rotated ones are picked up; they are never logged.
//
// Each request on its own connection (libs/http1); one Client per thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "aws/credentials.h"
#include "base/expected.h"
#include "dnscheck/route53/xml.h"
#include "http1/client.h"

namespace dnscheck::route53 {

inline constexpr const char* kDefaultEndpoint = "https://route53.amazonaws.com";

struct ClientOptions {
  std::string endpoint = kDefaultEndpoint;       // --route53.endpoint (tests: a local fake)
  std::chrono::milliseconds timeout{10000};      // one HTTP request
  int max_attempts = 3;                          // for throttling and 5xx
  std::chrono::milliseconds retry_backoff{200};  // doubled after each retry
  int max_items = 300;  // ListResourceRecordSets page size (Route53's maximum)
  aws::Environment environment = aws::processEnvironment();  // where credentials come from
  std::function<std::chrono::system_clock::time_point()> clock = std::chrono::system_clock::now;
  // Checked before each request and retry: true stops the operation with an
  // ApiError "Cancelled" (the collector's thread, at shutdown).
  std::function<bool()> cancelled;
};

struct ApiError {
  std::string operation;  // "ListResourceRecordSets"
  std::string code;       // AWS's code, or "HTTP503", "Timeout", "ConnectionError",
                          // "MissingCredentials", "MalformedResponse"
  std::string message;
  int http_status = 0;  // 0 when no answer
  std::string describe() const;
};

// Counters since start: requests sent per operation, errors per operation
// and code. Shared between the client (writer) and scrapes (readers).
class ApiStats {
 public:
  void countRequest(const std::string& operation);
  void countError(const std::string& operation, const std::string& code);
  std::map<std::string, std::uint64_t> requests() const;
  std::map<std::pair<std::string, std::string>, std::uint64_t> errors() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> errors_;
};

class Client {
 public:
  Client(ClientOptions options, std::shared_ptr<ApiStats> stats);

  // Every record set of the zone ("Z123" or "/hostedzone/Z123"), all pages.
  base::Expected<std::vector<RecordSet>, ApiError> listRecordSets(const std::string& zone_id);
  base::Expected<ChangeInfo, ApiError> changeRecordSets(const std::string& zone_id,
                                                        const ChangeBatch& batch);
  base::Expected<ChangeInfo, ApiError> getChange(const std::string& change_id);
  // Polls GetChange every `interval` until INSYNC or `timeout` passed
  // (then an ApiError with code "WaitTimeout" and the last status).
  base::Expected<ChangeInfo, ApiError> waitInsync(
      const std::string& change_id, std::chrono::milliseconds timeout,
      std::chrono::milliseconds interval,
      const std::function<void(const ChangeInfo&)>& on_status = {});

  const ApiStats& stats() const { return *stats_; }

 private:
  base::Expected<http1::Response, ApiError> send(const std::string& operation,
                                                 const std::string& method, const std::string& path,
                                                 const aws::Pairs& query, const std::string& body);
  ClientOptions options_;
  std::shared_ptr<ApiStats> stats_;
  std::string host_;  // the endpoint's host[:port], signed as Host
  http1::Options http_;
};

// "Z123" from "/hostedzone/Z123", "C1" from "/change/C1".
std::string bareId(const std::string& id);

}  // namespace dnscheck::route53
