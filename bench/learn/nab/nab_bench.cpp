// bench_nab NAB_DIR [--detector name=value ...] [--per-category] [--dump DIR]: runs the streaming detector
// (src/learn/anomaly) over every data/<category>/<file>.csv named in NAB_DIR's
// labels/combined_windows.json, scores the corpus by NAB's rules (src/score/nab_score) with one
// threshold per profile optimised for the whole corpus, and prints the normalised scores. The
// detector's options are the same for every file; it never sees the labels.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "learn/anomaly/series_csv.hpp"
#include "learn/anomaly/streaming_detector.hpp"
#include "score/nab_score.hpp"

using namespace xinzhi;

int main(int argc, char** argv) try {
  if (argc < 2) {
    std::cerr << "usage: bench_nab NAB_DIR [--detector name=value ...] [--per-category] [--dump DIR]\n";
    return 1;
  }
  const std::string root = argv[1];
  learn::StreamingDetectorOptions options;
  bool per_category = false, curve = false;
  std::string dump;  // a folder for each file's scores in NAB's results layout
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--detector" && i + 1 < argc) set_detector_option(options, argv[++i], "--detector");
    else if (a == "--per-category") per_category = true;
    else if (a == "--curve") curve = true;
    else if (a == "--dump" && i + 1 < argc) dump = argv[++i];
    else throw UsageError("unknown argument " + a);
  }
  const auto start = std::chrono::steady_clock::now();
  const auto windows = score::load_nab_windows(root + "/labels/combined_windows.json");
  const auto profiles = score::load_nab_profiles(root + "/config/profiles.json");
  score::NabScorer corpus;
  std::map<std::string, score::NabScorer> categories;
  std::size_t rows = 0;
  for (const auto& [key, file_windows] : windows) {
    const std::string path = root + "/data/" + key;
    const learn::SeriesCsv series = learn::read_series_csv(path);
    learn::StreamingDetector detector(options);
    std::vector<double> scores(series.values.size());
    for (std::size_t i = 0; i < scores.size(); ++i) scores[i] = detector.update(series.t_ms[i], series.values[i]);
    if (!dump.empty()) {
      std::string text = "timestamp,value,anomaly_score\n";
      for (std::size_t i = 0; i < scores.size(); ++i)
        text += fmt::format("{},{},{:.6f}\n", series.timestamps[i], series.values[i], scores[i]);
      const std::filesystem::path out = std::filesystem::path(dump) / key;
      std::filesystem::create_directories(out.parent_path());
      write_file_atomic(out.string(), text);
    }
    const auto located = score::locate_nab_windows(series.t_ms, file_windows, path);
    corpus.add_file(scores, located);
    categories[key.substr(0, key.find('/'))].add_file(scores, located);
    rows += scores.size();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("detector: {}\n", describe_detector_options(options));
  fmt::print("corpus: {} files, {} rows, {} windows; detector and scoring {:.2f} s ({:.0f} rows/s)\n", corpus.files(),
             rows, corpus.windows(), seconds, static_cast<double>(rows) / seconds);
  fmt::print("{:<20} {:>10} {:>10} {:>10} {:>5} {:>5} {:>6}\n", "profile", "normalised", "raw score", "threshold", "TP",
             "FN", "FP");
  for (const auto& p : profiles) {
    const auto r = corpus.optimise(p);
    fmt::print("{:<20} {:>10.1f} {:>10.3f} {:>10.4f} {:>5} {:>5} {:>6}\n", p.name, r.normalised, r.score, r.threshold,
               r.true_positives, r.false_negatives, r.false_positives);
  }
  if (curve) {
    for (double t : {0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0}) {
      const auto r = corpus.score_at(profiles.front(), t);
      fmt::print("  standard at {:<6}: normalised {:>6.1f} TP {} FN {} FP {}\n", t, r.normalised, r.true_positives,
                 r.false_negatives, r.false_positives);
    }
  }
  if (per_category) {
    const auto standard = profiles.front();
    const double threshold = corpus.optimise(standard).threshold;
    for (const auto& [name, c] : categories) {
      const auto r = c.score_at(standard, threshold);
      fmt::print("  {:<22} {:>3} windows: normalised {:>6.1f} (raw {:>7.3f}; TP {} FN {} FP {})\n", name, c.windows(),
                 r.normalised, r.score, r.true_positives, r.false_negatives, r.false_positives);
    }
  }
  return 0;
} catch (const Error& e) {
  std::cerr << "bench_nab: " << e.what() << "\n";
  return exit_code(e.kind());
}
