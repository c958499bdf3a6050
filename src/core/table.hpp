// A typed columnar table, the unit of data the stages exchange: named columns of int64,
// double, string, timestamp (UTC milliseconds) or bool, each value possibly null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <deque>
#include <vector>

#include "core/time.hpp"

namespace xinzhi {

enum class ColumnType { int64, float64, string, timestamp, boolean };

std::string_view to_string(ColumnType type);

class Column {
 public:
  Column(std::string name, ColumnType type);

  const std::string& name() const { return name_; }
  ColumnType type() const { return type_; }
  std::size_t size() const { return valid_.size(); }

  bool is_null(std::size_t row) const { return !valid_[row]; }
  std::size_t null_count() const;

  void push_null();
  void push_int(std::int64_t v);          // int64, timestamp, boolean
  void push_double(double v);             // float64
  void push_string(std::string_view v);   // string
  void reserve(std::size_t n);

  // Typed access; the caller checks the type (a wrong one throws InternalError).
  std::int64_t int_at(std::size_t row) const;
  double double_at(std::size_t row) const;
  const std::string& string_at(std::size_t row) const;

  // Raw storage for bulk work (valid only for the matching type).
  const std::vector<std::int64_t>& ints() const { return ints_; }
  const std::vector<double>& doubles() const { return doubles_; }
  const std::vector<std::string>& strings() const { return strings_; }
  std::vector<std::int64_t>& ints() { return ints_; }
  std::vector<double>& doubles() { return doubles_; }
  std::vector<std::string>& strings() { return strings_; }
  const std::vector<std::uint8_t>& validity() const { return valid_; }
  std::vector<std::uint8_t>& validity() { return valid_; }

  // The value as text, as a person reads it ("" for null; timestamps in ISO-8601).
  std::string format(std::size_t row) const;

 private:
  bool stores_ints() const;
  std::string name_;
  ColumnType type_;
  std::vector<std::int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<std::string> strings_;
  std::vector<std::uint8_t> valid_;
};

class Table {
 public:
  Table() = default;

  Column& add_column(std::string name, ColumnType type);
  std::size_t column_count() const { return columns_.size(); }
  std::size_t row_count() const { return columns_.empty() ? 0 : columns_.front().size(); }

  Column& column(std::size_t i) { return columns_.at(i); }
  const Column& column(std::size_t i) const { return columns_.at(i); }
  // Throws InternalError naming the missing column.
  Column& column(std::string_view name);
  const Column& column(std::string_view name) const;
  bool has_column(std::string_view name) const;

  const std::deque<Column>& columns() const { return columns_; }

 private:
  std::deque<Column> columns_;  // a deque: references from add_column stay valid
};

}  // namespace xinzhi
