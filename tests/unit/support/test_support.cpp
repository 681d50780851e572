// Implementation of the unit-test helpers (see test_support.h).
#include "test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace signatory::testing {

nlohmann::json load_vectors(const std::string& relative) {
  std::string path = std::string(SIGNATORY_TESTDATA) + "/" + relative;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open test vectors " + path);
  return nlohmann::json::parse(in);
}

const nlohmann::json& tezos_vectors(const std::string& file) {
  static std::map<std::string, nlohmann::json> cache;
  auto it = cache.find(file);
  if (it == cache.end()) it = cache.emplace(file, load_vectors("tezos/" + file)).first;
  return it->second;
}

const nlohmann::json& tezos_key(const std::string& id) {
  for (const auto& k : tezos_vectors("keys.json").at("keys"))
    if (k.at("id") == id) return k;
  throw std::runtime_error("no key " + id + " in tezos/keys.json");
}

std::string secret_keys_file(const std::vector<std::string>& ids) {
  nlohmann::json doc = nlohmann::json::array();
  for (const auto& id : ids)
    doc.push_back({{"name", id},
                   {"value", "unencrypted:" + tezos_key(id).at("secret_key").get<std::string>()}});
  return doc.dump(2);
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "signatory-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string& name, const std::string& content) const {
  std::ofstream out(file(name), std::ios::binary);
  out << content;
}

static std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult run_shell(const std::string& command) {
  TempDir dir;
  std::string cmd = "(" + command + ") </dev/null >" + dir.file("out") + " 2>" + dir.file("err");
  CommandResult r;
  int status = std::system(cmd.c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(dir.file("out"));
  r.err = slurp(dir.file("err"));
  return r;
}

CommandResult run_binary(const std::string& binary, const std::string& args) {
  return run_shell(std::string(SIGNATORY_BINARY_DIR) + "/" + binary + " " + args);
}

std::string read_file(const std::string& path) {
  return slurp(path);
}

}  // namespace signatory::testing
