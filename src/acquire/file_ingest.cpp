#include "acquire/file_ingest.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "acquire/reading_parser.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"

namespace xinzhi::acquire {

namespace fs = std::filesystem;

namespace {

// A read-only memory map of a whole file.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw InputError(path, "cannot be opened");
    struct stat st {};
    ::fstat(fd_, &st);
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
      if (p == MAP_FAILED) throw InputError(path, "cannot be mapped");
      ::madvise(p, size_, MADV_SEQUENTIAL);
      data_ = static_cast<const char*>(p);
    }
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view view() const { return {data_, size_}; }

 private:
  int fd_ = -1;
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

struct SourceState {
  std::int64_t id = 0;
  std::int64_t offset = 0, line = 0;
};

SourceState source_state(store::Database& db, const std::string& name, const std::string& kind) {
  store::Statement q = db.prepare("SELECT id, offset, line FROM sources WHERE name = ?");
  q.bind(1, name);
  if (q.step()) return {q.get_int(0), q.get_int(1), q.get_int(2)};
  store::Statement ins = db.prepare("INSERT INTO sources(kind, name) VALUES (?, ?)");
  ins.bind(1, kind).bind(2, name).run();
  return {db.last_insert_rowid(), 0, 0};
}

// One parsed chunk of lines, ready to be committed.
struct Chunk {
  std::vector<Reading> readings;
  std::vector<store::QuarantineRow> quarantine;
  std::deque<std::string> names;  // JSON Lines: machine and sensor strings the readings point into
  std::int64_t first_line = 0, last_line = 0;  // 1-based file line numbers covered
  std::int64_t end_offset = 0;                 // byte offset after the last consumed line
};

class ChunkParser {
 public:
  ChunkParser(std::string path, bool json, std::string_view data, std::optional<CsvReadingLayout> layout)
      : path_(std::move(path)), json_(json), data_(data), layout_(std::move(layout)) {}

  // Parses up to max_rows lines starting at offset (line = number of the line there).
  Chunk parse(std::int64_t offset, std::int64_t line, std::size_t max_rows) const {
    Chunk c;
    c.first_line = line;
    c.readings.reserve(max_rows);
    std::vector<std::string_view> fields;
    std::size_t pos = static_cast<std::size_t>(offset);
    std::size_t n = 0;
    while (pos < data_.size() && n < max_rows) {
      const std::size_t nl = data_.find('\n', pos);
      const bool terminated = nl != std::string_view::npos;
      const std::size_t end = terminated ? nl : data_.size();
      const std::string_view text = data_.substr(pos, end - pos);
      const std::int64_t line_no = line++;
      pos = terminated ? nl + 1 : data_.size();
      ++n;
      if (!terminated) {
        c.quarantine.push_back(bad(line_no, text, "truncated last line (no newline at end of file)"));
        continue;
      }
      if (text.empty() || (text.size() == 1 && text[0] == '\r')) continue;  // blank line: nothing to store
      Reading r;
      std::string reason;
      if (json_) {
        std::string& m = c.names.emplace_back();
        std::string& s = c.names.emplace_back();
        reason = parse_json_reading(text, r, m, s);
      } else {
        reason = layout_->parse(text, r, fields);
      }
      if (reason.empty()) c.readings.push_back(r);
      else c.quarantine.push_back(bad(line_no, text, reason));
    }
    c.last_line = line - 1;
    c.end_offset = static_cast<std::int64_t>(pos);
    return c;
  }

  bool done(std::int64_t offset) const { return static_cast<std::size_t>(offset) >= data_.size(); }

 private:
  store::QuarantineRow bad(std::int64_t line_no, std::string_view text, const std::string& reason) const {
    return {path_, place(path_, line_no), std::string(text), reason, "ingest"};
  }
  std::string path_;
  bool json_;
  std::string_view data_;
  std::optional<CsvReadingLayout> layout_;
};

// Stores one chunk and the file's new position in one transaction: either all of it is
// committed or none of it, which is what makes a killed ingest resumable without duplicates.
void commit_chunk(store::Warehouse& wh, store::Statement& insert, const SourceState& src, const Chunk& c) {
  auto& db = wh.db();
  store::Transaction tx(db);
  std::int64_t first_rowid = -1, last_rowid = -1;
  for (const Reading& r : c.readings) {
    insert.bind(1, r.ts).bind_static(2, r.machine).bind_static(3, r.sensor);
    if (r.has_value) insert.bind(4, r.value);
    else insert.bind_null(4);
    if (r.has_received) insert.bind(5, r.received);
    else insert.bind_null(5);
    insert.step();
    insert.reset();
    last_rowid = db.last_insert_rowid();
    if (first_rowid < 0) first_rowid = last_rowid;
  }
  if (!c.quarantine.empty()) {
    store::Statement q = db.prepare(
        "INSERT INTO quarantine(source, place, raw, reason, stage, created_ms) VALUES (?, ?, ?, ?, ?, ?)");
    const auto now = now_ms();
    for (const auto& r : c.quarantine)
      q.bind(1, r.source).bind(2, r.place).bind_blob(3, std::string_view(r.raw).substr(0, 4096)).bind(4, r.reason)
          .bind(5, r.stage).bind(6, now).run();
  }
  store::Statement chunk = db.prepare(
      "INSERT INTO ingest_chunks(source_id, first_line, last_line, first_rowid, last_rowid, rows) VALUES (?,?,?,?,?,?)");
  chunk.bind(1, src.id).bind(2, c.first_line).bind(3, c.last_line);
  if (first_rowid >= 0) chunk.bind(4, first_rowid).bind(5, last_rowid);
  else chunk.bind_null(4).bind_null(5);
  chunk.bind(6, static_cast<std::int64_t>(c.readings.size())).run();
  store::Statement up = db.prepare(
      "UPDATE sources SET offset = ?, line = ?, rows = rows + ?, quarantined = quarantined + ?, size = ?, "
      "updated_ms = ? WHERE id = ?");
  up.bind(1, c.end_offset).bind(2, c.last_line).bind(3, static_cast<std::int64_t>(c.readings.size()));
  up.bind(4, static_cast<std::int64_t>(c.quarantine.size())).bind(5, c.end_offset).bind(6, now_ms()).bind(7, src.id);
  up.run();
  tx.commit();
}

FileIngestStats ingest_file(store::Warehouse& wh, const std::string& path, const IngestOptions& options,
                            IngestResult& result, Progress& progress) {
  FileIngestStats stats;
  stats.path = path;
  const bool json = fs::path(path).extension() == ".jsonl";
  stats.format = json ? "jsonl" : "csv";
  MappedFile file(path);
  const std::string_view data = file.view();
  const std::string name = fs::weakly_canonical(path).string();
  SourceState src = source_state(wh.db(), name, "file");

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

  std::optional<CsvReadingLayout> layout;
  std::int64_t offset = src.offset, line = src.line + 1;
  if (!json) {
    const std::size_t nl = data.find('\n');
    const std::string_view header = data.substr(0, nl == std::string_view::npos ? data.size() : nl);
    layout.emplace(header, place(path, 1));  // throws with the place when columns are missing
    if (offset == 0) {
      offset = nl == std::string_view::npos ? static_cast<std::int64_t>(data.size()) : static_cast<std::int64_t>(nl + 1);
      line = 2;
    }
  }
  ChunkParser parser(path, json, data, std::move(layout));
  store::Statement insert =
      wh.db().prepare("INSERT INTO readings(ts, machine, sensor, value, received) VALUES (?, ?, ?, ?, ?)");

  // Two cores: parse the next chunk while the current one is written.
  const std::int64_t start_offset = offset;
  Chunk current = parser.parse(offset, line, options.chunk_rows);
  for (;;) {
    const bool more = !parser.done(current.end_offset);
    std::future<Chunk> next;
    if (more)
      next = std::async(std::launch::async, [&parser, off = current.end_offset, ln = current.last_line + 1,
                                             rows = options.chunk_rows] { return parser.parse(off, ln, rows); });
    commit_chunk(wh, insert, src, current);
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
    const auto ext = e.path().extension();
    if (ext == ".csv" || ext == ".jsonl") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

IngestResult ingest_readings(store::Warehouse& wh, const std::string& path, const IngestOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  IngestResult result;
  const auto files = landing_files(path);
  if (files.empty()) throw InputError(path, "no .csv or .jsonl files to ingest");
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
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace xinzhi::acquire
