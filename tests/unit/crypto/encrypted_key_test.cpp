// Tests of Octez encrypted-key decryption/encryption against every encrypted_keys record of
// keys.json (gen.mjs's fixed-salt keys with their intermediate PBKDF2 key and Octez's own
// test keys), including the empty and Unicode passwords and wrong passwords.
#include "crypto/encrypted_key.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "crypto/test_vectors.h"
#include "tezos/base58.h"

namespace signatory::crypto {
namespace {

using testing::hex_field;
using testing::tezos_vectors;

const tezos::Prefix& prefix_named(std::string_view text, bool encrypted) {
  using namespace tezos::prefix;
  const tezos::Prefix* enc[] = {&edesk, &spesk, &p2esk, &BLesk};
  const tezos::Prefix* plain[] = {&edsk_seed, &spsk, &p2sk, &BLsk};
  for (const auto* p : encrypted ? std::span(enc) : std::span(plain))
    if (text.starts_with(p->name)) return *p;
  throw std::runtime_error("no prefix for vector text");
}

Bytes payload_of(const std::string& text, bool encrypted) {
  return tezos::b58check_decode(prefix_named(text, encrypted), text);
}

TEST(EncryptedKey, EveryVectorDecrypts) {
  const auto& recs = tezos_vectors("keys.json").at("encrypted_keys");
  ASSERT_EQ(recs.size(), 21u);
  for (const auto& rec : recs) {
    SCOPED_TRACE(rec.at("id").get<std::string>());
    const Bytes payload = payload_of(rec.at("encrypted_secret_key"), true);
    const Bytes want = payload_of(rec.at("decrypted_secret_key"), false);
    if (rec.contains("payload_hex")) {
      EXPECT_EQ(to_hex(payload), rec.at("payload_hex").get<std::string>());
    }
    if (rec.contains("octez_expected_secret_key")) {
      EXPECT_EQ(rec.at("octez_expected_secret_key"), rec.at("decrypted_secret_key"));
    }
    // The password as UTF-8 bytes, exactly as the vector gives them.
    const Bytes pw = hex_field(rec, "password_utf8_hex");
    const std::string password(pw.begin(), pw.end());
    EXPECT_EQ(password, rec.at("password").get<std::string>());
    const SecretBytes secret = decrypt_secret_key(payload, password);
    EXPECT_EQ(to_hex(secret.view()), to_hex(want));
  }
}

TEST(EncryptedKey, IntermediateValuesAndEncryption) {
  std::size_t n = 0;
  for (const auto& rec : tezos_vectors("keys.json").at("encrypted_keys")) {
    if (!rec.contains("salt_hex")) continue;
    SCOPED_TRACE(rec.at("id").get<std::string>());
    const std::string password = rec.at("password");
    const Bytes salt = hex_field(rec, "salt_hex");
    EXPECT_EQ(to_hex(derive_encryption_key(password, salt).view()),
              rec.at("pbkdf2_sha512_key_hex").get<std::string>());
    const SecretBytes secret(payload_of(rec.at("decrypted_secret_key"), false));
    const Bytes payload = encrypt_secret_key(secret, password, salt);
    EXPECT_EQ(to_hex(payload), rec.at("payload_hex").get<std::string>());
    EXPECT_EQ(to_hex(ByteView(payload).subspan(8)), rec.at("secretbox_hex").get<std::string>());
    ++n;
  }
  EXPECT_EQ(n, 9u);
}

TEST(EncryptedKey, EmptyPasswordVector) {
  bool seen = false;
  for (const auto& rec : tezos_vectors("keys.json").at("encrypted_keys")) {
    if (rec.at("password") != "") continue;
    seen = true;
    const Bytes payload = payload_of(rec.at("encrypted_secret_key"), true);
    EXPECT_EQ(to_hex(decrypt_secret_key(payload, "").view()),
              to_hex(payload_of(rec.at("decrypted_secret_key"), false)));
    EXPECT_THROW(decrypt_secret_key(payload, " "), Error);
  }
  EXPECT_TRUE(seen);
  // And an empty password does not open a key that has one.
  const auto& first = tezos_vectors("keys.json").at("encrypted_keys").at(0);
  ASSERT_NE(first.at("password"), "");
  EXPECT_THROW(decrypt_secret_key(payload_of(first.at("encrypted_secret_key"), true), ""), Error);
}

TEST(EncryptedKey, WrongPasswordIsForbidden) {
  for (const auto& rec : tezos_vectors("keys.json").at("encrypted_keys")) {
    SCOPED_TRACE(rec.at("id").get<std::string>());
    const Bytes payload = payload_of(rec.at("encrypted_secret_key"), true);
    const std::string password = rec.at("password");
    // One near miss per key (each PBKDF2 try is slow); an empty password once, below.
    for (const std::string& wrong : {password + "x"}) {
      try {
        decrypt_secret_key(payload, wrong);
        ADD_FAILURE() << "decrypted with a wrong password";
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Forbidden);
        EXPECT_STREQ(e.what(), "wrong password for encrypted key");
      }
    }
  }
}

TEST(EncryptedKey, TamperedOrMisSizedPayloads) {
  const auto& rec = tezos_vectors("keys.json").at("encrypted_keys").at(0);
  Bytes payload = payload_of(rec.at("encrypted_secret_key"), true);
  const std::string password = rec.at("password");
  Bytes tampered = payload;
  tampered[20] ^= 0x01;
  EXPECT_THROW(decrypt_secret_key(tampered, password), Error);
  Bytes salt_changed = payload;
  salt_changed[0] ^= 0x01;
  EXPECT_THROW(decrypt_secret_key(salt_changed, password), Error);
  payload.pop_back();
  try {
    decrypt_secret_key(payload, password);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  }
}

}  // namespace
}  // namespace signatory::crypto
