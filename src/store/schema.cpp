#include "store/schema.hpp"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

namespace {

// Each entry migrates version i to i+1. Never edit a shipped entry: append a new one.
const std::vector<std::string>& migrations() {
  static const std::vector<std::string> kMigrations = {
      // 0 -> 1: the first warehouse.
      R"SQL(
      -- Raw sensor readings as they arrived (before cleaning). ts: UTC milliseconds.
      -- The columns match the landing CSV (ts,machine,sensor,value) so that files import 1:1.
      CREATE TABLE readings (
        ts      INTEGER NOT NULL,
        machine TEXT NOT NULL,
        sensor  TEXT NOT NULL,
        value   REAL
      );
      -- Which rows each ingest commit added: lineage from a reading (by rowid) back to its file.
      CREATE TABLE ingest_chunks (
        id         INTEGER PRIMARY KEY,
        source_id  INTEGER NOT NULL REFERENCES sources(id),
        first_line INTEGER NOT NULL,
        last_line  INTEGER NOT NULL,
        first_rowid INTEGER,
        last_rowid  INTEGER,
        rows       INTEGER NOT NULL
      );
      -- Every input source (a file, a topic, a Modbus device) and how far it has been read.
      CREATE TABLE sources (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL,            -- file, mqtt, modbus
        name        TEXT NOT NULL UNIQUE,     -- path or URL/topic
        size        INTEGER,                  -- file size when last read
        offset      INTEGER NOT NULL DEFAULT 0,  -- bytes committed so far
        line        INTEGER NOT NULL DEFAULT 0,  -- lines committed so far
        rows        INTEGER NOT NULL DEFAULT 0,
        quarantined INTEGER NOT NULL DEFAULT 0,
        updated_ms  INTEGER
      );
      -- Input that could not be used, with where it came from and why. Nothing is dropped silently.
      CREATE TABLE quarantine (
        id         INTEGER PRIMARY KEY,
        source     TEXT NOT NULL,
        place      TEXT NOT NULL,             -- file:line, topic/offset, register
        raw        TEXT NOT NULL,
        reason     TEXT NOT NULL,
        stage      TEXT NOT NULL,             -- ingest, mqtt, clean, ...
        created_ms INTEGER NOT NULL
      );
      -- Maintenance and inspection text with its labels and entity spans (JSON [[start,end,type],...],
      -- character offsets into text).
      CREATE TABLE text_records (
        id        INTEGER PRIMARY KEY,
        record_id TEXT NOT NULL UNIQUE,
        ts        INTEGER,
        machine   TEXT,
        lang      TEXT NOT NULL,
        split     TEXT NOT NULL,
        text      TEXT NOT NULL,
        label     TEXT,
        value     REAL,
        entities  TEXT NOT NULL DEFAULT '[]'
      );
      -- Production orders and their routings (one row per operation; eligible machines as JSON
      -- [{"machine":"M01","minutes":12.5},...] so that flexible routings fit).
      CREATE TABLE production_orders (
        order_id   TEXT PRIMARY KEY,
        product    TEXT NOT NULL,
        quantity   INTEGER NOT NULL,
        release_ms INTEGER NOT NULL,
        due_ms     INTEGER NOT NULL,
        weight     REAL NOT NULL DEFAULT 1
      );
      CREATE TABLE order_operations (
        order_id  TEXT NOT NULL REFERENCES production_orders(order_id),
        seq       INTEGER NOT NULL,
        eligible  TEXT NOT NULL,
        PRIMARY KEY (order_id, seq)
      );
      -- Pipeline runs.
      CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        folder      TEXT NOT NULL,
        started_ms  INTEGER NOT NULL,
        finished_ms INTEGER,
        status      TEXT NOT NULL,
        metrics     TEXT
      );
      )SQL",
      // 1 -> 2: the cleaning stage's output (written by `xinzhi clean`, replaced on each run).
      R"SQL(
      -- Clean readings with lineage: raw_rowid is the readings rowid the value came from (NULL for
      -- a row inserted for an absent reading); origin says what happened to it: raw (as it was),
      -- repaired (timestamp or unit corrected), imputed, or missing (still no value, see reason).
      CREATE TABLE clean_readings (
        id        INTEGER PRIMARY KEY,
        ts        INTEGER NOT NULL,
        machine   TEXT NOT NULL,
        sensor    TEXT NOT NULL,
        value     REAL,
        value_std REAL,                     -- standardised value (z-score, min-max or robust)
        raw_rowid INTEGER,
        origin    TEXT NOT NULL,            -- raw, repaired, imputed, missing
        method    TEXT NOT NULL DEFAULT ''  -- e.g. "snapped;unit" or "imputed:correlated"
      );
      CREATE INDEX clean_readings_series ON clean_readings(machine, sensor, ts);
      CREATE INDEX clean_readings_raw ON clean_readings(raw_rowid);
      -- Every change the cleaning made to a raw row, with its reason. dropped = 1: the raw row has
      -- no clean value (a duplicate, a timestamp collision); nothing is dropped without a row here.
      CREATE TABLE clean_actions (
        id        INTEGER PRIMARY KEY,
        step      TEXT NOT NULL,            -- reorder, dedup, clock_skew, timestamp, unit, range, stuck, spike, rate
        machine   TEXT NOT NULL,
        sensor    TEXT NOT NULL,
        raw_rowid INTEGER,
        ts        INTEGER,
        old_value REAL,
        new_value REAL,
        dropped   INTEGER NOT NULL DEFAULT 0,
        reason    TEXT NOT NULL
      );
      CREATE INDEX clean_actions_raw ON clean_actions(raw_rowid);
      -- Quality metrics (Apache IoTDB's definitions) per series and window, before and after cleaning.
      -- window_start = window_end = NULL: the whole series.
      CREATE TABLE clean_metrics (
        machine      TEXT NOT NULL,
        sensor       TEXT NOT NULL,
        phase        TEXT NOT NULL,         -- before, after
        window_start INTEGER,
        window_end   INTEGER,
        points       INTEGER NOT NULL,
        completeness REAL,
        consistency  REAL,
        timeliness   REAL,
        validity     REAL
      );
      -- All sensors of a machine on one time grid (long form of the wide table): value is the
      -- aggregate (mean, min, max or last) of the n clean values in [ts, ts + grid).
      CREATE TABLE clean_aligned (
        machine TEXT NOT NULL,
        ts      INTEGER NOT NULL,
        sensor  TEXT NOT NULL,
        value   REAL,
        n       INTEGER NOT NULL,
        PRIMARY KEY (machine, ts, sensor)
      );
      )SQL",
      // 2 -> 3: MQTT messages already committed. QoS 1 redelivers a message whose PUBACK was lost
      // (ingester killed after its commit, broker restarted), so the ingester records each message
      // id in the same transaction as its readings and skips ids it has seen.
      R"SQL(
      CREATE TABLE mqtt_seen (
        msg_id      TEXT PRIMARY KEY,          -- the publisher's id (e.g. gateway/seq) or a content hash
        topic       TEXT NOT NULL,
        received_ms INTEGER NOT NULL
      ) WITHOUT ROWID;
      )SQL",
      // 3 -> 4: when the plant's collector received each reading (UTC ms, its own synchronised
      // clock; NULL where the source has no such stamp). ts is the device's clock: the two together
      // show a device clock that is off (clock skew), which the values alone cannot.
      R"SQL(
      ALTER TABLE readings ADD COLUMN received INTEGER;
      )SQL",
      // 4 -> 5: what the warehouse knows of the plant besides its readings, so that every stage
      // finds it here rather than in a source's files: the machines and sensors (from an asset
      // register and from the readings), and the times machines are known to be unavailable.
      R"SQL(
      -- Machines: from an asset register (type, gateway) and from the readings (time range).
      CREATE TABLE machines (
        machine  TEXT PRIMARY KEY,
        type     TEXT,
        gateway  TEXT,
        first_ts INTEGER,                   -- first and last reading
        last_ts  INTEGER
      );
      -- Sensors: unit and nominal sample interval from an asset register, else the interval the
      -- timestamps show (interval_source says which); readings counted as they arrive.
      CREATE TABLE sensors (
        machine         TEXT NOT NULL,
        sensor          TEXT NOT NULL,
        unit            TEXT,
        interval_ms     INTEGER,
        interval_source TEXT,               -- register, readings
        readings        INTEGER NOT NULL DEFAULT 0,
        first_ts        INTEGER,
        last_ts         INTEGER,
        PRIMARY KEY (machine, sensor)
      );
      -- Times a machine is unavailable, which schedules plan around: planned maintenance from the
      -- plant's calendar, downtime the models predict. source: the file or model it came from.
      CREATE TABLE downtime_windows (
        id       INTEGER PRIMARY KEY,
        machine  TEXT NOT NULL,
        start_ms INTEGER NOT NULL,
        end_ms   INTEGER,                   -- NULL: down until further notice
        kind     TEXT NOT NULL,             -- planned (a calendar's), predicted (a model's), ...
        source   TEXT NOT NULL,
        detail   TEXT NOT NULL DEFAULT '',
        UNIQUE (machine, start_ms, kind, source)
      );
      -- The readings of existing warehouses, counted once.
      INSERT INTO sensors(machine, sensor, readings, first_ts, last_ts)
        SELECT machine, sensor, count(*), min(ts), max(ts) FROM readings GROUP BY machine, sensor;
      INSERT INTO machines(machine, first_ts, last_ts)
        SELECT machine, min(ts), max(ts) FROM readings GROUP BY machine;
      )SQL",
      // 6: what a record reports (a fault, a repair, maintenance, an inspection), which makes the
      // records a maintenance log; the sensor models' predictions and the detectors' alarms.
      R"SQL(
      ALTER TABLE text_records ADD COLUMN kind TEXT NOT NULL DEFAULT '';
      CREATE INDEX text_records_kind ON text_records(kind, machine, ts);
      -- One row per prediction: the model that made it (its folder) and the data range that
      -- model was trained on, for whom (machine), when (ts: the time the features were taken),
      -- what (target) and for how far ahead (horizon_ms).
      CREATE TABLE predictions (
        id           INTEGER PRIMARY KEY,
        model        TEXT NOT NULL,
        trained_from INTEGER NOT NULL,
        trained_to   INTEGER NOT NULL,
        machine      TEXT NOT NULL,
        ts           INTEGER NOT NULL,
        target       TEXT NOT NULL,           -- failure_within (probability), time_to_failure (hours), ...
        value        REAL NOT NULL,
        horizon_ms   INTEGER NOT NULL,
        UNIQUE (model, machine, ts, target)
      );
      -- Alarms of the anomaly detectors: a series' (or, with sensor '', a machine's) score over
      -- the rule's threshold. state: open, acknowledged, cleared.
      CREATE TABLE alarms (
        id       INTEGER PRIMARY KEY,
        machine  TEXT NOT NULL,
        sensor   TEXT NOT NULL DEFAULT '',
        ts       INTEGER NOT NULL,
        score    REAL NOT NULL,
        rule     TEXT NOT NULL,
        state    TEXT NOT NULL DEFAULT 'open',
        UNIQUE (machine, sensor, ts, rule)
      );
      )SQL",
      // 7: serving (src/serve): API tokens stored as salted hashes, the audit trail of every write
      // and every refused request, the idempotency keys of HTTP ingest, and who changed an
      // alarm's state when.
      R"SQL(
      -- API tokens: the secret is shown once; only its salted hash is kept. prefix: the token's
      -- public part, which finds the row without scanning (the secret is compared in constant time).
      CREATE TABLE api_tokens (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE,
        role       TEXT NOT NULL,             -- viewer, operator, admin
        prefix     TEXT NOT NULL UNIQUE,
        salt       BLOB NOT NULL,
        hash       BLOB NOT NULL,
        created_ms INTEGER NOT NULL,
        revoked_ms INTEGER,                   -- NULL: valid
        last_used_ms INTEGER
      );
      -- Every write and every refused request: who (the token's name, '' when none or unknown),
      -- what (method, path), the answer (status) and why.
      CREATE TABLE audit (
        id      INTEGER PRIMARY KEY,
        ts      INTEGER NOT NULL,
        token   TEXT NOT NULL,
        role    TEXT NOT NULL,
        method  TEXT NOT NULL,
        path    TEXT NOT NULL,
        status  INTEGER NOT NULL,
        detail  TEXT NOT NULL DEFAULT '',
        remote  TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX audit_ts ON audit(ts);
      -- HTTP writes already committed, by their Idempotency-Key (per token): a retried request
      -- gets the first answer again and writes nothing twice.
      CREATE TABLE http_requests (
        token      TEXT NOT NULL,
        key        TEXT NOT NULL,
        status     INTEGER NOT NULL,
        response   TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        PRIMARY KEY (token, key)
      );
      ALTER TABLE alarms ADD COLUMN changed_ms INTEGER;
      ALTER TABLE alarms ADD COLUMN changed_by TEXT;
      )SQL",
      // 8: plans in the warehouse, so that the server (and any tool) can show the Gantt of the
      // latest one without the run folder that made it.
      R"SQL(
      CREATE TABLE schedules (
        id          INTEGER PRIMARY KEY,
        created_ms  INTEGER NOT NULL,
        origin_ms   INTEGER NOT NULL,        -- wall-clock time of the plan's t = 0
        objective   TEXT NOT NULL,
        makespan_ms INTEGER NOT NULL,
        weighted_tardiness REAL NOT NULL,    -- minutes x weight
        fifo_makespan_ms INTEGER,
        fifo_weighted_tardiness REAL
      );
      -- Each planned operation: the order, its step, the machine, when, and the order's due time.
      CREATE TABLE schedule_ops (
        schedule_id INTEGER NOT NULL REFERENCES schedules(id),
        order_id    TEXT NOT NULL,
        step        INTEGER NOT NULL,
        machine     TEXT NOT NULL,
        start_ms    INTEGER NOT NULL,
        end_ms      INTEGER NOT NULL,
        due_ms      INTEGER,                 -- NULL: no due date
        weight      REAL NOT NULL DEFAULT 1
      );
      CREATE INDEX schedule_ops_schedule ON schedule_ops(schedule_id, machine, start_ms);
      )SQL",
  };
  return kMigrations;
}

struct TableInfo {
  std::string_view name, description;
  std::vector<std::string_view> timestamps;  // columns holding UTC milliseconds
};

const std::vector<TableInfo>& tables() {
  static const std::vector<TableInfo> kTables = {
      {"readings", "raw sensor readings as they arrived (ts: the device's clock; received: the collector's)", {"ts", "received"}},
      {"quarantine", "input that could not be used, with its place and reason", {"created_ms"}},
      {"sources", "every input (file, MQTT subscription, Modbus device) and how far it has been read", {"updated_ms"}},
      {"ingest_chunks", "which readings each file commit added (lineage from a rowid to its file lines)", {}},
      {"mqtt_seen", "MQTT message ids already committed (redelivered copies are skipped)", {"received_ms"}},
      {"machines", "the plant's machines: asset register and the readings' time range", {"first_ts", "last_ts"}},
      {"sensors", "each machine's sensors: unit, sample interval, readings and their time range", {"first_ts", "last_ts"}},
      {"text_records", "technicians' and inspectors' records: text, labels, entity spans", {"ts"}},
      {"production_orders", "production orders: product, quantity, release, due date, weight", {"release_ms", "due_ms"}},
      {"order_operations", "each order's operations and the machines that can do them", {}},
      {"downtime_windows", "times machines are unavailable: planned (calendar) or predicted (models)", {"start_ms", "end_ms"}},
      {"clean_readings", "clean readings with lineage (raw_rowid) and what was done to them (origin, method)", {"ts"}},
      {"clean_actions", "every change the cleaning made to a raw row, with its reason", {"ts"}},
      {"clean_metrics", "data-quality metrics per series and window, before and after cleaning", {"window_start", "window_end"}},
      {"clean_aligned", "each machine's sensors on one time grid", {"ts"}},
      {"runs", "pipeline runs: folder, status and metrics", {"started_ms", "finished_ms"}},
      {"predictions", "the sensor models' predictions, each with its model and the data range it learned from", {"trained_from", "trained_to", "ts"}},
      {"alarms", "anomaly detectors' alarms: score over the rule's threshold, and their state", {"ts", "changed_ms"}},
      {"api_tokens", "the server's API tokens: name, role, salted hash (never the secret)", {"created_ms", "revoked_ms", "last_used_ms"}},
      {"audit", "every write through the server and every refused request", {"ts"}},
      {"schedules", "plans made from the warehouse's orders: objective, makespan, weighted tardiness, FIFO's", {"created_ms", "origin_ms"}},
      {"schedule_ops", "each planned operation: order, step, machine, start, end, the order's due time", {"start_ms", "end_ms", "due_ms"}},
      {"http_requests", "HTTP writes committed, by Idempotency-Key (a retry gets the first answer)", {"created_ms"}},
  };
  return kTables;
}

}  // namespace

bool is_timestamp_column(std::string_view table, std::string_view column) {
  for (const auto& t : tables())
    if (t.name == table)
      for (auto c : t.timestamps)
        if (c == column) return true;
  return false;
}

bool is_timestamp_name(std::string_view column) {
  for (const auto& t : tables())
    for (auto c : t.timestamps)
      if (c == column) return true;
  return false;
}

std::string table_description(std::string_view table) {
  for (const auto& t : tables())
    if (t.name == table) return std::string(t.description);
  return "";
}

int current_schema_version() { return static_cast<int>(migrations().size()); }

void check_schema(Database& db) {
  const int latest = current_schema_version();
  const int version = static_cast<int>(query_int(db, "PRAGMA user_version").value_or(0));
  if (version > latest)
    throw InputError(db.path(), fmt::format("warehouse schema version {} is newer than this xinzhi knows ({}); "
                                            "upgrade xinzhi to open it",
                                            version, latest));
  if (version == 0 && query_int(db, "SELECT count(*) FROM sqlite_master").value_or(0) > 0)
    throw InputError(db.path(), "is a SQLite file but not a xinzhi warehouse (it has tables and no schema version)");
}

void migrate(Database& db) {
  check_schema(db);
  const int latest = current_schema_version();
  const int version = static_cast<int>(query_int(db, "PRAGMA user_version").value_or(0));
  for (int v = version; v < latest; ++v) {
    Transaction tx(db);
    db.exec(migrations()[static_cast<std::size_t>(v)]);
    db.exec(fmt::format("PRAGMA user_version = {}", v + 1));
    tx.commit();
  }
}

}  // namespace xinzhi::store
