// The Numenta Anomaly Benchmark's scoring rules (NAB v1.1, nab/sweeper.py, nab/optimizer.py,
// nab/runner.py), written from their description in ../shared/data/nab/PROVENANCE.md: anomaly
// windows in rows, the probationary period, the scaled sigmoid that rewards early detections and
// weighs false positives by their distance after a window, the three application profiles, one
// threshold optimised for the whole corpus per profile, and the normalisation between the null
// detector (0) and the perfect one (100). A consumer of any detector's scores: the detector knows
// nothing of it.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace xinzhi::score {

// A profile's cost matrix (config/profiles.json; tnWeight is not used by the rules).
struct NabProfile {
  std::string name;
  double tp_weight = 1, fn_weight = 1, fp_weight = 0.11;
};

// The three profiles of config/profiles.json, in the file's order; an InputError names the file
// and key when it is not that shape.
std::vector<NabProfile> load_nab_profiles(const std::string& path);

// An anomaly window as labelled: first and last timestamp, both rows of their file.
struct NabTimeWindow {
  TimestampMs start = 0, end = 0;
};
// labels/combined_windows.json: file key ("realTweets/Twitter_volume_AAPL.csv") -> its windows.
std::map<std::string, std::vector<NabTimeWindow>> load_nab_windows(const std::string& path);

// A window in rows of its file, both ends included.
struct NabWindow {
  std::size_t first = 0, last = 0;
};
// Each window's rows: the first row stamped with its start and the first stamped with its end
// (as nab/sweeper.py finds them with list.index). An InputError names `file` when a window's
// start or end is not a row or the windows are out of order.
std::vector<NabWindow> locate_nab_windows(std::span<const TimestampMs> timestamps,
                                          std::span<const NabTimeWindow> windows, const std::string& file);

// Rows at the start of a file of n rows that are not scored: min(floor(0.15 n), 750).
std::size_t nab_probationary_rows(std::size_t n);
// sigma(y) = 2 / (1 + e^(5y)) - 1 for y <= 3, -1 beyond.
double nab_scaled_sigmoid(double y);

// A corpus' result under one profile at one threshold (rows with score >= threshold detect).
struct NabResult {
  double threshold = 1.1;  // 1.1 (above every score): no detections
  double score = 0;        // the raw corpus score, the sum over files
  double normalised = 0;   // 100 (S - S_null) / (S_perfect - S_null)
  std::size_t true_positives = 0;   // windows with a detection
  std::size_t false_negatives = 0;  // windows without
  std::size_t false_positives = 0;  // detections outside every window (probationary rows excluded)
};

// Detectors' scores for a corpus, file by file, scored under any profile at any threshold.
class NabScorer {
 public:
  // One file: its rows' anomaly scores (in [0, 1]) and its windows in rows (locate_nab_windows).
  void add_file(std::span<const double> anomaly_scores, std::span<const NabWindow> windows);

  std::size_t files() const { return files_; }
  std::size_t windows() const { return windows_; }

  // The corpus scored at one threshold.
  NabResult score_at(const NabProfile& profile, double threshold) const;
  // The threshold that maximises the corpus score (the highest of equal ones), as
  // nab/optimizer.py sweeps every distinct score of the corpus from the top.
  NabResult optimise(const NabProfile& profile) const;
  // The null detector's corpus score (-fnWeight per window) and the perfect one's (tpWeight each).
  double null_score(const NabProfile& p) const { return -p.fn_weight * static_cast<double>(windows_); }
  double perfect_score(const NabProfile& p) const { return p.tp_weight * static_cast<double>(windows_); }
  double normalise(const NabProfile& p, double score) const;

 private:
  // A scored row (probationary rows are not kept): its detector score, its window (corpus-wide
  // number, or -1 outside every window) and its value before the profile's weights (sigma/sigma(-1)
  // inside a window, sigma in [-1, 0] outside).
  struct Row {
    double anomaly;
    long window;
    double value;
  };
  double weighted(const NabProfile& p, const Row& r) const;
  std::vector<Row> rows_;
  std::size_t files_ = 0, windows_ = 0;
};

}  // namespace xinzhi::score
