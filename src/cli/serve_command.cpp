// The signer server's life cycle (see serve_command.h).
#include "cli/serve_command.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <functional>
#include <thread>

#include "cli/config_check.h"
#include "cli/config_reload.h"
#include "common/error.h"
#include "common/log.h"
#include "config/base_dir.h"
#include "server/access_log.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/signer_api.h"
#include "server/utility_api.h"

namespace signatory::cli {

int serve(const GlobalFlags& flags, const ServeOptions& options) {
  boost::asio::io_context io;
  // SIGHUP is caught from here on (its default action would end the process); a reload waits
  // until the servers run.
  boost::asio::signal_set hangup(io, SIGHUP);
  // The validation `signatory-cli config check` runs: every problem is logged with its file and
  // line, and the server does not start.
  config::Config cfg = load_server_config(flags);
  config::prepare_base_dir(cfg.base_dir);
  auto vaults = open_vaults(cfg);
  std::shared_ptr<watermark::Watermark> watermark = open_watermark_store(cfg);
  server::Metrics metrics;
  metrics.set_build_info({{"branch", SIGNATORY_GIT_BRANCH},
                          {"checksum", "(unknown)"},
                          {"path", "signatory"},
                          {"revision", SIGNATORY_GIT_REVISION},
                          {"version", SIGNATORY_GIT_REVISION}});
  // Requests are served from the snapshot in force when they start; SIGHUP swaps in a new one
  // (cli/config_reload.h). Listen addresses and TLS are those of the config loaded here.
  signer::SnapshotHolder snapshots(
      signer::make_snapshot(std::move(cfg), std::move(vaults), watermark, &metrics));
  log_snapshot(*snapshots.current(), !options.no_list);
  ConfigReloader reloader(flags, snapshots, watermark, &metrics);

  std::atomic<bool> ready{false};
  server::HttpServerOptions api_options;
  api_options.body_limit = options.body_limit;
  {
    const config::ServerConfig& started = snapshots.current()->config->server;
    api_options.address = started.address;
    if (started.tls)
      api_options.tls = server::TlsFiles{started.tls->cert_file, started.tls->key_file,
                                         started.tls->client_ca_file};
  }
  server::HttpServer api(io, api_options,
                         server::with_access_log(server::make_signer_api(snapshots, &metrics)));
  server::HttpServerOptions utility_options;
  utility_options.address = snapshots.current()->config->server.utility_address;
  // The utility server (health checks, scraping) is served over TLS too, without client
  // certificates.
  if (api_options.tls)
    utility_options.tls =
        server::TlsFiles{api_options.tls->cert_file, api_options.tls->key_file, ""};
  server::HttpServer utility(io, utility_options,
                             server::make_utility_api(snapshots, metrics, ready));
  api.start();
  utility.start();
  log::info("HTTP server is listening for connections on " + api.listen_address());
  log::info("Utility HTTP server is listening for connections on " + utility.listen_address());
  ready = true;

  // A reload runs on the io thread that took the signal; the others go on serving. The next
  // SIGHUP is waited for only once it is done, so reloads never overlap.
  std::function<void()> wait_for_hangup = [&] {
    hangup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      reloader.reload();
      wait_for_hangup();
    });
  };
  wait_for_hangup();

  std::thread shutdown;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    log::info("Shutting down...");
    hangup.cancel();
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
  // come on top, so the base pool keeps serving everything else while a backend hangs. The
  // budget is the started config's: a remote vault added by a reload shares these threads
  // (docs/reload.md).
  threads += static_cast<unsigned>(snapshots.current()->signer->blocking_call_budget());
  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : workers) t.join();
  if (shutdown.joinable()) shutdown.join();
  log::info("Server stopped");
  return 0;
}

}  // namespace signatory::cli
