#include "runtime/gzip.h"

#include <zlib.h>

#include <mutex>

namespace runtime {

namespace {
// One deflate state for the process, reset between bodies: initialising zlib
// allocates ~270 KB and clears its tables, which costs more than compressing
// a small body, and one per HTTP thread would hold that memory four times.
struct Deflater {
  z_stream stream{};
  bool ready = false;
  Deflater() {
    // Window bits + 16 selects the gzip wrapper instead of raw zlib.
    // A 16 KiB window and memLevel 7 hold 128 KiB instead of 256 KiB; bodies
    // come out about 2% larger.
    ready = deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 14 + 16, 7, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~Deflater() {
    if (ready) deflateEnd(&stream);
  }
};
}  // namespace

std::string gzipCompress(std::string_view input) {
  static std::mutex mutex;
  static Deflater deflater;
  std::lock_guard lock(mutex);
  if (!deflater.ready || deflateReset(&deflater.stream) != Z_OK) return {};
  z_stream& stream = deflater.stream;
  std::string out;
  out.resize(deflateBound(&stream, static_cast<uLong>(input.size())));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  if (result != Z_STREAM_END) return {};
  return out;
}

}  // namespace runtime
