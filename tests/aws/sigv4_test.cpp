// SigV4 against every case of AWS's signature test suite (the aws-c-auth
// "v4" cases: request.txt, context.json and the expected canonical request,
// string to sign, signature and signed request, for header and query
// signing). The suite's directory comes from CMake (TERN_AWS_SIGV4_SUITE).

#include "aws/sigv4.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "aws/credentials.h"

namespace {

namespace fs = std::filesystem;

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string withoutTrailingNewlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// The few fields of context.json the cases use; the file is flat enough that
// a string search is honest here.
std::string jsonString(const std::string& json, const std::string& key) {
  auto at = json.find("\"" + key + "\"");
  if (at == std::string::npos) return {};
  at = json.find(':', at);
  auto open = json.find('"', at);
  auto close = json.find('"', open + 1);
  return json.substr(open + 1, close - open - 1);
}
bool jsonTrue(const std::string& json, const std::string& key) {
  auto at = json.find("\"" + key + "\"");
  if (at == std::string::npos) return false;
  auto colon = json.find(':', at);
  return json.compare(json.find_first_not_of(" \t", colon + 1), 4, "true") == 0;
}

// "GET /path?query HTTP/1.1", headers (continuation lines start with white
// space), a blank line, the body.
aws::Request parseRequest(const std::string& text) {
  aws::Request request;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  auto first_space = line.find(' ');
  auto version = line.rfind(" HTTP/");
  request.method = line.substr(0, first_space);
  std::string target = line.substr(first_space + 1, version - first_space - 1);
  auto question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string::npos) request.query = aws::parseQuery(target.substr(question + 1));
  while (std::getline(in, line)) {
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !request.headers.empty()) {
      request.headers.back().second += "\n" + line;
      continue;
    }
    auto colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::ostringstream body;
  body << in.rdbuf();
  request.body = body.str();
  return request;
}

std::chrono::system_clock::time_point suiteTime() {
  // 2015-08-30T12:36:00Z, every case's timestamp.
  return std::chrono::system_clock::time_point(std::chrono::seconds(1440938160));
}

std::string authorizationOf(const std::string& signed_request) {
  std::istringstream in(signed_request);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Authorization:", 0) == 0) return line.substr(14);
  return {};
}

}  // namespace

TEST_CASE("sigv4: every case of the AWS test suite, header and query signing") {
  fs::path suite = TERN_AWS_SIGV4_SUITE;
  REQUIRE_MESSAGE(fs::is_directory(suite), "AWS SigV4 test suite not found at "
                                               << suite.string()
                                               << " (-DTERN_AWS_SIGV4_SUITE=...)");
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(suite)) {
    if (!fs::exists(entry.path() / "context.json")) continue;
    const fs::path dir = entry.path();
    CAPTURE(dir.filename().string());
    std::string context = readText(dir / "context.json");
    REQUIRE(jsonString(context, "timestamp") == "2015-08-30T12:36:00Z");
    aws::Credentials credentials{jsonString(context, "access_key_id"),
                                 jsonString(context, "secret_access_key"),
                                 jsonString(context, "token")};
    aws::Scope scope{jsonString(context, "region"), jsonString(context, "service")};
    aws::Options options;
    options.normalize_path = jsonTrue(context, "normalize");
    options.sign_body = jsonTrue(context, "sign_body");
    options.omit_session_token = jsonTrue(context, "omit_session_token");
    aws::Request request = parseRequest(readText(dir / "request.txt"));

    aws::Signature header = aws::signHeaders(request, credentials, scope, suiteTime(), options);
    CHECK(header.canonical_request ==
          withoutTrailingNewlines(readText(dir / "header-canonical-request.txt")));
    CHECK(header.string_to_sign ==
          withoutTrailingNewlines(readText(dir / "header-string-to-sign.txt")));
    CHECK(header.signature == withoutTrailingNewlines(readText(dir / "header-signature.txt")));
    std::string authorization;
    for (const auto& [name, value] : header.headers_to_add)
      if (name == "Authorization") authorization = value;
    CHECK(authorization == authorizationOf(readText(dir / "header-signed-request.txt")));

    std::chrono::seconds expires(std::stoi(
        context.substr(context.find(':', context.find("\"expiration_in_seconds\"")) + 1)));
    aws::Signature query =
        aws::signQuery(request, credentials, scope, suiteTime(), expires, options);
    CHECK(query.canonical_request ==
          withoutTrailingNewlines(readText(dir / "query-canonical-request.txt")));
    CHECK(query.string_to_sign ==
          withoutTrailingNewlines(readText(dir / "query-string-to-sign.txt")));
    CHECK(query.signature == withoutTrailingNewlines(readText(dir / "query-signature.txt")));
    CHECK(readText(dir / "query-signed-request.txt").find("X-Amz-Signature=" + query.signature) !=
          std::string::npos);
    ++cases;
  }
  CHECK(cases >= 38);
}

TEST_CASE("sigv4: pieces") {
  CHECK(aws::uriEncode("a b/c~", true) == "a%20b/c~");
  CHECK(aws::uriEncode("a b/c", false) == "a%20b%2Fc");
  CHECK(aws::uriDecode("%E1%88%B4x%2") == "\xE1\x88\xB4x%2");
  CHECK(aws::normalizePath("//example//") == "/example/");
  CHECK(aws::normalizePath("/example/..") == "/");
  CHECK(aws::normalizePath("/./example") == "/example");
  CHECK(aws::normalizePath("") == "/");
  CHECK(aws::canonicalQuery({{"b", "2"}, {"a", "x y"}, {"a", "1"}}) == "a=1&a=x%20y&b=2");
  CHECK(aws::amzDate(suiteTime()) == "20150830T123600Z");
  CHECK(aws::sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("aws credentials: environment first, then the shared file's profile") {
  std::map<std::string, std::string> env;
  aws::Environment environment = [&](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  SUBCASE("environment") {
    env = {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
           {"AWS_SECRET_ACCESS_KEY", "secret"},
           {"AWS_SESSION_TOKEN", "token"}};
    auto got = aws::loadCredentials(environment);
    REQUIRE(got.ok());
    CHECK(got->access_key_id == "AKIDEXAMPLE");
    CHECK(got->secret_access_key == "secret");
    CHECK(got->session_token == "token");
  }
  SUBCASE("half the environment is an error that shows no secret") {
    env = {{"AWS_SECRET_ACCESS_KEY", "s3cr3t-value"}};
    auto got = aws::loadCredentials(environment);
    REQUIRE(!got.ok());
    CHECK(got.error().find("s3cr3t") == std::string::npos);
  }
  SUBCASE("shared file with a profile") {
    fs::path file = fs::temp_directory_path() / ("tern-aws-test-" + std::to_string(::getpid()));
    std::ofstream(file) << "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\n"
                           "aws_secret_access_key=defaultsecret\n\n[ops]\n"
                           "aws_access_key_id=AKIDOPS\naws_secret_access_key = opssecret\n"
                           "aws_session_token = opstoken\nregion = us-east-1\n";
    env = {{"AWS_SHARED_CREDENTIALS_FILE", file.string()}};
    auto got = aws::loadCredentials(environment);
    REQUIRE(got.ok());
    CHECK(got->access_key_id == "AKIDDEFAULT");
    CHECK(got->session_token.empty());
    env["AWS_PROFILE"] = "ops";
    got = aws::loadCredentials(environment);
    REQUIRE(got.ok());
    CHECK(got->access_key_id == "AKIDOPS");
    CHECK(got->secret_access_key == "opssecret");
    CHECK(got->session_token == "opstoken");
    env["AWS_PROFILE"] = "missing";
    got = aws::loadCredentials(environment);
    REQUIRE(!got.ok());
    CHECK(got.error().find("no profile [missing]") != std::string::npos);
    fs::remove(file);
  }
  SUBCASE("HOME's ~/.aws/credentials, unreadable") {
    env = {{"HOME", "/nonexistent-tern-home"}};
    auto got = aws::loadCredentials(environment);
    REQUIRE(!got.ok());
    CHECK(got.error().find("/nonexistent-tern-home/.aws/credentials") != std::string::npos);
  }
  SUBCASE("a profile without the secret") {
    auto got = aws::parseCredentialsFile("[default]\naws_access_key_id=AKID\n", "default", "f");
    REQUIRE(!got.ok());
    CHECK(got.error() == "f: profile [default] lacks aws_access_key_id or aws_secret_access_key");
  }
}
