// Tests of key_policy.cpp: the default policy, both policy syntaxes, legacy-name normalisation,
// validation messages naming the valid kinds (Signatory's `list-requests` and `list-ops`), and the
// policy warnings.
#include "config/key_policy.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/error.h"
#include "config/testdata_keys.h"

namespace signatory::config {
namespace {

using Strings = std::vector<std::string>;

// Signatory's `list-requests`.
const char* const kValidRequestKinds =
    "attestation, attestation_with_dal, block, generic, pack, preattestation";

// Signatory's `list-ops` plus ballot votes and the consensus kinds we also accept.
std::string valid_operation_kinds() {
  Strings names{
      "activate_account", "attestations_aggregate", "ballot", "dal_entrapment_evidence",
      "dal_publish_commitment", "delegation", "double_baking_evidence",
      "double_consensus_operation_evidence", "drain_delegate", "failing_noop", "finalize_unstake",
      "increase_paid_storage", "origination", "preattestations_aggregate", "proposals",
      "register_global_constant", "reveal", "seed_nonce_revelation", "set_delegate_parameters",
      "set_deposits_limit", "signature_prefix", "smart_rollup_add_messages", "smart_rollup_cement",
      "smart_rollup_execute_outbox_message", "smart_rollup_originate", "smart_rollup_publish",
      "smart_rollup_recover_bond", "smart_rollup_refute", "smart_rollup_timeout", "stake",
      "transaction", "transfer_ticket", "unstake", "update_companion_key", "update_consensus_key",
      "vdf_revelation", "zk_rollup_origination", "zk_rollup_publish", "zk_rollup_update",
      // accepted besides list-ops
      "ballot:yay", "ballot:nay", "ballot:pass", "attestation", "attestation_with_dal",
      "preattestation"};
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

struct Loaded {
  Config config;
  const KeyPolicy& policy() const { return config.policies.at(0).second; }
};

// A config whose only key is `id`, with `body` (indented by 4) as its policy.
Loaded load(const std::string& body, const std::string& id = "ed25519_0",
            const std::string& server = "") {
  const std::string text =
      server + "tezos:\n  " + testdata::test_key(id).public_key_hash + ":\n" + body;
  return Loaded{parse_config(text, "signatory.yaml")};
}

std::string error_of(const std::string& body) {
  try {
    load(body);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << body;
  return "";
}

std::string at(int line) {
  return "signatory.yaml:" + std::to_string(line) + ": tezos." +
         testdata::test_key("ed25519_0").public_key_hash + ": ";
}

bool has_warning(const Config& c, const std::string& text) {
  return std::find(c.warnings.begin(), c.warnings.end(), text) != c.warnings.end();
}

std::string warnings_of(const Config& c) {
  std::string out;
  for (const auto& w : c.warnings) out += w + "\n";
  return out;
}

std::string renamed(const std::string& from, const std::string& to) {
  return "Deprecated configuration detected: '" + from + "' should be replaced with '" + to + "'";
}

TEST(KeyPolicy, NullPolicyIsTheDefaultInSignatoryOrder) {
  const Loaded l = load("");
  EXPECT_EQ(l.policy().allowed_requests, (Strings{"block", "preattestation", "attestation"}));
  EXPECT_FALSE(l.policy().allowed_operations);
  EXPECT_FALSE(l.policy().legacy_syntax);
  EXPECT_TRUE(l.config.warnings.empty());
  EXPECT_EQ(default_key_policy().allowed_requests, l.policy().allowed_requests);
}

TEST(KeyPolicy, PolicyWithNeitherSyntaxAllowsNothing) {
  const Loaded l = load("    log_payloads: true\n");
  EXPECT_TRUE(l.policy().allowed_requests.empty());
  EXPECT_FALSE(l.policy().allowed_operations);
  EXPECT_TRUE(l.policy().log_payloads);
  EXPECT_FALSE(l.policy().legacy_syntax);
  EXPECT_TRUE(has_warning(l.config, at(2) + "no `allow' list: this key may sign nothing"))
      << warnings_of(l.config);
  // `allow:` left empty counts as absent, like Signatory's nil map.
  EXPECT_TRUE(load("    allow:\n").policy().allowed_requests.empty());
}

TEST(KeyPolicy, AllowSyntax) {
  const Loaded l = load(
      "    allow:\n"
      "      preattestation:\n"
      "      generic: [transaction, reveal, \"ballot:yay\"]\n"
      "      block:\n");
  EXPECT_EQ(l.policy().allowed_requests, (Strings{"block", "generic", "preattestation"}));
  ASSERT_TRUE(l.policy().allowed_operations);
  EXPECT_EQ(*l.policy().allowed_operations, (Strings{"ballot:yay", "reveal", "transaction"}));
  EXPECT_TRUE(l.policy().legacy_allowed_operations.empty());
  EXPECT_TRUE(l.config.warnings.empty()) << warnings_of(l.config);

  // `generic:` with no list: generic requests allowed, no operation.
  const Loaded empty_generic = load("    allow:\n      generic:\n");
  ASSERT_TRUE(empty_generic.policy().allowed_operations);
  EXPECT_TRUE(empty_generic.policy().allowed_operations->empty());
  // No `generic` key: no operation list at all.
  EXPECT_FALSE(load("    allow:\n      block:\n").policy().allowed_operations);
}

TEST(KeyPolicy, ListsUnderOtherKindsAreIgnoredWithAWarning) {
  const Loaded l = load("    allow:\n      block: [transaction]\n");
  EXPECT_EQ(l.policy().allowed_requests, (Strings{"block"}));
  EXPECT_FALSE(l.policy().allowed_operations);
  EXPECT_TRUE(has_warning(l.config, at(4) + "allow.block: list ignored: only `generic' takes a "
                                            "list of operation kinds"))
      << warnings_of(l.config);
}

TEST(KeyPolicy, LegacySyntaxIsNormalisedAndKeptAsWritten) {
  const Loaded l = load(
      "    allowed_operations: [generic, preendorsement, block]\n"
      "    allowed_kinds: [endorsement, transaction, double_endorsement_evidence]\n");
  const KeyPolicy& p = l.policy();
  EXPECT_TRUE(p.legacy_syntax);
  EXPECT_EQ(p.legacy_allowed_operations, (Strings{"generic", "preendorsement", "block"}));
  EXPECT_EQ(p.legacy_allowed_kinds,
            (Strings{"endorsement", "transaction", "double_endorsement_evidence"}));
  EXPECT_EQ(p.allowed_requests, (Strings{"block", "generic", "preattestation"}));
  ASSERT_TRUE(p.allowed_operations);
  EXPECT_EQ(*p.allowed_operations,
            (Strings{"attestation", "double_consensus_operation_evidence", "transaction"}));
  EXPECT_TRUE(has_warning(
      l.config, at(3) + "allowed_operations: " + renamed("preendorsement", "preattestation")));
  EXPECT_TRUE(
      has_warning(l.config, at(4) + "allowed_kinds: " + renamed("endorsement", "attestation")));
  EXPECT_TRUE(has_warning(
      l.config, at(4) + "allowed_kinds: " +
                    renamed("double_endorsement_evidence", "double_consensus_operation_evidence")));
  EXPECT_TRUE(
      has_warning(l.config, at(2) + "`allowed_operations` and `allowed_kinds` options are "
                                    "deprecated. Use `allow` instead:\n"
                                    "allow:\n  block:\n  generic:\n    - attestation\n"
                                    "    - double_consensus_operation_evidence\n    - transaction\n"
                                    "  preattestation:\n"))
      << warnings_of(l.config);
  EXPECT_EQ(l.config.warnings.size(), 4u) << warnings_of(l.config);
}

TEST(KeyPolicy, LegacyWithOnlyOneOfTheTwoLists) {
  const Loaded kinds_only = load("    allowed_kinds: [transaction]\n");
  EXPECT_TRUE(kinds_only.policy().legacy_syntax);
  EXPECT_TRUE(kinds_only.policy().allowed_requests.empty());
  EXPECT_EQ(*kinds_only.policy().allowed_operations, (Strings{"transaction"}));
  const Loaded ops_only = load("    allowed_operations: [block]\n");
  EXPECT_EQ(ops_only.policy().allowed_requests, (Strings{"block"}));
  EXPECT_FALSE(ops_only.policy().allowed_operations);
  EXPECT_TRUE(ops_only.policy().legacy_allowed_kinds.empty());
}

TEST(KeyPolicy, AllowWinsOverLegacyLists) {
  const Loaded l = load(
      "    allow:\n      block:\n"
      "    allowed_operations: [generic]\n"
      "    allowed_kinds: [transaction]\n");
  EXPECT_EQ(l.policy().allowed_requests, (Strings{"block"}));
  EXPECT_FALSE(l.policy().allowed_operations);
  EXPECT_FALSE(l.policy().legacy_syntax);
  EXPECT_TRUE(has_warning(l.config, at(5) + "allowed_operations: ignored because `allow' is set"));
  EXPECT_TRUE(has_warning(l.config, at(6) + "allowed_kinds: ignored because `allow' is set"));
}

TEST(KeyPolicy, AllowSyntaxNormalisesLegacyNamesToo) {
  const Loaded l = load(
      "    allow:\n"
      "      endorsement:\n"
      "      generic:\n"
      "        - preendorsement\n"
      "        - ballot\n"
      "        - \"ballot:nay\"\n"
      "        - double_preattestation_evidence\n"
      "        - double_attestation_evidence\n");
  EXPECT_EQ(l.policy().allowed_requests, (Strings{"attestation", "generic"}));
  EXPECT_EQ(
      *l.policy().allowed_operations,
      (Strings{"ballot", "ballot:nay", "double_consensus_operation_evidence", "preattestation"}));
  EXPECT_TRUE(has_warning(l.config, at(4) + "allow: " + renamed("endorsement", "attestation")))
      << warnings_of(l.config);
  EXPECT_TRUE(has_warning(l.config,
                          at(6) + "allow.generic: " + renamed("preendorsement", "preattestation")))
      << warnings_of(l.config);
}

TEST(KeyPolicy, InvalidRequestKindNamesTheValidOnes) {
  EXPECT_EQ(error_of("    allowed_operations: [generic, foo]\n"),
            at(3) + "allowed_operations: invalid request kind `foo'; valid kinds are " +
                kValidRequestKinds);
  EXPECT_EQ(
      error_of("    allow:\n      block:\n      failing_noop:\n"),
      at(5) + "allow: invalid request kind `failing_noop'; valid kinds are " + kValidRequestKinds);
}

TEST(KeyPolicy, InvalidOperationKindNamesTheValidOnes) {
  EXPECT_EQ(error_of("    allowed_kinds: [transaction, transfer]\n"),
            at(3) + "allowed_kinds: invalid operation kind `transfer'; valid kinds are " +
                valid_operation_kinds());
  EXPECT_EQ(error_of("    allow:\n      generic:\n        - \"ballot:maybe\"\n"),
            at(5) + "allow.generic: invalid operation kind `ballot:maybe'; valid kinds are " +
                valid_operation_kinds());
  EXPECT_EQ(error_of("    allow:\n      generic: [\"transaction:x\"]\n")
                .rfind(at(4) + "allow.generic: invalid operation kind `transaction:x'", 0),
            0u);
  EXPECT_EQ(error_of("    allow:\n      generic: [[transaction]]\n"),
            at(4) + "allow.generic: expected a list of operation kinds, got a sequence");
}

TEST(KeyPolicy, ProofOfPossessionOnlyForTz4) {
  const Loaded tz1 = load("    allow_proof_of_possession: true\n");
  EXPECT_FALSE(tz1.policy().allow_proof_of_possession);
  EXPECT_TRUE(has_warning(tz1.config, at(3) +
                                          "allow_proof_of_possession: proof of possession is "
                                          "not supported for " +
                                          testdata::test_key("ed25519_0").public_key_hash))
      << warnings_of(tz1.config);
  const Loaded tz4 =
      load("    allow:\n      block:\n    allow_proof_of_possession: true\n", "bls12_381_1");
  EXPECT_TRUE(tz4.policy().allow_proof_of_possession);
  EXPECT_TRUE(tz4.config.warnings.empty());
  EXPECT_FALSE(load("    allow_proof_of_possession: false\n", "bls12_381_1")
                   .policy()
                   .allow_proof_of_possession);
}

TEST(KeyPolicy, ClientRestrictionsWarnWhenNobodyCanMatch) {
  const Loaded l = load("    authorized_keys: []\n    jwt_users: [carol]\n");
  ASSERT_TRUE(l.policy().authorized_keys);
  EXPECT_TRUE(l.policy().authorized_keys->empty());
  EXPECT_EQ(*l.policy().jwt_users, (Strings{"carol"}));
  EXPECT_TRUE(has_warning(l.config, at(3) + "authorized_keys: server.authorized_keys is empty, "
                                            "so no client can authenticate: every request for "
                                            "this key will be denied"))
      << warnings_of(l.config);
  EXPECT_TRUE(
      has_warning(l.config, at(4) + "jwt_users: user `carol' is not defined in server.jwt.users"));
  // With the server keys and the user defined: no warning.
  const std::string server =
      "server:\n  authorized_keys: " + testdata::test_key("ed25519_1").public_key +
      "\n  jwt:\n    users:\n      carol:\n        password: x\n";
  const Loaded ok =
      load("    allow:\n      block:\n    authorized_keys: " +
               testdata::test_key("ed25519_1").public_key + "\n    jwt_users: [carol]\n",
           "ed25519_0", server);
  EXPECT_TRUE(ok.config.warnings.empty()) << warnings_of(ok.config);
  EXPECT_FALSE(load("    authorized_keys:\n").policy().authorized_keys) << "null: no restriction";
}

TEST(KeyPolicy, RenderAllowBlock) {
  KeyPolicy p;
  EXPECT_EQ(render_allow_block(p), "allow: {}\n");
  p.allowed_requests = {"block", "generic"};
  EXPECT_EQ(render_allow_block(p), "allow:\n  block:\n  generic:\n");
  p.allowed_operations = Strings{"reveal", "transaction"};
  EXPECT_EQ(render_allow_block(p),
            "allow:\n  block:\n  generic:\n    - reveal\n    - transaction\n");
}

// The two syntaxes describe the same policy.
TEST(KeyPolicy, BothSyntaxesGiveTheSameResolvedPolicy) {
  const Loaded modern =
      load("    allow:\n      block:\n      attestation:\n      generic: [reveal, transaction]\n");
  const Loaded legacy = load(
      "    allowed_operations: [block, endorsement, generic]\n"
      "    allowed_kinds: [transaction, reveal]\n");
  EXPECT_EQ(modern.policy().allowed_requests, legacy.policy().allowed_requests);
  EXPECT_EQ(modern.policy().allowed_operations, legacy.policy().allowed_operations);
}

}  // namespace
}  // namespace signatory::config
