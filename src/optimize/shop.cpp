// Shop model: parsers for the job-shop and flexible job-shop text formats, machine calendars
// and the lower bound.
#include "optimize/shop.hpp"

#include <algorithm>
#include <cmath>
#include <charconv>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/config.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"
#include "core/time.hpp"

namespace xinzhi::optimize {

int Instance::operation_count() const {
  int n = 0;
  for (const auto& j : jobs) n += static_cast<int>(j.ops.size());
  return n;
}
bool Instance::flexible() const {
  for (const auto& j : jobs)
    for (const auto& o : j.ops)
      if (o.options.size() > 1) return true;
  return false;
}
bool Instance::has_calendars() const {
  for (const auto& c : calendars)
    if (!c.empty()) return true;
  return false;
}
int Instance::machine_index(const std::string& name) const {
  for (int i = 0; i < machine_count(); ++i)
    if (machines[i] == name) return i;
  return -1;
}

Time earliest_fit(const std::vector<Window>& windows, Time t, Time d) {
  // Windows are sorted and disjoint, so their ends are sorted too.
  auto it = std::upper_bound(windows.begin(), windows.end(), t,
                             [](Time v, const Window& w) { return v < w.end; });
  for (; it != windows.end(); ++it) {
    if (it->start >= t + d) return t;
    if (it->end >= kForever) return kForever;
    t = std::max(t, it->end);
  }
  return t;
}

namespace {

// A line of whitespace-separated numbers with the column of each.
struct NumberLine {
  long line = 0;
  std::vector<double> values;
  std::vector<long> columns;
};

std::vector<NumberLine> number_lines(const std::string& text, const std::string& file) {
  std::vector<NumberLine> out;
  long line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    std::string_view line(text.data() + pos, end - pos);
    NumberLine nl;
    nl.line = line_no;
    std::size_t i = 0;
    bool comment = false;
    while (i < line.size()) {
      if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
        ++i;
        continue;
      }
      if (line[i] == '#') {
        comment = true;
        break;
      }
      std::size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
      std::string token(line.substr(i, j - i));
      double v = 0;
      auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
      if (ec != std::errc() || p != token.data() + token.size())
        throw InputError(place(file, line_no, static_cast<long>(i + 1)),
                         fmt::format("expected a number, got '{}'", token));
      nl.values.push_back(v);
      nl.columns.push_back(static_cast<long>(i + 1));
      i = j;
    }
    (void)comment;
    if (!nl.values.empty()) out.push_back(std::move(nl));
    if (end == text.size()) break;
    pos = end + 1;
  }
  return out;
}

long as_count(const NumberLine& l, std::size_t k, const std::string& file, const std::string& what) {
  const double v = l.values[k];
  if (v != std::floor(v) || v < 1 || v > 1e7)
    throw InputError(place(file, l.line, l.columns[k]),
                     fmt::format("{} must be a positive whole number, got {}", what, v));
  return static_cast<long>(v);
}

Time as_duration(const NumberLine& l, std::size_t k, const std::string& file, int job, int op, bool allow_zero) {
  const double v = l.values[k];
  if (v != std::floor(v) || v < 0 || (v == 0 && !allow_zero))
    throw InputError(place(file, l.line, l.columns[k]),
                     fmt::format("operation {} of job {} has duration {}: durations must be positive whole numbers{}",
                                 op + 1, job + 1, v,
                                 v == 0 ? " (--allow-zero-durations accepts zero-length operations)" : ""));
  return static_cast<Time>(v);
}

void check_job_lines(const std::vector<NumberLine>& lines, long jobs, const std::string& file) {
  const long found = static_cast<long>(lines.size()) - 1;
  if (found < jobs) {
    const long last = lines.empty() ? 1 : lines.back().line;
    throw InputError(place(file, last + (lines.empty() ? 0 : 1)),
                     fmt::format("the header announces {} jobs but the file ends after {} (truncated file?)", jobs, found));
  }
  if (found > jobs)
    throw InputError(place(file, lines[jobs + 1].line),
                     fmt::format("the header announces {} jobs but there are more job lines", jobs));
}

// The instance named after the file, with the header's machines (M0, M1, ...), once the header's
// job and machine counts (its first two numbers) are whole and positive and one line per job follows.
Instance start_instance(const std::vector<NumberLine>& lines, const std::string& file, long& jobs, long& machines) {
  jobs = as_count(lines[0], 0, file, "the number of jobs");
  machines = as_count(lines[0], 1, file, "the number of machines");
  check_job_lines(lines, jobs, file);
  Instance inst;
  inst.name = std::filesystem::path(file).stem().string();
  for (long m = 0; m < machines; ++m) inst.machines.push_back(fmt::format("M{}", m));
  inst.calendars.assign(machines, {});
  inst.jobs.reserve(jobs);
  return inst;
}

}  // namespace

Instance parse_jssp(const std::string& text, const std::string& file, bool allow_zero) {
  auto lines = number_lines(text, file);
  if (lines.empty()) throw InputError(place(file, 1), "empty file: expected a header line 'jobs machines'");
  const auto& h = lines[0];
  if (h.values.size() != 2)
    throw InputError(place(file, h.line), fmt::format("job-shop header must be 'jobs machines', found {} numbers", h.values.size()));
  long n = 0, m = 0;
  Instance inst = start_instance(lines, file, n, m);
  for (long j = 0; j < n; ++j) {
    const auto& l = lines[j + 1];
    if (l.values.size() != static_cast<std::size_t>(2 * m))
      throw InputError(place(file, l.line),
                       fmt::format("job {} has {} numbers, expected {} ({} machine/duration pairs, one per machine)",
                                   j + 1, l.values.size(), 2 * m, m));
    Job job;
    job.name = fmt::format("J{}", j);
    std::vector<bool> seen(m, false);
    for (long k = 0; k < m; ++k) {
      const double mv = l.values[2 * k];
      if (mv != std::floor(mv) || mv < 0 || mv >= m)
        throw InputError(place(file, l.line, l.columns[2 * k]),
                         fmt::format("operation {} of job {}: machine index {} is out of range 0..{}", k + 1, j + 1, mv, m - 1));
      Operation op;
      op.options.push_back({static_cast<int>(mv), as_duration(l, 2 * k + 1, file, static_cast<int>(j), static_cast<int>(k), allow_zero)});
      op.place = place(file, l.line, l.columns[2 * k]);
      job.ops.push_back(std::move(op));
    }
    inst.jobs.push_back(std::move(job));
  }
  return inst;
}

Instance parse_fjsp(const std::string& text, const std::string& file, bool allow_zero) {
  auto lines = number_lines(text, file);
  if (lines.empty()) throw InputError(place(file, 1), "empty file: expected a header line 'jobs machines [average]'");
  const auto& h = lines[0];
  if (h.values.size() < 2 || h.values.size() > 3)
    throw InputError(place(file, h.line),
                     fmt::format("flexible job-shop header must be 'jobs machines [average]', found {} numbers", h.values.size()));
  long n = 0, m = 0;
  Instance inst = start_instance(lines, file, n, m);
  for (long j = 0; j < n; ++j) {
    const auto& l = lines[j + 1];
    std::size_t k = 0;
    auto need = [&](const char* what) {
      if (k >= l.values.size())
        throw InputError(place(file, l.line),
                         fmt::format("job {}: the line ends where {} was expected (wrong operation or machine count?)", j + 1, what));
    };
    need("the number of operations");
    const long ops = as_count(l, k++, file, fmt::format("job {}'s number of operations", j + 1));
    Job job;
    job.name = fmt::format("J{}", j);
    for (long o = 0; o < ops; ++o) {
      need("an operation's number of machines");
      const double kv = l.values[k];
      if (kv != std::floor(kv) || kv < 0 || kv > m)
        throw InputError(place(file, l.line, l.columns[k]),
                         fmt::format("operation {} of job {}: number of eligible machines {} is not in 1..{}", o + 1, j + 1, kv, m));
      if (kv == 0)
        throw InputError(place(file, l.line, l.columns[k]),
                         fmt::format("operation {} of job {} has no eligible machine", o + 1, j + 1));
      Operation op;
      op.place = place(file, l.line, l.columns[k]);
      ++k;
      for (long a = 0; a < static_cast<long>(kv); ++a) {
        need("a machine number");
        const double mv = l.values[k];
        if (mv != std::floor(mv) || mv < 1 || mv > m)
          throw InputError(place(file, l.line, l.columns[k]),
                           fmt::format("operation {} of job {}: machine {} is out of range 1..{}", o + 1, j + 1, mv, m));
        ++k;
        need("a duration");
        const Time d = as_duration(l, k++, file, static_cast<int>(j), static_cast<int>(o), allow_zero);
        for (const auto& existing : op.options)
          if (existing.machine == static_cast<int>(mv) - 1)
            throw InputError(place(file, l.line, l.columns[k - 2]),
                             fmt::format("operation {} of job {} lists machine {} twice", o + 1, j + 1, mv));
        op.options.push_back({static_cast<int>(mv) - 1, d});
      }
      job.ops.push_back(std::move(op));
    }
    if (k != l.values.size())
      throw InputError(place(file, l.line, l.columns[k]),
                       fmt::format("job {}: {} numbers left over after its {} operations (wrong operation or machine count?)",
                                   j + 1, l.values.size() - k, ops));
    inst.jobs.push_back(std::move(job));
  }
  return inst;
}

Instance load_instance(const std::string& path, const std::string& format, bool allow_zero) {
  const std::string text = read_file(path);
  std::string fmt_name = format;
  if (fmt_name == "auto") {
    const std::string ext = std::filesystem::path(path).extension().string();
    if (ext == ".fjs" || ext == ".fjsp") fmt_name = "fjsp";
    else {
      // Job-shop headers have two numbers and job lines 2*machines numbers; Brandimarte
      // headers usually have a third number (average alternatives).
      auto lines = number_lines(text, path);
      fmt_name = "jssp";
      if (!lines.empty() && lines[0].values.size() == 3) fmt_name = "fjsp";
      else if (lines.size() > 1 && lines[0].values.size() == 2) {
        // Job-shop lines are machine/duration pairs: an odd count means the flexible format.
        for (std::size_t k = 1; k < lines.size(); ++k)
          if (lines[k].values.size() % 2 == 1) fmt_name = "fjsp";
      }
    }
  }
  if (fmt_name == "jssp") return parse_jssp(text, path, allow_zero);
  if (fmt_name == "fjsp") return parse_fjsp(text, path, allow_zero);
  throw UsageError(fmt::format("unknown instance format '{}' (jssp, fjsp or auto)", format));
}

namespace {

// A calendar time: a number in instance units, or an ISO-8601 timestamp.
Time parse_calendar_time(const Instance& inst, const std::string& text, bool is_end, const std::string& where) {
  const std::string s(trim(text));
  if (s.empty()) {
    if (is_end) return kForever;
    throw InputError(where, "window start is empty");
  }
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && p == s.data() + s.size()) {
    if (!std::isfinite(v)) throw InputError(where, fmt::format("time '{}' is not finite", s));
    return static_cast<Time>(is_end ? std::ceil(v) : std::floor(v));
  }
  auto ms = parse_iso8601(s);
  if (!ms) throw InputError(where, fmt::format("time '{}' is neither a number nor an ISO-8601 timestamp", s));
  const double units = static_cast<double>(*ms - inst.origin_ms) / 60000.0 / inst.minutes_per_unit;
  return static_cast<Time>(is_end ? std::ceil(units) : std::floor(units));
}

void add_window(Instance& inst, const std::string& machine, const std::string& start, const std::string& end,
                const std::string& kind, const std::string& where) {
  const int m = inst.machine_index(machine);
  if (m < 0) {
    std::string known;
    for (std::size_t i = 0; i < inst.machines.size() && i < 8; ++i) known += (i ? ", " : "") + inst.machines[i];
    throw InputError(where, fmt::format("unknown machine '{}' (machines: {}{})", machine, known,
                                        inst.machines.size() > 8 ? ", ..." : ""));
  }
  Window w;
  w.start = parse_calendar_time(inst, start, false, where);
  w.end = parse_calendar_time(inst, end, true, where);
  w.kind = kind.empty() ? "unavailable" : kind;
  w.place = where;
  if (w.end <= w.start) throw InputError(where, fmt::format("window end {} is not after its start {}", end, start));
  inst.calendars[m].push_back(w);
}

}  // namespace

void load_calendar(Instance& inst, const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".yaml" || ext == ".yml") {
    ConfigNode root = ConfigNode::load_file(path);
    auto read_one = [&](const ConfigNode& w, const std::string& machine) {
      const std::string m = machine.empty() ? w.require<std::string>("machine") : machine;
      add_window(inst, m, w.require<std::string>("start"), w.get<std::string>("end", ""),
                 w.get<std::string>("kind", ""), w.place() + ": " + w.key_path());
      w.finish();
    };
    if (root.is_sequence()) {
      for (const auto& w : root.elements()) read_one(w, "");
    } else if (root.is_map()) {
      for (const auto& m : root.keys())
        for (const auto& w : root.sequence(m)) read_one(w, m);
    } else if (!root.is_null()) {
      root.fail("a calendar is a list of windows {machine, start, end, kind} or a map machine -> windows");
    }
  } else {
    const std::string text = read_file(path);
    std::vector<std::string> cells;
    for_each_line(text, [&](long line_no, std::string_view line) {
      if (line.empty() || line[0] == '#') return;
      const std::string where = place(path, line_no);
      if (!split_csv(line, cells)) throw InputError(where, "unbalanced quote");
      if (line_no == 1 && cells[0] == "machine") return;  // header
      if (cells.size() < 2 || cells.size() > 4)
        throw InputError(where, fmt::format("expected 'machine,start,end,kind', found {} fields", cells.size()));
      cells.resize(4);
      add_window(inst, cells[0], cells[1], cells[2], cells[3], where);
    });
  }
  finish_calendars(inst);
}

void finish_calendars(Instance& inst) {
  inst.calendars.resize(inst.machines.size());
  for (auto& cal : inst.calendars) {
    std::sort(cal.begin(), cal.end(), [](const Window& a, const Window& b) { return a.start < b.start; });
    std::vector<Window> merged;
    for (const auto& w : cal) {
      if (!merged.empty() && w.start <= merged.back().end) {
        if (w.end > merged.back().end) {
          merged.back().end = w.end;
          merged.back().place = w.place;
        }
        continue;
      }
      merged.push_back(w);
    }
    cal = std::move(merged);
  }
  for (const auto& job : inst.jobs)
    for (std::size_t o = 0; o < job.ops.size(); ++o) {
      const auto& op = job.ops[o];
      bool fits = false;
      for (const auto& opt : op.options)
        if (earliest_fit(inst.calendars[opt.machine], job.release, opt.duration) < kForever) fits = true;
      if (fits) continue;
      // Name the window that closes the last gap on the first eligible machine.
      const auto& cal = inst.calendars[op.options.front().machine];
      const std::string where = cal.empty() ? op.place : cal.back().place;
      throw InputError(where, fmt::format("this calendar leaves operation {} of job {} (duration {}) no time on any "
                                          "eligible machine: the machine is down from {} on",
                                          o + 1, job.name, op.options.front().duration, cal.back().start));
    }
  // A machine down for good must still hold the work only it can do before it goes down.
  std::vector<Time> fixed_load(inst.machines.size(), 0);
  for (const auto& job : inst.jobs)
    for (const auto& op : job.ops)
      if (op.options.size() == 1) fixed_load[op.options[0].machine] += op.options[0].duration;
  for (std::size_t m = 0; m < inst.calendars.size(); ++m) {
    const auto& cal = inst.calendars[m];
    if (cal.empty() || cal.back().end < kForever) continue;
    Time free = cal.back().start;
    for (std::size_t k = 0; k + 1 < cal.size(); ++k) free -= cal[k].end - cal[k].start;
    if (fixed_load[m] > free)
      throw InputError(cal.back().place,
                       fmt::format("{} is down for good from {} but the operations only it can run need {} time units "
                                   "and it has {} before then",
                                   inst.machines[m], cal.back().start, fixed_load[m], free));
  }
}

Time lower_bound(const Instance& inst) {
  Time lb = 0;
  std::vector<Time> fixed_load(inst.machines.size(), 0);
  long double total_min = 0;
  for (const auto& job : inst.jobs) {
    Time len = job.release;
    for (const auto& op : job.ops) {
      Time dmin = kForever;
      for (const auto& o : op.options) dmin = std::min(dmin, o.duration);
      len += dmin;
      total_min += dmin;
      if (op.options.size() == 1) fixed_load[op.options[0].machine] += op.options[0].duration;
    }
    lb = std::max(lb, len);
  }
  for (Time l : fixed_load) lb = std::max(lb, l);
  if (!inst.machines.empty())
    lb = std::max(lb, static_cast<Time>(std::ceil(total_min / inst.machines.size() - 1e-9)));
  return lb;
}

}  // namespace xinzhi::optimize
