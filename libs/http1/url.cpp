#include "http1/url.h"

#include <charconv>

#include "base/percent_decode.h"

namespace http1 {
namespace {

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

std::string redactPassword(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const std::size_t start = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", start);
  const auto at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  const auto colon = url.substr(start, at - start).find(':');
  if (colon == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start + colon + 1)) + "xxxxx" + std::string(url.substr(at));
}

std::string Url::authority() const {
  std::string out = bracketed(host);
  if (port != defaultPort()) out += ":" + std::to_string(port);
  return out;
}

std::string Url::describe() const {
  return std::string(tls ? "https://" : "http://") + authority() + target;
}

base::Expected<Url, std::string> parseUrl(std::string_view rest) {
  Url url;
  if (rest.starts_with("https://")) {
    url.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return base::unexpected(std::string("not an http:// or https:// URL"));
  }
  rest = rest.substr(0, rest.find('#'));
  const auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  url.target = target.starts_with("/") ? std::string(target) : "/" + std::string(target);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const auto colon = userinfo.find(':');
    url.username = base::percentDecode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos)
      url.password = base::percentDecode(userinfo.substr(colon + 1));
  }
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return base::unexpected(std::string("unclosed [ in host"));
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (after.starts_with(":"))
      port_text = after.substr(1);
    else if (!after.empty())
      return base::unexpected(std::string("text after the IPv6 address"));
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return base::unexpected(std::string("no host"));
  url.port = url.defaultPort();
  if (!port_text.empty()) {
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port <= 0 ||
        port > 65535)
      return base::unexpected(std::string("bad port"));
    url.port = port;
  }
  return url;
}

base::Expected<Url, std::string> resolveLocation(const Url& base, std::string_view location) {
  if (location.starts_with("http://") || location.starts_with("https://"))
    return parseUrl(location);
  if (location.starts_with("//"))
    return parseUrl(std::string(base.tls ? "https:" : "http:") + std::string(location));
  if (location.empty()) return base;
  Url url = base;
  location = location.substr(0, location.find('#'));
  if (location.starts_with("/")) {
    url.target = std::string(location);
  } else if (location.starts_with("?")) {
    url.target = base.target.substr(0, base.target.find('?')) + std::string(location);
  } else {
    std::string path = base.target.substr(0, base.target.find('?'));
    path = path.substr(0, path.rfind('/') + 1);
    std::string_view relative = location;
    // "./x" and "../x", the forms servers send.
    while (true) {
      if (relative.starts_with("./")) {
        relative.remove_prefix(2);
      } else if (relative.starts_with("../")) {
        relative.remove_prefix(3);
        if (path.size() > 1) path = path.substr(0, path.rfind('/', path.size() - 2) + 1);
      } else {
        break;
      }
    }
    url.target = path + std::string(relative);
  }
  return url;
}

}  // namespace http1
