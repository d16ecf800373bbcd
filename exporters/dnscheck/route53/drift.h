#pragma once
// Drift between Route53 and the declared state, and the repair batch that
// removes it. Pure: declared records and Route53's record sets in, a report
// and a ChangeBatch out.
//
// A declared record drifts when Route53 has no record set of its name and
// type, holds other values (compared in declared.h's canonical forms, as a
// sorted set), has a TTL outside the declared bounds, is an alias, or when a
// CNAME sits at its name (the users' outage: a CNAME shadowing a required A).

#include <optional>
#include <string>
#include <vector>

#include "dnscheck/declared.h"
#include "dnscheck/route53/record_set.h"
#include "dnscheck/route53/xml.h"

namespace dnscheck::route53 {

struct RecordDrift {
  const DeclaredRecord* declared = nullptr;
  bool drift = false;
  std::string reason;                       // empty when in sync
  std::vector<std::string> current_values;  // canonical, what Route53 holds for name and type
  std::optional<std::uint32_t> current_ttl;
};

struct CnameConflict {
  std::string name;                  // canonical
  const RecordSet* cname = nullptr;  // the CNAME at that name; null: no conflict
};

struct ZoneDrift {
  std::vector<RecordDrift> records;      // one per declared record in the zone
  std::vector<CnameConflict> conflicts;  // one per declared name that must not be a CNAME
};

// The declared records that belong to `zone`: its apex and names below it,
// unless a more specific zone of route53_zones holds them.
std::vector<const DeclaredRecord*> recordsInZone(const DeclaredState& state,
                                                 const Route53Zone& zone);

ZoneDrift computeDrift(const DeclaredState& state, const Route53Zone& zone,
                       const std::vector<RecordSet>& record_sets);

struct PlannedChange {
  Change change;
  std::string reason;  // "shadows the declared A", "missing", "values differ"
};

struct RepairPlan {
  std::vector<PlannedChange> changes;  // DELETEs first, then UPSERTs
  std::vector<std::string> skipped;    // drift the repair will not touch, and why
  ChangeBatch batch() const;
};

// One batch for the zone: DELETE each CNAME that shadows a declared record
// (with its exact current TTL and values, as Route53 requires for a DELETE)
// and UPSERT every drifted declared record. Aliases and routing-policy record
// sets (SetIdentifier) are left alone and listed in `skipped`.
RepairPlan planRepair(const DeclaredState& state, const Route53Zone& zone,
                      const std::vector<RecordSet>& record_sets);

// "DELETE mail.example.com. CNAME 300 host.example.net." for printing.
std::string describeChange(const Change& change);

}  // namespace dnscheck::route53
