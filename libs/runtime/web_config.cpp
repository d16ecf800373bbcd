#include "runtime/web_config.h"

#include <crypt.h>
#include <sys/random.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/yaml_error.h"

namespace runtime {
namespace {

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

[[noreturn]] void fail(const std::string& source, const YAML::Node& node, const std::string& why) {
  throw WebConfigError(yamlError(source, node, why));
}

std::string scalar(const std::string& source, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) fail(source, node, key + " must be a string");
  return node.as<std::string>();
}

void requireReadable(const std::string& source, const std::string& what, const std::string& path) {
  std::ifstream file(path);
  if (!file)
    throw WebConfigError(source + ": cannot read " + what + " " + path + ": " +
                         std::strerror(errno));
}

}  // namespace

WebConfig parseWebConfig(const std::string& yaml_text, const std::string& base_dir,
                         const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw WebConfigError(yamlError(source, e.mark, e.msg));
  }
  WebConfig config;
  if (root.IsNull()) return config;
  if (!root.IsMap()) fail(source, root, "top level must be a mapping");

  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    if (key == "tls_server_config") {
      if (value.IsNull()) continue;
      if (!value.IsMap()) fail(source, value, "tls_server_config must be a mapping");
      TlsServerConfig tls;
      for (const auto& field : value) {
        const std::string name = field.first.as<std::string>();
        if (name == "cert_file")
          tls.cert_file = resolve(base_dir, scalar(source, field.second, name));
        else if (name == "key_file")
          tls.key_file = resolve(base_dir, scalar(source, field.second, name));
        else if (name == "client_ca_file")
          tls.client_ca_file = resolve(base_dir, scalar(source, field.second, name));
        else if (name == "client_auth_type")
          tls.client_auth_type = scalar(source, field.second, name);
        else if (name == "min_version")
          tls.min_version = scalar(source, field.second, name);
        else if (name == "max_version")
          tls.max_version = scalar(source, field.second, name);
        else if (name == "cipher_suites" || name == "curve_preferences" ||
                 name == "prefer_server_cipher_suites" || name == "cert" || name == "key" ||
                 name == "client_allowed_sans")
          fail(source, field.first,
               "tls_server_config." + name + " is not supported by this exporter");
        else
          fail(source, field.first, "unknown field tls_server_config." + name);
      }
      if (tls.cert_file.empty() || tls.key_file.empty())
        fail(source, value, "tls_server_config needs both cert_file and key_file");
      static const std::set<std::string> auth_types = {
          "NoClientCert", "RequestClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven",
          "RequireAndVerifyClientCert"};
      if (!auth_types.count(tls.client_auth_type))
        fail(source, value, "invalid client_auth_type " + tls.client_auth_type);
      if (tls.client_auth_type != "NoClientCert" && tls.client_auth_type != "RequestClientCert" &&
          tls.client_auth_type != "RequireAnyClientCert" && tls.client_ca_file.empty())
        fail(source, value, "client_auth_type " + tls.client_auth_type + " needs client_ca_file");
      static const std::set<std::string> versions = {"TLS10", "TLS11", "TLS12", "TLS13"};
      if (!versions.count(tls.min_version))
        fail(source, value, "unknown min_version " + tls.min_version);
      if (!tls.max_version.empty() && !versions.count(tls.max_version))
        fail(source, value, "unknown max_version " + tls.max_version);
      requireReadable(source, "cert_file", tls.cert_file);
      requireReadable(source, "key_file", tls.key_file);
      if (!tls.client_ca_file.empty())
        requireReadable(source, "client_ca_file", tls.client_ca_file);
      config.tls = tls;
    } else if (key == "basic_auth_users") {
      if (value.IsNull()) continue;
      if (!value.IsMap()) fail(source, value, "basic_auth_users must be a mapping");
      for (const auto& user : value) {
        std::string name = user.first.as<std::string>();
        std::string hash = scalar(source, user.second, "basic_auth_users." + name);
        if (!(hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$")))
          fail(source, user.second, "basic_auth_users." + name + " must be a bcrypt hash");
        config.basic_auth_users[name] = hash;
      }
    } else if (key == "http_server_config") {
      if (value.IsNull()) continue;
      if (!value.IsMap()) fail(source, value, "http_server_config must be a mapping");
      for (const auto& field : value) {
        const std::string name = field.first.as<std::string>();
        if (name == "http2") continue;  // we serve HTTP/1.1 only; accepted so shared files load
        if (name != "headers")
          fail(source, field.first, "unknown field http_server_config." + name);
        if (!field.second.IsMap()) fail(source, field.second, "headers must be a mapping");
        for (const auto& header : field.second)
          config.headers[header.first.as<std::string>()] = scalar(source, header.second, "header");
      }
    } else {
      fail(source, entry.first, "unknown field " + key);
    }
  }
  return config;
}

WebConfig loadWebConfig(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw WebConfigError("cannot read web config " + path + ": " + std::strerror(errno));
  std::stringstream text;
  text << file.rdbuf();
  auto slash = path.rfind('/');
  std::string base_dir = slash == std::string::npos ? "." : path.substr(0, slash);
  return parseWebConfig(text.str(), base_dir, path);
}

BasicAuthVerifier::BasicAuthVerifier(std::map<std::string, std::string> users)
    : users_(std::move(users)) {}

std::optional<std::string> decodeBase64(std::string_view encoded) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!encoded.empty() && encoded.back() == '=') encoded.remove_suffix(1);
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : encoded) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  // Every byte of the longer text is looked at: the time tells neither where
  // the texts differ nor (much of) the secret's length.
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

namespace {
// A per-process salt for the cache keys, so they are useless outside this process.
std::string cacheSetting() {
  static const std::string setting = [] {
    static const char alphabet[] =
        "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    unsigned char random[16] = {};
    if (getrandom(random, sizeof random, 0) != sizeof random) {
      for (auto& byte : random) byte = static_cast<unsigned char>(std::rand());
    }
    std::string salt;
    for (unsigned char byte : random) salt += alphabet[byte % 64];
    return "$5$rounds=1000$" + salt + "$";
  }();
  return setting;
}
}  // namespace

bool BasicAuthVerifier::verify(const std::string& authorization) {
  if (!authorization.starts_with("Basic ")) return false;
  auto decoded_or = decodeBase64(std::string_view(authorization).substr(6));
  if (!decoded_or) return false;
  const std::string& decoded = *decoded_or;
  auto colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  std::string user = decoded.substr(0, colon);
  std::string password = decoded.substr(colon + 1);
  auto it = users_.find(user);
  // An unknown user still pays for a bcrypt check, so timing does not tell
  // which users exist.
  const std::string& hash =
      it != users_.end()
          ? it->second
          : std::string("$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi");
  // The cache key is a salted SHA-256 crypt of the credentials, never the password.
  crypt_data key_data{};
  const char* key_text =
      crypt_r((user + ':' + password).c_str(), cacheSetting().c_str(), &key_data);
  std::string key = key_text ? key_text : "";
  {
    std::lock_guard lock(mutex_);
    if (it != users_.end() && verified_.count(key)) return true;
  }
  crypt_data data{};
  const char* result = crypt_r(password.c_str(), hash.c_str(), &data);
  bool ok = result != nullptr && constantTimeEquals(result, hash) && it != users_.end();
  if (ok && !key.empty()) {
    std::lock_guard lock(mutex_);
    verified_.insert(key);
  }
  return ok;
}

}  // namespace runtime
