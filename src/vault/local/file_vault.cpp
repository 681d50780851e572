// Driver `file`: octez `secret_keys` files (see file_vault.h).
#include "vault/local/file_vault.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

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

  std::string name() const override { return "File"; }

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
    for (const auto& k : keys_) {
      if (k->id() == id) throw bad_request("a key named `" + id + "' already exists in " + path_);
      if (k->public_key() == key.public_key())
        throw bad_request("key " + key.public_key().hash().to_base58() + " is already in " + path_);
    }
    auto local = std::make_shared<LocalKey>(std::move(key), id);
    keys_.push_back(local);
    try {
      persist();
    } catch (...) {
      keys_.pop_back();
      throw;
    }
    return local;
  }
  bool can_generate() const override { return true; }
  std::shared_ptr<Key> generate_key(tezos::KeyType type, const std::string& id) override {
    return import_key(tezos::SecretKey::generate(type), id);
  }

 private:
  // Writes every key (unencrypted, as octez-client does without a password) to a temporary
  // file beside the target, syncs it, and renames it over the target.
  void persist() {
    nlohmann::json doc = nlohmann::json::array();
    for (const auto& k : keys_) {
      const auto& local = static_cast<const LocalKey&>(*k);
      crypto::SecretBytes text = local.secret().to_base58();
      doc.push_back({{"name", k->id()}, {"value", "unencrypted:" + std::string(text.as_string())}});
    }
    std::string body = doc.dump(2) + "\n";
    wipe_json(doc);
    fs::path target(path_);
    if (target.has_parent_path()) fs::create_directories(target.parent_path());
    std::string tmp = path_ + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      sodium_memzero(body.data(), body.size());
      throw internal_error("cannot write " + tmp + ": " + std::strerror(errno));
    }
    bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) &&
              ::fsync(fd) == 0;
    int saved = errno;
    ::close(fd);
    sodium_memzero(body.data(), body.size());
    if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
      if (ok) saved = errno;
      ::unlink(tmp.c_str());
      throw internal_error("cannot write " + path_ + ": " + std::strerror(saved));
    }
  }

  std::string path_;
  PasswordSource passwords_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<Key>> keys_;
};

std::string where(const config::VaultConfig& cfg) {
  return cfg.file + ":" + std::to_string(cfg.line) + ": vaults." + cfg.name + ".config";
}

}  // namespace

std::unique_ptr<Vault> open_file_vault(const config::VaultConfig& cfg, const VaultContext& ctx) {
  const YAML::Node& node = cfg.config;
  std::string path;
  PasswordSource passwords{std::nullopt, ctx.prompt_secret};
  if (node && node.IsScalar()) {
    path = node.as<std::string>();
  } else if (node && node.IsMap()) {
    if (!node["file"] || !node["file"].IsScalar())
      throw bad_request(where(cfg) + ": `file' (path of the secret_keys file) is required");
    path = node["file"].as<std::string>();
    if (node["password_file"]) {
      std::string pw_path = config::expand_env(node["password_file"].as<std::string>());
      crypto::SecretBytes content = read_secret_file(pw_path);
      std::string_view pw = content.as_string();
      if (auto nl = pw.find_first_of("\r\n"); nl != std::string_view::npos) pw = pw.substr(0, nl);
      passwords.password = crypto::SecretBytes(as_view(pw));
    } else if (node["password_env"]) {
      std::string var = node["password_env"].as<std::string>();
      const char* value = std::getenv(var.c_str());
      if (!value) throw bad_request(where(cfg) + ": password_env: variable " + var + " is not set");
      passwords.password = crypto::SecretBytes::from_string(value);
    }
  } else {
    throw bad_request(where(cfg) + ": expected the path of a secret_keys file");
  }
  path = config::expand_env(path);  // relative paths are relative to the working directory, as in Signatory
  auto vault = std::make_unique<FileVault>(path, std::move(passwords));
  vault->load();
  return vault;
}

}  // namespace signatory::vault
