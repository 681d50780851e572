// Base58 (Bitcoin alphabet) and base58check with the Tezos prefixes. A `Prefix` names an
// object type (tz1, edpk, edsig, Net, …) by its prefix bytes and payload length; decoding
// checks the checksum, the prefix and the payload length and throws Error(BadRequest) with a reason
// a user can act on ("invalid checksum", "unknown prefix", "invalid payload length 19 for
// tz1", "invalid base58 character '0' at offset 3"). Pure; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace signatory::tezos {

struct Prefix {
  std::string_view name;   // text prefix as users see it: "tz1", "edpk", "spsig1", "Net"
  std::string_view bytes;  // raw prefix bytes
  std::size_t payload_length;
};

// Every prefix the signer reads or writes.
namespace prefix {
extern const Prefix tz1, tz2, tz3, tz4, KT1, sr1;
extern const Prefix edpk, sppk, p2pk, BLpk;
extern const Prefix edsk_seed, edsk_64, spsk, p2sk, BLsk;
extern const Prefix edesk, spesk, p2esk, BLesk;
extern const Prefix edsig, spsig1, p2sig, sig, BLsig;
extern const Prefix Net, B, vh, P, o, expr;
// The rest of Octez/Taquito's table, for the operation decoder and for naming a prefix in errors.
extern const Prefix Lo, LLo, Co, bm, r, Lr, LLr, btz1, txr1, epx1, scr1, id, nce, txi, txm, txc,
    txmr, txM, txw, scs1, scc1, srs1, src1, seesk, GSp, SSp, sask, zet1, asig, sh;
}  // namespace prefix

// Every prefix above (both edsk forms included).
std::span<const Prefix* const> all_prefixes();
// The prefix whose bytes start `raw` (prefix ‖ payload) and whose payload length fits; nullptr
// if none does.
const Prefix* find_prefix(ByteView raw);

std::string base58_encode(ByteView data);
Bytes base58_decode(std::string_view text);  // plain base58, no checksum

std::string b58check_encode(const Prefix& p, ByteView payload);
// Decodes text that must carry prefix `p`; returns the payload.
Bytes b58check_decode(const Prefix& p, std::string_view text);

struct Decoded {
  const Prefix* prefix;
  Bytes payload;
};
// Decodes text that may carry any of `candidates`; `what` names the expected object in errors
// ("public key hash", "signature"…).
Decoded b58check_decode_any(std::span<const Prefix* const> candidates, std::string_view text,
                            std::string_view what);

}  // namespace signatory::tezos
