#include "store/sqlite.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi::store {

Database::Database(const std::string& path, Mode mode) : path_(path) {
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
    case Mode::read_write_create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    case Mode::read_write: flags |= SQLITE_OPEN_READWRITE; break;
    case Mode::read_only: flags |= SQLITE_OPEN_READONLY; break;
  }
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError(path, "cannot open the warehouse: " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 10000);
  // Reading the schema is what reveals a file that is not a database.
  char* err = nullptr;
  if (sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    sqlite3_close(db_);
    db_ = nullptr;
    if (msg.find("not a database") != std::string::npos)
      throw InputError(path, "is not a SQLite warehouse (file is not a database)");
    throw InputError(path, "cannot read the warehouse: " + msg);
  }
}

Database::~Database() {
  if (db_) sqlite3_close_v2(db_);
}

void Database::fail(const std::string& what) const {
  throw Error(ErrorKind::internal, path_, fmt::format("{}: {}", what, sqlite3_errmsg(db_)));
}

void Database::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw Error(ErrorKind::internal, path_, fmt::format("SQL failed: {} ({})", msg, sql.substr(0, 120)));
  }
}

Statement Database::prepare(std::string_view sql) { return Statement(*this, sql); }
std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }

Statement::Statement(Database& db, std::string_view sql) : db_(&db) {
  if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
    throw Error(ErrorKind::input, db.path(),
                fmt::format("SQL error: {} in: {}", sqlite3_errmsg(db.handle()), sql.substr(0, 200)));
}

Statement Statement::first_of(Database& db, std::string_view script, std::string_view& rest) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db.handle(), script.data(), static_cast<int>(script.size()), &stmt, &tail) != SQLITE_OK)
    throw Error(ErrorKind::input, db.path(), fmt::format("SQL error: {}", sqlite3_errmsg(db.handle())));
  rest = tail ? script.substr(static_cast<std::size_t>(tail - script.data())) : std::string_view();
  return Statement(db, stmt);
}

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }

Statement& Statement::bind(int i, std::int64_t v) {
  if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) db_->fail("bind");
  return *this;
}
Statement& Statement::bind(int i, double v) {
  if (sqlite3_bind_double(stmt_, i, v) != SQLITE_OK) db_->fail("bind");
  return *this;
}
Statement& Statement::bind(int i, std::string_view v) {
  if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    db_->fail("bind");
  return *this;
}
Statement& Statement::bind_static(int i, std::string_view v) {
  if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC) != SQLITE_OK)
    db_->fail("bind");
  return *this;
}
Statement& Statement::bind_blob(int i, std::string_view v) {
  if (sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK)
    db_->fail("bind");
  return *this;
}
Statement& Statement::bind_null(int i) {
  if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) db_->fail("bind");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string msg = sqlite3_errmsg(db_->handle());
  sqlite3_reset(stmt_);
  throw Error(ErrorKind::input, db_->path(), "SQL failed: " + msg);
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::read_only() const { return sqlite3_stmt_readonly(stmt_) != 0; }
int Statement::column_count() const { return sqlite3_column_count(stmt_); }
std::string Statement::column_table(int i) const {
  const char* t = sqlite3_column_table_name(stmt_, i);
  return t ? t : "";
}
std::string Statement::column_origin(int i) const {
  const char* c = sqlite3_column_origin_name(stmt_, i);
  return c ? c : "";
}
std::string Statement::column_name(int i) const { return sqlite3_column_name(stmt_, i); }
int Statement::column_type(int i) const { return sqlite3_column_type(stmt_, i); }
bool Statement::is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
std::int64_t Statement::get_int(int i) const { return sqlite3_column_int64(stmt_, i); }
double Statement::get_double(int i) const { return sqlite3_column_double(stmt_, i); }
std::string Statement::get_text(int i) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (open_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
    }
  }
}
void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

std::optional<std::int64_t> query_int(Database& db, std::string_view sql) {
  Statement s = db.prepare(sql);
  if (!s.step() || s.is_null(0)) return std::nullopt;
  return s.get_int(0);
}

}  // namespace xinzhi::store
