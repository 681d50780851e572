// The `awskms` vault driver: keys held in AWS KMS (asymmetric ECC_SECG_P256K1 → tz2 and
// ECC_NIST_P256 → tz3, key usage SIGN_VERIFY), as ECAD Labs' Signatory exposes them.
//
// `list` pages through ListKeys and calls GetPublicKey once per key it has not seen before,
// up to 16 of them at once; public keys are cached, so a sign request costs exactly one KMS
// call (Sign, MessageType DIGEST over blake2b-256 of the message). A key that cannot be used
// is skipped with one warning and remembered: a wrong usage or curve for the life of the
// vault, a key-level refusal (disabled, pending deletion, not found, no access) for 10
// minutes, during which it is neither asked for nor warned about again; a fault of the
// service (throttling, timeout) is warned about at each listing. Nothing about a single key
// aborts the listing. No GetPublicKey starts after 10 s of a listing: the keys left are
// described by the next one, so a listing (and start-up) takes a bounded time. At most
// `max_concurrent_calls` (default 32) calls to the vault's keys wait on KMS at once
// (Vault::max_concurrent_calls, signer/bulkhead.h). A key once listed stays cached for the
// life of the vault (as Signatory's key cache does): if it is disabled later, signing with it
// fails with 403 naming the KMS error, and a new process skips it. Signatures are normalised
// to low-S on secp256k1 and verified against the cached public key before they are returned.
//
// Config (`vaults.<name>.config`): `region` (else AWS_REGION / AWS_DEFAULT_REGION / the shared
// config file), `access_key_id` + `secret_access_key` [+ `session_token`] (else the environment
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, else the shared credentials
// file for AWS_PROFILE), `endpoint` (else AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL, else
// https://kms.<region>.amazonaws.com), `ca_file` (else AWS_CA_BUNDLE), `connect_timeout` and
// `timeout` (seconds), `max_attempts`, `max_concurrent_calls` (1..256), and `user_name`
// (accepted, unused). No instance metadata
// (IMDS) lookup is ever made.
//
// Thread safety: `list` may run concurrently with `sign` on any key and with other `list`
// calls (listings are serialised inside the vault).
#pragma once

#include <memory>

#include "aws/kms_client.h"
#include "config/config.h"
#include "vault/awskms/awskms_config.h"
#include "vault/registry.h"
#include "vault/vault.h"

namespace signatory::vault {

// Throws Error(BadRequest) "<file>:<line>: vaults.<name>.config.<key>: <reason>" for a bad config
// and Error(BadRequest) when no region or no credentials can be found. Makes no network call.
std::unique_ptr<Vault> open_awskms_vault(const config::VaultConfig& cfg, const VaultContext& ctx);

// The vault over an already configured client (tests inject a recorded transport this way).
std::unique_ptr<Vault> make_awskms_vault(std::shared_ptr<aws::KmsClient> client,
                                         AwsKmsVaultOptions options = {});

}  // namespace signatory::vault
