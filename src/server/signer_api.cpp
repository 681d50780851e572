// Routes of the signer API (see signer_api.h).
#include "server/signer_api.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/log.h"
#include "server/http_error_body.h"

namespace signatory::server {
namespace {

std::string json_object(std::string_view key, std::string_view value) {
  std::string out = "{";
  append_go_json_string(out, key);
  out += ':';
  append_go_json_string(out, value);
  out += "}\n";
  return out;
}

HttpResponse plain(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

HttpResponse error_response(const Error& e) { return json_response(e.status(), http_error_body(e.what())); }

int parse_version(const HttpRequest& request) {
  auto v = request.query_param("version");
  if (v && *v == "0") return 0;
  if (v && *v == "1") return 1;
  return 2;
}

signer::Client client_of(const HttpRequest& request) {
  signer::Client client;
  client.address = request.remote_address;
  client.authentication = request.query_param("authentication");
  return client;
}

// "/keys/tz1…" → "tz1…" when `path` is `prefix` followed by exactly one segment.
std::optional<std::string_view> single_segment(std::string_view path, std::string_view prefix) {
  if (path.size() <= prefix.size() || path.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = path.substr(prefix.size());
  if (rest.find('/') != std::string_view::npos) return std::nullopt;
  return rest;
}

HttpResponse method_not_allowed() { return plain(405, ""); }

// POST /keys/{pkh}, counted in sign_handler_* metrics whatever its outcome.
HttpResponse sign(signer::Signer& signer, Metrics* metrics, const HttpRequest& request,
                  std::string_view pkh_text) {
  auto start = std::chrono::steady_clock::now();
  std::string address = "unknown";
  HttpResponse response;
  if (metrics) metrics->in_flight(1);
  try {
    tezos::PublicKeyHash pkh = tezos::PublicKeyHash::parse(pkh_text);
    address = pkh.to_base58();
    Bytes message = parse_sign_body(request.body);
    tezos::Signature sig = signer.sign(pkh, message, parse_version(request), client_of(request));
    response = json_response(200, json_object("signature", sig.to_base58()));
  } catch (const Error& e) {
    response = error_response(e);
  } catch (const std::exception& e) {
    log::error(std::string("Unexpected error while signing: ") + e.what());
    response = json_response(500, http_error_body(std::string("internal error: ") + e.what()));
  }
  if (metrics) {
    metrics->in_flight(-1);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    metrics->sign_handler(address, response.status, ms);
  }
  return response;
}

}  // namespace

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Bytes parse_sign_body(std::string_view body) {
  // Fast path: "<hex>" with optional surrounding whitespace.
  std::size_t b = body.find_first_not_of(" \t\r\n");
  std::size_t e = body.find_last_not_of(" \t\r\n");
  if (b != std::string_view::npos && e > b && body[b] == '"' && body[e] == '"') {
    std::string_view inner = body.substr(b + 1, e - b - 1);
    if (inner.find_first_of("\"\\") == std::string_view::npos) return from_hex(inner);
  }
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    if (b == std::string_view::npos) throw bad_request("invalid request body: empty body, expected a JSON string of hex");
    throw bad_request("invalid request body: not valid JSON, expected a JSON string of hex");
  }
  if (!doc.is_string())
    throw bad_request(std::string("invalid request body: expected a JSON string of hex, got ") +
                      doc.type_name());
  return from_hex(doc.get<std::string>());
}

HttpHandler make_signer_api(signer::Signer& signer, Metrics* metrics) {
  return [&signer, metrics](const HttpRequest& request) -> HttpResponse {
    try {
      const std::string& path = request.path;
      if (auto pkh_text = single_segment(path, "/keys/")) {
        if (request.method == "POST") return sign(signer, metrics, request, *pkh_text);
        if (request.method == "GET") {
          tezos::PublicKeyHash pkh = tezos::PublicKeyHash::parse(*pkh_text);
          return json_response(200, json_object("public_key", signer.public_key(pkh).to_base58()));
        }
        return method_not_allowed();
      }
      if (path == "/authorized_keys") {
        if (request.method != "GET") return method_not_allowed();
        auto hashes = signer.authorized_key_hashes();
        if (hashes.empty()) return json_response(200, "{}\n");
        std::string body = R"({"authorized_keys":[)";
        for (std::size_t i = 0; i < hashes.size(); ++i) {
          if (i) body += ',';
          append_go_json_string(body, hashes[i].to_base58());
        }
        return json_response(200, body + "]}\n");
      }
      if (auto pkh_text = single_segment(path, "/bls_prove_possession/")) {
        if (request.method != "GET") return method_not_allowed();
        tezos::PublicKeyHash pkh = tezos::PublicKeyHash::parse(*pkh_text);
        tezos::Signature proof = signer.prove_possession(pkh, client_of(request));
        return json_response(200, json_object("bls_prove_possession", proof.to_base58()));
      }
      return plain(404, "404 page not found\n");
    } catch (const Error& e) {
      return error_response(e);
    }
  };
}

}  // namespace signatory::server
