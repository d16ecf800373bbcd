#include "shipper/relabel.h"

#include <doctest/doctest.h>

#include <algorithm>

using shipper::applyRelabel;
using shipper::Labels;
using shipper::RelabelAction;
using shipper::RelabelRule;

namespace {

std::vector<RelabelRule> rulesFrom(const std::string& yaml) {
  auto rules = shipper::parseRelabelRules(YAML::Load(yaml), "relabel.yaml", "relabel_configs");
  if (!rules) FAIL(rules.error());
  return *rules;
}

std::string errorOf(const std::string& yaml) {
  auto rules = shipper::parseRelabelRules(YAML::Load(yaml), "relabel.yaml", "relabel_configs");
  return rules ? "" : rules.error();
}

const Labels kDocker = {
    {"__meta_docker_container_id", "3f2a9c"},
    {"__meta_docker_container_label_com_docker_compose_project", "shop"},
    {"__meta_docker_container_label_com_docker_compose_service", "web"},
    {"__meta_docker_container_name", "/shop-web-1"},
    {"job", "containers"},
};

}  // namespace

TEST_CASE("relabel: replace with defaults copies the joined source labels") {
  auto rules = rulesFrom(
      "- source_labels: [job, __meta_docker_container_id]\n"
      "  target_label: origin\n");
  CHECK(rules[0].action == RelabelAction::kReplace);
  CHECK(rules[0].separator == ";");
  CHECK(rules[0].regex == "(.*)");
  CHECK(rules[0].replacement == "$1");
  Labels labels = kDocker;
  REQUIRE(applyRelabel(rules, labels));
  CHECK(labels.size() == kDocker.size() + 1);
  CHECK(labels[4] == std::pair<std::string, std::string>{"job", "containers"});
  CHECK(labels[5] == std::pair<std::string, std::string>{"origin", "containers;3f2a9c"});
}

TEST_CASE("relabel: replace, regex anchoring and group references") {
  Labels labels = kDocker;
  REQUIRE(applyRelabel(
      rulesFrom("- source_labels: [__meta_docker_container_name]\n"
                "  regex: '/(.*)'\n"
                "  target_label: container\n"
                // Anchored: 'shop' alone does not match 'shop-web-1'.
                "- source_labels: [container]\n"
                "  regex: 'shop'\n"
                "  target_label: unanchored\n"
                "  replacement: matched\n"
                // ${1}, a named group, a literal $$ and text around them.
                "- source_labels: [container]\n"
                "  regex: '(?P<project>[a-z]+)-(\\w+)-(\\d+)'\n"
                "  target_label: summary\n"
                "  replacement: '${2}@$project #$3 $$'\n"
                // '$2x' is the group named 2x, which does not exist: empty.
                "- source_labels: [container]\n"
                "  regex: '(\\w+)-(\\w+)-.*'\n"
                "  target_label: odd\n"
                "  replacement: '$2x${2}x'\n"
                // A templated target_label.
                "- source_labels: [__meta_docker_container_label_com_docker_compose_service]\n"
                "  regex: '(.+)'\n"
                "  target_label: 'svc_$1'\n"
                "  replacement: 'yes'\n"),
      labels));
  auto value = [&](const std::string& name) -> std::string {
    for (const auto& [n, v] : labels)
      if (n == name) return v;
    return "<absent>";
  };
  CHECK(value("container") == "shop-web-1");
  CHECK(value("unanchored") == "<absent>");
  CHECK(value("summary") == "web@shop #1 $");
  CHECK(value("odd") == "webx");
  CHECK(value("svc_web") == "yes");
  CHECK(std::is_sorted(labels.begin(), labels.end()));
}

TEST_CASE("relabel: replace with an empty result removes the label; no match changes nothing") {
  Labels labels = {{"a", "1"}, {"b", "2"}};
  REQUIRE(applyRelabel(rulesFrom("- source_labels: [missing]\n"
                                 "  target_label: a\n"
                                 "- source_labels: [b]\n"
                                 "  regex: '9'\n"
                                 "  target_label: b\n"
                                 "  replacement: nine\n"),
                       labels));
  CHECK(labels == Labels{{"b", "2"}});
}

TEST_CASE("relabel: keep and drop decide whether the target survives") {
  auto keep = rulesFrom(
      "- source_labels: [__meta_docker_container_label_com_docker_compose_project]\n"
      "  regex: shop|blog\n"
      "  action: keep\n");
  Labels labels = kDocker;
  CHECK(applyRelabel(keep, labels));
  CHECK(labels == kDocker);
  Labels other = {{"__meta_docker_container_label_com_docker_compose_project", "shopping"}};
  CHECK_FALSE(applyRelabel(keep, other));
  Labels unlabelled = {{"job", "x"}};
  CHECK_FALSE(applyRelabel(keep, unlabelled));

  auto drop = rulesFrom(
      "- source_labels: [__meta_docker_container_name]\n"
      "  regex: '/ci-.*'\n"
      "  action: drop\n");
  labels = kDocker;
  CHECK(applyRelabel(drop, labels));
  Labels ci = {{"__meta_docker_container_name", "/ci-runner-3"}};
  CHECK_FALSE(applyRelabel(drop, ci));
}

TEST_CASE("relabel: labelmap copies matching labels under new names") {
  Labels labels = kDocker;
  REQUIRE(
      applyRelabel(rulesFrom("- action: labelmap\n"
                             "  regex: __meta_docker_container_label_com_docker_compose_(.+)\n"),
                   labels));
  CHECK(labels.size() == kDocker.size() + 2);
  CHECK(std::find(labels.begin(), labels.end(),
                  std::pair<std::string, std::string>{"project", "shop"}) != labels.end());
  CHECK(std::find(labels.begin(), labels.end(),
                  std::pair<std::string, std::string>{"service", "web"}) != labels.end());
  // A mapping to an invalid label name is skipped rather than sent to Loki.
  Labels dotted = {{"__meta_docker_container_label_com_example_a", "1"}};
  REQUIRE(applyRelabel(rulesFrom("- action: labelmap\n"
                                 "  regex: __meta_docker_container_label_(.+)\n"
                                 "  replacement: 'x-$1'\n"),
                       dotted));
  CHECK(dotted.size() == 1);
}

TEST_CASE("relabel: labeldrop and labelkeep filter label names") {
  Labels labels = kDocker;
  REQUIRE(applyRelabel(rulesFrom("- action: labeldrop\n"
                                 "  regex: __meta_docker_container_label_.*\n"),
                       labels));
  CHECK(labels == Labels{{"__meta_docker_container_id", "3f2a9c"},
                         {"__meta_docker_container_name", "/shop-web-1"},
                         {"job", "containers"}});
  REQUIRE(applyRelabel(rulesFrom("- action: labelkeep\n"
                                 "  regex: job|__meta_docker_container_id\n"),
                       labels));
  CHECK(labels == Labels{{"__meta_docker_container_id", "3f2a9c"}, {"job", "containers"}});
}

TEST_CASE("relabel: the other Prometheus actions") {
  Labels labels = {{"a", "Foo"}, {"b", "bar"}, {"c", "Foo"}};
  REQUIRE(applyRelabel(
      rulesFrom("- {source_labels: [a], target_label: lower, action: lowercase}\n"
                "- {source_labels: [b], target_label: upper, action: Uppercase}\n"
                "- {source_labels: [a, b], target_label: shard, modulus: 1000, action: hashmod}\n"),
      labels));
  // shard: the low 64 bits of MD5("Foo;bar") mod 1000, as computed with Python's hashlib.
  CHECK(labels == Labels{{"a", "Foo"},
                         {"b", "bar"},
                         {"c", "Foo"},
                         {"lower", "foo"},
                         {"shard", "674"},
                         {"upper", "BAR"}});
  auto keep_equal = rulesFrom("- {source_labels: [a], target_label: c, action: keepequal}\n");
  CHECK(applyRelabel(keep_equal, labels));
  auto drop_equal = rulesFrom("- {source_labels: [a], target_label: c, action: dropequal}\n");
  CHECK_FALSE(applyRelabel(drop_equal, labels));
}

TEST_CASE("relabel: rules are checked when parsed") {
  CHECK(errorOf("- source_labels: [a]\n  target: b\n") ==
        "relabel.yaml:2: unknown field relabel_configs[0].target");
  CHECK(errorOf("- source_labels: [a]\n  action: rename\n") ==
        "relabel.yaml:2: unknown relabel action \"rename\"");
  CHECK(errorOf("- source_labels: [a]\n") ==
        "relabel.yaml:1: relabel_configs[0]: replace action requires target_label");
  CHECK(errorOf("- {action: labeldrop, regex: x, target_label: y}\n") ==
        "relabel.yaml:1: relabel_configs[0]: labeldrop action takes only regex");
  CHECK(errorOf("- {action: hashmod, source_labels: [a], target_label: b}\n") ==
        "relabel.yaml:1: relabel_configs[0]: hashmod action requires a modulus above 0");
  CHECK(errorOf("- {source_labels: [a], target_label: 'bad-name'}\n") ==
        "relabel.yaml:1: relabel_configs[0]: invalid target_label \"bad-name\"");
  CHECK(errorOf("- {source_labels: [a], target_label: b, regex: '[z-a]'}\n")
            .starts_with("relabel.yaml:1: relabel_configs[0]: invalid regex \"[z-a]\": "));
  CHECK(errorOf("source_labels: [a]\n") == "relabel.yaml:1: relabel_configs must be a list");
  CHECK(errorOf("- source_labels: a\n  target_label: b\n") ==
        "relabel.yaml:1: relabel_configs[0].source_labels must be a list of label names");
  CHECK(errorOf("- {source_labels: [a], target_label: b, regex: x, regex: y}\n") ==
        "relabel.yaml:1: duplicate field relabel_configs[0].regex");
  CHECK(errorOf("").empty());
}
