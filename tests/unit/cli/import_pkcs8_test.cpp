// `signatory-cli import -f key.pem` with PKCS#8 keys made by OpenSSL (`openssl genpkey`), for
// the three curves Tezos signs with, plain and encrypted: imported into a file vault and a mem
// vault, the public keys listed are the ones `openssl pkey -pubout` gives (compared as raw key
// bytes). Every bad file is refused with an error naming the problem, and nothing is written.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "crypto/pkcs8.h"
#include "crypto/secret_file.h"
#include "test_support.h"
#include "tezos/keys.h"
#include "vault/local/mem_vault.h"

namespace signatory::testing {
namespace {

struct Curve {
  std::string name;          // the -o name of the key, and the file stem
  std::string genpkey_args;  // for `openssl genpkey`
  tezos::KeyType type;
  std::size_t key_bytes;  // raw public key at the end of the SPKI: 32, or 33 compressed
};

const std::vector<Curve> kCurves = {
    {"ed25519", "-algorithm ed25519", tezos::KeyType::Ed25519, 32},
    {"secp256k1",
     "-algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -pkeyopt ec_param_enc:named_curve",
     tezos::KeyType::Secp256k1, 33},
    {"p256", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve",
     tezos::KeyType::P256, 33},
};
const std::string kPassword = "correct horse battery staple";

void openssl(const std::string& args) {
  auto r = run_shell("openssl " + args);
  ASSERT_EQ(r.exit_code, 0) << "openssl " << args << ": " << r.err;
}

// `openssl genpkey` into dir/<stem>.pem, encrypted (AES-256-CBC, PBKDF2) when asked.
std::string make_key(const TempDir& dir, const std::string& stem, const std::string& args,
                     bool encrypted = false) {
  const std::string file = dir.file(stem + ".pem");
  openssl("genpkey " + args + (encrypted ? " -aes-256-cbc -pass 'pass:" + kPassword + "'" : "") +
          " -out " + file);
  return file;
}

// The raw public key of a PEM private key, as OpenSSL computes it (SPKI DER, compressed EC
// point, its last bytes).
Bytes openssl_public_key(const std::string& pem, const Curve& curve, bool encrypted) {
  TempDir dir;
  openssl("pkey -in " + pem + (encrypted ? " -passin 'pass:" + kPassword + "'" : "") +
          " -pubout -outform DER" +
          (curve.type == tezos::KeyType::Ed25519 ? "" : " -ec_conv_form compressed") + " -out " +
          dir.file("pub.der"));
  const std::string der = read_file(dir.file("pub.der"));
  if (der.size() < curve.key_bytes) return {};
  return Bytes(der.end() - static_cast<std::ptrdiff_t>(curve.key_bytes), der.end());
}

std::string file_vault_config(const TempDir& dir) {
  return "base_dir: " + dir.path() +
         "\nvaults:\n  local:\n    driver: file\n    config:\n"
         "      file: " +
         dir.file("secret_keys") + "\n  scratch:\n    driver: mem\n";
}

TEST(ImportPkcs8, OpensslKeysOfEveryCurveIntoAFileVault) {
  TempDir dir;
  dir.write("signatory.yaml", file_vault_config(dir));
  const std::string cfg = "-c " + dir.file("signatory.yaml");
  std::map<std::string, Bytes> expected;  // key name → OpenSSL's public key
  for (const auto& curve : kCurves)
    for (bool encrypted : {false, true}) {
      const std::string name = curve.name + (encrypted ? "-encrypted" : "-plain");
      const std::string pem = make_key(dir, name, curve.genpkey_args, encrypted);
      expected[name] = openssl_public_key(pem, curve, encrypted);
      ASSERT_EQ(expected[name].size(), curve.key_bytes);
      auto r =
          run_binary("signatory-cli", cfg + " import --vault local -f " + pem + " -o name:" + name +
                                          (encrypted ? " --password '" + kPassword + "'" : ""));
      ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
      EXPECT_EQ(r.out, "");  // as the base58 import: nothing on stdout
      EXPECT_NE(r.err.find("Successfully imported"), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find("BEGIN"), std::string::npos) << r.err;
    }
  auto list = run_binary("signatory-cli", cfg + " list --format json");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto keys = nlohmann::json::parse(list.out);
  ASSERT_EQ(keys.size(), expected.size()) << list.out;
  for (const auto& key : keys) {
    const std::string id = key["id"];
    ASSERT_TRUE(expected.count(id)) << id;
    const auto pk = tezos::PublicKey::parse(key["public_key"].get<std::string>());
    EXPECT_EQ(pk.bytes(), expected[id]) << id;
    EXPECT_EQ(key["public_key_hash"], pk.hash().to_base58());
    EXPECT_EQ(key["vault"], "File");
  }
}

TEST(ImportPkcs8, IntoAMemVaultThroughTheBinary) {
  TempDir dir;
  dir.write("signatory.yaml", file_vault_config(dir));
  for (const auto& curve : kCurves) {
    const std::string pem = make_key(dir, curve.name, curve.genpkey_args, true);
    const tezos::PublicKey pk(curve.type, openssl_public_key(pem, curve, true));
    auto r = run_binary("signatory-cli", "-c " + dir.file("signatory.yaml") +
                                             " import --vault scratch --password '" + kPassword +
                                             "' --from " + pem);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(
        r.err.find("msg=\"Successfully imported\" pkh=" + pk.hash().to_base58() + " vault=Mem"),
        std::string::npos)
        << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("secret_keys")));
}

TEST(ImportPkcs8, IntoAMemVaultThroughVaultImport) {
  // The parser's keys go through Vault::import_key, as the CLI does, and list back with
  // OpenSSL's public keys.
  TempDir dir;
  config::VaultConfig vc;
  vc.name = "scratch";
  vc.driver = "mem";
  auto vault = vault::open_mem_vault(vc, {});
  std::vector<Bytes> expected;
  for (const auto& curve : kCurves) {
    const std::string pem = make_key(dir, curve.name, curve.genpkey_args, true);
    expected.push_back(openssl_public_key(pem, curve, true));
    int asked = 0;
    auto keys = crypto::parse_pkcs8_pem(crypto::read_secret_file(pem).as_string(), pem, [&] {
      ++asked;
      return crypto::SecretBytes::from_string(kPassword);
    });
    EXPECT_EQ(asked, 1);
    ASSERT_EQ(keys.size(), 1u);
    vault->import_key(tezos::SecretKey::from_secret(curve.type, std::move(keys[0].secret)),
                      curve.name);
  }
  const auto listed = vault->list();
  ASSERT_EQ(listed.size(), kCurves.size());
  for (std::size_t i = 0; i < listed.size(); ++i) {
    EXPECT_EQ(listed[i]->public_key().type(), kCurves[i].type);
    EXPECT_EQ(listed[i]->public_key().bytes(), expected[i]) << kCurves[i].name;
    EXPECT_EQ(listed[i]->id(), kCurves[i].name);
  }
}

TEST(ImportPkcs8, PlainKeyNeedsNoPasswordAndPemTextWorksAsAnArgument) {
  TempDir dir;
  dir.write("signatory.yaml", file_vault_config(dir));
  const std::string pem = make_key(dir, "p256", kCurves[2].genpkey_args);
  const Bytes expected = openssl_public_key(pem, kCurves[2], false);
  // Signatory reads PEM text given as the secret-key argument too.
  auto r = run_binary("signatory-cli", "-c " + dir.file("signatory.yaml") +
                                           " import --vault local \"$(cat " + pem + ")\"");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto list =
      run_binary("signatory-cli", "-c " + dir.file("signatory.yaml") + " list --format json");
  const auto keys = nlohmann::json::parse(list.out);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(tezos::PublicKey::parse(keys[0]["public_key"].get<std::string>()).bytes(), expected);
}

TEST(ImportPkcs8, SeveralKeysInOneFile) {
  TempDir dir;
  dir.write("signatory.yaml", file_vault_config(dir));
  const std::string a = make_key(dir, "a", kCurves[0].genpkey_args);
  const std::string b = make_key(dir, "b", kCurves[1].genpkey_args);
  dir.write("both.pem", read_file(a) + read_file(b));
  const std::string cfg = "-c " + dir.file("signatory.yaml");
  // One name cannot name two keys: refused before anything is stored.
  auto r = run_binary("signatory-cli",
                      cfg + " import --vault local -o name:x -f " + dir.file("both.pem"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("names one key, but there are 2"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("secret_keys")));
  r = run_binary("signatory-cli", cfg + " import --vault local -f " + dir.file("both.pem"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto keys = nlohmann::json::parse(run_binary("signatory-cli", cfg + " list --format json").out);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(tezos::PublicKey::parse(keys[0]["public_key"].get<std::string>()).bytes(),
            openssl_public_key(a, kCurves[0], false));
  EXPECT_EQ(tezos::PublicKey::parse(keys[1]["public_key"].get<std::string>()).bytes(),
            openssl_public_key(b, kCurves[1], false));
}

// A bad file (`args` is "-f FILE …"): exit 1, an error naming the problem, the vault's file
// untouched, and nothing of the file's body (nor a secret key argument) in the message.
void expect_refused(const TempDir& dir, const std::string& args, const std::string& problem) {
  const std::string before = read_file(dir.file("secret_keys"));
  auto r = run_binary("signatory-cli",
                      "-c " + dir.file("signatory.yaml") + " import --vault local " + args);
  EXPECT_EQ(r.exit_code, 1) << args;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("Error: "), std::string::npos) << args << ": " << r.err;
  EXPECT_NE(r.err.find(problem), std::string::npos) << args << ": " << r.err;
  EXPECT_EQ(r.err.find("Successfully imported"), std::string::npos) << r.err;
  std::istringstream body(read_file(args.substr(3, args.find(' ', 3) - 3)));
  for (std::string line; std::getline(body, line);)
    if (line.size() >= 16 && line.rfind("-----", 0) != 0) {
      EXPECT_EQ(r.err.find(line), std::string::npos) << "file text in the error: " << r.err;
    }
  std::istringstream words(args);
  for (std::string word; words >> word;)
    if (word.rfind("edsk", 0) == 0) {
      EXPECT_EQ(r.err.find(word), std::string::npos) << "secret key in the error: " << r.err;
    }
  EXPECT_EQ(read_file(dir.file("secret_keys")), before) << args;
}

TEST(ImportPkcs8, BadFilesAreRefusedAndNothingIsWritten) {
  TempDir dir;
  dir.write("signatory.yaml", file_vault_config(dir));
  // One good key first, so "nothing written" means "the file is unchanged".
  const std::string good = make_key(dir, "good", kCurves[0].genpkey_args);
  ASSERT_EQ(run_binary("signatory-cli",
                       "-c " + dir.file("signatory.yaml") + " import --vault local -f " + good)
                .exit_code,
            0);
  ASSERT_FALSE(read_file(dir.file("secret_keys")).empty());

  dir.write("text.pem", "this is not a key\n");
  expect_refused(dir, "-f " + dir.file("text.pem"), "text.pem: not a PEM file");
  expect_refused(dir, "-f " + dir.file("missing.pem"), "cannot read " + dir.file("missing.pem"));

  const std::string p384 = make_key(dir, "p384", "-algorithm EC -pkeyopt ec_paramgen_curve:P-384");
  expect_refused(dir, "-f " + p384, "unsupported EC curve P-384 (1.3.132.0.34)");
  const std::string rsa = make_key(dir, "rsa", "-algorithm RSA -pkeyopt rsa_keygen_bits:1024");
  expect_refused(dir, "-f " + rsa, "unsupported key algorithm RSA (1.2.840.113549.1.1.1)");
  const std::string ed448 = make_key(dir, "ed448", "-algorithm ed448");
  expect_refused(dir, "-f " + ed448, "unsupported key algorithm Ed448 (1.3.101.113)");
  const std::string x25519 = make_key(dir, "x25519", "-algorithm x25519");
  expect_refused(dir, "-f " + x25519, "unsupported key algorithm X25519 (1.3.101.110)");
  const std::string explicit_curve = make_key(dir, "explicit",
                                              "-algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
                                              "-pkeyopt ec_param_enc:explicit");
  expect_refused(dir, "-f " + explicit_curve, "EC key without a named curve");

  const std::string encrypted = make_key(dir, "enc", kCurves[1].genpkey_args, true);
  expect_refused(dir, "-f " + encrypted + " --password wrong",
                 "enc.pem: wrong password for the encrypted private key");
  // No --password and no terminal to ask on.
  expect_refused(dir, "-f " + encrypted, "no input: standard input is closed");

  // Not PKCS#8: OpenSSL's traditional (SEC1 / PKCS#1) forms, a public key.
  const std::string p256 = make_key(dir, "p256", kCurves[2].genpkey_args);
  openssl("pkey -in " + p256 + " -traditional -out " + dir.file("sec1.pem"));
  expect_refused(dir, "-f " + dir.file("sec1.pem"), "`EC PRIVATE KEY' block (SEC1) is not PKCS#8");
  openssl("pkey -in " + rsa + " -traditional -out " + dir.file("pkcs1.pem"));
  expect_refused(dir, "-f " + dir.file("pkcs1.pem"), "an RSA private key");
  openssl("pkey -in " + p256 + " -pubout -out " + dir.file("public.pem"));
  expect_refused(dir, "-f " + dir.file("public.pem"),
                 "a `PUBLIC KEY' PEM block is not a PKCS#8 private key");

  // Damaged: a broken base64 line, a truncated structure.
  std::string text = read_file(p256);
  text[40] = '*';
  dir.write("broken.pem", text);
  expect_refused(dir, "-f " + dir.file("broken.pem"), "damaged");
  openssl("pkcs8 -topk8 -nocrypt -in " + p256 + " -outform DER -out " + dir.file("p256.der"));
  const std::string der = read_file(dir.file("p256.der"));
  dir.write("short.der", der.substr(0, der.size() - 10));
  ASSERT_EQ(
      run_shell("(echo '-----BEGIN PRIVATE KEY-----'; openssl base64 -in " + dir.file("short.der") +
                "; echo '-----END PRIVATE KEY-----') > " + dir.file("short.pem"))
          .exit_code,
      0);
  expect_refused(dir, "-f " + dir.file("short.pem"), "damaged PRIVATE KEY block");

  // A public key in the file that is not the private key's: another P-256 key's point (the
  // last 65 bytes of the structure) put in its place.
  const std::string other = make_key(dir, "other", kCurves[2].genpkey_args);
  openssl("pkcs8 -topk8 -nocrypt -in " + other + " -outform DER -out " + dir.file("other.der"));
  const std::string other_der = read_file(dir.file("other.der"));
  ASSERT_EQ(der.size(), other_der.size());
  std::string mismatched = der.substr(0, der.size() - 65) + other_der.substr(other_der.size() - 65);
  ASSERT_EQ(mismatched[mismatched.size() - 65], '\x04');  // an uncompressed point
  dir.write("mismatch.der", mismatched);
  ASSERT_EQ(run_shell("(echo '-----BEGIN PRIVATE KEY-----'; openssl base64 -in " +
                      dir.file("mismatch.der") + "; echo '-----END PRIVATE KEY-----') > " +
                      dir.file("mismatch.pem"))
                .exit_code,
            0);
  expect_refused(dir, "-f " + dir.file("mismatch.pem"),
                 "the public key in the file is not the one its private key gives");

  // A good key followed by a bad one: neither is stored.
  dir.write("good-then-bad.pem", read_file(p256) + read_file(p384));
  expect_refused(dir, "-f " + dir.file("good-then-bad.pem"), "P-384");

  // -f and secret keys together.
  expect_refused(dir, "-f " + p256 + " edsk3REH79xaoCkNizrDo8cY4WYwEkrFLTAdjb1pjcP9yQora4qE3Y",
                 "give either secret keys or --from FILE, not both");
}

TEST(ImportPkcs8, VaultsThatCannotImportSaySo) {
  // KMS cannot import; its endpoint here is a closed local port (nothing is contacted).
  TempDir dir;
  dir.write("signatory.yaml",
            "base_dir: " + dir.path() +
                "\nvaults:\n  kms:\n    driver: awskms\n"
                "    config:\n      region: us-east-1\n      endpoint: http://127.0.0.1:9\n"
                "      access_key_id: AKIDEXAMPLE\n      secret_access_key: not-a-secret\n");
  const std::string pem = make_key(dir, "p256", kCurves[2].genpkey_args);
  auto r = run_binary("signatory-cli",
                      "-c " + dir.file("signatory.yaml") + " import --vault kms -f " + pem);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("doesn't support import operation"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace signatory::testing
