#pragma once
#include <string>
#include <string_view>

namespace runtime {

// Gzip-compresses `input` at the fastest level: scrapes are frequent, and
// exposition text compresses about tenfold even so.
std::string gzipCompress(std::string_view input);

}  // namespace runtime
