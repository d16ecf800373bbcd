#pragma once
// os-release(5): shell-like KEY=value lines in /etc/os-release or
// /usr/lib/os-release, read the way node_exporter reads them (its envparse
// library): comments and blank lines skipped, an optional "export " prefix,
// single and double quotes, \\ \" \n \t escapes inside double quotes, and a
// '#' outside quotes ending the value.

#include <functional>
#include <map>
#include <string>

#include "procfs/text.h"

namespace procfs {

using OsRelease = std::map<std::string, std::string, std::less<>>;

// Fails with "line N: reason" where envparse fails: a line without '=', an
// empty key or one not starting with [A-Za-z_], a control character in a
// value, an unmatched quote or an unknown escape.
Parsed<OsRelease> parseOsRelease(std::string_view text);

// The leading "major[.minor]" of VERSION_ID as a number (22.04 for "22.04",
// 3.17 for "3.17.2"), or 0 when it does not start with a digit.
double osVersionNumber(std::string_view version_id);

}  // namespace procfs
