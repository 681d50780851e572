// Migration from octez-signer: `*_high_watermark` files written here in octez's layout
// (src/bin_signer/handler.ml, High_watermark.encoding: {chain: {pkh: {level, round, hash,
// signature}}}, `hash` = hex blake2b of the whole signed bytes, `round` absent in Emmy-era
// marks), with requests, digests and signatures of the test vectors. Checks what each
// mark becomes, that an imported store then refuses what octez signed and answers an
// identical retry with octez's signature, the legacy endorsement file names, and strict
// errors naming file and entry.
#include "watermark/transfer/octez_watermark_import.h"

#include <gtest/gtest.h>

#include <limits>

#include "../watermark_test_support.h"
#include "test_support.h"

namespace signatory::watermark {
namespace {

using namespace testing;
namespace fs = std::filesystem;

constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();

// The signatures.json vector `id` ("<key>/<message kind>").
const json& sig_vector(const std::string& id) {
  for (const json& v : ::signatory::testing::tezos_vectors("signatures.json").at("vectors"))
    if (v.at("id") == id) return v;
  throw std::runtime_error("no signature vector " + id);
}

// One octez mark of the signature vector `sig_id` (which signs consensus request `req_id`).
json octez_mark(const std::string& sig_id, const std::string& req_id, bool with_round = true) {
  const json& v = sig_vector(sig_id);
  const Request r = request(req_id);
  EXPECT_EQ(v.at("blake2b_256").get<std::string>(), to_hex(r.digest));
  json m = {{"level", r.level}, {"hash", v.at("blake2b_256")}, {"signature", v.at("signature")}};
  if (with_round) m["round"] = r.round;
  return m;
}

class OctezImport : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string mainnet = chain_name("mainnet");
    // octez writes each file with Data_encoding.Json: objects keyed by chain, then pkh.
    write_text(
        dir_.path() / "block_high_watermark",
        json{
            {mainnet,
             {{delegate_text(0), octez_mark("ed25519_0/block", "block_mainnet_12180922_shape")},
              {delegate_text(4), octez_mark("secp256k1_0/block", "block_mainnet_12180922_shape")}}}}
            .dump(2));
    write_text(dir_.path() / "preattestation_high_watermark",
               json{{mainnet,
                     {{delegate_text(8),
                       octez_mark("p256_0/preattestation", "preattestation_mainnet_r0")}}}}
                   .dump());
    write_text(
        dir_.path() / "attestation_high_watermark",
        json{{mainnet,
              {{delegate_text(0), octez_mark("ed25519_0/attestation", "attestation_mainnet_r0")}}}}
            .dump());
    // Files octez also keeps in its base dir, which are not marks.
    write_text(dir_.path() / "secret_keys", "[]");
    write_text(dir_.path() / "public_key_hashs", "[]");
  }
  TempDir dir_;
};

TEST_F(OctezImport, EachFileGivesItsKindWithDigestAndSignature) {
  const MarkList marks = read_octez_watermark_dir(dir_.str());
  ASSERT_EQ(marks.size(), 4u);
  std::map<Slot, Mark> got(marks.begin(), marks.end());
  const auto check = [&](const Slot& slot, const std::string& sig_id, const std::string& req_id) {
    SCOPED_TRACE(sig_id);
    auto it = got.find(slot);
    ASSERT_NE(it, got.end());
    const Request r = request(req_id);
    EXPECT_EQ(it->second.level, r.level);
    EXPECT_EQ(it->second.round, r.round);
    EXPECT_EQ(it->second.digest, r.digest);
    ASSERT_TRUE(it->second.signature);
    EXPECT_EQ(it->second.signature->to_base58(), sig_vector(sig_id).at("signature"));
  };
  const tezos::ChainId main = chain("mainnet");
  check({main, delegate(0), tezos::RequestKind::Block}, "ed25519_0/block",
        "block_mainnet_12180922_shape");
  check({main, delegate(4), tezos::RequestKind::Block}, "secp256k1_0/block",
        "block_mainnet_12180922_shape");
  check({main, delegate(8), tezos::RequestKind::Preattestation}, "p256_0/preattestation",
        "preattestation_mainnet_r0");
  check({main, delegate(0), tezos::RequestKind::Attestation}, "ed25519_0/attestation",
        "attestation_mainnet_r0");
}

TEST_F(OctezImport, ImportedStoreRefusesWhatOctezSignedAndReturnsItsSignature) {
  FileWatermark store(dir_.str() + "/base", small_file_options());
  const ImportSummary s = raise_marks(store, read_octez_watermark_dir(dir_.str()), dir_.str());
  EXPECT_EQ(s.read, 4u);
  EXPECT_EQ(s.raised, 4u);
  const Request att = request("attestation_mainnet_r0");
  const Slot slot{att.chain, delegate(0), tezos::RequestKind::Attestation};
  CountingSigner signer{signature(0x77)};
  // The identical request octez signed: octez's own signature back, nothing signed.
  EXPECT_EQ(store.guard(slot, att.level, att.round, att.digest, signer.fn()).to_base58(),
            sig_vector("ed25519_0/attestation").at("signature"));
  EXPECT_EQ(signer.calls, 0);
  // Other bytes at the same level and round, or lower: refused.
  crypto::Digest32 other = att.digest;
  other[31] ^= 0xFF;
  EXPECT_EQ(error_of([&] { store.guard(slot, att.level, att.round, other, signer.fn()); }).code(),
            ErrorCode::Conflict);
  EXPECT_EQ(error_of([&] { store.guard(slot, att.level - 1, 9, other, signer.fn()); }).code(),
            ErrorCode::Conflict);
  // Above: signed.
  EXPECT_EQ(store.guard(slot, att.level, att.round + 1, other, signer.fn()), signature(0x77));
  EXPECT_EQ(signer.calls, 1);
}

TEST_F(OctezImport, MarkWithoutRoundIsAFloorOverItsLevel) {
  write_text(dir_.path() / "block_high_watermark",
             json{{chain_name("ghostnet"),
                   {{delegate_text(1),
                     octez_mark("ed25519_1/block", "block_mainnet_12180922_shape", false)}}}}
                 .dump());
  const MarkList marks = read_octez_watermark_file((dir_.path() / "block_high_watermark").string());
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].first, (Slot{chain("ghostnet"), delegate(1), tezos::RequestKind::Block}));
  EXPECT_EQ(marks[0].second.level, 12180922);
  EXPECT_EQ(marks[0].second.round, kMax);
  EXPECT_FALSE(marks[0].second.digest);
  EXPECT_FALSE(marks[0].second.signature);
}

TEST_F(OctezImport, LegacyEndorsementFileNames) {
  TempDir old;
  write_text(
      old.path() / "endorsement_high_watermark",
      json{{chain_name("mainnet"),
            {{delegate_text(2), octez_mark("ed25519_2/attestation", "attestation_mainnet_r0")}}}}
          .dump());
  write_text(old.path() / "preendorsement_high_watermark",
             json{{chain_name("mainnet"),
                   {{delegate_text(2),
                     octez_mark("ed25519_2/preattestation", "preattestation_mainnet_r0")}}}}
                 .dump());
  const MarkList marks = read_octez_watermark_dir(old.str());
  ASSERT_EQ(marks.size(), 2u);
  // Name order: endorsement_… then preendorsement_….
  EXPECT_EQ(marks[0].first.kind, tezos::RequestKind::Attestation);
  EXPECT_EQ(marks[1].first.kind, tezos::RequestKind::Preattestation);
  EXPECT_EQ(octez_watermark_file_kind("block_high_watermark"), tezos::RequestKind::Block);
  EXPECT_FALSE(octez_watermark_file_kind("generic_high_watermark"));
  EXPECT_TRUE(is_octez_watermark_file_name("generic_high_watermark"));
  EXPECT_FALSE(is_octez_watermark_file_name("_high_watermark"));
  EXPECT_FALSE(is_octez_watermark_file_name("block_high_watermark.bak"));
}

TEST_F(OctezImport, EmptyFileContentIsNoMarks) {
  write_text(dir_.path() / "block_high_watermark", "{}");
  EXPECT_TRUE(read_octez_watermark_file((dir_.path() / "block_high_watermark").string()).empty());
}

TEST(OctezImportErrors, DirectoryWithoutFilesOrWithAnUnknownKind) {
  TempDir dir;
  write_text(dir.path() / "secret_keys", "[]");
  Error e = error_of([&] { read_octez_watermark_dir(dir.str()); });
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_NE(std::string(e.what()).find("no *_high_watermark file"), std::string::npos) << e.what();
  write_text(dir.path() / "generic_high_watermark", "{}");
  e = error_of([&] { read_octez_watermark_dir(dir.str()); });
  EXPECT_NE(std::string(e.what()).find("generic_high_watermark: not an octez-signer high "
                                       "watermark file name"),
            std::string::npos)
      << e.what();
  e = error_of([&] { read_octez_watermark_dir(dir.str() + "/nope"); });
  EXPECT_NE(std::string(e.what()).find("not a directory"), std::string::npos) << e.what();
}

TEST(OctezImportErrors, EachMalformedFieldIsRefusedByName) {
  const std::string mainnet = chain_name("mainnet");
  const std::string pkh = delegate_text(0);
  const json good = {
      {mainnet, {{pkh, octez_mark("ed25519_0/attestation", "attestation_mainnet_r0")}}}};
  struct Case {
    std::string name;
    std::function<void(json&)> mutate;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"level missing", [&](json& d) { d[mainnet][pkh].erase("level"); },
       "F: " + mainnet + "." + pkh + ": missing field `level'"},
      {"level float", [&](json& d) { d[mainnet][pkh]["level"] = 3.5; },
       pkh + ".level: not an integer in the int32 range"},
      {"level too big", [&](json& d) { d[mainnet][pkh]["level"] = 4294967296LL; }, ".level"},
      {"round text", [&](json& d) { d[mainnet][pkh]["round"] = "0"; },
       pkh + ".round: not an integer"},
      {"hash missing", [&](json& d) { d[mainnet][pkh].erase("hash"); }, "missing field `hash'"},
      {"hash short", [&](json& d) { d[mainnet][pkh]["hash"] = "00ff"; },
       pkh + ".hash: not a 32-byte blake2b hash but 2 bytes"},
      {"hash b58", [&](json& d) { d[mainnet][pkh]["hash"] = "vh1mTiEJuJiyimZf5sctgbnHBTLF"; },
       pkh + ".hash: invalid hex"},
      {"hash number", [&](json& d) { d[mainnet][pkh]["hash"] = 1; }, ".hash: not a hex string"},
      {"signature bad", [&](json& d) { d[mainnet][pkh]["signature"] = "sigXYZ"; },
       pkh + ".signature: not a signature"},
      {"unknown field", [&](json& d) { d[mainnet][pkh]["slot"] = 3; }, "unknown field `slot'"},
      {"bad chain", [&](json& d) { d["NetXbad"] = d[mainnet]; }, "F: NetXbad: not a chain id"},
      {"chain not object", [&](json& d) { d[mainnet] = json::array(); },
       "F: " + mainnet + ": value is not a JSON object"},
      {"bad pkh", [&](json& d) { d[mainnet]["tz1nope"] = d[mainnet][pkh]; },
       "tz1nope: not a public key hash"},
      {"entry not object", [&](json& d) { d[mainnet][pkh] = 5; }, "value is not a JSON object"},
      {"top-level array", [&](json& d) { d = json::array(); }, "F: top level is not a JSON object"},
  };
  for (const auto& c : cases) {
    json doc = good;
    ASSERT_EQ(parse_octez_watermark_file(tezos::RequestKind::Attestation, doc.dump(), "F").size(),
              1u);
    c.mutate(doc);
    const Error e = error_of(
        [&] { parse_octez_watermark_file(tezos::RequestKind::Attestation, doc.dump(), "F"); });
    EXPECT_EQ(e.code(), ErrorCode::BadRequest) << c.name;
    EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos)
        << c.name << ": " << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("octez watermark import: ", 0), 0u) << e.what();
  }
  // Duplicate delegate key: octez never writes it; nlohmann alone would keep the last.
  const std::string text = "{\"" + mainnet + "\":{\"" + pkh + "\":" + good[mainnet][pkh].dump() +
                           ",\"" + pkh + "\":" + good[mainnet][pkh].dump() + "}}";
  Error e =
      error_of([&] { parse_octez_watermark_file(tezos::RequestKind::Attestation, text, "F"); });
  EXPECT_NE(std::string(e.what()).find("F: duplicate key `" + mainnet + "." + pkh + "'"),
            std::string::npos)
      << e.what();
  e = error_of([&] { parse_octez_watermark_file(tezos::RequestKind::Block, "{\"a\":", "F"); });
  EXPECT_NE(std::string(e.what()).find("F: invalid JSON"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace signatory::watermark
