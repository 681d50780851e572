// Parsing and classification of KMS error replies (see kms_error.h).
#include "aws/kms_error.h"

#include <array>
#include <nlohmann/json.hpp>

namespace signatory::aws {
namespace {

std::string normalise_code(std::string code) {
  std::size_t colon = code.find(':');
  if (colon != std::string::npos) code.resize(colon);
  std::size_t hash = code.rfind('#');
  if (hash != std::string::npos) code = code.substr(hash + 1);
  while (!code.empty() && code.back() == ' ') code.pop_back();
  return code;
}

// Text of the first <tag>…</tag> in an XML body.
std::string xml_element(const std::string& body, const std::string& tag) {
  std::string open = "<" + tag + ">", close = "</" + tag + ">";
  std::size_t a = body.find(open);
  if (a == std::string::npos) return {};
  a += open.size();
  std::size_t b = body.find(close, a);
  if (b == std::string::npos) return {};
  return body.substr(a, b - a);
}

bool one_of(const std::string& code, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (code == n) return true;
  }
  return false;
}

}  // namespace

std::string sanitize_reply_text(std::string_view text, std::size_t max) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : ' ';
  }
  return out;
}

KmsErrorReply parse_error_reply(const HttpResponse& response) {
  KmsErrorReply reply;
  auto body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    auto type = body.find("__type");
    if (type != body.end() && type->is_string()) reply.code = type->get<std::string>();
    for (const char* key : {"message", "Message"}) {
      auto m = body.find(key);
      if (m != body.end() && m->is_string()) {
        reply.message = m->get<std::string>();
        break;
      }
    }
  } else if (response.body.find('<') != std::string::npos) {
    reply.code = xml_element(response.body, "Code");
    reply.message = xml_element(response.body, "Message");
  }
  if (reply.code.empty()) reply.code = response.header("X-Amzn-ErrorType");
  reply.code = sanitize_reply_text(normalise_code(reply.code), 100);
  reply.message = sanitize_reply_text(reply.message);
  return reply;
}

bool is_retryable(long http_status, const std::string& code) {
  if (http_status == 429 || http_status >= 500) return true;
  return one_of(
      code, {"ThrottlingException", "Throttling", "ThrottledException", "RequestThrottledException",
             "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled",
             "LimitExceededException", "SlowDown", "KMSInternalException",
             "DependencyTimeoutException", "ServiceUnavailable", "InternalFailure", "InternalError",
             "TransactionInProgressException", "PriorRequestNotComplete"});
}

ErrorCode error_code_for(long http_status, const std::string& code) {
  if (one_of(code, {"AccessDeniedException", "AccessDenied", "UnrecognizedClientException",
                    "InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature",
                    "MissingAuthenticationToken", "MissingAuthenticationTokenException",
                    "InvalidSignatureException", "ExpiredToken", "ExpiredTokenException",
                    "RequestExpired", "NotAuthorized", "NotAuthorizedException", "AuthFailure",
                    "InvalidAccessKeyId"})) {
    return ErrorCode::Forbidden;
  }
  if (code == "NotFoundException") return ErrorCode::NotFound;
  if (one_of(code, {"DisabledException", "KMSInvalidStateException", "KeyUnavailableException"})) {
    return ErrorCode::Forbidden;
  }
  if (is_retryable(http_status, code)) return ErrorCode::Unavailable;
  if (http_status == 401 || http_status == 403) return ErrorCode::Forbidden;
  return ErrorCode::UpstreamFailure;
}

}  // namespace signatory::aws
