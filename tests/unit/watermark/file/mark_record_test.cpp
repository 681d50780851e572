// The log record layout of docs/watermark-format.md: fields at their documented offsets
// (little-endian), round trip of every kind and signature form, the checksum catches any
// single flipped byte, all-zero is "empty", values this version never writes are refused.
#include "watermark/file/mark_record.h"

#include <gtest/gtest.h>

#include "../watermark_test_support.h"
#include "watermark/file/crc32c.h"

namespace signatory::watermark {
namespace {

using namespace testing;

std::uint32_t le32(const LogRecord& r, std::size_t off) {
  return static_cast<std::uint32_t>(r[off]) | static_cast<std::uint32_t>(r[off + 1]) << 8 |
         static_cast<std::uint32_t>(r[off + 2]) << 16 |
         static_cast<std::uint32_t>(r[off + 3]) << 24;
}

void reseal(LogRecord& r) {
  const std::uint32_t c = crc32c(ByteView(r.data(), 172));
  for (int i = 0; i < 4; ++i) r[172 + i] = static_cast<std::uint8_t>(c >> (8 * i));
}

TEST(MarkRecord, DocumentedLayout) {
  const Request req = request("attestation_mainnet_slot_65535");
  const Slot slot = req.slot(delegate(0));
  Mark m;
  m.level = req.level;
  m.round = req.round;
  m.digest = req.digest;
  m.signature = signature(0xAB);
  const LogRecord r = encode_log_record(slot, m);
  EXPECT_EQ(r[0], 1);  // record type: mark
  EXPECT_EQ(r[1], 1);  // kind code: attestation
  EXPECT_EQ(r[2], 3);  // flags: digest | signature
  EXPECT_EQ(r[3], 1);  // form code: ed25519
  EXPECT_EQ(to_hex(ByteView(r.data() + 4, 4)),
            consensus_vectors().at("chains").at("mainnet").at("hex").get<std::string>());
  EXPECT_EQ(to_hex(ByteView(r.data() + 8, 21)),
            key_vectors().at("keys").at(0).at("public_key_hash_tagged_hex").get<std::string>());
  EXPECT_EQ(r[29], 64);
  EXPECT_EQ(le32(r, 32), static_cast<std::uint32_t>(req.level));
  EXPECT_EQ(le32(r, 36), static_cast<std::uint32_t>(req.round));
  EXPECT_EQ(ByteView(r.data() + 40, 32)[0], req.digest[0]);
  EXPECT_TRUE(std::equal(req.digest.begin(), req.digest.end(), r.begin() + 40));
  for (std::size_t i = 72; i < 72 + 64; ++i) EXPECT_EQ(r[i], 0xAB);
  for (std::size_t i = 72 + 64; i < 172; ++i) EXPECT_EQ(r[i], 0) << i;
  EXPECT_EQ(le32(r, 172), crc32c(ByteView(r.data(), 172)));
  EXPECT_EQ(classify_log_record(r), RecordState::Valid);
}

TEST(MarkRecord, RoundTripsEveryKindAndForm) {
  using K = tezos::RequestKind;
  using F = tezos::Signature::Form;
  const std::pair<F, std::size_t> forms[] = {
      {F::Ed25519, 64}, {F::Secp256k1, 64}, {F::P256, 64}, {F::Generic, 64}, {F::Bls, 96}};
  int n = 0;
  for (K kind :
       {K::Attestation, K::AttestationWithDal, K::Block, K::Preattestation, K::Generic, K::Pack}) {
    for (const auto& [form, len] : forms) {
      for (std::size_t key = 0; key < 16; key += 4) {  // one key of each curve
        Slot slot{chain("ghostnet"), delegate(key), kind};
        Mark m;
        m.level = 2147483647 - n;
        m.round = n;
        crypto::Digest32 d{};
        d.fill(static_cast<std::uint8_t>(n));
        m.digest = d;
        m.signature = tezos::Signature(form, Bytes(len, static_cast<std::uint8_t>(n + 1)));
        const auto [slot2, m2] = decode_log_record(encode_log_record(slot, m));
        EXPECT_EQ(slot2, slot);
        EXPECT_EQ(m2.level, m.level);
        EXPECT_EQ(m2.round, m.round);
        EXPECT_EQ(m2.digest, m.digest);
        EXPECT_EQ(m2.signature, m.signature);
        ++n;
      }
    }
  }
}

TEST(MarkRecord, OptionalFieldsAndNegativeNumbers) {
  Slot slot{chain("sandbox"), delegate(1), tezos::RequestKind::Block};
  Mark m;
  m.level = -5;  // never seen in practice, but the field is signed
  m.round = -1;
  const auto [slot2, m2] = decode_log_record(encode_log_record(slot, m));
  EXPECT_EQ(slot2, slot);
  EXPECT_EQ(m2.level, -5);
  EXPECT_EQ(m2.round, -1);
  EXPECT_FALSE(m2.digest);
  EXPECT_FALSE(m2.signature);
}

TEST(MarkRecord, EveryFlippedByteIsDetected) {
  Slot slot{chain("mainnet"), delegate(5), tezos::RequestKind::Preattestation};
  Mark m;
  m.level = 12180923;
  m.round = 1;
  m.signature = signature(9);
  const LogRecord good = encode_log_record(slot, m);
  for (std::size_t i = 0; i < kLogRecordSize; ++i) {
    LogRecord bad = good;
    bad[i] ^= 0x01;
    EXPECT_EQ(classify_log_record(bad), RecordState::BadChecksum) << "byte " << i;
  }
  LogRecord zero{};
  EXPECT_EQ(classify_log_record(zero), RecordState::Empty);
}

TEST(MarkRecord, ValuesNeverWrittenAreRefused) {
  Slot slot{chain("mainnet"), delegate(0), tezos::RequestKind::Block};
  Mark m;
  m.level = 1;
  m.signature = signature(1);
  const LogRecord good = encode_log_record(slot, m);
  for (auto [offset, value] : std::vector<std::pair<std::size_t, std::uint8_t>>{
           {0, 2},       // record type
           {1, 0},       // kind code
           {1, 7},       // kind code
           {2, 0x07},    // unknown flag
           {3, 9},       // signature form
           {8, 4},       // pkh tag
           {29, 97},     // signature length
           {29, 10},     // signature length not valid for ed25519
           {30, 1},      // reserved
           {170, 1}}) {  // reserved
    LogRecord bad = good;
    bad[offset] = value;
    reseal(bad);
    ASSERT_EQ(classify_log_record(bad), RecordState::Valid);
    const Error e = error_of([&] { decode_log_record(bad); });
    EXPECT_EQ(e.status(), 500) << offset;
  }
}

TEST(MarkLogHeader, ChecksummedAndVersioned) {
  const LogHeader h = encode_log_header();
  EXPECT_EQ(std::string(h.begin(), h.begin() + 8), "SIGWMLOG");
  EXPECT_EQ(h[8], 1);
  EXPECT_EQ(check_log_header(h), "");
  LogHeader bad = h;
  bad[0] = 'X';
  EXPECT_NE(check_log_header(bad), "");
  bad = h;
  bad[13] ^= 1;
  EXPECT_NE(check_log_header(bad), "");
  EXPECT_NE(check_log_header(ByteView(h.data(), 10)), "");
}

}  // namespace
}  // namespace signatory::watermark
