// The warehouse schema and its forward migrations. The schema version lives in SQLite's
// user_version; a file written by a newer xinzhi is refused rather than misread.
#pragma once

namespace xinzhi::store {

class Database;

// The version this build writes.
int current_schema_version();
// Brings an older (or new, empty) warehouse up to current_schema_version(), one migration per
// transaction. Throws InputError when the file's version is newer than this build knows.
void migrate(Database& db);

}  // namespace xinzhi::store
