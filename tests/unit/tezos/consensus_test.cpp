// Tests of the watermarked requests (0x11 block, 0x12 preattestation, 0x13 attestation) against
// testdata/tezos/consensus.json: request kind, chain id, level and round (the last fitness
// element for blocks) of all 25 requests, and refusal of malformed ones.
#include <gtest/gtest.h>

#include "tezos/decoder_vectors.h"
#include "tezos/sign_request.h"

namespace signatory::tezos {
namespace {

using nlohmann::json;
using testing::error_400;
using testing::load_vectors;
using testing::succeeds_or_400;

const json& consensus() {
  static const json v = load_vectors("consensus.json");
  return v;
}

std::vector<const json*> all_requests() {
  std::vector<const json*> out;
  for (const auto& r : consensus().at("blocks")) out.push_back(&r);
  for (const auto& r : consensus().at("consensus_operations")) out.push_back(&r);
  return out;
}

RequestKind expected_kind(const json& rec) {
  if (!rec.contains("request_kind")) return RequestKind::Block;
  auto k = parse_request_kind(rec.at("request_kind").get<std::string>());
  if (!k) throw std::runtime_error("unknown request_kind in vector");
  return *k;
}

TEST(ConsensusRequest, DecodesAllVectors) {
  std::size_t blocks = 0, ops = 0;
  for (const json* rec : all_requests()) {
    SCOPED_TRACE(rec->at("id").get<std::string>());
    Bytes request = from_hex(rec->at("sign_request_hex").get<std::string>());
    SignRequest req = decode_sign_request(request);
    const json& wm = rec->at("watermark");
    EXPECT_EQ(req.kind, expected_kind(*rec));
    EXPECT_TRUE(is_consensus(req.kind));
    ASSERT_TRUE(req.chain_id.has_value());
    EXPECT_EQ(req.chain_id->to_base58(), wm.at("chain_id").get<std::string>());
    EXPECT_EQ(to_hex(req.chain_id->bytes),
              rec->at("decoded").at("chain_id_hex").get<std::string>());
    EXPECT_EQ(req.level, wm.at("level").get<std::int64_t>());
    EXPECT_EQ(req.round, wm.at("round").get<std::int64_t>());
    EXPECT_TRUE(req.operations.empty());
    (req.kind == RequestKind::Block ? blocks : ops)++;
  }
  EXPECT_EQ(blocks, 10u);
  EXPECT_EQ(ops, 15u);
}

TEST(ConsensusRequest, BlockRoundIsTheLastFitnessElementNotPayloadRound) {
  // The vectors include a re-proposal (payload_round 0, fitness round 1) and a high round.
  bool differs = false;
  for (const auto& rec : consensus().at("blocks")) {
    SignRequest req = decode_sign_request(from_hex(rec.at("sign_request_hex").get<std::string>()));
    EXPECT_EQ(req.round, rec.at("decoded").at("fitness").at("round").get<int>());
    if (rec.at("decoded").at("payload_round").get<int>() != req.round) differs = true;
  }
  EXPECT_TRUE(differs);
}

TEST(ConsensusRequest, ChainIdsRoundTrip) {
  for (const auto& [name, chain] : consensus().at("chains").items()) {
    SCOPED_TRACE(name);
    ChainId id = ChainId::parse(chain.at("chain_id").get<std::string>());
    EXPECT_EQ(to_hex(id.bytes), chain.at("hex").get<std::string>());
    EXPECT_EQ(id.to_base58(), chain.at("chain_id").get<std::string>());
  }
  error_400([] { ChainId::parse("NetXdQprcVkpaWV"); });  // checksum broken
  error_400([] { ChainId::parse("tz1cf12zAidvSnYHmpQj78TiaNF44ucgBjJH"); });
  error_400([] { ChainId::parse(""); });
}

TEST(ConsensusRequest, VersionOneMakesEveryAttestationAnAttestation) {
  for (const auto& rec : consensus().at("consensus_operations")) {
    SCOPED_TRACE(rec.at("id").get<std::string>());
    Bytes request = from_hex(rec.at("sign_request_hex").get<std::string>());
    RequestKind v2 = expected_kind(rec);
    RequestKind v1 = v2 == RequestKind::AttestationWithDal ? RequestKind::Attestation : v2;
    EXPECT_EQ(decode_sign_request(request, 1).kind, v1);
    EXPECT_EQ(decode_sign_request(request, 0).kind, v2);
    EXPECT_EQ(decode_sign_request(request, 2).kind, v2);
  }
}

// Our documented choice: bytes after a complete block header or consensus operation are
// refused (Signatory ignores them).
TEST(ConsensusRequest, RefusesTrailingBytes) {
  for (const json* rec : all_requests()) {
    SCOPED_TRACE(rec->at("id").get<std::string>());
    Bytes request = from_hex(rec->at("sign_request_hex").get<std::string>());
    request.push_back(0x00);
    std::string m = error_400([&] { decode_sign_request(request); });
    EXPECT_NE(m.find("1 extra byte inside"), std::string::npos) << m;
  }
}

TEST(ConsensusRequest, RefusesEveryTruncation) {
  for (const json* rec : all_requests()) {
    SCOPED_TRACE(rec->at("id").get<std::string>());
    Bytes request = from_hex(rec->at("sign_request_hex").get<std::string>());
    for (std::size_t len = 1; len < request.size(); ++len) {
      Bytes cut(request.begin(), request.begin() + len);
      error_400([&] { decode_sign_request(cut); });
    }
  }
}

TEST(ConsensusRequest, RefusesATagThatDoesNotMatchTheMagicByte) {
  for (const auto& rec : consensus().at("consensus_operations")) {
    SCOPED_TRACE(rec.at("id").get<std::string>());
    Bytes request = from_hex(rec.at("sign_request_hex").get<std::string>());
    request[0] = request[0] == 0x12 ? 0x13 : 0x12;  // swap preattestation <-> attestation
    std::string m = error_400([&] { decode_sign_request(request); });
    EXPECT_NE(m.find("unexpected operation tag " + std::to_string(rec.at("tag").get<int>()) +
                     " at offset 37"),
              std::string::npos)
        << m;
  }
}

TEST(ConsensusRequest, RefusesNegativeLevelOrRound) {
  for (const auto& rec : consensus().at("consensus_operations")) {
    SCOPED_TRACE(rec.at("id").get<std::string>());
    Bytes request = from_hex(rec.at("sign_request_hex").get<std::string>());
    const json& wm = rec.at("watermark");
    Bytes bad_level = request;
    bad_level[wm.at("level_offset").get<std::size_t>()] = 0x80;
    EXPECT_NE(error_400([&] { decode_sign_request(bad_level); }).find("level"), std::string::npos);
    Bytes bad_round = request;
    bad_round[wm.at("round_offset").get<std::size_t>()] = 0xff;
    EXPECT_NE(error_400([&] { decode_sign_request(bad_round); }).find("round"), std::string::npos);
  }
  for (const auto& rec : consensus().at("blocks")) {
    SCOPED_TRACE(rec.at("id").get<std::string>());
    Bytes request = from_hex(rec.at("sign_request_hex").get<std::string>());
    const json& off = rec.at("decoded").at("offsets");
    Bytes bad_level = request;
    bad_level[off.at("level").get<std::size_t>()] = 0x80;
    EXPECT_NE(error_400([&] { decode_sign_request(bad_level); }).find("level"), std::string::npos);
    Bytes bad_round = request;
    bad_round[off.at("round").get<std::size_t>()] = 0x80;
    EXPECT_NE(error_400([&] { decode_sign_request(bad_round); }).find("round"), std::string::npos);
  }
}

TEST(ConsensusRequest, NeverFailsOtherwiseOnMutations) {
  for (const json* rec : all_requests()) {
    Bytes request = from_hex(rec->at("sign_request_hex").get<std::string>());
    for (std::size_t i = 0; i < request.size(); ++i)
      for (std::uint8_t v : {0x00, 0x03, 0x7f, 0x80, 0xff}) {
        Bytes m = request;
        m[i] = v;
        succeeds_or_400([&] { decode_sign_request(m); });
      }
  }
}

}  // namespace
}  // namespace signatory::tezos
