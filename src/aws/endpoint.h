// Where the signer reaches AWS KMS: the region (which also goes into every SigV4 credential
// scope) and the endpoint URL.
//
// Region: the vault config's `region`, else AWS_REGION, else AWS_DEFAULT_REGION, else the
// `region` of the profile (AWS_PROFILE, else `default`) in the shared config file
// (AWS_CONFIG_FILE, else ~/.aws/config).
// Endpoint: the vault config's `endpoint`, else AWS_ENDPOINT_URL_KMS, else AWS_ENDPOINT_URL
// (both ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), else
// https://kms.<region>.amazonaws.com (amazonaws.com.cn for cn-* regions). A custom endpoint
// replaces scheme, host and port; the signing region is unchanged.
//
// Values; pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aws/credentials.h"

namespace signatory::aws {

struct Endpoint {
  std::string url;          // what the HTTP client connects to, e.g. "http://127.0.0.1:4566/"
  std::string scheme;       // "http" | "https"
  std::string host_header;  // host, with ":port" only when not the scheme's default
  std::string path = "/";   // request path (KMS always posts to "/")
};

// Parses "http[s]://host[:port][/path]". Throws Error(BadRequest) naming what is wrong (scheme
// other than http/https, missing host, bad port, userinfo, query or fragment).
Endpoint parse_endpoint(std::string_view url);

// Throws Error(BadRequest) when no source gives a region or the region is not of the form
// [a-z0-9-]+ ("us-east-1").
std::string resolve_region(const std::optional<std::string>& configured,
                           const EnvironmentReader& env);

Endpoint resolve_kms_endpoint(const std::optional<std::string>& configured,
                              const std::string& region, const EnvironmentReader& env);

}  // namespace signatory::aws
