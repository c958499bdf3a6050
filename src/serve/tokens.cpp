#include "serve/tokens.hpp"

#include <cctype>

#include <sodium.h>

#include "core/error.hpp"
#include "core/time.hpp"
#include "store/serving_tables.hpp"

namespace xinzhi::serve {

namespace {

constexpr std::size_t kPrefixBytes = 8, kSecretBytes = 32, kSaltBytes = 16, kHashBytes = 32;

void init_sodium() {
  static const int ok = sodium_init();
  if (ok < 0) throw InternalError("libsodium could not be initialised");
}

std::string hex(const unsigned char* p, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();
  return out;
}

std::string hash_secret(std::string_view secret, const std::string& salt) {
  unsigned char h[kHashBytes];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size());
  return std::string(reinterpret_cast<const char*>(h), sizeof h);
}

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

const char* role_name(Role r) {
  switch (r) {
    case Role::admin: return "admin";
    case Role::operator_: return "operator";
    default: return "viewer";
  }
}

std::optional<Role> parse_role(std::string_view s) {
  if (s == "viewer") return Role::viewer;
  if (s == "operator") return Role::operator_;
  if (s == "admin") return Role::admin;
  return std::nullopt;
}

CreatedToken create_token(store::Database& db, const std::string& name, Role role) {
  init_sodium();
  if (name.empty() || name.size() > 64) throw InputError("name", "must be 1 to 64 characters");
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      throw InputError("name", "'" + name + "': only letters, digits, '-', '_' and '.'");
  unsigned char prefix[kPrefixBytes], secret[kSecretBytes], salt[kSaltBytes];
  randombytes_buf(prefix, sizeof prefix);
  randombytes_buf(secret, sizeof secret);
  randombytes_buf(salt, sizeof salt);
  store::ApiToken t;
  t.name = name;
  t.role = role_name(role);
  t.prefix = hex(prefix, sizeof prefix);
  t.salt = std::string(reinterpret_cast<const char*>(salt), sizeof salt);
  const std::string secret_hex = hex(secret, sizeof secret);
  t.hash = hash_secret(secret_hex, t.salt);
  t.created_ms = now_ms();
  store::insert_api_token(db, t);
  return {name, "xz_" + t.prefix + "_" + secret_hex, role};
}

std::optional<Caller> verify_token(store::Database& db, std::string_view token) {
  init_sodium();
  // xz_ + 16 hex + _ + 64 hex
  if (token.size() != 3 + kPrefixBytes * 2 + 1 + kSecretBytes * 2 || token.substr(0, 3) != "xz_" ||
      token[3 + kPrefixBytes * 2] != '_')
    return std::nullopt;
  const std::string_view prefix = token.substr(3, kPrefixBytes * 2), secret = token.substr(4 + kPrefixBytes * 2);
  if (!is_hex(prefix) || !is_hex(secret)) return std::nullopt;
  const auto row = store::find_api_token_by_prefix(db, prefix);
  if (!row || row->revoked_ms || row->hash.size() != kHashBytes) return std::nullopt;
  const std::string h = hash_secret(secret, row->salt);
  if (sodium_memcmp(h.data(), row->hash.data(), kHashBytes) != 0) return std::nullopt;
  const auto role = parse_role(row->role);
  if (!role) return std::nullopt;
  return Caller{row->name, *role};
}

}  // namespace xinzhi::serve
