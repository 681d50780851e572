// Routes of the utility server (see utility_api.h).
#include "server/utility_api.h"

#include <nlohmann/json.hpp>

namespace signatory::server {
namespace {

HttpResponse answer(signer::Signer& signer, Metrics& metrics, const std::atomic<bool>& ready,
                    const HttpRequest& request) {
  HttpResponse response;
  if (request.path == "/healthz") {
    if (request.method != "GET") return HttpResponse{405, "text/plain; charset=utf-8", "", {}};
    std::string reason = ready ? signer.health() : "not ready: starting or shutting down";
    if (reason.empty()) {
      response.body = "{\"ready\":true}\n";
    } else {
      response.status = 503;
      response.body = nlohmann::json{{"ready", false}, {"reason", reason}}.dump() + "\n";
    }
    return response;
  }
  if (request.path == "/metrics") {
    if (request.method != "GET") return HttpResponse{405, "text/plain; charset=utf-8", "", {}};
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics.render();
    // The watermark store's own counters (round trips, errors, pool size), when it has any.
    auto& store = signer.watermark();
    response.body += Metrics::render_snapshot("signatory_watermark_store_",
                                              {{"backend", store.backend_name()}}, store.stats());
    return response;
  }
  response.status = 404;
  response.content_type = "text/plain; charset=utf-8";
  response.body = "404 page not found\n";
  return response;
}

}  // namespace

HttpHandler make_utility_api(signer::Signer& signer, Metrics& metrics, std::atomic<bool>& ready) {
  return [&signer, &metrics, &ready](const HttpRequest& request) {
    return answer(signer, metrics, ready, request);
  };
}

HttpHandler make_utility_api(const signer::SnapshotHolder& snapshots, Metrics& metrics,
                             std::atomic<bool>& ready) {
  return [&snapshots, &metrics, &ready](const HttpRequest& request) {
    const std::shared_ptr<const signer::SignerSnapshot> snapshot = snapshots.current();
    return answer(*snapshot->signer, metrics, ready, request);
  };
}

}  // namespace signatory::server
