#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <map>

namespace aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string toHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Trimmed, with every run of white space (a folded header's line breaks too)
// collapsed to one space, as the canonical header value requires.
std::string canonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

struct CanonicalHeaders {
  std::string text;     // "name:value\n" for each, sorted
  std::string signed_;  // "host;x-amz-date"
};

CanonicalHeaders canonicalHeaders(const Pairs& headers) {
  std::map<std::string, std::string> merged;  // sorted by lower-case name
  for (const auto& [name, value] : headers) {
    std::string key = lowered(name);
    std::string clean = canonicalHeaderValue(value);
    auto [it, inserted] = merged.try_emplace(key, clean);
    if (!inserted) it->second += "," + clean;
  }
  CanonicalHeaders out;
  for (const auto& [name, value] : merged) {
    out.text += name + ":" + value + "\n";
    if (!out.signed_.empty()) out.signed_ += ';';
    out.signed_ += name;
  }
  return out;
}

std::string dateOf(const std::string& amz_date) { return amz_date.substr(0, 8); }

std::string credentialScope(const std::string& date, const Scope& scope) {
  return date + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

std::string canonicalRequest(const Request& request, const Pairs& query,
                             const CanonicalHeaders& headers, const Options& options) {
  std::string path = options.normalize_path ? normalizePath(request.path) : request.path;
  if (path.empty()) path = "/";
  return request.method + "\n" + uriEncode(path, true) + "\n" + canonicalQuery(query) + "\n" +
         headers.text + "\n" + headers.signed_ + "\n" + sha256Hex(request.body);
}

std::string signatureOf(const std::string& string_to_sign, const Credentials& credentials,
                        const std::string& date, const Scope& scope) {
  std::string key = hmacSha256("AWS4" + credentials.secret_access_key, date);
  key = hmacSha256(key, scope.region);
  key = hmacSha256(key, scope.service);
  key = hmacSha256(key, "aws4_request");
  return toHex(hmacSha256(key, string_to_sign));
}

std::string stringToSign(const std::string& amz_date, const std::string& scope,
                         const std::string& canonical_request) {
  return std::string(kAlgorithm) + "\n" + amz_date + "\n" + scope + "\n" +
         sha256Hex(canonical_request);
}

}  // namespace

std::string uriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (isUnreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  return out;
}

std::string uriDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int high = hexValue(text[i + 1]), low = hexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string normalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t at = 0;
  while (at <= path.size()) {
    std::size_t slash = path.find('/', at);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view segment = path.substr(at, slash - at);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    at = slash + 1;
  }
  // A path that named a directory ("/a/", "/a/.", "/a/..") keeps its slash.
  bool directory = path.ends_with("/") || path.ends_with("/.") || path.ends_with("/..") ||
                   path == "." || path == "..";
  std::string out;
  for (std::string_view segment : segments) {
    out += '/';
    out += segment;
  }
  if (out.empty() || directory) out += '/';
  return out;
}

std::string canonicalQuery(const Pairs& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query)
    encoded.emplace_back(uriEncode(name, false), uriEncode(value, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

Pairs parseQuery(std::string_view query) {
  Pairs out;
  std::size_t at = 0;
  while (at < query.size()) {
    std::size_t amp = query.find('&', at);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view item = query.substr(at, amp - at);
    if (!item.empty()) {
      std::size_t eq = item.find('=');
      if (eq == std::string_view::npos)
        out.emplace_back(uriDecode(item), "");
      else
        out.emplace_back(uriDecode(item.substr(0, eq)), uriDecode(item.substr(eq + 1)));
    }
    at = amp + 1;
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return toHex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string amzDate(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[20];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

Signature signHeaders(const Request& request, const Credentials& credentials, const Scope& scope,
                      std::chrono::system_clock::time_point now, const Options& options) {
  Signature out;
  std::string amz_date = amzDate(now);
  std::string date = dateOf(amz_date);
  out.headers_to_add.emplace_back("X-Amz-Date", amz_date);
  if (options.sign_body)
    out.headers_to_add.emplace_back("X-Amz-Content-Sha256", sha256Hex(request.body));
  bool token = !credentials.session_token.empty();
  if (token && !options.omit_session_token)
    out.headers_to_add.emplace_back("X-Amz-Security-Token", credentials.session_token);

  Pairs headers = request.headers;
  headers.insert(headers.end(), out.headers_to_add.begin(), out.headers_to_add.end());
  CanonicalHeaders canonical = canonicalHeaders(headers);
  std::string scope_text = credentialScope(date, scope);
  out.canonical_request = canonicalRequest(request, request.query, canonical, options);
  out.string_to_sign = stringToSign(amz_date, scope_text, out.canonical_request);
  out.signature = signatureOf(out.string_to_sign, credentials, date, scope);
  if (token && options.omit_session_token)
    out.headers_to_add.emplace_back("X-Amz-Security-Token", credentials.session_token);
  out.headers_to_add.emplace_back(
      "Authorization", std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/" +
                           scope_text + ", SignedHeaders=" + canonical.signed_ +
                           ", Signature=" + out.signature);
  return out;
}

Signature signQuery(const Request& request, const Credentials& credentials, const Scope& scope,
                    std::chrono::system_clock::time_point now, std::chrono::seconds expires,
                    const Options& options) {
  Signature out;
  std::string amz_date = amzDate(now);
  std::string date = dateOf(amz_date);
  std::string scope_text = credentialScope(date, scope);
  CanonicalHeaders canonical = canonicalHeaders(request.headers);
  Pairs query = request.query;
  query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  query.emplace_back("X-Amz-Credential", credentials.access_key_id + "/" + scope_text);
  query.emplace_back("X-Amz-Date", amz_date);
  query.emplace_back("X-Amz-Expires", std::to_string(expires.count()));
  bool token = !credentials.session_token.empty();
  if (token && !options.omit_session_token)
    query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  query.emplace_back("X-Amz-SignedHeaders", canonical.signed_);
  out.canonical_request = canonicalRequest(request, query, canonical, options);
  out.string_to_sign = stringToSign(amz_date, scope_text, out.canonical_request);
  out.signature = signatureOf(out.string_to_sign, credentials, date, scope);
  out.query_string = canonicalQuery(query) + "&X-Amz-Signature=" + out.signature;
  if (token && options.omit_session_token)
    out.query_string += "&X-Amz-Security-Token=" + uriEncode(credentials.session_token, false);
  return out;
}

}  // namespace aws
