// The utility server's routes: GET /healthz ("can sign now": {"ready":true}, or 503
// {"ready":false,"reason":"…"} while starting, stopping, or when the watermark store cannot be
// written) and GET /metrics (Prometheus text, with the watermark store's stats() as
// `signatory_watermark_store_*`). Thread-safe.
#pragma once

#include <atomic>

#include "server/http_server.h"
#include "server/metrics.h"
#include "signer/signer.h"
#include "signer/signer_snapshot.h"

namespace signatory::server {

HttpHandler make_utility_api(signer::Signer& signer, Metrics& metrics, std::atomic<bool>& ready);
// The same over the snapshot in force when each request starts (see signer_snapshot.h).
HttpHandler make_utility_api(const signer::SnapshotHolder& snapshots, Metrics& metrics,
                             std::atomic<bool>& ready);

}  // namespace signatory::server
