#pragma once
// `tern-dnscheck repair`: one ChangeResourceRecordSets batch per declared
// Route53 zone that deletes the CNAMEs shadowing declared records and
// upserts the declared records that drifted. A dry run by default (prints
// the batch, sends nothing); --apply sends it and waits for GetChange to
// report INSYNC. See docs/exporters/dnscheck/route53.md.
//
// Exit codes:
//   0  nothing to change; or a dry run that printed changes; or applied and INSYNC
//   1  an error: unreadable declared file, no credentials, an API error
//   2  bad flags
//   3  a dry run found changes and --detailed-exitcode was given
//   4  applied, but not INSYNC within --wait.timeout

namespace dnscheck {

// argv[0] is "repair".
int runRepair(int argc, char** argv);

}  // namespace dnscheck
