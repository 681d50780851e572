// Prometheus metrics with Signatory's names and labels (reference §7.1), rendered in the text
// exposition format for the utility server's /metrics. The registry is the Signer's
// SignObserver and is told about every HTTP sign request by the API layer. Thread-safe: all
// updates and renders take one mutex (updates are a few map operations per request).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "signer/sign_observer.h"

namespace signatory::server {

class Metrics : public signer::SignObserver {
 public:
  void signed_request(const tezos::PublicKeyHash& pkh, const tezos::SignRequest& request,
                      const std::string& vault, double vault_ms) override;
  void policy_violation(const tezos::PublicKeyHash& pkh, const std::string& violation) override;
  void watermark_rejected(const tezos::PublicKeyHash& pkh,
                          const tezos::SignRequest& request) override;
  void vault_error(const std::string& vault, int status,
                   const tezos::SignRequest& request) override;
  void stage(const char* name, double seconds) override;

  // One POST /keys/{pkh}: `address` is the pkh or "unknown".
  void sign_handler(const std::string& address, int status, double milliseconds);
  void in_flight(int delta);

  std::string render();

 private:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  struct Histogram {
    std::vector<double> bounds;
    std::vector<unsigned long long> buckets;  // cumulative at render
    double sum = 0;
    unsigned long long count = 0;
  };
  void add(const std::string& name, const Labels& labels, double value = 1);
  void observe(const std::string& name, const Labels& labels, const std::vector<double>& bounds,
               double value);

  std::mutex mutex_;
  std::map<std::string, std::map<Labels, double>> counters_;
  std::map<std::string, std::map<Labels, Histogram>> histograms_;
  long long in_flight_ = 0;
};

}  // namespace signatory::server
