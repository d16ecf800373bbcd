#include "dnscheck/route53/drift.h"

#include <algorithm>
#include <map>
#include <set>

namespace dnscheck::route53 {
namespace {

bool inZone(const std::string& name, const std::string& zone) {
  return name == zone || (name.size() > zone.size() && name.ends_with(zone) &&
                          name[name.size() - zone.size() - 1] == '.');
}

std::string ttlBoundsText(const TtlBounds& bounds) {
  return "[" + (bounds.min_seconds ? std::to_string(*bounds.min_seconds) : std::string("0")) +
         ", " + (bounds.max_seconds ? std::to_string(*bounds.max_seconds) : std::string("inf")) +
         "]";
}

bool ttlWithin(std::uint32_t ttl, const TtlBounds& bounds) {
  return (!bounds.min_seconds || ttl >= *bounds.min_seconds) &&
         (!bounds.max_seconds || ttl <= *bounds.max_seconds);
}

std::uint32_t chooseTtl(std::optional<std::uint32_t> current, const TtlBounds& bounds) {
  std::uint32_t ttl = current.value_or(300);
  if (bounds.min_seconds) ttl = std::max(ttl, *bounds.min_seconds);
  if (bounds.max_seconds) ttl = std::min(ttl, *bounds.max_seconds);
  return ttl;
}

// Record sets by canonical name, computed once per zone.
std::multimap<std::string, const RecordSet*> byName(const std::vector<RecordSet>& record_sets) {
  std::multimap<std::string, const RecordSet*> out;
  for (const RecordSet& set : record_sets) out.emplace(canonicalName(set.name), &set);
  return out;
}

}  // namespace

std::vector<const DeclaredRecord*> recordsInZone(const DeclaredState& state,
                                                 const Route53Zone& zone) {
  std::vector<const DeclaredRecord*> out;
  for (const DeclaredRecord& record : state.records) {
    if (!inZone(record.name, zone.name)) continue;
    bool closer = false;
    for (const Route53Zone& other : state.route53_zones)
      if (other.name.size() > zone.name.size() && inZone(other.name, zone.name) &&
          inZone(record.name, other.name))
        closer = true;
    if (!closer) out.push_back(&record);
  }
  return out;
}

ZoneDrift computeDrift(const DeclaredState& state, const Route53Zone& zone,
                       const std::vector<RecordSet>& record_sets) {
  ZoneDrift out;
  auto sets = byName(record_sets);
  std::set<std::string> conflict_names;
  std::set<std::pair<std::string, RecordType>> seen;  // a name and type declared twice: once
  for (const DeclaredRecord* declared : recordsInZone(state, zone)) {
    if (!seen.emplace(declared->name, declared->type).second) continue;
    RecordDrift drift;
    drift.declared = declared;
    const char* type_name = recordTypeName(declared->type);
    const RecordSet* cname = nullptr;
    bool found = false, alias = false, ttl_ok = true;
    std::vector<std::string> values;
    auto [begin, end] = sets.equal_range(declared->name);
    for (auto it = begin; it != end; ++it) {
      const RecordSet& set = *it->second;
      if (set.type == "CNAME") cname = &set;
      if (set.type != type_name) continue;
      found = true;
      alias = alias || set.isAlias();
      if (set.ttl) {
        drift.current_ttl = set.ttl;
        ttl_ok = ttl_ok && ttlWithin(*set.ttl, declared->ttl);
      }
      for (std::string& value : canonicalValues(declared->type, set))
        values.push_back(std::move(value));
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    drift.current_values = values;
    if (declared->type != RecordType::CNAME) {
      if (conflict_names.insert(declared->name).second)
        out.conflicts.push_back({declared->name, cname});
      if (cname) {
        drift.drift = true;
        drift.reason = std::string("shadowed by a CNAME to ") +
                       (cname->values.empty() ? cname->alias_dns_name : cname->values.front());
      }
    }
    if (!drift.drift) {
      drift.drift = true;
      if (!found)
        drift.reason = "missing";
      else if (alias)
        drift.reason = "an alias record set";
      else if (values != declared->values)
        drift.reason = "values differ";
      else if (!ttl_ok)
        drift.reason = "TTL " + std::to_string(drift.current_ttl.value_or(0)) + " outside " +
                       ttlBoundsText(declared->ttl);
      else
        drift.drift = false;
    }
    out.records.push_back(std::move(drift));
  }
  return out;
}

RepairPlan planRepair(const DeclaredState& state, const Route53Zone& zone,
                      const std::vector<RecordSet>& record_sets) {
  RepairPlan plan;
  ZoneDrift drift = computeDrift(state, zone, record_sets);
  auto sets = byName(record_sets);
  std::set<std::string> deleting;  // names whose CNAME this batch deletes
  std::vector<PlannedChange> upserts;
  for (const CnameConflict& conflict : drift.conflicts) {
    if (!conflict.cname) continue;
    if (conflict.cname->isAlias() || !conflict.cname->set_identifier.empty()) {
      plan.skipped.push_back(conflict.name +
                             ": the CNAME is an alias or has a routing policy; not deleted");
      continue;
    }
    std::string shadowed;
    for (const RecordDrift& record : drift.records)
      if (record.declared->name == conflict.name && record.declared->type != RecordType::CNAME)
        shadowed +=
            std::string(shadowed.empty() ? "" : "/") + recordTypeName(record.declared->type);
    plan.changes.push_back({{Action::Delete, *conflict.cname}, "shadows the declared " + shadowed});
    deleting.insert(conflict.name);
  }
  for (const RecordDrift& record : drift.records) {
    if (!record.drift) continue;
    const DeclaredRecord& declared = *record.declared;
    const char* type_name = recordTypeName(declared.type);
    std::string label = declared.name + " " + type_name;
    bool special = false, blocked = false;
    auto [begin, end] = sets.equal_range(declared.name);
    for (auto it = begin; it != end; ++it) {
      const RecordSet& set = *it->second;
      if (set.type == type_name && (set.isAlias() || !set.set_identifier.empty())) special = true;
      if (declared.type == RecordType::CNAME && set.type != "CNAME") blocked = true;
      if (declared.type != RecordType::CNAME && set.type == "CNAME" &&
          !deleting.count(declared.name))
        blocked = true;
    }
    if (special) {
      plan.skipped.push_back(label + ": an alias or routing-policy record set; not replaced");
      continue;
    }
    if (blocked) {
      plan.skipped.push_back(label + ": other record sets at this name block it (" + record.reason +
                             ")");
      continue;
    }
    RecordSet set;
    set.name = route53Name(declared.name);
    set.type = type_name;
    set.ttl = chooseTtl(record.current_ttl, declared.ttl);
    for (const std::string& value : declared.values)
      set.values.push_back(route53Value(declared.type, value));
    upserts.push_back({{Action::Upsert, std::move(set)}, record.reason});
  }
  for (PlannedChange& change : upserts) plan.changes.push_back(std::move(change));
  return plan;
}

ChangeBatch RepairPlan::batch() const {
  ChangeBatch out;
  out.comment = "tern-dnscheck repair";
  for (const PlannedChange& planned : changes) out.changes.push_back(planned.change);
  return out;
}

std::string describeChange(const Change& change) {
  const RecordSet& set = change.record_set;
  std::string out = std::string(actionName(change.action)) + " " + set.name + " " + set.type;
  if (set.ttl) out += " " + std::to_string(*set.ttl);
  for (const std::string& value : set.values) out += " " + value;
  return out;
}

}  // namespace dnscheck::route53
