// AWS KMS JSON 1.1 client (see kms_client.h).
#include "aws/kms_client.h"

#include <sodium.h>

#include <algorithm>
#include <random>
#include <thread>
#include <unordered_set>

#include "aws/kms_error.h"
#include "aws/sigv4.h"
#include "common/base64.h"
#include "common/error.h"
#include "common/log.h"

namespace signatory::aws {
namespace {

using nlohmann::json;

std::chrono::milliseconds jittered_backoff(const KmsClientOptions& o, int attempt) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  long long ceiling = o.backoff_base.count();
  for (int i = 0; i < attempt && ceiling < o.backoff_cap.count(); ++i) ceiling *= 2;
  ceiling = std::min<long long>(ceiling, o.backoff_cap.count());
  std::uniform_int_distribution<long long> dist(0, std::max<long long>(ceiling, 0));
  return std::chrono::milliseconds(dist(rng));
}

// A member that must be a string; Error(UpstreamFailure) otherwise.
std::string string_member(const json& reply, const char* name, const std::string& op) {
  auto it = reply.find(name);
  if (it == reply.end() || !it->is_string()) {
    throw upstream_failure("AWS KMS " + op + " reply has no string `" + name + "'");
  }
  return it->get<std::string>();
}

// An optional string member: JSON null and absence both give "".
std::string optional_string(const json& reply, const char* name) {
  auto it = reply.find(name);
  if (it == reply.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

Bytes blob_member(const json& reply, const char* name, const std::string& op) {
  auto decoded = base64_decode(string_member(reply, name, op));
  if (!decoded)
    throw upstream_failure("AWS KMS " + op + " reply: `" + name + "' is not valid base64");
  return *decoded;
}

}  // namespace

KmsClient::KmsClient(KmsClientOptions options, Credentials credentials,
                     std::shared_ptr<HttpTransport> transport)
    : options_(std::move(options)),
      credentials_(std::move(credentials)),
      transport_(std::move(transport)) {
  if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
  if (!options_.sleep) {
    options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
  options_.max_attempts = std::max(1, options_.max_attempts);
}

json KmsClient::call(const std::string& operation, const json& body) {
  const std::string where = "AWS KMS " + operation + " at " + options_.endpoint.host_header;
  const std::string payload = body.dump();
  for (int attempt = 0;; ++attempt) {
    bool last = attempt + 1 >= options_.max_attempts;
    std::string failure;  // what went wrong with a retryable attempt

    SigningRequest req;
    req.method = "POST";
    req.path = options_.endpoint.path;
    req.headers = {{"Host", options_.endpoint.host_header},
                   {"Content-Type", "application/x-amz-json-1.1"},
                   {"X-Amz-Target", "TrentService." + operation}};
    req.body = payload;
    sign(req, credentials_, {options_.region, "kms", options_.clock()});

    HttpRequest http{options_.endpoint.url, std::move(req.headers), payload};
    struct HeaderWiper {  // the session token travels in a header
      HttpRequest* r;
      ~HeaderWiper() {
        for (auto& [name, value] : r->headers) {
          if (!value.empty()) sodium_memzero(value.data(), value.size());
        }
      }
    } wiper{&http};
    HttpResponse response;
    try {
      response = transport_->post(http);
    } catch (const Error& e) {  // no answer at all (see http_transport.h)
      std::string detail = sanitize_reply_text(e.what());
      if (last) {
        std::string attempts =
            " (" + std::to_string(attempt + 1) + " attempt" + (attempt == 0 ? "" : "s") + ")";
        if (e.code() == ErrorCode::UpstreamTimeout) {
          throw upstream_timeout(where + " did not answer in time: " + detail + attempts);
        }
        throw unavailable(where + " is unreachable: " + detail + attempts);
      }
      failure = detail;
    }

    if (failure.empty()) {
      if (response.status >= 200 && response.status < 300) {
        auto reply = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
        if (!reply.is_object()) {
          throw upstream_failure(where + " sent a reply that is not a JSON object (HTTP " +
                                 std::to_string(response.status) + ")");
        }
        return reply;
      }
      KmsErrorReply err = parse_error_reply(response);
      std::string text = where + " failed: " + (err.code.empty() ? "HTTP error" : err.code);
      if (!err.message.empty()) text += ": " + err.message;
      text += " (HTTP " + std::to_string(response.status) + ")";
      if (!is_retryable(response.status, err.code) || last) {
        if (last && is_retryable(response.status, err.code) && attempt > 0) {
          text += " after " + std::to_string(attempt + 1) + " attempts";
        }
        throw KmsError(error_code_for(response.status, err.code), err.code, text);
      }
      failure = text;
    }

    auto pause = jittered_backoff(options_, attempt);
    log::debug("retrying AWS KMS call", {{"operation", operation},
                                         {"attempt", std::to_string(attempt + 1)},
                                         {"error", failure},
                                         {"pause_ms", std::to_string(pause.count())}});
    options_.sleep(pause);
  }
}

KmsKeyListPage KmsClient::list_keys(const std::optional<std::string>& marker) {
  json body = json::object();
  if (marker) body["Marker"] = *marker;
  json reply = call("ListKeys", body);
  KmsKeyListPage page;
  auto keys = reply.find("Keys");
  if (keys != reply.end() && !keys->is_null()) {
    if (!keys->is_array()) throw upstream_failure("AWS KMS ListKeys reply: `Keys' is not a list");
    for (const auto& k : *keys) {
      if (!k.is_object())
        throw upstream_failure("AWS KMS ListKeys reply: a key entry is not an object");
      KmsKeyListEntry entry{optional_string(k, "KeyId"), optional_string(k, "KeyArn")};
      if (entry.key_id.empty() && entry.key_arn.empty()) {
        throw upstream_failure("AWS KMS ListKeys reply: a key entry has neither KeyId nor KeyArn");
      }
      if (entry.key_id.empty()) entry.key_id = entry.key_arn;
      page.keys.push_back(std::move(entry));
    }
  }
  auto truncated = reply.find("Truncated");
  bool is_truncated = truncated != reply.end() && truncated->is_boolean() && truncated->get<bool>();
  std::string next = optional_string(reply, "NextMarker");
  if (is_truncated) {
    if (next.empty()) {
      throw upstream_failure("AWS KMS ListKeys reply is truncated but has no NextMarker");
    }
    page.next_marker = next;
  }
  return page;
}

std::vector<KmsKeyListEntry> KmsClient::list_all_keys() {
  constexpr int kMaxPages = 10000;
  std::vector<KmsKeyListEntry> all;
  std::unordered_set<std::string> seen_markers;
  std::optional<std::string> marker;
  for (int page_no = 0;; ++page_no) {
    if (page_no >= kMaxPages) {
      throw upstream_failure("AWS KMS ListKeys returned more than " + std::to_string(kMaxPages) +
                             " pages");
    }
    KmsKeyListPage page = list_keys(marker);
    for (auto& k : page.keys) all.push_back(std::move(k));
    if (!page.next_marker) return all;
    if (!seen_markers.insert(*page.next_marker).second) {
      throw upstream_failure("AWS KMS ListKeys sent the same NextMarker twice");
    }
    marker = page.next_marker;
  }
}

KmsPublicKey KmsClient::get_public_key(const std::string& key_id) {
  json reply = call("GetPublicKey", {{"KeyId", key_id}});
  KmsPublicKey out;
  out.key_id = optional_string(reply, "KeyId");
  if (out.key_id.empty()) out.key_id = key_id;
  out.spki = blob_member(reply, "PublicKey", "GetPublicKey");
  out.key_spec = optional_string(reply, "KeySpec");
  if (out.key_spec.empty()) out.key_spec = optional_string(reply, "CustomerMasterKeySpec");
  out.key_usage = optional_string(reply, "KeyUsage");
  return out;
}

Bytes KmsClient::sign_digest(const std::string& key_id, const crypto::Digest32& digest) {
  json body = {{"KeyId", key_id},
               {"Message", base64_encode(digest)},
               {"MessageType", "DIGEST"},
               {"SigningAlgorithm", "ECDSA_SHA_256"}};
  json reply = call("Sign", body);
  std::string algorithm = optional_string(reply, "SigningAlgorithm");
  if (!algorithm.empty() && algorithm != "ECDSA_SHA_256") {
    throw upstream_failure("AWS KMS Sign reply uses algorithm " +
                           sanitize_reply_text(algorithm, 40) + ", expected ECDSA_SHA_256");
  }
  return blob_member(reply, "Signature", "Sign");
}

}  // namespace signatory::aws
