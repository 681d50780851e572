// Tests of request classification: request and operation kind names (checked against
// Signatory's `list-ops`, tests/vectors/signatory/list-ops.txt), magic-byte dispatch over every
// message of testdata/tezos/signatures.json, PACK validation and refusal of other magic bytes.
#include "tezos/sign_request.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tezos/decoder_vectors.h"

namespace signatory::tezos {
namespace {

using nlohmann::json;
using testing::error_400;
using testing::load_vectors;

const json& signatures() {
  static const json v = load_vectors("signatures.json");
  return v;
}

std::string trim(std::string s) {
  auto ws = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), ws));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), ws).base(), s.end());
  return s;
}

// Signatory's `list-ops` names, one per line (tests/vectors/signatory/list-ops.txt).
std::vector<std::string> reference_operation_kinds() {
  std::ifstream in(std::string(SIGNATORY_TESTDATA) + "/signatory/list-ops.txt");
  if (!in) throw std::runtime_error("cannot open signatory/list-ops.txt");
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!trim(line).empty()) out.push_back(trim(line));
  return out;
}

TEST(SignRequest, OperationKindNamesAreSignatorysList) {
  std::vector<std::string> expected = reference_operation_kinds();
  ASSERT_GE(expected.size(), 30u);
  EXPECT_TRUE(std::is_sorted(expected.begin(), expected.end()));
  EXPECT_EQ(operation_kind_names(), expected);
}

TEST(SignRequest, RequestKindNames) {
  // Signatory's `list-requests`: the five of the integration test plus pack, sorted.
  const std::vector<std::string> expected = {
      "attestation", "attestation_with_dal", "block", "generic", "pack", "preattestation"};
  EXPECT_EQ(request_kind_names(), expected);
  for (const std::string& name : expected) {
    auto k = parse_request_kind(name);
    ASSERT_TRUE(k.has_value()) << name;
    EXPECT_EQ(request_kind_name(*k), name);
  }
  EXPECT_FALSE(parse_request_kind("endorsement"));
  EXPECT_FALSE(parse_request_kind("Block"));
  EXPECT_FALSE(parse_request_kind(""));
  EXPECT_TRUE(is_consensus(RequestKind::Block));
  EXPECT_TRUE(is_consensus(RequestKind::Preattestation));
  EXPECT_TRUE(is_consensus(RequestKind::Attestation));
  EXPECT_TRUE(is_consensus(RequestKind::AttestationWithDal));
  EXPECT_FALSE(is_consensus(RequestKind::Generic));
  EXPECT_FALSE(is_consensus(RequestKind::Pack));
}

// Every message of signatures.json is what a signer receives: those with a magic byte decode
// to the kind their message_kind says, the raw ones (no magic byte) are refused naming the byte.
TEST(SignRequest, ClassifiesEverySignaturesJsonMessage) {
  std::size_t decoded = 0, refused = 0;
  for (const auto& v : signatures().at("vectors")) {
    SCOPED_TRACE(v.at("id").get<std::string>());
    Bytes message = from_hex(v.at("message_hex").get<std::string>());
    std::string kind = v.at("message_kind");
    if (v.at("magic_byte").is_null()) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", message.at(0));
      std::string m = error_400([&] { decode_sign_request(message); });
      EXPECT_EQ(m.rfind(std::string("unsupported magic byte ") + hex, 0), 0u) << m;
      ++refused;
      continue;
    }
    std::string magic = v.at("magic_byte");
    ASSERT_EQ(std::stoi(magic, nullptr, 16), message.at(0));
    SignRequest req = decode_sign_request(message);
    RequestKind expected;
    if (magic == "0x03") {
      expected = RequestKind::Generic;
    } else if (magic == "0x05") {
      expected = RequestKind::Pack;
    } else if (magic == "0x11") {
      expected = RequestKind::Block;
    } else if (magic == "0x12") {
      expected = RequestKind::Preattestation;
    } else if (magic == "0x13") {
      expected = kind == "attestation_with_dal" ? RequestKind::AttestationWithDal
                                                : RequestKind::Attestation;
    } else {
      FAIL() << "unexpected magic " << magic;
    }
    EXPECT_EQ(req.kind, expected);
    EXPECT_EQ(req.kind == RequestKind::Generic, !req.operations.empty());
    EXPECT_EQ(is_consensus(req.kind), req.chain_id.has_value());
    ++decoded;
  }
  EXPECT_GT(decoded, 150u);
  EXPECT_GT(refused, 50u);
}

TEST(SignRequest, GenericBatchFromSignaturesJsonListsEveryOperation) {
  for (const auto& v : signatures().at("vectors")) {
    if (v.at("message_kind") != "generic_operation_batch") continue;
    SignRequest req = decode_sign_request(from_hex(v.at("message_hex").get<std::string>()));
    // operations.json batch_reveal_delegation_transactions: reveal, delegation, 3 transactions.
    EXPECT_EQ(req.operations, (std::vector<std::string>{"reveal", "delegation", "transaction",
                                                        "transaction", "transaction"}));
    return;
  }
  FAIL() << "no generic_operation_batch vector";
}

TEST(SignRequest, RefusesAuthenticationBytes) {
  // to_sign of Octez request authentication starts with 0x04 0x01: never a sign request.
  for (const auto& v : signatures().at("authentication").at("vectors")) {
    Bytes to_sign = from_hex(v.at("to_sign_hex").get<std::string>());
    std::string m = error_400([&] { decode_sign_request(to_sign); });
    EXPECT_EQ(m.rfind("unsupported magic byte 0x04", 0), 0u) << m;
  }
}

TEST(SignRequest, RefusesLegacyAndUnknownMagicBytes) {
  EXPECT_EQ(error_400([] {
              decode_sign_request(Bytes{0x01, 0x00});
            }),
            "unsupported magic byte 0x01 (legacy Emmy block)");
  EXPECT_EQ(error_400([] {
              decode_sign_request(Bytes{0x02, 0x00});
            }),
            "unsupported magic byte 0x02 (legacy Emmy endorsement)");
  EXPECT_EQ(error_400([] { decode_sign_request(Bytes{0x00}); }), "unsupported magic byte 0x00");
  EXPECT_EQ(error_400([] {
              decode_sign_request(Bytes{0x06, 1, 2, 3});
            }),
            "unsupported magic byte 0x06");
  EXPECT_NE(error_400([] { decode_sign_request(Bytes{}); }).find("empty"), std::string::npos);
}

TEST(SignRequest, PackRequestsMustBeOneMichelineExpression) {
  std::vector<Bytes> packs;
  for (const auto& v : signatures().at("vectors"))
    if (v.at("magic_byte") == "0x05")
      packs.push_back(from_hex(v.at("message_hex").get<std::string>()));
  ASSERT_FALSE(packs.empty());
  for (const Bytes& p : packs) {
    EXPECT_EQ(decode_sign_request(p).kind, RequestKind::Pack);
    // Signatory's version-1 (protocol 022) decoder has no PACK requests.
    EXPECT_NE(error_400([&] { decode_sign_request(p, 1); }).find("0x05"), std::string::npos);
    Bytes trailing = p;
    trailing.push_back(0x00);
    EXPECT_NE(error_400([&] { decode_sign_request(trailing); }).find("1 extra byte inside"),
              std::string::npos);
    for (std::size_t len = 1; len < p.size(); ++len) {
      Bytes cut(p.begin(), p.begin() + len);
      error_400([&] { decode_sign_request(cut); });
    }
  }
  // Unknown node tag, unknown primitive (161), empty payload.
  error_400([] { decode_sign_request(Bytes{0x05, 0x0b}); });
  error_400([] { decode_sign_request(Bytes{0x05, 0x03, 161}); });
  error_400([] { decode_sign_request(Bytes{0x05}); });
  EXPECT_EQ(decode_sign_request(Bytes{0x05, 0x03, 160}).kind, RequestKind::Pack);
}

// Deep nesting is walked without recursion and refused past the documented depth.
TEST(SignRequest, PackNestingIsBounded) {
  auto nested = [](std::size_t depth) {
    Bytes b{0x05};
    for (std::size_t i = 0; i < depth; ++i) {
      b.push_back(0x05);  // primitive with one argument
      b.push_back(0x09);  // Some
    }
    b.push_back(0x03);  // Unit
    b.push_back(0x0b);
    return b;
  };
  EXPECT_EQ(decode_sign_request(nested(5000)).kind, RequestKind::Pack);
  std::string m = error_400([&] { decode_sign_request(nested(200000)); });
  EXPECT_NE(m.find("nested deeper"), std::string::npos) << m;
  // Same with sequences: { { { … } } }.
  Bytes seq{0x05};
  const std::size_t depth = 50000;
  for (std::size_t i = 0; i < depth; ++i) {
    std::uint32_t inner = static_cast<std::uint32_t>((depth - 1 - i) * 5);
    seq.insert(
        seq.end(),
        {0x02, static_cast<std::uint8_t>(inner >> 24), static_cast<std::uint8_t>(inner >> 16),
         static_cast<std::uint8_t>(inner >> 8), static_cast<std::uint8_t>(inner)});
  }
  m = error_400([&] { decode_sign_request(seq); });
  EXPECT_NE(m.find("nested deeper"), std::string::npos) << m;
}

}  // namespace
}  // namespace signatory::tezos
