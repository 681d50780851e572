// Prometheus metrics with Signatory's names and labels (Signatory's pkg/metrics), rendered in the text
// exposition format (version 0.0.4) for the utility server's /metrics:
//   sign_handler_requests_total{address,status}, sign_handler_request_duration_milliseconds
//   (histogram 10…1e5), signing_ops_total{address,chain_id,kind,op,vault},
//   vault_sign_request_duration_milliseconds{address,chain_id,op,vault},
//   vault_sign_request_error_total{chain_id,code,vault}, consensus_round_total,
//   policy_violation_total, watermark_rejection_total,
//   authentication_failure_total{auth_method,client_ip,status}, signatory_build_info (gauge 1),
// plus ours: signatory_stage_duration_seconds{stage} (decode, policy, watermark, vault) and the
// gauge signatory_requests_in_flight (signer API requests being handled).
//
// The registry is the Signer's SignObserver and is told about every HTTP request by the API
// layer. Other modules can add their own families through count()/observe() (e.g. the
// watermark store's round trips (Signatory's watermark metrics hooks): describe() the family once, then call
// observe() per round trip from any thread).
//
// Thread-safety: every method may be called from any thread. Updates are cheap: the stage
// histograms and the in-flight gauge are atomics; other series live in per-thread shards
// (each with its own, normally uncontended, mutex) that render() merges.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "signer/sign_observer.h"

namespace signatory::server {

class Metrics : public signer::SignObserver {
 public:
  // Label name/value pairs, in the order they are rendered (keep them sorted by name).
  using Labels = std::vector<std::pair<std::string, std::string>>;

  Metrics();
  ~Metrics() override;

  void signed_request(const tezos::PublicKeyHash& pkh, const tezos::SignRequest& request,
                      const std::string& vault, double vault_ms) override;
  void policy_violation(const tezos::PublicKeyHash& pkh, const std::string& violation) override;
  void watermark_rejected(const tezos::PublicKeyHash& pkh,
                          const tezos::SignRequest& request) override;
  // The `code` and `status` labels carry the HTTP status of `code` (server/error_status.h).
  void vault_error(const std::string& vault, ErrorCode code,
                   const tezos::SignRequest& request) override;
  void authentication_failed(ErrorCode code, const std::string& method,
                             const std::string& client_ip) override;
  void stage(const char* name, double seconds) override;

  // One POST /keys/{pkh}: `address` is the pkh or "unknown".
  void sign_handler(const std::string& address, int status, double milliseconds);
  // A signer API request starts (+1) or ends (-1).
  void in_flight(int delta);

  // `signatory_build_info{…} 1` (Signatory's labels: branch, checksum, path, revision, version).
  void set_build_info(const Labels& labels);

  // Generic hooks: a counter (count) or histogram (observe) family, created at first use; its
  // HELP text is its name unless describe()d. `bounds` are the upper bounds of the buckets,
  // increasing (+Inf is implicit); a family keeps the bounds of its first observation.
  void describe(const std::string& name, const std::string& help);
  void count(const std::string& name, const Labels& labels, double value = 1);
  void observe(const std::string& name, const Labels& labels, const std::vector<double>& bounds,
               double value);

  std::string render();

  // Values another module keeps itself and reports when scraped (e.g. Watermark::stats()):
  // one family `<prefix><name>` per pair, typed counter when the name ends in `_total`, gauge
  // otherwise, each with the one sample `labels`. Pure; thread-safe.
  static std::string render_snapshot(const std::string& prefix, const Labels& labels,
                                     const std::vector<std::pair<std::string, double>>& values);

 private:
  struct Series {
    double value = 0;                   // counters
    std::vector<std::uint64_t> counts;  // histograms: per bucket (not cumulative), then +Inf
    double sum = 0;
  };
  struct Family {
    bool histogram = false;
    std::vector<double> bounds;
    std::map<std::string, Series> series;  // by rendered labels `a="x",b="y"`
  };
  struct alignas(64) Shard {
    std::mutex mutex;
    std::map<std::string, Family> families;
  };
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kStages = 4;
  static constexpr std::size_t kStageBuckets = 12;
  struct StageHistogram {
    std::array<std::atomic<std::uint64_t>, kStageBuckets + 1> counts{};
    std::atomic<std::uint64_t> sum_ns{0};
  };

  Shard& shard();

  std::array<Shard, kShards> shards_;
  std::array<StageHistogram, kStages> stages_;
  std::atomic<long long> in_flight_{0};
  std::mutex help_mutex_;
  std::map<std::string, std::string> help_;  // name → help; guarded by help_mutex_
  Labels build_info_;                        // guarded by help_mutex_
};

}  // namespace signatory::server
