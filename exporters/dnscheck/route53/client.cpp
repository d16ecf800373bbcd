#include "dnscheck/route53/client.h"

#include <thread>

#include "aws/sigv4.h"

namespace dnscheck::route53 {
namespace {

constexpr const char* kApiVersion = "/2013-04-01";

bool retryable(const ApiError& error) {
  return error.code == "Throttling" || error.code == "ThrottlingException" ||
         error.code == "PriorRequestNotComplete" || error.http_status >= 500;
}

std::string hostOf(const std::string& endpoint) {
  std::size_t start = endpoint.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::size_t end = endpoint.find('/', start);
  return endpoint.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string trimSlashes(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

// The first line of a body, short, for messages when it is not AWS's XML.
std::string excerpt(const std::string& body) {
  std::string out = body.substr(0, 200);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

}  // namespace

std::string ApiError::describe() const {
  std::string out = operation + ": " + code;
  if (http_status) out += " (HTTP " + std::to_string(http_status) + ")";
  if (!message.empty()) out += ": " + message;
  return out;
}

void ApiStats::countRequest(const std::string& operation) {
  std::lock_guard lock(mutex_);
  ++requests_[operation];
}
void ApiStats::countError(const std::string& operation, const std::string& code) {
  std::lock_guard lock(mutex_);
  ++errors_[{operation, code}];
}
std::map<std::string, std::uint64_t> ApiStats::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}
std::map<std::pair<std::string, std::string>, std::uint64_t> ApiStats::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

std::string bareId(const std::string& id) {
  std::size_t slash = id.rfind('/');
  return slash == std::string::npos ? id : id.substr(slash + 1);
}

Client::Client(ClientOptions options, std::shared_ptr<ApiStats> stats)
    : options_(std::move(options)),
      stats_(std::move(stats)),
      host_(hostOf(options_.endpoint)),
      http_([&] {
        http1::Options http;
        http.timeout = options_.timeout;
        http.max_body_bytes = 16u << 20;  // a page of 300 record sets is well under 1 MB
        http.user_agent = "tern-dnscheck";
        return http;
      }()) {
  options_.endpoint = trimSlashes(options_.endpoint);
}

base::Expected<http1::Response, ApiError> Client::send(const std::string& operation,
                                                       const std::string& method,
                                                       const std::string& path,
                                                       const aws::Pairs& query,
                                                       const std::string& body) {
  std::chrono::milliseconds backoff = options_.retry_backoff;
  for (int attempt = 1;; ++attempt) {
    ApiError error{operation, "", "", 0};
    if (options_.cancelled && options_.cancelled()) {
      error.code = "Cancelled";
      error.message = "stopping";
      return base::unexpected(std::move(error));
    }
    auto credentials = aws::loadCredentials(options_.environment);
    if (!credentials) {
      error.code = "MissingCredentials";
      error.message = credentials.error();
      stats_->countError(operation, error.code);
      return base::unexpected(std::move(error));
    }
    aws::Request request{method, path, query, {{"Host", host_}}, body};
    aws::Signature signature =
        aws::signHeaders(request, *credentials, {"us-east-1", "route53"}, options_.clock());
    http1::Headers headers = request.headers;
    headers.insert(headers.end(), signature.headers_to_add.begin(), signature.headers_to_add.end());
    std::string url = options_.endpoint + path;
    std::string query_text = aws::canonicalQuery(query);
    if (!query_text.empty()) url += "?" + query_text;

    stats_->countRequest(operation);
    if (method == "POST") headers.emplace_back("Content-Type", "application/xml");
    auto parsed_url = http1::parseUrl(url);
    if (!parsed_url) {
      error.code = "BadEndpoint";
      error.message = options_.endpoint + ": " + parsed_url.error();
      stats_->countError(operation, error.code);
      return base::unexpected(std::move(error));
    }
    http1::Request http_request{method, std::move(*parsed_url), std::move(headers), body};
    auto answer = http1::perform(http_request, http_);
    const http1::Response* got = answer ? &answer->response : nullptr;
    if (!answer) {
      error.code = answer.error().timed_out ? "Timeout" : "ConnectionError";
      error.message = answer.error().message;
    } else if (got->body_truncated) {
      error.code = "MalformedResponse";
      error.message = "answer larger than 16 MiB";
    } else if (got->status >= 200 && got->status < 300) {
      return std::move(answer->response);
    } else {
      error.http_status = got->status;
      if (auto aws_error = parseError(got->body)) {
        error.code =
            aws_error->code.empty() ? "HTTP" + std::to_string(got->status) : aws_error->code;
        error.message = aws_error->message;
      } else {
        error.code = "HTTP" + std::to_string(got->status);
        error.message = excerpt(got->body);
      }
    }
    stats_->countError(operation, error.code);
    if (attempt >= options_.max_attempts || !retryable(error))
      return base::unexpected(std::move(error));
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
}

base::Expected<std::vector<RecordSet>, ApiError> Client::listRecordSets(
    const std::string& zone_id) {
  const std::string operation = "ListResourceRecordSets";
  std::string path = std::string(kApiVersion) + "/hostedzone/" + bareId(zone_id) + "/rrset";
  std::vector<RecordSet> out;
  aws::Pairs query{{"maxitems", std::to_string(options_.max_items)}};
  for (int page_number = 1;; ++page_number) {
    auto got = send(operation, "GET", path, query, "");
    if (!got) return base::unexpected(got.error());
    auto page = parseListResourceRecordSets(got->body);
    if (!page) {
      stats_->countError(operation, "MalformedResponse");
      return base::unexpected(ApiError{operation, "MalformedResponse",
                                       "page " + std::to_string(page_number) + ": " + page.error(),
                                       got->status});
    }
    for (RecordSet& set : page->record_sets) out.push_back(std::move(set));
    if (!page->is_truncated) return out;
    query = {{"maxitems", std::to_string(options_.max_items)}, {"name", page->next_record_name}};
    if (!page->next_record_type.empty()) query.emplace_back("type", page->next_record_type);
    if (!page->next_record_identifier.empty())
      query.emplace_back("identifier", page->next_record_identifier);
    if (page_number >= 10000) {  // a server that never stops paging
      stats_->countError(operation, "MalformedResponse");
      return base::unexpected(
          ApiError{operation, "MalformedResponse", "more than 10000 pages", got->status});
    }
  }
}

base::Expected<ChangeInfo, ApiError> Client::changeRecordSets(const std::string& zone_id,
                                                              const ChangeBatch& batch) {
  const std::string operation = "ChangeResourceRecordSets";
  std::string path = std::string(kApiVersion) + "/hostedzone/" + bareId(zone_id) + "/rrset/";
  auto got = send(operation, "POST", path, {}, changeBatchXml(batch));
  if (!got) return base::unexpected(got.error());
  auto info = parseChangeInfo(got->body);
  if (!info) {
    stats_->countError(operation, "MalformedResponse");
    return base::unexpected(ApiError{operation, "MalformedResponse", info.error(), got->status});
  }
  return *info;
}

base::Expected<ChangeInfo, ApiError> Client::getChange(const std::string& change_id) {
  const std::string operation = "GetChange";
  auto got =
      send(operation, "GET", std::string(kApiVersion) + "/change/" + bareId(change_id), {}, "");
  if (!got) return base::unexpected(got.error());
  auto info = parseChangeInfo(got->body);
  if (!info) {
    stats_->countError(operation, "MalformedResponse");
    return base::unexpected(ApiError{operation, "MalformedResponse", info.error(), got->status});
  }
  return *info;
}

base::Expected<ChangeInfo, ApiError> Client::waitInsync(
    const std::string& change_id, std::chrono::milliseconds timeout,
    std::chrono::milliseconds interval, const std::function<void(const ChangeInfo&)>& on_status) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_status = "unknown";
  while (true) {
    auto info = getChange(change_id);
    if (!info) return info;
    if (on_status) on_status(*info);
    if (info->status == "INSYNC") return info;
    last_status = info->status;
    if (std::chrono::steady_clock::now() + interval > deadline) break;
    std::this_thread::sleep_for(interval);
  }
  return base::unexpected(ApiError{"GetChange", "WaitTimeout",
                                   "change " + bareId(change_id) + " still " + last_status +
                                       " after " + std::to_string(timeout.count()) + " ms",
                                   0});
}

}  // namespace dnscheck::route53
