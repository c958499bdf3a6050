// `xinzhi sql DB "SELECT ..."`: query the warehouse and print the result as a table, CSV or JSON.
#include <sqlite3.h>

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "store/warehouse.hpp"

namespace xinzhi::cli {

namespace {

struct SqlOptions {
  std::string db, query, format = "table";
};

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void run_sql(const SqlOptions& o) {
  store::Warehouse wh(o.db, /*create=*/false);
  store::Statement q = wh.db().prepare(o.query);
  const int n = q.column_count();
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back(q.column_name(i));
  std::vector<std::vector<std::string>> rows;
  nlohmann::json json_rows = nlohmann::json::array();
  while (q.step()) {
    std::vector<std::string> row;
    nlohmann::json obj = nlohmann::json::object();
    for (int i = 0; i < n; ++i) {
      switch (q.column_type(i)) {
        case SQLITE_NULL: row.push_back(o.format == "table" ? "NULL" : ""); obj[names[i]] = nullptr; break;
        case SQLITE_INTEGER: row.push_back(std::to_string(q.get_int(i))); obj[names[i]] = q.get_int(i); break;
        case SQLITE_FLOAT: row.push_back(fmt::format("{}", q.get_double(i))); obj[names[i]] = q.get_double(i); break;
        default: row.push_back(q.get_text(i)); obj[names[i]] = q.get_text(i); break;
      }
    }
    if (o.format == "json") json_rows.push_back(std::move(obj));
    else rows.push_back(std::move(row));
  }
  if (o.format == "json") {
    std::cout << json_rows.dump(2) << "\n";
  } else if (o.format == "csv") {
    for (int i = 0; i < n; ++i) std::cout << (i ? "," : "") << csv_quote(names[i]);
    std::cout << "\n";
    for (const auto& r : rows) {
      for (int i = 0; i < n; ++i) std::cout << (i ? "," : "") << csv_quote(r[i]);
      std::cout << "\n";
    }
  } else {
    std::vector<std::size_t> width(n);
    for (int i = 0; i < n; ++i) width[i] = names[i].size();
    for (const auto& r : rows)
      for (int i = 0; i < n; ++i) width[i] = std::max(width[i], r[i].size());
    auto line = [&](const std::vector<std::string>& cells) {
      for (int i = 0; i < n; ++i) std::cout << (i ? " | " : "") << fmt::format("{:<{}}", cells[i], width[i]);
      std::cout << "\n";
    };
    line(names);
    for (int i = 0; i < n; ++i) std::cout << (i ? "-+-" : "") << std::string(width[i], '-');
    std::cout << "\n";
    for (const auto& r : rows) line(r);
    std::cout << fmt::format("({} row{})\n", rows.size(), rows.size() == 1 ? "" : "s");
  }
}

}  // namespace

void add_sql_command(CLI::App& app) {
  auto opts = std::make_shared<SqlOptions>();
  CLI::App* cmd = app.add_subcommand("sql", "Query the warehouse with SQL and print the result");
  cmd->add_option("db", opts->db, "Warehouse file (SQLite)")->required();
  cmd->add_option("query", opts->query, "SQL statement, e.g. \"SELECT count(*) FROM readings\"")->required();
  cmd->add_option("-f,--format", opts->format, "Output as table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  cmd->callback([opts] { run_sql(*opts); });
}

}  // namespace xinzhi::cli
