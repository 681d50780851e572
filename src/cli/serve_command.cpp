// The signer server's life cycle (see serve_command.h).
#include "cli/serve_command.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <optional>
#include <sstream>
#include <thread>

#include "auth/jwt_auth.h"
#include "cli/key_list_format.h"
#include "common/error.h"
#include "common/log.h"
#include "config/base_dir.h"
#include "server/access_log.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/signer_api.h"
#include "server/utility_api.h"

namespace signatory::cli {
namespace {

// Configs the server cannot honour. Running without what they ask for would be less safe than
// the operator wanted, so the server refuses to start.
void refuse_unsupported(const config::Config& cfg) {
  if (!cfg.server.jwt_users.empty() && !cfg.server.authorized_keys.empty())
    throw bad_request("cannot use both JWT and static authorized keys");
  if (cfg.policy_hook)
    throw bad_request("policy_hook: the external policy hook is not supported yet");
}

// A vault that cannot list now (KMS unreachable, bad credentials) does not stop the server:
// listing is retried on the first request for an unknown key.
void log_key_list(signer::Signer& signer) {
  std::vector<signer::KeyEntry> keys;
  try {
    keys = signer.keys();
  } catch (const Error& e) {
    log::error(std::string("Cannot list the keys now: ") + e.what());
    return;
  }
  std::istringstream text(format_key_list(keys, ListFormat::Legacy));
  std::string line;
  while (std::getline(text, line)) log::info(line);
}

}  // namespace

int serve(const GlobalFlags& flags, const ServeOptions& options) {
  config::Config cfg = load_config_logged(flags);
  refuse_unsupported(cfg);
  config::prepare_base_dir(cfg.base_dir);
  auto vaults = open_vaults(cfg);
  auto watermark = open_watermark_store(cfg);
  // JWT credentials are checked (complexity, rotation) before anything listens.
  std::optional<auth::JwtAuthenticator> jwt;
  if (!cfg.server.jwt_users.empty()) jwt.emplace(cfg.server.jwt_users);
  server::Metrics metrics;
  metrics.set_build_info({{"branch", SIGNATORY_GIT_BRANCH},
                          {"checksum", "(unknown)"},
                          {"path", "signatory"},
                          {"revision", SIGNATORY_GIT_REVISION},
                          {"version", SIGNATORY_GIT_REVISION}});
  signer::Signer signer(cfg, std::move(vaults), std::move(watermark), &metrics);
  if (!options.no_list) log_key_list(signer);
  if (!cfg.server.authorized_keys.empty()) {
    std::string list;
    for (const auto& h : signer.authorized_key_hashes())
      list += (list.empty() ? "" : " ") + h.to_base58();
    log::info("Authorized keys: [" + list + "]");
  }

  boost::asio::io_context io;
  std::atomic<bool> ready{false};
  server::HttpServerOptions api_options;
  api_options.address = cfg.server.address;
  api_options.body_limit = options.body_limit;
  if (cfg.server.tls)
    api_options.tls = server::TlsFiles{cfg.server.tls->cert_file, cfg.server.tls->key_file,
                                       cfg.server.tls->client_ca_file};
  server::HttpServer api(
      io, api_options,
      server::with_access_log(server::make_signer_api(signer, &metrics, jwt ? &*jwt : nullptr)));
  server::HttpServerOptions utility_options;
  utility_options.address = cfg.server.utility_address;
  // The utility server (health checks, scraping) is served over TLS too, without client
  // certificates.
  if (api_options.tls)
    utility_options.tls =
        server::TlsFiles{api_options.tls->cert_file, api_options.tls->key_file, ""};
  server::HttpServer utility(io, utility_options, server::make_utility_api(signer, metrics, ready));
  api.start();
  utility.start();
  log::info("HTTP server is listening for connections on " + api.listen_address());
  log::info("Utility HTTP server is listening for connections on " + utility.listen_address());
  ready = true;

  std::thread shutdown;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    log::info("Shutting down...");
    ready = false;
    utility.stop_accepting();
    api.stop_accepting();
    // Requests in flight finish on the worker threads; then the loop is stopped.
    shutdown = std::thread([&] {
      api.wait_idle(std::chrono::seconds(10));
      io.stop();
    });
  });

  unsigned threads = options.threads;
  if (threads == 0) threads = std::max(4u, 2 * std::thread::hardware_concurrency());
  // Requests waiting on a remote backend hold at most its bulkhead's places; these threads
  // come on top, so the base pool keeps serving everything else while a backend hangs.
  threads += static_cast<unsigned>(signer.blocking_call_budget());
  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : workers) t.join();
  if (shutdown.joinable()) shutdown.join();
  log::info("Server stopped");
  return 0;
}

}  // namespace signatory::cli
