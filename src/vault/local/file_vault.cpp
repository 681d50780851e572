// Driver `file`: octez `secret_keys` files (see file_vault.h).
#include "vault/local/file_vault.h"

#include <sodium.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "common/log.h"
#include "config/env_expand.h"
#include "vault/local/key_unlock.h"
#include "vault/local/local_key.h"
#include "vault/local/secret_keys_file.h"

namespace signatory::vault {
namespace {

namespace fs = std::filesystem;

// Wipes the characters of every string in a parsed secret_keys document.
void wipe_json(nlohmann::json& doc) {
  if (doc.is_string()) {
    auto& s = doc.get_ref<std::string&>();
    sodium_memzero(s.data(), s.size());
  } else if (doc.is_structured()) {
    for (auto& item : doc) wipe_json(item);
  }
}

crypto::SecretBytes read_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_request("cannot read " + path + ": " + std::strerror(errno));
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  crypto::SecretBytes out(as_view(content));
  sodium_memzero(content.data(), content.size());
  return out;
}

class FileVault : public Vault {
 public:
  FileVault(std::string path, PasswordSource passwords)
      : path_(std::move(path)), passwords_(std::move(passwords)) {}

  std::string type_label() const override { return "File"; }

  void load() {
    std::error_code ec;
    bool exists = fs::exists(path_, ec);
    // Only a missing file means an empty vault; a directory we may not search is an error.
    if (ec) throw bad_request("cannot read " + path_ + ": " + ec.message());
    if (!exists) {
      log::warn("Key file does not exist yet; the vault is empty", {{"file", path_}});
      return;
    }
    crypto::SecretBytes content = read_secret_file(path_);
    nlohmann::json doc = nlohmann::json::parse(content.as_string(), nullptr, false);
    if (doc.is_discarded() || !doc.is_array()) {
      throw bad_request(path_ + ": not an octez secret_keys file (expected a JSON array of "
                        "{\"name\", \"value\"} objects)");
    }
    std::size_t index = 0;
    for (auto& entry : doc) {
      std::string where = path_ + "[" + std::to_string(index++) + "]";
      if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
          !entry.contains("value") || !entry["value"].is_string()) {
        wipe_json(doc);
        throw bad_request(where + ": expected an object with string fields \"name\" and \"value\"");
      }
      std::string key_name = entry["name"].get<std::string>();
      auto& value = entry["value"].get_ref<std::string&>();
      // Every entry goes back to the file as it was read, usable here or not.
      entries_.push_back({key_name, crypto::SecretBytes(as_view(value))});
      std::string_view text = value;
      if (auto colon = text.find(':'); colon != std::string_view::npos) text = text.substr(colon + 1);
      try {
        auto key = std::make_shared<LocalKey>(unlock_secret_key(text, key_name, passwords_, "File"),
                                              key_name);
        keys_.push_back(std::move(key));
      } catch (const Error& e) {
        log::error("Skipping key", {{"file", path_}, {"error", e.what()}});
      }
    }
    wipe_json(doc);
  }

  std::vector<std::shared_ptr<Key>> list() override {
    std::lock_guard lock(mutex_);
    return keys_;
  }

  bool can_import() const override { return true; }
  std::shared_ptr<Key> import_key(tezos::SecretKey key, const std::string& requested) override {
    std::lock_guard lock(mutex_);
    std::string id = requested.empty() ? key.public_key().hash().to_base58() : requested;
    for (const auto& e : entries_) {
      if (e.name == id) throw bad_request("a key named `" + id + "' already exists in " + path_);
    }
    for (const auto& k : keys_) {
      if (k->public_key() == key.public_key())
        throw bad_request("key " + key.public_key().hash().to_base58() + " is already in " + path_);
    }
    entries_.push_back({id, entry_value(key, id)});
    auto local = std::make_shared<LocalKey>(std::move(key), id);
    keys_.push_back(local);
    try {
      persist();
    } catch (...) {
      keys_.pop_back();
      entries_.pop_back();
      throw;
    }
    return local;
  }
  bool can_generate() const override { return true; }
  std::shared_ptr<Key> generate_key(tezos::KeyType type, const std::string& id) override {
    return import_key(tezos::SecretKey::generate(type), id);
  }

 private:
  // The `value` a new key is written with: encrypted with the vault's password when it has
  // one (password_file or password_env), as octez-client writes it, so that a file of
  // encrypted keys stays encrypted; in plain text only without a password, with a warning.
  crypto::SecretBytes entry_value(const tezos::SecretKey& key, const std::string& id) const {
    if (passwords_.password) {
      return crypto::SecretBytes::from_string("encrypted:" +
                                              key.encrypt(passwords_.password->as_string()));
    }
    log::warn(
        "The new key is stored unencrypted: the vault has no password (set password_file or "
        "password_env in its config to store keys encrypted)",
        {{"file", path_}, {"key", id}});
    constexpr std::string_view kPrefix = "unencrypted:";
    const crypto::SecretBytes text = key.to_base58();
    crypto::SecretBytes value(kPrefix.size() + text.size());
    std::copy(kPrefix.begin(), kPrefix.end(), value.data());
    std::copy(text.view().begin(), text.view().end(), value.data() + kPrefix.size());
    return value;
  }

  // Writes every entry, those read from the file byte for byte as they were, through the file
  // seam's atomic replace (secret_keys_file.h, mode 0600); a failure leaves the file as it was.
  void persist() {
    fs::path target(path_);
    if (target.has_parent_path()) fs::create_directories(target.parent_path());
    write_secret_keys_file(default_file_env(), path_, entries_);
  }

  std::string path_;
  PasswordSource passwords_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<Key>> keys_;
  std::vector<SecretKeyEntry> entries_;  // the file's entries, in order, as written
};

}  // namespace

std::unique_ptr<Vault> open_file_vault(const config::VaultConfig& cfg, const VaultContext& ctx) {
  const ConfigNode& node = cfg.config;
  std::string path;
  PasswordSource passwords{std::nullopt, ctx.prompt_secret};
  if (node.is_scalar()) {
    path = node.text();
  } else if (node.is_mapping()) {
    const ConfigNode* file = node.find("file");
    if (!file || !file->is_scalar()) node.fail("`file' (path of the secret_keys file) is required");
    path = file->text();
    if (const ConfigNode* pw_file = node.find("password_file")) {
      std::string pw_path = config::expand_env(pw_file->as_string());
      crypto::SecretBytes content = read_secret_file(pw_path);
      std::string_view pw = content.as_string();
      if (auto nl = pw.find_first_of("\r\n"); nl != std::string_view::npos) pw = pw.substr(0, nl);
      passwords.password = crypto::SecretBytes(as_view(pw));
    } else if (const ConfigNode* env = node.find("password_env")) {
      const std::string& var = env->as_string();
      const char* value = std::getenv(var.c_str());
      if (!value) env->fail("variable " + var + " is not set");
      passwords.password = crypto::SecretBytes::from_string(value);
    }
  } else {
    node.fail("expected the path of a secret_keys file");
  }
  path = config::expand_env(path);  // relative paths are relative to the working directory, as in Signatory
  auto vault = std::make_unique<FileVault>(path, std::move(passwords));
  vault->load();
  return vault;
}

}  // namespace signatory::vault
