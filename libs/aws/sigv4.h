#pragma once
// AWS Signature Version 4, computed here rather than by libcurl's
// CURLOPT_AWS_SIGV4: Debian's curl 7.88 signs the query string as given
// (unsorted), and our own signer can be checked case by case against AWS's
// published test suite (tests/aws/sigv4_test.cpp). Pure functions: the time
// and the credentials are parameters.
//
//   aws::Request request{.method = "GET", .path = "/2013-04-01/hostedzone/Z1/rrset",
//                        .query = {{"maxitems", "300"}},
//                        .headers = {{"Host", "route53.amazonaws.com"}}};
//   auto signed_ = aws::signHeaders(request, credentials, {"us-east-1", "route53"}, now);
//   // send request.headers + signed_.headers_to_add

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
};

struct Scope {
  std::string region;   // "us-east-1"
  std::string service;  // "route53"
};

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET"
  // Not percent-encoded ("/example space/"); encoded once when signed, as
  // the test suite expects. Route53's paths hold only unreserved characters,
  // so the double encoding AWS's SDKs apply for most services is the same text.
  std::string path;
  Pairs query;    // names and values not percent-encoded, in any order
  Pairs headers;  // as sent, any case; must hold Host
  std::string body;
};

struct Options {
  bool normalize_path = true;       // remove "." and ".." segments and empty ones
  bool sign_body = false;           // also send and sign x-amz-content-sha256
  bool omit_session_token = false;  // add the token after signing (STS's old style)
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lower-case hex
  // Header signing: the headers to add to the request (X-Amz-Date,
  // X-Amz-Security-Token, X-Amz-Content-Sha256, Authorization).
  Pairs headers_to_add;
  // Query signing (presigned URL): the complete, encoded query string.
  std::string query_string;
};

// Signs with an Authorization header.
Signature signHeaders(const Request& request, const Credentials& credentials, const Scope& scope,
                      std::chrono::system_clock::time_point now, const Options& options = {});

// Signs in the query string (a presigned URL valid for `expires`).
Signature signQuery(const Request& request, const Credentials& credentials, const Scope& scope,
                    std::chrono::system_clock::time_point now, std::chrono::seconds expires,
                    const Options& options = {});

// Pieces, exposed for tests and for the fake servers' cross-checks.
std::string uriEncode(std::string_view text, bool keep_slash);
std::string uriDecode(std::string_view text);  // %XX only; '+' stays '+'
std::string normalizePath(std::string_view path);
std::string canonicalQuery(const Pairs& query);
std::string sha256Hex(std::string_view data);
std::string hmacSha256(std::string_view key, std::string_view data);  // raw bytes
std::string amzDate(std::chrono::system_clock::time_point time);      // 20150830T123600Z

// Splits "a=1&b=%20" into decoded pairs (a name without '=' has an empty value).
Pairs parseQuery(std::string_view query);

}  // namespace aws
