// The opening steps of a key request (see authenticator.h).
#include "auth/authenticator.h"

#include "auth/key_clients.h"
#include "common/error.h"
#include "common/log.h"

namespace signatory::auth {
namespace {

// Bytes a client signs to authenticate a request: 0x04 0x01 ‖ tagged pkh ‖ message.
Bytes authentication_bytes(const tezos::PublicKeyHash& pkh, ByteView message) {
  Bytes out{0x04, 0x01};
  Bytes tagged = pkh.tagged();
  out.insert(out.end(), tagged.begin(), tagged.end());
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

}  // namespace

Authenticator::Authenticator(const config::Config& config, AuthObserver* observer)
    : config_(config), observer_(observer) {
  for (const auto& key : config_.server.authorized_keys) {
    hashes_.push_back(key.hash());
    hash_texts_.push_back(hashes_.back().to_base58());
  }
}

std::optional<tezos::PublicKeyHash> Authenticator::authenticate(const tezos::PublicKeyHash& pkh,
                                                                ByteView message,
                                                                const Client& client) const {
  const auto& authorized = config_.server.authorized_keys;
  if (authorized.empty()) return std::nullopt;
  auto refuse = [&](const Error& e) -> Error {
    log::warn(std::string("Client authentication failed: ") + e.what(),
              {{"pkh", pkh.to_base58()}, {"client", client.address}});
    if (observer_) observer_->authentication_failed(e.code(), "authentication", client.address);
    return e;
  };
  if (!client.authentication || client.authentication->empty()) {
    // A verified client certificate naming an authorized key stands in for the signature.
    for (std::size_t i = 0; i < hash_texts_.size(); ++i)
      for (const auto& name : client.certificate_names)
        if (name == hash_texts_[i]) return hashes_[i];
    throw refuse(unauthenticated("missing authentication signature field"));
  }
  tezos::Signature sig;
  try {
    sig = tezos::Signature::parse(*client.authentication);
  } catch (const Error& e) {
    throw refuse(bad_request(e.what()));
  }
  Bytes signed_bytes = authentication_bytes(pkh, message);
  for (std::size_t i = 0; i < authorized.size(); ++i)
    if (authorized[i].verify(signed_bytes, sig)) return hashes_[i];
  throw refuse(forbidden("invalid authentication signature"));
}

Admission Authenticator::admit(const tezos::PublicKeyHash& pkh, ByteView message,
                               const Client& client) const {
  Identity identity{authenticate(pkh, message, client), std::nullopt};
  if (client.jwt_user) identity.jwt_user = *client.jwt_user;
  const config::KeyPolicy* policy = config_.policy_for(pkh);
  if (!policy) throw forbidden(pkh.to_base58() + " is not listed in config");
  if (auto refusal = jwt_user_refusal(*policy, pkh, identity)) throw forbidden(*refusal);
  return Admission{*policy, identity};
}

}  // namespace signatory::auth
