#pragma once
// Rejoins the chunks Docker's json-file driver writes for one long line: every
// chunk but the last lacks the trailing newline (DockerLine::partial). stdout
// and stderr interleave independently, so each stream is joined on its own.
// One joiner serves one container (one log file).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "logline/docker_json.h"

namespace logline {

struct JoinedLine {
  std::string log;
  std::string stream;
  std::int64_t time_ns = 0;  // the FIRST chunk's time
  std::uint64_t cookie = 0;  // the LAST chunk's cookie (callers pass file positions)
  bool truncated = false;    // cut at the size bound; the rest follows as its own line
};

class PartialJoiner {
 public:
  // Docker's chunks are 16 KiB; a line is held up to this many bytes. Beyond
  // it, what is held is emitted as a truncated line (and counted) and joining
  // starts afresh, so memory stays bounded whatever a container prints.
  static constexpr std::size_t kDefaultMaxBytes = 1 << 20;
  // Streams held at once; past it, everything held is emitted first.
  static constexpr std::size_t kMaxStreams = 4;

  explicit PartialJoiner(std::size_t max_bytes = kDefaultMaxBytes)
      : max_bytes_(max_bytes == 0 ? 1 : max_bytes) {}

  // Feeds one parsed chunk; calls emit(JoinedLine&&) for each line that is
  // complete (zero, one, or - at the size bound - more).
  template <typename Emit>
  void add(DockerLine&& chunk, std::uint64_t cookie, Emit&& emit);

  // Emits whatever is held, unfinished (a container that stopped mid-line).
  template <typename Emit>
  void drain(Emit&& emit);

  bool empty() const;
  std::size_t heldBytes() const;
  // Lines cut at the size bound since construction.
  std::uint64_t truncatedLines() const { return truncated_; }

 private:
  struct Held {
    std::string stream;
    std::string log;
    std::int64_t time_ns = 0;
    std::uint64_t cookie = 0;
    bool active = false;
  };
  Held* find(const std::string& stream);
  static JoinedLine take(Held& h, bool truncated);

  std::size_t max_bytes_;
  std::uint64_t truncated_ = 0;
  // Almost always two entries (stdout, stderr): a vector beats a map.
  std::vector<Held> streams_;
};

template <typename Emit>
void PartialJoiner::add(DockerLine&& chunk, std::uint64_t cookie, Emit&& emit) {
  Held* found = find(chunk.stream);
  if ((found == nullptr || !found->active) && !chunk.partial && chunk.log.size() <= max_bytes_) {
    // The common case: a whole line, passed through without copying.
    emit(JoinedLine{std::move(chunk.log), std::move(chunk.stream), chunk.time_ns, cookie, false});
    return;
  }
  if (found == nullptr && streams_.size() == kMaxStreams) {
    // Docker writes two streams; a line claiming many more is not Docker's.
    // Releasing what is held keeps memory at kMaxStreams * max_bytes.
    drain(emit);
    streams_.clear();
  }
  Held& h = found != nullptr ? *found : streams_.emplace_back(Held{chunk.stream, {}, 0, 0, false});
  std::string_view rest = chunk.log;
  while (true) {
    if (!h.active) {
      h.active = true;
      h.log.clear();
      h.time_ns = chunk.time_ns;
    }
    h.cookie = cookie;
    const std::size_t room = max_bytes_ - h.log.size();
    if (rest.size() <= room) {
      h.log.append(rest);
      break;
    }
    h.log.append(rest.substr(0, room));
    rest.remove_prefix(room);
    ++truncated_;
    emit(take(h, true));
  }
  if (!chunk.partial) {
    emit(take(h, false));
  } else if (h.log.size() == max_bytes_) {
    // Cut now rather than after the next chunk: nothing larger than the bound
    // is ever held.
    ++truncated_;
    emit(take(h, true));
  }
}

template <typename Emit>
void PartialJoiner::drain(Emit&& emit) {
  for (Held& h : streams_) {
    if (h.active) emit(take(h, false));
  }
}

}  // namespace logline
