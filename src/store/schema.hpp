// The warehouse schema and its forward migrations. The schema version lives in SQLite's
// user_version; a file written by a newer xinzhi is refused rather than misread.
#pragma once

#include <string>
#include <string_view>

namespace xinzhi::store {

class Database;

// Whether table.column holds UTC milliseconds (shown as ISO-8601 by `xinzhi sql`). A new table
// declares its timestamp columns in the list in schema.cpp, next to its migration.
bool is_timestamp_column(std::string_view table, std::string_view column);
// Whether any table has a timestamp column of this name.
bool is_timestamp_name(std::string_view column);
// One line saying what a warehouse table is for ("" for a table xinzhi does not know).
std::string table_description(std::string_view table);

// The version this build writes.
int current_schema_version();
// Brings an older (or new, empty) warehouse up to current_schema_version(), one migration per
// transaction. Throws InputError when the file's version is newer than this build knows.
void migrate(Database& db);
// Checks, without writing, that the file is a xinzhi warehouse this build can read: refuses a
// newer schema and a SQLite file with tables but no schema version.
void check_schema(Database& db);

}  // namespace xinzhi::store
