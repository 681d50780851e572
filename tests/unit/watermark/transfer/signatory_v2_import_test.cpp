// Migration from Signatory's watermark_v2 directory: files written as Signatory writes them
// (4-space indent, no trailing newline), with the watermark vectors of Signatory's integration tests (watermark_test.go:
// C2 preattestation and C3 attestation at level 34 round 4, chain NetXo5iVw1vBoxM, signer
// tz1WGcYos3hL7GXYXjKrMnSFdkT7FyXnFBvf) whose vh hashes must decode to the blake2b-256 digests
// given by consensus.json. Covers the first start of the file backend, the explicit import,
// legacy kind names, and strict errors naming file and entry.
#include "watermark/transfer/signatory_v2_import.h"

#include <gtest/gtest.h>

#include "../watermark_test_support.h"
#include "watermark/file/file_watermark.h"

namespace signatory::watermark {
namespace {

using namespace testing;
namespace fs = std::filesystem;

const char* kSigner = "tz1WGcYos3hL7GXYXjKrMnSFdkT7FyXnFBvf";
const char* kHashC2 = "vh1mTiEJuJiyimZf5sctgbnHBTLFthMVRNbiViYpLDMGK79TzUwB";
const char* kHashC3 = "vh2UEcdXfsAWcTP1omYSp1q54H5S2x3zqfr2YqAcZ2Neyjauix1K";

// A Signatory-style chain file for the sandbox signer: preattestation = C2, attestation = C3,
// a block at level 34 round 4 without hash, and an entry of a legacy kind.
std::string sandbox_file() {
  json doc = {{kSigner,
               {{"preattestation", {{"level", 34}, {"round", 4}, {"hash", kHashC2}}},
                {"attestation", {{"level", 34}, {"round", 4}, {"hash", kHashC3}}},
                {"block", {{"level", 34}, {"round", 4}}},
                {"endorsement", {{"level", 30}, {"round", 0}}}}}};
  return doc.dump(4);
}

tezos::PublicKeyHash signer() {
  return tezos::PublicKeyHash::parse(kSigner);
}

class SignatoryV2Import : public ::testing::Test {
 protected:
  void SetUp() override {
    v2_ = base_.path() / "watermark_v2";
    fs::create_directory(v2_);
    write_text(v2_ / (chain_name("sandbox") + ".json"), sandbox_file());
  }
  TempDir base_;
  fs::path v2_;
};

TEST_F(SignatoryV2Import, HashesDecodeToTheVectorDigests) {
  const auto marks = read_signatory_v2_dir(v2_.string());
  ASSERT_EQ(marks.size(), 3u);  // the legacy `endorsement` entry is skipped
  std::map<tezos::RequestKind, Mark> by_kind;
  for (const auto& [slot, mark] : marks) {
    EXPECT_EQ(slot.chain, chain("sandbox"));
    EXPECT_EQ(slot.pkh, signer());
    by_kind[slot.kind] = mark;
  }
  const Request c2 = request("preattestation_signatory_C2");
  const Request c3 = request("attestation_signatory_C3");
  const Mark& pre = by_kind.at(tezos::RequestKind::Preattestation);
  EXPECT_EQ(pre.level, c2.level);
  EXPECT_EQ(pre.round, c2.round);
  EXPECT_EQ(pre.digest, c2.digest);
  EXPECT_FALSE(pre.signature);
  EXPECT_EQ(by_kind.at(tezos::RequestKind::Attestation).digest, c3.digest);
  EXPECT_FALSE(by_kind.at(tezos::RequestKind::Block).digest);
}

TEST_F(SignatoryV2Import, FirstStartOfTheFileBackendImports) {
  const Request c2 = request("preattestation_signatory_C2");
  const Request c3 = request("attestation_signatory_C3");
  const Slot att{chain("sandbox"), signer(), tezos::RequestKind::Attestation};
  const Slot pre{chain("sandbox"), signer(), tezos::RequestKind::Preattestation};
  {
    FileWatermark store(base_.str(), small_file_options());
    EXPECT_EQ(store.marks().size(), 3u);
    CountingSigner s{signature(0xC3)}, again{signature(0xEE)};
    // The bytes Signatory signed at the mark may be signed again (no signature was stored)...
    EXPECT_EQ(store.guard(att, c3.level, c3.round, c3.digest, s.fn()), signature(0xC3));
    EXPECT_EQ(s.calls, 1);
    // ...and from then on the stored signature is given back.
    EXPECT_EQ(store.guard(att, c3.level, c3.round, c3.digest, again.fn()), signature(0xC3));
    EXPECT_EQ(again.calls, 0);
    // Other bytes at the mark, and anything lower, are refused.
    EXPECT_EQ(error_of([&] { store.guard(att, c3.level, c3.round, c2.digest, again.fn()); }).code(),
              ErrorCode::Conflict);
    EXPECT_EQ(
        error_of([&] { store.guard(pre, c2.level, c2.round - 1, c2.digest, again.fn()); }).code(),
        ErrorCode::Conflict);
    EXPECT_NO_THROW(store.guard(pre, c2.level + 1, 0, c2.digest, again.fn()));
  }
  // The store now exists: Signatory's directory is not read again on later starts.
  json doc = json::parse(sandbox_file());
  doc[kSigner]["block"]["level"] = 1000;
  write_text(v2_ / (chain_name("sandbox") + ".json"), doc.dump(4));
  FileWatermark store(base_.str(), small_file_options());
  for (const auto& [slot, mark] : store.marks()) {
    if (slot.kind == tezos::RequestKind::Block) {
      EXPECT_EQ(mark.level, 34);
    }
  }
  EXPECT_TRUE(fs::exists(v2_));  // left in place
}

TEST_F(SignatoryV2Import, ExplicitImportRaisesButNeverLowers) {
  MemWatermark store;
  const Slot block{chain("sandbox"), signer(), tezos::RequestKind::Block};
  Mark high;
  high.level = 50;
  store.raise(block, high);
  const ImportSummary summary = import_signatory_v2(store, v2_.string());
  EXPECT_EQ(summary.read, 3u);
  EXPECT_EQ(summary.raised, 2u);
  for (const auto& [slot, mark] : store.marks()) {
    EXPECT_EQ(mark.level, slot.kind == tezos::RequestKind::Block ? 50 : 34);
  }
  // Importing twice changes nothing.
  EXPECT_EQ(import_signatory_v2(store, v2_.string()).raised, 0u);
}

TEST_F(SignatoryV2Import, SeveralChainsAndKeysAndOptionalFields) {
  // Keys from keys.json (their base58 text must name the same hash as their hex).
  json doc = {{delegate_text(0), {{"block", {{"level", 12180922}}}}},
              {delegate_text(5),
               {{"attestation_with_dal", {{"level", 7}, {"round", nullptr}, {"hash", nullptr}}}}}};
  write_text(v2_ / (chain_name("mainnet") + ".json"), doc.dump(4));
  write_text(v2_ / "notes.txt", "not a chain file");
  write_text(v2_ / "watermark123456", "{ half written temp file");
  const auto marks = read_signatory_v2_dir(v2_.string());
  ASSERT_EQ(marks.size(), 5u);
  int mainnet = 0;
  for (const auto& [slot, mark] : marks) {
    if (slot.chain != chain("mainnet")) continue;
    ++mainnet;
    if (slot.kind == tezos::RequestKind::Block) {
      EXPECT_EQ(slot.pkh, delegate(0));
      EXPECT_EQ(mark.level, 12180922);
      EXPECT_EQ(mark.round, 0);
    } else {
      // Signatory's attestation_with_dal mark is kept on the attestation slot.
      EXPECT_EQ(slot.kind, tezos::RequestKind::Attestation);
      EXPECT_EQ(slot.pkh, delegate(5));
      EXPECT_EQ(mark.round, 0);
      EXPECT_FALSE(mark.digest);
    }
  }
  EXPECT_EQ(mainnet, 2);
}

TEST_F(SignatoryV2Import, AttestationWithDalMergesIntoTheAttestationMark) {
  json doc = json::parse(sandbox_file());
  doc[kSigner]["attestation_with_dal"] = {{"level", 35}, {"round", 0}};
  write_text(v2_ / (chain_name("sandbox") + ".json"), doc.dump(4));
  const Slot att{chain("sandbox"), signer(), tezos::RequestKind::Attestation};
  const Request c3 = request("attestation_signatory_C3");  // level 34 round 4
  {
    FileWatermark store(base_.str(), small_file_options());
    int attestation_slots = 0;
    for (const auto& [slot, mark] : store.marks()) {
      EXPECT_NE(slot.kind, tezos::RequestKind::AttestationWithDal);
      if (slot == att) {
        ++attestation_slots;
        EXPECT_EQ(mark.level, 35);
      }
    }
    EXPECT_EQ(attestation_slots, 1);
    CountingSigner s{signature(1)};
    EXPECT_EQ(error_of([&] { store.guard(att, c3.level, c3.round, c3.digest, s.fn()); }).code(),
              ErrorCode::Conflict);
  }
  MemWatermark mem;
  import_signatory_v2(mem, v2_.string());
  for (const auto& [slot, mark] : mem.marks()) {
    if (slot == att) {
      EXPECT_EQ(mark.level, 35);
    }
  }
}

TEST_F(SignatoryV2Import, BadContentIsAnErrorNamingFileAndEntry) {
  const tezos::ChainId c = chain("sandbox");
  auto err = [&](const std::string& text) {
    const Error e = error_of([&] { parse_signatory_v2_file(c, text, "X.json"); });
    EXPECT_EQ(e.code(), ErrorCode::BadRequest) << text;
    EXPECT_NE(std::string(e.what()).find("X.json"), std::string::npos) << e.what();
    return std::string(e.what());
  };
  const std::string s = kSigner;
  err("{ not json");
  err("[]");
  EXPECT_NE(err(R"({"tz1NotAKey": {}})").find("tz1NotAKey"), std::string::npos);
  err(R"({")" + s + R"(": 5})");
  EXPECT_NE(err(R"({")" + s + R"(": {"block": {"round": 1}}})").find("level"), std::string::npos);
  err(R"({")" + s + R"(": {"block": {"level": "34"}}})");
  err(R"({")" + s + R"(": {"block": {"level": 1.5}}})");
  err(R"({")" + s + R"(": {"block": {"level": 2147483648}}})");
  err(R"({")" + s + R"(": {"block": {"level": -2147483649}}})");
  err(R"({")" + s + R"(": {"block": {"level": 1, "round": 99999999999}}})");
  err(R"({")" + s + R"(": {"block": {"level": 1, "hash": 5}}})");
  // A block hash (B…) is not a payload hash (vh…).
  const std::string block_hash =
      consensus_vectors().at("consensus_operations").at(0).at("decoded").at("branch");
  EXPECT_NE(err(R"({")" + s + R"(": {"block": {"level": 1, "hash": ")" + block_hash + R"("}}})")
                .find("hash"),
            std::string::npos);
  err(R"({")" + s + R"(": {"block": 7}})");
  // Extremes that fit are accepted.
  EXPECT_EQ(parse_signatory_v2_file(
                c, R"({")" + s + R"(": {"block": {"level": 2147483647, "round": 0}}})", "X.json")
                .at(0)
                .second.level,
            2147483647);
}

TEST_F(SignatoryV2Import, BadFileNameOrDirectoryIsAnError) {
  EXPECT_EQ(error_of([&] { read_signatory_v2_dir((base_.path() / "missing").string()); }).code(),
            ErrorCode::BadRequest);
  write_text(v2_ / "NotAChain.json", "{}");
  const Error e = error_of([&] { read_signatory_v2_dir(v2_.string()); });
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_NE(std::string(e.what()).find("NotAChain.json"), std::string::npos) << e.what();
  // The same error stops the file backend's first start rather than dropping marks.
  EXPECT_EQ(error_of([&] { FileWatermark store(base_.str(), small_file_options()); }).code(),
            ErrorCode::BadRequest);
  EXPECT_FALSE(fs::exists(FileWatermark::log_path(base_.str())));
}

}  // namespace
}  // namespace signatory::watermark
