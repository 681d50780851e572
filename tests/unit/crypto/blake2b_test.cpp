// Tests of BLAKE2b-256/160 (and SHA-256) against the digests and key hashes in the shared
// Tezos vectors.
#include "crypto/blake2b.h"

#include <gtest/gtest.h>

#include "crypto/sha256.h"
#include "crypto/test_vectors.h"

namespace signatory::crypto {
namespace {

using testing::hex_field;
using testing::tezos_vectors;

TEST(Blake2b, Digest256OfEverySignedMessage) {
  std::size_t n = 0;
  for (const auto& rec : tezos_vectors("signatures.json").at("vectors")) {
    const Bytes msg = hex_field(rec, "message_hex");
    EXPECT_EQ(to_hex(blake2b_256(msg)), rec.at("blake2b_256").get<std::string>()) << rec.at("id");
    ++n;
  }
  EXPECT_EQ(n, 240u);
}

TEST(Blake2b, Digest256OfEveryForgedOperation) {
  for (const auto& rec : tezos_vectors("operations.json").at("operations")) {
    const Bytes msg = hex_field(rec, "signing_bytes_hex");
    EXPECT_EQ(to_hex(blake2b_256(msg)), rec.at("blake2b_256_of_signing_bytes").get<std::string>());
  }
}

TEST(Blake2b, Digest160IsThePublicKeyHash) {
  for (const auto& rec : testing::all_key_records()) {
    const Bytes pk = hex_field(rec, "public_key_hex");
    EXPECT_EQ(to_hex(blake2b_160(pk)), rec.at("public_key_hash_hex").get<std::string>())
        << rec.at("id");
  }
}

TEST(Blake2b, EmptyInput) {
  // RFC 7693 / reference implementation value of BLAKE2b-256("").
  EXPECT_EQ(to_hex(blake2b_256({})),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

TEST(Sha256, KnownAnswer) {
  // FIPS 180-2 example "abc".
  EXPECT_EQ(to_hex(sha256(as_view("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace signatory::crypto
