// Routes of the signer API (see signer_api.h).
#include "server/signer_api.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "common/error.h"
#include "common/log.h"
#include "server/error_status.h"
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

HttpResponse error_response(const Error& e) {
  return json_response(http_status(e.code()), http_error_body(e.what()));
}

int parse_version(const HttpRequest& request) {
  auto v = request.query_param("version");
  if (v && *v == "0") return 0;
  if (v && *v == "1") return 1;
  return 2;
}

signer::Client client_of(const HttpRequest& request, std::optional<std::string> jwt_user) {
  signer::Client client;
  client.address = request.remote_address;
  client.authentication = request.query_param("authentication");
  client.jwt_user = std::move(jwt_user);
  client.certificate_names = request.client_cert_names;
  return client;
}

// "/keys/tz1…" → "tz1…" when `path` is `prefix` followed by exactly one segment.
std::optional<std::string_view> single_segment(std::string_view path, std::string_view prefix) {
  if (path.size() <= prefix.size() || path.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = path.substr(prefix.size());
  if (rest.find('/') != std::string_view::npos) return std::nullopt;
  return rest;
}

HttpResponse method_not_allowed() {
  return plain(405, "");
}

// POST /keys/{pkh}, counted in sign_handler_* metrics whatever its outcome. The `address`
// label is the pkh only for a key listed in `tezos:`; any other (not listed, not a pkh) is
// "unknown", so that the number of series is bounded by the configuration whatever clients
// send (docs/monitoring.md).
HttpResponse sign(signer::Signer& signer, Metrics* metrics, const HttpRequest& request,
                  std::string_view pkh_text, const signer::Client& client) {
  auto start = std::chrono::steady_clock::now();
  std::string address = "unknown";
  HttpResponse response;
  try {
    tezos::PublicKeyHash pkh = tezos::PublicKeyHash::parse(pkh_text);
    if (signer.config().policy_for(pkh)) address = pkh.to_base58();
    Bytes message = parse_sign_body(request.body);
    tezos::Signature sig = signer.sign(pkh, message, parse_version(request), client);
    response = json_response(200, json_object("signature", sig.to_base58()));
  } catch (const Error& e) {
    response = error_response(e);
  } catch (const std::exception& e) {
    log::error(std::string("Unexpected error while signing: ") + e.what());
    response = json_response(500, http_error_body(std::string("internal error: ") + e.what()));
  }
  if (metrics) {
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
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
    if (b == std::string_view::npos)
      throw bad_request("invalid request body: empty body, expected a JSON string of hex");
    throw bad_request("invalid request body: not valid JSON, expected a JSON string of hex");
  }
  if (!doc.is_string())
    throw bad_request(std::string("invalid request body: expected a JSON string of hex, got ") +
                      doc.type_name());
  return from_hex(doc.get<std::string>());
}

namespace {

enum class Route { Sign, PublicKey, AuthorizedKeys, ProvePossession, Login };

// The route of a request, or the answer when there is none (404, 405).
std::variant<Route, HttpResponse> route_of(const HttpRequest& request, bool jwt) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  if (single_segment(path, "/keys/")) {
    if (method == "POST") return Route::Sign;
    if (method == "GET") return Route::PublicKey;
    return method_not_allowed();
  }
  if (path == "/authorized_keys")
    return method == "GET" ? std::variant<Route, HttpResponse>(Route::AuthorizedKeys)
                           : method_not_allowed();
  if (single_segment(path, "/bls_prove_possession/"))
    return method == "GET" ? std::variant<Route, HttpResponse>(Route::ProvePossession)
                           : method_not_allowed();
  if (jwt && path == "/login")
    return method == "POST" ? std::variant<Route, HttpResponse>(Route::Login)
                            : method_not_allowed();
  return plain(404, "404 page not found\n");
}

// POST /login: 201 with the raw token, or 401 with Signatory's plain text.
HttpResponse login(const auth::JwtAuthenticator& jwt, Metrics* metrics,
                   const HttpRequest& request) {
  std::string user = request.header("username");
  try {
    return plain(201, jwt.login(user, request.header("password")));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::Unauthenticated) throw;
    log::warn(std::string("JWT: login refused: ") + e.what(),
              {{"user", user}, {"client", request.remote_address}});
    if (metrics) metrics->authentication_failed(e.code(), "jwt", request.remote_address);
    return plain(http_status(e.code()), e.what());
  }
}

HttpResponse dispatch(signer::Signer& signer, Metrics* metrics, const auth::JwtAuthenticator* jwt,
                      const HttpRequest& request) {
  auto route = route_of(request, jwt != nullptr);
  if (auto* answer = std::get_if<HttpResponse>(&route)) return std::move(*answer);
  Route r = std::get<Route>(route);
  if (r == Route::Login) return login(*jwt, metrics, request);

  std::optional<std::string> jwt_user;
  if (jwt) {
    try {
      jwt_user = jwt->authenticate(request.header("Authorization"), request.header("username"));
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Unauthenticated) throw;
      log::warn(std::string("JWT: request refused: ") + e.what(),
                {{"client", request.remote_address}, {"path", request.path}});
      if (metrics) metrics->authentication_failed(e.code(), "jwt", request.remote_address);
      return plain(http_status(e.code()), e.what());
    }
  }
  signer::Client client = client_of(request, std::move(jwt_user));

  try {
    switch (r) {
      case Route::Sign:
        return sign(signer, metrics, request, *single_segment(request.path, "/keys/"), client);
      case Route::PublicKey: {
        tezos::PublicKeyHash pkh =
            tezos::PublicKeyHash::parse(*single_segment(request.path, "/keys/"));
        return json_response(200, json_object("public_key", signer.public_key(pkh).to_base58()));
      }
      case Route::AuthorizedKeys: {
        auto hashes = signer.authorized_key_hashes();
        if (hashes.empty()) return json_response(200, "{}\n");
        std::string body = R"({"authorized_keys":[)";
        for (std::size_t i = 0; i < hashes.size(); ++i) {
          if (i) body += ',';
          append_go_json_string(body, hashes[i].to_base58());
        }
        return json_response(200, body + "]}\n");
      }
      case Route::ProvePossession: {
        tezos::PublicKeyHash pkh =
            tezos::PublicKeyHash::parse(*single_segment(request.path, "/bls_prove_possession/"));
        tezos::Signature proof = signer.prove_possession(pkh, client);
        return json_response(200, json_object("bls_prove_possession", proof.to_base58()));
      }
      case Route::Login:
        break;
    }
  } catch (const Error& e) {
    return error_response(e);
  }
  return plain(404, "404 page not found\n");
}

}  // namespace

namespace {

// Counts the request in signatory_requests_in_flight while `handle` runs.
template <typename Handle>
HttpResponse counted(Metrics* metrics, const Handle& handle) {
  if (!metrics) return handle();
  metrics->in_flight(1);
  try {
    HttpResponse response = handle();
    metrics->in_flight(-1);
    return response;
  } catch (...) {
    metrics->in_flight(-1);
    throw;
  }
}

}  // namespace

HttpHandler make_signer_api(signer::Signer& signer, Metrics* metrics,
                            const auth::JwtAuthenticator* jwt) {
  return [&signer, metrics, jwt](const HttpRequest& request) -> HttpResponse {
    return counted(metrics, [&] { return dispatch(signer, metrics, jwt, request); });
  };
}

HttpHandler make_signer_api(const signer::SnapshotHolder& snapshots, Metrics* metrics) {
  return [&snapshots, metrics](const HttpRequest& request) -> HttpResponse {
    return counted(metrics, [&] {
      // Once per request: a reload during the request does not change what answers it.
      const std::shared_ptr<const signer::SignerSnapshot> snapshot = snapshots.current();
      return dispatch(*snapshot->signer, metrics, snapshot->jwt.get(), request);
    });
  };
}

}  // namespace signatory::server
