// libFuzzer target for tern-dnscheck's reading of DNS answers (they come
// from the network): the message parser and the walk along CNAME chains. No
// input may crash them or read out of bounds.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dnscheck/dns/message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<unsigned char> bytes(data, data + size);
  auto message = dnscheck::dns::parseMessage(std::span<const unsigned char>(bytes));
  if (!message) return 0;
  for (int type : {1, 5, 15, 16, 28, 257})
    (void)dnscheck::dns::followAnswer(*message, "a.example.com", type);
  return 0;
}
