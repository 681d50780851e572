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
               std::shared_ptr<watermark::Watermark> watermark, SignObserver* observer)
    : config_(config),
      vaults_(std::move(vaults)),
      watermark_(std::move(watermark)),
      observer_(observer),
      auth_(config, observer) {}

std::vector<KeyEntry> Signer::list_all(bool strict) {
  std::lock_guard lock(listing_mutex_);
  std::vector<KeyEntry> entries;
  std::map<tezos::PublicKeyHash, CachedKey> fresh;
  std::vector<ListingError> errors;
  for (const auto& nv : vaults_) {
    std::vector<std::shared_ptr<vault::Key>> keys;
    try {
      keys = nv.vault->list();
    } catch (const Error& e) {
      log::error(std::string("Error listing keys: ") + e.what(),
                 {{"vault", nv.vault->type_label()}, {"vault_name", nv.config_name}});
      errors.push_back({nv.config_name, e});
      continue;
    }
    if (keys.empty()) log::error("No valid keys found in the vault " + nv.config_name);
    for (auto& key : keys) {
      tezos::PublicKeyHash pkh = key->public_key().hash();
      entries.push_back({key, nv.vault->type_label(), nv.config_name, config_.policy_for(pkh)});
      fresh.emplace(pkh, CachedKey{key, nv.vault->type_label(), nv.config_name});  // first vault wins
    }
  }
  {
    std::unique_lock cache_lock(cache_mutex_);
    // A vault that could not list now keeps the keys it had: a KMS outage must not make
    // known keys unknown.
    for (const auto& failed : errors)
      for (const auto& [pkh, cached] : cache_)
        if (cached.vault_config_name == failed.vault_config_name) fresh.emplace(pkh, cached);
    cache_ = std::move(fresh);
    listing_errors_ = errors;
  }
  if (strict && !errors.empty()) throw errors.front().error;
  return entries;
}

std::vector<KeyEntry> Signer::keys() {
  return list_all(true);
}

std::optional<Signer::CachedKey> Signer::find_key(const tezos::PublicKeyHash& pkh) {
  {
    std::shared_lock lock(cache_mutex_);
    if (auto it = cache_.find(pkh); it != cache_.end()) return it->second;
  }
  list_all(false);
  std::shared_lock lock(cache_mutex_);
  if (auto it = cache_.find(pkh); it != cache_.end()) return it->second;
  // Not found: when a vault could not be listed, that is the answer (it may hold the key).
  if (!listing_errors_.empty()) throw listing_errors_.front().error;
  return std::nullopt;
}

Signer::CachedKey Signer::require_key(const tezos::PublicKeyHash& pkh) {
  std::optional<CachedKey> key = find_key(pkh);
  if (!key) throw not_found("this key not found in any vault");
  return std::move(*key);
}

std::string Signer::listing_problem() {
  std::shared_lock lock(cache_mutex_);
  std::string out;
  for (const auto& failed : listing_errors_)
    out += (out.empty() ? "" : "; ") +
           ("vault `" + failed.vault_config_name + "': " + failed.error.what());
  return out;
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
  CachedKey key = require_key(pkh);
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
  auto vault_sign = [&]() {
    auto start = Clock::now();
    try {
      tezos::Signature s = key.key->sign(message, version);
      vault_seconds = seconds_since(start);
      return s;
    } catch (const Error& e) {
      if (observer_) observer_->vault_error(key.vault_type, e.code(), request);
      throw;
    }
  };
  tezos::Signature signature;
  try {
    if (tezos::is_consensus(request.kind)) {
      t0 = Clock::now();
      watermark::Slot slot{*request.chain_id, pkh, watermark::mark_kind(request.kind)};
      signature = watermark_->guard(slot, request.level, request.round,
                                    crypto::blake2b_256(message), vault_sign);
      if (observer_) observer_->stage("watermark", seconds_since(t0) - vault_seconds);
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
  CachedKey key = require_key(pkh);
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
  std::optional<tezos::Signature> proof = key.key->prove_possession();
  if (!proof) throw bad_request("proof of possession is not supported");
  log::info("Possession proved successfully", {{"pkh", pkh.to_base58()}});
  return *proof;
}

std::string Signer::health() {
  for (const auto& vc : config_.vaults) {
    bool opened = false;
    for (const auto& nv : vaults_) opened = opened || nv.config_name == vc.name;
    if (!opened) return "vault `" + vc.name + "' (" + vc.driver + ") could not be initialized";
  }
  if (!listing_problem().empty()) {
    // List again, so that a vault that came back makes the signer healthy again; a probe does
    // not queue behind a listing already running.
    std::unique_lock attempt(listing_mutex_, std::try_to_lock);
    if (attempt.owns_lock()) {
      attempt.unlock();
      list_all(false);
    }
    if (std::string problem = listing_problem(); !problem.empty())
      return "cannot list keys: " + problem;
  }
  std::string wm = watermark_->health();
  if (!wm.empty()) return "watermark store: " + wm;
  return {};
}

}  // namespace signatory::signer
