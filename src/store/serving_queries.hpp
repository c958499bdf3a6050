// What the server (src/serve) reads from the warehouse: a series over a time range cut into
// buckets (min / avg / max / count, the downsampling a dashboard asks of its data source), the
// latest values of a machine, and the warehouse's lists (machines, sensors, quality, quarantine,
// predictions, alarms, runs) as JSON rows. One SeriesQueries per connection: its statements are
// prepared once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

// The index the range and latest queries need (machine, sensor, ts). Built once by the server,
// not by the schema: bulk ingest is faster without it, and only serving needs it.
void ensure_serving_indexes(Database& db);

struct ReadingBucket {
  TimestampMs ts = 0;  // the bucket's start
  double min = 0, avg = 0, max = 0;
  std::int64_t n = 0;  // readings with a value in it
};

struct LatestReading {
  std::string sensor;
  TimestampMs ts = 0;
  std::optional<double> value;
};

class SeriesQueries {
 public:
  explicit SeriesQueries(Database& db);
  // Each sensor's latest reading of the machine (by time); empty for an unknown machine.
  std::vector<LatestReading> latest(const std::string& machine);
  // The readings table only grows (rowids rise): its largest rowid says whether rows came.
  std::int64_t max_rowid();

 private:
  Statement sensors_, last_, max_rowid_;
};

// One series' readings with a value, in time order, up to a rowid (for a cache that then follows
// the rows added after it).
struct SeriesValues {
  std::vector<TimestampMs> ts;
  std::vector<double> value;
};
SeriesValues read_series_values(Database& db, const std::string& machine, const std::string& sensor,
                                std::int64_t up_to_rowid);
// The readings with a value whose rowid is in (after, up_to], in rowid order.
struct NewReading {
  std::int64_t rowid;
  TimestampMs ts;
  std::string machine, sensor;
  double value;
};
std::vector<NewReading> read_readings_between(Database& db, std::int64_t after, std::int64_t up_to);

// Rows as JSON objects, by column name (integers, reals, text, null).
nlohmann::json rows_json(Statement& q);

nlohmann::json machines_json(Database& db);
nlohmann::json sensors_json(Database& db, const std::string& machine);  // "" all
// The latest cleaning's quality per series (before and after), and the quarantine by reason and
// its latest rows.
nlohmann::json quality_json(Database& db, const std::string& machine);
nlohmann::json quarantine_json(Database& db, int limit, std::int64_t before_id);
nlohmann::json predictions_json(Database& db, const std::string& machine);
nlohmann::json alarms_json(Database& db, const std::string& state, const std::string& machine, int limit);
// Alarms with an id in (after, to], oldest first.
nlohmann::json alarms_between_json(Database& db, std::int64_t after, std::int64_t to);
// What the cleaning did to one series, for markers on its chart: the actions on raw rows (step,
// time, old and new value, dropped, reason) and the values it imputed; at most `limit` of each.
nlohmann::json cleaning_json(Database& db, const std::string& machine, const std::string& sensor, int limit);
// The maintenance log's breakdowns (fault record to the next repair), one machine or all.
nlohmann::json breakdowns_json(Database& db, const std::string& machine);
nlohmann::json runs_json(Database& db, int limit);
// The latest plan (or nullopt): its figures and operations, ordered by machine and start.
std::optional<nlohmann::json> latest_schedule_json(Database& db);
std::optional<nlohmann::json> run_json(Database& db, std::int64_t id);
nlohmann::json downtime_json(Database& db, TimestampMs from, TimestampMs to);

}  // namespace xinzhi::store
