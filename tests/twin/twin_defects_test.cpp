// Every defect the gateways inject shows in the landing files exactly as truth/defects.csv
// says, and everything else in the landing files is the true signal.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "twin/twin_layout.hpp"
#include "twin/twin_support.hpp"

namespace fs = std::filesystem;
using namespace xinzhi;
using namespace xinzhi::testing;
using namespace xinzhi::testing::plants;
namespace layout = xinzhi::twin::layout;

namespace {

using Key = std::tuple<TimestampMs, std::string, std::string>;  // true ts, machine, sensor

struct Fixture {
  TempDir tmp;
  fs::path run;
  nlohmann::json plant;
  std::vector<std::map<std::string, std::string>> defects;
  std::map<Key, double> truth;
  std::map<std::string, std::vector<Row>> landing;  // by gateway
  std::map<std::string, TimestampMs> skew;          // by gateway
  std::map<std::string, bool> fahrenheit;

  Fixture() {
    run = tmp.path() / "run";
    twin::PlantConfig p = twin::parse_plant_config(small_plant_yaml(), "test.yaml");
    twin::simulate_plant(p, run.string(), false);
    plant = nlohmann::json::parse(read_text((run / layout::kPlantJson).string()));
    defects = read_csv_maps((run / layout::kTruthDefects).string());
    for (const Row& r : read_rows((run / layout::kTruthSignals).string())) truth[{r.ts, r.machine, r.sensor}] = *r.value;
    for (const auto& g : plant["gateways"]) {
      const std::string id = g["id"];
      landing[id] = read_rows((run / g["file"].get<std::string>()).string());
      skew[id] = g["clock_skew_ms"].get<TimestampMs>();
      fahrenheit[id] = g["temperature_unit"] == "degF";
    }
  }
  std::size_t count(const std::string& kind, const std::string& gateway) const {
    std::size_t n = 0;
    for (const auto& d : defects) n += d.at("kind") == kind && d.at("gateway") == gateway;
    return n;
  }
};

const Fixture& fixture() {
  static Fixture f;
  return f;
}

}  // namespace

TEST(TwinDefects, EveryKindIsInjected) {
  const auto& f = fixture();
  std::map<std::string, int> kinds;
  for (const auto& d : f.defects) ++kinds[d.at("kind")];
  for (auto kind : layout::kDefectKinds) EXPECT_GT(kinds[std::string(kind)], 0) << kind;
  EXPECT_EQ(kinds.size(), layout::kDefectKinds.size());
  // plant.json counts agree with truth/defects.csv.
  for (auto kind : layout::kDefectKinds)
    EXPECT_EQ(f.plant["counts"]["defects"][std::string(kind)].get<int>(), kinds[std::string(kind)]) << kind;
}

TEST(TwinDefects, DuplicatesMissingAndOutOfOrderMatchTruth) {
  const auto& f = fixture();
  for (const auto& [gw, rows] : f.landing) {
    std::set<Key> seen;
    std::size_t duplicates = 0, missing = 0, late = 0;
    TimestampMs max_ts = INT64_MIN;
    for (const Row& r : rows) {
      if (!seen.insert({r.ts, r.machine, r.sensor}).second) {
        ++duplicates;
        continue;
      }
      if (!r.value) ++missing;
      if (r.ts < max_ts) ++late;
      max_ts = std::max(max_ts, r.ts);
    }
    EXPECT_EQ(duplicates, f.count("duplicate", gw)) << gw;
    EXPECT_EQ(missing, f.count("missing", gw)) << gw;
    EXPECT_EQ(late, f.count("out_of_order", gw)) << gw;
    EXPECT_GT(duplicates, 0u);
    EXPECT_GT(late, 0u);
  }
}

TEST(TwinDefects, SkewFahrenheitSpikesAndCleanRowsMatchTruth) {
  const auto& f = fixture();
  std::set<Key> spiked, stuck_rows;
  for (const auto& d : f.defects)
    if (d.at("kind") == "spike") spiked.insert({*parse_iso8601(d.at("ts")), d.at("machine"), d.at("sensor")});
  std::size_t checked = 0, fahrenheit_checked = 0;
  for (const auto& [gw, rows] : f.landing) {
    for (const Row& r : rows) {
      const Key key{r.ts - f.skew.at(gw), r.machine, r.sensor};
      auto it = f.truth.find(key);
      ASSERT_NE(it, f.truth.end()) << gw << ": landing row with no true sample (skew not constant?): " << r.line;
      if (!r.value || spiked.count(key)) continue;
      double expect = it->second;
      if (f.fahrenheit.at(gw) && r.sensor == "temperature") {
        expect = expect * 1.8 + 32;
        ++fahrenheit_checked;
      }
      // Stuck sensors repeat an older value; they are checked separately.
      if (std::abs(*r.value - expect) > 0.011) {
        stuck_rows.insert(key);
        continue;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 100000u);
  EXPECT_GT(fahrenheit_checked, 1000u);
  // Every row that differs from the truth lies in a recorded stuck run, or in a run too short to
  // be recorded (fewer than 7 readings: at most 5 repeats after the first frozen reading; rows
  // of one series more than 10 minutes apart belong to different runs).
  std::map<std::pair<std::string, std::string>, std::vector<TimestampMs>> unrecorded;
  for (const Key& k : stuck_rows) {
    bool inside = false;
    for (const auto& d : f.defects) {
      if (d.at("kind") != "stuck" || d.at("machine") != std::get<1>(k) || d.at("sensor") != std::get<2>(k)) continue;
      const auto detail = parse_detail(d.at("detail"));
      inside |= std::get<0>(k) >= *parse_iso8601(d.at("ts")) && std::get<0>(k) <= *parse_iso8601(detail.at("end"));
    }
    if (!inside) unrecorded[{std::get<1>(k), std::get<2>(k)}].push_back(std::get<0>(k));
  }
  for (auto& [series, ts] : unrecorded) {
    std::sort(ts.begin(), ts.end());
    std::size_t run = 1;
    for (std::size_t i = 1; i <= ts.size(); ++i) {
      if (i < ts.size() && ts[i] - ts[i - 1] <= 600'000) {
        ++run;
        continue;
      }
      EXPECT_LE(run, 5u) << series.first << " " << series.second << " " << format_iso8601(ts[i - 1])
                         << ": a run this long must be recorded";
      run = 1;
    }
  }
  // Spikes: the landing value is the reported one, far from the truth.
  for (const auto& d : f.defects) {
    if (d.at("kind") != "spike") continue;
    const auto detail = parse_detail(d.at("detail"));
    const std::string gw = d.at("gateway");
    const TimestampMs ts = *parse_iso8601(d.at("ts")) + f.skew.at(gw);
    bool found = false;
    for (const Row& r : f.landing.at(gw))
      if (r.ts == ts && r.machine == d.at("machine") && r.sensor == d.at("sensor")) {
        found = true;
        ASSERT_TRUE(r.value.has_value());
        EXPECT_NEAR(*r.value, std::stod(detail.at("reported")), 1e-6);
      }
    EXPECT_TRUE(found) << "spike not in landing at " << d.at("ts");
    EXPECT_NEAR(f.truth.at({*parse_iso8601(d.at("ts")), d.at("machine"), d.at("sensor")}), std::stod(detail.at("true")), 1e-6);
  }
  // Clock skew and unit rows describe the gateway settings.
  for (const auto& d : f.defects) {
    if (d.at("kind") == "clock_skew") {
      EXPECT_EQ(std::stoll(parse_detail(d.at("detail")).at("offset_ms")), f.skew.at(d.at("gateway")));
    }
    if (d.at("kind") == "unit_fahrenheit") {
      EXPECT_TRUE(f.fahrenheit.at(d.at("gateway")));
    }
  }
}

TEST(TwinDefects, GapsAndStuckRunsMatchTruth) {
  const auto& f = fixture();
  std::size_t gaps = 0, stucks = 0;
  for (const auto& d : f.defects) {
    const std::string kind = d.at("kind");
    if (kind != "gap" && kind != "stuck") continue;
    const std::string gw = d.at("gateway"), machine = d.at("machine");
    const auto detail = parse_detail(d.at("detail"));
    const TimestampMs a = *parse_iso8601(d.at("ts")), b = *parse_iso8601(detail.at("end"));
    ASSERT_LE(a, b);
    if (kind == "gap") {
      ++gaps;
      // No landing rows of the machine inside the outage; the truth has exactly `rows` samples.
      for (const Row& r : f.landing.at(gw)) {
        const TimestampMs t = r.ts - f.skew.at(gw);
        if (r.machine == machine) {
          EXPECT_FALSE(t >= a && t <= b) << "row inside a gap: " << r.line;
        }
      }
      std::size_t n = 0;
      for (auto it = f.truth.lower_bound({a, "", ""}); it != f.truth.end() && std::get<0>(it->first) <= b; ++it)
        n += std::get<1>(it->first) == machine;
      EXPECT_EQ(n, std::stoul(detail.at("rows")));
    } else {
      ++stucks;
      const double value = std::stod(detail.at("value"));
      std::set<TimestampMs> frozen;  // duplicates of a frozen row count once
      for (const Row& r : f.landing.at(gw)) {
        const TimestampMs t = r.ts - f.skew.at(gw);
        if (r.machine != machine || r.sensor != d.at("sensor") || t < a || t > b) continue;
        ASSERT_TRUE(r.value.has_value());
        EXPECT_NEAR(*r.value, value, 1e-9) << r.line;
        frozen.insert(t);
      }
      EXPECT_EQ(frozen.size(), std::stoul(detail.at("samples")));
    }
  }
  EXPECT_GT(gaps, 0u);
  EXPECT_GT(stucks, 0u);
}

TEST(TwinDefects, TruncatedLastLine) {
  const auto& f = fixture();
  for (const auto& g : f.plant["gateways"]) {
    const std::string text = read_text((f.run / g["file"].get<std::string>()).string());
    ASSERT_FALSE(text.empty());
    const bool cut = g["truncate_last_line"].get<bool>();
    EXPECT_EQ(text.back() != '\n', cut) << g["id"];
    EXPECT_EQ(f.count("truncated_line", g["id"]), cut ? 1u : 0u);
    if (cut) {
      const std::string last = text.substr(text.rfind('\n') + 1);
      for (const auto& d : f.defects)
        if (d.at("kind") == "truncated_line" && d.at("gateway") == g["id"]) {
          EXPECT_EQ(std::to_string(last.size()), parse_detail(d.at("detail")).at("kept_bytes"));
        }
      EXPECT_FALSE(nlohmann::json::accept(last)) << "the cut line should not parse: " << last;
    }
  }
}
