// The crypto-only limit of bench/run: how many signatures per second the signer's own signing
// code (tezos::SecretKey::sign, the call the file vault makes: blake2b-256 then the curve's
// signature; BLS signs the message as it is) reaches in-process, on N threads, for one key of
// each curve of the test vectors, over the same generic operations the HTTP rows send.
//
// Usage: bench_crypto KEYS_JSON OPERATIONS_JSON [seconds-per-curve=2] [threads=2] [curves...]
//   curves: ed25519 secp256k1 p256 bls12_381 (default: all four)
// Prints one JSON object per curve and line:
//   {"curve":"ed25519","key":"ed25519_0","threads":2,"signatures":N,"seconds":S,"rate":R,
//    "p50_us":…,"p99_us":…}   (latencies of single signatures, measured on the threads)
// Single-threaded main; the worker threads share only read-only keys and payloads.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/bytes.h"
#include "tezos/keys.h"

namespace {

using Clock = std::chrono::steady_clock;
using signatory::Bytes;
using signatory::tezos::SecretKey;

// The generic operations bench/run rotates over (bench/run.py GENERIC_OPS).
const char* const kOperations[] = {"transaction_tz1_to_tz1", "transaction_to_tz2",
                                   "transaction_to_tz3",     "delegation_set",
                                   "reveal_ed25519",         "origination_no_delegate"};

nlohmann::json load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return nlohmann::json::parse(in);
}

struct Result {
  std::uint64_t signatures = 0;
  std::vector<double> latencies_us;
};

void run_thread(const SecretKey& key, const std::vector<Bytes>& messages, Clock::time_point end,
                Result& out) {
  out.latencies_us.reserve(1 << 16);
  std::size_t i = 0;
  for (;;) {
    const auto t0 = Clock::now();
    if (t0 >= end) break;
    auto sig = key.sign(messages[i % messages.size()], 2);
    const auto t1 = Clock::now();
    if (sig.bytes().empty()) throw std::runtime_error("empty signature");
    ++i;
    if (out.latencies_us.size() < (1u << 20))
      out.latencies_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  out.signatures = i;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench_crypto KEYS_JSON OPERATIONS_JSON [seconds] [threads] [curves...]\n";
    return 2;
  }
  try {
    const double seconds = argc > 3 ? std::stod(argv[3]) : 2.0;
    const int threads = argc > 4 ? std::stoi(argv[4]) : 2;
    std::vector<std::string> curves;
    for (int i = 5; i < argc; ++i) curves.emplace_back(argv[i]);
    if (curves.empty()) curves = {"ed25519", "secp256k1", "p256", "bls12_381"};

    const auto keys = load(argv[1]);
    const auto ops = load(argv[2]);
    std::vector<Bytes> messages;
    for (const char* id : kOperations)
      for (const auto& op : ops.at("operations"))
        if (op.at("id") == id)
          messages.push_back(signatory::from_hex(op.at("signing_bytes_hex").get<std::string>()));
    if (messages.empty()) throw std::runtime_error("no operations found");

    for (const auto& curve : curves) {
      const std::string id = curve + "_0";
      const nlohmann::json* record = nullptr;
      for (const auto& k : keys.at("keys"))
        if (k.at("id") == id) record = &k;
      if (record == nullptr) throw std::runtime_error("no key " + id);
      const SecretKey key = SecretKey::parse(record->at("secret_key").get<std::string>());
      for (int w = 0; w < 50; ++w) (void)key.sign(messages[0], 2);  // warm caches

      std::vector<Result> results(static_cast<std::size_t>(threads));
      std::vector<std::thread> pool;
      const auto start = Clock::now();
      const auto end = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(seconds));
      for (auto& r : results)
        pool.emplace_back(run_thread, std::cref(key), std::cref(messages), end, std::ref(r));
      for (auto& t : pool) t.join();
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      std::uint64_t total = 0;
      std::vector<double> all;
      for (auto& r : results) {
        total += r.signatures;
        all.insert(all.end(), r.latencies_us.begin(), r.latencies_us.end());
      }
      const double p50 = percentile(all, 0.50), p99 = percentile(all, 0.99);
      std::printf(
          "{\"curve\":\"%s\",\"key\":\"%s\",\"threads\":%d,\"signatures\":%llu,\"seconds\":%.3f,"
          "\"rate\":%.1f,\"p50_us\":%.2f,\"p99_us\":%.2f}\n",
          curve.c_str(), id.c_str(), threads, static_cast<unsigned long long>(total), elapsed,
          static_cast<double>(total) / elapsed, p50, p99);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_crypto: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
