// BLS12-381 MinPk signing and verification on blst (see bls12_381.h). blst is built by
// cmake/blst.cmake from the sources of the npm package @chainsafe/blst.
#include "crypto/bls12_381.h"

#include <blst.h>
#include <sodium.h>

#include <string>
#include <string_view>

#include "common/error.h"

namespace signatory::crypto::bls12_381 {

namespace {

constexpr std::string_view kDstPop = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
constexpr std::string_view kDstAug = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_AUG_";
constexpr std::string_view kDstProof = "BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

const byte* dst_bytes(std::string_view dst) {
  return reinterpret_cast<const byte*>(dst.data());
}

// The secret scalar, wiped when it goes out of scope.
class Scalar {
 public:
  explicit Scalar(ByteView scalar_le) {
    if (scalar_le.size() != kSecretLength)
      throw bad_request("invalid BLS secret key: " + std::to_string(scalar_le.size()) +
                        " bytes, expected 32");
    blst_scalar_from_lendian(&value_, scalar_le.data());
  }
  ~Scalar() { sodium_memzero(&value_, sizeof value_); }
  Scalar(const Scalar&) = delete;
  Scalar& operator=(const Scalar&) = delete;

  bool valid() const { return blst_sk_check(&value_); }
  const blst_scalar* get() const { return &value_; }

 private:
  blst_scalar value_{};
};

PublicKey public_of(const Scalar& sk) {
  if (!sk.valid())
    throw bad_request("invalid BLS secret key: scalar is zero or not below the group order");
  blst_p1 pk;
  blst_sk_to_pk_in_g1(&pk, sk.get());
  PublicKey out{};
  blst_p1_compress(out.data(), &pk);
  return out;
}

// hash_to_G2(aug ‖ message) under `dst`, signed with `sk`.
Signature sign_with(const Scalar& sk, ByteView message, std::string_view dst, ByteView aug) {
  blst_p2 hash;
  blst_hash_to_g2(&hash, message.data(), message.size(), dst_bytes(dst), dst.size(), aug.data(),
                  aug.size());
  blst_p2 sig;
  blst_sign_pk_in_g1(&sig, &hash, sk.get());
  Signature out{};
  blst_p2_compress(out.data(), &sig);
  return out;
}

bool decode_public_key(ByteView bytes, blst_p1_affine& out) {
  if (bytes.size() != kPublicKeyLength) return false;
  if (blst_p1_uncompress(&out, bytes.data()) != BLST_SUCCESS) return false;
  return !blst_p1_affine_is_inf(&out) && blst_p1_affine_in_g1(&out);
}

bool decode_signature(ByteView bytes, blst_p2_affine& out) {
  if (bytes.size() != kSignatureLength) return false;
  if (blst_p2_uncompress(&out, bytes.data()) != BLST_SUCCESS) return false;
  return !blst_p2_affine_is_inf(&out) && blst_p2_affine_in_g2(&out);
}

bool verify_with(ByteView public_key, ByteView message, ByteView signature, std::string_view dst,
                 ByteView aug) {
  blst_p1_affine pk;
  blst_p2_affine sig;
  if (!decode_public_key(public_key, pk) || !decode_signature(signature, sig)) return false;
  return blst_core_verify_pk_in_g1(&pk, &sig, true, message.data(), message.size(),
                                   dst_bytes(dst), dst.size(), aug.data(), aug.size()) ==
         BLST_SUCCESS;
}

}  // namespace

bool is_supported() {
  return true;
}

bool is_valid_secret(ByteView scalar_le) {
  if (scalar_le.size() != kSecretLength) return false;
  return Scalar(scalar_le).valid();
}

bool is_valid_public_key(ByteView public_key) {
  blst_p1_affine pk;
  return decode_public_key(public_key, pk);
}

PublicKey public_from_secret(const SecretBytes& scalar_le) {
  return public_of(Scalar(scalar_le.view()));
}

Signature sign(const SecretBytes& scalar_le, ByteView message, int version) {
  if (version == 0) throw bad_request(kVersion0Unsupported);
  if (version < 0) throw bad_request("unsupported signing version " + std::to_string(version));
  const Scalar sk(scalar_le.view());
  if (version == 1) {
    const PublicKey pk = public_of(sk);
    return sign_with(sk, message, kDstAug, pk);
  }
  if (!sk.valid())
    throw bad_request("invalid BLS secret key: scalar is zero or not below the group order");
  return sign_with(sk, message, kDstPop, {});
}

Signature prove_possession(const SecretBytes& scalar_le) {
  const Scalar sk(scalar_le.view());
  const PublicKey pk = public_of(sk);
  return sign_with(sk, pk, kDstProof, {});
}

bool verify(ByteView public_key, ByteView message, ByteView signature) {
  return verify_with(public_key, message, signature, kDstPop, {});
}

bool verify_augmented(ByteView public_key, ByteView message, ByteView signature) {
  return verify_with(public_key, message, signature, kDstAug, public_key);
}

bool verify_possession(ByteView public_key, ByteView proof) {
  return verify_with(public_key, public_key, proof, kDstProof, {});
}

}  // namespace signatory::crypto::bls12_381
