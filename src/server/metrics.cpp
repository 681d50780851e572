// Prometheus counters and histograms for the signer (see metrics.h).
#include "server/metrics.h"

#include <cstdio>

namespace signatory::server {
namespace {

const std::vector<double> kMillisecondBuckets{10, 100, 1000, 10000, 100000};
const std::vector<double> kStageBuckets{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                        0.005,   0.01,   0.025,   0.05,   0.1,   1};

std::string chain_label(const tezos::SignRequest& r) {
  return r.chain_id ? r.chain_id->to_base58() : std::string();
}

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string render_labels(const std::vector<std::pair<std::string, std::string>>& labels,
                          const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    out += (first ? "" : ",") + k + "=\"" + escape_label(v) + "\"";
    first = false;
  }
  if (!extra.empty()) out += (first ? "" : ",") + extra;
  return out + "}";
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

const std::map<std::string, std::pair<const char*, const char*>> kHelp{
    {"sign_handler_requests_total", {"counter", "Total number of sign requests handled"}},
    {"sign_handler_request_duration_milliseconds", {"histogram", "Sign request duration in ms"}},
    {"signing_ops_total", {"counter", "Total number of signed operations"}},
    {"vault_sign_request_duration_milliseconds", {"histogram", "Vault signing duration in ms"}},
    {"vault_sign_request_error_total", {"counter", "Vault signing errors"}},
    {"consensus_round_total", {"counter", "Signed consensus operations by round"}},
    {"policy_violation_total", {"counter", "Requests refused by policy"}},
    {"watermark_rejection_total", {"counter", "Requests refused by the high-water mark"}},
    {"signatory_stage_duration_seconds", {"histogram", "Time spent per stage of a sign request"}},
};

}  // namespace

void Metrics::add(const std::string& name, const Labels& labels, double value) {
  counters_[name][labels] += value;
}

void Metrics::observe(const std::string& name, const Labels& labels,
                      const std::vector<double>& bounds, double value) {
  Histogram& h = histograms_[name][labels];
  if (h.bounds.empty()) {
    h.bounds = bounds;
    h.buckets.assign(bounds.size(), 0);
  }
  for (std::size_t i = 0; i < h.bounds.size(); ++i)
    if (value <= h.bounds[i]) ++h.buckets[i];
  h.sum += value;
  ++h.count;
}

void Metrics::signed_request(const tezos::PublicKeyHash& pkh, const tezos::SignRequest& request,
                             const std::string& vault, double vault_ms) {
  std::string address = pkh.to_base58();
  std::string kind(tezos::request_kind_name(request.kind));
  std::string chain = chain_label(request);
  std::lock_guard lock(mutex_);
  if (request.kind == tezos::RequestKind::Generic) {
    std::map<std::string, int> counts;
    for (const auto& op : request.operations) ++counts[op.substr(0, op.find(':'))];
    for (const auto& [op, n] : counts)
      add("signing_ops_total",
          {{"address", address}, {"chain_id", chain}, {"kind", op}, {"op", kind}, {"vault", vault}},
          n);
  } else {
    add("signing_ops_total",
        {{"address", address}, {"chain_id", chain}, {"kind", kind}, {"op", kind}, {"vault", vault}});
  }
  if (tezos::is_consensus(request.kind))
    add("consensus_round_total", {{"address", address},
                                  {"chain_id", chain},
                                  {"operation_type", kind},
                                  {"round", std::to_string(request.round)}});
  observe("vault_sign_request_duration_milliseconds",
          {{"address", address}, {"chain_id", chain}, {"op", kind}, {"vault", vault}},
          kMillisecondBuckets, vault_ms);
}

void Metrics::policy_violation(const tezos::PublicKeyHash& pkh, const std::string& violation) {
  std::lock_guard lock(mutex_);
  add("policy_violation_total", {{"address", pkh.to_base58()},
                                 {"operation_type", "request"},
                                 {"violation_type", violation}});
}

void Metrics::watermark_rejected(const tezos::PublicKeyHash& pkh,
                                 const tezos::SignRequest& request) {
  std::lock_guard lock(mutex_);
  add("watermark_rejection_total", {{"address", pkh.to_base58()},
                                    {"chain_id", chain_label(request)},
                                    {"operation_type", std::string(tezos::request_kind_name(request.kind))},
                                    {"reason", "watermark validation failed"}});
}

void Metrics::vault_error(const std::string& vault, int status, const tezos::SignRequest& request) {
  std::lock_guard lock(mutex_);
  add("vault_sign_request_error_total",
      {{"chain_id", chain_label(request)}, {"code", std::to_string(status)}, {"vault", vault}});
}

void Metrics::stage(const char* name, double seconds) {
  std::lock_guard lock(mutex_);
  observe("signatory_stage_duration_seconds", {{"stage", name}}, kStageBuckets, seconds);
}

void Metrics::sign_handler(const std::string& address, int status, double milliseconds) {
  std::lock_guard lock(mutex_);
  Labels labels{{"address", address}, {"status", std::to_string(status)}};
  add("sign_handler_requests_total", labels);
  observe("sign_handler_request_duration_milliseconds", labels, kMillisecondBuckets, milliseconds);
}

void Metrics::in_flight(int delta) {
  std::lock_guard lock(mutex_);
  in_flight_ += delta;
}

std::string Metrics::render() {
  std::lock_guard lock(mutex_);
  std::string out;
  auto header = [&](const std::string& name, const char* type) {
    auto it = kHelp.find(name);
    out += "# HELP " + name + " " + (it != kHelp.end() ? it->second.second : name.c_str()) + "\n";
    out += "# TYPE " + name + " " + type + "\n";
  };
  for (const auto& [name, series] : counters_) {
    header(name, "counter");
    for (const auto& [labels, value] : series)
      out += name + render_labels(labels) + " " + number(value) + "\n";
  }
  for (const auto& [name, series] : histograms_) {
    header(name, "histogram");
    for (const auto& [labels, h] : series) {
      for (std::size_t i = 0; i < h.bounds.size(); ++i)
        out += name + "_bucket" + render_labels(labels, "le=\"" + number(h.bounds[i]) + "\"") +
               " " + std::to_string(h.buckets[i]) + "\n";
      out += name + "_bucket" + render_labels(labels, "le=\"+Inf\"") + " " +
             std::to_string(h.count) + "\n";
      out += name + "_sum" + render_labels(labels) + " " + number(h.sum) + "\n";
      out += name + "_count" + render_labels(labels) + " " + std::to_string(h.count) + "\n";
    }
  }
  header("signatory_requests_in_flight", "gauge");
  out += "signatory_requests_in_flight " + std::to_string(in_flight_) + "\n";
  return out;
}

}  // namespace signatory::server
