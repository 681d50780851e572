// Shared fixtures of the watermark tests: requests built from the consensus vectors of
// testdata/tezos/consensus.json (chain, kind, level, round and blake2b-256 digest as the
// vectors give them), delegates from keys.json, recognisable signatures, a temporary base_dir,
// and helpers to catch an Error. Test-only; not thread-safe unless stated.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "common/bytes.h"
#include "common/error.h"
#include "tezos/keys.h"
#include "tezos/sign_request.h"
#include "watermark/core/watermark.h"
#include "watermark/file/file_watermark.h"
#include "watermark/mem/mem_watermark.h"

namespace signatory::watermark::testing {

using nlohmann::json;

inline json load_vectors(const std::string& name) {
  std::ifstream in(std::string(SIGNATORY_TESTDATA) + "/tezos/" + name);
  if (!in) throw std::runtime_error("cannot open test vectors " + name);
  return json::parse(in);
}

inline const json& consensus_vectors() {
  static const json v = load_vectors("consensus.json");
  return v;
}
inline const json& key_vectors() {
  static const json v = load_vectors("keys.json");
  return v;
}

inline tezos::ChainId chain_from_hex(const std::string& hex) {
  const Bytes b = from_hex(hex);
  if (b.size() != 4) throw std::runtime_error("chain id hex is not 4 bytes: " + hex);
  tezos::ChainId c;
  std::copy(b.begin(), b.end(), c.bytes.begin());
  return c;
}

// The chain of a network named in consensus.json ("mainnet", "ghostnet", "sandbox").
inline tezos::ChainId chain(const std::string& network) {
  return chain_from_hex(consensus_vectors().at("chains").at(network).at("hex").get<std::string>());
}
inline std::string chain_name(const std::string& network) {
  return consensus_vectors().at("chains").at(network).at("chain_id").get<std::string>();
}

// The public key hash of keys.json's `keys[index]`, built from its hex fields.
inline tezos::PublicKeyHash delegate(std::size_t index) {
  const json& k = key_vectors().at("keys").at(index);
  const Bytes tagged = from_hex(k.at("public_key_hash_tagged_hex").get<std::string>());
  tezos::PublicKeyHash pkh;
  pkh.type = static_cast<tezos::KeyType>(tagged.at(0));
  std::copy(tagged.begin() + 1, tagged.end(), pkh.hash.begin());
  return pkh;
}
inline std::string delegate_text(std::size_t index) {
  return key_vectors().at("keys").at(index).at("public_key_hash").get<std::string>();
}

// A consensus request of consensus.json, reduced to what a watermark sees.
struct Request {
  std::string id;
  tezos::ChainId chain;
  tezos::RequestKind kind = tezos::RequestKind::Block;
  std::int32_t level = 0;
  std::int32_t round = 0;
  crypto::Digest32 digest{};
  Slot slot(const tezos::PublicKeyHash& pkh) const { return Slot{chain, pkh, kind}; }
};

inline tezos::RequestKind kind_named(const std::string& name) {
  if (name == "attestation") return tezos::RequestKind::Attestation;
  if (name == "attestation_with_dal") return tezos::RequestKind::AttestationWithDal;
  if (name == "preattestation") return tezos::RequestKind::Preattestation;
  if (name == "block") return tezos::RequestKind::Block;
  throw std::runtime_error("not a consensus kind: " + name);
}

// The request `id` of consensus.json's blocks or consensus_operations.
inline Request request(const std::string& id) {
  const json& v = consensus_vectors();
  for (const char* list : {"blocks", "consensus_operations"}) {
    for (const json& r : v.at(list)) {
      if (r.at("id") != id) continue;
      Request out;
      out.id = id;
      const json& wm = r.at("watermark");
      const std::string chain_id = wm.at("chain_id");
      bool found = false;
      for (const auto& [net, c] : v.at("chains").items()) {
        if (c.at("chain_id") == chain_id) {
          out.chain = chain_from_hex(c.at("hex"));
          found = true;
        }
      }
      if (!found) throw std::runtime_error("unknown chain " + chain_id);
      out.kind = kind_named(r.value("request_kind", std::string("block")));
      out.level = wm.at("level").get<std::int32_t>();
      out.round = wm.at("round").get<std::int32_t>();
      const Bytes d = from_hex(r.at("blake2b_256").get<std::string>());
      std::copy(d.begin(), d.end(), out.digest.begin());
      return out;
    }
  }
  throw std::runtime_error("no consensus vector " + id);
}

// A signature whose 64 bytes are all `fill` (enough to tell signatures apart).
inline tezos::Signature signature(std::uint8_t fill) {
  return tezos::Signature(tezos::Signature::Form::Ed25519, Bytes(64, fill));
}

// The mark a signer stores for request `r` signed with signature(sig).
inline Mark signed_mark(const Request& r, std::uint8_t sig) {
  Mark m;
  m.level = r.level;
  m.round = r.round;
  m.digest = r.digest;
  m.signature = signature(sig);
  return m;
}

// Marks compared field by field (Mark itself has no operator==).
inline bool same_mark(const Mark& a, const Mark& b) {
  return a.level == b.level && a.round == b.round && a.digest == b.digest &&
         a.signature == b.signature;
}
inline bool same_marks(const std::vector<std::pair<Slot, Mark>>& a,
                       const std::vector<std::pair<Slot, Mark>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].first != b[i].first || !same_mark(a[i].second, b[i].second)) return false;
  }
  return true;
}

// Counts calls and returns a fixed signature.
struct CountingSigner {
  tezos::Signature result;
  int calls = 0;
  std::function<tezos::Signature()> fn() {
    return [this] {
      ++calls;
      return result;
    };
  }
};

// Runs `f`; returns the Error it throws (fails the test if it throws none or another type).
template <typename F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no signatory::Error thrown";
  return internal_error("no error thrown");
}

// A fresh directory under the system temp dir, removed with its content at the end.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
      path_ = std::filesystem::temp_directory_path() /
              ("sig-watermark-test-" + std::to_string(rd()) + std::to_string(rd()));
      if (std::filesystem::create_directory(path_)) return;
    }
    throw std::runtime_error("cannot create a temporary directory");
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path_.string(); }
  std::filesystem::path path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline Bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
inline void write_file(const std::filesystem::path& p, ByteView data) {
  // A new file rather than a truncated one: ext4 flushes truncated-and-rewritten files on
  // close, which makes the byte-by-byte tests slow.
  std::error_code ec;
  std::filesystem::remove(p, ec);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}
inline void write_text(const std::filesystem::path& p, const std::string& text) {
  write_file(p, as_view(text));
}

// Options that keep test logs small: few preallocated records.
inline FileWatermarkOptions small_file_options(std::size_t preallocate = 8) {
  FileWatermarkOptions o;
  o.log.preallocate_records = preallocate;
  return o;
}

// A store of either backend for the tests that both must pass, owning its base_dir.
struct Backend {
  std::string name;
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<Watermark> store;
};

inline Backend make_backend(const std::string& name) {
  Backend b;
  b.name = name;
  if (name == "mem") {
    b.store = std::make_unique<MemWatermark>();
  } else {
    b.dir = std::make_unique<TempDir>();
    b.store = std::make_unique<FileWatermark>(b.dir->str(), small_file_options());
  }
  return b;
}

}  // namespace signatory::watermark::testing
