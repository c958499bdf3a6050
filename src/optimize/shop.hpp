// The shop model: jobs with ordered operations, each operation with one or more eligible
// machines (job shop / flexible job shop), release and due dates, weights, and machine
// calendars with unavailable windows that no operation may overlap. Times are integer units
// (minutes for warehouse orders; the benchmark files' own unit otherwise).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace xinzhi::optimize {

using Time = std::int64_t;
constexpr Time kForever = std::numeric_limits<Time>::max() / 4;

struct Option {
  int machine = 0;
  Time duration = 0;
};

struct Operation {
  std::vector<Option> options;  // eligible machines, each with its own duration
  std::string place;            // where it was read (file:line), for messages
};

struct Job {
  std::string name;
  std::vector<Operation> ops;
  Time release = 0;
  Time due = kForever;  // kForever = no due date
  double weight = 1;
};

// A time span [start, end) when a machine cannot work (planned maintenance, predicted failure).
struct Window {
  Time start = 0, end = 0;  // end == kForever: unavailable from start on
  std::string kind;         // maintenance, failure, ...
  std::string place;        // where it was read
};

struct Instance {
  std::string name;
  std::vector<std::string> machines;
  std::vector<Job> jobs;
  std::vector<std::vector<Window>> calendars;  // per machine, sorted by start, not overlapping
  std::int64_t origin_ms = 0;                  // wall-clock time of t = 0 (orders), 0 otherwise
  double minutes_per_unit = 1;                 // for MTBF/MTTR in hours

  int machine_count() const { return static_cast<int>(machines.size()); }
  int job_count() const { return static_cast<int>(jobs.size()); }
  int operation_count() const;
  bool flexible() const;       // some operation has more than one eligible machine
  bool has_calendars() const;  // some machine has an unavailable window
  int machine_index(const std::string& name) const;  // -1 when unknown
};

// Earliest start >= t of an operation of length d on a machine with these windows (sorted).
// Returns kForever when the windows leave no room.
Time earliest_fit(const std::vector<Window>& windows, Time t, Time d);

// Parsers. Errors are InputError with file:line. Durations must be positive; allow_zero
// accepts zero-length operations (the public instance orb07 has one), never negative ones.
Instance parse_jssp(const std::string& text, const std::string& file, bool allow_zero = false);
Instance parse_fjsp(const std::string& text, const std::string& file, bool allow_zero = false);
// format: "jssp", "fjsp" or "auto" (decided from the file's shape).
Instance load_instance(const std::string& path, const std::string& format = "auto", bool allow_zero = false);

// Adds machine calendars from a CSV (machine,start,end,kind) or YAML file (a list of maps
// with those keys, or a map machine -> list of windows). Times are numbers in the instance's
// units or ISO-8601 timestamps (converted with origin_ms, minutes). An empty end means the
// machine stays down. Rejects unknown machines, end <= start, and windows that leave some
// operation no machine it can run on.
void load_calendar(Instance& instance, const std::string& path);
// Sorts, merges and checks calendars; throws InputError naming the window that makes an
// operation impossible.
void finish_calendars(Instance& instance);

// A lower bound on the makespan: longest job (release + shortest durations), heaviest
// machine load of operations that can only go there, and total shortest work / machines.
Time lower_bound(const Instance& instance);

}  // namespace xinzhi::optimize
