// `xinzhi learn detect SERIES.csv [-o scores.csv] [--detector name=value ...]`: the streaming
// anomaly detector (learn/anomaly/streaming_detector.hpp) over one series in NAB's CSV layout
// (`timestamp,value`), one output row per input row, `timestamp,value,anomaly_score`, the layout
// NAB's own scorer reads. The detector sees each reading once, in order, as it would live.
#include <cmath>
#include <iostream>

#include <fmt/format.h>

#include "cli/learn_commands.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "learn/anomaly/series_csv.hpp"
#include "learn/anomaly/streaming_detector.hpp"

namespace xinzhi::cli {

namespace {

struct DetectOptions {
  std::string input, out;
  std::vector<std::string> detector;
};

void run_detect(const DetectOptions& o) {
  learn::StreamingDetectorOptions options;
  for (const auto& a : o.detector) learn::set_detector_option(options, a, "--detector");
  const learn::SeriesCsv series = learn::read_series_csv(o.input);
  learn::StreamingDetector detector(options);
  std::string text = "timestamp,value,anomaly_score\n";
  text.reserve(series.values.size() * 48);
  for (std::size_t i = 0; i < series.values.size(); ++i) {
    const double v = series.values[i];
    const double score = detector.update(series.t_ms[i], v);
    text += series.timestamps[i];
    text += std::isnan(v) ? std::string(",") : fmt::format(",{}", v);
    text += fmt::format(",{:.6f}\n", score);
  }
  if (o.out.empty() || o.out == "-") std::cout << text << std::flush;
  else write_file_atomic(o.out, text);
}

}  // namespace

void add_learn_detect_command(CLI::App& learn) {
  auto o = std::make_shared<DetectOptions>();
  CLI::App* detect = learn.add_subcommand(
      "detect",
      "Score every reading of a series for anomalies (streaming, causal): reads `timestamp,value` CSV "
      "(NAB's layout), writes `timestamp,value,anomaly_score` with scores in [0, 1]");
  detect->add_option("series", o->input, "CSV with a header naming columns 'timestamp' and 'value'")->required();
  detect->add_option("-o,--out", o->out, "Where to write the scores (written atomically; default: stdout)");
  detect->add_option("--detector", o->detector,
                     fmt::format("A detector option as name=value, repeatable. Defaults: {}",
                                 learn::describe_detector_options({})));
  detect->callback([o] { run_detect(*o); });
}

}  // namespace xinzhi::cli
