// The log slot layout of docs/watermark-format.md (format 2): fields at their documented
// offsets (little-endian), the sequence number and the commit, round trip of every kind and
// signature form, the checksum catches any single flipped byte, all-zero is "empty", values
// this version never writes are refused; the header carries the file size and still reads
// format 1.
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
  const LogRecord r = encode_log_record(slot, m, 0x01020304);
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
  for (std::size_t i = 72 + 64; i < 168; ++i) EXPECT_EQ(r[i], 0) << i;
  EXPECT_EQ(le32(r, 168), 0x01020304u);  // sequence number
  EXPECT_EQ(le32(r, 172), crc32c(ByteView(r.data(), 172)));
  EXPECT_EQ(classify_log_record(r), RecordState::Valid);
  const LogSlot s = decode_log_slot(r, 2);
  EXPECT_FALSE(s.commit);
  EXPECT_EQ(s.seq, 0x01020304u);
}

TEST(MarkRecord, CommitLayout) {
  const LogRecord c = encode_log_commit(77);
  EXPECT_EQ(c[0], 2);  // record type: commit
  for (std::size_t i = 1; i < 168; ++i) EXPECT_EQ(c[i], 0) << i;
  EXPECT_EQ(le32(c, 168), 77u);
  EXPECT_EQ(le32(c, 172), crc32c(ByteView(c.data(), 172)));
  const LogSlot s = decode_log_slot(c, 2);
  EXPECT_TRUE(s.commit);
  EXPECT_EQ(s.seq, 77u);
  // Format 1 has no commits; a commit with another field set is refused.
  EXPECT_EQ(error_of([&] { decode_log_slot(c, 1); }).code(), ErrorCode::Internal);
  LogRecord bad = c;
  bad[40] = 1;
  reseal(bad);
  EXPECT_EQ(error_of([&] { decode_log_slot(bad, 2); }).code(), ErrorCode::Internal);
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
        const LogSlot decoded = decode_log_slot(encode_log_record(slot, m, 1), 2);
        const auto& [slot2, m2] = std::pair(decoded.slot, decoded.mark);
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
  const LogSlot decoded = decode_log_slot(encode_log_record(slot, m, 1), 2);
  const auto& [slot2, m2] = std::pair(decoded.slot, decoded.mark);
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
  const LogRecord good = encode_log_record(slot, m, 12);
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
  const LogRecord good = encode_log_record(slot, m, 1);
  for (auto [offset, value] : std::vector<std::pair<std::size_t, std::uint8_t>>{
           {0, 3},      // record type
           {1, 0},      // kind code
           {1, 7},      // kind code
           {2, 0x07},   // unknown flag
           {3, 9},      // signature form
           {8, 4},      // pkh tag
           {29, 97},    // signature length
           {29, 10},    // signature length not valid for ed25519
           {30, 1}}) {  // reserved
    LogRecord bad = good;
    bad[offset] = value;
    reseal(bad);
    ASSERT_EQ(classify_log_record(bad), RecordState::Valid);
    const Error e = error_of([&] { decode_log_slot(bad, 2); });
    EXPECT_EQ(e.code(), ErrorCode::Internal) << offset;
  }
  // Format 1 records have no sequence number: those bytes were reserved.
  EXPECT_EQ(error_of([&] { decode_log_slot(good, 1); }).code(), ErrorCode::Internal);
  EXPECT_NO_THROW(decode_log_slot(encode_log_record(slot, m, 0), 1));
}

TEST(MarkLogHeader, ChecksummedVersionedAndSized) {
  const LogHeader h = encode_log_header(0x1122334455);
  EXPECT_EQ(std::string(h.begin(), h.begin() + 8), "SIGWMLOG");
  EXPECT_EQ(h[8], 2);
  EXPECT_EQ(le32(LogRecord{h[12], h[13], h[14], h[15]}, 0), crc32c(ByteView(h.data(), 12)));
  EXPECT_EQ(to_hex(ByteView(h.data() + 16, 8)), "5544332211000000");
  EXPECT_EQ(le32(LogRecord{h[28], h[29], h[30], h[31]}, 0), crc32c(ByteView(h.data(), 28)));
  LogHeaderInfo info;
  EXPECT_EQ(check_log_header(h, &info), "");
  EXPECT_EQ(info.version, 2u);
  EXPECT_EQ(info.size, kLogHeaderSize);
  EXPECT_EQ(info.file_size, 0x1122334455u);
  for (std::size_t i : {std::size_t{0}, std::size_t{13}, std::size_t{17}, std::size_t{29}}) {
    LogHeader bad = h;
    bad[i] ^= 1;
    EXPECT_NE(check_log_header(bad, &info), "") << i;
  }
  EXPECT_NE(check_log_header(ByteView(h.data(), 10), &info), "");
  EXPECT_NE(check_log_header(ByteView(h.data(), 20), &info), "");  // format 2 needs 32 bytes

  // Format 1: 16 bytes, version 1.
  Bytes v1(h.begin(), h.begin() + 12);
  v1[8] = 1;
  const std::uint32_t c = crc32c(v1);
  for (int i = 0; i < 4; ++i) v1.push_back(static_cast<std::uint8_t>(c >> (8 * i)));
  EXPECT_EQ(check_log_header(v1, &info), "");
  EXPECT_EQ(info.version, 1u);
  EXPECT_EQ(info.size, kLogHeaderSizeV1);
}

}  // namespace
}  // namespace signatory::watermark
