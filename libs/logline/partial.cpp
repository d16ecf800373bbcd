#include "logline/partial.h"

namespace logline {

PartialJoiner::Held* PartialJoiner::find(const std::string& stream) {
  for (Held& h : streams_) {
    if (h.stream == stream) return &h;
  }
  return nullptr;
}

JoinedLine PartialJoiner::take(Held& h, bool truncated) {
  h.active = false;
  JoinedLine line{std::move(h.log), h.stream, h.time_ns, h.cookie, truncated};
  h.log.clear();  // a moved-from string is valid but unspecified
  return line;
}

bool PartialJoiner::empty() const {
  for (const Held& h : streams_) {
    if (h.active) return false;
  }
  return true;
}

std::size_t PartialJoiner::heldBytes() const {
  std::size_t bytes = 0;
  for (const Held& h : streams_) {
    if (h.active) bytes += h.log.size();
  }
  return bytes;
}

}  // namespace logline
