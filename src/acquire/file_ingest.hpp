// File ingest: loads readings from landing files into the warehouse: CSV (columns by header),
// JSON Lines (one reading per line) and JSON documents (a list of readings), all read by the one
// landing grammar (src/acquire/landing). Each commit stores a chunk of rows together with how
// far each file has been read, so a second run adds nothing twice and a run killed at any point
// resumes exactly where the last commit ended. Lines that cannot be used go to quarantine with
// file:line and the reason.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "acquire/landing/reading_rules.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::acquire {

struct IngestOptions {
  std::size_t chunk_rows = 250'000;  // rows per commit
  ReadingRules rules;                // what a reading must satisfy (default: any sensor, any time)
};

struct FileIngestStats {
  std::string path;
  std::string format;           // csv, jsonl or json
  std::int64_t lines = 0;       // data lines read in this run
  std::int64_t rows = 0;        // readings stored in this run
  std::int64_t quarantined = 0; // lines quarantined in this run
  std::int64_t bytes = 0;       // bytes consumed in this run
  bool skipped = false;         // nothing new since the last run
};

struct IngestResult {
  std::vector<FileIngestStats> files;
  std::int64_t rows = 0, quarantined = 0, bytes = 0;
  double seconds = 0;
  // Files that could not be read at all (empty, no header, shrank since the last run):
  // one clear message each, naming the place.
  std::vector<std::string> problems;
  // The first quarantined line of this run, for the one-line summary ("file:line: reason").
  std::string first_quarantine;
};

// Ingests one file or every *.csv / *.jsonl / *.json file in a folder (recursively, in name order).
IngestResult ingest_readings(store::Warehouse& wh, const std::string& path, const IngestOptions& options = {});

// The landing files under path, as ingest_readings would read them.
std::vector<std::string> landing_files(const std::string& path);

}  // namespace xinzhi::acquire
