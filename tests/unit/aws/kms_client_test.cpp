// KMS JSON 1.1 client (src/aws/kms_client.h) against scripted replies shaped like real KMS
// and moto replies: the request wire format (checked once against a botocore-made vector),
// ListKeys pagination over several pages, error parsing and the status each error maps to,
// bounded retries with backoff only where retrying makes sense, and malformed replies.
#include "aws/kms_client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aws/kms_error.h"
#include "common/base64.h"
#include "scripted_transport.h"

namespace signatory::aws {
namespace {

using nlohmann::json;
using testing::header_of;
using testing::reply;
using testing::ScriptedTransport;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Fixture {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::vector<std::chrono::milliseconds> sleeps;
  std::unique_ptr<KmsClient> client;

  explicit Fixture(std::string endpoint = "https://kms.us-east-1.amazonaws.com/", int attempts = 3,
                   std::string token = "") {
    KmsClientOptions o;
    o.region = "us-east-1";
    o.endpoint = parse_endpoint(endpoint);
    o.max_attempts = attempts;
    // 2015-08-30T12:36:00Z, the suite's time.
    o.clock = [] { return std::chrono::system_clock::from_time_t(1440938160); };
    o.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
    Credentials c;
    c.access_key_id = "AKIDEXAMPLE";
    c.secret_access_key =
        crypto::SecretBytes::from_string("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    if (!token.empty()) c.session_token = crypto::SecretBytes::from_string(token);
    client = std::make_unique<KmsClient>(std::move(o), std::move(c), transport);
  }
};

// The code of the Error `f` throws; nullopt when it throws none.
std::optional<ErrorCode> code_of(const std::function<void()>& f, std::string* message = nullptr,
                                 std::string* code = nullptr) {
  try {
    f();
  } catch (const KmsError& e) {
    if (message) *message = e.what();
    if (code) *code = e.aws_code();
    return e.code();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return std::nullopt;
}

TEST(KmsClient, ListKeysRequestMatchesBotocoreVector) {
  // tests/vectors/sigv4-kms/kms-list-keys-empty-body: ListKeys with body {} signed by botocore.
  auto dir = std::filesystem::path(SIGNATORY_TESTDATA) / "sigv4-kms" / "kms-list-keys-empty-body";
  Fixture f;
  f.transport->push(reply(200, R"({"Keys":[],"Truncated":false})"));
  f.client->list_keys(std::nullopt);
  auto reqs = f.transport->requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].url, "https://kms.us-east-1.amazonaws.com/");
  EXPECT_EQ(reqs[0].body, "{}");
  EXPECT_EQ(header_of(reqs[0], "Host"), "kms.us-east-1.amazonaws.com");
  EXPECT_EQ(header_of(reqs[0], "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(header_of(reqs[0], "X-Amz-Target"), "TrentService.ListKeys");
  EXPECT_EQ(header_of(reqs[0], "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(header_of(reqs[0], "Authorization"), read_file(dir / "kms-list-keys-empty-body.authz"));
  EXPECT_EQ(header_of(reqs[0], "X-Amz-Security-Token"), "");
}

TEST(KmsClient, SessionTokenIsSentAndSigned) {
  Fixture f("http://127.0.0.1:4566", 3, "session-token-value");
  f.transport->push(reply(200, R"({"Keys":[]})"));
  f.client->list_keys(std::nullopt);
  auto r = f.transport->requests().at(0);
  EXPECT_EQ(r.url, "http://127.0.0.1:4566/");
  EXPECT_EQ(header_of(r, "Host"), "127.0.0.1:4566");
  EXPECT_EQ(header_of(r, "X-Amz-Security-Token"), "session-token-value");
  EXPECT_NE(
      header_of(r, "Authorization")
          .find("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,"),
      std::string::npos);
}

TEST(KmsClient, ListKeysFollowsNextMarkerAcrossPages) {
  // Three pages as real KMS sends them (NextMarker only while Truncated), the last one in
  // moto's spelling (NextMarker null).
  Fixture f;
  f.transport->push(reply(200, R"({"Keys":[
      {"KeyArn":"arn:aws:kms:us-east-2:111122223333:key/0b7fd7f8-2d3c-4b6f-9a3d-0f1e2a3b4c5d","KeyId":"0b7fd7f8-2d3c-4b6f-9a3d-0f1e2a3b4c5d"},
      {"KeyArn":"arn:aws:kms:us-east-2:111122223333:key/1c8ae8a9-3e4d-4c7a-8b4e-1a2b3c4d5e6f","KeyId":"1c8ae8a9-3e4d-4c7a-8b4e-1a2b3c4d5e6f"}],
    "NextMarker":"AE0AAAACAHZ0eXBlAAAAA2tleQAAAAF","Truncated":true})"));
  f.transport->push(reply(200, R"({"Keys":[
      {"KeyArn":"arn:aws:kms:us-east-2:111122223333:key/2d9bf9ba-4f5e-4d8b-9c5f-2b3c4d5e6f70","KeyId":"2d9bf9ba-4f5e-4d8b-9c5f-2b3c4d5e6f70"}],
    "NextMarker":"AE0AAAACAHZ0eXBlAAAAA2tleQAAAAG","Truncated":true})"));
  f.transport->push(reply(200, R"({"Keys":[
      {"KeyArn":"arn:aws:kms:us-east-2:111122223333:key/3eacaacb-5a6f-4e9c-ad60-3c4d5e6f7081","KeyId":"3eacaacb-5a6f-4e9c-ad60-3c4d5e6f7081"}],
    "NextMarker":null,"Truncated":false})",
                          {{"Content-Type", "text/html; charset=utf-8"}}));
  auto keys = f.client->list_all_keys();
  ASSERT_EQ(keys.size(), 4u);
  EXPECT_EQ(keys[0].key_id, "0b7fd7f8-2d3c-4b6f-9a3d-0f1e2a3b4c5d");
  EXPECT_EQ(keys[2].key_arn,
            "arn:aws:kms:us-east-2:111122223333:key/2d9bf9ba-4f5e-4d8b-9c5f-2b3c4d5e6f70");
  EXPECT_EQ(keys[3].key_id, "3eacaacb-5a6f-4e9c-ad60-3c4d5e6f7081");
  auto reqs = f.transport->requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(json::parse(reqs[0].body), json::object());
  EXPECT_EQ(json::parse(reqs[1].body), json({{"Marker", "AE0AAAACAHZ0eXBlAAAAA2tleQAAAAF"}}));
  EXPECT_EQ(json::parse(reqs[2].body), json({{"Marker", "AE0AAAACAHZ0eXBlAAAAA2tleQAAAAG"}}));
}

TEST(KmsClient, BrokenPaginationIsAnErrorNotALoop) {
  Fixture f;
  f.transport->push(reply(200, R"({"Keys":[],"Truncated":true})"));
  std::string msg;
  EXPECT_EQ(code_of([&] { f.client->list_all_keys(); }, &msg), ErrorCode::UpstreamFailure);
  EXPECT_NE(msg.find("no NextMarker"), std::string::npos) << msg;

  Fixture g;
  for (int i = 0; i < 3; ++i) {
    g.transport->push(
        reply(200, R"({"Keys":[{"KeyId":"a"}],"NextMarker":"same","Truncated":true})"));
  }
  EXPECT_EQ(code_of([&] { g.client->list_all_keys(); }, &msg), ErrorCode::UpstreamFailure);
  EXPECT_NE(msg.find("same NextMarker twice"), std::string::npos) << msg;
}

TEST(KmsClient, SignSendsDigestRequest) {
  Fixture f;
  Bytes der = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02};
  f.transport->push(reply(200, json({{"KeyId", "arn:aws:kms:us-east-1:111122223333:key/k"},
                                     {"Signature", base64_encode(der)},
                                     {"SigningAlgorithm", "ECDSA_SHA_256"}})
                                   .dump()));
  crypto::Digest32 digest{};
  for (std::size_t i = 0; i < digest.size(); ++i) digest[i] = static_cast<std::uint8_t>(i);
  Bytes got = f.client->sign_digest("arn:aws:kms:us-east-1:111122223333:key/k", digest);
  EXPECT_EQ(got, der);
  auto r = f.transport->requests().at(0);
  EXPECT_EQ(header_of(r, "X-Amz-Target"), "TrentService.Sign");
  // The same fields as the botocore-made kms-sign-digest vector (digest bytes 00..1f).
  EXPECT_EQ(json::parse(r.body), json({{"KeyId", "arn:aws:kms:us-east-1:111122223333:key/k"},
                                       {"Message", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="},
                                       {"MessageType", "DIGEST"},
                                       {"SigningAlgorithm", "ECDSA_SHA_256"}}));
}

TEST(KmsClient, GetPublicKeyToleratesMotoShapes) {
  Fixture f;
  f.transport->push(
      reply(200, R"({"CustomerMasterKeySpec":"ECC_SECG_P256K1","EncryptionAlgorithms":null,
      "KeyId":"5f0c1f7e-2a4b-4c8d-9e0f-1a2b3c4d5e6f","KeyUsage":"SIGN_VERIFY","PublicKey":"AAEC",
      "SigningAlgorithms":["ECDSA_SHA_256"]})"));
  KmsPublicKey pk = f.client->get_public_key("5f0c1f7e-2a4b-4c8d-9e0f-1a2b3c4d5e6f");
  EXPECT_EQ(pk.key_spec, "ECC_SECG_P256K1");
  EXPECT_EQ(pk.key_usage, "SIGN_VERIFY");
  EXPECT_EQ(pk.spki, (Bytes{0, 1, 2}));
  EXPECT_EQ(pk.key_id, "5f0c1f7e-2a4b-4c8d-9e0f-1a2b3c4d5e6f");
}

TEST(KmsClient, ErrorRepliesAreParsedAndMapped) {
  struct Case {
    HttpResponse response;
    const char* code;
    ErrorCode error;
    const char* text;
  } cases[] = {
      {reply(
           400,
           R"({"__type":"com.amazonaws.kms#NotFoundException","message":"Key 'arn:aws:kms:us-east-1:1:key/x' does not exist"})"),
       "NotFoundException", ErrorCode::NotFound,
       "Key 'arn:aws:kms:us-east-1:1:key/x' does not exist"},
      {reply(
           400,
           R"({"__type":"DisabledException","Message":"arn:aws:kms:us-east-1:1:key/x is disabled."})"),
       "DisabledException", ErrorCode::Forbidden, "is disabled."},
      {reply(
           400,
           R"({"__type":"KMSInvalidStateException:http://internal.amazon.com/coral/","message":"pending deletion"})"),
       "KMSInvalidStateException", ErrorCode::Forbidden, "pending deletion"},
      {reply(400, R"({"message":"User is not authorized"})",
             {{"X-Amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/coral/"}}),
       "AccessDeniedException", ErrorCode::Forbidden, "User is not authorized"},
      {reply(
           400,
           R"({"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."})"),
       "UnrecognizedClientException", ErrorCode::Forbidden, "security token"},
      {reply(403,
             "<?xml version=\"1.0\"?><ErrorResponse><Error><Code>SignatureDoesNotMatch</Code>"
             "<Message>The request signature we calculated does not match the signature you "
             "provided.</Message>"
             "</Error></ErrorResponse>"),
       "SignatureDoesNotMatch", ErrorCode::Forbidden, "does not match"},
      {reply(
           400,
           R"({"__type":"ValidationException","message":"Digest is invalid length for algorithm ECDSA_SHA_256."})"),
       "ValidationException", ErrorCode::UpstreamFailure, "invalid length"},
      {reply(400, "not json at all\x01\x02"), "", ErrorCode::UpstreamFailure, "HTTP error"},
  };
  for (auto& c : cases) {
    Fixture f;
    f.transport->push(c.response);
    std::string msg, code;
    EXPECT_EQ(code_of([&] { f.client->get_public_key("k"); }, &msg, &code), c.error) << msg;
    EXPECT_EQ(code, c.code) << msg;
    EXPECT_NE(msg.find(c.text), std::string::npos) << msg;
    EXPECT_NE(msg.find("AWS KMS GetPublicKey at kms.us-east-1.amazonaws.com failed"),
              std::string::npos)
        << msg;
    EXPECT_EQ(f.transport->requests().size(), 1u) << "client errors are not retried: " << msg;
    EXPECT_EQ(msg.find('\x01'), std::string::npos);
  }
}

TEST(KmsClient, ThrottlingIsRetriedWithJitteredBackoff) {
  Fixture f;
  f.transport->push(reply(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})"));
  f.transport->push(reply(500, R"({"__type":"KMSInternalException","message":"oops"})"));
  f.transport->push(reply(200, R"({"Keys":[{"KeyId":"a","KeyArn":"arn:a"}],"Truncated":false})"));
  auto page = f.client->list_keys(std::nullopt);
  ASSERT_EQ(page.keys.size(), 1u);
  EXPECT_EQ(f.transport->requests().size(), 3u);
  ASSERT_EQ(f.sleeps.size(), 2u);
  EXPECT_LE(f.sleeps[0].count(), 100);  // full jitter in [0, base]
  EXPECT_LE(f.sleeps[1].count(), 200);  // then [0, 2·base]
  for (const auto& r : f.transport->requests()) {
    EXPECT_FALSE(header_of(r, "Authorization").empty());  // every attempt is signed
  }
}

TEST(KmsClient, ThrottlingThatPersistsGives503) {
  Fixture f;
  for (int i = 0; i < 5; ++i) {
    f.transport->push(reply(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})"));
  }
  std::string msg;
  EXPECT_EQ(code_of([&] { f.client->list_keys(std::nullopt); }, &msg), ErrorCode::Unavailable);
  EXPECT_NE(msg.find("ThrottlingException: Rate exceeded (HTTP 400) after 3 attempts"),
            std::string::npos)
      << msg;
  EXPECT_EQ(f.transport->requests().size(), 3u);
  EXPECT_EQ(f.sleeps.size(), 2u);

  Fixture g;
  for (int i = 0; i < 3; ++i) g.transport->push(reply(503, "<html>Service Unavailable</html>"));
  EXPECT_EQ(code_of([&] { g.client->list_keys(std::nullopt); }, &msg), ErrorCode::Unavailable);
  EXPECT_NE(msg.find("(HTTP 503)"), std::string::npos) << msg;
}

TEST(KmsClient, TransportFailures) {
  Fixture f;
  f.transport->push(upstream_timeout("Operation timed out after 2000 milliseconds"));
  f.transport->push(unavailable("Failed to connect to 127.0.0.1 port 1"));
  f.transport->push(reply(200, R"({"Keys":[]})"));
  EXPECT_NO_THROW(f.client->list_keys(std::nullopt));
  EXPECT_EQ(f.transport->requests().size(), 3u);

  Fixture t("https://kms.us-east-1.amazonaws.com/", 2);
  t.transport->push(unavailable("refused"));
  t.transport->push(upstream_timeout("Operation timed out"));
  std::string msg;
  EXPECT_EQ(code_of([&] { t.client->list_keys(std::nullopt); }, &msg), ErrorCode::UpstreamTimeout);
  EXPECT_NE(msg.find("did not answer in time"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(2 attempts)"), std::string::npos) << msg;

  Fixture c("https://kms.us-east-1.amazonaws.com/", 1);
  c.transport->push(unavailable("Failed to connect"));
  EXPECT_EQ(code_of([&] { c.client->list_keys(std::nullopt); }, &msg), ErrorCode::Unavailable);
  EXPECT_NE(msg.find("is unreachable: Failed to connect (1 attempt)"), std::string::npos) << msg;
  EXPECT_TRUE(c.sleeps.empty());
}

TEST(KmsClient, MalformedSuccessRepliesGive502) {
  const char* bodies[] = {"<html>ok</html>", "[]", R"({"KeyId":"k"})",
                          R"({"KeyId":"k","PublicKey":"%%%"})", R"({"KeyId":"k","PublicKey":12})"};
  for (const char* body : bodies) {
    Fixture f;
    f.transport->push(reply(200, body));
    std::string msg;
    EXPECT_EQ(code_of([&] { f.client->get_public_key("k"); }, &msg), ErrorCode::UpstreamFailure)
        << body;
  }
  Fixture s;
  s.transport->push(reply(200, R"({"Signature":"AAEC","SigningAlgorithm":"RSASSA_PSS_SHA_256"})"));
  std::string msg;
  EXPECT_EQ(code_of([&] { s.client->sign_digest("k", crypto::Digest32{}); }, &msg),
            ErrorCode::UpstreamFailure);
  EXPECT_NE(msg.find("RSASSA_PSS_SHA_256"), std::string::npos);
}

}  // namespace
}  // namespace signatory::aws
