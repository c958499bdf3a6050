#include "clean/impute.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace xinzhi::clean {

bool parse_impute_method(const std::string& name, ImputeMethod& out) {
  static const std::pair<const char*, ImputeMethod> kNames[] = {
      {"none", ImputeMethod::none},         {"previous", ImputeMethod::previous},
      {"linear", ImputeMethod::linear},     {"time_linear", ImputeMethod::time_linear},
      {"seasonal", ImputeMethod::seasonal}, {"correlated", ImputeMethod::correlated}};
  for (auto& [n, m] : kNames)
    if (name == n) return out = m, true;
  return false;
}

std::string to_string(ImputeMethod m) {
  switch (m) {
    case ImputeMethod::none: return "none";
    case ImputeMethod::previous: return "previous";
    case ImputeMethod::linear: return "linear";
    case ImputeMethod::time_linear: return "time_linear";
    case ImputeMethod::seasonal: return "seasonal";
    case ImputeMethod::correlated: return "correlated";
  }
  return "none";
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Gap {
  std::size_t a, b;  // known anchors; a+1 .. b-1 are missing
};

std::vector<Gap> inside_gaps(const std::vector<TimestampMs>& ts, const std::vector<double>& v, std::int64_t max_gap) {
  std::vector<Gap> gaps;
  std::size_t prev = v.size();
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (std::isnan(v[i])) continue;
    if (prev != v.size() && i > prev + 1 && (max_gap <= 0 || ts[i] - ts[prev] <= max_gap)) gaps.push_back({prev, i});
    prev = i;
  }
  return gaps;
}

double frac(const std::vector<TimestampMs>& ts, std::size_t a, std::size_t b, std::size_t k) {
  return static_cast<double>(ts[k] - ts[a]) / static_cast<double>(ts[b] - ts[a]);
}

// The median spacing of the series (what "near" means when looking one season back).
std::int64_t median_step(const std::vector<TimestampMs>& ts) {
  std::vector<std::int64_t> d;
  for (std::size_t i = 1; i < ts.size(); ++i)
    if (ts[i] > ts[i - 1]) d.push_back(ts[i] - ts[i - 1]);
  if (d.empty()) return 0;
  std::nth_element(d.begin(), d.begin() + static_cast<long>(d.size() / 2), d.end());
  return d[d.size() / 2];
}

// The known series (orig) interpolated at time t, when known points lie within `near` on both
// sides (or one exactly at t); NaN otherwise.
double value_near(const std::vector<TimestampMs>& ts, const std::vector<double>& orig, TimestampMs t, std::int64_t near) {
  auto it = std::lower_bound(ts.begin(), ts.end(), t);
  std::size_t hi = static_cast<std::size_t>(it - ts.begin());
  if (hi < ts.size() && ts[hi] == t && !std::isnan(orig[hi])) return orig[hi];
  // nearest known on each side
  std::size_t r = hi;
  while (r < ts.size() && std::isnan(orig[r]) && ts[r] - t <= near) ++r;
  if (r >= ts.size() || std::isnan(orig[r]) || ts[r] - t > near) return kNaN;
  if (hi == 0) return kNaN;
  std::size_t l = hi - 1;
  while (l > 0 && std::isnan(orig[l]) && t - ts[l] <= near) --l;
  if (std::isnan(orig[l]) || t - ts[l] > near) return kNaN;
  if (ts[r] == ts[l]) return orig[l];
  return orig[l] + (orig[r] - orig[l]) * static_cast<double>(t - ts[l]) / static_cast<double>(ts[r] - ts[l]);
}

// The seasonal reference for row k: the series one season earlier (or later when earlier is
// unknown).
double seasonal_ref(const std::vector<TimestampMs>& ts, const std::vector<double>& orig, std::size_t k,
                    std::int64_t season, std::int64_t near) {
  if (season <= 0) return kNaN;
  double s = value_near(ts, orig, ts[k] - season, near);
  if (std::isnan(s)) s = value_near(ts, orig, ts[k] + season, near);
  return s;
}

double time_linear(const std::vector<TimestampMs>& ts, const std::vector<double>& v, const Gap& g, std::size_t k) {
  return v[g.a] + (v[g.b] - v[g.a]) * frac(ts, g.a, g.b, k);
}

// Fills one gap of one column by a per-column method (everything except correlated).
double fill_one(const std::vector<TimestampMs>& ts, const std::vector<double>& orig, const Gap& g, std::size_t k,
                ImputeMethod m, std::int64_t season, std::int64_t near) {
  switch (m) {
    case ImputeMethod::previous: return orig[g.a];
    case ImputeMethod::linear:
      return orig[g.a] + (orig[g.b] - orig[g.a]) * static_cast<double>(k - g.a) / static_cast<double>(g.b - g.a);
    case ImputeMethod::seasonal:
    case ImputeMethod::correlated: {
      const double sk = seasonal_ref(ts, orig, k, season, near);
      const double sa = seasonal_ref(ts, orig, g.a, season, near);
      const double sb = seasonal_ref(ts, orig, g.b, season, near);
      if (std::isnan(sk) || std::isnan(sa) || std::isnan(sb)) return time_linear(ts, orig, g, k);
      const double ea = orig[g.a] - sa, eb = orig[g.b] - sb;
      return sk + ea + (eb - ea) * frac(ts, g.a, g.b, k);
    }
    default: return time_linear(ts, orig, g, k);
  }
}

bool solve(std::vector<std::vector<double>> a, std::vector<double> b, std::vector<double>& x) {
  const std::size_t n = b.size();
  for (std::size_t i = 0; i < n; ++i) a[i][i] += 1e-6 * (1e-12 + std::abs(a[i][i]));  // a touch of ridge
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t p = c;
    for (std::size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r][c]) > std::abs(a[p][c])) p = r;
    if (std::abs(a[p][c]) < 1e-300) return false;
    std::swap(a[p], a[c]);
    std::swap(b[p], b[c]);
    for (std::size_t r = c + 1; r < n; ++r) {
      const double f = a[r][c] / a[c][c];
      for (std::size_t k = c; k < n; ++k) a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  x.assign(n, 0);
  for (std::size_t i = n; i-- > 0;) {
    double s = b[i];
    for (std::size_t k = i + 1; k < n; ++k) s -= a[i][k] * x[k];
    x[i] = s / a[i][i];
  }
  return true;
}

// The correlated model works on deviations from time-linear interpolation: within a gap
// anchored at rows a and b, the target's departure from the straight line between its anchors
// is predicted from the other sensors' departures from their own straight lines over the same
// anchors: y(k) = lin_y(k) + sum_d beta_d * (x_d(k) - lin_d(k)). It meets the known values at
// both ends, falls back to plain interpolation where the other sensors carry no information
// (beta ~ 0), and is trained leave-one-out on the known values (each known point hidden in turn,
// anchored at its known neighbours).
struct Model {
  std::vector<std::size_t> predictors;
  std::vector<double> beta;
  bool usable = false;
};

double deviation(const std::vector<TimestampMs>& ts, const std::vector<double>& x, std::size_t a, std::size_t b,
                 std::size_t k) {
  if (std::isnan(x[a]) || std::isnan(x[b]) || std::isnan(x[k])) return kNaN;
  return x[k] - (x[a] + (x[b] - x[a]) * frac(ts, a, b, k));
}

bool least_squares(const std::vector<double>& f, const std::vector<double>& d, std::size_t p, std::size_t from,
                   std::size_t step, std::vector<double>& beta) {
  std::vector<std::vector<double>> xtx(p, std::vector<double>(p, 0));
  std::vector<double> xty(p, 0);
  for (std::size_t i = from; i < d.size(); i += step) {
    const double* row = f.data() + i * p;
    for (std::size_t r = 0; r < p; ++r) {
      xty[r] += row[r] * d[i];
      for (std::size_t c = 0; c < p; ++c) xtx[r][c] += row[r] * row[c];
    }
  }
  return solve(xtx, xty, beta);
}

Model fit(const std::vector<TimestampMs>& ts, const std::vector<std::vector<double>>& orig, std::size_t target,
          const std::vector<std::size_t>& preds, std::int64_t max_gap) {
  Model m;
  m.predictors = preds;
  const std::size_t p = preds.size();
  std::vector<double> f, d, row(p);  // leave-one-out samples: predictor deviations, target deviation
  const auto& y = orig[target];
  std::size_t prev = y.size(), cur = y.size();
  for (std::size_t i = 0; i <= y.size(); ++i) {
    if (i < y.size() && std::isnan(y[i])) continue;
    // cur is a known point with known neighbours prev and i
    if (prev != y.size() && cur != y.size() && i < y.size() && (max_gap <= 0 || ts[i] - ts[prev] <= max_gap)) {
      bool ok = true;
      for (std::size_t j = 0; j < p && ok; ++j) {
        row[j] = deviation(ts, orig[preds[j]], prev, i, cur);
        ok = !std::isnan(row[j]);
      }
      if (ok) {
        f.insert(f.end(), row.begin(), row.end());
        d.push_back(deviation(ts, y, prev, i, cur));
      }
    }
    prev = cur;
    cur = i;
  }
  const std::size_t n = d.size();
  if (n < std::max<std::size_t>(20, 10 * p)) return m;
  // Trained on the even samples, judged on the odd ones: the model is kept only when it beats
  // plain interpolation (beta = 0) on data it has not seen, then refitted on all samples.
  std::vector<double> beta;
  if (!least_squares(f, d, p, 0, 2, beta)) return m;
  double err_model = 0, err_linear = 0;
  for (std::size_t i = 1; i < n; i += 2) {
    double fit_i = 0;
    for (std::size_t j = 0; j < p; ++j) fit_i += beta[j] * f[i * p + j];
    err_model += std::abs(d[i] - fit_i);
    err_linear += std::abs(d[i]);
  }
  if (!(err_model < 0.97 * err_linear)) return m;
  if (!least_squares(f, d, p, 0, 1, m.beta)) return m;
  m.usable = true;
  return m;
}

double predict(const Model& m, const std::vector<TimestampMs>& ts, const std::vector<std::vector<double>>& orig,
               std::size_t a, std::size_t b, std::size_t k) {
  double out = 0;
  for (std::size_t j = 0; j < m.predictors.size(); ++j) {
    const double d = deviation(ts, orig[m.predictors[j]], a, b, k);
    if (std::isnan(d)) return kNaN;
    out += m.beta[j] * d;
  }
  return out;
}

double correlation(const std::vector<double>& x, const std::vector<double>& y) {
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) continue;
    sx += x[i], sy += y[i], sxx += x[i] * x[i], syy += y[i] * y[i], sxy += x[i] * y[i], ++n;
  }
  if (n < 10) return 0;
  const double dn = static_cast<double>(n);
  const double cov = sxy - sx * sy / dn, vx = sxx - sx * sx / dn, vy = syy - sy * sy / dn;
  if (vx <= 0 || vy <= 0) return 0;
  return cov / std::sqrt(vx * vy);
}

}  // namespace

std::size_t impute_series(const std::vector<TimestampMs>& ts, std::vector<double>& v, const ImputeOptions& o,
                          std::vector<std::uint8_t>* filled) {
  if (filled) filled->assign(v.size(), 0);
  if (o.method == ImputeMethod::none) return 0;
  const std::vector<double> orig = v;
  const std::int64_t near = std::max<std::int64_t>(1, median_step(ts) * 2);
  std::size_t n = 0;
  for (const Gap& g : inside_gaps(ts, orig, o.max_gap_ms))
    for (std::size_t k = g.a + 1; k < g.b; ++k) {
      v[k] = fill_one(ts, orig, g, k, o.method, o.season_ms, near);
      if (filled) (*filled)[k] = 1;
      ++n;
    }
  return n;
}

std::size_t impute_columns(const std::vector<TimestampMs>& ts, std::vector<std::vector<double>>& cols,
                           const std::vector<ImputeOptions>& options,
                           std::vector<std::vector<std::uint8_t>>* filled) {
  const std::vector<std::vector<double>> orig = cols;
  const std::int64_t near = std::max<std::int64_t>(1, median_step(ts) * 2);
  if (filled) filled->assign(cols.size(), std::vector<std::uint8_t>(ts.size(), 0));
  std::size_t total = 0;
  for (std::size_t c = 0; c < cols.size(); ++c) {
    const ImputeOptions& o = options[c];
    if (o.method == ImputeMethod::none) continue;
    const auto gaps = inside_gaps(ts, orig[c], o.max_gap_ms);
    if (gaps.empty()) continue;
    // The most correlated other columns are the candidate predictors.
    std::vector<std::pair<double, std::size_t>> ranked;
    if (o.method == ImputeMethod::correlated)
      for (std::size_t d = 0; d < cols.size(); ++d)
        if (d != c) {
          const double r = std::abs(correlation(orig[c], orig[d]));
          if (r >= 0.3) ranked.emplace_back(r, d);
        }
    std::sort(ranked.rbegin(), ranked.rend());
    if (ranked.size() > static_cast<std::size_t>(o.max_predictors)) ranked.resize(static_cast<std::size_t>(o.max_predictors));
    std::map<std::uint64_t, Model> models;  // by the set of predictors known at k and both anchors
    auto model_for = [&](std::size_t a, std::size_t b, std::size_t k) -> const Model* {
      std::uint64_t mask = 0;
      std::vector<std::size_t> preds;
      for (std::size_t j = 0; j < ranked.size(); ++j) {
        const auto& x = orig[ranked[j].second];
        if (!std::isnan(x[k]) && !std::isnan(x[a]) && !std::isnan(x[b])) mask |= 1ull << j, preds.push_back(ranked[j].second);
      }
      if (preds.empty()) return nullptr;
      auto it = models.find(mask);
      if (it == models.end()) it = models.emplace(mask, fit(ts, orig, c, preds, o.max_gap_ms)).first;
      return it->second.usable ? &it->second : nullptr;
    };
    for (const Gap& g : gaps)
      for (std::size_t k = g.a + 1; k < g.b; ++k) {
        double value = kNaN;
        if (const Model* m = o.method == ImputeMethod::correlated ? model_for(g.a, g.b, k) : nullptr)
          value = time_linear(ts, orig[c], g, k) + predict(*m, ts, orig, g.a, g.b, k);
        if (std::isnan(value) && o.method == ImputeMethod::correlated) value = time_linear(ts, orig[c], g, k);
        if (std::isnan(value)) value = fill_one(ts, orig[c], g, k, o.method, o.season_ms, near);
        cols[c][k] = value;
        if (filled) (*filled)[c][k] = 1;
        ++total;
      }
  }
  return total;
}

}  // namespace xinzhi::clean
