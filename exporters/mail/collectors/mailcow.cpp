// mailcow: Mailcow's HTTP API (mail queue, domains, quarantine, Rspamd's
// actions, container states, and with --mailcow.mailboxes each mailbox),
// under mailcow/prometheus-exporter's metric names, plus each endpoint's
// success and duration. Off by default: it needs --mailcow.url and an API key
// (a file or MAILCOW_API_KEY, never a flag; the key is never logged).
//
// The endpoints are read in parallel, one libcurl client each (a client is
// not thread-safe), each within --mailcow.timeout, so a stuck endpoint costs
// the scrape one timeout, not one per endpoint, and hides no other endpoint.

#include <cstdlib>
#include <future>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "hostfs/read.h"
#include "httpclient/client.h"
#include "log/log.h"
#include "mail/collectors/collectors.h"
#include "mail/mailcow/api.h"

namespace mail {
namespace {

namespace mc = mailcow;
using runtime::addSample;
using runtime::MetricFamily;
using runtime::MetricSink;

enum class Endpoint { mailq, mailbox, domain, quarantine, rspamd, containers };

struct EndpointSpec {
  Endpoint id;
  const char* path;  // also the `endpoint` label, without the leading slash as
                     // mailcow/prometheus-exporter writes it
};

constexpr EndpointSpec kEndpoints[] = {
    {Endpoint::mailq, "api/v1/get/mailq/all"},
    {Endpoint::mailbox, "api/v1/get/mailbox/all"},
    {Endpoint::domain, "api/v1/get/domain/all"},
    {Endpoint::quarantine, "api/v1/get/quarantine/all"},
    {Endpoint::rspamd, "api/v1/get/rspamd/actions"},
    {Endpoint::containers, "api/v1/get/status/containers"},
};

// Postfix's queues, always exported (0 when empty) so an alert on the
// deferred queue has a series to compare.
constexpr const char* kQueues[] = {"active", "deferred", "hold", "incoming", "maildrop"};

struct Fetched {
  bool ok = false;
  std::string body;
  std::string error;  // never holds the key
  double seconds = 0;
};

std::string trimTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// A short, single-line excerpt of an error body for the log.
std::string excerpt(const std::string& body) {
  std::string out = body.substr(0, 160);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (body.size() > out.size()) out += "...";
  return out;
}

class MailcowCollector : public runtime::Collector {
 public:
  explicit MailcowCollector(const MailcowOptions& options)
      : options_(options), base_url_(trimTrailingSlashes(options.url)) {
    if (base_url_.empty()) {
      throw std::runtime_error(
          "the mailcow collector needs --mailcow.url (e.g. https://mail.example.org)");
    }
    if (!base_url_.starts_with("http://") && !base_url_.starts_with("https://")) {
      throw std::runtime_error("--mailcow.url must start with http:// or https://: " + base_url_);
    }
    auto key = readKey();
    if (!key) throw std::runtime_error(key.error());
    httpclient::Options http;
    http.timeout =
        std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000 + 0.5));
    // /mailbox/all on a large install is several MB (about 1.5 kB a mailbox).
    http.max_body_bytes = 64u << 20;
    http.user_agent = "tern-mail";
    http.tls.insecure_skip_verify = !options.tls_verify;
    for (const EndpointSpec& spec : kEndpoints) {
      if (spec.id == Endpoint::mailbox && !options.mailboxes) continue;
      endpoints_.push_back(std::make_unique<State>(spec, http));
    }
  }

  runtime::Status update(MetricSink& sink) override {
    std::vector<Fetched> results(endpoints_.size());
    auto key = readKey();
    if (!key) {
      for (Fetched& r : results) r.error = key.error();
    } else {
      std::vector<std::future<Fetched>> pending;
      for (auto& state : endpoints_) {
        State* s = state.get();
        try {
          pending.push_back(
              std::async(std::launch::async, [this, s, &key] { return fetch(*s, *key); }));
        } catch (const std::exception&) {  // no thread: read it here
          std::promise<Fetched> done;
          done.set_value(fetch(*s, *key));
          pending.push_back(done.get_future());
        }
      }
      for (std::size_t i = 0; i < pending.size(); ++i) results[i] = pending[i].get();
    }

    MetricFamily& success = sink.gauge("mailcow_api_success",
                                       "1 if the last request to this Mailcow API endpoint "
                                       "succeeded and its answer was understood, 0 if not.");
    MetricFamily& duration = sink.gauge("mailcow_api_duration_seconds",
                                        "Seconds the last request to this endpoint took.");
    MetricFamily& skipped =
        sink.gauge("mailcow_api_skipped_items",
                   "Items of the last answer that had the wrong shape and were left out.");
    std::size_t good = 0;
    std::string first_error;
    for (std::size_t i = 0; i < endpoints_.size(); ++i) {
      State& state = *endpoints_[i];
      Fetched& r = results[i];
      std::string error = r.error;
      std::size_t bad_items = 0;
      if (r.ok) error = emit(state.spec.id, r.body, sink, bad_items);
      addSample(duration, r.seconds, {{"endpoint", state.spec.path}});
      addSample(success, error.empty() ? 1 : 0, {{"endpoint", state.spec.path}});
      if (error.empty()) {
        addSample(skipped, static_cast<double>(bad_items), {{"endpoint", state.spec.path}});
        ++good;
      } else if (first_error.empty()) {
        first_error = std::string(state.spec.path) + ": " + error;
      }
      noteOutcome(state, error);
    }
    sink.gauge("mailcow_up", "1 if at least one Mailcow API endpoint answered, 0 if none did.",
               good > 0 ? 1 : 0);
    if (good == 0) {
      return runtime::Status::failure("no Mailcow API endpoint answered at " + base_url_ + " (" +
                                      first_error + ")");
    }
    return runtime::Status::ok();
  }

 private:
  struct State {
    State(const EndpointSpec& s, const httpclient::Options& http) : spec(s), client(http) {}
    EndpointSpec spec;
    httpclient::Client client;
    std::string last_error;  // logged once per distinct error
  };

  base::Expected<std::string, std::string> readKey() const {
    std::string key;
    if (!options_.api_key_file.empty()) {
      auto read = hostfs::readSecretFile(options_.api_key_file);
      if (!read) return base::unexpected("Mailcow API key: " + read.error());
      key = std::move(*read);
      if (key.empty()) {
        return base::unexpected("Mailcow API key: " + options_.api_key_file + " is empty");
      }
    } else {
      const char* env = std::getenv("MAILCOW_API_KEY");
      if (env) key = env;
      if (key.empty()) {
        return base::unexpected(std::string(
            "the mailcow collector needs an API key: --mailcow.api-key-file or the environment "
            "variable MAILCOW_API_KEY (a read-only key is enough)"));
      }
    }
    for (char c : key) {
      if (c == '\r' || c == '\n') {
        return base::unexpected(std::string("Mailcow API key: contains a line break"));
      }
    }
    return key;
  }

  Fetched fetch(State& state, const std::string& key) {
    Fetched out;
    std::string url = base_url_ + "/" + state.spec.path;
    auto got = state.client.get(url, {{"X-API-Key", key}, {"Accept", "application/json"}});
    if (!got) {
      out.seconds = std::chrono::duration<double>(got.error().duration).count();
      out.error = got.error().timed_out ? fmt::format("timed out after {:g} s (--mailcow.timeout)",
                                                      options_.timeout_seconds)
                                        : got.error().message;
      return out;
    }
    out.seconds = std::chrono::duration<double>(got->duration).count();
    if (got->status != 200) {
      out.error = "HTTP " + std::to_string(got->status) +
                  (got->status == 401 || got->status == 403
                       ? " (is the API key right, and is this address allowed to use it?)"
                       : "") +
                  ": " + excerpt(got->body);
      return out;
    }
    if (got->body_truncated) {
      out.error =
          "answer larger than " + std::to_string(state.client.options().max_body_bytes) + " bytes";
      return out;
    }
    out.ok = true;
    out.body = std::move(got->body);
    return out;
  }

  void noteOutcome(State& state, const std::string& error) {
    if (error.empty()) {
      if (!state.last_error.empty()) {
        LOG_INFO("Mailcow API endpoint recovered", {"endpoint", state.spec.path});
      }
      state.last_error.clear();
      return;
    }
    if (error != state.last_error) {
      LOG_WARN("Mailcow API endpoint failed", {"endpoint", state.spec.path}, {"url", base_url_},
               {"err", error});
    }
    state.last_error = error;
  }

  // Parses one answer and adds its metrics; the error, empty when none.
  std::string emit(Endpoint id, const std::string& body, MetricSink& sink, std::size_t& skipped) {
    switch (id) {
      case Endpoint::mailq: {
        auto parsed = mc::parseMailq(body);
        if (!parsed) return parsed.error();
        skipped = parsed->skipped;
        std::map<std::string, std::pair<double, double>> queues;  // count, bytes
        for (const char* q : kQueues) queues[q];
        for (const auto& m : parsed->items) {
          auto& [count, bytes] = queues[m.queue];
          count += 1;
          bytes += m.size_bytes.value_or(0);
        }
        MetricFamily& mailq = sink.gauge("mailcow_mailq", "Messages in Postfix's queue.");
        MetricFamily& size =
            sink.gauge("mailcow_mailq_size_bytes", "Total size of the messages in the queue.");
        for (const auto& [queue, totals] : queues) {
          addSample(mailq, totals.first, {{"queue", queue}});
          addSample(size, totals.second, {{"queue", queue}});
        }
        return {};
      }
      case Endpoint::mailbox: {
        auto parsed = mc::parseMailboxes(body);
        if (!parsed) return parsed.error();
        skipped = parsed->skipped;
        MetricFamily& last_login =
            sink.gauge("mailcow_mailbox_last_login", "Unix time of the mailbox's last IMAP login.");
        MetricFamily& quota_allowed =
            sink.gauge("mailcow_mailbox_quota_allowed", "Quota of the mailbox in bytes (0: none).");
        MetricFamily& quota_used =
            sink.gauge("mailcow_mailbox_quota_used", "Current size of the mailbox in bytes.");
        MetricFamily& messages = sink.gauge("mailcow_mailbox_messages", "Messages in the mailbox.");
        for (const auto& m : parsed->items) {
          runtime::Labels labels{{"mailbox", m.username}};
          if (m.last_imap_login) addSample(last_login, *m.last_imap_login, labels);
          if (m.quota_bytes) addSample(quota_allowed, *m.quota_bytes, labels);
          if (m.quota_used_bytes) addSample(quota_used, *m.quota_used_bytes, labels);
          if (m.messages) addSample(messages, *m.messages, labels);
        }
        return {};
      }
      case Endpoint::domain: {
        auto parsed = mc::parseDomains(body);
        if (!parsed) return parsed.error();
        skipped = parsed->skipped;
        struct Field {
          const char* name;
          const char* help;
          std::optional<double> mc::Domain::*value;
        };
        static const Field fields[] = {
            {"mailcow_domain_active", "1 if the domain is active.", &mc::Domain::active},
            {"mailcow_domain_mailboxes", "Mailboxes in the domain.", &mc::Domain::mailboxes},
            {"mailcow_domain_max_mailboxes", "Most mailboxes the domain may have.",
             &mc::Domain::max_mailboxes},
            {"mailcow_domain_aliases", "Aliases in the domain.", &mc::Domain::aliases},
            {"mailcow_domain_max_aliases", "Most aliases the domain may have.",
             &mc::Domain::max_aliases},
            {"mailcow_domain_quota_allowed", "Quota of the whole domain in bytes.",
             &mc::Domain::quota_bytes},
            {"mailcow_domain_quota_used", "Current size of the domain's mailboxes in bytes.",
             &mc::Domain::quota_used_bytes},
            {"mailcow_domain_messages", "Messages in the domain's mailboxes.",
             &mc::Domain::messages},
        };
        for (const Field& field : fields) {
          MetricFamily& family = sink.gauge(field.name, field.help);
          for (const auto& d : parsed->items) {
            if (const auto& v = d.*field.value) addSample(family, *v, {{"domain", d.name}});
          }
        }
        return {};
      }
      case Endpoint::quarantine: {
        auto parsed = mc::parseQuarantine(body);
        if (!parsed) return parsed.error();
        skipped = parsed->skipped;
        double virus = 0, other = 0;
        for (const auto& q : parsed->items) (q.virus ? virus : other) += 1;
        MetricFamily& count =
            sink.gauge("mailcow_quarantine_count", "Messages currently in quarantine.");
        addSample(count, other, {{"is_virus", "0"}});
        addSample(count, virus, {{"is_virus", "1"}});
        return {};
      }
      case Endpoint::rspamd: {
        auto parsed = mc::parseRspamdActions(body);
        if (!parsed) return parsed.error();
        skipped = parsed->skipped;
        MetricFamily& action = sink.gauge("mailcow_rspamd_action",
                                          "Messages for which Rspamd took this action (since its "
                                          "statistics were last reset).");
        for (const auto& a : parsed->items) addSample(action, a.count, {{"action", a.action}});
        return {};
      }
      case Endpoint::containers: {
        auto parsed = mc::parseContainers(body);
        if (!parsed) return parsed.error();
        skipped = parsed->skipped;
        MetricFamily& running =
            sink.gauge("mailcow_container_running", "1 if the container is running, 0 if not.");
        MetricFamily& start =
            sink.gauge("mailcow_container_start", "Unix time the container was started.");
        for (const auto& c : parsed->items) {
          runtime::Labels labels{{"container", c.name}, {"image", c.image}};
          addSample(running, c.state == "running" ? 1 : 0, labels);
          if (c.started_at) addSample(start, *c.started_at, labels);
        }
        return {};
      }
    }
    return "unknown endpoint";
  }

  const MailcowOptions& options_;
  std::string base_url_;
  std::vector<std::unique_ptr<State>> endpoints_;
};

}  // namespace

void registerMailcowCollector(runtime::CollectorRegistry& registry, const Options& options) {
  registry.add(
      {.name = "mailcow",
       .enabled_by_default = false,
       .help = "Mailcow's HTTP API (needs --mailcow.url and an API key).",
       .make = [&options] { return std::make_unique<MailcowCollector>(options.mailcow); }});
}

}  // namespace mail
