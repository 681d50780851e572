// Tests of the generic operation decoder (0x03) against testdata/tezos/operations.json
// (Taquito-forged operations, two of which Octez refuses) and operations-extra.json (Octez
// output and real-chain contents for every other kind, malformed requests, lenient inputs).
// Expected kinds, tags and verdicts all come from the vector files.
#include "tezos/operation_decoder.h"

#include <gtest/gtest.h>

#include <set>

#include "tezos/decoder_vectors.h"
#include "tezos/sign_request.h"

namespace signatory::tezos {
namespace {

using nlohmann::json;
using testing::error_400;
using testing::load_vectors;
using testing::succeeds_or_400;

const json& operations() {
  static const json v = load_vectors("operations.json");
  return v;
}

const json& extra() {
  static const json v = load_vectors("operations-extra.json");
  return v;
}

std::vector<std::string> kinds_of(const GenericOperation& op) {
  std::vector<std::string> out;
  for (const auto& c : op.contents) out.emplace_back(c.kind);
  return out;
}

std::vector<int> tags_of(const GenericOperation& op) {
  std::vector<int> out;
  for (const auto& c : op.contents) out.push_back(c.tag);
  return out;
}

// The kind policy uses for one content of an operations.json `input`, from the input itself:
// staking entrypoints of a transaction to an implicit account become their pseudo-kind, a ballot
// is named with its vote.
std::string expected_policy_kind(const json& content) {
  std::string kind = content.at("kind");
  if (kind == "ballot") return "ballot:" + content.at("ballot").get<std::string>();
  if (kind == "transaction" && content.contains("parameters")) {
    std::string ep = content["parameters"].at("entrypoint");
    std::string dest = content.at("destination");
    bool implicit = dest.rfind("tz", 0) == 0;
    if (implicit && (ep == "stake" || ep == "unstake" || ep == "finalize_unstake" ||
                     ep == "set_delegate_parameters"))
      return ep;
  }
  return kind;
}

const json* find_record(const json& list, const std::string& id) {
  for (const auto& r : list)
    if (r.at("id") == id) return &r;
  return nullptr;
}

TEST(OperationDecoder, DecodesEveryOperationsJsonRecordOrRefusesOctezRejects) {
  std::size_t decoded = 0, refused = 0;
  for (const auto& rec : operations().at("operations")) {
    SCOPED_TRACE(rec.at("id").get<std::string>());
    Bytes request = from_hex(rec.at("signing_bytes_hex").get<std::string>());
    ASSERT_EQ(rec.at("signing_bytes_hex").get<std::string>(),
              "03" + rec.at("forged_hex").get<std::string>());
    if (rec.contains("octez_rejects")) {
      error_400([&] { decode_sign_request(request); });
      ++refused;
      continue;
    }
    GenericOperation op = decode_generic_operation(request);
    EXPECT_EQ(kinds_of(op), rec.at("contents_kinds").get<std::vector<std::string>>());
    EXPECT_EQ(tags_of(op), rec.at("octez_tags").get<std::vector<int>>());
    EXPECT_EQ(to_hex(op.branch), rec.at("forged_hex").get<std::string>().substr(0, 64));

    SignRequest req = decode_sign_request(request);
    EXPECT_EQ(req.kind, RequestKind::Generic);
    EXPECT_FALSE(req.chain_id.has_value());
    std::vector<std::string> expected;
    for (const auto& c : rec.at("input").at("contents"))
      expected.push_back(expected_policy_kind(c));
    EXPECT_EQ(req.operations, expected);
    ++decoded;
  }
  EXPECT_EQ(decoded, 53u);
  EXPECT_EQ(refused, 2u);
}

TEST(OperationDecoder, PseudoKindsAppearInOperationsJson) {
  // Guards the mapping test above against vectors that would not exercise it.
  std::set<std::string> seen;
  for (const auto& rec : operations().at("operations")) {
    if (rec.contains("octez_rejects")) continue;
    for (const auto& k :
         decode_sign_request(from_hex(rec.at("signing_bytes_hex").get<std::string>())).operations)
      seen.insert(k);
  }
  for (const char* k : {"stake", "unstake", "finalize_unstake", "set_delegate_parameters",
                        "ballot:yay", "ballot:nay", "ballot:pass"})
    EXPECT_TRUE(seen.count(k)) << k;
}

TEST(OperationDecoder, DecodesEveryOperationsExtraVector) {
  std::size_t n = 0;
  for (const auto& rec : extra().at("vectors")) {
    SCOPED_TRACE(rec.at("id").get<std::string>());
    Bytes request = from_hex(rec.at("hex").get<std::string>());
    std::string magic = rec.at("magic");
    ++n;
    if (magic != "03") {
      // BLS-mode consensus requests (tz4): not generic operations.
      ASSERT_TRUE(magic == "12" || magic == "13") << magic;
      SignRequest req = decode_sign_request(request);
      EXPECT_EQ(req.kind, magic == "12" ? RequestKind::Preattestation : RequestKind::Attestation);
      const json& f = rec.at("fields");
      ASSERT_TRUE(req.chain_id.has_value());
      EXPECT_EQ(req.chain_id->to_base58(), f.at("chain_id").get<std::string>());
      EXPECT_EQ(req.level, f.at("level").get<int>());
      EXPECT_EQ(req.round, f.at("round").get<int>());
      EXPECT_EQ(request[37], f.at("tag").get<int>());
      continue;
    }
    GenericOperation op = decode_generic_operation(request);
    EXPECT_EQ(kinds_of(op), rec.at("contents_kinds").get<std::vector<std::string>>());
    EXPECT_EQ(tags_of(op), rec.at("octez_tags").get<std::vector<int>>());
    SignRequest req = decode_sign_request(request);
    EXPECT_EQ(req.kind, RequestKind::Generic);
    EXPECT_EQ(req.operations.size(), op.contents.size());
  }
  EXPECT_EQ(n, extra().at("vectors").size());
  EXPECT_GE(n, 60u);
}

TEST(OperationDecoder, EveryKindOfTheCoverageTableIsDecoded) {
  // kind_coverage maps each Octez kind to the vectors that carry it.
  std::set<std::string> decoded;
  for (const auto& rec : extra().at("vectors")) {
    if (rec.at("magic") != "03") continue;
    for (const auto& c :
         decode_generic_operation(from_hex(rec.at("hex").get<std::string>())).contents)
      decoded.emplace(c.kind);
  }
  for (const auto& [kind, ids] : extra().at("kind_coverage").items()) {
    if (kind.rfind("bls_mode_", 0) == 0) continue;  // request forms, checked above
    EXPECT_TRUE(decoded.count(kind)) << kind;
  }
}

TEST(OperationDecoder, NamedStakeEntrypointIsTheStakePseudoKind) {
  // Vector notes: "Octez decodes a named entrypoint equal to a built-in name as that built-in:
  // this is the same stake operation as entrypoint tag 06."
  const json* rec =
      find_record(extra().at("vectors"), "constructed_transaction_named_stake_entrypoint");
  ASSERT_NE(rec, nullptr);
  GenericOperation op = decode_generic_operation(from_hex(rec->at("hex").get<std::string>()));
  ASSERT_EQ(op.contents.size(), 1u);
  EXPECT_EQ(op.contents[0].entrypoint, "stake");
  EXPECT_EQ(op.contents[0].policy_kind, "stake");
}

TEST(OperationDecoder, ExplicitDefaultUnitParametersAreATransaction) {
  const json* rec =
      find_record(extra().at("vectors"), "constructed_transaction_explicit_default_unit");
  ASSERT_NE(rec, nullptr);
  SignRequest req = decode_sign_request(from_hex(rec->at("hex").get<std::string>()));
  EXPECT_EQ(req.operations, std::vector<std::string>{"transaction"});
}

TEST(OperationDecoder, StakeEntrypointOnAContractIsAPlainTransaction) {
  // transaction_stake sends to its own tz1; rewrite the destination (00 00 ‖ hash, 22 bytes)
  // into a KT1 with the same hash (01 ‖ hash ‖ 00, 22 bytes). Octez gives "stake" its staking
  // meaning only on implicit accounts, so this must not pass a policy that allows only `stake`.
  const json* rec = find_record(operations().at("operations"), "transaction_stake");
  ASSERT_NE(rec, nullptr);
  std::string hex = rec->at("signing_bytes_hex");
  Bytes request = from_hex(hex);
  ASSERT_EQ(decode_sign_request(request).operations, std::vector<std::string>{"stake"});
  // Source: tag 00 ‖ 20-byte hash at offset 34.
  std::string source_hash = hex.substr(2 * 35, 40);
  std::size_t dest = hex.find("0000" + source_hash, 2 * 55);
  ASSERT_NE(dest, std::string::npos);
  hex.replace(dest, 4 + 40, "01" + source_hash + "00");
  GenericOperation op = decode_generic_operation(from_hex(hex));
  ASSERT_EQ(op.contents.size(), 1u);
  EXPECT_EQ(op.contents[0].entrypoint, "stake");
  EXPECT_EQ(op.contents[0].policy_kind, "transaction");
}

TEST(OperationDecoder, RefusesEveryNegativeVector) {
  std::size_t n = 0;
  for (const auto& rec : extra().at("negative")) {
    SCOPED_TRACE(rec.at("id").get<std::string>());
    ASSERT_EQ(rec.at("expect_error"), true);
    Bytes request = from_hex(rec.at("hex").get<std::string>());
    std::string message = error_400([&] { decode_sign_request(request); });
    EXPECT_FALSE(message.empty());
    ++n;

    // Where the reference decoder names an unknown content tag, we name the same tag.
    std::string ref = rec.value("reference_decoder_error", "");
    const std::string unknown = "unknown operation contents tag ";
    if (ref.rfind(unknown, 0) == 0) {
      std::string tag = ref.substr(unknown.size(), ref.find(' ', unknown.size()) - unknown.size());
      EXPECT_NE(message.find("unknown operation tag " + tag + " "), std::string::npos) << message;
      EXPECT_NE(message.find(" at offset "), std::string::npos) << message;
    }
    if (rec.at("error_class") == "truncated") {
      EXPECT_TRUE(message.rfind("truncated ", 0) == 0 ||
                  message.find("overruns") != std::string::npos)
          << message;
    }
  }
  EXPECT_EQ(n, extra().at("negative").size());
}

TEST(OperationDecoder, ErrorsNameTheKindAndTheOffset) {
  const json& neg = extra().at("negative");
  // Tag 20 followed by nothing: the slot is missing right after the tag (offset 34).
  std::string m = error_400([&] {
    decode_sign_request(
        from_hex(find_record(neg, "neg_truncated_after_tag")->at("hex").get<std::string>()));
  });
  EXPECT_EQ(m, "truncated preattestation at offset 34: need 2 bytes for slot, 0 left");
  // Tag 7 right after the branch.
  m = error_400([&] {
    decode_sign_request(
        from_hex(find_record(neg, "neg_unknown_tag_7")->at("hex").get<std::string>()));
  });
  EXPECT_EQ(m, "unknown operation tag 7 (0x07) at offset 33");
}

// Lenient inputs (Octez accepts, a strict decoder may refuse). Our documented choices:
// presence byte 0x01 is refused (decoders disagree on its meaning); KT1 padding, Z "-0", a
// negative increase_paid_storage amount and unsigned inlined operations decode as Octez does.
TEST(OperationDecoder, LenientVectorsFollowTheDocumentedChoice) {
  const std::set<std::string> refused = {"lenient_presence_byte_01"};
  std::size_t n = 0;
  for (const auto& rec : extra().at("lenient")) {
    std::string id = rec.at("id");
    SCOPED_TRACE(id);
    ASSERT_EQ(rec.at("octez_accepts"), true);
    Bytes request = from_hex(rec.at("hex").get<std::string>());
    ++n;
    if (refused.count(id)) {
      std::string m = error_400([&] { decode_generic_operation(request); });
      EXPECT_NE(m.find("presence byte 0x01"), std::string::npos) << m;
      continue;
    }
    GenericOperation op = decode_generic_operation(request);
    EXPECT_EQ(kinds_of(op), rec.at("contents_kinds").get<std::vector<std::string>>());
  }
  EXPECT_EQ(n, 5u);
}

TEST(OperationDecoder, RefusesOversizedRequests) {
  // A failing_noop whose payload makes the request one byte above the limit.
  const json* rec = find_record(operations().at("operations"), "failing_noop_short");
  ASSERT_NE(rec, nullptr);
  Bytes request = from_hex(rec->at("signing_bytes_hex").get<std::string>());
  Bytes big(request.begin(), request.begin() + 33);
  std::size_t payload = kMaxGenericRequestSize - 33 - 5 + 1;
  big.push_back(17);
  for (int shift = 24; shift >= 0; shift -= 8)
    big.push_back(static_cast<std::uint8_t>(payload >> shift));
  big.resize(big.size() + payload, 0xab);
  ASSERT_EQ(big.size(), kMaxGenericRequestSize + 1);
  EXPECT_NE(error_400([&] { decode_generic_operation(big); }).find("exceeds the limit"),
            std::string::npos);
  big.pop_back();
  big[33 + 4] = static_cast<std::uint8_t>(big[33 + 4] - 1);  // one byte shorter payload
  EXPECT_EQ(decode_generic_operation(big).contents.size(), 1u);
}

TEST(OperationDecoder, TagTableIsTheProtocol025Table) {
  // kind_support lists every kind Taquito knows with its Octez tag (null when not a 025
  // content); every tagged generic kind must map to that tag here.
  std::size_t checked = 0;
  for (const auto& k : operations().at("kind_support")) {
    if (k.at("octez_tag").is_null()) continue;
    if (k.at("kind").get<std::string>().rfind("bls_mode_", 0) == 0) continue;  // 0x12/0x13 only
    int tag = k.at("octez_tag");
    auto kind = operation_kind_for_tag(static_cast<std::uint8_t>(tag));
    if (!kind) {
      ADD_FAILURE() << "tag " << tag << " of " << k.at("kind") << " unknown";
      continue;
    }
    EXPECT_EQ(*kind, k.at("kind").get<std::string>());
    ++checked;
  }
  EXPECT_GE(checked, 30u);
  for (int tag : {0, 7, 10, 22, 40, 41, 116, 150, 253, 254, 255})
    EXPECT_FALSE(operation_kind_for_tag(static_cast<std::uint8_t>(tag))) << tag;
}

// Robustness: every prefix and every single-byte mutation of every vector decodes or is refused
// with 400 (run under ASan/UBSan in CI to catch any out-of-bounds read).
TEST(OperationDecoder, NeverFailsOtherwiseOnTruncationsAndMutations) {
  std::vector<Bytes> requests;
  for (const auto& rec : operations().at("operations"))
    requests.push_back(from_hex(rec.at("signing_bytes_hex").get<std::string>()));
  for (const char* list : {"vectors", "negative", "lenient"})
    for (const auto& rec : extra().at(list))
      requests.push_back(from_hex(rec.at("hex").get<std::string>()));
  std::size_t runs = 0;
  for (const Bytes& request : requests) {
    for (std::size_t len = 0; len < request.size(); ++len) {
      Bytes cut(request.begin(), request.begin() + len);
      succeeds_or_400([&] { decode_sign_request(cut); });
      ++runs;
    }
    if (request.size() > 600) continue;  // keep the mutation pass quick
    for (std::size_t i = 0; i < request.size(); ++i) {
      for (std::uint8_t v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
        Bytes m = request;
        m[i] = v;
        succeeds_or_400([&] { decode_sign_request(m); });
        ++runs;
      }
    }
  }
  EXPECT_GT(runs, 10000u);
}

}  // namespace
}  // namespace signatory::tezos
