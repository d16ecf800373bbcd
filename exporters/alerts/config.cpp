#include "alerts/config.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "runtime/yaml_error.h"

namespace alerts {

namespace {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Reader {
  const std::string& source;

  [[noreturn]] void fail(const YAML::Node& node, const std::string& why) const {
    throw ConfigError(runtime::yamlError(source, node, why));
  }

  void onlyKeys(const YAML::Node& node, const std::string& where,
                std::initializer_list<const char*> allowed) const {
    if (!node.IsMap()) fail(node, where + " must be a mapping");
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      bool known = std::any_of(allowed.begin(), allowed.end(),
                               [&](const char* name) { return key == name; });
      if (!known) fail(entry.first, "unknown key \"" + key + "\" in " + where);
    }
  }

  std::string string(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be a string");
    return node.as<std::string>();
  }

  std::chrono::milliseconds duration(const YAML::Node& node, const std::string& what) const {
    try {
      return parseDuration(string(node, what));
    } catch (const std::invalid_argument& e) {
      fail(node, what + ": " + e.what());
    }
  }

  template <typename T>
  T number(const YAML::Node& node, const std::string& what, T minimum) const {
    T value{};
    try {
      value = node.as<T>();
    } catch (const YAML::Exception&) {
      fail(node, what + " must be a number");
    }
    if (value < minimum) fail(node, what + " must be at least " + std::to_string(minimum));
    return value;
  }

  bool boolean(const YAML::Node& node, const std::string& what) const {
    try {
      return node.as<bool>();
    } catch (const YAML::Exception&) {
      fail(node, what + " must be true or false");
    }
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& what) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.as<std::string>());
      return out;
    }
    if (!node.IsSequence()) fail(node, what + " must be a list of strings");
    for (const auto& item : node) out.push_back(string(item, what));
    return out;
  }
};

TokenBucketConfig readBucket(const Reader& reader, const YAML::Node& node,
                             const std::string& where) {
  reader.onlyKeys(node, where, {"burst", "refill_every"});
  TokenBucketConfig bucket;
  if (node["burst"]) bucket.burst = reader.number<double>(node["burst"], where + ".burst", 0);
  if (node["refill_every"])
    bucket.refill_every = reader.duration(node["refill_every"], where + ".refill_every");
  if (bucket.burst > 0 && bucket.refill_every.count() <= 0)
    reader.fail(node, where + ".refill_every must be set when burst is");
  return bucket;
}

bool validUrl(const std::string& url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

Channel readChannel(const Reader& reader, const std::string& name, const YAML::Node& node) {
  const std::string where = "channels." + name;
  if (!node.IsMap() || !node["type"])
    reader.fail(node, where + " needs a type (twilio, ntfy, appwrite)");
  Channel channel;
  channel.name = name;
  const std::string type = reader.string(node["type"], where + ".type");
  auto required = [&](const char* key) {
    if (!node[key]) reader.fail(node, where + "." + key + " is required for type " + type);
    return reader.string(node[key], where + "." + key);
  };
  if (node["timeout"]) channel.timeout = reader.duration(node["timeout"], where + ".timeout");
  if (type == "twilio") {
    reader.onlyKeys(
        node, where,
        {"type", "url", "account_sid_file", "auth_token_file", "from", "to", "timeout"});
    channel.type = Channel::Type::twilio;
    channel.url =
        node["url"] ? reader.string(node["url"], where + ".url") : "https://api.twilio.com";
    channel.account_sid_file = required("account_sid_file");
    channel.auth_token_file = required("auth_token_file");
    channel.from = required("from");
    if (!node["to"]) reader.fail(node, where + ".to is required for type twilio");
    channel.to = reader.strings(node["to"], where + ".to");
    if (channel.to.empty()) reader.fail(node["to"], where + ".to needs at least one number");
  } else if (type == "ntfy") {
    reader.onlyKeys(node, where, {"type", "url", "topic", "token_file", "timeout"});
    channel.type = Channel::Type::ntfy;
    channel.url = required("url");
    channel.topic = required("topic");
    if (node["token_file"])
      channel.token_file = reader.string(node["token_file"], where + ".token_file");
  } else if (type == "appwrite") {
    reader.onlyKeys(node, where, {"type", "url", "project_id", "key_file", "topic", "timeout"});
    channel.type = Channel::Type::appwrite;
    channel.url = required("url");
    channel.project_id = required("project_id");
    channel.key_file = required("key_file");
    channel.appwrite_topic = required("topic");
  } else {
    reader.fail(node["type"],
                where + ".type \"" + type + "\" is not one of twilio, ntfy, appwrite");
  }
  if (!validUrl(channel.url)) reader.fail(node, where + ".url must start with http:// or https://");
  while (channel.url.ends_with("/")) channel.url.pop_back();
  return channel;
}

}  // namespace

bool Matcher::matches(const LabelMap& labels) const {
  auto found = labels.find(name);
  const std::string& actual = found == labels.end() ? std::string() : found->second;
  switch (op) {
    case Op::equal:
      return actual == value;
    case Op::not_equal:
      return actual != value;
    case Op::regex:
      return RE2::FullMatch(actual, *regex);
    case Op::not_regex:
      return !RE2::FullMatch(actual, *regex);
  }
  return false;
}

Matcher parseMatcher(const std::string& text) {
  Matcher matcher;
  auto op_at = text.find_first_of("=!");
  if (op_at == std::string::npos) throw std::invalid_argument("no operator (=, !=, =~, !~)");
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t") + 1);
    return s;
  };
  matcher.name = trim(text.substr(0, op_at));
  std::size_t value_at;
  if (text.compare(op_at, 2, "=~") == 0) {
    matcher.op = Matcher::Op::regex;
    value_at = op_at + 2;
  } else if (text.compare(op_at, 2, "!~") == 0) {
    matcher.op = Matcher::Op::not_regex;
    value_at = op_at + 2;
  } else if (text.compare(op_at, 2, "!=") == 0) {
    matcher.op = Matcher::Op::not_equal;
    value_at = op_at + 2;
  } else if (text[op_at] == '=') {
    value_at = op_at + 1;
  } else {
    throw std::invalid_argument("no operator (=, !=, =~, !~)");
  }
  if (matcher.name.empty() ||
      matcher.name.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos)
    throw std::invalid_argument("invalid label name \"" + matcher.name + "\"");
  std::string value = trim(text.substr(value_at));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    std::string unquoted;
    for (std::size_t i = 1; i + 1 < value.size(); ++i) {
      if (value[i] == '\\' && i + 2 < value.size()) ++i;
      unquoted += value[i];
    }
    value = unquoted;
  } else if (!value.empty() && value.front() == '"') {
    throw std::invalid_argument("unterminated quote");
  }
  matcher.value = value;
  if (matcher.op == Matcher::Op::regex || matcher.op == Matcher::Op::not_regex) {
    RE2::Options options;
    options.set_log_errors(false);
    matcher.regex = std::make_shared<re2::RE2>("^(?:" + value + ")$", options);
    if (!matcher.regex->ok()) throw std::invalid_argument("bad regex: " + matcher.regex->error());
  }
  return matcher;
}

std::chrono::milliseconds parseDuration(const std::string& text) {
  if (text.empty()) throw std::invalid_argument("empty duration");
  std::size_t at = 0;
  while (at < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[at])) || text[at] == '.'))
    ++at;
  if (at == 0) throw std::invalid_argument("\"" + text + "\" is not a duration (like 30s, 5m, 2h)");
  double value = std::stod(text.substr(0, at));
  std::string unit = text.substr(at);
  double ms;
  if (unit == "ms")
    ms = value;
  else if (unit == "s")
    ms = value * 1000;
  else if (unit == "m")
    ms = value * 60000;
  else if (unit == "h")
    ms = value * 3600000;
  else if (unit == "d")
    ms = value * 86400000;
  else
    throw std::invalid_argument("\"" + text + "\" has no unit (ms, s, m, h, d)");
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

Config parseConfig(const std::string& yaml_text, const std::string& source) {
  Reader reader{source};
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(runtime::yamlError(source, e.mark, e.msg));
  }
  Config config;
  config.source = source;
  if (root.IsNull()) return config;
  reader.onlyKeys(root, "the top level",
                  {"webhook", "store", "channels", "routes", "rate_limits", "retry", "queue",
                   "appwrite_database"});
  if (const auto webhook = root["webhook"]) {
    reader.onlyKeys(webhook, "webhook",
                    {"path", "bearer_token_file", "basic_auth", "max_body_bytes", "max_alerts"});
    if (webhook["path"]) {
      config.webhook_path = reader.string(webhook["path"], "webhook.path");
      if (!config.webhook_path.starts_with("/"))
        reader.fail(webhook["path"], "webhook.path must start with /");
    }
    if (webhook["bearer_token_file"])
      config.bearer_token_file =
          reader.string(webhook["bearer_token_file"], "webhook.bearer_token_file");
    if (const auto basic = webhook["basic_auth"]) {
      reader.onlyKeys(basic, "webhook.basic_auth", {"username", "password_file"});
      if (!basic["username"] || !basic["password_file"])
        reader.fail(basic, "webhook.basic_auth needs username and password_file");
      config.basic_username = reader.string(basic["username"], "webhook.basic_auth.username");
      config.basic_password_file =
          reader.string(basic["password_file"], "webhook.basic_auth.password_file");
    }
    if (!config.bearer_token_file.empty() && !config.basic_username.empty())
      reader.fail(webhook, "webhook: set bearer_token_file or basic_auth, not both");
    if (webhook["max_body_bytes"])
      config.max_body_bytes =
          reader.number<std::size_t>(webhook["max_body_bytes"], "webhook.max_body_bytes", 1024);
    if (webhook["max_alerts"])
      config.max_alerts_per_webhook =
          reader.number<std::size_t>(webhook["max_alerts"], "webhook.max_alerts", 1);
  }
  if (const auto store = root["store"]) {
    reader.onlyKeys(store, "store", {"path", "retention"});
    if (store["path"]) config.database = reader.string(store["path"], "store.path");
    if (store["retention"]) {
      const std::string text = reader.string(store["retention"], "store.retention");
      config.retention = text == "0" ? std::chrono::milliseconds(0)
                                     : reader.duration(store["retention"], "store.retention");
    }
  }
  if (const auto channels = root["channels"]) {
    if (!channels.IsMap()) reader.fail(channels, "channels must be a mapping of name to channel");
    for (const auto& entry : channels) {
      const std::string name = entry.first.as<std::string>();
      config.channels.emplace(name, readChannel(reader, name, entry.second));
    }
  }
  if (const auto routes = root["routes"]) {
    if (!routes.IsSequence()) reader.fail(routes, "routes must be a list");
    std::size_t index = 0;
    for (const auto& node : routes) {
      const std::string where = "routes[" + std::to_string(index++) + "]";
      reader.onlyKeys(node, where, {"matchers", "channels", "send_resolved", "continue"});
      Route route;
      if (node["matchers"]) {
        for (const auto& item : node["matchers"].IsSequence() ? node["matchers"] : YAML::Node()) {
          try {
            route.matchers.push_back(parseMatcher(reader.string(item, where + ".matchers")));
          } catch (const std::invalid_argument& e) {
            reader.fail(item, where + ".matchers: " + e.what());
          }
        }
        if (!node["matchers"].IsSequence())
          reader.fail(node["matchers"], where + ".matchers must be a list");
      }
      if (node["channels"]) route.channels = reader.strings(node["channels"], where + ".channels");
      for (const std::string& channel : route.channels) {
        if (!config.channels.count(channel))
          reader.fail(node["channels"], where + ": unknown channel \"" + channel + "\"");
      }
      if (node["send_resolved"])
        route.send_resolved = reader.boolean(node["send_resolved"], where + ".send_resolved");
      if (node["continue"])
        route.continue_matching = reader.boolean(node["continue"], where + ".continue");
      config.routes.push_back(std::move(route));
    }
  }
  if (const auto limits = root["rate_limits"]) {
    reader.onlyKeys(limits, "rate_limits", {"per_alert", "global"});
    if (limits["per_alert"])
      config.per_alert_limit = readBucket(reader, limits["per_alert"], "rate_limits.per_alert");
    if (limits["global"])
      config.global_limit = readBucket(reader, limits["global"], "rate_limits.global");
  }
  if (const auto retry = root["retry"]) {
    reader.onlyKeys(retry, "retry", {"initial_backoff", "max_backoff", "max_attempts"});
    if (retry["initial_backoff"])
      config.retry_initial = reader.duration(retry["initial_backoff"], "retry.initial_backoff");
    if (retry["max_backoff"])
      config.retry_max = reader.duration(retry["max_backoff"], "retry.max_backoff");
    if (retry["max_attempts"])
      config.retry_max_attempts =
          reader.number<int>(retry["max_attempts"], "retry.max_attempts", 1);
  }
  if (const auto queue = root["queue"]) {
    reader.onlyKeys(queue, "queue", {"max_pending"});
    if (queue["max_pending"])
      config.max_pending = reader.number<std::size_t>(queue["max_pending"], "queue.max_pending", 1);
  }
  if (const auto sink = root["appwrite_database"]) {
    reader.onlyKeys(sink, "appwrite_database",
                    {"url", "project_id", "key_file", "database_id", "collection_id", "timeout"});
    for (const char* key : {"url", "project_id", "key_file"})
      if (!sink[key]) reader.fail(sink, std::string("appwrite_database.") + key + " is required");
    AppwriteSink& out = config.appwrite_database;
    out.enabled = true;
    out.endpoint = reader.string(sink["url"], "appwrite_database.url");
    if (!validUrl(out.endpoint))
      reader.fail(sink["url"], "appwrite_database.url must start with http:// or https://");
    while (out.endpoint.ends_with("/")) out.endpoint.pop_back();
    out.project_id = reader.string(sink["project_id"], "appwrite_database.project_id");
    out.key_file = reader.string(sink["key_file"], "appwrite_database.key_file");
    if (sink["database_id"])
      out.database_id = reader.string(sink["database_id"], "appwrite_database.database_id");
    if (sink["collection_id"])
      out.collection_id = reader.string(sink["collection_id"], "appwrite_database.collection_id");
    if (sink["timeout"])
      out.timeout = reader.duration(sink["timeout"], "appwrite_database.timeout");
  }
  return config;
}

Config loadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read the configuration file");
  std::stringstream text;
  text << in.rdbuf();
  return parseConfig(text.str(), path);
}

std::vector<std::string> routeAlert(const Config& config, const LabelMap& labels, bool resolved) {
  std::vector<std::string> out;
  for (const Route& route : config.routes) {
    bool all = std::all_of(route.matchers.begin(), route.matchers.end(),
                           [&](const Matcher& m) { return m.matches(labels); });
    if (!all) continue;
    if (!resolved || route.send_resolved) {
      for (const std::string& channel : route.channels) {
        if (std::find(out.begin(), out.end(), channel) == out.end()) out.push_back(channel);
      }
    }
    if (!route.continue_matching) break;
  }
  return out;
}

}  // namespace alerts
