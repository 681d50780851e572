// Tests of the HTTP server over TLS (src/server/http_tls.h, the `tls` option of http_server.h):
// a throw-away CA, server and client certificates are made with OpenSSL in a temporary
// directory; a Boost.Asio TLS client talks to a server on 127.0.0.1:0.
#include "server/http_tls.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/error.h"
#include "server/http_server.h"

namespace signatory::server {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertDeleter {
  void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

Key new_key() {
  return Key(EVP_EC_gen("P-256"));
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `cn` with `key`, signed by (issuer, issuer_key), or self-signed.
Cert make_cert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca,
               long serial) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Signatory Test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (ca) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "CA:FALSE");
    add_ext(cert.get(), signer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  }
  X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256());
  return cert;
}

void write_pem(const fs::path& path, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  if (cert) PEM_write_X509(f, cert);
  if (key) PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
}

std::string sha256_fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  std::string out;
  char hex[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", md[i]);
    out += hex;
  }
  return out;
}

class HttpTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("signatory-http-tls-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    ca_key_ = new_key();
    ca_ = make_cert("Test CA", ca_key_.get(), nullptr, nullptr, true, 1);
    server_key_ = new_key();
    server_cert_ = make_cert("localhost", server_key_.get(), ca_.get(), ca_key_.get(), false, 2);
    client_key_ = new_key();
    client_cert_ = make_cert("baker", client_key_.get(), ca_.get(), ca_key_.get(), false, 3);
    Key stranger_ca_key = new_key();
    Cert stranger_ca = make_cert("Other CA", stranger_ca_key.get(), nullptr, nullptr, true, 4);
    stranger_key_ = new_key();
    stranger_cert_ = make_cert("intruder", stranger_key_.get(), stranger_ca.get(),
                               stranger_ca_key.get(), false, 5);
    write_pem(dir_ / "ca.pem", ca_.get(), nullptr);
    write_pem(dir_ / "server.pem", server_cert_.get(), nullptr);
    write_pem(dir_ / "server.key", nullptr, server_key_.get());
    write_pem(dir_ / "client.pem", client_cert_.get(), nullptr);
    write_pem(dir_ / "client.key", nullptr, client_key_.get());
    write_pem(dir_ / "stranger.pem", stranger_cert_.get(), nullptr);
    write_pem(dir_ / "stranger.key", nullptr, stranger_key_.get());
  }

  void TearDown() override {
    if (server_) {
      server_->stop_accepting();
      EXPECT_TRUE(server_->wait_idle(5s));
    }
    work_.reset();
    io_.stop();
    if (runner_.joinable()) runner_.join();
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void start(bool require_client_cert) {
    HttpServerOptions options;
    options.address = "127.0.0.1:0";
    options.read_timeout = 2000ms;
    TlsFiles files{(dir_ / "server.pem").string(), (dir_ / "server.key").string(),
                   require_client_cert ? (dir_ / "ca.pem").string() : ""};
    options.tls = files;
    server_ = std::make_unique<HttpServer>(io_, options, [](const HttpRequest& r) {
      HttpResponse out;
      out.body = nlohmann::json{{"path", r.path},
                                {"subject", r.client_cert_subject},
                                {"fingerprint", r.client_cert_fingerprint},
                                {"remote", r.remote_address}}
                     .dump();
      return out;
    });
    server_->start();
    runner_ = std::thread([this] { io_.run(); });
  }

  // One GET over TLS with an optional client certificate; the raw response, or "" when the
  // handshake or the exchange failed.
  std::string tls_get(const std::string& cert, const std::string& key) {
    net::io_context io;
    ssl::context ctx(ssl::context::tls_client);
    ctx.load_verify_file((dir_ / "ca.pem").string());
    ctx.set_verify_mode(ssl::verify_peer);
    if (!cert.empty()) {
      ctx.use_certificate_chain_file((dir_ / cert).string());
      ctx.use_private_key_file((dir_ / key).string(), ssl::context::pem);
    }
    ssl::stream<tcp::socket> stream(io, ctx);
    boost::system::error_code ec;
    stream.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()),
                                ec);
    if (ec) return "";
    stream.handshake(ssl::stream_base::client, ec);
    if (ec) return "";
    std::string request = "GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    net::write(stream, net::buffer(request), ec);
    if (ec) return "";
    std::string response;
    char buf[4096];
    for (;;) {
      std::size_t n = stream.read_some(net::buffer(buf), ec);
      response.append(buf, n);
      if (ec) break;
    }
    return response;
  }

  static nlohmann::json body_of(const std::string& response) {
    auto at = response.find("\r\n\r\n");
    if (at == std::string::npos) return nullptr;
    return nlohmann::json::parse(response.substr(at + 4), nullptr, false);
  }

  fs::path dir_;
  Key ca_key_, server_key_, client_key_, stranger_key_;
  Cert ca_, server_cert_, client_cert_, stranger_cert_;
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
  std::unique_ptr<HttpServer> server_;
  std::thread runner_;
};

TEST_F(HttpTlsTest, ServesOverTlsWithoutClientCertificate) {
  start(false);
  std::string response = tls_get("", "");
  ASSERT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  auto body = body_of(response);
  EXPECT_EQ(body["path"], "/whoami");
  EXPECT_EQ(body["subject"], "");
  EXPECT_EQ(body["fingerprint"], "");
  EXPECT_EQ(body["remote"], "127.0.0.1");
}

TEST_F(HttpTlsTest, VerifiedClientCertificateReachesTheHandler) {
  start(true);
  std::string response = tls_get("client.pem", "client.key");
  ASSERT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  auto body = body_of(response);
  EXPECT_EQ(body["subject"], "CN=baker,O=Signatory Test");
  EXPECT_EQ(body["fingerprint"], sha256_fingerprint(client_cert_.get()));
}

TEST_F(HttpTlsTest, ClientWithoutOrWithForeignCertificateIsRejected) {
  start(true);
  EXPECT_EQ(tls_get("", ""), "");
  EXPECT_EQ(tls_get("stranger.pem", "stranger.key"), "");
  // The server is still fine afterwards.
  EXPECT_EQ(tls_get("client.pem", "client.key").rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
}

TEST_F(HttpTlsTest, PlainHttpToTlsPortGetsNoAnswer) {
  start(false);
  tcp::iostream plain;
  plain.expires_after(5s);
  plain.connect("127.0.0.1", std::to_string(server_->port()));
  plain << "GET / HTTP/1.1\r\nHost: x\r\n\r\n" << std::flush;
  std::string line;
  std::getline(plain, line);
  EXPECT_EQ(line.rfind("HTTP/1.1 200", 0), std::string::npos) << line;
}

TEST_F(HttpTlsTest, BadFilesAreReportedByName) {
  TlsFiles files{(dir_ / "missing.pem").string(), (dir_ / "server.key").string(), ""};
  try {
    make_tls_server_context(files);
    FAIL() << "missing certificate accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    EXPECT_NE(std::string(e.what()).find("missing.pem"), std::string::npos) << e.what();
  }
  files = TlsFiles{(dir_ / "server.pem").string(), (dir_ / "client.key").string(), ""};
  try {
    make_tls_server_context(files);
    FAIL() << "mismatched key accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("client.key"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("mismatch"), std::string::npos) << e.what();
  }
  HttpServerOptions options;
  options.address = "127.0.0.1:0";
  options.tls = TlsFiles{(dir_ / "server.pem").string(), (dir_ / "server.key").string(),
                         (dir_ / "nope-ca.pem").string()};
  HttpServer server(io_, options, [](const HttpRequest&) { return HttpResponse{}; });
  EXPECT_THROW(server.start(), Error);
}

}  // namespace
}  // namespace signatory::server
