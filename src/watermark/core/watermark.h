// High-water marks: the guarantee that the signer never signs two different payloads for the
// same (chain, delegate, request kind, level, round).
//
// `Watermark::guard` is the whole contract. For one slot (chain, pkh, kind) it decides, against
// the stored mark, whether a request at (level, round) with digest `digest` may be signed:
//   - same digest as the stored mark and a stored signature → that signature, no new signing;
//   - (level, round) strictly above the mark (or no mark) → calls `sign`, makes the new mark
//     {level, round, digest, signature} durable, then returns the signature;
//   - anything else → throws Error(ErrorCode::Conflict, "watermark validation failed").
// If the mark cannot be made durable the signature is discarded and Error(5xx) is thrown; a
// failing `sign` leaves the mark untouched. Requests for one slot are serialised; different
// slots proceed in parallel. All methods are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/blake2b.h"
#include "tezos/keys.h"
#include "tezos/sign_request.h"

namespace signatory::watermark {

// The kind a request's mark is kept under. `attestation` and `attestation_with_dal` share one
// mark: both are attestations of the same slot, and signing a tag-21 and a tag-23 attestation
// at the same level and round would be a double attestation (Octez keeps one mark for every
// 0x13 request; Signatory keeps two, which allows it).
inline tezos::RequestKind mark_kind(tezos::RequestKind kind) {
  return kind == tezos::RequestKind::AttestationWithDal ? tezos::RequestKind::Attestation : kind;
}

struct Slot {
  tezos::ChainId chain;
  tezos::PublicKeyHash pkh;
  tezos::RequestKind kind;
  auto operator<=>(const Slot&) const = default;
};

struct Mark {
  std::int32_t level = 0;
  std::int32_t round = 0;
  std::optional<crypto::Digest32> digest;     // blake2b-256 of the whole request
  std::optional<tezos::Signature> signature;  // the signature given for that digest
};

// What raising a mark by maximum did (Watermark::raise, raise_mark in watermark_rule.h).
enum class RaiseOutcome {
  Raised,         // no mark, or the new (level, round) is strictly above it: the new mark is stored
  Equal,          // same (level, round) as the stored mark, which is kept (it is as strict)
  AlreadyHigher,  // the stored mark is above: kept
};

struct RaiseResult {
  RaiseOutcome outcome = RaiseOutcome::Raised;
  std::optional<Mark> kept;  // the stored mark when it was kept (Equal, AlreadyHigher)
  bool raised() const { return outcome == RaiseOutcome::Raised; }
};

class Watermark {
 public:
  virtual ~Watermark() = default;
  virtual std::string backend_name() const = 0;  // "file", "mem", …

  virtual tezos::Signature guard(const Slot& slot, std::int32_t level, std::int32_t round,
                                 const crypto::Digest32& digest,
                                 const std::function<tezos::Signature()>& sign) = 0;

  // Every stored mark (for export, tests and the CLI).
  virtual std::vector<std::pair<Slot, Mark>> marks() = 0;
  // Raises a slot's mark to `mark` by maximum (never lowers it; an equal (level, round) keeps
  // the stored mark) and says what it did; used by import and set-floor.
  virtual RaiseResult raise(const Slot& slot, const Mark& mark) = 0;
  // "can sign now": the store is writable. Returns an empty string when healthy, else why not.
  virtual std::string health() { return {}; }
  // How many guard() calls may wait on a remote store at once (the signer refuses more with
  // 503 naming the store, see signer/bulkhead.h); 0 for a local store (not bounded).
  virtual std::size_t max_concurrent_calls() const { return 0; }
  // Counters and gauges of the backend's store, as (name, value) for /metrics; names are
  // snake_case without a prefix (e.g. "round_trips_total"). Empty for backends without any.
  virtual std::vector<std::pair<std::string, double>> stats() { return {}; }
};

}  // namespace signatory::watermark
