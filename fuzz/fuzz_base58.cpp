// libFuzzer target: base58check text as users and clients send it. The input text goes to
// b58check_decode_any with every known prefix, to plain base58_decode, and to the key-hash,
// public-key, signature and secret-key parsers. Rejections must be signatory::Error; whatever is accepted
// must encode back to exactly the input (base58check has one text form per value).
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "fuzz_support.h"
#include "tezos/base58.h"
#include "tezos/keys.h"

using namespace signatory;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::text_of(data, size);
  try {
    const Bytes raw = tezos::base58_decode(text);
    fuzz::fuzz_check(tezos::base58_encode(raw) == text, "base58 does not round-trip");
  } catch (const Error&) {
  }
  try {
    const tezos::Decoded d = tezos::b58check_decode_any(tezos::all_prefixes(), text, "value");
    fuzz::fuzz_check(d.prefix != nullptr, "decoded without a prefix");
    fuzz::fuzz_check(d.payload.size() == d.prefix->payload_length, "payload length differs from the prefix's");
    fuzz::fuzz_check(tezos::b58check_encode(*d.prefix, d.payload) == text, "b58check does not round-trip");
    // Decoding with the one prefix found gives the same payload.
    fuzz::fuzz_check(tezos::b58check_decode(*d.prefix, text) == d.payload, "b58check_decode disagrees");
  } catch (const Error&) {
  }
  try {
    const tezos::PublicKeyHash pkh = tezos::PublicKeyHash::parse(text);
    fuzz::fuzz_check(pkh.to_base58() == text, "public key hash does not round-trip");
    fuzz::fuzz_check(tezos::PublicKeyHash::from_tagged(pkh.tagged()) == pkh, "tagged pkh does not round-trip");
  } catch (const Error&) {
  }
  try {
    const tezos::PublicKey pk = tezos::PublicKey::parse(text);
    fuzz::fuzz_check(pk.to_base58() == text, "public key does not round-trip");
    fuzz::fuzz_check(tezos::PublicKey::from_tagged(pk.tagged()) == pk, "tagged public key does not round-trip");
    (void)pk.hash();
  } catch (const Error&) {
  }
  try {
    const tezos::Signature sig = tezos::Signature::parse(text);
    const bool generic = sig.form() == tezos::Signature::Form::Generic;
    fuzz::fuzz_check((generic ? sig.to_generic_base58() : sig.to_base58()) == text,
                     "signature does not round-trip");
  } catch (const Error&) {
  }
  try {
    // Secret keys come from vault files and the CLI; only the parse is checked here.
    (void)tezos::SecretKey::is_encrypted(text);
    const tezos::SecretKey sk = tezos::SecretKey::parse(text);
    (void)sk.public_key();
  } catch (const Error&) {
  }
  return 0;
}
