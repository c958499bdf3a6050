#include "core/table.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi {

std::string_view to_string(ColumnType type) {
  switch (type) {
    case ColumnType::int64: return "int64";
    case ColumnType::float64: return "float64";
    case ColumnType::string: return "string";
    case ColumnType::timestamp: return "timestamp";
    case ColumnType::boolean: return "bool";
  }
  return "?";
}

Column::Column(std::string name, ColumnType type) : name_(std::move(name)), type_(type) {}

bool Column::stores_ints() const {
  return type_ == ColumnType::int64 || type_ == ColumnType::timestamp || type_ == ColumnType::boolean;
}

std::size_t Column::null_count() const {
  return static_cast<std::size_t>(std::count(valid_.begin(), valid_.end(), 0));
}

void Column::push_null() {
  if (stores_ints()) ints_.push_back(0);
  else if (type_ == ColumnType::float64) doubles_.push_back(std::nan(""));
  else strings_.emplace_back();
  valid_.push_back(0);
}

void Column::push_int(std::int64_t v) {
  if (!stores_ints()) throw InternalError(fmt::format("column '{}' is {}, not integer", name_, to_string(type_)));
  ints_.push_back(type_ == ColumnType::boolean ? (v != 0) : v);
  valid_.push_back(1);
}

void Column::push_double(double v) {
  if (type_ != ColumnType::float64) throw InternalError(fmt::format("column '{}' is {}, not float64", name_, to_string(type_)));
  doubles_.push_back(v);
  valid_.push_back(1);
}

void Column::push_string(std::string_view v) {
  if (type_ != ColumnType::string) throw InternalError(fmt::format("column '{}' is {}, not string", name_, to_string(type_)));
  strings_.emplace_back(v);
  valid_.push_back(1);
}

void Column::reserve(std::size_t n) {
  valid_.reserve(n);
  if (stores_ints()) ints_.reserve(n);
  else if (type_ == ColumnType::float64) doubles_.reserve(n);
  else strings_.reserve(n);
}

std::int64_t Column::int_at(std::size_t row) const {
  if (!stores_ints()) throw InternalError(fmt::format("column '{}' is {}, not integer", name_, to_string(type_)));
  return ints_.at(row);
}

double Column::double_at(std::size_t row) const {
  if (type_ == ColumnType::float64) return doubles_.at(row);
  if (stores_ints()) return static_cast<double>(ints_.at(row));
  throw InternalError(fmt::format("column '{}' is string, not numeric", name_));
}

const std::string& Column::string_at(std::size_t row) const {
  if (type_ != ColumnType::string) throw InternalError(fmt::format("column '{}' is {}, not string", name_, to_string(type_)));
  return strings_.at(row);
}

std::string Column::format(std::size_t row) const {
  if (is_null(row)) return "";
  switch (type_) {
    case ColumnType::int64: return std::to_string(ints_[row]);
    case ColumnType::float64: return fmt::format("{}", doubles_[row]);
    case ColumnType::string: return strings_[row];
    case ColumnType::timestamp: return format_iso8601(ints_[row]);
    case ColumnType::boolean: return ints_[row] ? "true" : "false";
  }
  return "";
}

Column& Table::add_column(std::string name, ColumnType type) {
  if (has_column(name)) throw InternalError(fmt::format("table already has a column '{}'", name));
  columns_.emplace_back(std::move(name), type);
  return columns_.back();
}

bool Table::has_column(std::string_view name) const {
  return std::any_of(columns_.begin(), columns_.end(), [&](const Column& c) { return c.name() == name; });
}

Column& Table::column(std::string_view name) {
  for (auto& c : columns_)
    if (c.name() == name) return c;
  throw InternalError(fmt::format("table has no column '{}'", name));
}

const Column& Table::column(std::string_view name) const {
  return const_cast<Table*>(this)->column(name);
}

}  // namespace xinzhi
