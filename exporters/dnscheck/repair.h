#pragma once
// `tern-dnscheck repair ...`: fixes a CNAME that shadows a declared record in
// Route53 (dry run unless --apply).

namespace dnscheck {

int runRepair(int argc, char** argv);

}  // namespace dnscheck
