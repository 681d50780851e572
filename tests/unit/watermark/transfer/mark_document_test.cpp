// The mark document of `signatory-cli watermark export/import`: real marks (slots, levels,
// rounds, digests and signatures of the test vectors: signatures.json signs the
// consensus.json requests with the keys of keys.json, tz1 to tz4) round-trip exactly and
// deterministically; merging into a store is by maximum on both backends; a floor at
// (level, INT32_MAX) refuses every round of its level and survives a later import of a real
// mark at that level; each malformed field is refused with an error naming entry and field.
#include "watermark/transfer/mark_document.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

#include "../watermark_test_support.h"
#include "test_support.h"
#include "watermark/core/watermark_rule.h"

namespace signatory::watermark {
namespace {

using namespace testing;

// Every consensus signature of signatures.json as the mark a signer stores after signing it:
// slot (chain of the request, signer's pkh, mark kind), level and round of the request,
// blake2b-256 digest and the signature, all as the vectors give them.
MarkList vector_marks() {
  const json& sigs = ::signatory::testing::tezos_vectors("signatures.json");
  const json& consensus = consensus_vectors();
  std::map<std::string, std::string> id_by_hex;
  for (const char* list : {"blocks", "consensus_operations"}) {
    for (const json& r : consensus.at(list)) {
      id_by_hex[r.at("sign_request_hex").get<std::string>()] = r.at("id").get<std::string>();
    }
  }
  std::map<Slot, Mark> by_slot;  // one mark per slot: the highest, as a store keeps it
  for (const json& v : sigs.at("vectors")) {
    auto it = id_by_hex.find(v.at("message_hex").get<std::string>());
    if (it == id_by_hex.end()) continue;
    const Request r = request(it->second);
    EXPECT_EQ(to_hex(r.digest), v.at("blake2b_256").get<std::string>());
    const Slot slot{r.chain,
                    tezos::PublicKeyHash::parse(v.at("public_key_hash").get<std::string>()),
                    mark_kind(r.kind)};
    Mark mark{r.level, r.round, r.digest,
              tezos::Signature::parse(v.at("signature").get<std::string>())};
    auto [pos, inserted] = by_slot.emplace(slot, mark);
    if (!inserted && above(mark.level, mark.round, pos->second)) pos->second = mark;
  }
  return MarkList(by_slot.begin(), by_slot.end());
}

TEST(MarkDocument, RealMarksRoundTripExactly) {
  const MarkList marks = vector_marks();
  // The vectors cover every key type and all three mark kinds.
  std::set<tezos::KeyType> types;
  std::set<tezos::RequestKind> kinds;
  for (const auto& [slot, mark] : marks) {
    types.insert(slot.pkh.type);
    kinds.insert(slot.kind);
  }
  ASSERT_EQ(types.size(), 4u);
  ASSERT_EQ(kinds.size(), 3u);
  ASSERT_GE(marks.size(), 20u);

  const std::string text = write_mark_document(marks);
  const MarkList back = parse_mark_document(text, "doc.json");
  EXPECT_TRUE(same_marks(back, marks));
  EXPECT_EQ(write_mark_document(back), text);
}

TEST(MarkDocument, WriterIsDeterministicAndSorted) {
  const MarkList marks = vector_marks();
  MarkList shuffled = marks;
  std::mt19937 rng(7);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  EXPECT_EQ(write_mark_document(shuffled), write_mark_document(marks));
  // One mark per line, after a fixed header.
  const std::string text = write_mark_document(marks);
  EXPECT_EQ(text.rfind("{\n  \"format\": \"signatory-watermarks\",\n  \"version\": 1,\n", 0), 0u)
      << text;
  EXPECT_EQ(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')), marks.size() + 6);
  EXPECT_EQ(write_mark_document({}),
            "{\n  \"format\": \"signatory-watermarks\",\n  \"version\": 1,\n  \"marks\": []\n}\n");
}

TEST(MarkDocument, FieldsAreTheTezosTexts) {
  // Independent check of the encoding: the base58 texts and hex of the vectors themselves.
  const json& sigs = ::signatory::testing::tezos_vectors("signatures.json");
  const json* att = nullptr;
  for (const json& v : sigs.at("vectors"))
    if (v.at("id") == "p256_0/attestation") att = &v;
  ASSERT_NE(att, nullptr);
  const Request r = request("attestation_mainnet_r0");
  const Slot slot{
      r.chain, tezos::PublicKeyHash::parse(att->at("public_key_hash").get<std::string>()), r.kind};
  const Mark mark{r.level, r.round, r.digest,
                  tezos::Signature::parse(att->at("signature").get<std::string>())};
  const json doc = json::parse(write_mark_document({{slot, mark}}));
  ASSERT_EQ(doc.at("marks").size(), 1u);
  EXPECT_EQ(doc.at("marks")[0], (json{{"chain", chain_name("mainnet")},
                                      {"pkh", att->at("public_key_hash")},
                                      {"kind", "attestation"},
                                      {"level", 12180923},
                                      {"round", 0},
                                      {"digest", att->at("blake2b_256")},
                                      {"signature", att->at("signature")}}));
  // A mark without digest or signature (an imported mark, a floor) writes nulls.
  const json floor = json::parse(write_mark_document(
      {{slot, Mark{5, std::numeric_limits<std::int32_t>::max(), std::nullopt, std::nullopt}}}));
  EXPECT_TRUE(floor.at("marks")[0].at("digest").is_null());
  EXPECT_TRUE(floor.at("marks")[0].at("signature").is_null());
  EXPECT_EQ(floor.at("marks")[0].at("round"), 2147483647);
  EXPECT_TRUE(same_marks(parse_mark_document(floor.dump(), "f"),
                         {{slot, Mark{5, std::numeric_limits<std::int32_t>::max(), {}, {}}}}));
}

TEST(MarkDocument, AttestationWithDalIsReadAsAttestation) {
  const std::string text =
      R"({"format":"signatory-watermarks","version":1,"marks":[{"chain":")" +
      chain_name("mainnet") + R"(","pkh":")" + delegate_text(0) +
      R"(","kind":"attestation_with_dal","level":10,"round":1,"digest":null,"signature":null}]})";
  const MarkList marks = parse_mark_document(text, "d");
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].first, (Slot{chain("mainnet"), delegate(0), tezos::RequestKind::Attestation}));
  EXPECT_FALSE(marks[0].second.digest);
}

// ---- merging by maximum ------------------------------------------------------------

class RaiseMarks : public ::testing::TestWithParam<std::string> {};

TEST_P(RaiseMarks, MergesByMaximum) {
  Backend b = make_backend(GetParam());
  const Slot low{chain("mainnet"), delegate(0), tezos::RequestKind::Attestation};
  const Slot high{chain("mainnet"), delegate(0), tezos::RequestKind::Block};
  const Slot equal{chain("ghostnet"), delegate(4), tezos::RequestKind::Preattestation};
  const Slot fresh{chain("sandbox"), delegate(8), tezos::RequestKind::Attestation};
  const Request a = request("attestation_mainnet_r0");
  b.store->raise(low, Mark{100, 3, a.digest, signature(0x01)});
  b.store->raise(high, Mark{500, 0, std::nullopt, std::nullopt});
  b.store->raise(equal, Mark{70, 2, a.digest, signature(0x02)});

  const MarkList incoming = {
      {low, Mark{100, 4, std::nullopt, std::nullopt}},   // same level, higher round: raises
      {high, Mark{499, 9, a.digest, signature(0x03)}},   // lower: ignored
      {equal, Mark{70, 2, std::nullopt, std::nullopt}},  // equal: stored one is kept
      {fresh, Mark{1, 0, a.digest, signature(0x04)}},    // new slot: stored
      {fresh, Mark{0, 5, std::nullopt, std::nullopt}},   // below the one just read: ignored
  };
  const ImportSummary s = raise_marks(*b.store, incoming, "test");
  EXPECT_EQ(s.read, 5u);
  EXPECT_EQ(s.raised, 2u);
  const MarkList expected = {
      {low, Mark{100, 4, std::nullopt, std::nullopt}},
      {high, Mark{500, 0, std::nullopt, std::nullopt}},
      {equal, Mark{70, 2, a.digest, signature(0x02)}},
      {fresh, Mark{1, 0, a.digest, signature(0x04)}},
  };
  MarkList got = b.store->marks();
  std::sort(got.begin(), got.end(), [](auto& x, auto& y) { return x.first < y.first; });
  MarkList want = expected;
  std::sort(want.begin(), want.end(), [](auto& x, auto& y) { return x.first < y.first; });
  EXPECT_TRUE(same_marks(got, want));
  // Importing the same again changes nothing.
  EXPECT_EQ(raise_marks(*b.store, incoming, "test").raised, 0u);
}

TEST_P(RaiseMarks, ExportImportIntoAFreshStoreGivesTheSameDocument) {
  Backend from = make_backend(GetParam());
  Backend to = make_backend(GetParam());
  const MarkList marks = vector_marks();
  for (const auto& [slot, mark] : marks) from.store->raise(slot, mark);
  const std::string text = write_mark_document(from.store->marks());
  const ImportSummary s = raise_marks(*to.store, parse_mark_document(text, "x"), "x");
  EXPECT_EQ(s.read, marks.size());
  EXPECT_EQ(s.raised, marks.size());
  EXPECT_EQ(write_mark_document(to.store->marks()), text);
  // The imported marks hold: the identical request gets the stored signature without
  // signing, other bytes at the same (level, round) are refused.
  const Request att = request("block_mainnet_12180922_shape");  // the only mainnet block
  const Slot slot{att.chain, delegate(0), tezos::RequestKind::Block};
  Mark stored;
  for (const auto& [sl, m] : marks)
    if (sl == slot) stored = m;
  ASSERT_TRUE(stored.signature);
  CountingSigner signer{signature(0xEE)};
  EXPECT_EQ(to.store->guard(slot, att.level, att.round, att.digest, signer.fn()),
            *stored.signature);
  EXPECT_EQ(signer.calls, 0);
  crypto::Digest32 other = att.digest;
  other[0] ^= 1;
  EXPECT_EQ(
      error_of([&] { to.store->guard(slot, att.level, att.round, other, signer.fn()); }).code(),
      ErrorCode::Conflict);
}

TEST_P(RaiseMarks, FloorRefusesEveryRoundOfItsLevelAndIsNeverLowered) {
  Backend b = make_backend(GetParam());
  const Request att = request("attestation_mainnet_r0");
  const Slot slot{att.chain, delegate(1), tezos::RequestKind::Attestation};
  const std::int32_t max = std::numeric_limits<std::int32_t>::max();
  raise_marks(*b.store, {{slot, Mark{att.level, max, std::nullopt, std::nullopt}}}, "floor");
  // A real mark at the floor's level (even the exact request, digest and signature) does not
  // lower it.
  const ImportSummary s = raise_marks(
      *b.store, {{slot, Mark{att.level, att.round, att.digest, signature(1)}}}, "later");
  EXPECT_EQ(s.raised, 0u);
  CountingSigner signer{signature(0x55)};
  for (std::int32_t round : {0, att.round, 1, 1000, max}) {
    EXPECT_EQ(
        error_of([&] { b.store->guard(slot, att.level, round, att.digest, signer.fn()); }).code(),
        ErrorCode::Conflict)
        << round;
  }
  EXPECT_EQ(
      error_of([&] { b.store->guard(slot, att.level - 1, 0, att.digest, signer.fn()); }).code(),
      ErrorCode::Conflict);
  EXPECT_EQ(signer.calls, 0);
  EXPECT_EQ(b.store->guard(slot, att.level + 1, 0, att.digest, signer.fn()), signature(0x55));
  EXPECT_EQ(signer.calls, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, RaiseMarks, ::testing::Values("mem", "file"));

// ---- strict reading ----------------------------------------------------------------

json good_document() {
  const Request a = request("attestation_mainnet_r0");
  const MarkList marks = {
      {Slot{a.chain, delegate(0), tezos::RequestKind::Attestation},
       Mark{a.level, a.round, a.digest, signature(0x11)}},
      {Slot{a.chain, delegate(4), tezos::RequestKind::Block}, Mark{7, 1, {}, {}}},
  };
  return json::parse(write_mark_document(marks));
}

struct BadCase {
  std::string name;
  std::function<void(json&)> mutate;
  std::string expected;  // substring of the error
};

TEST(MarkDocument, EachMalformedFieldIsRefusedByName) {
  const std::vector<BadCase> cases = {
      {"format missing", [](json& d) { d.erase("format"); }, "doc: missing field `format'"},
      {"format other", [](json& d) { d["format"] = "other"; }, "doc: format: not a mark document"},
      {"version 2", [](json& d) { d["version"] = 2; }, "doc: version: unsupported version 2"},
      {"version text", [](json& d) { d["version"] = "1"; }, "unsupported version \"1\""},
      {"version missing", [](json& d) { d.erase("version"); }, "missing field `version'"},
      {"marks missing", [](json& d) { d.erase("marks"); }, "missing field `marks'"},
      {"marks object", [](json& d) { d["marks"] = json::object(); }, "doc: marks: not an array"},
      {"top-level extra", [](json& d) { d["extra"] = 1; }, "unknown field `extra'"},
      {"entry not object", [](json& d) { d["marks"][1] = 5; }, "marks[1]: not a JSON object"},
      {"entry extra", [](json& d) { d["marks"][0]["hash"] = "x"; },
       "marks[0]: unknown field `hash'"},
      {"chain missing", [](json& d) { d["marks"][1].erase("chain"); },
       "marks[1]: missing field `chain'"},
      {"chain bad", [](json& d) { d["marks"][1]["chain"] = "NetXdQprcVkpaWV"; },
       "marks[1].chain: not a chain id"},
      {"chain number", [](json& d) { d["marks"][0]["chain"] = 7; }, "marks[0].chain: not a string"},
      {"pkh bad", [](json& d) { d["marks"][0]["pkh"] = "tz1short"; },
       "marks[0].pkh: not a public key hash"},
      {"pkh missing", [](json& d) { d["marks"][0].erase("pkh"); }, "marks[0]: missing field `pkh'"},
      {"kind generic", [](json& d) { d["marks"][0]["kind"] = "generic"; },
       "marks[0].kind: `generic' is not a watermarked request kind"},
      {"kind unknown", [](json& d) { d["marks"][1]["kind"] = "endorsement"; },
       "marks[1].kind: `endorsement'"},
      {"level float", [](json& d) { d["marks"][0]["level"] = 1.5; },
       "marks[0].level: not an integer in the int32 range"},
      {"level too big", [](json& d) { d["marks"][1]["level"] = 2147483648LL; },
       "marks[1].level: not an integer"},
      {"level text", [](json& d) { d["marks"][1]["level"] = "5"; }, "marks[1].level"},
      {"level missing", [](json& d) { d["marks"][1].erase("level"); },
       "marks[1]: missing field `level'"},
      {"round too small", [](json& d) { d["marks"][0]["round"] = -2147483649LL; },
       "marks[0].round: not an integer"},
      {"round null", [](json& d) { d["marks"][0]["round"] = nullptr; }, "marks[0].round"},
      {"digest short", [](json& d) { d["marks"][0]["digest"] = "abcd"; },
       "marks[0].digest: not 32 bytes"},
      {"digest not hex", [](json& d) { d["marks"][0]["digest"] = std::string(64, 'g'); },
       "marks[0].digest: invalid hex"},
      {"digest number", [](json& d) { d["marks"][0]["digest"] = 5; },
       "marks[0].digest: not a string or null"},
      {"signature bad", [](json& d) { d["marks"][0]["signature"] = "edsigXXXX"; },
       "marks[0].signature: not a signature"},
      {"same slot twice", [](json& d) { d["marks"].push_back(d["marks"][0]); },
       "marks[2]: second mark for " + chain_name("mainnet") + "/" + delegate_text(0) +
           "/attestation (the first is marks[0])"},
      {"top-level array", [](json& d) { d = json::array(); }, "doc: not a JSON object"},
  };
  for (const auto& c : cases) {
    json doc = good_document();
    ASSERT_NO_THROW(parse_mark_document(doc.dump(), "doc")) << c.name;
    c.mutate(doc);
    const Error e = error_of([&] { parse_mark_document(doc.dump(), "doc"); });
    EXPECT_EQ(e.code(), ErrorCode::BadRequest) << c.name;
    EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos)
        << c.name << ": " << e.what();
  }
}

TEST(MarkDocument, DuplicateFieldsAndInvalidJsonAreRefused) {
  const std::string good = good_document().dump();
  // A second `level' in the first entry (nlohmann::json alone would keep the last one).
  std::string dup = good;
  const auto pos = dup.find("\"level\":");
  ASSERT_NE(pos, std::string::npos);
  dup.insert(pos, "\"level\":99999999,");
  Error e = error_of([&] { parse_mark_document(dup, "doc"); });
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_NE(std::string(e.what()).find("doc: duplicate key `marks[0].level'"), std::string::npos)
      << e.what();
  std::string dup_top = good;
  dup_top.insert(1, "\"version\":1,");
  e = error_of([&] { parse_mark_document(dup_top, "doc"); });
  EXPECT_NE(std::string(e.what()).find("duplicate key `version'"), std::string::npos) << e.what();

  for (const std::string& bad : {std::string(""), good.substr(0, good.size() - 3),
                                 std::string("{\"format\":"), std::string("\x01\x02")}) {
    e = error_of([&] { parse_mark_document(bad, "doc"); });
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    EXPECT_NE(std::string(e.what()).find("doc: invalid JSON"), std::string::npos) << e.what();
  }
  // Deep nesting is an error, not a crash.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  e = error_of([&] { parse_mark_document(deep, "doc"); });
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
}

TEST(MarkDocument, ReadingAFileNamesIt) {
  TempDir dir;
  const auto path = dir.path() / "marks.json";
  write_text(path, good_document().dump());
  EXPECT_EQ(read_mark_document(path.string()).size(), 2u);
  Error e = error_of([&] { read_mark_document((dir.path() / "missing.json").string()); });
  EXPECT_EQ(e.code(), ErrorCode::BadRequest);
  EXPECT_NE(std::string(e.what()).find("missing.json"), std::string::npos) << e.what();
  write_text(path, "{\"format\":\"signatory-watermarks\",\"version\":1,\"marks\":[{}]}");
  e = error_of([&] { read_mark_document(path.string()); });
  EXPECT_NE(std::string(e.what()).find(path.string() + ": marks[0]: missing field `chain'"),
            std::string::npos)
      << e.what();
}

}  // namespace
}  // namespace signatory::watermark
