// Tests of policy.cpp: every branch of the allow/deny decision (Signatory's matchFilter), in order, with
// Signatory's exact messages and violation types; and the same decisions from a policy written
// in the current `allow:` syntax and in the legacy one.
#include "policy/policy.h"

#include <gtest/gtest.h>

#include "config/key_policy.h"
#include "config/testdata_keys.h"

namespace signatory::policy {
namespace {

using config::KeyPolicy;
using tezos::RequestKind;
using tezos::SignRequest;
using Strings = std::vector<std::string>;

tezos::ChainId chain(const std::string& note) {
  return tezos::ChainId::parse(testdata::chain_id(note));
}

tezos::PublicKeyHash pkh_of(const std::string& id) {
  return tezos::PublicKeyHash::parse(testdata::test_key(id).public_key_hash);
}

tezos::PublicKey pk_of(const std::string& id) {
  return tezos::PublicKey::parse(testdata::test_key(id).public_key);
}

SignRequest consensus(RequestKind kind, const tezos::ChainId& chain_id) {
  SignRequest r;
  r.kind = kind;
  r.chain_id = chain_id;
  r.level = 100;
  r.round = 0;
  return r;
}

SignRequest generic(Strings ops) {
  SignRequest r;
  r.kind = RequestKind::Generic;
  r.operations = std::move(ops);
  return r;
}

SignRequest pack() {
  SignRequest r;
  r.kind = RequestKind::Pack;
  return r;
}

KeyPolicy everything() {
  KeyPolicy p;
  p.allowed_requests = {"attestation", "attestation_with_dal", "block", "generic",
                        "pack",        "preattestation"};
  p.allowed_operations = Strings{"ballot", "reveal", "transaction"};
  return p;
}

void expect_denied(const std::optional<Denial>& d, const std::string& message,
                   const std::string& violation_type) {
  ASSERT_TRUE(d) << "allowed, expected: " << message;
  EXPECT_EQ(d->message, message);
  EXPECT_EQ(d->violation_type, violation_type);
}

const auth::Identity kAnonymous;

// A client authenticated by the test key `id`.
auth::Identity signed_by(const std::string& id) {
  return auth::Identity{pkh_of(id), std::nullopt};
}

TEST(PolicyChain, ConsensusRequestsMustBeOnAnAllowedChain) {
  KeyPolicy p = everything();
  p.allowed_chains = {chain("Tezos mainnet")};
  const auto ghostnet = chain("Ghostnet");
  EXPECT_FALSE(evaluate(p, consensus(RequestKind::Block, chain("Tezos mainnet")), kAnonymous));
  for (RequestKind k : {RequestKind::Block, RequestKind::Preattestation, RequestKind::Attestation,
                        RequestKind::AttestationWithDal}) {
    expect_denied(evaluate(p, consensus(k, ghostnet), kAnonymous),
                  "chain `NetXnHfVqm9iesp' is not allowed", "");
  }
  // Generic and pack requests are not chain-checked.
  EXPECT_FALSE(evaluate(p, generic({"transaction"}), kAnonymous));
  EXPECT_FALSE(evaluate(p, pack(), kAnonymous));
}

TEST(PolicyChain, NoListMeansAnyChain) {
  EXPECT_FALSE(
      evaluate(everything(), consensus(RequestKind::Attestation, chain("sandbox")), kAnonymous));
}

TEST(PolicyChain, ChainIsCheckedBeforeClientAndKind) {
  KeyPolicy p;  // allows nothing, and restricts clients
  p.allowed_chains = {chain("Tezos mainnet")};
  p.authorized_keys = std::vector<tezos::PublicKey>{pk_of("ed25519_1")};
  expect_denied(evaluate(p, consensus(RequestKind::Block, chain("sandbox")), kAnonymous),
                "chain `NetXo5iVw1vBoxM' is not allowed", "");
}

TEST(PolicyClient, AuthenticationRequiredWhenKeysAreListed) {
  KeyPolicy p = everything();
  p.authorized_keys = std::vector<tezos::PublicKey>{pk_of("ed25519_1"), pk_of("secp256k1_1")};
  expect_denied(evaluate(p, generic({"transaction"}), kAnonymous), "authentication required",
                "authentication");
  expect_denied(evaluate(p, generic({"transaction"}), signed_by("ed25519_2")),
                "client `" + testdata::test_key("ed25519_2").public_key_hash + "' is not allowed",
                "authentication");
  EXPECT_FALSE(evaluate(p, generic({"transaction"}), signed_by("ed25519_1")));
  EXPECT_FALSE(
      evaluate(p, consensus(RequestKind::Block, chain("sandbox")), signed_by("secp256k1_1")));
}

TEST(PolicyClient, EmptyKeyListDeniesEveryClient) {
  KeyPolicy p = everything();
  p.authorized_keys = std::vector<tezos::PublicKey>{};
  expect_denied(evaluate(p, pack(), signed_by("ed25519_1")),
                "client `" + testdata::test_key("ed25519_1").public_key_hash + "' is not allowed",
                "authentication");
}

TEST(PolicyClient, ClientIsCheckedBeforeKind) {
  KeyPolicy p;  // allows nothing
  p.authorized_keys = std::vector<tezos::PublicKey>{pk_of("ed25519_1")};
  expect_denied(evaluate(p, pack(), kAnonymous), "authentication required", "authentication");
  // An authenticated client is ignored when the key does not restrict clients.
  EXPECT_FALSE(evaluate(everything(), pack(), signed_by("p256_0")));
}

TEST(PolicyRequestKind, EveryKindIsDeniedWhenNotListed) {
  const KeyPolicy nothing;
  const auto c = chain("sandbox");
  expect_denied(evaluate(nothing, consensus(RequestKind::Block, c), kAnonymous),
                "request kind `block' is not allowed", "block");
  expect_denied(evaluate(nothing, consensus(RequestKind::Preattestation, c), kAnonymous),
                "request kind `preattestation' is not allowed", "preattestation");
  expect_denied(evaluate(nothing, consensus(RequestKind::Attestation, c), kAnonymous),
                "request kind `attestation' is not allowed", "attestation");
  expect_denied(evaluate(nothing, consensus(RequestKind::AttestationWithDal, c), kAnonymous),
                "request kind `attestation_with_dal' is not allowed", "attestation_with_dal");
  expect_denied(evaluate(nothing, generic({"transaction"}), kAnonymous),
                "request kind `generic' is not allowed", "generic");
  expect_denied(evaluate(nothing, pack(), kAnonymous), "request kind `pack' is not allowed",
                "pack");
}

TEST(PolicyRequestKind, DefaultPolicy) {
  const KeyPolicy p = config::default_key_policy();
  const auto c = chain("Tezos mainnet");
  EXPECT_FALSE(evaluate(p, consensus(RequestKind::Block, c), kAnonymous));
  EXPECT_FALSE(evaluate(p, consensus(RequestKind::Preattestation, c), kAnonymous));
  EXPECT_FALSE(evaluate(p, consensus(RequestKind::Attestation, c), kAnonymous));
  expect_denied(evaluate(p, consensus(RequestKind::AttestationWithDal, c), kAnonymous),
                "request kind `attestation_with_dal' is not allowed", "attestation_with_dal");
  expect_denied(evaluate(p, generic({"transaction"}), kAnonymous),
                "request kind `generic' is not allowed", "generic");
}

TEST(PolicyOperations, EveryOperationMustBeListed) {
  const KeyPolicy p = everything();
  EXPECT_FALSE(evaluate(p, generic({"reveal", "transaction", "transaction"}), kAnonymous));
  expect_denied(evaluate(p, generic({"transaction", "delegation", "origination"}), kAnonymous),
                "operation `delegation' is not allowed", "delegation");
  // Pseudo-operations are their own kinds: `transaction' does not cover `stake'.
  expect_denied(evaluate(p, generic({"stake"}), kAnonymous), "operation `stake' is not allowed",
                "stake");
  // Consensus contents inside a batch, allowed by our extension when listed.
  KeyPolicy q = everything();
  q.allowed_operations->push_back("attestation");
  EXPECT_FALSE(evaluate(q, generic({"attestation"}), kAnonymous));
  expect_denied(evaluate(p, generic({"attestation"}), kAnonymous),
                "operation `attestation' is not allowed", "attestation");
}

TEST(PolicyOperations, NoListDeniesEveryOperation) {
  KeyPolicy p = everything();
  p.allowed_operations.reset();
  expect_denied(evaluate(p, generic({"reveal"}), kAnonymous), "operation `reveal' is not allowed",
                "reveal");
  p.allowed_operations = Strings{};
  expect_denied(evaluate(p, generic({"reveal"}), kAnonymous), "operation `reveal' is not allowed",
                "reveal");
}

TEST(PolicyOperations, Ballots) {
  KeyPolicy any_vote = everything();  // lists `ballot`
  for (const char* vote : {"ballot:yay", "ballot:nay", "ballot:pass"}) {
    EXPECT_FALSE(evaluate(any_vote, generic({vote}), kAnonymous)) << vote;
  }
  KeyPolicy yay_only = everything();
  yay_only.allowed_operations = Strings{"ballot:yay", "transaction"};
  EXPECT_FALSE(evaluate(yay_only, generic({"ballot:yay"}), kAnonymous));
  expect_denied(evaluate(yay_only, generic({"ballot:nay"}), kAnonymous),
                "operation `ballot:nay' is not allowed", "ballot:nay");
  expect_denied(evaluate(yay_only, generic({"transaction", "ballot:pass"}), kAnonymous),
                "operation `ballot:pass' is not allowed", "ballot:pass");
  KeyPolicy no_ballot = everything();
  no_ballot.allowed_operations = Strings{"transaction"};
  expect_denied(evaluate(no_ballot, generic({"ballot:yay"}), kAnonymous),
                "operation `ballot:yay' is not allowed", "ballot:yay");
}

// A policy written with `allow:` and the same policy in the legacy syntax decide alike.
TEST(PolicySyntaxes, AllowAndLegacyDecideAlike) {
  const std::string pkh = testdata::test_key("p256_0").public_key_hash;
  const std::string client = testdata::test_key("ed25519_1").public_key;
  const std::string common = "    allowed_chains: [" + testdata::chain_id("Tezos mainnet") +
                             "]\n    authorized_keys: [" + client + "]\n";
  const std::string server = "server:\n  authorized_keys: [" + client + "]\n";
  const config::Config modern = config::parse_config(
      server + "tezos:\n  " + pkh +
          ":\n    allow:\n      block:\n      preattestation:\n      attestation:\n"
          "      generic: [transaction, \"ballot:yay\", double_consensus_operation_evidence]\n" +
          common,
      "modern.yaml");
  const config::Config legacy = config::parse_config(
      server + "tezos:\n  " + pkh +
          ":\n    allowed_operations: [block, preendorsement, endorsement, generic]\n"
          "    allowed_kinds: [transaction, \"ballot:yay\", double_endorsement_evidence]\n" +
          common,
      "legacy.yaml");
  const KeyPolicy& a = modern.policies.at(0).second;
  const KeyPolicy& b = legacy.policies.at(0).second;
  ASSERT_TRUE(b.legacy_syntax);

  const auto mainnet = chain("Tezos mainnet");
  const auto ghostnet = chain("Ghostnet");
  std::vector<SignRequest> requests;
  for (RequestKind k : {RequestKind::Block, RequestKind::Preattestation, RequestKind::Attestation,
                        RequestKind::AttestationWithDal}) {
    requests.push_back(consensus(k, mainnet));
    requests.push_back(consensus(k, ghostnet));
  }
  requests.push_back(pack());
  for (const char* op : {"transaction", "ballot:yay", "ballot:nay", "reveal",
                         "double_consensus_operation_evidence", "stake"}) {
    requests.push_back(generic({op}));
    requests.push_back(generic({"transaction", op}));
  }
  const std::vector<auth::Identity> clients{kAnonymous, signed_by("ed25519_1"),
                                            signed_by("ed25519_2")};
  int allowed = 0;
  for (const auto& r : requests) {
    for (const auto& c : clients) {
      const auto da = evaluate(a, r, c);
      const auto db = evaluate(b, r, c);
      ASSERT_EQ(da.has_value(), db.has_value());
      if (da) {
        EXPECT_EQ(da->message, db->message);
        EXPECT_EQ(da->violation_type, db->violation_type);
      } else {
        ++allowed;
      }
    }
  }
  // block, preattestation, attestation on mainnet, and the generic requests with only
  // transaction / ballot:yay / evidence, for the one authorised client.
  EXPECT_EQ(allowed, 3 + 6);
}

}  // namespace
}  // namespace signatory::policy
