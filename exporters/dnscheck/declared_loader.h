#pragma once
// Loads the declared state from its YAML file. Throws std::runtime_error
// with "<file>:<line>: <reason>" for a bad file (start-up only).

#include <string>

#include "dnscheck/declared.h"

namespace dnscheck {

DeclaredState loadDeclaredState(const std::string& path);

}  // namespace dnscheck
