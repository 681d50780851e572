// Strict DER ↔ r‖s conversion and low-S normalisation for ECDSA signatures (see ecdsa_der.h).
// Plain byte arithmetic on 32-byte big-endian integers: no bignum library is needed.
#include "crypto/ecdsa_der.h"

#include <algorithm>

#include "common/error.h"

namespace signatory::crypto {

namespace {

using Scalar = std::array<std::uint8_t, 32>;

// Group orders, big-endian.
constexpr Scalar kSecp256k1Order = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
constexpr Scalar kP256Order = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                               0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                               0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

const Scalar& order(Curve curve) {
  return curve == Curve::Secp256k1 ? kSecp256k1Order : kP256Order;
}

Scalar half(const Scalar& n) {
  Scalar h{};
  unsigned carry = 0;
  for (std::size_t i = 0; i < n.size(); ++i) {
    h[i] = static_cast<std::uint8_t>((carry << 7) | (n[i] >> 1));
    carry = n[i] & 1u;
  }
  return h;
}

// a − b, assuming a ≥ b.
Scalar subtract(const Scalar& a, const Scalar& b) {
  Scalar out{};
  int borrow = 0;
  for (std::size_t i = a.size(); i-- > 0;) {
    int d = int(a[i]) - int(b[i]) - borrow;
    borrow = d < 0 ? 1 : 0;
    out[i] = static_cast<std::uint8_t>(d + (borrow ? 256 : 0));
  }
  return out;
}

Scalar s_of(const RawEcdsaSignature& raw) {
  Scalar s{};
  std::copy(raw.begin() + 32, raw.end(), s.begin());
  return s;
}

[[noreturn]] void invalid(const std::string& reason) {
  throw upstream_failure("invalid DER signature: " + reason);
}

// Reads one INTEGER at `pos` into a 32-byte big-endian slot; advances `pos`.
void read_integer(ByteView der, std::size_t& pos, std::size_t end, const char* name,
                  std::uint8_t* out32) {
  const std::string what(name);
  if (pos + 2 > end) invalid("truncated before " + what);
  if (der[pos] != 0x02)
    invalid(what + " is not an INTEGER (tag 0x" + to_hex(der.subspan(pos, 1)) + ")");
  std::size_t len = der[pos + 1];
  if (len & 0x80) invalid(what + " uses a long-form length");
  pos += 2;
  if (len == 0) invalid(what + " is empty");
  if (pos + len > end) invalid(what + " overruns the sequence");
  ByteView value = der.subspan(pos, len);
  pos += len;
  if (value[0] & 0x80) invalid(what + " is negative");
  if (value[0] == 0x00 && value.size() > 1 && !(value[1] & 0x80))
    invalid(what + " has a non-minimal leading zero");
  if (value[0] == 0x00 && value.size() > 1) value = value.subspan(1);
  if (value.size() > 32) invalid(what + " is longer than 32 bytes");
  if (std::all_of(value.begin(), value.end(), [](std::uint8_t b) { return b == 0; }))
    invalid(what + " is zero");
  std::fill(out32, out32 + 32, 0);
  std::copy(value.begin(), value.end(), out32 + (32 - value.size()));
}

void append_integer(Bytes& out, const std::uint8_t* be32) {
  std::size_t skip = 0;
  while (skip < 31 && be32[skip] == 0) ++skip;
  const bool pad = be32[skip] & 0x80;
  out.push_back(0x02);
  out.push_back(static_cast<std::uint8_t>(32 - skip + (pad ? 1 : 0)));
  if (pad) out.push_back(0x00);
  out.insert(out.end(), be32 + skip, be32 + 32);
}

}  // namespace

RawEcdsaSignature der_to_raw(ByteView der) {
  if (der.size() < 2) invalid("too short (" + std::to_string(der.size()) + " bytes)");
  if (der[0] != 0x30) invalid("not a SEQUENCE (tag 0x" + to_hex(der.subspan(0, 1)) + ")");
  const std::size_t seq_len = der[1];
  if (seq_len & 0x80) invalid("SEQUENCE uses a long-form length");
  if (2 + seq_len > der.size()) invalid("SEQUENCE overruns the input");
  if (2 + seq_len < der.size())
    invalid(std::to_string(der.size() - 2 - seq_len) + " trailing bytes after the SEQUENCE");
  RawEcdsaSignature raw{};
  std::size_t pos = 2;
  const std::size_t end = der.size();
  read_integer(der, pos, end, "r", raw.data());
  read_integer(der, pos, end, "s", raw.data() + 32);
  if (pos != end) invalid(std::to_string(end - pos) + " trailing bytes inside the SEQUENCE");
  return raw;
}

Bytes raw_to_der(const RawEcdsaSignature& raw) {
  Bytes body;
  append_integer(body, raw.data());
  append_integer(body, raw.data() + 32);
  Bytes out(2 + body.size());
  out[0] = 0x30;
  out[1] = static_cast<std::uint8_t>(body.size());
  std::copy(body.begin(), body.end(), out.begin() + 2);
  return out;
}

bool is_low_s(Curve curve, const RawEcdsaSignature& raw) {
  static const Scalar half_k1 = half(kSecp256k1Order);
  static const Scalar half_p256 = half(kP256Order);
  const Scalar& h = curve == Curve::Secp256k1 ? half_k1 : half_p256;
  return s_of(raw) <= h;  // std::array compares lexicographically = big-endian numeric order
}

bool normalize_low_s(Curve curve, RawEcdsaSignature& raw) {
  if (is_low_s(curve, raw)) return false;
  const Scalar s = s_of(raw);
  const Scalar& n = order(curve);
  if (s >= n) return false;  // out of range: not a signature, left for verification to refuse
  const Scalar low = subtract(n, s);
  std::copy(low.begin(), low.end(), raw.begin() + 32);
  return true;
}

}  // namespace signatory::crypto
