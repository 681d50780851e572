// Golden tests of `signatory-cli watermark export | import | set-floor`, running the real
// binary on a config whose `file` watermark store lives in a temporary base_dir: a floor shows
// in the export, export → import into a fresh base_dir → export gives the same document,
// Signatory watermark_v2 and octez-signer files are imported (marks from the test vectors),
// an import never lowers a mark, and a store held by a running signer is a clear error.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "test_support.h"
#include "watermark/file/file_watermark.h"

namespace signatory::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const json& key(const std::string& id) {
  for (const auto& k : tezos_vectors("keys.json")["keys"])
    if (k["id"] == id) return k;
  throw std::runtime_error("no key " + id);
}
std::string pkh(const std::string& id) {
  return key(id)["public_key_hash"];
}
std::string chain(const std::string& net) {
  return tezos_vectors("consensus.json")["chains"][net]["chain_id"];
}
const json& consensus(const std::string& id) {
  const json& c = tezos_vectors("consensus.json");
  for (const char* list : {"blocks", "consensus_operations"})
    for (const auto& r : c[list])
      if (r["id"] == id) return r;
  throw std::runtime_error("no consensus vector " + id);
}
const json& sig_vector(const std::string& id) {
  for (const auto& v : tezos_vectors("signatures.json")["vectors"])
    if (v["id"] == id) return v;
  throw std::runtime_error("no signature vector " + id);
}

// A config with a file vault (never opened by these commands) and the default `file`
// watermark store in <dir>/base.
class WatermarkCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("signatory.yaml", "base_dir: " + dir_.path() +
                                     "/base\nvaults:\n  local:\n    driver: file\n    config:\n"
                                     "      file: " +
                                     dir_.file("secret_keys") + "\n");
  }
  CommandResult cli(const std::string& args, const std::string& base = "") const {
    std::string flags = "-c " + dir_.file("signatory.yaml") + " --log warn";
    if (!base.empty()) flags += " --base-dir " + base;
    return run_binary("signatory-cli", flags + " " + args);
  }
  std::string export_ok(const std::string& base = "") const {
    auto r = cli("watermark export", base);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  std::string mkdir(const std::string& name) const {
    fs::create_directories(dir_.file(name));
    return dir_.file(name);
  }
  TempDir dir_;
};

std::string floor_line(const std::string& chain_id, const std::string& p, const char* kind,
                       int level) {
  return std::string("{\"chain\":\"") + chain_id + "\",\"pkh\":\"" + p + "\",\"kind\":\"" + kind +
         "\",\"level\":" + std::to_string(level) +
         ",\"round\":2147483647,\"digest\":null,\"signature\":null}";
}

TEST_F(WatermarkCli, EmptyStoreExportsAnEmptyDocument) {
  EXPECT_EQ(export_ok(),
            "{\n  \"format\": \"signatory-watermarks\",\n  \"version\": 1,\n  \"marks\": []\n}\n");
}

TEST_F(WatermarkCli, SetFloorThenExportShowsTheFloor) {
  const std::string tz1 = pkh("ed25519_0"), net = chain("mainnet");
  auto r = cli("watermark set-floor --pkh " + tz1 + " --chain " + net + " --level 12180923");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "block: floor set, nothing at or below level 12180923 can be signed\n"
            "preattestation: floor set, nothing at or below level 12180923 can be signed\n"
            "attestation: floor set, nothing at or below level 12180923 can be signed\n");
  // Slot order: chain, pkh, then kind (attestation, block, preattestation).
  EXPECT_EQ(export_ok(),
            "{\n  \"format\": \"signatory-watermarks\",\n  \"version\": 1,\n"
            "  \"marks\": [\n    " +
                floor_line(net, tz1, "attestation", 12180923) + ",\n    " +
                floor_line(net, tz1, "block", 12180923) + ",\n    " +
                floor_line(net, tz1, "preattestation", 12180923) + "\n  ]\n}\n");

  // A lower floor changes nothing; one kind alone; flags after the nested subcommand.
  r = cli("watermark set-floor --pkh " + tz1 + " --chain " + net + " --level 100 --kind block");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "block: unchanged, the stored mark (level 12180923, round 2147483647) is "
            "already at or above the floor\n");
  r = run_binary("signatory-cli", "watermark set-floor --pkh " + tz1 + " --chain " + net +
                                      " --level 12180924 --kind attestation -c " +
                                      dir_.file("signatory.yaml"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "attestation: floor set, nothing at or below level 12180924 can be signed\n");
  const json doc = json::parse(export_ok());
  ASSERT_EQ(doc["marks"].size(), 3u);
  EXPECT_EQ(doc["marks"][0]["level"], 12180924);
  EXPECT_EQ(doc["marks"][1]["level"], 12180923);
}

TEST_F(WatermarkCli, SetFloorRejectsBadArguments) {
  const std::string base =
      "watermark set-floor --pkh " + pkh("ed25519_0") + " --chain " + chain("mainnet");
  auto r = cli(base + " --level 5 --kind generic");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "Error: --kind: `generic' is not one of block, preattestation, attestation, "
            "all\n");
  r = cli(base + " --level -1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: --level must be between 0 and 2147483647\n");
  r = cli("watermark set-floor --pkh tz1xyz --chain " + chain("mainnet") + " --level 1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Error: "), std::string::npos);
  r = cli("watermark set-floor --pkh " + pkh("ed25519_0") + " --level 1");  // no --chain
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--chain"), std::string::npos) << r.err;
  EXPECT_EQ(export_ok(),
            "{\n  \"format\": \"signatory-watermarks\",\n  \"version\": 1,\n"
            "  \"marks\": []\n}\n");
}

// A Signatory base_dir (watermark_v2/<chain>.json) with marks of two delegates.
std::string write_signatory_base(const TempDir& dir) {
  fs::create_directories(dir.file("sig/watermark_v2"));
  // Signatory's layout (4-space indent); `round` may be missing.
  const json doc = {{"tz1WGcYos3hL7GXYXjKrMnSFdkT7FyXnFBvf",
                     {{"preattestation", {{"level", 34}, {"round", 4}}},
                      {"block", {{"level", 34}, {"round", 4}}}}},
                    {pkh("secp256k1_0"), {{"attestation", {{"level", 50000}}}}}};
  dir.write("sig/watermark_v2/" + chain("sandbox") + ".json", doc.dump(4));
  return dir.file("sig");
}

// octez-signer's base dir with a block and an attestation mark of real signatures.
std::string write_octez_base(const TempDir& dir) {
  fs::create_directories(dir.file("octez"));
  const auto mark = [](const std::string& sig_id, const std::string& req_id) {
    const json& r = consensus(req_id);
    const json& v = sig_vector(sig_id);
    return json{{"level", r["watermark"]["level"]},
                {"round", r["watermark"]["round"]},
                {"hash", v["blake2b_256"]},
                {"signature", v["signature"]}};
  };
  dir.write("octez/block_high_watermark",
            json{{chain("mainnet"),
                  {{pkh("ed25519_1"), mark("ed25519_1/block", "block_mainnet_12180922_shape")}}}}
                .dump());
  dir.write("octez/attestation_high_watermark",
            json{{chain("mainnet"),
                  {{pkh("p256_1"), mark("p256_1/attestation", "attestation_mainnet_r0")}}}}
                .dump());
  dir.write("octez/secret_keys", "[]");
  return dir.file("octez");
}

TEST_F(WatermarkCli, ImportsSignatoryWatermarkV2) {
  const std::string src = write_signatory_base(dir_);
  auto r = cli("watermark import " + src);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Read 3 marks from " + src +
                       "/watermark_v2 (Signatory watermark_v2 files): raised 3, 0 already at or "
                       "below the stored marks\n");
  const json doc = json::parse(export_ok());
  const json expected = json::array({
      {{"chain", chain("sandbox")},
       {"pkh", pkh("secp256k1_0")},
       {"kind", "attestation"},
       {"level", 50000},
       {"round", 0},
       {"digest", nullptr},
       {"signature", nullptr}},
      {{"chain", chain("sandbox")},
       {"pkh", "tz1WGcYos3hL7GXYXjKrMnSFdkT7FyXnFBvf"},
       {"kind", "block"},
       {"level", 34},
       {"round", 4},
       {"digest", nullptr},
       {"signature", nullptr}},
      {{"chain", chain("sandbox")},
       {"pkh", "tz1WGcYos3hL7GXYXjKrMnSFdkT7FyXnFBvf"},
       {"kind", "preattestation"},
       {"level", 34},
       {"round", 4},
       {"digest", nullptr},
       {"signature", nullptr}},
  });
  // Same marks whatever the order (slot order sorts tz1 before tz2).
  ASSERT_EQ(doc["marks"].size(), 3u);
  for (const auto& m : expected)
    EXPECT_NE(std::find(doc["marks"].begin(), doc["marks"].end(), m), doc["marks"].end()) << m;
  // The watermark_v2 directory itself and --from work too; a second import raises nothing.
  r = cli("watermark import --from signatory " + src + "/watermark_v2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("raised 0, 3 already at or below"), std::string::npos) << r.out;
}

TEST_F(WatermarkCli, ImportsOctezSignerFiles) {
  const std::string src = write_octez_base(dir_);
  auto r = cli("watermark import " + src);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Read 2 marks from " + src +
                       " (octez-signer high watermark files): raised 2, 0 already at or below "
                       "the stored marks\n");
  const json doc = json::parse(export_ok());
  ASSERT_EQ(doc["marks"].size(), 2u);
  const json& block = sig_vector("ed25519_1/block");
  const json& att = sig_vector("p256_1/attestation");
  // tz1 sorts before tz3.
  EXPECT_EQ(doc["marks"][0], (json{{"chain", chain("mainnet")},
                                   {"pkh", pkh("ed25519_1")},
                                   {"kind", "block"},
                                   {"level", 12180922},
                                   {"round", 0},
                                   {"digest", block["blake2b_256"]},
                                   {"signature", block["signature"]}}));
  EXPECT_EQ(doc["marks"][1], (json{{"chain", chain("mainnet")},
                                   {"pkh", pkh("p256_1")},
                                   {"kind", "attestation"},
                                   {"level", 12180923},
                                   {"round", 0},
                                   {"digest", att["blake2b_256"]},
                                   {"signature", att["signature"]}}));
  // A single file, auto-detected by its name.
  TempDir other;
  r = cli("watermark import " + src + "/block_high_watermark", other.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Read 1 marks from " + src +
                       "/block_high_watermark (octez-signer high watermark files): raised 1, 0 "
                       "already at or below the stored marks\n");
}

TEST_F(WatermarkCli, ExportImportRoundTripsIntoAFreshBaseDir) {
  ASSERT_EQ(cli("watermark import " + write_signatory_base(dir_)).exit_code, 0);
  ASSERT_EQ(cli("watermark import " + write_octez_base(dir_)).exit_code, 0);
  ASSERT_EQ(cli("watermark set-floor --pkh " + pkh("bls12_381_0") + " --chain " +
                chain("ghostnet") + " --level 77")
                .exit_code,
            0);
  const std::string first = export_ok();
  ASSERT_EQ(json::parse(first)["marks"].size(), 8u);
  auto r = cli("watermark export -o " + dir_.file("marks.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Exported 8 marks to " + dir_.file("marks.json") + "\n");
  std::ifstream in(dir_.file("marks.json"));
  std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(written, first);

  const std::string fresh = mkdir("fresh");
  r = cli("watermark import " + dir_.file("marks.json"), fresh);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Read 8 marks from " + dir_.file("marks.json") +
                       " (mark document): raised 8, 0 already at or below the stored marks\n");
  EXPECT_EQ(export_ok(fresh), first);
  EXPECT_TRUE(fs::exists(fresh + "/watermark_log/marks.log"));
}

TEST_F(WatermarkCli, ImportNeverLowersAMark) {
  const std::string tz2 = pkh("secp256k1_1"), net = chain("mainnet");
  ASSERT_EQ(cli("watermark set-floor --pkh " + tz2 + " --chain " + net + " --level 1000").exit_code,
            0);
  const std::string before = export_ok();
  json doc = {{"format", "signatory-watermarks"},
              {"version", 1},
              {"marks",
               {{{"chain", net}, {"pkh", tz2}, {"kind", "block"}, {"level", 999}, {"round", 5}},
                {{"chain", net},
                 {"pkh", tz2},
                 {"kind", "attestation"},
                 {"level", 1000},
                 {"round", 3},
                 {"digest", std::string(64, 'a')},
                 {"signature", nullptr}}}}};
  dir_.write("lower.json", doc.dump());
  auto r = cli("watermark import --from json " + dir_.file("lower.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Read 2 marks from " + dir_.file("lower.json") +
                       " (mark document): raised 0, 2 already at or below the stored marks\n");
  EXPECT_EQ(export_ok(), before);
}

TEST_F(WatermarkCli, ImportErrorsNameTheProblemAndChangeNothing) {
  const std::string before = export_ok();
  dir_.write("bad.json",
             "{\"format\":\"signatory-watermarks\",\"version\":1,\"marks\":[{\"chain\":\"" +
                 chain("mainnet") + "\",\"pkh\":\"" + pkh("ed25519_0") +
                 "\",\"kind\":\"block\",\"level\":1.5,\"round\":0}]}");
  auto r = cli("watermark import " + dir_.file("bad.json"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: " + dir_.file("bad.json") +
                       ": marks[0].level: not an integer in the int32 range\n");
  r = cli("watermark import " + dir_.file("missing.json"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: watermark import: " + dir_.file("missing.json") +
                       ": no such file or directory\n");
  const std::string empty = mkdir("empty");
  r = cli("watermark import " + empty);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot tell the format of directory " + empty), std::string::npos) << r.err;
  write_signatory_base(dir_);
  write_octez_base(dir_);
  fs::copy(dir_.file("octez/block_high_watermark"), dir_.file("sig/block_high_watermark"));
  r = cli("watermark import " + dir_.file("sig"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("more than one signer format"), std::string::npos) << r.err;
  r = cli("watermark import --from yaml " + dir_.file("sig"));
  EXPECT_NE(r.exit_code, 0);
  r = cli("watermark import --from json " + dir_.file("octez"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
  EXPECT_EQ(export_ok(), before);
}

TEST_F(WatermarkCli, StoreHeldByARunningSignerIsAClearError) {
  // The `file` store's lock, held as a running `signatory` holds it.
  auto held = std::make_unique<watermark::FileWatermark>(dir_.path() + "/base");
  auto r = cli("watermark export");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is in use by another signer"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Stop the signer that uses base_dir " + dir_.path() + "/base"),
            std::string::npos)
      << r.err;
  r = cli("watermark set-floor --pkh " + pkh("ed25519_0") + " --chain " + chain("mainnet") +
          " --level 3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Stop the signer"), std::string::npos) << r.err;
  held.reset();
  EXPECT_EQ(cli("watermark set-floor --pkh " + pkh("ed25519_0") + " --chain " + chain("mainnet") +
                " --level 3")
                .exit_code,
            0);
}

// On a damaged log (issue 12) export refuses like the signer, while set-floor keeps what is
// readable, says what was damaged, writes its floors and rewrites the log.
TEST_F(WatermarkCli, SetFloorRepairsADamagedLogExportRefusesIt) {
  const std::string tz1 = pkh("ed25519_0"), net = chain("mainnet");
  ASSERT_EQ(cli("watermark set-floor --pkh " + tz1 + " --chain " + net + " --level 100").exit_code,
            0);
  const std::string log = dir_.path() + "/base/watermark_log/marks.log";
  fs::resize_file(log, 16);  // `truncate -s 16`
  auto r = cli("watermark export");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(log + ": the header at offset 0 is bad (file is shorter than its 32-byte "
                             "header; the file is 16 bytes)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("signatory-cli watermark set-floor"), std::string::npos) << r.err;
  r = cli("watermark set-floor --pkh " + tz1 + " --chain " + net + " --level 200");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("Watermark log damaged"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("unchanged"), std::string::npos) << r.out;
  const json doc = json::parse(export_ok());
  ASSERT_EQ(doc["marks"].size(), 3u);
  for (const auto& m : doc["marks"]) EXPECT_EQ(m["level"], 200);
}

TEST_F(WatermarkCli, MemStoreRefusesImportAndFloor) {
  dir_.write("mem.yaml", "base_dir: " + dir_.path() + "/base\nwatermark:\n  driver: mem\n");
  auto r = run_binary("signatory-cli", "-c " + dir_.file("mem.yaml") +
                                           " watermark set-floor --pkh " + pkh("ed25519_0") +
                                           " --chain " + chain("mainnet") + " --level 3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the watermark driver is `mem'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace signatory::testing
