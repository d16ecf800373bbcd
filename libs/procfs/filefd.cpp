#include "procfs/filefd.h"

namespace procfs {

Parsed<FileNr> parseFileNr(std::string_view text) {
  auto fields = splitFields(trim(text));
  if (fields.size() < 3) {
    return unexpected("expected 3 fields, got " + std::to_string(fields.size()));
  }
  auto allocated = parseU64(fields[0]), maximum = parseU64(fields[2]);
  if (!allocated || !maximum) return unexpected(std::string("fields are not numbers"));
  // The middle field is dead since Linux 2.6; node_exporter ignores it too.
  return FileNr{*allocated, parseU64(fields[1]).value_or(0), *maximum};
}

}  // namespace procfs
