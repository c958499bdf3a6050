// A thin RAII layer over SQLite: a connection, prepared statements with typed binding, and
// transactions. Failures become xinzhi::Error naming the database file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace xinzhi::store {

class Statement;

class Database {
 public:
  enum class Mode { read_write_create, read_write, read_only };
  // Opens (or creates) the file. A file that is not SQLite is refused with an InputError.
  explicit Database(const std::string& path, Mode mode = Mode::read_write_create);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(const std::string& sql);
  Statement prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }

  [[noreturn]] void fail(const std::string& what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  // The first statement of a script: rest is set to the text after it. The statement is empty
  // (empty() is true) when the script holds only white space and comments.
  static Statement first_of(Database& db, std::string_view script, std::string_view& rest);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;

  // Binding is 1-based as in SQLite.
  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Statement& bind(int i, double v);
  Statement& bind(int i, std::string_view v);  // bound as TEXT, copied by SQLite
  Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Statement& bind_blob(int i, std::string_view v);
  // TEXT whose memory the caller keeps alive until the statement is reset (no copy: hot paths).
  Statement& bind_static(int i, std::string_view v);
  Statement& bind_null(int i);

  // Returns true while there is a row; false when done.
  bool step();
  // Runs a statement that returns no rows and resets it.
  void run();
  void reset();

  bool empty() const { return stmt_ == nullptr; }
  // True when the statement does not write to the database.
  bool read_only() const;
  int column_count() const;
  std::string column_name(int i) const;
  // The table and column a result column comes from ("" for an expression).
  std::string column_table(int i) const;
  std::string column_origin(int i) const;
  int column_type(int i) const;  // SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB, SQLITE_NULL
  bool is_null(int i) const;
  std::int64_t get_int(int i) const;
  double get_double(int i) const;
  std::string get_text(int i) const;

 private:
  Statement(Database& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
  Database* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction; ROLLBACK unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  void commit();

 private:
  Database& db_;
  bool open_ = true;
};

// A scalar query's single value (nullopt for no row or NULL).
std::optional<std::int64_t> query_int(Database& db, std::string_view sql);

}  // namespace xinzhi::store
