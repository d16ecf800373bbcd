#include "dnscheck/dns/message.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>

#include <algorithm>
#include <cctype>

namespace dnscheck::dns {

namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (text.size() > 1 && text.back() == '.') text.pop_back();
  return text;
}

// A (possibly compressed) name inside rdata, or nullopt when it is broken.
std::optional<std::string> nameAt(const ns_msg& handle, const unsigned char* where) {
  char buffer[NS_MAXDNAME];
  if (ns_name_uncompress(ns_msg_base(handle), ns_msg_end(handle), where, buffer, sizeof buffer) < 0)
    return std::nullopt;
  return lower(buffer);
}

std::optional<ResourceRecord> readRecord(const ns_msg& handle, ns_sect section, int index) {
  ns_rr rr;
  if (ns_parserr(const_cast<ns_msg*>(&handle), section, index, &rr) != 0) return std::nullopt;
  ResourceRecord record;
  record.name = lower(ns_rr_name(rr));
  record.type = ns_rr_type(rr);
  record.ttl = ns_rr_ttl(rr);
  const unsigned char* data = ns_rr_rdata(rr);
  const std::size_t size = ns_rr_rdlen(rr);
  char text[INET6_ADDRSTRLEN];
  switch (record.type) {
    case ns_t_a:
      if (size != 4) return std::nullopt;
      record.value = inet_ntop(AF_INET, data, text, sizeof text);
      break;
    case ns_t_aaaa:
      if (size != 16) return std::nullopt;
      record.value = inet_ntop(AF_INET6, data, text, sizeof text);
      break;
    case ns_t_cname:
    case ns_t_ns: {
      auto name = nameAt(handle, data);
      if (!name) return std::nullopt;
      record.value = *name;
      break;
    }
    case ns_t_mx: {
      if (size < 3) return std::nullopt;
      auto name = nameAt(handle, data + 2);
      if (!name) return std::nullopt;
      record.value = std::to_string(ns_get16(data)) + " " + *name;
      break;
    }
    case ns_t_txt: {
      // Character-strings, each a length byte and that many bytes, joined.
      for (std::size_t at = 0; at < size;) {
        std::size_t length = data[at];
        if (at + 1 + length > size) return std::nullopt;
        record.value.append(reinterpret_cast<const char*>(data + at + 1), length);
        at += 1 + length;
      }
      break;
    }
    case ns_t_caa: {
      if (size < 2 || 2u + data[1] > size) return std::nullopt;
      std::string tag(reinterpret_cast<const char*>(data + 2), data[1]);
      record.value =
          std::to_string(data[0]) + " " + lower(tag) + " " +
          std::string(reinterpret_cast<const char*>(data + 2 + data[1]), size - 2 - data[1]);
      break;
    }
    case ns_t_soa: {
      // mname, rname, then serial: skip the two names to read it.
      const unsigned char* at = data;
      for (int names = 0; names < 2; ++names) {
        int length = ns_name_skip(&at, data + size);
        if (length < 0) return std::nullopt;
      }
      if (at + 4 > data + size) return std::nullopt;
      record.value = std::to_string(ns_get32(at));
      break;
    }
    default:
      break;
  }
  return record;
}

}  // namespace

base::Expected<Message, std::string> parseMessage(std::span<const unsigned char> bytes) {
  ns_msg handle;
  if (ns_initparse(bytes.data(), static_cast<int>(bytes.size()), &handle) != 0)
    return base::unexpected(std::string("malformed DNS message"));
  Message message;
  message.rcode = ns_msg_getflag(handle, ns_f_rcode);
  message.authoritative = ns_msg_getflag(handle, ns_f_aa) != 0;
  message.truncated = ns_msg_getflag(handle, ns_f_tc) != 0;
  const std::pair<ns_sect, std::vector<ResourceRecord>*> sections[] = {
      {ns_s_an, &message.answer}, {ns_s_ns, &message.authority}, {ns_s_ar, &message.additional}};
  for (const auto& [section, out] : sections) {
    const int count = ns_msg_count(handle, section);
    for (int i = 0; i < count; ++i) {
      auto record = readRecord(handle, section, i);
      if (!record)
        return base::unexpected("malformed record " + std::to_string(i) + " in section " +
                                std::to_string(section));
      // OPT pseudo-records are not data.
      if (record->type != ns_t_opt) out->push_back(std::move(*record));
    }
  }
  return message;
}

namespace {
const char* const kRcodes[] = {"NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                               "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};
}

std::string rcodeName(int rcode) {
  if (rcode >= 0 && rcode < static_cast<int>(std::size(kRcodes))) return kRcodes[rcode];
  return "RCODE" + std::to_string(rcode);
}

std::optional<int> parseRcode(const std::string& name) {
  for (int i = 0; i < static_cast<int>(std::size(kRcodes)); ++i) {
    if (name == kRcodes[i]) return i;
  }
  return std::nullopt;
}

std::optional<int> parseQueryType(const std::string& name) {
  static const std::pair<const char*, int> types[] = {
      {"A", ns_t_a},     {"AAAA", ns_t_aaaa}, {"CNAME", ns_t_cname}, {"MX", ns_t_mx},
      {"TXT", ns_t_txt}, {"CAA", ns_t_caa},   {"NS", ns_t_ns},       {"SOA", ns_t_soa},
      {"PTR", ns_t_ptr}, {"SRV", ns_t_srv},   {"ANY", ns_t_any}};
  for (const auto& [text, code] : types) {
    if (name == text) return code;
  }
  return std::nullopt;
}

RecordAnswer followAnswer(const Message& message, const std::string& name, int type) {
  RecordAnswer result;
  std::string current = name;
  if (type != ns_t_cname) {
    // Bounded: a loop of CNAMEs in a hostile answer must not spin.
    for (int hops = 0; hops < 16; ++hops) {
      auto cname = std::find_if(message.answer.begin(), message.answer.end(), [&](const auto& rr) {
        return rr.type == ns_t_cname && rr.name == current;
      });
      if (cname == message.answer.end()) break;
      if (hops == 0) result.cname_at_name = true;
      result.cname_chain.push_back(cname->value);
      current = cname->value;
    }
  }
  for (const ResourceRecord& rr : message.answer) {
    if (rr.type != type || rr.name != current) continue;
    result.values.push_back(rr.value);
    result.ttl = result.ttl ? std::min(*result.ttl, rr.ttl) : rr.ttl;
  }
  std::sort(result.values.begin(), result.values.end());
  result.values.erase(std::unique(result.values.begin(), result.values.end()), result.values.end());
  return result;
}

}  // namespace dnscheck::dns
