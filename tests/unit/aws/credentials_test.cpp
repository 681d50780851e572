// Credential, region and endpoint resolution (src/aws/credentials.h, src/aws/endpoint.h) with an
// injected environment and shared files written to a temporary directory: the order of the
// sources, a session token staying with its keys, half-configured pairs, and endpoint parsing.
#include "aws/credentials.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "aws/endpoint.h"
#include "aws/profile_file.h"
#include "common/error.h"

namespace signatory::aws {
namespace {

namespace fs = std::filesystem;

struct Env {
  std::map<std::string, std::string, std::less<>> vars;
  EnvironmentReader reader() const {
    return [this](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("aws-creds-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(path / ".aws");
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& rel, const std::string& text) const {
    std::ofstream(path / rel, std::ios::binary) << text;
  }
};

std::string secret_of(const Credentials& c) {
  return std::string(c.secret_access_key.as_string());
}
std::string token_of(const Credentials& c) {
  return std::string(c.session_token.as_string());
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest);
    return e.what();
  }
  return "(no error)";
}

TEST(Credentials, ConfigWinsOverEnvironmentAndKeepsItsOwnToken) {
  TempDir home;
  Env env{{{"HOME", home.path.string()},
           {"AWS_ACCESS_KEY_ID", "AKIAENV"},
           {"AWS_SECRET_ACCESS_KEY", "env-secret"},
           {"AWS_SESSION_TOKEN", "env-token"}}};
  ExplicitCredentials cfg;
  cfg.access_key_id = "AKIACONFIG";
  cfg.secret_access_key = crypto::SecretBytes::from_string("config-secret");
  Credentials c = resolve_credentials(cfg, env.reader());
  EXPECT_EQ(c.access_key_id, "AKIACONFIG");
  EXPECT_EQ(secret_of(c), "config-secret");
  EXPECT_EQ(token_of(c), "");  // the environment's token belongs to the environment's keys
  EXPECT_EQ(c.source, "vault config");

  cfg.session_token = crypto::SecretBytes::from_string("config-token");
  EXPECT_EQ(token_of(resolve_credentials(cfg, env.reader())), "config-token");
}

TEST(Credentials, EnvironmentThenSharedFile) {
  TempDir home;
  home.write(
      ".aws/credentials",
      "# comment\n[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = file-secret\n\n"
      "[baker]\naws_access_key_id=AKIABAKER\r\naws_secret_access_key=baker-secret\r\n"
      "aws_session_token = baker-token\r\n");
  Env env{{{"HOME", home.path.string()},
           {"AWS_ACCESS_KEY_ID", "AKIAENV"},
           {"AWS_SECRET_ACCESS_KEY", "env-secret"},
           {"AWS_SESSION_TOKEN", "env-token"}}};
  Credentials c = resolve_credentials({}, env.reader());
  EXPECT_EQ(c.access_key_id, "AKIAENV");
  EXPECT_EQ(token_of(c), "env-token");
  EXPECT_EQ(c.source, "environment");

  env.vars.erase("AWS_ACCESS_KEY_ID");  // half an environment pair is ignored
  c = resolve_credentials({}, env.reader());
  EXPECT_EQ(c.access_key_id, "AKIAFILE");
  EXPECT_EQ(secret_of(c), "file-secret");
  EXPECT_EQ(token_of(c), "");
  EXPECT_NE(c.source.find("profile default"), std::string::npos);

  env.vars["AWS_PROFILE"] = "baker";
  c = resolve_credentials({}, env.reader());
  EXPECT_EQ(c.access_key_id, "AKIABAKER");
  EXPECT_EQ(secret_of(c), "baker-secret");
  EXPECT_EQ(token_of(c), "baker-token");

  // AWS_SHARED_CREDENTIALS_FILE replaces ~/.aws/credentials.
  home.write("other", "[baker]\naws_access_key_id=AKIAOTHER\naws_secret_access_key=o\n");
  env.vars["AWS_SHARED_CREDENTIALS_FILE"] = (home.path / "other").string();
  EXPECT_EQ(resolve_credentials({}, env.reader()).access_key_id, "AKIAOTHER");
}

TEST(Credentials, MissingOrHalfConfigured) {
  TempDir home;
  Env env{{{"HOME", home.path.string()}}};
  std::string msg = error_of([&] { resolve_credentials({}, env.reader()); });
  EXPECT_NE(msg.find("no AWS credentials found"), std::string::npos) << msg;
  EXPECT_NE(msg.find((home.path / ".aws/credentials").string()), std::string::npos) << msg;

  ExplicitCredentials only_id;
  only_id.access_key_id = "AKIA";
  EXPECT_EQ(error_of([&] { resolve_credentials(only_id, env.reader()); }),
            "access_key_id is set but secret_access_key is not");
  ExplicitCredentials only_secret;
  only_secret.secret_access_key = crypto::SecretBytes::from_string("s3cr3t-value");
  msg = error_of([&] { resolve_credentials(only_secret, env.reader()); });
  EXPECT_EQ(msg, "secret_access_key is set but access_key_id is not");
  EXPECT_EQ(msg.find("s3cr3t-value"), std::string::npos);

  home.write(".aws/credentials", "[default]\naws_access_key_id = AKIA\n");
  msg = error_of([&] { resolve_credentials({}, env.reader()); });
  EXPECT_NE(msg.find("has aws_access_key_id but no aws_secret_access_key"), std::string::npos)
      << msg;
}

TEST(ProfileFile, ConfigFileProfilesAndSubBlocks) {
  ProfileFile f = parse_profile_file(
      "[default]\nregion = eu-west-1\ns3 =\n  region = ignored\n[profile baker]\nregion=us-east-2\n"
      "[sso-session x]\nregion = nope\n",
      ProfileFileKind::Config);
  EXPECT_EQ(f["default"]["region"], "eu-west-1");
  EXPECT_EQ(f["baker"]["region"], "us-east-2");
  EXPECT_EQ(f.count("sso-session x"), 0u);
  EXPECT_EQ(f.count("x"), 0u);
}

TEST(Region, OrderOfSources) {
  TempDir home;
  home.write(".aws/config",
             "[default]\nregion = eu-central-1\n[profile baker]\nregion = ap-south-1\n");
  Env env{{{"HOME", home.path.string()},
           {"AWS_REGION", "us-west-2"},
           {"AWS_DEFAULT_REGION", "us-east-2"}}};
  EXPECT_EQ(resolve_region(std::string("eu-west-3"), env.reader()), "eu-west-3");
  EXPECT_EQ(resolve_region(std::nullopt, env.reader()), "us-west-2");
  env.vars.erase("AWS_REGION");
  EXPECT_EQ(resolve_region(std::nullopt, env.reader()), "us-east-2");
  env.vars.erase("AWS_DEFAULT_REGION");
  EXPECT_EQ(resolve_region(std::nullopt, env.reader()), "eu-central-1");
  env.vars["AWS_PROFILE"] = "baker";
  EXPECT_EQ(resolve_region(std::nullopt, env.reader()), "ap-south-1");
  env.vars["AWS_PROFILE"] = "nobody";
  EXPECT_NE(error_of([&] { resolve_region(std::nullopt, env.reader()); }).find("no AWS region"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              resolve_region(std::string("us-east-1/../x"), env.reader());
            }).find("invalid AWS region"),
            std::string::npos);
}

TEST(Endpoint, ParsingAndDefaults) {
  Endpoint e = parse_endpoint("http://127.0.0.1:4566");
  EXPECT_EQ(e.url, "http://127.0.0.1:4566/");
  EXPECT_EQ(e.host_header, "127.0.0.1:4566");
  EXPECT_EQ(e.path, "/");
  e = parse_endpoint("HTTPS://KMS.example.com:443/");
  EXPECT_EQ(e.host_header, "kms.example.com");  // default port dropped, as curl sends Host
  EXPECT_EQ(e.url, "https://kms.example.com/");
  e = parse_endpoint("http://[::1]:8080/");
  EXPECT_EQ(e.host_header, "[::1]:8080");
  for (const char* bad :
       {"ftp://x", "127.0.0.1:4566", "http://", "http://h:0", "http://h:99999", "http://u:p@h/",
        "http://h/?a=b", "http://h/#f", "http://h x/", "http://h:/"}) {
    EXPECT_NE(error_of([&] { parse_endpoint(bad); }).find("invalid endpoint"), std::string::npos)
        << bad;
  }

  Env env{{{"AWS_ENDPOINT_URL", "http://127.0.0.1:1111"},
           {"AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:2222"}}};
  EXPECT_EQ(
      resolve_kms_endpoint(std::string("http://127.0.0.1:3333"), "us-east-1", env.reader()).url,
      "http://127.0.0.1:3333/");
  EXPECT_EQ(resolve_kms_endpoint(std::nullopt, "us-east-1", env.reader()).url,
            "http://127.0.0.1:2222/");
  env.vars.erase("AWS_ENDPOINT_URL_KMS");
  EXPECT_EQ(resolve_kms_endpoint(std::nullopt, "us-east-1", env.reader()).url,
            "http://127.0.0.1:1111/");
  env.vars["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  EXPECT_EQ(resolve_kms_endpoint(std::nullopt, "eu-west-1", env.reader()).url,
            "https://kms.eu-west-1.amazonaws.com/");
  EXPECT_EQ(resolve_kms_endpoint(std::nullopt, "cn-north-1", env.reader()).host_header,
            "kms.cn-north-1.amazonaws.com.cn");
}

}  // namespace
}  // namespace signatory::aws
