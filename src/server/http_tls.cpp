// TLS server context and client certificate identity (see http_tls.h).
#include "server/http_tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/bytes.h"
#include "common/error.h"

namespace signatory::server {
namespace {

namespace ssl = boost::asio::ssl;

[[noreturn]] void fail(const std::string& what, const std::string& file,
                       const boost::system::error_code& ec) {
  std::string reason = ec.message();
  throw bad_request("TLS: cannot load " + what + " from \"" + file + "\": " + reason);
}

std::string asn1_text(const ASN1_STRING* s) {
  if (s == nullptr) return {};
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0 || utf8 == nullptr) return {};
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  // A name with an embedded NUL is not a name (it could hide a suffix).
  return out.find('\0') == std::string::npos ? out : std::string();
}

std::vector<std::string> certificate_names(X509* cert) {
  std::vector<std::string> names;
  X509_NAME* subject = X509_get_subject_name(cert);
  for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;) {
    std::string cn = asn1_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
    if (!cn.empty()) names.push_back(std::move(cn));
  }
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(sans, i);
      std::string text;
      if (n->type == GEN_DNS) text = asn1_text(n->d.dNSName);
      if (n->type == GEN_URI) text = asn1_text(n->d.uniformResourceIdentifier);
      if (!text.empty()) names.push_back(std::move(text));
    }
    GENERAL_NAMES_free(sans);
  }
  return names;
}

// TLS 1.2 suites: the ECDHE AEAD suites of Mozilla's "intermediate" profile
// (https://wiki.mozilla.org/Security/Server_Side_TLS); no CBC, no SHA-1 MACs, no static RSA.
// TLS 1.3 suites are all AEAD (OpenSSL's default list).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Sessions are resumed (session ids and tickets) only by the context that made them. OpenSSL
// refuses to resume a session of a context that verifies client certificates unless a session
// id context is set (alert internal_error); the client certificate verified in the first
// handshake stays with the session, so a resumed connection carries the same identity.
constexpr unsigned char kSessionIdContext[] = "signatory-cpp";
constexpr unsigned char kMutualSessionIdContext[] = "signatory-cpp mtls";

}  // namespace

std::shared_ptr<ssl::context> make_tls_server_context(const TlsFiles& files) {
  if (files.cert_file.empty()) throw bad_request("TLS: no certificate file given");
  if (files.key_file.empty()) throw bad_request("TLS: no private key file given");
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  if (SSL_CTX_set_cipher_list(ctx->native_handle(), kTls12Ciphers) != 1) {
    ERR_clear_error();
    throw internal_error("TLS: this OpenSSL offers none of the TLS 1.2 AEAD cipher suites");
  }
  const bool mutual = !files.client_ca_file.empty();
  const unsigned char* sid = mutual ? kMutualSessionIdContext : kSessionIdContext;
  const std::size_t sid_len =
      (mutual ? sizeof kMutualSessionIdContext : sizeof kSessionIdContext) - 1;
  if (SSL_CTX_set_session_id_context(ctx->native_handle(), sid,
                                     static_cast<unsigned int>(sid_len)) != 1) {
    ERR_clear_error();
    throw internal_error("TLS: cannot set the session id context");
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(files.cert_file, ec);
  if (ec) fail("the certificate chain", files.cert_file, ec);
  ctx->use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) fail("the private key", files.key_file, ec);
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    throw bad_request("TLS: the private key in \"" + files.key_file +
                      "\" does not match the certificate in \"" + files.cert_file + "\"");
  }
  if (!files.client_ca_file.empty()) {
    ctx->load_verify_file(files.client_ca_file, ec);
    if (ec) fail("the client CA bundle", files.client_ca_file, ec);
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  } else {
    ctx->set_verify_mode(ssl::verify_none);
  }
  return ctx;
}

PeerCertificate peer_certificate(SSL* ssl) {
  PeerCertificate out;
  if (ssl == nullptr) return out;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return out;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &digest_len) == 1) {
    out.fingerprint = to_hex(ByteView(digest, digest_len));
  }
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
      char* data = nullptr;
      long len = BIO_get_mem_data(bio, &data);
      if (data != nullptr && len > 0) out.subject.assign(data, static_cast<std::size_t>(len));
    }
    BIO_free(bio);
  }
  if (SSL_get_verify_result(ssl) == X509_V_OK) out.names = certificate_names(cert);
  X509_free(cert);
  ERR_clear_error();
  return out;
}

}  // namespace signatory::server
