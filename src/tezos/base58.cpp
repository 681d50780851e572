// Base58 and base58check with the Tezos prefix table (see base58.h).
#include "tezos/base58.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "common/error.h"
#include "crypto/sha256.h"

namespace signatory::tezos {

namespace prefix {
using sv = std::string_view;
// Prefix bytes and payload lengths from Octez src/lib_crypto/base58.ml / Taquito PrefixV2.
const Prefix tz1{"tz1", sv("\x06\xa1\x9f", 3), 20};
const Prefix tz2{"tz2", sv("\x06\xa1\xa1", 3), 20};
const Prefix tz3{"tz3", sv("\x06\xa1\xa4", 3), 20};
const Prefix tz4{"tz4", sv("\x06\xa1\xa6", 3), 20};
const Prefix KT1{"KT1", sv("\x02\x5a\x79", 3), 20};
const Prefix sr1{"sr1", sv("\x06\x7c\x75", 3), 20};

const Prefix edpk{"edpk", sv("\x0d\x0f\x25\xd9", 4), 32};
const Prefix sppk{"sppk", sv("\x03\xfe\xe2\x56", 4), 33};
const Prefix p2pk{"p2pk", sv("\x03\xb2\x8b\x7f", 4), 33};
const Prefix BLpk{"BLpk", sv("\x06\x95\x87\xcc", 4), 48};

const Prefix edsk_seed{"edsk", sv("\x0d\x0f\x3a\x07", 4), 32};
const Prefix edsk_64{"edsk", sv("\x2b\xf6\x4e\x07", 4), 64};
const Prefix spsk{"spsk", sv("\x11\xa2\xe0\xc9", 4), 32};
const Prefix p2sk{"p2sk", sv("\x10\x51\xee\xbd", 4), 32};
const Prefix BLsk{"BLsk", sv("\x03\x96\xc0\x28", 4), 32};

const Prefix edesk{"edesk", sv("\x07\x5a\x3c\xb3\x29", 5), 56};
const Prefix spesk{"spesk", sv("\x09\xed\xf1\xae\x96", 5), 56};
const Prefix p2esk{"p2esk", sv("\x09\x30\x39\x73\xab", 5), 56};
const Prefix BLesk{"BLesk", sv("\x02\x05\x1e\x35\x19", 5), 56};

const Prefix edsig{"edsig", sv("\x09\xf5\xcd\x86\x12", 5), 64};
const Prefix spsig1{"spsig1", sv("\x0d\x73\x65\x13\x3f", 5), 64};
const Prefix p2sig{"p2sig", sv("\x36\xf0\x2c\x34", 4), 64};
const Prefix sig{"sig", sv("\x04\x82\x2b", 3), 64};
const Prefix BLsig{"BLsig", sv("\x28\xab\x40\xcf", 4), 96};

const Prefix Net{"Net", sv("\x57\x52\x00", 3), 4};
const Prefix B{"B", sv("\x01\x34", 2), 32};
const Prefix vh{"vh", sv("\x01\x6a\xf2", 3), 32};
const Prefix P{"P", sv("\x02\xaa", 2), 32};
const Prefix o{"o", sv("\x05\x74", 2), 32};
const Prefix expr{"expr", sv("\x0d\x2c\x40\x1b", 4), 32};

const Prefix Lo{"Lo", sv("\x85\xe9", 2), 32};
const Prefix LLo{"LLo", sv("\x1d\x9f\x6d", 3), 32};
const Prefix Co{"Co", sv("\x4f\xc7", 2), 32};
const Prefix bm{"bm", sv("\xea\xf9", 2), 32};
const Prefix r{"r", sv("\x05\xb7", 2), 32};
const Prefix Lr{"Lr", sv("\x86\x27", 2), 32};
const Prefix LLr{"LLr", sv("\x1d\x9f\xb6", 3), 32};
const Prefix btz1{"btz1", sv("\x01\x02\x31\xdf", 4), 20};
const Prefix txr1{"txr1", sv("\x01\x80\x78\x1f", 4), 20};
const Prefix epx1{"epx1", sv("\x01\x17\xe0\x7d", 4), 20};
const Prefix scr1{"scr1", sv("\x01\x76\x84\xd9", 4), 20};
const Prefix id{"id", sv("\x99\x67", 2), 16};
const Prefix nce{"nce", sv("\x45\xdc\xa9", 3), 32};
const Prefix txi{"txi", sv("\x4f\x94\xc4", 3), 32};
const Prefix txm{"txm", sv("\x4f\x95\x1e", 3), 32};
const Prefix txc{"txc", sv("\x4f\x94\x11", 3), 32};
const Prefix txmr{"txmr", sv("\x12\x07\xce\x57", 4), 32};
const Prefix txM{"txM", sv("\x4f\x92\x52", 3), 32};
const Prefix txw{"txw", sv("\x4f\x96\x48", 3), 32};
const Prefix scs1{"scs1", sv("\x11\x90\x7a\xca", 4), 32};
const Prefix scc1{"scc1", sv("\x11\x90\x15\x64", 4), 32};
const Prefix srs1{"srs1", sv("\x11\xa5\xeb\xf0", 4), 32};
const Prefix src1{"src1", sv("\x11\xa5\x86\x8a", 4), 32};
const Prefix seesk{"seesk", sv("\x01\x83\x24\x56\xf8", 5), 60};
const Prefix GSp{"GSp", sv("\x05\x5c\x00", 3), 33};
const Prefix SSp{"SSp", sv("\x26\xf8\x88", 3), 33};
const Prefix sask{"sask", sv("\x0b\xed\x14\x5c", 4), 169};
const Prefix zet1{"zet1", sv("\x12\x47\x28\xdf", 4), 43};
const Prefix asig{"asig", sv("\x02\x4b\xea\x65", 4), 96};
const Prefix sh{"sh", sv("\x02\x74\xb4", 3), 48};
}  // namespace prefix

namespace {

constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
// Longest text we decode: a Sapling spending key is 241 characters. The bound keeps decoding
// (quadratic in the length) cheap on hostile input.
constexpr std::size_t kMaxTextLength = 1024;
constexpr std::size_t kChecksumLength = 4;

int digit_value(char c) {
  static const std::array<std::int8_t, 256> table = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 58; ++i)
      t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
    return t;
  }();
  return table[static_cast<unsigned char>(c)];
}

const Prefix* const kAll[] = {
    &prefix::tz1,       &prefix::tz2,     &prefix::tz3,   &prefix::tz4,   &prefix::KT1,
    &prefix::sr1,       &prefix::edpk,    &prefix::sppk,  &prefix::p2pk,  &prefix::BLpk,
    &prefix::edsk_seed, &prefix::edsk_64, &prefix::spsk,  &prefix::p2sk,  &prefix::BLsk,
    &prefix::edesk,     &prefix::spesk,   &prefix::p2esk, &prefix::BLesk, &prefix::edsig,
    &prefix::spsig1,    &prefix::p2sig,   &prefix::sig,   &prefix::BLsig, &prefix::Net,
    &prefix::B,         &prefix::vh,      &prefix::P,     &prefix::o,     &prefix::expr,
    &prefix::Lo,        &prefix::LLo,     &prefix::Co,    &prefix::bm,    &prefix::r,
    &prefix::Lr,        &prefix::LLr,     &prefix::btz1,  &prefix::txr1,  &prefix::epx1,
    &prefix::scr1,      &prefix::id,      &prefix::nce,   &prefix::txi,   &prefix::txm,
    &prefix::txc,       &prefix::txmr,    &prefix::txM,   &prefix::txw,   &prefix::scs1,
    &prefix::scc1,      &prefix::srs1,    &prefix::src1,  &prefix::seesk, &prefix::GSp,
    &prefix::SSp,       &prefix::sask,    &prefix::zet1,  &prefix::asig,  &prefix::sh};

// Base58 also carries secret keys: intermediate buffers are wiped before they are freed.
void wipe(std::vector<std::uint8_t>& v) {
  if (!v.empty()) sodium_memzero(v.data(), v.size());
}
struct WipeOnExit {
  std::vector<std::uint8_t>& v;
  ~WipeOnExit() { wipe(v); }
};

bool starts_with(ByteView raw, std::string_view prefix_bytes) {
  if (raw.size() < prefix_bytes.size()) return false;
  return std::equal(prefix_bytes.begin(), prefix_bytes.end(), raw.begin(),
                    [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
}

bool fits(const Prefix& p, ByteView raw) {
  return starts_with(raw, p.bytes) && raw.size() == p.bytes.size() + p.payload_length;
}

// Decodes text and strips a valid checksum; returns prefix ‖ payload.
Bytes decode_checked(std::string_view text) {
  if (text.empty()) throw bad_request("invalid base58check: empty string");
  Bytes raw = base58_decode(text);
  if (raw.size() < kChecksumLength + 1)
    throw bad_request("invalid base58check: too short (" + std::to_string(raw.size()) + " bytes)");
  const std::size_t body = raw.size() - kChecksumLength;
  auto first = crypto::sha256(ByteView(raw.data(), body));
  auto second = crypto::sha256(first);
  if (!std::equal(second.begin(), second.begin() + kChecksumLength, raw.begin() + body)) {
    wipe(raw);
    throw bad_request("invalid base58check checksum");
  }
  raw.resize(body);
  return raw;
}

std::string length_error(const Prefix& p, std::size_t payload) {
  return "invalid payload length " + std::to_string(payload) + " for " + std::string(p.name) +
         " (expected " + std::to_string(p.payload_length) + ")";
}

// Among `candidates`, the one with the longest prefix bytes that start `raw` (payload length
// not checked).
const Prefix* longest_byte_match(std::span<const Prefix* const> candidates, ByteView raw) {
  const Prefix* best = nullptr;
  for (const Prefix* p : candidates)
    if (starts_with(raw, p->bytes) && (!best || p->bytes.size() > best->bytes.size())) best = p;
  return best;
}

std::string join_names(std::span<const Prefix* const> candidates) {
  std::vector<std::string_view> names;
  for (const Prefix* p : candidates)
    if (std::find(names.begin(), names.end(), p->name) == names.end()) names.push_back(p->name);
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " or " : ", ";
    out += names[i];
  }
  return out;
}

}  // namespace

std::span<const Prefix* const> all_prefixes() {
  return kAll;
}

const Prefix* find_prefix(ByteView raw) {
  for (const Prefix* p : all_prefixes())
    if (fits(*p, raw)) return p;
  return nullptr;
}

std::string base58_encode(ByteView data) {
  std::size_t zeros = 0;
  while (zeros < data.size() && data[zeros] == 0) ++zeros;
  // The number is built in limbs of base 58^5 (least significant first), taking the bytes four
  // at a time: 20 times fewer multiply/divide steps than one base-58 digit per byte, which
  // matters because every signature and pkh the server answers or logs is encoded here.
  constexpr std::uint64_t kLimbBase = 58ull * 58 * 58 * 58 * 58;  // < 2^30
  const std::size_t rest = data.size() - zeros;
  std::vector<std::uint32_t> limbs(rest * 8 / 29 + 2, 0);
  std::size_t used = 0;
  std::size_t i = zeros;
  while (i < data.size()) {
    // The first chunk takes the odd bytes so that every later chunk has four.
    const std::size_t take = (i == zeros && rest % 4 != 0) ? rest % 4 : 4;
    std::uint64_t carry = 0;
    for (std::size_t k = 0; k < take; ++k) carry = (carry << 8) | data[i + k];
    i += take;
    const unsigned shift = static_cast<unsigned>(8 * take);
    for (std::size_t j = 0; j < used; ++j) {
      // limb < 2^30, so limb·2^32 + carry < 2^63.
      const std::uint64_t v = (static_cast<std::uint64_t>(limbs[j]) << shift) + carry;
      limbs[j] = static_cast<std::uint32_t>(v % kLimbBase);
      carry = v / kLimbBase;
    }
    while (carry != 0) {
      limbs[used++] = static_cast<std::uint32_t>(carry % kLimbBase);
      carry /= kLimbBase;
    }
  }
  // Five base-58 digits per limb, most significant first, without the leading zero digits.
  std::vector<std::uint8_t> digits(used * 5, 0);
  for (std::size_t j = 0; j < used; ++j) {
    std::uint32_t limb = limbs[j];
    for (std::size_t d = 0; d < 5; ++d) {
      digits[digits.size() - 1 - (j * 5 + d)] = static_cast<std::uint8_t>(limb % 58);
      limb /= 58;
    }
  }
  if (!limbs.empty()) sodium_memzero(limbs.data(), limbs.size() * sizeof limbs[0]);
  auto it = digits.begin();
  while (it != digits.end() && *it == 0) ++it;
  std::string out;
  out.reserve(zeros + static_cast<std::size_t>(digits.end() - it));
  out.append(zeros, '1');
  for (; it != digits.end(); ++it) out += kAlphabet[*it];
  wipe(digits);
  return out;
}

Bytes base58_decode(std::string_view text) {
  if (text.size() > kMaxTextLength)
    throw bad_request("invalid base58: too long (" + std::to_string(text.size()) +
                      " characters, at most " + std::to_string(kMaxTextLength) + ")");
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (digit_value(text[i]) < 0) {
      char buf[96];
      auto c = static_cast<unsigned char>(text[i]);
      if (c >= 0x20 && c < 0x7f)
        std::snprintf(buf, sizeof buf, "invalid base58 character '%c' at offset %zu", c, i);
      else
        std::snprintf(buf, sizeof buf, "invalid base58 byte 0x%02x at offset %zu", c, i);
      throw bad_request(buf);
    }
  }
  std::size_t zeros = 0;
  while (zeros < text.size() && text[zeros] == '1') ++zeros;
  // log(58)/log(256) < 0.733: enough bytes for the rest.
  std::vector<std::uint8_t> bytes((text.size() - zeros) * 733 / 1000 + 1, 0);
  std::size_t used = 0;
  for (std::size_t i = zeros; i < text.size(); ++i) {
    unsigned carry = static_cast<unsigned>(digit_value(text[i]));
    std::size_t j = 0;
    for (auto it = bytes.rbegin(); (carry != 0 || j < used) && it != bytes.rend(); ++it, ++j) {
      carry += 58u * *it;
      *it = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    used = j;
  }
  auto it = bytes.end() - static_cast<std::ptrdiff_t>(used);
  while (it != bytes.end() && *it == 0) ++it;
  Bytes out;
  out.reserve(zeros + static_cast<std::size_t>(bytes.end() - it));
  out.assign(zeros, 0);
  out.insert(out.end(), it, bytes.end());
  wipe(bytes);
  return out;
}

std::string b58check_encode(const Prefix& p, ByteView payload) {
  if (payload.size() != p.payload_length) throw internal_error(length_error(p, payload.size()));
  Bytes raw;
  raw.reserve(p.bytes.size() + payload.size() + kChecksumLength);
  raw.assign(p.bytes.begin(), p.bytes.end());
  raw.insert(raw.end(), payload.begin(), payload.end());
  auto first = crypto::sha256(raw);
  auto second = crypto::sha256(first);
  raw.insert(raw.end(), second.begin(), second.begin() + kChecksumLength);
  std::string text = base58_encode(raw);
  wipe(raw);
  return text;
}

Bytes b58check_decode(const Prefix& p, std::string_view text) {
  const Prefix* const one[] = {&p};
  return b58check_decode_any(one, text, "").payload;
}

Decoded b58check_decode_any(std::span<const Prefix* const> candidates, std::string_view text,
                            std::string_view what) {
  const std::string invalid = what.empty() ? std::string() : "invalid " + std::string(what) + ": ";
  Bytes raw;
  try {
    raw = decode_checked(text);
  } catch (const Error& e) {
    throw bad_request(invalid + e.what());
  }
  WipeOnExit wipe_raw{raw};
  for (const Prefix* p : candidates) {
    if (fits(*p, raw)) {
      Bytes payload(raw.begin() + static_cast<std::ptrdiff_t>(p->bytes.size()), raw.end());
      return {p, std::move(payload)};
    }
  }
  if (const Prefix* p = longest_byte_match(candidates, raw))
    throw bad_request(invalid + length_error(*p, raw.size() - p->bytes.size()));
  const std::string expected = "expected " + join_names(candidates);
  if (const Prefix* other = find_prefix(raw))
    throw bad_request(invalid + expected + ", got " + std::string(other->name));
  throw bad_request(invalid + "unknown prefix, " + expected);
}

}  // namespace signatory::tezos
