#include "runtime/gzip.h"

#include <zlib.h>

namespace runtime {

namespace {
// One deflate state per serving thread, reset between bodies: initialising
// zlib allocates ~270 KB and clears its tables, which cost more than
// compressing a small body.
struct Deflater {
  z_stream stream{};
  bool ready = false;
  Deflater() {
    // 15 window bits + 16 selects the gzip wrapper instead of raw zlib.
    ready = deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~Deflater() {
    if (ready) deflateEnd(&stream);
  }
};
}  // namespace

std::string gzipCompress(std::string_view input) {
  thread_local Deflater deflater;
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
