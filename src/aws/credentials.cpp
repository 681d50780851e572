// The static credential chain: vault config, environment, shared credentials file (see
// credentials.h).
#include "aws/credentials.h"

#include <cstdlib>

#include "aws/profile_file.h"
#include "common/error.h"

namespace signatory::aws {
namespace {

std::optional<std::string> non_empty(std::optional<std::string> v) {
  if (v && v->empty()) return std::nullopt;
  return v;
}

std::string shared_credentials_path(const EnvironmentReader& env) {
  if (auto p = non_empty(env("AWS_SHARED_CREDENTIALS_FILE"))) return *p;
  auto home = non_empty(env("HOME"));
  return (home ? *home : std::string()) + "/.aws/credentials";
}

}  // namespace

EnvironmentReader process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Credentials resolve_credentials(const ExplicitCredentials& explicit_keys,
                                const EnvironmentReader& env) {
  Credentials creds;

  // 1. Vault config.
  bool has_id = explicit_keys.access_key_id && !explicit_keys.access_key_id->empty();
  bool has_secret = explicit_keys.secret_access_key && !explicit_keys.secret_access_key->empty();
  if (has_id != has_secret) {
    throw bad_request(has_id ? "access_key_id is set but secret_access_key is not"
                             : "secret_access_key is set but access_key_id is not");
  }
  if (has_id) {
    creds.access_key_id = *explicit_keys.access_key_id;
    creds.secret_access_key = explicit_keys.secret_access_key->clone();
    if (explicit_keys.session_token) creds.session_token = explicit_keys.session_token->clone();
    creds.source = "vault config";
    return creds;
  }
  if (explicit_keys.session_token && !explicit_keys.session_token->empty()) {
    throw bad_request("session_token is set but access_key_id and secret_access_key are not");
  }

  // 2. Environment.
  auto env_id = non_empty(env("AWS_ACCESS_KEY_ID"));
  auto env_secret = non_empty(env("AWS_SECRET_ACCESS_KEY"));
  if (env_id && env_secret) {
    creds.access_key_id = *env_id;
    creds.secret_access_key = crypto::SecretBytes::from_string(*env_secret);
    if (auto token = non_empty(env("AWS_SESSION_TOKEN"))) {
      creds.session_token = crypto::SecretBytes::from_string(*token);
    }
    creds.source = "environment";
    return creds;
  }

  // 3. Shared credentials file.
  std::string profile = "default";
  if (auto p = non_empty(env("AWS_PROFILE"))) {
    profile = *p;
  } else if (auto d = non_empty(env("AWS_DEFAULT_PROFILE"))) {
    profile = *d;
  }
  std::string path = shared_credentials_path(env);
  if (auto file = read_profile_file(path, ProfileFileKind::Credentials)) {
    auto section = file->find(profile);
    if (section != file->end()) {
      const auto& kv = section->second;
      auto id = kv.find("aws_access_key_id");
      auto secret = kv.find("aws_secret_access_key");
      bool file_has_id = id != kv.end() && !id->second.empty();
      bool file_has_secret = secret != kv.end() && !secret->second.empty();
      if (file_has_id != file_has_secret) {
        throw bad_request("profile `" + profile + "' in " + path + " has " +
                          (file_has_id ? "aws_access_key_id but no aws_secret_access_key"
                                       : "aws_secret_access_key but no aws_access_key_id"));
      }
      if (file_has_id) {
        creds.access_key_id = id->second;
        creds.secret_access_key = crypto::SecretBytes::from_string(secret->second);
        auto token = kv.find("aws_session_token");
        if (token != kv.end() && !token->second.empty()) {
          creds.session_token = crypto::SecretBytes::from_string(token->second);
        }
        creds.source = "shared credentials file " + path + ", profile " + profile;
        return creds;
      }
    }
  }

  throw bad_request(
      "no AWS credentials found: set access_key_id and secret_access_key in the vault config, "
      "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or profile `" +
      profile + "' in " + path);
}

}  // namespace signatory::aws
