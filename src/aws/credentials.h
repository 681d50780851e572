// AWS credentials and where they come from. `Credentials` holds an access key id (an
// identifier, not a secret) and the secret access key and optional session token in
// crypto::SecretBytes; `source` says where they were found, for logs ("vault config",
// "environment", "shared credentials file /root/.aws/credentials, profile default").
//
// `resolve_credentials` follows the SDKs' order, without the network-based providers (no EC2
// instance metadata, no ECS endpoint, no web identity, no SSO):
//   1. explicit keys from the vault config (`access_key_id` + `secret_access_key`, with
//      `session_token` if given);
//   2. the environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   3. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials) for
//      the profile AWS_PROFILE (else AWS_DEFAULT_PROFILE, else `default`): aws_access_key_id,
//      aws_secret_access_key, aws_session_token.
// A session token always comes from the same source as the keys it belongs to.
//
// Credentials are immutable once resolved; safe to read from several threads.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/secret_bytes.h"

namespace signatory::aws {

struct Credentials {
  std::string access_key_id;
  crypto::SecretBytes secret_access_key;
  crypto::SecretBytes session_token;  // empty for long-term keys
  std::string source;
};

// Reads an environment variable; nullopt when unset. Injected so tests need not touch the
// process environment.
using EnvironmentReader = std::function<std::optional<std::string>(std::string_view name)>;
EnvironmentReader process_environment();

struct ExplicitCredentials {
  std::optional<std::string> access_key_id;
  std::optional<crypto::SecretBytes> secret_access_key;
  std::optional<crypto::SecretBytes> session_token;
};

// Throws Error(BadRequest) naming the half-configured pair ("access_key_id is set but
// secret_access_key is not") or, when no source has keys, listing the sources it tried.
Credentials resolve_credentials(const ExplicitCredentials& explicit_keys,
                                const EnvironmentReader& env);

}  // namespace signatory::aws
