#pragma once
// The canonical forms of declared.h, in one place: the loader normalises what
// the operator wrote, the DNS checks normalise what the servers answered, and
// both then compare equal strings.

#include <optional>
#include <string>
#include <string_view>

#include "base/expected.h"
#include "dnscheck/declared.h"

namespace dnscheck {

std::optional<RecordType> parseRecordType(std::string_view text);  // "A", "mx" (any case)
int recordTypeCode(RecordType type);                               // 1, 28, 5, 15, 16, 257

// Lower case, without the trailing dot; nullopt when not a host name
// (empty labels, a label over 63 bytes, more than 253 bytes, spaces).
std::optional<std::string> canonicalName(std::string_view name);

// A value as the operator wrote it in the declared file, in canonical form,
// or why it is not a value of that type.
base::Expected<std::string, std::string> canonicalValue(RecordType type, std::string_view text);

}  // namespace dnscheck
