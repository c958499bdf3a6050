// The raw readings table: every source appends Readings here, and the cleaning reads them back
// by series. Appenders prepare their statement once; call them inside a transaction.
#pragma once

#include <cstdint>

#include "core/reading.hpp"
#include "store/sqlite.hpp"

namespace xinzhi::store {

class ReadingAppender {
 public:
  explicit ReadingAppender(Database& db);
  // Stores r and returns its rowid (the lineage key clean_readings.raw_rowid refers to). The
  // machine and sensor strings are read in place: r must live until append returns.
  std::int64_t append(const Reading& r);

 private:
  Database& db_;
  Statement insert_;
};

}  // namespace xinzhi::store
