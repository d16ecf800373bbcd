#include "aws/credentials.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace aws {
namespace {

std::string_view trim(std::string_view text) {
  const char* space = " \t\r\n";
  std::size_t begin = text.find_first_not_of(space);
  if (begin == std::string_view::npos) return {};
  std::size_t end = text.find_last_not_of(space);
  return text.substr(begin, end - begin + 1);
}

}  // namespace

Environment processEnvironment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

base::Expected<Credentials, std::string> parseCredentialsFile(std::string_view text,
                                                              const std::string& profile,
                                                              const std::string& source) {
  Credentials out;
  bool in_profile = false, found = false;
  int line_number = 0;
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(at, end - at));
    at = end + 1;
    ++line_number;
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        return base::unexpected(source + ":" + std::to_string(line_number) +
                                ": a section header without ']'");
      in_profile = trim(line.substr(1, line.size() - 2)) == profile;
      found = found || in_profile;
      continue;
    }
    if (!in_profile) continue;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;  // not a key we read
    std::string_view key = trim(line.substr(0, eq));
    std::string value(trim(line.substr(eq + 1)));
    if (key == "aws_access_key_id") out.access_key_id = value;
    if (key == "aws_secret_access_key") out.secret_access_key = value;
    if (key == "aws_session_token") out.session_token = value;
  }
  if (!found) return base::unexpected(source + ": no profile [" + profile + "]");
  if (out.access_key_id.empty() || out.secret_access_key.empty())
    return base::unexpected(source + ": profile [" + profile +
                            "] lacks aws_access_key_id or aws_secret_access_key");
  return out;
}

base::Expected<Credentials, std::string> loadCredentials(const Environment& environment) {
  auto get = [&](const char* name) { return environment(name).value_or(""); };
  std::string key_id = get("AWS_ACCESS_KEY_ID"), secret = get("AWS_SECRET_ACCESS_KEY");
  if (!key_id.empty() || !secret.empty()) {
    if (key_id.empty() || secret.empty())
      return base::unexpected(std::string(
          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together in the environment"));
    return Credentials{key_id, secret, get("AWS_SESSION_TOKEN")};
  }
  std::string path = get("AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty()) {
    std::string home = get("HOME");
    if (home.empty())
      return base::unexpected(
          std::string("no AWS credentials: AWS_ACCESS_KEY_ID is not set and HOME is unknown (for "
                      "~/.aws/credentials)"));
    path = home + "/.aws/credentials";
  }
  std::string profile = get("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return base::unexpected("no AWS credentials: AWS_ACCESS_KEY_ID is not set and " + path +
                            " cannot be read: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parseCredentialsFile(text.str(), profile, path);
}

}  // namespace aws
