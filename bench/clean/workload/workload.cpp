#include "workload.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <numeric>
#include <thread>

#include <fmt/format.h>

#include "columnar_readings.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/stopwatch.hpp"
#include "core/whole_file.hpp"
#include "number_format.hpp"

namespace xinzhi::bench {

bool workload_range(const std::string& sensor, double& lo, double& hi) {
  if (sensor == "temperature") lo = -40, hi = 200;
  else if (sensor == "humidity") lo = 0, hi = 100;
  else if (sensor == "pressure") lo = 50, hi = 200;
  else if (sensor == "speed") lo = 0, hi = 10000;
  else return false;
  return true;
}

namespace {

using Clock = std::chrono::steady_clock;

// Runs fn(worker) on `threads` workers (the calling thread is worker 0).
template <typename Fn>
void parallel(int threads, Fn&& fn) {
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  for (int w = 1; w < threads; ++w)
    pool.emplace_back([&, w] {
      try {
        fn(w);
      } catch (...) {
        errors[static_cast<std::size_t>(w)] = std::current_exception();
      }
    });
  try {
    fn(0);
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

struct SeriesStats {
  std::size_t begin = 0, end = 0;  // rows [begin, end) after dedup (the slot may be longer)
  double mean = std::numeric_limits<double>::quiet_NaN();
  double std = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t duplicates = 0, out_of_range = 0, missing_in = 0, interpolated = 0, left_missing = 0;
};

// One series, already sorted by ts: range check, interpolation, mean and std.
void clean_series(TimestampMs* ts, double* v, std::size_t n, bool has_range, double lo, double hi,
                  std::int64_t max_gap_ms, SeriesStats& st) {
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(v[i])) ++st.missing_in;
    else if (has_range && (v[i] < lo || v[i] > hi)) v[i] = std::numeric_limits<double>::quiet_NaN(), ++st.out_of_range;
  }
  // Time-weighted interpolation between the valid neighbours, as numpy.interp computes it on
  // the nanosecond index converted to double (which is what pandas' method="time" calls).
  std::size_t prev = n;  // last valid index
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(v[i])) continue;
    if (prev != n && i > prev + 1) {
      if (ts[i] - ts[prev] > max_gap_ms) {
        st.left_missing += i - prev - 1;
      } else {
        const double x0 = static_cast<double>(ts[prev] * 1000000), x1 = static_cast<double>(ts[i] * 1000000);
        const double y0 = v[prev], y1 = v[i];
        const double slope = (y1 - y0) / (x1 - x0);
        for (std::size_t j = prev + 1; j < i; ++j) {
          const double x = static_cast<double>(ts[j] * 1000000);
          double r = slope * (x - x0) + y0;
          if (std::isnan(r)) r = slope * (x - x1) + y1;
          v[j] = r;
        }
        st.interpolated += i - prev - 1;
      }
    } else if (prev == n) {
      st.left_missing += i;  // leading missing values stay missing
    }
    prev = i;
  }
  st.left_missing += prev == n ? n : n - prev - 1;
  // pandas' groupby mean (Kahan summation) and std (Welford, ddof = 1).
  double sum = 0, comp = 0, mean = 0, m2 = 0;
  std::uint64_t count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = v[i];
    if (std::isnan(x)) continue;
    ++count;
    const double y = x - comp;
    const double t = sum + y;
    comp = t - sum - y;
    sum = t;
    const double old = mean;
    mean += (x - old) / static_cast<double>(count);
    m2 += (x - mean) * (x - old);
  }
  if (count > 0) st.mean = sum / static_cast<double>(count);
  if (count > 1) st.std = std::sqrt(m2 / static_cast<double>(count - 1));
}

void write_all(int fd, const std::string& buf, const std::string& path) {
  std::size_t off = 0;
  while (off < buf.size()) {
    const ssize_t n = ::write(fd, buf.data() + off, buf.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw InputError(path, fmt::format("cannot write: {}", std::strerror(errno)));
    }
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

WorkloadStats run_workload(const WorkloadOptions& o) {
  WorkloadStats stats;
  const int threads = std::max(1, o.threads);
  const auto t_start = Clock::now();
  const WholeFile file(o.input);
  stats.bytes_in = file.size();
  ColumnarReadings parsed = parse_readings_columns(file.view(), o.input, threads);
  stats.rejected = parsed.rejected.size();
  if (!parsed.rejected.empty())
    stats.first_rejected = fmt::format("{}:{}: {}", o.input, parsed.rejected[0].line, parsed.rejected[0].reason);
  const std::size_t rows = parsed.rows();
  const std::size_t nseries = parsed.series_machine.size();
  stats.rows_in = rows + stats.rejected;
  stats.series = nseries;
  stats.parse_s = seconds_since(t_start);
  const auto t_clean = Clock::now();

  // Counting sort by series, stable: each worker owns one contiguous range of input rows, and a
  // series' rows from worker k land after those of workers < k, so file order is kept.
  std::vector<std::vector<std::size_t>> counts(static_cast<std::size_t>(threads), std::vector<std::size_t>(nseries, 0));
  auto range_of = [&](int w) {
    return std::pair<std::size_t, std::size_t>{rows * static_cast<std::size_t>(w) / static_cast<std::size_t>(threads),
                                               rows * static_cast<std::size_t>(w + 1) / static_cast<std::size_t>(threads)};
  };
  parallel(threads, [&](int w) {
    auto [b, e] = range_of(w);
    auto& c = counts[static_cast<std::size_t>(w)];
    for (std::size_t i = b; i < e; ++i) ++c[parsed.series[i]];
  });
  std::vector<SeriesStats> series(nseries);
  std::vector<std::vector<std::size_t>> cursor = counts;
  {
    std::size_t pos = 0;
    for (std::size_t s = 0; s < nseries; ++s) {
      series[s].begin = pos;
      for (int w = 0; w < threads; ++w) {
        cursor[static_cast<std::size_t>(w)][s] = pos;
        pos += counts[static_cast<std::size_t>(w)][s];
      }
      series[s].end = pos;
    }
  }
  BigVector<TimestampMs> ts(rows);
  BigVector<double> val(rows);
  parallel(threads, [&](int w) {
    auto [b, e] = range_of(w);
    auto& cur = cursor[static_cast<std::size_t>(w)];
    for (std::size_t i = b; i < e; ++i) {
      const std::size_t at = cur[parsed.series[i]]++;
      ts[at] = parsed.ts[i];
      val[at] = parsed.value[i];
    }
  });
  std::vector<std::string> machines = std::move(parsed.series_machine), sensors = std::move(parsed.series_sensor);
  parsed = ColumnarReadings{};  // free the file-order copy before cleaning

  // Each series alone: stable sort by ts (mostly sorted already), drop repeated ts keeping the
  // first in file order, then range, interpolation and moments.
  std::atomic<std::size_t> next{0};
  parallel(threads, [&](int) {
    std::vector<std::uint32_t> perm;
    std::vector<TimestampMs> tmp_ts;
    std::vector<double> tmp_v;
    for (std::size_t s; (s = next.fetch_add(1)) < nseries;) {
      SeriesStats& st = series[s];
      TimestampMs* t = ts.data() + st.begin;
      double* v = val.data() + st.begin;
      const std::size_t n = st.end - st.begin;
      if (!std::is_sorted(t, t + n)) {
        perm.resize(n);
        std::iota(perm.begin(), perm.end(), 0u);
        std::stable_sort(perm.begin(), perm.end(), [&](std::uint32_t a, std::uint32_t b) { return t[a] < t[b]; });
        tmp_ts.assign(t, t + n);
        tmp_v.assign(v, v + n);
        for (std::size_t i = 0; i < n; ++i) t[i] = tmp_ts[perm[i]], v[i] = tmp_v[perm[i]];
      }
      std::size_t k = 0;
      for (std::size_t i = 0; i < n; ++i) {
        if (k > 0 && t[i] == t[k - 1]) {
          ++st.duplicates;
          continue;
        }
        t[k] = t[i], v[k] = v[i], ++k;
      }
      st.end = st.begin + k;
      double lo = 0, hi = 0;
      const bool has_range = workload_range(sensors[s], lo, hi);
      clean_series(t, v, k, has_range, lo, hi, o.max_gap_ms, st);
    }
  });
  for (const auto& st : series) {
    stats.duplicates += st.duplicates;
    stats.out_of_range += st.out_of_range;
    stats.missing_in += st.missing_in;
    stats.interpolated += st.interpolated;
    stats.left_missing += st.left_missing;
    stats.rows_out += st.end - st.begin;
  }
  stats.clean_s = seconds_since(t_clean);
  const auto t_write = Clock::now();

  // Output in blocks: the workers format one batch of blocks in parallel, then the batch is
  // written in order. A temporary name and a rename keep a half-written file from appearing.
  struct Block {
    std::size_t series, begin, end;
  };
  std::vector<Block> blocks;
  constexpr std::size_t kBlockRows = 1 << 16;
  for (std::size_t s = 0; s < nseries; ++s)
    for (std::size_t b = series[s].begin; b < series[s].end; b += kBlockRows)
      blocks.push_back({s, b, std::min(series[s].end, b + kBlockRows)});
  const std::string tmp_path = o.output + ".tmp";
  const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw InputError(o.output, fmt::format("cannot create: {}", std::strerror(errno)));
  bool closed = false;
  std::thread writer;
  try {
    write_all(fd, "ts,machine,sensor,value,z\n", o.output);
    // Two sets of buffers: while the workers format one batch, a writer thread writes the
    // previous one, so the kernel's copy into the page cache overlaps the formatting.
    const std::size_t batch = static_cast<std::size_t>(threads) * 2;
    std::vector<std::string> bufs[2] = {std::vector<std::string>(batch), std::vector<std::string>(batch)};
    std::exception_ptr write_error;
    auto join_writer = [&] {
      if (writer.joinable()) writer.join();
      if (write_error) std::rethrow_exception(write_error);
    };
    int set = 0;
    Progress progress("clean: writing", stats.rows_out, "rows");
    std::uint64_t written = 0;
    for (std::size_t first = 0; first < blocks.size(); first += batch, set ^= 1) {
      const std::size_t count = std::min(batch, blocks.size() - first);
      auto& out = bufs[set];
      parallel(threads, [&](int w) {
        std::int64_t cache_day = std::numeric_limits<std::int64_t>::min();
        char cache_date[11];
        for (std::size_t j = static_cast<std::size_t>(w); j < count; j += static_cast<std::size_t>(threads)) {
          const Block& bl = blocks[first + j];
          const SeriesStats& st = series[bl.series];
          const std::string& m = machines[bl.series];
          const std::string& sn = sensors[bl.series];
          std::string& buf = out[j];
          const std::size_t per_row = 27 + m.size() + sn.size() + 2 * 26 + 5;
          buf.resize((bl.end - bl.begin) * per_row);
          char* p = buf.data();
          for (std::size_t i = bl.begin; i < bl.end; ++i) {
            p = format_ts_micros(ts[i], p, cache_day, cache_date);
            *p++ = ',';
            std::memcpy(p, m.data(), m.size());
            p += m.size();
            *p++ = ',';
            std::memcpy(p, sn.data(), sn.size());
            p += sn.size();
            *p++ = ',';
            p = format_double_repr(val[i], p);
            *p++ = ',';
            p = format_double_repr((val[i] - st.mean) / st.std, p);
            *p++ = '\n';
          }
          buf.resize(static_cast<std::size_t>(p - buf.data()));
        }
      });
      join_writer();
      for (std::size_t j = 0; j < count; ++j) written += blocks[first + j].end - blocks[first + j].begin;
      progress.set(written);
      writer = std::thread([&, count, set] {
        try {
          for (std::size_t j = 0; j < count; ++j) write_all(fd, bufs[set][j], o.output);
        } catch (...) {
          write_error = std::current_exception();
        }
      });
    }
    join_writer();
    progress.finish();
    closed = true;
    if (::close(fd) != 0) throw InputError(o.output, fmt::format("cannot write: {}", std::strerror(errno)));
  } catch (...) {
    if (writer.joinable()) writer.join();
    if (!closed) ::close(fd);
    ::unlink(tmp_path.c_str());
    throw;
  }
  std::filesystem::rename(tmp_path, o.output);
  stats.write_s = seconds_since(t_write);
  stats.total_s = seconds_since(t_start);
  return stats;
}

}  // namespace xinzhi::bench
