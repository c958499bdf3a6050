#include "acquire/file_ingest.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <future>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "acquire/landing/csv_readings.hpp"
#include "acquire/landing/json_readings.hpp"
#include "acquire/series_tally.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/stopwatch.hpp"
#include "core/whole_file.hpp"
#include "store/readings_table.hpp"
#include "store/sources_table.hpp"

namespace xinzhi::acquire {

namespace fs = std::filesystem;

namespace {

enum class Format { csv, json_lines, json };

std::optional<Format> format_of(const fs::path& p) {
  const auto ext = p.extension();
  if (ext == ".csv") return Format::csv;
  if (ext == ".jsonl") return Format::json_lines;
  if (ext == ".json") return Format::json;
  return std::nullopt;
}

const char* format_name(Format f) { return f == Format::csv ? "csv" : f == Format::json_lines ? "jsonl" : "json"; }

// One parsed chunk of lines, ready to be committed.
struct Chunk {
  std::vector<Reading> readings;
  std::vector<store::QuarantineRow> quarantine;
  std::int64_t first_line = 0, last_line = 0;  // 1-based file line numbers covered
  std::int64_t end_offset = 0;                 // byte offset after the last consumed line
};

// Reads a file's lines chunk by chunk (CSV and JSON Lines), or a JSON document whole. Chunks are
// parsed one after the other (the next while the last is committed), never two at once, so the
// parsers' scratch state needs no lock.
class ChunkParser {
 public:
  ChunkParser(std::string path, Format format, std::string_view data, std::optional<CsvReadingLayout> layout,
              const ReadingRules& rules)
      : path_(std::move(path)), format_(format), data_(data), json_(rules, now_ms()) {
    if (layout) csv_.emplace(std::move(*layout), rules, now_ms());
  }

  // Parses up to max_rows lines starting at offset (line = number of the line there).
  Chunk parse(std::int64_t offset, std::int64_t line, std::size_t max_rows) {
    Chunk c;
    c.first_line = line;
    if (format_ == Format::json) return parse_document(c);
    c.readings.reserve(max_rows);
    std::size_t pos = static_cast<std::size_t>(offset);
    std::size_t n = 0;
    Reading r;
    while (pos < data_.size() && n < max_rows) {
      const std::size_t nl = data_.find('\n', pos);
      const bool terminated = nl != std::string_view::npos;
      const std::size_t end = terminated ? nl : data_.size();
      const std::string_view text = data_.substr(pos, end - pos);
      const std::int64_t line_no = line++;
      pos = terminated ? nl + 1 : data_.size();
      ++n;
      if (!terminated) {  // a file still being written, or cut short: the line may be incomplete
        c.quarantine.push_back(bad(place(path_, line_no), text, "truncated last line (no newline at end of file)"));
        continue;
      }
      if (CsvReadingParser::skip(text)) continue;  // blank line or comment: nothing to store
      std::string reason = csv_ ? csv_->parse(text, r) : json_.parse_line(text, r);
      if (reason.empty()) c.readings.push_back(r);
      else c.quarantine.push_back(bad(place(path_, line_no), text, reason));
    }
    c.last_line = line - 1;
    c.end_offset = static_cast<std::int64_t>(pos);
    return c;
  }

  bool done(std::int64_t offset) const { return static_cast<std::size_t>(offset) >= data_.size(); }

 private:
  // A JSON document is one unit: its readings and rejections commit together.
  Chunk parse_document(Chunk& c) {
    JsonReadings doc;
    json_.parse_document(data_, doc);
    c.readings = std::move(doc.readings);
    for (auto& rej : doc.rejected)
      c.quarantine.push_back(bad(rej.where.empty() ? path_ : path_ + " " + rej.where, rej.raw, rej.reason));
    for (char ch : data_) c.last_line += ch == '\n';
    c.last_line = std::max<std::int64_t>(c.last_line, 1);
    c.end_offset = static_cast<std::int64_t>(data_.size());
    return std::move(c);
  }
  store::QuarantineRow bad(std::string where, std::string_view text, const std::string& reason) const {
    return {path_, std::move(where), std::string(text), reason, "ingest"};
  }
  std::string path_;
  Format format_;
  std::string_view data_;
  std::optional<CsvReadingParser> csv_;
  JsonReadingParser json_;
};

// Stores one chunk, what it shows of each series, and the file's new position in one
// transaction: either all of it is committed or none of it, which is what makes a killed ingest
// resumable without duplicates.
void commit_chunk(store::Warehouse& wh, store::ReadingAppender& readings, const store::SourcePosition& src,
                  const Chunk& c) {
  auto& db = wh.db();
  store::Transaction tx(db);
  store::FileChunk fc;
  SeriesTally tally;
  for (const Reading& r : c.readings) {
    fc.last_rowid = readings.append(r);
    if (fc.first_rowid < 0) fc.first_rowid = fc.last_rowid;
    tally.add(r);
  }
  if (!c.quarantine.empty()) {
    store::QuarantineAppender q(db);
    const auto now = now_ms();
    for (const auto& r : c.quarantine) q.append(r, now);
  }
  store::record_series_seen(db, tally.seen());
  fc.first_line = c.first_line, fc.last_line = c.last_line, fc.end_offset = c.end_offset;
  fc.rows = static_cast<std::int64_t>(c.readings.size());
  fc.quarantined = static_cast<std::int64_t>(c.quarantine.size());
  store::record_file_chunk(db, src, fc);
  tx.commit();
}

FileIngestStats ingest_file(store::Warehouse& wh, const std::string& path, const IngestOptions& options,
                            IngestResult& result, Progress& progress) {
  FileIngestStats stats;
  stats.path = path;
  const Format format = format_of(path).value_or(Format::csv);
  stats.format = format_name(format);
  const WholeFile file(path);
  const std::string_view data = file.view();
  const std::string name = fs::weakly_canonical(path).string();
  const store::SourcePosition src = store::source_position(wh.db(), name, "file");

  if (data.empty()) {
    result.problems.push_back(place(path, 1) + ": empty file (no header line, no readings)");
    return stats;
  }
  if (static_cast<std::int64_t>(data.size()) < src.offset) {
    result.problems.push_back(fmt::format("{}: the file shrank since the last ingest (read {} bytes then, {} now); "
                                          "it was replaced or truncated, refusing to guess what is new",
                                          path, src.offset, data.size()));
    return stats;
  }
  if (static_cast<std::int64_t>(data.size()) == src.offset) {
    stats.skipped = true;
    return stats;
  }
  if (format == Format::json && src.offset > 0) {
    result.problems.push_back(fmt::format("{}: the JSON document changed since it was ingested (a document is read "
                                          "whole; append readings to a JSON Lines file instead)", path));
    return stats;
  }

  std::optional<CsvReadingLayout> layout;
  std::int64_t offset = src.offset, line = src.line + 1;
  if (format == Format::csv) {
    const std::size_t nl = data.find('\n');
    const std::string_view header = data.substr(0, nl == std::string_view::npos ? data.size() : nl);
    layout.emplace(header, place(path, 1));  // throws with the place when columns are missing
    if (offset == 0) {
      offset = nl == std::string_view::npos ? static_cast<std::int64_t>(data.size()) : static_cast<std::int64_t>(nl + 1);
      line = 2;
    }
  }
  ChunkParser parser(path, format, data, std::move(layout), options.rules);
  store::ReadingAppender readings(wh.db());

  // Two cores: parse the next chunk while the current one is written.
  const std::int64_t start_offset = offset;
  Chunk current = parser.parse(offset, line, options.chunk_rows);
  for (;;) {
    const bool more = !parser.done(current.end_offset);
    std::future<Chunk> next;
    if (more)
      next = std::async(std::launch::async, [&parser, off = current.end_offset, ln = current.last_line + 1,
                                             rows = options.chunk_rows] { return parser.parse(off, ln, rows); });
    commit_chunk(wh, readings, src, current);
    stats.rows += static_cast<std::int64_t>(current.readings.size());
    stats.quarantined += static_cast<std::int64_t>(current.quarantine.size());
    stats.lines += current.last_line - current.first_line + 1;
    if (!current.quarantine.empty() && result.first_quarantine.empty())
      result.first_quarantine = current.quarantine.front().place + ": " + current.quarantine.front().reason;
    progress.advance(static_cast<std::uint64_t>(current.end_offset - start_offset - stats.bytes));
    stats.bytes = current.end_offset - start_offset;
    if (!more) break;
    current = next.get();
  }
  return stats;
}

}  // namespace

std::vector<std::string> landing_files(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path, "no such file or folder");
  std::vector<std::string> files;
  if (!fs::is_directory(path, ec)) {
    files.push_back(path);
    return files;
  }
  for (const auto& e : fs::recursive_directory_iterator(path)) {
    if (!e.is_regular_file()) continue;
    if (format_of(e.path())) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

IngestResult ingest_readings(store::Warehouse& wh, const std::string& path, const IngestOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  IngestResult result;
  const auto files = landing_files(path);
  if (files.empty()) throw InputError(path, "no .csv, .jsonl or .json files to ingest");
  std::uint64_t total = 0;
  for (const auto& f : files) total += fs::file_size(f);
  Progress progress("ingest", total, "bytes");
  for (const auto& f : files) {
    try {
      FileIngestStats s = ingest_file(wh, f, options, result, progress);
      result.rows += s.rows;
      result.quarantined += s.quarantined;
      result.bytes += s.bytes;
      result.files.push_back(std::move(s));
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::input) throw;
      result.problems.push_back(e.what());
    }
  }
  progress.finish();
  result.seconds = seconds_since(t0);
  return result;
}

}  // namespace xinzhi::acquire
