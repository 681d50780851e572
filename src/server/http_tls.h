// TLS for the HTTP server: the server context built from PEM files (certificate chain, private
// key, and optionally the CA bundle that client certificates must chain to — then a client
// without a valid certificate fails the handshake), and the identity of a verified client
// certificate (RFC 2253 subject, SHA-256 fingerprint) handed to handlers in HttpRequest.
// Protocols below TLS 1.2 are disabled, and TLS 1.2 offers only ECDHE AEAD suites (Mozilla's
// "intermediate" profile); sessions resume (ids and tickets), with mutual TLS too. A context is immutable once built and is shared by
// every connection of a server (OpenSSL contexts are safe to use from several threads).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <vector>

typedef struct ssl_st SSL;

namespace signatory::server {

struct TlsFiles {
  std::string cert_file;       // PEM certificate chain, leaf first
  std::string key_file;        // PEM private key of the leaf certificate
  std::string client_ca_file;  // PEM CA bundle; non-empty = client certificates required
};

// Throws Error(BadRequest) naming the file and OpenSSL's reason when a file is missing or invalid
// or the key does not match the certificate.
std::shared_ptr<boost::asio::ssl::context> make_tls_server_context(const TlsFiles& files);

struct PeerCertificate {
  std::string subject;      // RFC 2253, e.g. "CN=baker,O=Example"
  std::string fingerprint;  // lowercase hex SHA-256 of the DER certificate
  // The identities the certificate names: subject commonName(s), then DNS and URI subject
  // alternative names, in certificate order. Only filled when the chain verified.
  std::vector<std::string> names;
};

// The client certificate of an established TLS session; empty fields when there is none.
PeerCertificate peer_certificate(SSL* ssl);

}  // namespace signatory::server
