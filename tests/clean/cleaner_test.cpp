// The cleaning stage end to end on a warehouse: lineage, nothing lost, metrics and the CLI.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <map>

#include <nlohmann/json.hpp>

#include "clean/cleaner.hpp"
#include "clean/rules.hpp"
#include "clean/warehouse_input.hpp"
#include "store/sources_table.hpp"
#include "core/config.hpp"
#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using namespace xinzhi::clean;

namespace {

// Two machines x (temperature, humidity, power) every 10 s for an hour, with defects: duplicates,
// rows out of order, missing values, absent rows, an out-of-range value, a spike, °F rows and a
// machine whose clock is 3 s ahead.
Table dirty_readings(std::mt19937& rng) {
  Table t;
  Column& ts = t.add_column("ts", ColumnType::timestamp);
  Column& m = t.add_column("machine", ColumnType::string);
  Column& s = t.add_column("sensor", ColumnType::string);
  Column& v = t.add_column("value", ColumnType::float64);
  std::normal_distribution<double> noise(0, 0.05);
  const TimestampMs t0 = *parse_iso8601("2026-03-01T08:00:00Z");
  auto add = [&](TimestampMs at, const std::string& machine, const std::string& sensor, double value) {
    ts.push_int(at), m.push_string(machine), s.push_string(sensor);
    if (std::isnan(value)) v.push_null();
    else v.push_double(value);
  };
  for (const std::string machine : {"M1", "M2", "M3", "M4"}) {
    const TimestampMs skew = machine == "M2" ? 3000 : 0;
    for (int i = 0; i < 360; ++i) {
      const TimestampMs at = t0 + i * 10000 + skew;
      const double load = std::sin(i / 20.0);
      double temp = 60 + 5 * load + noise(rng);
      double hum = 40 + noise(rng);
      double power = 200 + 50 * load + noise(rng);
      if (machine == "M1" && i == 100) temp = 999;                    // out of range
      if (machine == "M1" && i == 150) temp = 75;                     // spike
      if (machine == "M1" && (i == 200 || i == 201)) temp = temp * 1.8 + 32;  // °F
      if (machine == "M3" && i % 50 == 7) hum = std::nan("");         // missing value
      if (machine == "M3" && i >= 300 && i < 303) continue;           // absent rows
      if (machine == "M4" && i == 30) {                               // out of order: after i = 31
        continue;
      }
      add(at, machine, "temperature", temp);
      add(at, machine, "humidity", hum);
      add(at, machine, "power", power);
      if (machine == "M4" && i == 31) add(t0 + 30 * 10000, machine, "temperature", 60 + 5 * std::sin(30 / 20.0));
      if (i % 97 == 3) add(at, machine, "power", power);  // retransmitted duplicate
    }
  }
  return t;
}

Rules test_rules() {
  return parse_rules(ConfigNode::load_string(
      "defaults:\n  interval: 10s\n  impute: correlated\n  max_gap: 5m\n"
      "sensors:\n  temperature:\n    unit: C\n    range: [-40, 200]\n  humidity:\n    range: [0, 100]\n"
      "align:\n  grid: 1m\n  agg: mean\n",
      "rules.yaml"));
}

std::int64_t q(store::Warehouse& wh, const std::string& sql) { return store::query_int(wh.db(), sql).value_or(-1); }

}  // namespace

TEST(Cleaner, LineageAndNothingLost) {
  xinzhi::testing::TempDir dir;
  store::Warehouse wh(dir / "w.db");
  std::mt19937 rng(5);
  wh.append_readings(dirty_readings(rng));
  const CleaningReport rep = run_cleaning(wh, test_rules());
  const std::int64_t raw = q(wh, "SELECT count(*) FROM readings");
  EXPECT_EQ(rep.rows_in, raw);
  // Every raw row is either behind exactly one clean row or recorded as dropped, not both.
  EXPECT_EQ(q(wh, "SELECT count(*) FROM clean_readings WHERE raw_rowid IS NOT NULL") +
                q(wh, "SELECT count(*) FROM clean_actions WHERE dropped = 1"),
            raw);
  EXPECT_EQ(q(wh, "SELECT count(*) FROM readings r WHERE NOT EXISTS (SELECT 1 FROM clean_readings c WHERE "
                  "c.raw_rowid = r.rowid) AND NOT EXISTS (SELECT 1 FROM clean_actions a WHERE a.raw_rowid = r.rowid "
                  "AND a.dropped = 1)"),
            0);
  EXPECT_EQ(q(wh, "SELECT count(*) FROM (SELECT raw_rowid FROM clean_readings WHERE raw_rowid IS NOT NULL "
                  "GROUP BY raw_rowid HAVING count(*) > 1)"),
            0);
  EXPECT_EQ(q(wh, "SELECT count(*) FROM clean_actions WHERE dropped = 1 AND reason = ''"), 0);
  // Rows without a raw row were inserted for absent readings and say how they were filled.
  EXPECT_EQ(q(wh, "SELECT count(*) FROM clean_readings WHERE raw_rowid IS NULL"), rep.rows_inserted);
  // 3 absent readings x 3 sensors of M3, and M4's humidity and power at i = 30 (only its
  // temperature arrived, late).
  EXPECT_EQ(rep.rows_inserted, 11);
  EXPECT_EQ(q(wh, "SELECT count(*) FROM clean_readings WHERE raw_rowid IS NULL AND origin = 'imputed' AND "
                  "method LIKE '%imputed:correlated%'"),
            11);
  EXPECT_EQ(q(wh, "SELECT count(*) FROM clean_readings WHERE value IS NULL"), rep.values_missing);
  EXPECT_EQ(rep.values_missing, 0);

  // The defects were found.
  std::map<std::string, std::int64_t> dups, skew, units, range, spikes, late;
  for (const auto& s : rep.series) {
    dups[s.machine] += s.defects.duplicates;
    skew[s.machine] += s.defects.clock_skew;
    units[s.machine] += s.defects.unit_errors;
    range[s.machine] += s.defects.out_of_range;
    spikes[s.machine] += s.defects.spikes;
    late[s.machine] += s.defects.out_of_order;
  }
  EXPECT_EQ(dups["M1"], 4);  // i = 3, 100, 197, 294
  EXPECT_EQ(skew["M2"], 3);  // all three sensors of M2
  EXPECT_EQ(skew["M1"] + skew["M3"] + skew["M4"], 0);
  EXPECT_EQ(units["M1"], 2);
  EXPECT_EQ(range["M1"], 1);
  EXPECT_GE(spikes["M1"], 1);
  EXPECT_EQ(late["M4"], 1);
  // The skewed machine lands on the grid of the others.
  EXPECT_EQ(q(wh, "SELECT count(*) FROM clean_readings WHERE machine = 'M2' AND ts % 10000 != 0"), 0);
  // °F rows converted with a record of the old value.
  EXPECT_EQ(q(wh, "SELECT count(*) FROM clean_actions WHERE step = 'unit' AND old_value > 130"), 2);
  // Imputed value of the spike is near the signal, and its lineage points to the raw row.
  EXPECT_EQ(q(wh, "SELECT count(*) FROM clean_readings c JOIN readings r ON r.rowid = c.raw_rowid "
                  "WHERE c.machine = 'M1' AND c.sensor = 'temperature' AND r.value = 75 AND c.origin = 'imputed' "
                  "AND abs(c.value - 60 - 5 * 0.9975) < 1.5"),
            1);
  // Metrics before and after, and the aligned grid.
  EXPECT_GT(q(wh, "SELECT count(*) FROM clean_metrics WHERE phase = 'before' AND window_start IS NOT NULL"), 0);
  EXPECT_EQ(q(wh, "SELECT count(*) FROM clean_aligned"), rep.aligned_rows);
  EXPECT_EQ(rep.aligned_rows, 4 * 3 * 60);
  const Table wide = read_aligned_wide(wh);
  EXPECT_EQ(wide.row_count(), 4u * 60u);
  EXPECT_EQ(wide.column_count(), 2u + 3u);
  for (const auto& s : rep.series) {
    if (!s.before.computed) continue;
    EXPECT_GE(s.after.completeness, s.before.completeness - 1e-12) << s.machine << "/" << s.sensor;
  }
  // Cleaning again replaces the previous output.
  run_cleaning(wh, test_rules());
  EXPECT_EQ(q(wh, "SELECT count(*) FROM clean_readings"), rep.rows_clean);
}

// Scoring prepares once and finishes a copy per imputation method: each must equal a whole
// cleaning with that method (nothing before imputation may depend on the method).
TEST(Cleaner, PreparedOnceFinishedPerMethodEqualsWholeCleaning) {
  xinzhi::testing::TempDir dir;
  store::Warehouse wh(dir / "w.db");
  std::mt19937 rng(11);
  wh.append_readings(dirty_readings(rng));
  const std::vector<Series> raw = to_series(store::read_raw_series(wh.db()));
  const SourceRuns sources = store::read_source_runs(wh.db());
  const PreparedClean prepared = prepare_cleaning(raw, test_rules(), sources);
  for (ImputeMethod m : {ImputeMethod::previous, ImputeMethod::linear, ImputeMethod::seasonal, ImputeMethod::correlated}) {
    Rules r = test_rules();
    r.defaults.impute = m;
    for (auto& [name, rule] : r.sensors) rule.impute = m;
    const CleanResult whole = clean_series_set(raw, r, sources);
    const CleanResult finished = finish_cleaning(prepared, r);
    ASSERT_EQ(whole.series.size(), finished.series.size());
    std::size_t imputed = 0;
    for (std::size_t k = 0; k < whole.series.size(); ++k) {
      const Series &a = whole.series[k], &b = finished.series[k];
      ASSERT_EQ(a.ts, b.ts) << to_string(m);
      ASSERT_EQ(a.flags, b.flags) << to_string(m);
      for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_TRUE(a.value[i] == b.value[i] || (std::isnan(a.value[i]) && std::isnan(b.value[i]))) << to_string(m);
        imputed += (a.flags[i] & kImputed) != 0;
      }
    }
    EXPECT_GT(imputed, 0u) << to_string(m);
    EXPECT_EQ(whole.actions.size(), finished.actions.size());
    EXPECT_EQ(whole.aligned.size(), finished.aligned.size());
  }
}

TEST(Cleaner, ReportJsonAndHtml) {
  std::vector<Series> raw(1);
  raw[0].machine = "M1", raw[0].sensor = "t";
  for (int i = 0; i < 50; ++i) raw[0].push(i * 10000, i == 20 ? std::nan("") : i, i + 1);
  const CleanResult res = clean_series_set(raw, test_rules());
  const auto j = res.report.to_json();
  EXPECT_EQ(j["rows_in"], 50);
  EXPECT_EQ(j["values_imputed"], 1);
  EXPECT_EQ(j["series"][0]["defects"]["missing_values"], 1);
  EXPECT_LT(j["series"][0]["before"]["completeness"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["series"][0]["after"]["completeness"].get<double>(), 1.0);
  ASSERT_EQ(res.series[0].size(), 50u);
  EXPECT_DOUBLE_EQ(res.series[0].value[20], 20);
  const std::string html = res.report.html_fragment();
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Data quality"), std::string::npos);
}

TEST(Cleaner, CommandWritesReportAndWideTable) {
  xinzhi::testing::TempDir dir;
  {
    store::Warehouse wh(dir / "w.db");
    std::mt19937 rng(9);
    wh.append_readings(dirty_readings(rng));
  }
  const auto r = xinzhi::testing::run_xinzhi("--quiet clean --db " + dir / "w.db" + " --rules " +
                                             xinzhi::testing::source_dir() + "/examples/smart-factory/clean.yaml --out " +
                                             dir / "metrics.json --html " + dir / "dq.html --wide " + dir / "wide.csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("clean rows"), std::string::npos);
  const auto j = nlohmann::json::parse(xinzhi::testing::read_text(dir / "metrics.json"));
  EXPECT_EQ(j["series"].size(), 12u);
  EXPECT_GT(j["steps"]["dedup"].get<int>(), 0);
  const std::string wide = xinzhi::testing::read_text(dir / "wide.csv");
  EXPECT_EQ(wide.substr(0, wide.find('\n')), "ts,machine,humidity,power,temperature");
  EXPECT_NE(xinzhi::testing::read_text(dir / "dq.html").find("<svg"), std::string::npos);
}

// The real twin (2 days, 4 machines), ingested and cleaned with the example rules, scored
// against its truth/ folder.
TEST(Cleaner, EmptyWarehouseAndSingleRowSeries) {
  xinzhi::testing::TempDir dir;
  store::Warehouse wh(dir / "w.db");
  CleaningReport rep = run_cleaning(wh, test_rules());
  EXPECT_EQ(rep.rows_in, 0);
  EXPECT_TRUE(rep.series.empty());
  Table t;
  t.add_column("ts", ColumnType::timestamp).push_int(1000);
  t.add_column("machine", ColumnType::string).push_string("M1");
  t.add_column("sensor", ColumnType::string).push_string("x");
  t.add_column("value", ColumnType::float64).push_null();
  wh.append_readings(t);
  rep = run_cleaning(wh, test_rules());
  EXPECT_EQ(rep.rows_in, 1);
  EXPECT_EQ(rep.rows_clean, 1);
  EXPECT_EQ(rep.values_missing, 1);
  EXPECT_FALSE(rep.series[0].before.computed);
  EXPECT_EQ(q(wh, "SELECT count(*) FROM clean_readings WHERE origin = 'missing' AND method LIKE '%arrived_missing%'"), 1);
}
