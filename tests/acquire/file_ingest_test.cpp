// File ingest against a real SQLite warehouse: good rows stored, bad rows quarantined with
// file:line, re-runs add nothing, and a SIGKILLed ingest resumes to exactly the same rows.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "acquire/file_ingest.hpp"
#include "core/time.hpp"
#include "store/warehouse.hpp"
#include "support/test_support.hpp"

using namespace xinzhi;
using xinzhi::testing::run_xinzhi;
using xinzhi::testing::TempDir;
using xinzhi::testing::write_text;

namespace {

std::int64_t count(store::Warehouse& wh, const std::string& sql) { return store::query_int(wh.db(), sql).value_or(-1); }

// Every reading in insertion order as one string, to compare two warehouses exactly.
std::string dump(const std::string& db) {
  store::Warehouse wh(db, false);
  store::Statement q = wh.db().prepare("SELECT ts, machine, sensor, quote(value) FROM readings ORDER BY rowid");
  std::string out;
  while (q.step()) out += fmt::format("{},{},{},{}\n", q.get_int(0), q.get_text(1), q.get_text(2), q.get_text(3));
  return out;
}

void write_readings_csv(const std::string& path, int rows) {
  std::ofstream out(path);
  out << "ts,machine,sensor,value\n";
  const TimestampMs t0 = *parse_iso8601("2026-01-01T00:00:00Z");
  for (int i = 0; i < rows; ++i)
    out << format_iso8601(t0 + i * 1000LL) << ",M" << (i % 7) << ",temperature," << (i % 97) * 0.5 << "\n";
}

}  // namespace

TEST(FileIngest, StoresRowsAndQuarantinesBadOnesWithPlace) {
  TempDir dir;
  write_text(dir / "gw1.csv",
             "ts,machine,sensor,value\n"
             "2026-01-01T00:00:00.000Z,M1,temperature,21.5\n"
             "2026-01-01T00:00:01.000Z,M1,temperature\n"                // ragged
             "2026-13-01T00:00:02.000Z,M1,temperature,22\n"             // bad timestamp
             "2026-01-01T00:00:03.000Z,M1,temperature,\n"               // missing value: stored as NULL
             "2026-01-01T00:00:04.000Z,M1,temp\xff" "rature,22\n"       // not UTF-8
             "2026-01-01T00:00:05.000Z,M1,temperature,abc\n"            // bad value
             "2026-01-01T00:00:06.000Z,M1,temperature,nan\n"            // not finite
             "2026-01-01T00:00:07.000Z,M1,temperature,23");             // truncated last line
  write_text(dir / "gw2.jsonl",
             "{\"ts\":\"2026-01-01T00:00:00Z\",\"machine\":\"M2\",\"sensor\":\"power\",\"value\":3.5}\n"
             "{\"ts\":\"2026-01-01T00:00:01Z\",\"machine\":\"M2\",\"sensor\":\"power\",\"value\":null}\n"
             "{\"ts\":\"2026-01-01T00:00:02Z\",\"machine\":\"M2\",\"sensor\":\"power\",\"value\":\n"
             "[1,2]\n");
  store::Warehouse wh(dir / "w.db");
  const auto r = acquire::ingest_readings(wh, dir.path().string());
  EXPECT_EQ(r.rows, 4);          // 2 CSV (one NULL) + 2 JSON (one NULL)
  EXPECT_EQ(r.quarantined, 8);   // 6 CSV + 2 JSON
  EXPECT_EQ(count(wh, "SELECT count(*) FROM readings WHERE value IS NULL"), 2);
  EXPECT_EQ(count(wh, "SELECT count(*) FROM quarantine"), 8);
  auto reason_at = [&](const std::string& place) {
    store::Statement q = wh.db().prepare("SELECT reason FROM quarantine WHERE place = ?");
    q.bind(1, place);
    return q.step() ? q.get_text(0) : std::string("<none>");
  };
  const std::string gw1 = dir / "gw1.csv", gw2 = dir / "gw2.jsonl";
  EXPECT_EQ(reason_at(gw1 + ":3"), "ragged row: 3 fields, expected 4");
  EXPECT_EQ(reason_at(gw1 + ":4"), "bad timestamp '2026-13-01T00:00:02.000Z'");
  EXPECT_EQ(reason_at(gw1 + ":6"), "invalid UTF-8 at byte 33");
  EXPECT_EQ(reason_at(gw1 + ":7"), "value 'abc' is not a number");
  EXPECT_EQ(reason_at(gw1 + ":8"), "value 'nan' is not finite (NaN or infinity)");
  EXPECT_EQ(reason_at(gw1 + ":9"), "truncated last line (no newline at end of file)");
  EXPECT_EQ(reason_at(gw2 + ":3").rfind("malformed JSON: ", 0), 0u) << reason_at(gw2 + ":3");
  EXPECT_EQ(reason_at(gw2 + ":4"), "expected a JSON object");
  // Lines in = readings + quarantined (+ the header): nothing lost silently.
  EXPECT_EQ(count(wh, "SELECT sum(rows + quarantined) FROM sources"), 12);
}

TEST(FileIngest, SecondRunAddsNothingAndAppendedLinesAreRead) {
  TempDir dir;
  write_readings_csv(dir / "a.csv", 1000);
  store::Warehouse wh(dir / "w.db");
  EXPECT_EQ(acquire::ingest_readings(wh, dir / "a.csv").rows, 1000);
  const auto again = acquire::ingest_readings(wh, dir / "a.csv");
  EXPECT_EQ(again.rows, 0);
  ASSERT_EQ(again.files.size(), 1u);
  EXPECT_TRUE(again.files[0].skipped);
  {
    std::ofstream out(dir / "a.csv", std::ios::app);
    out << "2026-02-01T00:00:00.000Z,M9,power,1.25\n";
  }
  EXPECT_EQ(acquire::ingest_readings(wh, dir / "a.csv").rows, 1);
  EXPECT_EQ(wh.reading_count(), 1001);
}

TEST(FileIngest, ShrunkFileIsRefusedNotReread) {
  TempDir dir;
  write_readings_csv(dir / "a.csv", 100);
  store::Warehouse wh(dir / "w.db");
  acquire::ingest_readings(wh, dir / "a.csv");
  write_readings_csv(dir / "a.csv", 10);
  const auto r = acquire::ingest_readings(wh, dir / "a.csv");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("shrank"), std::string::npos);
  EXPECT_EQ(wh.reading_count(), 100);
}

TEST(FileIngestCli, BadInputGivesPlaceAndExitCode2) {
  TempDir dir;
  write_text(dir / "ragged.csv", "ts,machine,sensor,value\n2026-01-01T00:00:00Z,M1,temperature,1\n2026-01-01T00:00:01Z,M1\n");
  auto r = run_xinzhi("ingest " + (dir / "ragged.csv") + " --db " + (dir / "w.db"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("ragged.csv:3: ragged row: 2 fields, expected 4"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 line(s) quarantined"), std::string::npos) << r.output;
  r = run_xinzhi("ingest " + (dir / "ragged.csv") + " --db " + (dir / "w.db") + " --allow-quarantine");
  EXPECT_EQ(r.exit_code, 0) << r.output;  // nothing new: exit 0

  write_text(dir / "empty.csv", "");
  r = run_xinzhi("ingest " + (dir / "empty.csv") + " --db " + (dir / "w2.db"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("empty.csv:1: empty file"), std::string::npos) << r.output;

  write_text(dir / "nohdr.csv", "2026-01-01T00:00:00Z,M1,temperature,1\n");
  r = run_xinzhi("ingest " + (dir / "nohdr.csv") + " --db " + (dir / "w3.db"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("nohdr.csv:1: the header line lacks column(s) ts, machine, sensor, value"), std::string::npos)
      << r.output;

  r = run_xinzhi("ingest " + (dir / "absent") + " --db " + (dir / "w4.db"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("absent: no such file or folder"), std::string::npos) << r.output;
}

TEST(FileIngestCli, SigkillAndRestartEndsWithExactlyTheRowsOfAnUninterruptedRun) {
  TempDir dir;
  write_readings_csv(dir / "big.csv", 300'000);
  const std::string args = " --chunk-rows 3000 -q --allow-quarantine";
  auto ref = run_xinzhi("ingest " + (dir / "big.csv") + " --db " + (dir / "ref.db") + args);
  ASSERT_EQ(ref.exit_code, 0) << ref.output;

  int kills = 0;
  for (int delay_ms : {60, 120, 200}) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::execl(XINZHI_BINARY, XINZHI_BINARY, "-q", "ingest", (dir / "big.csv").c_str(), "--db", (dir / "k.db").c_str(),
              "--chunk-rows", "3000", "--allow-quarantine", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    if (::kill(pid, SIGKILL) == 0) ++kills;
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (delay_ms == 60) {
      // The first kill lands mid-run: the warehouse holds a committed prefix, not everything.
      std::error_code ec;
      if (std::filesystem::exists(dir / "k.db", ec)) {
        store::Warehouse partial(dir / "k.db", false);
        EXPECT_LT(partial.reading_count(), 300'000);
      }
    }
  }
  EXPECT_GT(kills, 0);
  auto resumed = run_xinzhi("ingest " + (dir / "big.csv") + " --db " + (dir / "k.db") + args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  const std::string a = dump(dir / "ref.db"), b = dump(dir / "k.db");
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 300'000);
  EXPECT_TRUE(a == b) << "the resumed warehouse differs from the uninterrupted one";
}
