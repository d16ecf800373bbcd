#include "dnscheck/route53/xml.h"

#include <charconv>
#include <pugixml.hpp>
#include <sstream>

namespace dnscheck::route53 {
namespace {

base::Expected<pugi::xml_document*, std::string> load(pugi::xml_document& document,
                                                      std::string_view xml) {
  pugi::xml_parse_result result = document.load_buffer(xml.data(), xml.size());
  if (!result)
    return base::unexpected("malformed XML at offset " + std::to_string(result.offset) + ": " +
                            result.description());
  return &document;
}

std::string textOf(pugi::xml_node node, const char* child) {
  return node.child(child).text().as_string();
}

}  // namespace

const char* actionName(Action action) {
  switch (action) {
    case Action::Create:
      return "CREATE";
    case Action::Delete:
      return "DELETE";
    case Action::Upsert:
      return "UPSERT";
  }
  return "UPSERT";
}

base::Expected<RecordSetPage, std::string> parseListResourceRecordSets(std::string_view xml) {
  pugi::xml_document document;
  auto loaded = load(document, xml);
  if (!loaded) return base::unexpected(loaded.error());
  pugi::xml_node root = document.child("ListResourceRecordSetsResponse");
  if (!root) return base::unexpected(std::string("no <ListResourceRecordSetsResponse> element"));
  pugi::xml_node sets = root.child("ResourceRecordSets");
  if (!sets) return base::unexpected(std::string("no <ResourceRecordSets> element"));
  RecordSetPage page;
  for (pugi::xml_node node : sets.children("ResourceRecordSet")) {
    RecordSet set;
    set.name = textOf(node, "Name");
    set.type = textOf(node, "Type");
    if (set.name.empty() || set.type.empty())
      return base::unexpected(std::string("a <ResourceRecordSet> without <Name> or <Type>"));
    if (pugi::xml_node ttl = node.child("TTL")) {
      std::string text = ttl.text().as_string();
      std::uint32_t value = 0;
      auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size())
        return base::unexpected(set.name + " " + set.type + ": <TTL> is not a number: " + text);
      set.ttl = value;
    }
    for (pugi::xml_node record : node.child("ResourceRecords").children("ResourceRecord"))
      set.values.push_back(textOf(record, "Value"));
    set.set_identifier = textOf(node, "SetIdentifier");
    set.alias_dns_name = textOf(node.child("AliasTarget"), "DNSName");
    page.record_sets.push_back(std::move(set));
  }
  page.is_truncated = std::string_view(textOf(root, "IsTruncated")) == "true";
  page.next_record_name = textOf(root, "NextRecordName");
  page.next_record_type = textOf(root, "NextRecordType");
  page.next_record_identifier = textOf(root, "NextRecordIdentifier");
  if (page.is_truncated && page.next_record_name.empty())
    return base::unexpected(std::string("<IsTruncated> is true but <NextRecordName> is missing"));
  return page;
}

base::Expected<ChangeInfo, std::string> parseChangeInfo(std::string_view xml) {
  pugi::xml_document document;
  auto loaded = load(document, xml);
  if (!loaded) return base::unexpected(loaded.error());
  pugi::xml_node info = document.first_child().child("ChangeInfo");
  if (!info) return base::unexpected(std::string("no <ChangeInfo> element"));
  ChangeInfo out{textOf(info, "Id"), textOf(info, "Status"), textOf(info, "SubmittedAt")};
  if (out.id.empty() || out.status.empty())
    return base::unexpected(std::string("<ChangeInfo> without <Id> or <Status>"));
  return out;
}

std::optional<AwsError> parseError(std::string_view xml) {
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) return std::nullopt;
  pugi::xml_node root = document.first_child();
  if (std::string_view(root.name()) == "ErrorResponse") {
    pugi::xml_node error = root.child("Error");
    return AwsError{textOf(error, "Code"), textOf(error, "Message"), textOf(root, "RequestId")};
  }
  if (std::string_view(root.name()) == "InvalidChangeBatch") {
    AwsError out{"InvalidChangeBatch", "", textOf(root, "RequestId")};
    for (pugi::xml_node message : root.child("Messages").children("Message")) {
      if (!out.message.empty()) out.message += "; ";
      out.message += message.text().as_string();
    }
    if (out.message.empty()) out.message = textOf(root, "Message");
    return out;
  }
  return std::nullopt;
}

std::string changeBatchXml(const ChangeBatch& batch) {
  pugi::xml_document document;
  pugi::xml_node declaration = document.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "UTF-8";
  pugi::xml_node root = document.append_child("ChangeResourceRecordSetsRequest");
  root.append_attribute("xmlns") = kXmlNamespace;
  pugi::xml_node change_batch = root.append_child("ChangeBatch");
  if (!batch.comment.empty())
    change_batch.append_child("Comment").text().set(batch.comment.c_str());
  pugi::xml_node changes = change_batch.append_child("Changes");
  for (const Change& change : batch.changes) {
    pugi::xml_node node = changes.append_child("Change");
    node.append_child("Action").text().set(actionName(change.action));
    pugi::xml_node set = node.append_child("ResourceRecordSet");
    const RecordSet& record_set = change.record_set;
    set.append_child("Name").text().set(record_set.name.c_str());
    set.append_child("Type").text().set(record_set.type.c_str());
    if (!record_set.set_identifier.empty())
      set.append_child("SetIdentifier").text().set(record_set.set_identifier.c_str());
    if (record_set.ttl) set.append_child("TTL").text().set(*record_set.ttl);
    pugi::xml_node records = set.append_child("ResourceRecords");
    for (const std::string& value : record_set.values)
      records.append_child("ResourceRecord").append_child("Value").text().set(value.c_str());
  }
  std::ostringstream out;
  document.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace dnscheck::route53
