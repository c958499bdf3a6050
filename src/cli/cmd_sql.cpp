// `xinzhi sql DB "SELECT ..."`: query the warehouse and print the result as a table, CSV or JSON;
// list its tables (--tables) or their columns (--schema). Timestamps (the columns the schema
// declares as UTC milliseconds, and min/max of them) are shown as ISO-8601 UTC unless --raw-time.
// The warehouse is opened read-only unless --write is given.
#include <sqlite3.h>

#include <iostream>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"
#include "store/schema.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::cli {

namespace {

struct SqlOptions {
  std::string db, query, format = "table", schema_table;
  bool raw_time = false, tables = false, schema = false, write = false;
};

// A result column holds timestamps when it comes straight from a timestamp column, or is the
// min or max of one (what a query of a time range asks for). count(ts) or ts / 1000 are not.
bool timestamp_column(const store::Statement& q, int i) {
  const std::string table = q.column_table(i), origin = q.column_origin(i);
  if (!origin.empty()) return store::is_timestamp_column(table, origin);
  static const std::regex kMinMax(R"(^\s*(min|max)\s*\(\s*(?:\w+\.)?(\w+)\s*\)\s*$)", std::regex::icase);
  std::smatch m;
  const std::string name = q.column_name(i);
  return std::regex_match(name, m, kMinMax) && store::is_timestamp_name(m[2].str());
}

struct ResultSet {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> rows;  // text cells (table, CSV)
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
};

ResultSet run_statement(store::Statement& q, const SqlOptions& o) {
  ResultSet r;
  const int n = q.column_count();
  std::vector<bool> is_time(static_cast<std::size_t>(n), false);
  for (int i = 0; i < n; ++i) {
    r.names.push_back(q.column_name(i));
    is_time[static_cast<std::size_t>(i)] = !o.raw_time && timestamp_column(q, i);
  }
  while (q.step()) {
    std::vector<std::string> row;
    nlohmann::ordered_json obj = nlohmann::ordered_json::object();
    for (int i = 0; i < n; ++i) {
      const std::string& name = r.names[static_cast<std::size_t>(i)];
      switch (q.column_type(i)) {
        case SQLITE_NULL:
          row.push_back(o.format == "table" ? "NULL" : "");
          obj[name] = nullptr;
          break;
        case SQLITE_INTEGER:
          if (is_time[static_cast<std::size_t>(i)]) {
            row.push_back(format_iso8601(q.get_int(i)));
            obj[name] = row.back();
          } else {
            row.push_back(std::to_string(q.get_int(i)));
            obj[name] = q.get_int(i);
          }
          break;
        case SQLITE_FLOAT:
          row.push_back(fmt::format("{}", q.get_double(i)));
          obj[name] = q.get_double(i);
          break;
        default:
          row.push_back(q.get_text(i));
          obj[name] = q.get_text(i);
          break;
      }
    }
    if (o.format == "json") r.json.push_back(std::move(obj));
    else r.rows.push_back(std::move(row));
  }
  return r;
}

void print_table(const ResultSet& r) {
  const std::size_t n = r.names.size();
  std::vector<std::size_t> width(n);
  for (std::size_t i = 0; i < n; ++i) width[i] = r.names[i].size();
  for (const auto& row : r.rows)
    for (std::size_t i = 0; i < n; ++i) width[i] = std::max(width[i], row[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < n; ++i) std::cout << (i ? " | " : "") << fmt::format("{:<{}}", cells[i], width[i]);
    std::cout << "\n";
  };
  line(r.names);
  for (std::size_t i = 0; i < n; ++i) std::cout << (i ? "-+-" : "") << std::string(width[i], '-');
  std::cout << "\n";
  for (const auto& row : r.rows) line(row);
  std::cout << fmt::format("({} row{})\n", r.rows.size(), r.rows.size() == 1 ? "" : "s");
}

void print_csv(const ResultSet& r) {
  for (std::size_t i = 0; i < r.names.size(); ++i) std::cout << (i ? "," : "") << csv_quote(r.names[i]);
  std::cout << "\n";
  for (const auto& row : r.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) std::cout << (i ? "," : "") << csv_quote(row[i]);
    std::cout << "\n";
  }
}

// "statement 2 (SELECT count(*) FROM ...)" for messages.
std::string statement_place(int number, std::string_view sql) {
  std::string words(trim(sql));
  for (char& c : words)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return fmt::format("statement {} ({})", number, words.size() > 60 ? words.substr(0, 57) + "..." : words);
}

void run_script(store::Database& db, const SqlOptions& o) {
  std::vector<std::pair<std::string, ResultSet>> results;
  std::string_view rest = o.query;
  for (int number = 1;; ++number) {
    const std::string_view before = rest;
    store::Statement q = [&] {
      try {
        return store::Statement::first_of(db, before, rest);
      } catch (const Error& e) {
        throw InputError(statement_place(number, before), e.message());
      }
    }();
    if (q.empty()) break;  // only white space or comments left
    const std::string_view sql = before.substr(0, before.size() - rest.size());
    const std::string where = statement_place(number, sql);
    if (!q.read_only() && !o.write)
      throw InputError(where, "writes to the warehouse, which is open read-only: add --write to change it");
    try {
      results.emplace_back(std::string(trim(sql)), run_statement(q, o));
    } catch (const Error& e) {
      throw InputError(where, e.message());
    }
  }
  if (results.empty()) throw UsageError("the query is empty");
  const bool several = results.size() > 1;
  if (o.format == "json") {
    if (!several) {
      std::cout << results[0].second.json.dump(2) << "\n";
      return;
    }
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (auto& [sql, r] : results) all.push_back({{"statement", sql}, {"rows", r.json}});
    std::cout << all.dump(2) << "\n";
    return;
  }
  for (std::size_t k = 0; k < results.size(); ++k) {
    const auto& [sql, r] = results[k];
    if (several) std::cout << (k ? "\n" : "") << (o.format == "csv" ? "# " : "-- ") << sql << "\n";
    if (r.names.empty()) continue;  // a statement without a result (an UPDATE with --write)
    if (o.format == "csv") print_csv(r);
    else print_table(r);
  }
}

void list_tables(store::Database& db, const SqlOptions& o) {
  SqlOptions plain = o;
  ResultSet r;
  r.names = {"table", "rows", "what it holds"};
  store::Statement q(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid");
  while (q.step()) {
    const std::string name = q.get_text(0);
    const auto rows = store::query_int(db, fmt::format("SELECT count(*) FROM \"{}\"", name)).value_or(0);
    r.rows.push_back({name, std::to_string(rows), store::table_description(name)});
    r.json.push_back({{"table", name}, {"rows", rows}, {"description", store::table_description(name)}});
  }
  if (o.format == "json") std::cout << r.json.dump(2) << "\n";
  else if (o.format == "csv") print_csv(r);
  else print_table(r);
}

void show_schema(store::Database& db, const SqlOptions& o) {
  std::vector<std::string> tables;
  store::Statement q(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid");
  while (q.step()) tables.push_back(q.get_text(0));
  if (!o.schema_table.empty()) {
    if (std::find(tables.begin(), tables.end(), o.schema_table) == tables.end())
      throw InputError("--schema " + o.schema_table, "no such table (xinzhi sql DB --tables lists them)");
    tables = {o.schema_table};
  }
  ResultSet r;
  r.names = {"table", "column", "type", "not null", "timestamp (UTC ms)"};
  for (const auto& t : tables) {
    store::Statement info(db, fmt::format("PRAGMA table_info(\"{}\")", t));
    while (info.step()) {
      const std::string column = info.get_text(1), type = info.get_text(2);
      const bool ts = store::is_timestamp_column(t, column);
      r.rows.push_back({t, column, type, info.get_int(3) ? "yes" : "", ts ? "yes" : ""});
      r.json.push_back({{"table", t}, {"column", column}, {"type", type}, {"not_null", info.get_int(3) != 0}, {"timestamp", ts}});
    }
  }
  if (o.format == "json") std::cout << r.json.dump(2) << "\n";
  else if (o.format == "csv") print_csv(r);
  else print_table(r);
}

void run_sql(const SqlOptions& o) {
  if ((o.tables || o.schema) && !o.query.empty())
    throw UsageError("give a query, or --tables, or --schema [TABLE]: not a query and a listing together");
  if (o.tables && o.schema) throw UsageError("give --tables or --schema, not both");
  if (!o.tables && !o.schema && o.query.empty()) throw UsageError("give a query (or --tables, or --schema [TABLE])");
  if (o.write) {
    store::Warehouse wh(o.db, /*create=*/false);
    if (o.tables) return list_tables(wh.db(), o);
    if (o.schema) return show_schema(wh.db(), o);
    store::Transaction tx(wh.db());  // all the statements or none
    run_script(wh.db(), o);
    tx.commit();
    return;
  }
  store::Warehouse wh = store::Warehouse::open_read_only(o.db);
  if (o.tables) return list_tables(wh.db(), o);
  if (o.schema) return show_schema(wh.db(), o);
  run_script(wh.db(), o);
}

}  // namespace

void add_sql_command(CLI::App& app) {
  auto opts = std::make_shared<SqlOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sql",
      "Query the warehouse with SQL and print the result (read-only unless --write).\n"
      "Timestamps are shown as ISO-8601 UTC (--raw-time: milliseconds). Several statements separated by ';'\n"
      "run in order, each result printed after its statement. Examples:\n"
      "  xinzhi sql W.db --tables\n"
      "  xinzhi sql W.db --schema readings\n"
      "  xinzhi sql W.db \"SELECT sensor, count(*), min(ts), max(ts) FROM readings GROUP BY 1\"\n"
      "  xinzhi sql W.db \"SELECT reason, count(*) FROM quarantine GROUP BY 1\" --format csv");
  cmd->add_option("db", opts->db, "Warehouse file (SQLite)")->required();
  cmd->add_option("query", opts->query, "SQL: one statement, or several separated by ';'");
  cmd->add_option("-f,--format", opts->format, "Output as table, csv or json (objects with keys in column order)")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  cmd->add_flag("--raw-time", opts->raw_time, "Show timestamp columns as integer milliseconds since the epoch");
  cmd->add_flag("--tables", opts->tables, "List the tables with their row counts and what each holds");
  cmd->add_option("--schema", opts->schema_table, "Show the columns of every table, or of TABLE")
      ->expected(0, 1)
      ->default_str("")
      ->each([opts](const std::string&) { opts->schema = true; });
  cmd->add_flag("--write", opts->write,
                "Open the warehouse for writing (INSERT, UPDATE, DELETE are refused without it); the statements then "
                "run in one transaction: all of them or none");
  cmd->callback([opts, cmd] {
    if (cmd->count("--schema") > 0) opts->schema = true;
    run_sql(*opts);
  });
}

}  // namespace xinzhi::cli
