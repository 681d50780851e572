// Tests of base58/base58check and the prefix table against testdata/tezos/base58.json
// (Taquito's PrefixV2 table cross-checked with Octez): every prefix example round-trips, our
// named prefixes match the table, every malformed string is refused with a reason.
#include "tezos/base58.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "test_support.h"

namespace signatory::tezos {
namespace {

using nlohmann::json;

const json& vectors() { return ::signatory::testing::tezos_vectors("base58.json"); }

std::string bytes_of(const Prefix& p) {
  return to_hex(as_view(p.bytes));
}

// The message of the Error that `f` throws (fails the test if it does not throw Error(400)).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

TEST(Base58, EveryPrefixExampleRoundTrips) {
  const auto& prefixes = vectors().at("prefixes");
  ASSERT_EQ(prefixes.size(), 61u);
  for (const auto& rec : prefixes) {
    SCOPED_TRACE(rec.at("name").get<std::string>() + " " +
                 rec.at("prefix_bytes_hex").get<std::string>());
    const Bytes prefix_bytes = from_hex(rec.at("prefix_bytes_hex").get<std::string>());
    const std::string bytes_str(prefix_bytes.begin(), prefix_bytes.end());
    const Prefix p{"vector", bytes_str, rec.at("payload_length").get<std::size_t>()};
    const std::string example = rec.at("example");
    const Bytes payload = from_hex(rec.at("example_payload_hex").get<std::string>());
    EXPECT_EQ(example.size(), rec.at("encoded_length").get<std::size_t>());
    EXPECT_EQ(b58check_encode(p, payload), example);
    EXPECT_EQ(to_hex(b58check_decode(p, example)), to_hex(payload));
  }
}

TEST(Base58, NamedPrefixesMatchTheTable) {
  // Every prefix of the vector table that we name must carry the same bytes and length, and
  // the example must decode through our table to the same payload.
  std::size_t matched = 0;
  for (const auto& rec : vectors().at("prefixes")) {
    const std::string name = rec.at("name");
    const std::string hex = rec.at("prefix_bytes_hex");
    const std::size_t len = rec.at("payload_length");
    const Prefix* ours = nullptr;
    for (const Prefix* p : all_prefixes())
      if (p->name == name && bytes_of(*p) == hex && p->payload_length == len) ours = p;
    if (name == "sask" && len == 193) continue;  // the encrypted Sapling key: same bytes, not used
    ASSERT_NE(ours, nullptr) << "prefix " << name << " " << hex << " length " << len << " missing";
    ++matched;
    const std::string example = rec.at("example");
    const Bytes raw = [&] {
      Bytes b = base58_decode(example);
      b.resize(b.size() - 4);
      return b;
    }();
    EXPECT_EQ(find_prefix(raw), ours) << name;
    EXPECT_EQ(to_hex(b58check_decode(*ours, example)),
              rec.at("example_payload_hex").get<std::string>());
  }
  EXPECT_EQ(matched, 60u);
  EXPECT_EQ(all_prefixes().size(), 60u);
}

TEST(Base58, PrefixesTheSignerUsesAreTheOctezOnes) {
  // The header's named constants, checked one by one against the vector table by name/bytes.
  std::map<std::string, std::vector<std::pair<std::string, std::size_t>>> table;
  for (const auto& rec : vectors().at("prefixes"))
    table[rec.at("name")].emplace_back(rec.at("prefix_bytes_hex"), rec.at("payload_length"));
  const Prefix* used[] = {
      &prefix::tz1,       &prefix::tz2,     &prefix::tz3,   &prefix::tz4,   &prefix::KT1,
      &prefix::sr1,       &prefix::edpk,    &prefix::sppk,  &prefix::p2pk,  &prefix::BLpk,
      &prefix::edsk_seed, &prefix::edsk_64, &prefix::spsk,  &prefix::p2sk,  &prefix::BLsk,
      &prefix::edesk,     &prefix::spesk,   &prefix::p2esk, &prefix::BLesk, &prefix::edsig,
      &prefix::spsig1,    &prefix::p2sig,   &prefix::sig,   &prefix::BLsig, &prefix::Net,
      &prefix::B,         &prefix::vh,      &prefix::P,     &prefix::o,     &prefix::expr};
  for (const Prefix* p : used) {
    auto it = table.find(std::string(p->name));
    ASSERT_NE(it, table.end()) << p->name;
    bool found = false;
    for (auto& [hex, len] : it->second) found |= (hex == bytes_of(*p) && len == p->payload_length);
    EXPECT_TRUE(found) << p->name << " " << bytes_of(*p);
  }
}

TEST(Base58, RealWorldExamplesDecode) {
  for (const auto& rec : vectors().at("real_world_examples")) {
    const std::string name = rec.at("name");
    const std::string value = rec.at("value");
    SCOPED_TRACE(value);
    const Prefix* p = nullptr;
    for (const Prefix* q : all_prefixes())
      if (q->name == name) p = q;
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(to_hex(b58check_decode(*p, value)), rec.at("payload_hex").get<std::string>());
    EXPECT_EQ(b58check_encode(*p, from_hex(rec.at("payload_hex").get<std::string>())), value);
  }
}

// The candidate sets Taquito's validators accept.
std::vector<const Prefix*> candidates_for(const std::string& validator) {
  if (validator == "validateKeyHash")
    return {&prefix::tz1, &prefix::tz2, &prefix::tz3, &prefix::tz4};
  if (validator == "validateAddress")
    return {&prefix::tz1, &prefix::tz2, &prefix::tz3, &prefix::tz4, &prefix::KT1, &prefix::sr1};
  if (validator == "validatePublicKey")
    return {&prefix::edpk, &prefix::sppk, &prefix::p2pk, &prefix::BLpk};
  if (validator == "validateSignature")
    return {&prefix::edsig, &prefix::spsig1, &prefix::p2sig, &prefix::sig, &prefix::BLsig};
  ADD_FAILURE() << "unknown validator " << validator;
  return {};
}

TEST(Base58, MalformedStringsAreRefusedWithAReason) {
  const auto& malformed = vectors().at("malformed");
  ASSERT_EQ(malformed.size(), 17u);
  for (const auto& rec : malformed) {
    const std::string id = rec.at("id");
    const std::string input = rec.at("input");
    const std::string verdict = rec.at("taquito_result");
    SCOPED_TRACE(id);
    const auto cands = candidates_for(rec.at("validator"));
    if (rec.at("valid").get<bool>()) {
      EXPECT_NO_THROW(b58check_decode_any(cands, input, "value"));
      continue;
    }
    const std::string msg = error_of([&] { b58check_decode_any(cands, input, "value"); });
    // Our reason must name the same class of fault as Taquito's verdict.
    if (verdict == "INVALID_CHECKSUM") {
      EXPECT_TRUE(msg.find("checksum") != std::string::npos ||
                  msg.find("empty") != std::string::npos)
          << msg;
    } else if (verdict == "INVALID_ENCODING") {
      EXPECT_NE(msg.find("invalid base58 character"), std::string::npos) << msg;
      EXPECT_NE(msg.find("at offset"), std::string::npos) << msg;
    } else if (verdict == "NO_PREFIX_MATCHED") {
      EXPECT_TRUE(msg.find("payload length") != std::string::npos ||
                  msg.find("prefix") != std::string::npos)
          << msg;
    } else if (verdict == "PREFIX_NOT_ALLOWED") {
      EXPECT_NE(msg.find("expected"), std::string::npos) << msg;
      EXPECT_NE(msg.find(", got "), std::string::npos) << msg;
    } else {
      ADD_FAILURE() << "unexpected verdict " << verdict;
    }
  }
}

TEST(Base58, ReasonsAreSpecific) {
  // Offsets and characters named in the message come from the malformed vectors.
  for (const auto& rec : vectors().at("malformed")) {
    const std::string id = rec.at("id");
    const std::string input = rec.at("input");
    if (id.rfind("tz1_invalid_char_", 0) == 0) {
      const char bad = id.back();
      const std::size_t at = input.find(bad);
      const std::string msg = error_of([&] { b58check_decode(prefix::tz1, input); });
      EXPECT_NE(msg.find(std::string("'") + bad + "' at offset " + std::to_string(at)),
                std::string::npos)
          << msg;
    }
    if (id == "tz1_short_payload_19_bytes") {
      const std::string msg = error_of([&] { b58check_decode(prefix::tz1, input); });
      EXPECT_NE(msg.find("invalid payload length 19 for tz1 (expected 20)"), std::string::npos)
          << msg;
    }
    if (id == "tz1_long_payload_21_bytes") {
      const std::string msg = error_of([&] { b58check_decode(prefix::tz1, input); });
      EXPECT_NE(msg.find("invalid payload length 21 for tz1"), std::string::npos) << msg;
    }
    if (id == "kt1_is_not_a_key_hash") {
      const auto cands = candidates_for("validateKeyHash");
      const std::string msg =
          error_of([&] { b58check_decode_any(cands, input, "public key hash"); });
      EXPECT_EQ(msg, "invalid public key hash: expected tz1, tz2, tz3 or tz4, got KT1");
    }
    if (id == "tz1_given_as_public_key") {
      const auto cands = candidates_for("validatePublicKey");
      const std::string msg = error_of([&] { b58check_decode_any(cands, input, "public key"); });
      EXPECT_EQ(msg, "invalid public key: expected edpk, sppk, p2pk or BLpk, got tz1");
    }
    if (id == "tz1_bad_checksum") {
      const std::string msg = error_of([&] { b58check_decode(prefix::tz1, input); });
      EXPECT_EQ(msg, "invalid base58check checksum");
    }
  }
}

TEST(Base58, BothEdskFormsAreDistinguished) {
  for (const auto& rec : vectors().at("prefixes")) {
    if (rec.at("name") != "edsk") continue;
    const std::string example = rec.at("example");
    const Prefix* const cands[] = {&prefix::edsk_seed, &prefix::edsk_64};
    Decoded d = b58check_decode_any(cands, example, "secret key");
    EXPECT_EQ(d.prefix->payload_length, rec.at("payload_length").get<std::size_t>());
    EXPECT_EQ(to_hex(d.payload), rec.at("example_payload_hex").get<std::string>());
  }
}

TEST(Base58, PlainBase58EdgeCases) {
  EXPECT_EQ(base58_encode({}), "");
  EXPECT_TRUE(base58_decode("").empty());
  const Bytes zeros(3, 0);
  EXPECT_EQ(base58_encode(zeros), "111");
  EXPECT_EQ(base58_decode("111"), zeros);
  // Round trip of values with leading zero bytes (payloads of the vectors start with them).
  for (const auto& rec : vectors().at("prefixes")) {
    Bytes b = from_hex(rec.at("example_payload_hex").get<std::string>());
    b.insert(b.begin(), 2, 0);
    EXPECT_EQ(base58_decode(base58_encode(b)), b);
  }
  EXPECT_THROW(base58_decode(std::string(5000, '2')), Error);
  const std::string nul("tz1\0abc", 7);
  const std::string msg = error_of([&] { base58_decode(nul); });
  EXPECT_NE(msg.find("0x00 at offset 3"), std::string::npos) << msg;
  EXPECT_THROW(b58check_decode(prefix::tz1, "1"), Error);
  EXPECT_THROW(b58check_decode(prefix::tz1, "11111"), Error);
}

TEST(Base58, EncodeRefusesAWrongPayloadLength) {
  const Bytes short_payload(19, 1);
  EXPECT_THROW(b58check_encode(prefix::tz1, short_payload), Error);
}

}  // namespace
}  // namespace signatory::tezos
