// PKCS#8 private keys in PEM (RFC 5958, RFC 7468), as `openssl genpkey` writes them and other
// tools export them: `-----BEGIN PRIVATE KEY-----` and, protected by a password (PBES2,
// RFC 8018), `-----BEGIN ENCRYPTED PRIVATE KEY-----`. The algorithms Tezos can sign with are
// accepted: Ed25519 (1.3.101.112, RFC 8410; tz1) and id-ecPublicKey (RFC 5480) on the named
// curves secp256k1 (1.3.132.0.10; tz2) and prime256v1 / P-256 (1.2.840.10045.3.1.7; tz3).
//
// Everything else is refused with Error(400) naming what is wrong, never the secret: not PEM at
// all, a damaged block, another block type (`RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, a public
// key, a certificate), another algorithm (RSA, Ed448, X25519, …) or curve (P-384, …), explicit
// curve parameters, a wrong password, or a public key in the file that is not the one its
// private key gives. Parsing goes through OpenSSL 3; the file text, the decrypted structure and
// the scalar are wiped after use. Pure; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret_bytes.h"

namespace signatory::crypto {

enum class Pkcs8Algorithm { Ed25519, Secp256k1, P256 };

struct Pkcs8Key {
  Pkcs8Algorithm algorithm = Pkcs8Algorithm::Ed25519;
  SecretBytes secret;  // 32 bytes: the Ed25519 seed, or the EC scalar (big-endian)
};

// True when `text` holds a PEM begin line (`-----BEGIN `), i.e. it should be read as PEM
// rather than as a base58 Tezos key.
bool looks_like_pem(std::string_view text);

// Every private key of the PEM text, in file order (`EC PARAMETERS` blocks, as `openssl
// ecparam` writes before a key, are skipped). `password` is called once, only if a block is
// encrypted. `source` names the input in error messages (a file name). Throws Error(400) as
// the header says; nothing is returned unless every block is a usable key.
std::vector<Pkcs8Key> parse_pkcs8_pem(std::string_view pem, const std::string& source,
                                      const std::function<SecretBytes()>& password);

}  // namespace signatory::crypto
