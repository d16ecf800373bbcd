#include "dnscheck/values.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>

namespace dnscheck {

const char* recordTypeName(RecordType type) {
  switch (type) {
    case RecordType::A:
      return "A";
    case RecordType::AAAA:
      return "AAAA";
    case RecordType::CNAME:
      return "CNAME";
    case RecordType::MX:
      return "MX";
    case RecordType::TXT:
      return "TXT";
    case RecordType::CAA:
      return "CAA";
  }
  return "?";
}

int recordTypeCode(RecordType type) {
  switch (type) {
    case RecordType::A:
      return 1;
    case RecordType::AAAA:
      return 28;
    case RecordType::CNAME:
      return 5;
    case RecordType::MX:
      return 15;
    case RecordType::TXT:
      return 16;
    case RecordType::CAA:
      return 257;
  }
  return 0;
}

std::optional<RecordType> parseRecordType(std::string_view text) {
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (RecordType type : {RecordType::A, RecordType::AAAA, RecordType::CNAME, RecordType::MX,
                          RecordType::TXT, RecordType::CAA}) {
    if (upper == recordTypeName(type)) return type;
  }
  return std::nullopt;
}

std::optional<std::string> canonicalName(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return std::nullopt;
  std::string out;
  out.reserve(name.size());
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return std::nullopt;
      label = 0;
    } else {
      // Letters, digits, '-', '_' (service labels, _dmarc) and '*' (wildcards).
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '*')
        return std::nullopt;
      if (++label > 63) return std::nullopt;
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

std::string_view unquote(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    return text.substr(1, text.size() - 2);
  return text;
}

base::Expected<std::string, std::string> address(int family, std::string_view text) {
  unsigned char bytes[16];
  std::string copy(text);
  if (inet_pton(family, copy.c_str(), bytes) != 1)
    return base::unexpected("\"" + copy + "\" is not an IPv" + (family == AF_INET ? "4" : "6") +
                            " address");
  char printed[INET6_ADDRSTRLEN];
  inet_ntop(family, bytes, printed, sizeof printed);
  return std::string(printed);
}

}  // namespace

base::Expected<std::string, std::string> canonicalValue(RecordType type, std::string_view text) {
  text = trim(text);
  switch (type) {
    case RecordType::A:
      return address(AF_INET, text);
    case RecordType::AAAA:
      return address(AF_INET6, text);
    case RecordType::CNAME: {
      auto name = canonicalName(text);
      if (!name) return base::unexpected("\"" + std::string(text) + "\" is not a host name");
      return *name;
    }
    case RecordType::MX: {
      auto space = text.find_first_of(" \t");
      unsigned preference = 0;
      if (space == std::string_view::npos ||
          std::from_chars(text.data(), text.data() + space, preference).ptr !=
              text.data() + space ||
          preference > 65535)
        return base::unexpected("MX value \"" + std::string(text) +
                                "\" is not \"<preference> <host name>\"");
      auto exchange = canonicalName(trim(text.substr(space)));
      if (!exchange)
        return base::unexpected("MX value \"" + std::string(text) + "\": bad host name");
      return std::to_string(preference) + " " + *exchange;
    }
    case RecordType::TXT:
      return std::string(unquote(text));
    case RecordType::CAA: {
      // <flags> <tag> <value>
      auto first = text.find_first_of(" \t");
      unsigned flags = 0;
      if (first == std::string_view::npos ||
          std::from_chars(text.data(), text.data() + first, flags).ptr != text.data() + first ||
          flags > 255)
        return base::unexpected("CAA value \"" + std::string(text) +
                                "\" is not \"<flags> <tag> <value>\"");
      std::string_view rest = trim(text.substr(first));
      auto second = rest.find_first_of(" \t");
      if (second == std::string_view::npos)
        return base::unexpected("CAA value \"" + std::string(text) +
                                "\" is not \"<flags> <tag> <value>\"");
      std::string tag;
      for (char c : rest.substr(0, second)) {
        if (!std::isalnum(static_cast<unsigned char>(c)))
          return base::unexpected("CAA value \"" + std::string(text) + "\": bad tag");
        tag += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      return std::to_string(flags) + " " + tag + " " +
             std::string(unquote(trim(rest.substr(second))));
    }
  }
  return base::unexpected(std::string("unknown type"));
}

}  // namespace dnscheck
