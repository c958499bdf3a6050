#include "score/nab_score.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace xinzhi::score {

namespace {

nlohmann::json parse_json_file(const std::string& path) {
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path, fmt::format("not valid JSON: {}", e.what()));
  }
}

TimestampMs parse_label_time(const nlohmann::json& j, const std::string& where) {
  if (!j.is_string()) throw InputError(where, "a window's ends must be timestamps (strings)");
  const auto t = parse_iso8601(j.get<std::string>());
  if (!t) throw InputError(where, fmt::format("'{}' is not a timestamp", j.get<std::string>()));
  return *t;
}

}  // namespace

std::vector<NabProfile> load_nab_profiles(const std::string& path) {
  const nlohmann::json j = parse_json_file(path);
  if (!j.is_object()) throw InputError(path, "expected an object of profiles");
  std::vector<NabProfile> out;
  for (const char* name : {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}) {
    const auto it = j.find(name);
    if (it == j.end()) throw InputError(path, fmt::format("no profile '{}'", name));
    const auto cm = it->find("CostMatrix");
    if (cm == it->end() || !cm->is_object()) throw InputError(fmt::format("{}: {}", path, name), "no CostMatrix");
    NabProfile p{name};
    for (auto [key, field] : {std::pair{"tpWeight", &p.tp_weight}, {"fnWeight", &p.fn_weight}, {"fpWeight", &p.fp_weight}}) {
      const auto w = cm->find(key);
      if (w == cm->end() || !w->is_number())
        throw InputError(fmt::format("{}: {}.CostMatrix", path, name), fmt::format("no number '{}'", key));
      *field = w->get<double>();
    }
    out.push_back(p);
  }
  return out;
}

std::map<std::string, std::vector<NabTimeWindow>> load_nab_windows(const std::string& path) {
  const nlohmann::json j = parse_json_file(path);
  if (!j.is_object()) throw InputError(path, "expected an object keyed by data file");
  std::map<std::string, std::vector<NabTimeWindow>> out;
  for (const auto& [key, list] : j.items()) {
    const std::string where = fmt::format("{}: {}", path, key);
    if (!list.is_array()) throw InputError(where, "expected a list of [start, end] windows");
    auto& windows = out[key];
    for (const auto& w : list) {
      if (!w.is_array() || w.size() != 2) throw InputError(where, "a window is a [start, end] pair");
      NabTimeWindow tw{parse_label_time(w[0], where), parse_label_time(w[1], where)};
      if (tw.end < tw.start) throw InputError(where, "a window ends before it starts");
      windows.push_back(tw);
    }
  }
  return out;
}

std::vector<NabWindow> locate_nab_windows(std::span<const TimestampMs> timestamps,
                                          std::span<const NabTimeWindow> windows, const std::string& file) {
  auto first_row = [&](TimestampMs t, const char* what) {
    const auto it = std::find(timestamps.begin(), timestamps.end(), t);
    if (it == timestamps.end())
      throw InputError(file, fmt::format("a window's {} {} is not a row of the file", what, format_iso8601(t)));
    return static_cast<std::size_t>(it - timestamps.begin());
  };
  std::vector<NabWindow> out;
  for (const auto& w : windows) {
    NabWindow rw{first_row(w.start, "start"), first_row(w.end, "end")};
    if (!out.empty() && rw.first <= out.back().last)
      throw InputError(file, fmt::format("the window starting {} overlaps or precedes the one before", format_iso8601(w.start)));
    out.push_back(rw);
  }
  return out;
}

std::size_t nab_probationary_rows(std::size_t n) {
  return std::min<std::size_t>(static_cast<std::size_t>(std::floor(0.15 * static_cast<double>(n))), 750);
}

double nab_scaled_sigmoid(double y) { return y > 3.0 ? -1.0 : 2.0 / (1.0 + std::exp(5.0 * y)) - 1.0; }

void NabScorer::add_file(std::span<const double> anomaly_scores, std::span<const NabWindow> windows) {
  const std::size_t n = anomaly_scores.size();
  const std::size_t probation = nab_probationary_rows(n);
  const double max_tp = nab_scaled_sigmoid(-1.0);
  const long first_window = static_cast<long>(windows_);
  std::size_t next = 0;  // the next window to enter
  long current = -1;     // the window the row is in (index into windows), or -1
  long previous = -1;    // the last window left
  for (std::size_t i = 0; i < n; ++i) {
    if (current < 0 && next < windows.size() && i == windows[next].first) current = static_cast<long>(next++);
    double value;
    if (current >= 0) {
      const NabWindow& w = windows[static_cast<std::size_t>(current)];
      const double width = static_cast<double>(w.last - w.first + 1);
      value = nab_scaled_sigmoid(-static_cast<double>(w.last - i + 1) / width) / max_tp;
    } else if (previous < 0) {
      value = -1.0;  // before the first window: the lowest possible value
    } else {
      const NabWindow& w = windows[static_cast<std::size_t>(previous)];
      // nab/sweeper.py divides by (width - 1); a one-row window would divide by zero there.
      const double denominator = std::max(1.0, static_cast<double>(w.last - w.first));
      value = nab_scaled_sigmoid(static_cast<double>(i - w.last) / denominator);
    }
    if (i >= probation) rows_.push_back({anomaly_scores[i], current >= 0 ? first_window + current : -1, value});
    // The window's last row is scored as inside it; the window is left after it.
    if (current >= 0 && i == windows[static_cast<std::size_t>(current)].last) {
      previous = current;
      current = -1;
    }
  }
  windows_ += windows.size();
  ++files_;
}

double NabScorer::weighted(const NabProfile& p, const Row& r) const {
  return r.window >= 0 ? r.value * p.tp_weight : r.value * p.fp_weight;
}

double NabScorer::normalise(const NabProfile& p, double score) const {
  const double null = null_score(p), perfect = perfect_score(p);
  return perfect > null ? 100.0 * (score - null) / (perfect - null) : 0.0;
}

NabResult NabScorer::score_at(const NabProfile& p, double threshold) const {
  std::vector<double> best(windows_, -p.fn_weight);
  std::vector<bool> found(windows_, false);
  NabResult r;
  r.threshold = threshold;
  double fp_sum = 0;
  for (const Row& row : rows_) {
    if (row.anomaly < threshold) continue;
    if (row.window < 0) {
      fp_sum += weighted(p, row);
      ++r.false_positives;
    } else {
      const auto w = static_cast<std::size_t>(row.window);
      best[w] = std::max(best[w], weighted(p, row));
      found[w] = true;
    }
  }
  r.true_positives = static_cast<std::size_t>(std::count(found.begin(), found.end(), true));
  r.false_negatives = windows_ - r.true_positives;
  r.score = fp_sum + std::accumulate(best.begin(), best.end(), 0.0);
  r.normalised = normalise(p, r.score);
  return r;
}

NabResult NabScorer::optimise(const NabProfile& p) const {
  std::vector<std::size_t> order(rows_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rows_[a].anomaly > rows_[b].anomaly; });
  // Lowering the threshold from above every score, one distinct score at a time: a false positive
  // adds its (negative) value, a window's value becomes the best of its detections.
  std::vector<double> best(windows_, -p.fn_weight);
  double total = -p.fn_weight * static_cast<double>(windows_);
  double best_total = total, best_threshold = 1.1;
  for (std::size_t k = 0; k < order.size();) {
    const double threshold = rows_[order[k]].anomaly;
    for (; k < order.size() && rows_[order[k]].anomaly == threshold; ++k) {
      const Row& row = rows_[order[k]];
      const double v = weighted(p, row);
      if (row.window < 0) {
        total += v;
      } else if (v > best[static_cast<std::size_t>(row.window)]) {
        total += v - best[static_cast<std::size_t>(row.window)];
        best[static_cast<std::size_t>(row.window)] = v;
      }
    }
    if (total > best_total) {
      best_total = total;
      best_threshold = threshold;
    }
  }
  // Scored again at that threshold for the counts; the sum is the same up to rounding.
  return score_at(p, best_threshold);
}

}  // namespace xinzhi::score
