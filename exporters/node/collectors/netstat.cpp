// netstat: node_netstat_<Protocol>_<Field> (untyped) from <procfs>/net/netstat,
// net/snmp and net/snmp6, limited to the fields --collector.netstat.fields matches.

#include "procfs/netstat.h"


#include <CLI/CLI.hpp>

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "runtime/filter.h"

namespace node {
namespace {

struct Options {
  std::string fields =
      "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|"
      "TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|"
      "OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|"
      "RcvbufErrors|SndbufErrors))$";
};

class NetstatCollector : public runtime::Collector {
 public:
  NetstatCollector(const hostfs::Paths& paths, const Options& options)
      : netstat_path_(paths.proc("net/netstat")),
        snmp_path_(paths.proc("net/snmp")),
        snmp6_path_(paths.proc("net/snmp6")),
        fields_(std::make_unique<runtime::Pattern>(options.fields, "--collector.netstat.fields")) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    // Upstream reads all three before emitting anything; so do we. The parsed
    // values point into the texts.
    std::string netstat_text, snmp_text, snmp6_text;
    auto netstat = read(netstat_path_, netstat_text, procfs::parseNetStat, false);
    if (!netstat) return runtime::Status::failure(netstat.error());
    auto snmp = read(snmp_path_, snmp_text, procfs::parseNetStat, false);
    if (!snmp) return runtime::Status::failure(snmp.error());
    // Without IPv6 there is no snmp6: not an error.
    auto snmp6 = read(snmp6_path_, snmp6_text, procfs::parseSnmp6, true);
    if (!snmp6) return runtime::Status::failure(snmp6.error());
    for (const auto* values : {&*netstat, &*snmp, &*snmp6}) emit(sink, *values);
    return runtime::Status::ok();
  }

 private:
  using Values = std::vector<procfs::NetStatValue>;

  static base::Expected<Values, std::string> read(const std::string& path, std::string& text,
                                                  procfs::Parsed<Values> (*parse)(std::string_view),
                                                  bool missing_ok) {
    auto content = hostfs::readFile(path);
    if (!content) {
      if (missing_ok && content.error().notFound()) return Values{};
      return base::unexpected(content.error().message());
    }
    text = std::move(content).value();
    auto values = parse(text);
    if (!values) return base::unexpected(path + ": " + values.error());
    return std::move(values).value();
  }

  void emit(runtime::MetricSink& sink, const Values& values) const {
    std::string key;
    for (const auto& value : values) {
      key.assign(value.protocol);
      key += '_';
      key += value.name;
      if (!fields_->matches(key)) continue;
      std::string help = "Statistic ";
      help += value.protocol;
      help += value.name;
      help += '.';
      runtime::addSample(sink.untyped("node_netstat_" + key, std::move(help)), value.value);
    }
  }

  std::string netstat_path_, snmp_path_, snmp6_path_;
  std::unique_ptr<runtime::Pattern> fields_;
};

}  // namespace

void registerNetstatCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  auto options = std::make_shared<Options>();
  registry.add(
      {.name = "netstat",
       .enabled_by_default = true,
       .add_flags =
           [options](CLI::App& app) {
             app.add_option("--collector.netstat.fields", options->fields,
                            "Regexp of fields to return for netstat collector.")
                 ->capture_default_str()
                 ->group("Collector netstat");
           },
       .make = [options, &paths] { return std::make_unique<NetstatCollector>(paths, *options); }});
}

}  // namespace node
