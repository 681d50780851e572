// The sign pipeline (see signer.h).
#include "signer/signer.h"

#include <chrono>
#include <map>
#include <mutex>

#include "common/error.h"
#include "common/log.h"
#include "crypto/blake2b.h"
#include "policy/policy.h"

namespace signatory::signer {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// `map[transaction:2 reveal:1]`, as Signatory logs operation counts.
std::string ops_field(const tezos::SignRequest& request) {
  std::map<std::string, int> counts;
  if (request.kind == tezos::RequestKind::Generic) {
    for (const auto& op : request.operations) {
      auto colon = op.find(':');
      ++counts[colon == std::string::npos ? op : op.substr(0, colon)];
    }
  } else {
    ++counts[std::string(tezos::request_kind_name(request.kind))];
  }
  std::string out = "map[";
  bool first = true;
  for (const auto& [k, n] : counts) {
    out += (first ? "" : " ") + k + ":" + std::to_string(n);
    first = false;
  }
  return out + "]";
}

}  // namespace

Signer::Signer(const config::Config& config, std::vector<NamedVault> vaults,
               std::shared_ptr<watermark::Watermark> watermark, SignObserver* observer,
               KeyDirectoryOptions directory)
    : config_(config),
      directory_(config, std::move(vaults), directory),
      watermark_(std::move(watermark)),
      observer_(observer),
      auth_(config, observer) {
  if (std::size_t limit = watermark_->max_concurrent_calls(); limit > 0)
    store_bulkhead_ = std::make_unique<Bulkhead>(
        "watermark store `" + watermark_->backend_name() + "'", limit);
}

std::vector<KeyEntry> Signer::keys() {
  return directory_.list_now(true);
}

std::size_t Signer::blocking_call_budget() const {
  return directory_.blocking_call_budget() + (store_bulkhead_ ? store_bulkhead_->limit() : 0);
}

FoundKey Signer::require_key(const tezos::PublicKeyHash& pkh) {
  std::optional<FoundKey> key = directory_.find(pkh);
  if (!key) throw not_found("this key not found in any vault");
  return std::move(*key);
}

std::vector<tezos::PublicKeyHash> Signer::authorized_key_hashes() const {
  return auth_.authorized_key_hashes();
}

tezos::Signature Signer::sign(const tezos::PublicKeyHash& pkh, ByteView message, int version,
                              const Client& client) {
  // 1. who asks, and may they use this key at all (auth/authenticator.h)
  const auth::Admission admitted = auth_.admit(pkh, message, client);
  const config::KeyPolicy& policy = admitted.policy;
  // 2. decode
  auto t0 = Clock::now();
  tezos::SignRequest request = tezos::decode_sign_request(message, version);
  if (observer_) observer_->stage("decode", seconds_since(t0));

  log::Fields fields{{"pkh", pkh.to_base58()},
                     {"request", std::string(tezos::request_kind_name(request.kind))},
                     {"ops", ops_field(request)}};
  if (admitted.identity.client_key)
    fields.push_back({"client_pkh", admitted.identity.client_key->to_base58()});
  if (request.chain_id) {
    fields.push_back({"chain_id", request.chain_id->to_base58()});
    fields.push_back({"lvl", std::to_string(request.level)});
    fields.push_back({"round", std::to_string(request.round)});
  }
  log::info("Requesting signing operation", fields);

  // 3. find the key
  FoundKey key = require_key(pkh);
  fields.push_back({"vault", key.vault_type});
  // A tz4 key attests in BLS mode (tag 41); a DAL attestation (tag 23) is never one of its own.
  if (request.kind == tezos::RequestKind::AttestationWithDal &&
      key.key->public_key().type() == tezos::KeyType::Bls)
    throw bad_request(
        "a tz4 key does not sign attestation_with_dal (tag 23); tz4 bakers attest "
        "with tag 41");

  // 4. policy
  t0 = Clock::now();
  if (auto denial = policy::evaluate(policy, request, admitted.identity)) {
    if (observer_ && !denial->violation_type.empty())
      observer_->policy_violation(pkh, denial->violation_type);
    log::Fields f = fields;
    f.push_back({"error", denial->message});
    log::error("Error signing request: " + denial->message, f);
    throw forbidden(denial->message);
  }
  if (observer_) observer_->stage("policy", seconds_since(t0));

  // The raw bytes are logged only when the key's policy sets `log_payloads`.
  if (policy.log_payloads) {
    log::Fields raw_fields = fields;
    raw_fields.push_back({"raw", to_hex(message)});
    log::info("About to sign raw bytes", raw_fields);
  } else if (log::enabled(log::Level::Debug)) {
    log::debug("About to sign raw bytes", fields);
  }

  // 5–6. high-water mark, then the vault signs inside it
  double vault_seconds = 0;
  bool signed_now = false;  // else the store handed back the signature it kept
  auto vault_sign = [&]() {
    auto start = Clock::now();
    try {
      tezos::Signature s = key.key->sign(message, version);
      signed_now = true;
      vault_seconds = seconds_since(start);
      return s;
    } catch (const Error& e) {
      if (observer_) observer_->vault_error(key.vault_type, e.code(), request);
      throw;
    }
  };
  tezos::Signature signature;
  try {
    // A place in the remote backends' bulkheads, taken before the store is touched: a full
    // one refuses at once (503 naming it) instead of queueing behind a backend that hangs.
    std::optional<Bulkhead::Pass> vault_pass;
    if (key.bulkhead) {
      try {
        vault_pass.emplace(key.bulkhead->enter());
      } catch (const Error& e) {
        if (observer_) observer_->vault_error(key.vault_type, e.code(), request);
        throw;
      }
    }
    if (tezos::is_consensus(request.kind)) {
      std::optional<Bulkhead::Pass> store_pass;
      if (store_bulkhead_) store_pass.emplace(store_bulkhead_->enter());
      t0 = Clock::now();
      watermark::Slot slot{*request.chain_id, pkh, watermark::mark_kind(request.kind)};
      signature = watermark_->guard(slot, request.level, request.round,
                                    crypto::blake2b_256(message), vault_sign);
      if (observer_) observer_->stage("watermark", seconds_since(t0) - vault_seconds);
      // The kept signature answers a retry of the same bytes; for tz4 it may be of the other
      // signing version's scheme (?version=1 vs 2), which would not verify for this client:
      // then the request is another signature for a slot already signed (docs/differences.md).
      if (!signed_now && key.key->public_key().type() == tezos::KeyType::Bls &&
          !key.key->public_key().verify(message, signature, version))
        throw conflict(
            "watermark validation failed: this payload was signed at this level and round "
            "with another signing version; a signature for version " +
            std::to_string(version) + " would be a second signature for the slot");
    } else {
      signature = vault_sign();
    }
  } catch (const Error& e) {
    log::Fields f = fields;
    f.push_back({"error", e.what()});
    log::error(std::string("Error signing request: ") + e.what(), f);
    if (e.code() == ErrorCode::Conflict && observer_) observer_->watermark_rejected(pkh, request);
    throw;
  }
  if (observer_) {
    observer_->stage("vault", vault_seconds);
    observer_->signed_request(pkh, request, key.vault_type, vault_seconds * 1000);
  }
  log::info("Signed " + std::string(tezos::request_kind_name(request.kind)) + " successfully",
            fields);
  return signature;
}

tezos::PublicKey Signer::public_key(const tezos::PublicKeyHash& pkh) {
  return require_key(pkh).key->public_key();
}

tezos::Signature Signer::prove_possession(const tezos::PublicKeyHash& pkh, const Client& client) {
  const auth::Admission admitted = auth_.admit(pkh, {}, client);
  FoundKey key = require_key(pkh);
  if (key.key->public_key().type() != tezos::KeyType::Bls)
    throw bad_request("proof of possession is not supported");
  if (!admitted.policy.allow_proof_of_possession) {
    log::warn(
        "Proof of possession is not allowed; set allow_proof_of_possession: true in the "
        "key's policy to enable it",
        {{"pkh", pkh.to_base58()}});
    throw bad_request("proof of possession is not allowed");
  }
  log::info("Requesting proof of possession", {{"pkh", pkh.to_base58()}});
  std::optional<Bulkhead::Pass> pass;
  if (key.bulkhead) pass.emplace(key.bulkhead->enter());
  std::optional<tezos::Signature> proof = key.key->prove_possession();
  if (!proof) throw bad_request("proof of possession is not supported");
  log::info("Possession proved successfully", {{"pkh", pkh.to_base58()}});
  return *proof;
}

std::string Signer::health() {
  for (const auto& vc : config_.vaults) {
    bool opened = false;
    for (const auto& nv : directory_.vaults()) opened = opened || nv.config_name == vc.name;
    if (!opened) return "vault `" + vc.name + "' (" + vc.driver + ") could not be initialized";
  }
  if (std::string problem = directory_.listing_problem(); !problem.empty()) {
    // A vault that comes back makes the signer healthy again after the next listing, which
    // runs in the background: a probe never waits on a vault.
    directory_.request_refresh();
    return "cannot list keys: " + problem;
  }
  std::string wm = watermark_->health();
  if (!wm.empty()) return "watermark store: " + wm;
  return {};
}

}  // namespace signatory::signer
