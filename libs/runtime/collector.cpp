#include "runtime/collector.h"

#include <CLI/CLI.hpp>
#include <algorithm>

namespace runtime {

void CollectorRegistry::add(CollectorSpec spec) {
  specs_.push_back(std::move(spec));
  choices_.push_back(std::make_unique<Choice>());
}

void CollectorRegistry::addFlags(CLI::App& app) {
  app.add_flag("--collector.disable-defaults", disable_defaults_,
               "Set all collectors to disabled by default.")
      ->group("Collectors");
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    CollectorSpec& spec = specs_[i];
    Choice& choice = *choices_[i];
    choice.enabled = spec.enabled_by_default;
    std::string help = "Enable the " + spec.name + " collector (default: " +
                       (spec.enabled_by_default ? "enabled" : "disabled") + ").";
    if (!spec.help.empty()) help += " " + spec.help;
    choice.option = app.add_flag("--collector." + spec.name + ",!--no-collector." + spec.name,
                                 choice.enabled, help)
                        ->group("Collectors");
    if (spec.add_flags) spec.add_flags(app);
  }
}

std::vector<CollectorRegistry::Enabled> CollectorRegistry::build() const {
  std::vector<Enabled> enabled;
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    const Choice& choice = *choices_[i];
    bool on = choice.enabled;
    if (disable_defaults_ && !(choice.option && choice.option->count() > 0)) on = false;
    if (!on) continue;
    enabled.push_back({specs_[i].name, specs_[i].make()});
  }
  std::sort(enabled.begin(), enabled.end(),
            [](const Enabled& a, const Enabled& b) { return a.name < b.name; });
  return enabled;
}

std::vector<std::string> CollectorRegistry::enabledNames() const {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    bool on = choices_[i]->enabled && !(disable_defaults_ && !(choices_[i]->option && choices_[i]->option->count() > 0));
    if (on) names.push_back(specs_[i].name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace runtime
