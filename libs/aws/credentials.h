#pragma once
// AWS credentials from the standard places, in the SDKs' order: the
// environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN),
// else the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, default
// ~/.aws/credentials) with the profile AWS_PROFILE (default "default").
// Never from a flag. Errors name the file, the profile and the missing key,
// never a secret.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "aws/sigv4.h"
#include "base/expected.h"

namespace aws {

// Reads an environment variable; a parameter so tests need not touch the
// process environment.
using Environment = std::function<std::optional<std::string>(const char* name)>;
Environment processEnvironment();

base::Expected<Credentials, std::string> loadCredentials(const Environment& environment);

// The profile `profile` of a credentials file's text (INI: [name] sections,
// key = value, '#' and ';' comments). `source` names the file in errors.
base::Expected<Credentials, std::string> parseCredentialsFile(std::string_view text,
                                                              const std::string& profile,
                                                              const std::string& source);

}  // namespace aws
