// Modbus TCP: the register map (types, scale, units, strict keys, overlapping addresses) and a
// real poll of `xinzhi modbus serve` whose readings must land scaled and in standard units.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>

#include "acquire/modbus/register_map.hpp"
#include "acquire/modbus/modbus_server.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "mqtt_test_support.hpp"
#include "store/warehouse.hpp"

using namespace xinzhi;
using namespace xinzhi::acquire;
using namespace xinzhi::testing;

namespace {

// Registers in several types and units; constant signals so the expected values are exact.
const char* const kMap = R"(name: press-1
unit_id: 1
seed: 7
poll_ms: 200
registers:
  - {machine: M01, sensor: temperature, address: 0, type: float32, unit: degF, signal: {base: 212}}
  - {machine: M01, sensor: pressure, address: 2, type: int16, scale: 0.1, unit: bar, signal: {base: 1.5}}
  - {machine: M02, sensor: temperature, address: 3, type: int16, scale: 0.1, signal: {base: -12.5}}
  - {machine: M02, sensor: power, address: 4, type: int32, scale: 0.001, unit: W, signal: {base: 75000}}
  - {machine: M02, sensor: speed, address: 6, type: uint16, unit: rpm, poll_ms: 100,
     signal: {base: 1500, amplitude: 100, period_s: 2}}
)";

RegisterMap parse(const std::string& text) { return parse_register_map(ConfigNode::load_string(text, "map.yaml")); }

}  // namespace

TEST(ModbusMap, TypesScaleAndUnitsRoundTrip) {
  const RegisterMap map = parse(kMap);
  ASSERT_EQ(map.registers.size(), 5u);
  EXPECT_EQ(map.holding_registers(), 7);
  EXPECT_EQ(map.registers[2].unit, "degC");  // the standard unit when none is given
  EXPECT_EQ(map.registers[4].poll_ms, 100);
  EXPECT_EQ(map.registers[0].poll_ms, 200);
  const double expected_store[] = {100.0, 150.0, -12.5, 75.0};
  for (std::size_t i = 0; i < 4; ++i) {
    const RegisterSpec& r = map.registers[i];
    std::uint16_t words[2] = {0, 0};
    for (bool big : {true, false}) {
      encode_register_value(r, r.signal.base, words, big);
      const double in_unit = decode_register_value(r, words, big);
      EXPECT_NEAR(in_unit, r.signal.base, 1e-9) << r.machine << "/" << r.sensor;
      EXPECT_NEAR(to_standard_unit(r.sensor, r.unit, in_unit), expected_store[i], 1e-9);
    }
  }
  std::uint16_t w[2];
  encode_register_value(map.registers[2], -12.5, w, true);
  EXPECT_EQ(w[0], static_cast<std::uint16_t>(-125));  // int16 two's complement on the wire
}

TEST(ModbusMap, OverlapUnknownKeyAndBadUnitNameThePlace) {
  const std::string overlap = "registers:\n"
                              "  - {machine: M01, sensor: temperature, address: 10, type: float32}\n"
                              "  - machine: M01\n"
                              "    sensor: pressure\n"
                              "    address: 11\n"
                              "    type: int16\n";
  try {
    parse(overlap);
    FAIL() << "overlap accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::input);
    EXPECT_NE(std::string(e.what()).find("map.yaml:5:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("registers[1].address"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("overlap registers 10..11 of registers[0]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse("registers:\n  - {machine: M, sensor: speed, address: 1, type: uint16, adress: 2}\n"), Error);
  try {
    parse("registers:\n  - {machine: M, sensor: pressure, address: 1, type: int16, unit: furlongs}\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("registers[0].unit"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse("registers:\n  - {machine: M, sensor: speed, address: 1, type: int64}\n"), Error);

  TempDir dir;
  write_text(dir / "bad.yaml", overlap);
  const auto r = run_xinzhi("modbus poll --map " + (dir / "bad.yaml") + " --port 1 --db " + (dir / "w.db"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad.yaml:5:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("registers[1].address"), std::string::npos) << r.output;
}

TEST(ModbusMap, SimulatedSignalIsDeterministic) {
  const RegisterMap a = parse(kMap);
  RegisterMap b = parse(kMap);
  for (double t : {0.0, 0.37, 5.0}) EXPECT_EQ(simulated_value(a, 4, t), simulated_value(b, 4, t));
  b.seed = 8;
  EXPECT_NE(simulated_value(a, 4, 0.37), simulated_value(b, 4, 0.37));  // the phase comes from the seed
  for (double t = 0; t < 4; t += 0.1) {
    EXPECT_GE(simulated_value(a, 4, t), 1400 - 1e-9);
    EXPECT_LE(simulated_value(a, 4, t), 1600 + 1e-9);
  }
}

TEST(ModbusPoll, ServedRegistersLandScaledInStandardUnits) {
  TempDir dir;
  write_text(dir / "map.yaml", kMap);
  const int port = free_loopback_port();
  Child server({XINZHI_BINARY, "modbus", "serve", "--map", dir / "map.yaml", "--port", std::to_string(port)},
               dir / "serve.log");
  ASSERT_TRUE(wait_for_port(port)) << read_text(dir / "serve.log");
  const std::string db = dir / "w.db";
  const auto r = run_xinzhi("modbus poll --map " + (dir / "map.yaml") + " --port " + std::to_string(port) +
                            " --db " + db + " --duration 1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("0 read errors"), std::string::npos) << r.output;
  EXPECT_EQ(server.kill_and_wait(SIGTERM), 0) << read_text(dir / "serve.log");

  store::Database d(db, store::Database::Mode::read_only);
  auto q = d.prepare("SELECT machine, sensor, count(*), min(value), max(value) FROM readings GROUP BY 1, 2 ORDER BY 1, 2");
  struct Expect {
    const char* machine;
    const char* sensor;
    double lo, hi;
  };
  // 212 degF -> 100 degC; 15 x 0.1 bar -> 150 kPa; -125 x 0.1 degC; 75,000,000 x 0.001 W -> 75 kW.
  const Expect expect[] = {{"M01", "pressure", 150, 150},
                           {"M01", "temperature", 100, 100},
                           {"M02", "power", 75, 75},
                           {"M02", "speed", 1400, 1600},
                           {"M02", "temperature", -12.5, -12.5}};
  for (const auto& e : expect) {
    ASSERT_TRUE(q.step()) << "no readings for " << e.machine << "/" << e.sensor;
    EXPECT_EQ(q.get_text(0), e.machine);
    EXPECT_EQ(q.get_text(1), e.sensor);
    EXPECT_GE(q.get_int(2), 1);
    if (e.lo == e.hi) {
      EXPECT_NEAR(q.get_double(3), e.lo, 1e-6) << e.machine << "/" << e.sensor;
      EXPECT_NEAR(q.get_double(4), e.hi, 1e-6) << e.machine << "/" << e.sensor;
    } else {  // the sine: inside its band, and moving
      EXPECT_GE(q.get_double(3), e.lo);
      EXPECT_LE(q.get_double(4), e.hi);
      if (q.get_int(2) > 1) {
        EXPECT_LT(q.get_double(3), q.get_double(4));
      }
    }
  }
  EXPECT_FALSE(q.step());
  EXPECT_EQ(store::query_int(d, "SELECT count(*) FROM sources WHERE kind = 'modbus'").value_or(0), 1);
}

TEST(ModbusPoll, KeepsRetryingWhileTheDeviceIsAway) {
  TempDir dir;
  write_text(dir / "map.yaml", kMap);
  const int port = free_loopback_port();
  const std::string db = dir / "w.db";
  // Nobody listens for the first part of the run; the server appears later and is polled.
  Child poll({XINZHI_BINARY, "modbus", "poll", "--map", dir / "map.yaml", "--port", std::to_string(port), "--db", db,
              "--duration", "30"},
             dir / "poll.log");
  // Start the server only once the poller has found nobody there (on a loaded machine the
  // poller may need more than a moment to get going).
  for (int i = 0; i < 200 && read_text(dir / "poll.log").find("cannot connect") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Child server({XINZHI_BINARY, "modbus", "serve", "--map", dir / "map.yaml", "--port", std::to_string(port)},
               dir / "serve.log");
  ASSERT_TRUE(wait_for_port(port));
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::int64_t n = 0;
  while (n < 5 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    try {
      store::Database d(db, store::Database::Mode::read_only);
      n = store::query_int(d, "SELECT count(*) FROM readings").value_or(0);
    } catch (const std::exception&) {
    }
  }
  EXPECT_GE(n, 5);
  EXPECT_EQ(poll.kill_and_wait(SIGTERM), 0) << read_text(dir / "poll.log");
  EXPECT_NE(read_text(dir / "poll.log").find("cannot connect"), std::string::npos);
}

// The twin behind the device: polled values are the simulated plant's true sensor values,
// sent in the register's unit (°F, bar, W) and stored back in standard units.
TEST(ModbusPoll, TwinServesItsMachinesTrueSignals) {
  TempDir dir;
  const auto sim = run_xinzhi("-q simulate --days 1 --machines 2 --seed 3 --out " + (dir / "plant"));
  ASSERT_EQ(sim.exit_code, 0) << sim.output;
  write_text(dir / "map.yaml", R"(name: twin-device
poll_ms: 100
registers:
  - {machine: M01, sensor: temperature, address: 0, type: float32, unit: degF}
  - {machine: M01, sensor: pressure, address: 2, type: int16, scale: 0.001, unit: bar}
  - {machine: M02, sensor: power, address: 3, type: int32, scale: 0.1, unit: W}
)");
  const int port = free_loopback_port();
  Child server({XINZHI_BINARY, "modbus", "serve", "--map", dir / "map.yaml", "--port", std::to_string(port), "--twin",
                dir / "plant", "--speedup", "3600"},
               dir / "serve.log");
  ASSERT_TRUE(wait_for_port(port)) << read_text(dir / "serve.log");
  const std::string db = dir / "w.db";
  const auto r = run_xinzhi("modbus poll --map " + (dir / "map.yaml") + " --port " + std::to_string(port) + " --db " +
                            db + " --duration 1.5");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(server.kill_and_wait(SIGTERM), 0) << read_text(dir / "serve.log");

  // Each polled value must be one of the truth's values for that machine and sensor, up to
  // the register's resolution.
  std::map<std::pair<std::string, std::string>, std::vector<double>> truth;
  {
    std::istringstream in(read_text(dir / "plant/truth/signals.csv"));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream ss(line);
      for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
      if (f.size() == 4) truth[{f[1], f[2]}].push_back(std::stod(f[3]));
    }
  }
  const std::map<std::string, double> resolution = {{"temperature", 1e-3}, {"pressure", 0.1 + 1e-9}, {"power", 1e-4 + 1e-9}};
  store::Database d(db, store::Database::Mode::read_only);
  auto q = d.prepare("SELECT machine, sensor, value FROM readings");
  int checked = 0;
  while (q.step()) {
    const auto& values = truth[{q.get_text(0), q.get_text(1)}];
    ASSERT_FALSE(values.empty()) << q.get_text(0) << "/" << q.get_text(1);
    double nearest = 1e300;
    for (double v : values) nearest = std::min(nearest, std::fabs(v - q.get_double(2)));
    EXPECT_LE(nearest, resolution.at(q.get_text(1))) << q.get_text(0) << "/" << q.get_text(1) << " " << q.get_double(2);
    ++checked;
  }
  EXPECT_GE(checked, 6);
  EXPECT_EQ(store::query_int(d, "SELECT count(DISTINCT sensor) FROM readings").value_or(0), 3);
}
