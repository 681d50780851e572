// Tests of the bounds-checked reader of the decoder: Zarith N and Z against the encodings of
// testdata/tezos/operations.json `dal_attestation_encoding_check` (Octez Z, Taquito N), and the
// canonical-form, size and window checks the operation decoder relies on.
#include "tezos/byte_reader.h"

#include <gtest/gtest.h>

#include "tezos/decoder_vectors.h"

namespace signatory::tezos {
namespace {

using nlohmann::json;
using testing::error_400;
using testing::load_vectors;

TEST(ByteReader, ZarithMatchesOctezAndTaquitoEncodings) {
  json check = load_vectors("operations.json").at("dal_attestation_encoding_check");
  std::size_t n = 0;
  for (const auto& v : check.at("values")) {
    std::string value = v.at("dal_attestation");
    SCOPED_TRACE(value);
    // Does the decimal value fit 64 bits (2^64 - 1 = 18446744073709551615, 20 digits)?
    bool fits = value.size() < 20 || (value.size() == 20 && value <= "18446744073709551615");
    for (const char* field : {"octez_z_encoding_hex", "taquito_n_encoding_hex"}) {
      Bytes enc = from_hex(v.at(field).get<std::string>());
      ByteReader r(enc, "test");
      bool is_z = std::string(field).rfind("octez_z", 0) == 0;
      Zarith z = is_z ? r.zarith_z("value") : r.zarith_n("value");
      EXPECT_TRUE(r.at_end());
      EXPECT_FALSE(z.negative);
      EXPECT_EQ(z.length, enc.size());
      EXPECT_EQ(z.fits_u64, fits);
      if (fits) {
        EXPECT_EQ(std::to_string(z.magnitude), value);
      }
    }
    ++n;
  }
  EXPECT_GE(n, 5u);
}

TEST(ByteReader, ZarithCanonicalAndSizeChecks) {
  Bytes trailing_zero{0x80, 0x00};
  ByteReader a(trailing_zero, "test");
  EXPECT_NE(error_400([&] { a.zarith_n("fee"); }).find("trailing zero"), std::string::npos);

  Bytes eleven(10, 0x81);
  eleven.push_back(0x01);
  ByteReader b(eleven, "test");
  EXPECT_NE(error_400([&] { b.zarith_n("counter", 10); }).find("longer than 10"),
            std::string::npos);
  ByteReader b2(eleven, "test");
  EXPECT_FALSE(b2.zarith_n("tick").fits_u64);  // no limit: reads, does not fit 64 bits

  Bytes minus_zero{0x40};  // Z "-0": accepted as Octez accepts it
  ByteReader c(minus_zero, "test");
  Zarith z = c.zarith_z("dal");
  EXPECT_EQ(z.magnitude, 0u);

  Bytes minus_five{0x45};
  ByteReader d(minus_five, "test");
  z = d.zarith_z("amount");
  EXPECT_TRUE(z.negative);
  EXPECT_EQ(z.magnitude, 5u);

  Bytes unterminated{0x80, 0x80};
  ByteReader e(unterminated, "transaction");
  EXPECT_EQ(error_400([&] { e.zarith_n("amount"); }),
            "truncated transaction at offset 2: need 1 bytes for amount, 0 left");
}

TEST(ByteReader, MutezMustFitInt64) {
  // 2^63 - 1 fits; 2^63 does not (Octez converts Tez to int64).
  Bytes max{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
  ByteReader a(max, "test");
  EXPECT_EQ(a.mutez("amount"), INT64_MAX);
  Bytes over{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  ByteReader b(over, "test");
  error_400([&] { b.mutez("amount"); });
}

TEST(ByteReader, WindowsAndLengthPrefixes) {
  Bytes data{0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb, 0xcc};
  ByteReader r(data, "test");
  ByteReader w = r.length_prefixed("field");
  EXPECT_EQ(w.remaining(), 2u);
  EXPECT_EQ(w.offset(), 4u);
  EXPECT_EQ(r.offset(), 6u);
  (void)w.u8("first");
  EXPECT_NE(error_400([&] { w.expect_end("field"); }).find("1 extra byte inside field"),
            std::string::npos);
  error_400([&] { (void)w.u16("too much"); });  // window end, though the message goes on

  Bytes negative{0x80, 0x00, 0x00, 0x00};
  ByteReader n(negative, "test");
  EXPECT_NE(error_400([&] { n.length_prefix("x"); }).find("uint30"), std::string::npos);

  Bytes presence{0x01};
  ByteReader p(presence, "test");
  EXPECT_NE(error_400([&] { p.presence("delegate"); }).find("presence byte 0x01"),
            std::string::npos);
}

}  // namespace
}  // namespace signatory::tezos
