// The metrics registry: Signatory's names and labels, histogram buckets, label escaping, and
// exact totals when many threads update the sharded counters and atomic stage histograms at
// once. render() is read back with a strict parser of the Prometheus text format (0.0.4).
#include "server/metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tezos/keys.h"
#include "tezos/sign_request.h"

namespace signatory::server {
namespace {

// name{labels} → value, plus each family's TYPE; fails the test on any malformed line.
struct Exposition {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;
};

Exposition parse(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*)");
  static const std::regex kType(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*)?\})? ([-+]?[0-9.eE+-]+|NaN|[+-]Inf))");
  Exposition out;
  std::istringstream in(text);
  std::string line, family;
  std::set<std::string> closed;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) continue;
    if (std::regex_match(line, m, kType)) {
      EXPECT_FALSE(out.types.count(m[1])) << "second TYPE for " << m[1];
      out.types[m[1]] = m[2];
      if (!family.empty()) closed.insert(family);
      family = m[1];
      continue;
    }
    if (!std::regex_match(line, m, kSample)) {
      ADD_FAILURE() << "malformed line: " << line;
      continue;
    }
    std::string name = m[1];
    std::string base = name;
    for (std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (name.size() <= suffix.size() ||
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      std::string stripped = name.substr(0, name.size() - suffix.size());
      if (auto t = out.types.find(stripped); t != out.types.end() && t->second == "histogram")
        base = stripped;
    }
    EXPECT_EQ(base, family) << "sample outside its family: " << line;
    EXPECT_FALSE(closed.count(base)) << "family not contiguous: " << line;
    std::string key = name + std::string(m[2]);
    EXPECT_FALSE(out.samples.count(key)) << "duplicate series: " << line;
    out.samples[key] = std::stod(m[7]);
  }
  return out;
}

tezos::SignRequest consensus(tezos::RequestKind kind, int round) {
  tezos::SignRequest r;
  r.kind = kind;
  r.chain_id = tezos::ChainId::parse("NetXdQprcVkpaWU");
  r.level = 100;
  r.round = round;
  return r;
}

const std::string kPkh = "tz1cf12zAidvSnYHmpQj78TiaNF44ucgBjJH";

TEST(Metrics, SignatorysFamiliesWithTheirLabels) {
  Metrics m;
  auto pkh = tezos::PublicKeyHash::parse(kPkh);
  tezos::SignRequest generic;
  generic.kind = tezos::RequestKind::Generic;
  generic.operations = {"transaction", "transaction", "reveal", "ballot:yay"};
  m.signed_request(pkh, generic, "File", 12.5);
  m.signed_request(pkh, consensus(tezos::RequestKind::Attestation, 2), "File", 0.5);
  m.policy_violation(pkh, "delegation");
  m.watermark_rejected(pkh, consensus(tezos::RequestKind::Block, 0));
  m.vault_error("AWSKMS", ErrorCode::Unavailable, consensus(tezos::RequestKind::Block, 0));
  m.authentication_failed(ErrorCode::Unauthenticated, "authentication", "127.0.0.1");
  m.sign_handler(kPkh, 200, 5);
  m.sign_handler(kPkh, 200, 150);
  m.sign_handler("unknown", 400, 1);
  m.set_build_info({{"branch", "main"},
                    {"checksum", "(unknown)"},
                    {"path", "signatory"},
                    {"revision", "abc"},
                    {"version", "abc"}});
  Exposition e = parse(m.render());
  const std::string a = "address=\"" + kPkh + "\"";
  const std::string net = "chain_id=\"NetXdQprcVkpaWU\"";
  EXPECT_EQ(e.samples.at("signing_ops_total{" + a +
                         ",chain_id=\"\",kind=\"transaction\",op=\"generic\",vault=\"File\"}"),
            2);
  EXPECT_EQ(e.samples.at("signing_ops_total{" + a +
                         ",chain_id=\"\",kind=\"ballot\",op=\"generic\",vault=\"File\"}"),
            1);
  EXPECT_EQ(e.samples.at("signing_ops_total{" + a + "," + net +
                         ",kind=\"attestation\",op=\"attestation\",vault=\"File\"}"),
            1);
  EXPECT_EQ(e.samples.at("consensus_round_total{" + a + "," + net +
                         ",operation_type=\"attestation\",round=\"2\"}"),
            1);
  EXPECT_EQ(e.samples.at("policy_violation_total{" + a +
                         ",operation_type=\"request\",violation_type=\"delegation\"}"),
            1);
  EXPECT_EQ(e.samples.at("watermark_rejection_total{" + a + "," + net +
                         ",operation_type=\"block\",reason=\"watermark validation failed\"}"),
            1);
  EXPECT_EQ(
      e.samples.at("vault_sign_request_error_total{" + net + ",code=\"503\",vault=\"AWSKMS\"}"), 1);
  EXPECT_EQ(e.samples.at("authentication_failure_total{auth_method=\"authentication\",client_ip="
                         "\"127.0.0.1\",status=\"401\"}"),
            1);
  EXPECT_EQ(e.samples.at("sign_handler_requests_total{" + a + ",status=\"200\"}"), 2);
  EXPECT_EQ(e.samples.at("sign_handler_requests_total{address=\"unknown\",status=\"400\"}"), 1);
  // Histogram: buckets 10, 100, 1000, 10000, 100000 ms, cumulative.
  const std::string h = "sign_handler_request_duration_milliseconds";
  const std::string l = a + ",status=\"200\"";
  EXPECT_EQ(e.samples.at(h + "_bucket{" + l + ",le=\"10\"}"), 1);
  EXPECT_EQ(e.samples.at(h + "_bucket{" + l + ",le=\"100\"}"), 1);
  EXPECT_EQ(e.samples.at(h + "_bucket{" + l + ",le=\"1000\"}"), 2);
  EXPECT_EQ(e.samples.at(h + "_bucket{" + l + ",le=\"100000\"}"), 2);
  EXPECT_EQ(e.samples.at(h + "_bucket{" + l + ",le=\"+Inf\"}"), 2);
  EXPECT_EQ(e.samples.at(h + "_sum{" + l + "}"), 155);
  EXPECT_EQ(e.samples.at(h + "_count{" + l + "}"), 2);
  EXPECT_EQ(e.samples.at("vault_sign_request_duration_milliseconds_count{" + a +
                         ",chain_id=\"\",op=\"generic\",vault=\"File\"}"),
            1);
  EXPECT_EQ(e.samples.at("signatory_build_info{branch=\"main\",checksum=\"(unknown)\",path="
                         "\"signatory\",revision=\"abc\",version=\"abc\"}"),
            1);
  EXPECT_EQ(e.samples.at("signatory_requests_in_flight"), 0);
  EXPECT_EQ(e.types.at("sign_handler_requests_total"), "counter");
  EXPECT_EQ(e.types.at(h), "histogram");
  EXPECT_EQ(e.types.at("signatory_build_info"), "gauge");
  EXPECT_EQ(e.types.at("signatory_requests_in_flight"), "gauge");
}

TEST(Metrics, LabelValuesAreEscaped) {
  Metrics m;
  m.count("odd_total", {{"v", "a\"b\\c\nd"}});
  const std::string text = m.render();
  EXPECT_NE(text.find(R"(odd_total{v="a\"b\\c\nd"} 1)"), std::string::npos) << text;
  parse(text);
}

TEST(Metrics, ExactTotalsUnderConcurrentUpdates) {
  Metrics m;
  constexpr int kThreads = 8, kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < kPerThread; ++i) {
        m.in_flight(1);
        m.sign_handler(kPkh, i % 2 ? 200 : 409, 1);
        m.stage("decode", 0.0002);  // bucket le=0.00025
        m.stage("vault", 2.0);      // above every bound
        m.observe("custom_seconds", {{"thread_parity", t % 2 ? "odd" : "even"}}, {0.5}, 0.25);
        m.in_flight(-1);
      }
    });
  }
  for (auto& th : threads) th.join();
  Exposition e = parse(m.render());
  const std::string a = "address=\"" + kPkh + "\"";
  EXPECT_EQ(e.samples.at("sign_handler_requests_total{" + a + ",status=\"200\"}"),
            kThreads * kPerThread / 2);
  EXPECT_EQ(e.samples.at("sign_handler_requests_total{" + a + ",status=\"409\"}"),
            kThreads * kPerThread / 2);
  const std::string s = "signatory_stage_duration_seconds";
  EXPECT_EQ(e.samples.at(s + "_bucket{stage=\"decode\",le=\"0.0001\"}"), 0);
  EXPECT_EQ(e.samples.at(s + "_bucket{stage=\"decode\",le=\"0.00025\"}"), kThreads * kPerThread);
  EXPECT_EQ(e.samples.at(s + "_count{stage=\"decode\"}"), kThreads * kPerThread);
  EXPECT_NEAR(e.samples.at(s + "_sum{stage=\"decode\"}"), kThreads * kPerThread * 0.0002, 1e-6);
  EXPECT_EQ(e.samples.at(s + "_bucket{stage=\"vault\",le=\"1\"}"), 0);
  EXPECT_EQ(e.samples.at(s + "_bucket{stage=\"vault\",le=\"+Inf\"}"), kThreads * kPerThread);
  EXPECT_FALSE(e.samples.count(s + "_count{stage=\"policy\"}")) << "an unused stage is not shown";
  EXPECT_EQ(e.samples.at("custom_seconds_count{thread_parity=\"odd\"}"), kThreads * kPerThread / 2);
  EXPECT_EQ(e.samples.at("custom_seconds_bucket{thread_parity=\"even\",le=\"0.5\"}"),
            kThreads * kPerThread / 2);
  EXPECT_EQ(e.samples.at("signatory_requests_in_flight"), 0);
}

TEST(Metrics, DescribedFamiliesCarryTheirHelp) {
  Metrics m;
  m.describe("watermark_io_latency_seconds", "Watermark store round trip latency");
  m.observe("watermark_io_latency_seconds", {{"operation", "write"}}, {0.0001, 0.0002}, 0.00015);
  const std::string text = m.render();
  EXPECT_NE(text.find("# HELP watermark_io_latency_seconds Watermark store round trip latency\n"
                      "# TYPE watermark_io_latency_seconds histogram\n"),
            std::string::npos)
      << text;
  Exposition e = parse(text);
  EXPECT_EQ(e.samples.at("watermark_io_latency_seconds_bucket{operation=\"write\",le=\"0.0001\"}"),
            0);
  EXPECT_EQ(e.samples.at("watermark_io_latency_seconds_bucket{operation=\"write\",le=\"0.0002\"}"),
            1);
}

TEST(Metrics, SnapshotsAreCountersOrGaugesByName) {
  const std::string text = Metrics::render_snapshot(
      "signatory_watermark_store_", {{"backend", "postgres"}},
      {{"round_trips_total", 1234567}, {"connections_open", 3}, {"errors_total", 0}});
  Exposition e = parse(text);
  EXPECT_EQ(e.types.at("signatory_watermark_store_round_trips_total"), "counter");
  EXPECT_EQ(e.types.at("signatory_watermark_store_connections_open"), "gauge");
  EXPECT_EQ(e.types.at("signatory_watermark_store_errors_total"), "counter");
  EXPECT_EQ(e.samples.at("signatory_watermark_store_round_trips_total{backend=\"postgres\"}"),
            1234567);
  EXPECT_EQ(e.samples.at("signatory_watermark_store_connections_open{backend=\"postgres\"}"), 3);
  EXPECT_EQ(Metrics::render_snapshot("p_", {}, {}), "");
}

}  // namespace
}  // namespace signatory::server
