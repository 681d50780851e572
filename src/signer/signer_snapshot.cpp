// Snapshots of the signer and their atomic swap (see signer_snapshot.h).
#include "signer/signer_snapshot.h"

#include "common/error.h"

namespace signatory::signer {

std::shared_ptr<const SignerSnapshot> make_snapshot(config::Config config,
                                                    std::vector<NamedVault> vaults,
                                                    std::shared_ptr<watermark::Watermark> watermark,
                                                    SignObserver* observer,
                                                    std::uint64_t generation) {
  auto snapshot = std::make_shared<SignerSnapshot>();
  snapshot->config = std::make_shared<const config::Config>(std::move(config));
  snapshot->generation = generation;
  // JWT credentials are checked (complexity, rotation) before the snapshot can be used.
  if (!snapshot->config->server.jwt_users.empty())
    snapshot->jwt =
        std::make_shared<const auth::JwtAuthenticator>(snapshot->config->server.jwt_users);
  snapshot->vaults = vaults;
  snapshot->signer = std::make_shared<Signer>(*snapshot->config, std::move(vaults),
                                              std::move(watermark), observer);
  return snapshot;
}

SnapshotHolder::SnapshotHolder(std::shared_ptr<const SignerSnapshot> first)
    : current_(std::move(first)) {
  if (!current_.load()) throw internal_error("SnapshotHolder: no snapshot");
}

std::shared_ptr<const SignerSnapshot> SnapshotHolder::current() const {
  return current_.load(std::memory_order_acquire);
}

std::shared_ptr<const SignerSnapshot> SnapshotHolder::replace(
    std::shared_ptr<const SignerSnapshot> next) {
  if (!next) throw internal_error("SnapshotHolder: no snapshot");
  return current_.exchange(std::move(next), std::memory_order_acq_rel);
}

}  // namespace signatory::signer
