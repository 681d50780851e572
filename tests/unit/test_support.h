// Helpers shared by unit tests: reading the test vectors, temporary directories that remove
// themselves, and running a binary of this build with captured output.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace signatory::testing {

// Parses tests/vectors/<relative> (SIGNATORY_TESTDATA; e.g. "tezos/keys.json").
nlohmann::json load_vectors(const std::string& relative);
// testdata/tezos/<file>, parsed once per process and kept (tests are single-threaded).
const nlohmann::json& tezos_vectors(const std::string& file);
// The record of key `id` in tezos/keys.json ("ed25519_0": secret_key, public_key, …).
const nlohmann::json& tezos_key(const std::string& id);
// An octez `secret_keys` file (JSON) holding the keys `ids` of keys.json in plain text.
std::string secret_keys_file(const std::vector<std::string>& ids);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `<build dir>/<binary> <args>` through /bin/sh with stdin from /dev/null.
CommandResult run_binary(const std::string& binary, const std::string& args);
// Runs a /bin/sh command line with stdin from /dev/null.
CommandResult run_shell(const std::string& command);
// The whole content of a file ("" when it cannot be read).
std::string read_file(const std::string& path);

}  // namespace signatory::testing
