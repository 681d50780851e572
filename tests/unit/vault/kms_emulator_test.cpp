// The awskms vault against a real HTTP peer: moto's KMS (wrapped by
// tests/system/kms/kms_emulator.py) on a free 127.0.0.1 port with SigV4 checking on, bootstrapped
// with boto3 by tests/system/kms/kms_fixture.py. Public keys come from boto3's GetPublicKey and
// every signature is verified with OpenSSL over libsodium's BLAKE2b, so nothing checks our code
// with our code. Skipped (with the reason) when python3 with moto, boto3 and cryptography is
// missing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sodium.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "common/error.h"
#include "fake_kms.h"
#include "openssl_ecdsa_check.h"
#include "vault/awskms/awskms_vault.h"

namespace signatory::vault {
namespace {

using aws::testing::Pkey;
using nlohmann::json;
using testing::compressed_point;
using testing::independently_valid;
using testing::s_is_low;

const std::string kFixture = std::string(SIGNATORY_SOURCE_DIR) + "/tests/system/kms/kms_fixture.py";

bool python_stack_available() {
  return std::system("python3 -c 'import moto, boto3, cryptography' >/dev/null 2>&1") == 0;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

json run_fixture(const std::vector<std::string>& args) {
  std::string cmd = "python3 " + shell_quote(kFixture);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed");
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int rc = pclose(p);
  if (rc != 0) throw std::runtime_error("kms_fixture.py failed: " + cmd);
  return json::parse(out);
}

struct Emulator {
  json info;
  pid_t pid = 0;
  explicit Emulator(const std::vector<std::string>& ops) {
    std::vector<std::string> args = {"start"};
    args.insert(args.end(), ops.begin(), ops.end());
    info = run_fixture(args);
    pid = info["pid"].get<pid_t>();
  }
  ~Emulator() { stop(); }
  void stop() {
    if (pid > 0) {
      kill(pid, SIGCONT);
      kill(pid, SIGKILL);
      pid = 0;
    }
  }
  std::string endpoint() const { return info["endpoint"]; }
  json key(std::size_t i) const { return info["results"][i]; }
  json ops(const std::vector<std::string>& args) const {
    std::vector<std::string> all = {endpoint(), info["user"]["access_key_id"],
                                    info["user"]["secret_access_key"]};
    all.insert(all.end(), args.begin(), args.end());
    return run_fixture(all);
  }
};

std::unique_ptr<Vault> open(const Emulator& emu, const std::string& akid, const std::string& secret,
                            const std::string& token = "",
                            std::map<std::string, std::string> extra = {}) {
  config::VaultConfig cfg;
  cfg.name = "awskms";
  cfg.driver = "awskms";
  std::map<std::string, std::string> options = std::move(extra);
  options["region"] = "us-east-1";
  options["endpoint"] = emu.endpoint();
  options["access_key_id"] = akid;
  options["secret_access_key"] = secret;
  if (!token.empty()) options["session_token"] = token;
  cfg.config = ConfigNode::from_scalars(options, "vaults.awskms.config");
  return open_awskms_vault(cfg, VaultContext{});
}

Pkey public_key_of(const json& key) {
  auto der = base64_decode(key["PublicKey"].get<std::string>());
  const unsigned char* p = der->data();
  return Pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size())));
}

Bytes payload(int i) {
  Bytes m(1 + 32 + 60);
  m[0] = 0x03;
  randombytes_buf(m.data() + 1, m.size() - 1);
  m[1] = static_cast<std::uint8_t>(i);
  return m;
}

std::map<std::string, std::shared_ptr<Key>> by_id(const std::vector<std::shared_ptr<Key>>& keys) {
  std::map<std::string, std::shared_ptr<Key>> out;
  for (const auto& k : keys) out[k->id()] = k;
  return out;
}

// The code of the Error `f` throws; nullopt when it throws none.
std::optional<ErrorCode> code_of(const std::function<void()>& f, std::string* msg = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (msg) *msg = e.what();
    return e.code();
  }
  return std::nullopt;
}

#define REQUIRE_PYTHON_STACK()                                                             \
  if (!python_stack_available()) {                                                         \
    GTEST_SKIP() << "python3 with moto, boto3 and cryptography is not installed: the KMS " \
                    "emulator test cannot run";                                            \
  }

TEST(KmsEmulator, SignsWithBothCurvesAndChecksCredentials) {
  REQUIRE_PYTHON_STACK();
  Emulator emu({"create-key", "ECC_SECG_P256K1", "create-key", "ECC_NIST_P256", "create-key",
                "SYMMETRIC_DEFAULT", "create-key", "ECC_NIST_P384", "create-key", "RSA_2048"});
  const json& user = emu.info["user"];
  auto vault = open(emu, user["access_key_id"], user["secret_access_key"]);
  auto keys = by_id(vault->list());
  ASSERT_EQ(keys.size(), 2u) << "only the secp256k1 and P-256 keys are usable";

  struct Expect {
    json key;
    tezos::KeyType type;
  } expected[] = {{emu.key(0), tezos::KeyType::Secp256k1}, {emu.key(1), tezos::KeyType::P256}};
  for (const auto& e : expected) {
    std::string arn = e.key["Arn"];
    ASSERT_TRUE(keys.count(arn)) << arn;
    auto key = keys[arn];
    Pkey pk = public_key_of(e.key);
    EXPECT_EQ(key->public_key().type(), e.type);
    EXPECT_EQ(key->public_key().bytes(), compressed_point(pk.get()));
    for (int i = 0; i < 20; ++i) {
      Bytes m = payload(i);
      tezos::Signature sig = key->sign(m, 2);
      EXPECT_TRUE(independently_valid(pk.get(), m, sig.bytes())) << arn << " #" << i;
      if (e.type == tezos::KeyType::Secp256k1) {
        EXPECT_TRUE(s_is_low(NID_secp256k1, sig.bytes())) << "high-S secp256k1 signature #" << i;
      }
    }
  }

  // Temporary credentials from sts:AssumeRole, with their session token.
  const json& session = emu.info["session"];
  auto session_vault =
      open(emu, session["access_key_id"], session["secret_access_key"], session["session_token"]);
  auto session_keys = session_vault->list();
  ASSERT_EQ(session_keys.size(), 2u);
  Bytes m = payload(99);
  for (const auto& e : expected) {
    Pkey pk = public_key_of(e.key);
    auto key = by_id(session_keys)[e.key["Arn"]];
    ASSERT_TRUE(key);
    EXPECT_TRUE(independently_valid(pk.get(), m, key->sign(m, 2).bytes()));
  }

  // A wrong secret and a wrong session token are refused by SigV4 checking.
  std::string msg;
  auto wrong_secret = open(emu, user["access_key_id"], "not-the-secret-0123456789");
  EXPECT_EQ(code_of([&] { wrong_secret->list(); }, &msg), ErrorCode::Forbidden);
  EXPECT_NE(msg.find("SignatureDoesNotMatch"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("not-the-secret"), std::string::npos) << msg;
  auto wrong_token = open(emu, session["access_key_id"], session["secret_access_key"], "bad-token");
  EXPECT_EQ(code_of([&] { wrong_token->list(); }, &msg), ErrorCode::Forbidden);
  EXPECT_EQ(msg.find("bad-token"), std::string::npos) << msg;
  // The keys listed with good credentials keep working.
  EXPECT_TRUE(independently_valid(public_key_of(emu.key(1)).get(), m,
                                  keys[emu.key(1)["Arn"]]->sign(m, 2).bytes()));
}

TEST(KmsEmulator, KeyStatesAndOutages) {
  REQUIRE_PYTHON_STACK();
  Emulator emu({"create-key", "ECC_NIST_P256", "create-key", "ECC_SECG_P256K1", "create-key",
                "ECC_NIST_P256"});
  const json& user = emu.info["user"];
  std::string a = emu.key(0)["Arn"], b = emu.key(1)["Arn"], c = emu.key(2)["Arn"];
  auto vault = open(emu, user["access_key_id"], user["secret_access_key"], "",
                    {{"timeout", "2s"}, {"connect_timeout", "1s"}, {"max_attempts", "2"}});
  auto keys = by_id(vault->list());
  ASSERT_EQ(keys.size(), 3u);

  emu.ops({"disable-key", emu.key(0)["KeyId"], "schedule-deletion", emu.key(2)["KeyId"]});
  Bytes m = payload(1);
  std::string msg;
  EXPECT_EQ(code_of([&] { keys[a]->sign(m, 2); }, &msg), ErrorCode::Forbidden);
  EXPECT_NE(msg.find("DisabledException"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(AWSKMS/" + a + ")"), std::string::npos) << msg;
  EXPECT_EQ(code_of([&] { keys[c]->sign(m, 2); }, &msg), ErrorCode::Forbidden);
  EXPECT_NE(msg.find("KMSInvalidStateException"), std::string::npos) << msg;
  Pkey pk_b = public_key_of(emu.key(1));
  EXPECT_TRUE(independently_valid(pk_b.get(), m, keys[b]->sign(m, 2).bytes()));

  // A fresh vault (a new `signatory-cli list`, a restarted server) skips both; the running
  // vault keeps the keys it has cached, and signing with them fails as above.
  auto fresh = by_id(open(emu, user["access_key_id"], user["secret_access_key"])->list());
  EXPECT_EQ(fresh.size(), 1u);
  EXPECT_TRUE(fresh.count(b));
  EXPECT_EQ(vault->list().size(), 3u);

  // The emulator stops answering (stopped, its socket still accepting): a timeout → 504,
  // bounded by timeout × max_attempts; then it recovers.
  kill(emu.pid, SIGSTOP);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(code_of([&] { keys[b]->sign(m, 2); }, &msg), ErrorCode::UpstreamTimeout);
  auto elapsed = std::chrono::steady_clock::now() - start;
  kill(emu.pid, SIGCONT);
  EXPECT_NE(msg.find("did not answer in time"), std::string::npos) << msg;
  EXPECT_LT(elapsed, std::chrono::seconds(10));
  EXPECT_TRUE(independently_valid(pk_b.get(), m, keys[b]->sign(m, 2).bytes()));

  // The emulator is gone: connection refused → 503.
  emu.stop();
  EXPECT_EQ(code_of([&] { keys[b]->sign(m, 2); }, &msg), ErrorCode::Unavailable);
  EXPECT_NE(msg.find("is unreachable"), std::string::npos) << msg;
}

}  // namespace
}  // namespace signatory::vault
