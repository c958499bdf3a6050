// API tokens: "xz_<prefix>_<secret>", 8 random bytes of public prefix (finds the row) and 32 of
// secret, both hex. Only a salted hash of the secret is stored (BLAKE2b keyed with a random salt,
// libsodium's crypto_generichash: a token is 256 random bits, so a slow password hash adds
// nothing but latency on every request); comparisons are constant-time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.hpp"

namespace xinzhi::serve {

enum class Role { viewer = 0, operator_ = 1, admin = 2 };
const char* role_name(Role r);
std::optional<Role> parse_role(std::string_view s);

struct Caller {
  std::string name;  // the token's
  Role role = Role::viewer;
};

struct CreatedToken {
  std::string name, secret;  // the whole token, shown once
  Role role;
};

// Creates a token in the warehouse. Throws InputError for a bad or taken name.
CreatedToken create_token(store::Database& db, const std::string& name, Role role);
// The caller a presented token belongs to; nullopt for a malformed, unknown or revoked one.
std::optional<Caller> verify_token(store::Database& db, std::string_view token);

}  // namespace xinzhi::serve
