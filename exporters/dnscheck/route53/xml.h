#pragma once
// Route53's XML (API 2013-04-01), pure: answers in, structs out, and the
// ChangeResourceRecordSets request body out. Parsed with pugixml (Debian's
// libpugixml-dev): a small, well-kept DOM parser with a static archive.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"
#include "dnscheck/route53/record_set.h"

namespace dnscheck::route53 {

inline constexpr const char* kXmlNamespace = "https://route53.amazonaws.com/doc/2013-04-01/";

struct RecordSetPage {
  std::vector<RecordSet> record_sets;
  bool is_truncated = false;
  std::string next_record_name;
  std::string next_record_type;
  std::string next_record_identifier;
};

struct ChangeInfo {
  std::string id;      // "/change/C2682N5HXP0BZ4"
  std::string status;  // "PENDING" or "INSYNC"
  std::string submitted_at;
};

// AWS's <ErrorResponse><Error><Code>...; Route53's <InvalidChangeBatch> too.
struct AwsError {
  std::string code;     // "SignatureDoesNotMatch", "Throttling", "InvalidChangeBatch"
  std::string message;  // may be several messages joined with "; "
  std::string request_id;
};

enum class Action { Create, Delete, Upsert };
const char* actionName(Action action);

struct Change {
  Action action = Action::Upsert;
  RecordSet record_set;
};

struct ChangeBatch {
  std::string comment;
  std::vector<Change> changes;
};

base::Expected<RecordSetPage, std::string> parseListResourceRecordSets(std::string_view xml);
// The <ChangeInfo> of a ChangeResourceRecordSets or GetChange answer.
base::Expected<ChangeInfo, std::string> parseChangeInfo(std::string_view xml);
// nullopt when the body is not one of AWS's error documents.
std::optional<AwsError> parseError(std::string_view xml);

std::string changeBatchXml(const ChangeBatch& batch);

}  // namespace dnscheck::route53
