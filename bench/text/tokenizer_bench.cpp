// Tokenizer throughput on one core: encodes every line of a text file (ids, offsets and word
// ids), repeating the file until at least --min-seconds of CPU time have passed.
// usage: bench_text_tokenizer TEXT_FILE VOCAB [--cased] [--min-seconds S]
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/fs.hpp"
#include "text/tokenize/tokenizer.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_text_tokenizer TEXT_FILE VOCAB [--cased] [--min-seconds S]\n");
    return 1;
  }
  bool cased = false;
  double min_seconds = 2.0;
  for (int i = 3; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--cased")) cased = true;
    else if (!std::strcmp(argv[i], "--min-seconds") && i + 1 < argc) min_seconds = std::atof(argv[++i]);
  }
  const std::string text = xinzhi::read_file(argv[1]);
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos <= text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    lines.emplace_back(text.data() + pos, nl - pos);
    pos = nl + 1;
  }
  xinzhi::text::BertTokenizer tok(xinzhi::text::Vocab::load(argv[2]), {!cased, !cased, true, 100});
  size_t nbytes = 0, ntok = 0, rounds = 0;
  xinzhi::text::Encoding enc;
  // CPU time of this thread: the machine is shared, so wall time would count other work.
  auto cpu_now = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  const double start = cpu_now();
  double secs = 0;
  do {
    for (auto line : lines) {
      enc.ids.clear();
      enc.offsets.clear();
      enc.word_ids.clear();
      tok.encode_into(line, enc);
      ntok += enc.ids.size();
      nbytes += line.size() + 1;
    }
    ++rounds;
    secs = cpu_now() - start;
  } while (secs < min_seconds);
  std::printf("bytes=%zu tokens=%zu rounds=%zu seconds=%.3f MB/s=%.3f\n", nbytes, ntok / rounds, rounds, secs,
              nbytes / secs / 1e6);
  return 0;
}
