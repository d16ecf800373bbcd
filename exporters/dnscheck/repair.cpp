#include "dnscheck/repair.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <stdexcept>

#include "dnscheck/declared_loader.h"
#include "dnscheck/route53/client.h"
#include "dnscheck/route53/drift.h"
#include "dnscheck/route53/options.h"

namespace dnscheck {
namespace {

constexpr int kOk = 0, kError = 1, kBadFlags = 2, kChangesPending = 3, kNotInsync = 4;

struct RepairOptions {
  std::string declared_file;
  std::string zone;
  bool apply = false;
  bool detailed_exitcode = false;
  bool show_xml = false;
  double wait_timeout_seconds = 300;
  double wait_interval_seconds = 5;
  route53::Options route53;
};

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

void printError(const std::string& message) {
  std::fprintf(stderr, "tern-dnscheck repair: error: %s\n", message.c_str());
}

// The outcome of one zone, folded into the exit code.
enum class Outcome { InSync, Pending, Applied, NotInsync, Failed };

Outcome repairZone(route53::Client& client, const DeclaredState& state, const Route53Zone& zone,
                   const RepairOptions& options) {
  std::string label = route53::bareId(zone.hosted_zone_id) + " (" + zone.name + ")";
  auto sets = client.listRecordSets(zone.hosted_zone_id);
  if (!sets) {
    printError("zone " + label + ": " + sets.error().describe());
    return Outcome::Failed;
  }
  route53::RepairPlan plan = route53::planRepair(state, zone, *sets);
  for (const std::string& skipped : plan.skipped)
    std::printf("zone %s: skipped %s\n", label.c_str(), skipped.c_str());
  if (plan.changes.empty()) {
    std::printf("zone %s: in sync, nothing to change\n", label.c_str());
    return Outcome::InSync;
  }
  std::printf("zone %s: %zu change%s in one ChangeResourceRecordSets batch:\n", label.c_str(),
              plan.changes.size(), plan.changes.size() == 1 ? "" : "s");
  for (const route53::PlannedChange& planned : plan.changes)
    std::printf("  %s  (%s)\n", route53::describeChange(planned.change).c_str(),
                planned.reason.c_str());
  route53::ChangeBatch batch = plan.batch();
  if (options.show_xml) std::printf("%s", route53::changeBatchXml(batch).c_str());
  if (!options.apply) {
    std::printf("zone %s: dry run, nothing sent (--apply sends this batch)\n", label.c_str());
    return Outcome::Pending;
  }
  auto sent = client.changeRecordSets(zone.hosted_zone_id, batch);
  if (!sent) {
    printError("zone " + label + ": " + sent.error().describe());
    return Outcome::Failed;
  }
  std::printf("zone %s: sent, change %s is %s\n", label.c_str(), route53::bareId(sent->id).c_str(),
              sent->status.c_str());
  std::fflush(stdout);
  if (sent->status == "INSYNC") return Outcome::Applied;
  auto started = std::chrono::steady_clock::now();
  auto done = client.waitInsync(sent->id, millis(options.wait_timeout_seconds),
                                millis(options.wait_interval_seconds));
  if (!done) {
    printError("zone " + label + ": " + done.error().describe());
    return done.error().code == "WaitTimeout" ? Outcome::NotInsync : Outcome::Failed;
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("zone %s: change %s is INSYNC (waited %.1f s)\n", label.c_str(),
              route53::bareId(done->id).c_str(), seconds);
  return Outcome::Applied;
}

}  // namespace

int runRepair(int argc, char** argv) {
  RepairOptions options;
  CLI::App app(
      "Repairs Route53 drift: one ChangeResourceRecordSets batch per declared zone that deletes "
      "CNAMEs shadowing declared records and upserts drifted declared records. Dry run unless "
      "--apply. AWS credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/"
      "AWS_SESSION_TOKEN or the shared credentials file (AWS_PROFILE).",
      "tern-dnscheck repair");
  app.add_option("--config.declared", options.declared_file, "The declared state (YAML)")
      ->required();
  app.add_option("--zone", options.zone,
                 "Only this hosted zone ID (one of route53_zones); default: every declared zone");
  app.add_flag("--apply", options.apply, "Send the batch and wait for INSYNC (default: dry run)");
  app.add_flag("--detailed-exitcode", options.detailed_exitcode,
               "Exit 3 when a dry run found changes to make");
  app.add_flag("--show-xml", options.show_xml, "Also print the request body of each batch");
  app.add_option("--wait.timeout", options.wait_timeout_seconds,
                 "Seconds to wait for GetChange to report INSYNC after --apply")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--wait.interval", options.wait_interval_seconds,
                 "Seconds between two GetChange requests")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  route53::addFlags(app, options.route53, false);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? kOk : kBadFlags;
  }

  DeclaredState state;
  try {
    state = loadDeclaredState(options.declared_file);
  } catch (const std::exception& error) {
    printError(error.what());
    return kError;
  }
  std::vector<Route53Zone> zones;
  for (const Route53Zone& zone : state.route53_zones)
    if (options.zone.empty() ||
        route53::bareId(zone.hosted_zone_id) == route53::bareId(options.zone))
      zones.push_back(zone);
  if (zones.empty()) {
    printError(options.zone.empty()
                   ? options.declared_file + " declares no route53_zones"
                   : "--zone " + options.zone + " is not one of the route53_zones in " +
                         options.declared_file);
    return kError;
  }

  std::unique_ptr<route53::Client> client;
  try {
    client = std::make_unique<route53::Client>(route53::clientOptions(options.route53),
                                               std::make_shared<route53::ApiStats>());
  } catch (const std::exception& error) {
    printError(error.what());
    return kError;
  }
  bool failed = false, pending = false, not_insync = false;
  for (const Route53Zone& zone : zones) {
    Outcome outcome = repairZone(*client, state, zone, options);
    failed = failed || outcome == Outcome::Failed;
    pending = pending || outcome == Outcome::Pending;
    not_insync = not_insync || outcome == Outcome::NotInsync;
  }
  if (failed) return kError;
  if (not_insync) return kNotInsync;
  if (pending && options.detailed_exitcode) return kChangesPending;
  return kOk;
}

}  // namespace dnscheck
