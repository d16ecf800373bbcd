#include "httpclient/client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "hostfs/read.h"

namespace httpclient {
namespace {

std::once_flag g_curl_init;

// Frees what curl_url_get hands out.
struct CurlString {
  char* text = nullptr;
  ~CurlString() { curl_free(text); }
};

// With tls.server_name set, the request goes to https://<server_name>:<port>
// so curl sends that name as SNI and verifies the certificate against it,
// while CURLOPT_CONNECT_TO still connects to the URL's host and the Host
// header names it. Returns false when the URL is not https (nothing to do).
bool rewriteForServerName(const std::string& url, const std::string& server_name,
                          std::string& new_url, std::string& connect_to, std::string& host_header) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parts(curl_url(), curl_url_cleanup);
  if (!parts || curl_url_set(parts.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return false;
  CurlString scheme, host, port, explicit_port, rewritten;
  if (curl_url_get(parts.get(), CURLUPART_SCHEME, &scheme.text, 0) != CURLUE_OK ||
      std::strcmp(scheme.text, "https") != 0)
    return false;
  if (curl_url_get(parts.get(), CURLUPART_HOST, &host.text, 0) != CURLUE_OK ||
      curl_url_get(parts.get(), CURLUPART_PORT, &port.text, CURLU_DEFAULT_PORT) != CURLUE_OK)
    return false;
  bool has_port = curl_url_get(parts.get(), CURLUPART_PORT, &explicit_port.text, 0) == CURLUE_OK;
  if (curl_url_set(parts.get(), CURLUPART_HOST, server_name.c_str(), 0) != CURLUE_OK ||
      curl_url_get(parts.get(), CURLUPART_URL, &rewritten.text, 0) != CURLUE_OK)
    return false;
  new_url = rewritten.text;
  connect_to = server_name + ":" + port.text + ":" + host.text + ":" + port.text;
  host_header = std::string("Host: ") + host.text + (has_port ? std::string(":") + port.text : "");
  return true;
}

// OpenSSL writes to a socket the peer closed raise SIGPIPE, and with
// CURLOPT_NOSIGNAL curl does not ignore it for us. The signal is blocked in
// this thread only, and one it raised is taken off the pending set before
// the mask is restored, so the process-wide disposition is left alone.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      timespec zero{0, 0};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_, old_;
  bool was_pending_ = false;
};

}  // namespace

struct Client::Handle {
  CURL* easy = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  std::string body;
  std::size_t max_body_bytes = 0;
  bool truncated = false;

  ~Handle() {
    SigpipeGuard guard;  // closing a TLS connection writes a close_notify
    if (easy) curl_easy_cleanup(easy);
  }

  static size_t onBody(char* data, size_t size, size_t count, void* user) {
    auto* self = static_cast<Handle*>(user);
    std::size_t length = size * count;
    std::size_t room = self->max_body_bytes - self->body.size();
    if (length > room) self->truncated = true;
    self->body.append(data, std::min(length, room));
    return length;  // keep reading, so the connection stays reusable
  }
};

Client::Client(Options options)
    : options_(std::move(options)), handle_(std::make_unique<Handle>()) {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  handle_->easy = curl_easy_init();
  if (!handle_->easy) throw std::runtime_error("curl_easy_init failed");
  handle_->max_body_bytes = options_.max_body_bytes;
  CURL* easy = handle_->easy;
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, handle_->error);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Handle::onBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, handle_.get());
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  // No proxy from the environment unless asked for, like Prometheus' client.
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
  const TlsOptions& tls = options_.tls;
  if (!tls.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) curl_easy_setopt(easy, CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) curl_easy_setopt(easy, CURLOPT_SSLKEY, tls.key_file.c_str());
  if (tls.insecure_skip_verify) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

Client::~Client() = default;

base::Expected<Response, Error> Client::post(const std::string& url, std::string_view body,
                                             const Headers& headers) {
  return perform(url, &body, headers);
}

base::Expected<Response, Error> Client::get(const std::string& url, const Headers& headers) {
  return perform(url, nullptr, headers);
}

base::Expected<Response, Error> Client::send(const std::string& method, const std::string& url,
                                             std::string_view body, const Headers& headers) {
  return perform(url, &body, headers, method.c_str());
}

base::Expected<Response, Error> Client::perform(const std::string& url,
                                                const std::string_view* body,
                                                const Headers& headers, const char* method) {
  auto started = std::chrono::steady_clock::now();
  auto fail = [&](std::string message, bool timed_out) {
    return base::unexpected(
        Error{std::move(message), timed_out, std::chrono::steady_clock::now() - started});
  };

  // Secrets are read per request, so a rotated file takes effect without a restart.
  const AuthOptions& auth = options_.auth;
  std::string password = auth.basic_password;
  std::string token = auth.bearer_token;
  if (!auth.basic_username.empty() && password.empty() && !auth.basic_password_file.empty()) {
    auto read = hostfs::readSecretFile(auth.basic_password_file);
    if (!read) return fail(read.error(), false);
    password = std::move(*read);
  }
  if (token.empty() && !auth.bearer_token_file.empty()) {
    auto read = hostfs::readSecretFile(auth.bearer_token_file);
    if (!read) return fail(read.error(), false);
    token = std::move(*read);
  }

  CURL* easy = handle_->easy;
  std::string target = url, connect_to, host_header;
  bool rewritten =
      !options_.tls.server_name.empty() &&
      rewriteForServerName(url, options_.tls.server_name, target, connect_to, host_header);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(nullptr,
                                                                          curl_slist_free_all);
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> connect_list(nullptr,
                                                                           curl_slist_free_all);
  auto addHeader = [&](const std::string& line) {
    header_list.reset(curl_slist_append(header_list.release(), line.c_str()));
  };
  for (const auto& [name, value] : headers) addHeader(name + ": " + value);
  addHeader("Expect:");  // no 100-continue round trip before large bodies
  if (rewritten) {
    addHeader(host_header);
    connect_list.reset(curl_slist_append(nullptr, connect_to.c_str()));
  }
  if (!token.empty()) addHeader("Authorization: Bearer " + token);

  curl_easy_setopt(easy, CURLOPT_URL, target.c_str());
  curl_easy_setopt(easy, CURLOPT_CONNECT_TO, connect_list.get());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list.get());
  if (!auth.basic_username.empty() && token.empty()) {
    curl_easy_setopt(easy, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(easy, CURLOPT_USERNAME, auth.basic_username.c_str());
    curl_easy_setopt(easy, CURLOPT_PASSWORD, password.c_str());
  }
  if (body) {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body->empty() ? "" : body->data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    if (method) curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
  } else {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  }

  handle_->body.clear();
  handle_->truncated = false;
  handle_->error[0] = '\0';
  CURLcode code;
  {
    SigpipeGuard guard;
    code = curl_easy_perform(easy);
  }

  // Nothing of this request may outlive it in the handle: the lists are freed
  // below, and the password must not stay in curl's copy.
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(easy, CURLOPT_CONNECT_TO, nullptr);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, nullptr);
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, nullptr);
  curl_easy_setopt(easy, CURLOPT_USERNAME, nullptr);
  curl_easy_setopt(easy, CURLOPT_PASSWORD, nullptr);

  if (code != CURLE_OK) {
    std::string message = handle_->error[0] ? handle_->error : curl_easy_strerror(code);
    return fail(std::move(message), code == CURLE_OPERATION_TIMEDOUT);
  }
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  Response response;
  response.status = static_cast<int>(status);
  response.body = std::move(handle_->body);
  handle_->body = std::string();
  response.body_truncated = handle_->truncated;
  response.duration = std::chrono::steady_clock::now() - started;
  return response;
}

}  // namespace httpclient
