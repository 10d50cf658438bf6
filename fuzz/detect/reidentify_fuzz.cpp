// libFuzzer target: stream re-identification. For any answer text and any
// chunking, feeding chunks then finish() must equal re-identifying the whole
// text at once, and nothing may be emitted twice or lost.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "redact/redact.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // First byte: chunking seed; the rest: the answer. Placeholders are fixed so
  // that random text hits them and their prefixes often.
  std::map<std::string, std::string> mapping = {{"<PERSON_1>", "Jane Doe"},
                                                {"<PERSON_12>", "Bo <Li>"},
                                                {"<EMAIL_ADDRESS_1>", "j@d.com"},
                                                {"<X_1>", ""}};
  unsigned seed = data[0];
  std::string answer(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string whole;
  {
    perimeter::redact::Reidentifier r(mapping);
    whole = r.feed(answer);
    whole += r.finish();
  }
  perimeter::redact::Reidentifier r(mapping);
  std::string streamed;
  size_t i = 0;
  while (i < answer.size()) {
    size_t n = 1 + (seed = seed * 1103515245u + 12345u) % 9;
    streamed += r.feed(std::string_view(answer).substr(i, n));
    i += n;
  }
  streamed += r.finish();
  if (streamed != whole) std::abort();
  return 0;
}
