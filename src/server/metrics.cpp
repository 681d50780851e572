// Prometheus counters and histograms for the signer (see metrics.h).
#include "server/metrics.h"

#include <charconv>
#include <cstdlib>
#include <cstring>

#include "server/error_status.h"

namespace signatory::server {
namespace {

const std::vector<double> kMillisecondBuckets{10, 100, 1000, 10000, 100000};
constexpr std::array<double, 12> kStageBounds{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                              0.005,   0.01,   0.025,   0.05,   0.1,   1};
constexpr std::array<const char*, 4> kStageNames{"decode", "policy", "watermark", "vault"};

const char* const kStageFamily = "signatory_stage_duration_seconds";

const std::map<std::string, std::pair<std::string, std::string>> kKnownFamilies{
    {"sign_handler_requests_total", {"counter", "Total number of sign requests handled"}},
    {"sign_handler_request_duration_milliseconds",
     {"histogram", "Sign request handling duration in milliseconds"}},
    {"signing_ops_total", {"counter", "Total number of signed operations"}},
    {"vault_sign_request_duration_milliseconds",
     {"histogram", "Watermark check and vault signing duration in milliseconds"}},
    {"vault_sign_request_error_total", {"counter", "Vault signing errors"}},
    {"consensus_round_total", {"counter", "Signed consensus operations by round"}},
    {"policy_violation_total", {"counter", "Requests refused by policy"}},
    {"watermark_rejection_total", {"counter", "Requests refused by the high-water mark"}},
    {"authentication_failure_total", {"counter", "Requests refused by client authentication"}},
    {kStageFamily, {"histogram", "Time spent per stage of a sign request in seconds"}},
    {"signatory_build_info", {"gauge", "A metric with a constant '1' value labeled by build"}},
    {"signatory_requests_in_flight", {"gauge", "Signer API requests being handled"}},
};

std::string chain_label(const tezos::SignRequest& r) {
  return r.chain_id ? r.chain_id->to_base58() : std::string();
}

void append_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

std::string series_key(const Metrics::Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ',';
    out += k;
    out += "=\"";
    append_escaped(out, v);
    out += '"';
  }
  return out;
}

// The shortest text that reads back as `v`, laid out as Go's strconv 'g' with precision -1
// (which Prometheus' Go client uses): exponent form below 1e-4 and from 1e6 on ("5e-05",
// "0.0001", "100000", "1e+06").
std::string number(double v) {
  if (v != v) return "NaN";
  if (v == 0) return "0";
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string text(buf, sci.ptr);
  int exponent = std::atoi(text.c_str() + text.find('e') + 1);
  if (exponent < -4 || exponent >= 6) return text;
  auto fixed = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, fixed.ptr);
}

// `name{labels,extra}`, or `name{extra}` / `name` when parts are empty.
std::string sample(const std::string& name, const std::string& key, const std::string& extra = {}) {
  if (key.empty() && extra.empty()) return name;
  std::string out = name + "{" + key;
  if (!key.empty() && !extra.empty()) out += ',';
  return out + extra + "}";
}

std::size_t next_shard_index() {
  static std::atomic<std::size_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

Metrics::Shard& Metrics::shard() {
  thread_local const std::size_t index = next_shard_index();
  return shards_[index % kShards];
}

void Metrics::describe(const std::string& name, const std::string& help) {
  std::lock_guard lock(help_mutex_);
  help_[name] = help;
}

void Metrics::set_build_info(const Labels& labels) {
  std::lock_guard lock(help_mutex_);
  build_info_ = labels;
}

void Metrics::count(const std::string& name, const Labels& labels, double value) {
  std::string key = series_key(labels);
  Shard& s = shard();
  std::lock_guard lock(s.mutex);
  s.families[name].series[key].value += value;
}

void Metrics::observe(const std::string& name, const Labels& labels,
                      const std::vector<double>& bounds, double value) {
  std::string key = series_key(labels);
  Shard& s = shard();
  std::lock_guard lock(s.mutex);
  Family& f = s.families[name];
  if (!f.histogram) {
    f.histogram = true;
    f.bounds = bounds;
  }
  Series& series = f.series[key];
  if (series.counts.empty()) series.counts.assign(f.bounds.size() + 1, 0);
  std::size_t i = 0;
  while (i < f.bounds.size() && value > f.bounds[i]) ++i;
  ++series.counts[i];
  series.sum += value;
}

void Metrics::signed_request(const tezos::PublicKeyHash& pkh, const tezos::SignRequest& request,
                             const std::string& vault, double vault_ms) {
  std::string address = pkh.to_base58();
  std::string kind(tezos::request_kind_name(request.kind));
  std::string chain = chain_label(request);
  if (request.kind == tezos::RequestKind::Generic) {
    std::map<std::string, int> counts;
    for (const auto& op : request.operations) ++counts[op.substr(0, op.find(':'))];
    for (const auto& [op, n] : counts)
      count(
          "signing_ops_total",
          {{"address", address}, {"chain_id", chain}, {"kind", op}, {"op", kind}, {"vault", vault}},
          n);
  } else {
    count("signing_ops_total", {{"address", address},
                                {"chain_id", chain},
                                {"kind", kind},
                                {"op", kind},
                                {"vault", vault}});
  }
  if (tezos::is_consensus(request.kind))
    count("consensus_round_total", {{"address", address},
                                    {"chain_id", chain},
                                    {"operation_type", kind},
                                    {"round", std::to_string(request.round)}});
  observe("vault_sign_request_duration_milliseconds",
          {{"address", address}, {"chain_id", chain}, {"op", kind}, {"vault", vault}},
          kMillisecondBuckets, vault_ms);
}

void Metrics::policy_violation(const tezos::PublicKeyHash& pkh, const std::string& violation) {
  count(
      "policy_violation_total",
      {{"address", pkh.to_base58()}, {"operation_type", "request"}, {"violation_type", violation}});
}

void Metrics::watermark_rejected(const tezos::PublicKeyHash& pkh,
                                 const tezos::SignRequest& request) {
  count("watermark_rejection_total",
        {{"address", pkh.to_base58()},
         {"chain_id", chain_label(request)},
         {"operation_type", std::string(tezos::request_kind_name(request.kind))},
         {"reason", "watermark validation failed"}});
}

void Metrics::vault_error(const std::string& vault, ErrorCode code,
                          const tezos::SignRequest& request) {
  count("vault_sign_request_error_total", {{"chain_id", chain_label(request)},
                                           {"code", std::to_string(http_status(code))},
                                           {"vault", vault}});
}

void Metrics::authentication_failed(ErrorCode code, const std::string& method,
                                    const std::string& client_ip) {
  count("authentication_failure_total", {{"auth_method", method},
                                         {"client_ip", client_ip},
                                         {"status", std::to_string(http_status(code))}});
}

void Metrics::stage(const char* name, double seconds) {
  for (std::size_t s = 0; s < kStages; ++s) {
    if (std::strcmp(name, kStageNames[s]) != 0) continue;
    StageHistogram& h = stages_[s];
    std::size_t i = 0;
    while (i < kStageBounds.size() && seconds > kStageBounds[i]) ++i;
    h.counts[i].fetch_add(1, std::memory_order_relaxed);
    double ns = seconds > 0 ? seconds * 1e9 : 0;
    h.sum_ns.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
    return;
  }
  observe(kStageFamily, {{"stage", name}},
          std::vector<double>(kStageBounds.begin(), kStageBounds.end()), seconds);
}

void Metrics::sign_handler(const std::string& address, int status, double milliseconds) {
  Labels labels{{"address", address}, {"status", std::to_string(status)}};
  count("sign_handler_requests_total", labels);
  observe("sign_handler_request_duration_milliseconds", labels, kMillisecondBuckets, milliseconds);
}

void Metrics::in_flight(int delta) {
  in_flight_.fetch_add(delta, std::memory_order_relaxed);
}

std::string Metrics::render_snapshot(const std::string& prefix, const Labels& labels,
                                     const std::vector<std::pair<std::string, double>>& values) {
  std::string out;
  const std::string key = series_key(labels);
  for (const auto& [name, value] : values) {
    const std::string family = prefix + name;
    const bool counter = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    out += "# HELP " + family + " " + family + "\n";
    out += "# TYPE " + family + (counter ? " counter\n" : " gauge\n");
    out += sample(family, key) + " " + number(value) + "\n";
  }
  return out;
}

std::string Metrics::render() {
  // Merge the shards (and the atomic stage histograms) into one view.
  std::map<std::string, Family> merged;
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (const auto& [name, family] : s.families) {
      Family& m = merged[name];
      if (family.histogram && !m.histogram) {
        m.histogram = true;
        m.bounds = family.bounds;
      }
      for (const auto& [key, series] : family.series) {
        Series& t = m.series[key];
        t.value += series.value;
        t.sum += series.sum;
        if (t.counts.size() < series.counts.size()) t.counts.resize(series.counts.size(), 0);
        for (std::size_t i = 0; i < series.counts.size(); ++i) t.counts[i] += series.counts[i];
      }
    }
  }
  for (std::size_t s = 0; s < kStages; ++s) {
    const StageHistogram& h = stages_[s];
    Series series;
    series.counts.resize(kStageBuckets + 1);
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= kStageBuckets; ++i) {
      series.counts[i] = h.counts[i].load(std::memory_order_relaxed);
      total += series.counts[i];
    }
    if (total == 0) continue;
    series.sum = static_cast<double>(h.sum_ns.load(std::memory_order_relaxed)) / 1e9;
    Family& f = merged[kStageFamily];
    f.histogram = true;
    f.bounds.assign(kStageBounds.begin(), kStageBounds.end());
    f.series[series_key({{"stage", kStageNames[s]}})] = std::move(series);
  }
  std::map<std::string, std::string> help;
  Labels build_info;
  {
    std::lock_guard lock(help_mutex_);
    help = help_;
    build_info = build_info_;
  }

  std::string out;
  auto header = [&](const std::string& name, const std::string& type) {
    std::string text = name;
    if (auto it = help.find(name); it != help.end())
      text = it->second;
    else if (auto k = kKnownFamilies.find(name); k != kKnownFamilies.end())
      text = k->second.second;
    out += "# HELP " + name + " " + text + "\n";
    out += "# TYPE " + name + " " + type + "\n";
  };
  for (const auto& [name, family] : merged) {
    header(name, family.histogram ? "histogram" : "counter");
    for (const auto& [key, s] : family.series) {
      if (!family.histogram) {
        out += sample(name, key) + " " + number(s.value) + "\n";
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < family.bounds.size(); ++i) {
        cumulative += i < s.counts.size() ? s.counts[i] : 0;
        out += sample(name + "_bucket", key, "le=\"" + number(family.bounds[i]) + "\"") + " " +
               std::to_string(cumulative) + "\n";
      }
      if (s.counts.size() > family.bounds.size()) cumulative += s.counts.back();
      out += sample(name + "_bucket", key, "le=\"+Inf\"") + " " + std::to_string(cumulative) + "\n";
      out += sample(name + "_sum", key) + " " + number(s.sum) + "\n";
      out += sample(name + "_count", key) + " " + std::to_string(cumulative) + "\n";
    }
  }
  if (!build_info.empty()) {
    header("signatory_build_info", "gauge");
    out += sample("signatory_build_info", series_key(build_info)) + " 1\n";
  }
  header("signatory_requests_in_flight", "gauge");
  out += "signatory_requests_in_flight " +
         std::to_string(in_flight_.load(std::memory_order_relaxed)) + "\n";
  return out;
}

}  // namespace signatory::server
