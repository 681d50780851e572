// Region and KMS endpoint resolution (see endpoint.h).
#include "aws/endpoint.h"

#include <algorithm>
#include <cctype>

#include "aws/profile_file.h"
#include "common/error.h"

namespace signatory::aws {
namespace {

std::optional<std::string> non_empty(std::optional<std::string> v) {
  if (v && v->empty()) return std::nullopt;
  return v;
}

bool valid_region(std::string_view r) {
  return !r.empty() && r.size() <= 64 && std::all_of(r.begin(), r.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

Endpoint parse_endpoint(std::string_view url) {
  auto fail = [&](const std::string& why) -> Error {
    return bad_request("invalid endpoint `" + std::string(url) + "': " + why);
  };
  Endpoint ep;
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos)
    throw fail("expected http://host[:port] or https://host[:port]");
  ep.scheme = lower(url.substr(0, sep));
  if (ep.scheme != "http" && ep.scheme != "https") throw fail("scheme must be http or https");
  std::string_view rest = url.substr(sep + 3);
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "/" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) throw fail("user information is not allowed");
  if (path.find_first_of("?#") != std::string_view::npos) {
    throw fail("query and fragment are not allowed");
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) throw fail("contains a space or a control or non-ASCII character");
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) throw fail("unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw fail("unexpected text after the IPv6 address");
      port = after.substr(1);
    }
  } else {
    std::size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) throw fail("empty port");
    }
  }
  if (host.empty() || host == "[]") throw fail("missing host");
  std::string default_port = ep.scheme == "https" ? "443" : "80";
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) ||
        std::stoul(std::string(port)) == 0 || std::stoul(std::string(port)) > 65535) {
      throw fail("port must be a number from 1 to 65535");
    }
  }
  ep.host_header = lower(host);
  if (!port.empty() && std::to_string(std::stoul(std::string(port))) != default_port) {
    ep.host_header.push_back(':');
    ep.host_header.append(std::to_string(std::stoul(std::string(port))));
  }
  ep.path = std::string(path);
  ep.url = ep.scheme + "://" + ep.host_header + ep.path;
  return ep;
}

std::string resolve_region(const std::optional<std::string>& configured,
                           const EnvironmentReader& env) {
  std::optional<std::string> region = non_empty(configured);
  std::string from = "vault config `region'";
  if (!region) {
    if ((region = non_empty(env("AWS_REGION")))) from = "AWS_REGION";
  }
  if (!region) {
    if ((region = non_empty(env("AWS_DEFAULT_REGION")))) from = "AWS_DEFAULT_REGION";
  }
  if (!region) {
    std::string path;
    if (auto p = non_empty(env("AWS_CONFIG_FILE"))) {
      path = *p;
    } else {
      auto home = non_empty(env("HOME"));
      path = (home ? *home : std::string()) + "/.aws/config";
    }
    std::string profile = non_empty(env("AWS_PROFILE"))
                              .value_or(non_empty(env("AWS_DEFAULT_PROFILE")).value_or("default"));
    if (auto file = read_profile_file(path, ProfileFileKind::Config)) {
      auto section = file->find(profile);
      if (section != file->end()) {
        auto r = section->second.find("region");
        if (r != section->second.end() && !r->second.empty()) {
          region = r->second;
          from = path;
        }
      }
    }
  }
  if (!region) {
    throw bad_request("no AWS region: set `region' in the vault config (or AWS_REGION)");
  }
  if (!valid_region(*region)) {
    throw bad_request("invalid AWS region `" + *region + "' (from " + from +
                      "): expected a name like us-east-1");
  }
  return *region;
}

Endpoint resolve_kms_endpoint(const std::optional<std::string>& configured,
                              const std::string& region, const EnvironmentReader& env) {
  if (auto url = non_empty(configured)) return parse_endpoint(*url);
  auto ignore = non_empty(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"));
  if (!ignore || lower(*ignore) != "true") {
    if (auto url = non_empty(env("AWS_ENDPOINT_URL_KMS"))) return parse_endpoint(*url);
    if (auto url = non_empty(env("AWS_ENDPOINT_URL"))) return parse_endpoint(*url);
  }
  std::string suffix = region.rfind("cn-", 0) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
  return parse_endpoint("https://kms." + region + "." + suffix + "/");
}

}  // namespace signatory::aws
