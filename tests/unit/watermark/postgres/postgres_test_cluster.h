// A private PostgreSQL cluster for the postgres watermark unit tests, started through
// tests/system/postgres/pg_cluster.py (initdb template, free 127.0.0.1 port, runs as the
// `postgres` user when the tests run as root). One cluster per test process, started on
// first use and destroyed at exit; tests isolate themselves by table name.
//
// If no cluster can be started a PostgresTest FAILS, unless SIGNATORY_SKIP_POSTGRES=1, which skips
// it (for machines without postgresql-15). Test-only; not thread-safe (call from the test's
// main thread).
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "watermark/postgres/postgres_options.h"
#include "watermark/postgres/postgres_watermark.h"

namespace signatory::watermark::testing {

class PgTestCluster {
 public:
  // The process's cluster, or nullptr after recording why it could not start (see
  // PG_CLUSTER_OR_SKIP).
  static PgTestCluster* get(std::string* why) {
    static std::unique_ptr<PgTestCluster> cluster;
    static std::string error;
    static bool tried = false;
    if (!tried) {
      tried = true;
      cluster.reset(new PgTestCluster());
      if (!cluster->start(&error)) cluster.reset();
    }
    if (!cluster && why) *why = error;
    return cluster.get();
  }

  ~PgTestCluster() {
    if (!dir_.empty()) script("destroy " + dir_);
  }

  const std::string& dsn() const { return dsn_; }
  const std::string& password_file() const { return password_file_; }
  const std::string& dir() const { return dir_; }

  // Options for a store on `table` of this cluster.
  std::map<std::string, std::string> options(const std::string& table) const {
    return {{"dsn", dsn_}, {"password_file", password_file_}, {"table", table}};
  }

  void stop() { ASSERT_EQ(script("stop " + dir_), 0) << "pg_cluster.py stop failed"; }
  void start_again() {
    ASSERT_EQ(script("start-again " + dir_), 0) << "pg_cluster.py start-again failed";
  }

  // The postmaster and its children (every process of this cluster), for SIGSTOP/SIGCONT.
  std::vector<pid_t> server_processes() const {
    std::vector<pid_t> out;
    std::ifstream pidfile(dir_ + "/data/postmaster.pid");
    long postmaster = 0;
    if (!(pidfile >> postmaster) || postmaster <= 0) return out;
    out.push_back(static_cast<pid_t>(postmaster));
    DIR* proc = opendir("/proc");
    if (!proc) return out;
    while (dirent* e = readdir(proc)) {
      const long pid = std::atol(e->d_name);
      if (pid <= 0) continue;
      std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
      std::string line;
      if (!std::getline(stat, line)) continue;
      const auto close = line.rfind(')');
      if (close == std::string::npos) continue;
      char state = 0;
      long ppid = 0;
      if (std::sscanf(line.c_str() + close + 1, " %c %ld", &state, &ppid) == 2 &&
          ppid == postmaster)
        out.push_back(static_cast<pid_t>(pid));
    }
    closedir(proc);
    return out;
  }
  void signal_server(int sig) const {
    for (pid_t p : server_processes()) ::kill(p, sig);
  }

 private:
  PgTestCluster() = default;

  static std::string script_path() {
    return std::string(SIGNATORY_SOURCE_DIR) + "/tests/system/postgres/pg_cluster.py";
  }
  int script(const std::string& args) const {
    const std::string cmd = "python3 " + script_path() + " " + args + " >/dev/null 2>&1";
    return std::system(cmd.c_str());
  }

  bool start(std::string* why) {
    const std::string cmd = "python3 " + script_path() + " start 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) {
      *why = "cannot run " + cmd;
      return false;
    }
    std::string out;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int rc = ::pclose(p);
    if (rc != 0) {
      *why = "pg_cluster.py start failed: " + out;
      return false;
    }
    try {
      const auto j = nlohmann::json::parse(out.substr(out.find('{')));
      dir_ = j.at("dir");
      dsn_ = j.at("dsn");
      password_file_ = j.at("password_file");
    } catch (const std::exception& e) {
      *why = std::string("pg_cluster.py printed no cluster: ") + e.what() + ": " + out;
      return false;
    }
    return true;
  }

  std::string dir_, dsn_, password_file_;
};

inline bool skip_postgres_allowed() {
  const char* v = std::getenv("SIGNATORY_SKIP_POSTGRES");
  return v && std::string(v) == "1";
}

// Base of the tests that need the cluster: SetUp fails (or skips, see above) without one,
// and gives each test its own table, so tests sharing the process's cluster never meet.
class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    pg_ = PgTestCluster::get(&why);
    if (!pg_) {
      if (skip_postgres_allowed()) GTEST_SKIP() << why;
      FAIL() << "no PostgreSQL cluster (SIGNATORY_SKIP_POSTGRES=1 skips): " << why;
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string("wm_") + info->test_suite_name() + "_" + info->name();
    for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '_';
    if (name.size() > 40) {  // keep room for suffixes within the 55-character limit
      char hash[16];
      std::snprintf(hash, sizeof hash, "_%07zx", std::hash<std::string>{}(name)&0xFFFFFFF);
      name = name.substr(0, 32) + hash;
    }
    table_ = name;
  }
  PgTestCluster& pg() { return *pg_; }
  const std::string& table() const { return table_; }

  std::map<std::string, std::string> options(std::map<std::string, std::string> extra = {}) {
    auto o = pg_->options(table_);
    for (auto& [k, v] : extra) o[k] = v;
    return o;
  }
  std::unique_ptr<PostgresWatermark> open(std::map<std::string, std::string> extra = {}) {
    return std::make_unique<PostgresWatermark>(parse_postgres_options(options(std::move(extra))));
  }
  // Runs `sql` on a connection of its own (to look at or tamper with the table).
  PgRows sql(const std::string& text) {
    const auto o = parse_postgres_options(options());
    auto c = PgConnection::open(o.connect, PgClock::now() + std::chrono::seconds(10));
    return c->exec_simple(text, PgClock::now() + std::chrono::seconds(10));
  }

 private:
  PgTestCluster* pg_ = nullptr;
  std::string table_;
};

}  // namespace signatory::watermark::testing
