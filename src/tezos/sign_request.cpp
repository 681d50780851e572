// Classification and decoding of sign requests by magic byte (see sign_request.h): generic
// operations go to operation_decoder, PACK data to the Micheline walk, and the three
// watermarked kinds (block 0x11, preattestation 0x12, attestation 0x13) are read here.
//
// Trailing bytes after a complete block header or consensus operation are REFUSED (400).
// Signatory ignores them (they still enter its watermark digest) and the Octez signer only reads
// level and round at fixed offsets; but no baker ever sends them, a node could not use a
// signature over such bytes, and accepting them would let a client obtain a consensus-magic
// signature over arbitrary appended data. Strictness here costs nothing and matches how the
// generic decoder treats leftovers.
#include "tezos/sign_request.h"

#include <algorithm>
#include <cstdio>

#include "common/error.h"
#include "tezos/base58.h"
#include "tezos/block_header.h"
#include "tezos/byte_reader.h"
#include "tezos/consensus_content.h"
#include "tezos/micheline.h"
#include "tezos/operation_decoder.h"

namespace signatory::tezos {

namespace {

constexpr std::uint8_t kMagicGeneric = 0x03;
constexpr std::uint8_t kMagicPack = 0x05;
constexpr std::uint8_t kMagicBlock = 0x11;
constexpr std::uint8_t kMagicPreattestation = 0x12;
constexpr std::uint8_t kMagicAttestation = 0x13;

struct KindName {
  RequestKind kind;
  std::string_view name;
};

// Sorted by name.
constexpr KindName kRequestKinds[] = {
    {RequestKind::Attestation, "attestation"},
    {RequestKind::AttestationWithDal, "attestation_with_dal"},
    {RequestKind::Block, "block"},
    {RequestKind::Generic, "generic"},
    {RequestKind::Pack, "pack"},
    {RequestKind::Preattestation, "preattestation"},
};

std::string hex_byte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

[[noreturn]] void refuse_magic(std::uint8_t magic, std::string_view why) {
  std::string m = "unsupported magic byte " + hex_byte(magic);
  if (!why.empty()) m += " (" + std::string(why) + ")";
  throw bad_request(m);
}

ChainId read_chain_id(ByteReader& r) {
  ByteView b = r.bytes(4, "chain_id");
  ChainId id;
  std::copy(b.begin(), b.end(), id.bytes.begin());
  return id;
}

// 0x11 ‖ chain_id ‖ unsigned block header. Level = shell level; round = last fitness element.
SignRequest decode_block(ByteView message) {
  ByteReader r(message, "block header");
  r.skip(1, "magic byte");
  SignRequest req;
  req.kind = RequestKind::Block;
  req.chain_id = read_chain_id(r);
  std::size_t level_at = r.offset();
  std::size_t fitness_at = level_at + 4 + 1 + 32 + 8 + 1 + 32;
  BlockHeaderSummary h = read_unsigned_block_header(r, PerBlockVotes::AnySupported);
  r.expect_end("block header");
  if (h.level < 0) r.fail(level_at, "level " + std::to_string(h.level) + " is negative");
  if (!h.fitness_round)
    r.fail(fitness_at, "fitness does not end with a 4-byte round (not a Tenderbake fitness)");
  if (*h.fitness_round < 0)
    r.fail(fitness_at, "fitness round " + std::to_string(*h.fitness_round) + " is negative");
  req.level = h.level;
  req.round = *h.fitness_round;
  return req;
}

// 0x12/0x13 ‖ chain_id ‖ branch ‖ one consensus content.
SignRequest decode_consensus_operation(ByteView message, int version) {
  using namespace consensus_tag;
  const bool pre = message[0] == kMagicPreattestation;
  ByteReader r(message, pre ? "preattestation" : "attestation");
  r.skip(1, "magic byte");
  SignRequest req;
  req.chain_id = read_chain_id(r);
  r.skip(32, "branch");
  std::size_t tag_at = r.offset();
  std::uint8_t tag = r.u8("operation tag");
  if (pre) {
    if (tag != kPreattestation && tag != kBlsModePreattestation)
      throw bad_request("unexpected operation tag " + std::to_string(tag) + " at offset " +
                        std::to_string(tag_at) +
                        " in a preattestation request (0x12): expected 20 or 40");
    req.kind = RequestKind::Preattestation;
  } else {
    if (tag != kAttestation && tag != kAttestationWithDal && tag != kBlsModeAttestation)
      throw bad_request("unexpected operation tag " + std::to_string(tag) + " at offset " +
                        std::to_string(tag_at) +
                        " in an attestation request (0x13): expected 21, 23 or 41");
    // Signing version 1 (protocol 022 decoder) has no attestation_with_dal request kind.
    req.kind = tag == kAttestationWithDal && version != 1 ? RequestKind::AttestationWithDal
                                                          : RequestKind::Attestation;
  }
  r.set_context(*consensus_content_kind(tag));
  ConsensusContent c = read_consensus_content(r, tag);
  r.expect_end(std::string(*consensus_content_kind(tag)));
  req.level = c.level;
  req.round = c.round;
  return req;
}

// 0x05 ‖ one Micheline expression, nothing after it.
SignRequest decode_pack(ByteView message) {
  ByteReader r(message, "Michelson data");
  r.skip(1, "magic byte");
  skip_micheline_expression(r);
  r.expect_end("Michelson data");
  SignRequest req;
  req.kind = RequestKind::Pack;
  return req;
}

SignRequest decode_generic(ByteView message) {
  GenericOperation op = decode_generic_operation(message);
  SignRequest req;
  req.kind = RequestKind::Generic;
  req.operations.reserve(op.contents.size());
  for (OperationContent& c : op.contents) req.operations.push_back(std::move(c.policy_kind));
  return req;
}

}  // namespace

std::string_view request_kind_name(RequestKind k) {
  for (const KindName& kn : kRequestKinds)
    if (kn.kind == k) return kn.name;
  return "unknown";
}

std::optional<RequestKind> parse_request_kind(std::string_view name) {
  for (const KindName& kn : kRequestKinds)
    if (kn.name == name) return kn.kind;
  return std::nullopt;
}

const std::vector<std::string>& request_kind_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const KindName& kn : kRequestKinds) out.emplace_back(kn.name);
    std::sort(out.begin(), out.end());
    return out;
  }();
  return names;
}

const std::vector<std::string>& operation_kind_names() {
  // Signatory's list (signatory.yaml comment; `signatory-cli list-ops`): the generic operation
  // kinds a policy may name, the staking pseudo-kinds, and signature_prefix (never produced by
  // the decoder: it is not valid in bytes to sign). Consensus contents are not listed: their
  // requests are the request kinds preattestation/attestation.
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out = {
        "activate_account",
        "attestations_aggregate",
        "ballot",
        "dal_entrapment_evidence",
        "dal_publish_commitment",
        "delegation",
        "double_baking_evidence",
        "double_consensus_operation_evidence",
        "drain_delegate",
        "failing_noop",
        "finalize_unstake",
        "increase_paid_storage",
        "origination",
        "preattestations_aggregate",
        "proposals",
        "register_global_constant",
        "reveal",
        "seed_nonce_revelation",
        "set_delegate_parameters",
        "set_deposits_limit",
        "signature_prefix",
        "smart_rollup_add_messages",
        "smart_rollup_cement",
        "smart_rollup_execute_outbox_message",
        "smart_rollup_originate",
        "smart_rollup_publish",
        "smart_rollup_recover_bond",
        "smart_rollup_refute",
        "smart_rollup_timeout",
        "stake",
        "transaction",
        "transfer_ticket",
        "unstake",
        "update_companion_key",
        "update_consensus_key",
        "vdf_revelation",
        "zk_rollup_origination",
        "zk_rollup_publish",
        "zk_rollup_update",
    };
    std::sort(out.begin(), out.end());
    return out;
  }();
  return names;
}

bool is_consensus(RequestKind k) {
  return k == RequestKind::Attestation || k == RequestKind::AttestationWithDal ||
         k == RequestKind::Block || k == RequestKind::Preattestation;
}

std::string ChainId::to_base58() const {
  return b58check_encode(prefix::Net, ByteView(bytes.data(), bytes.size()));
}

ChainId ChainId::parse(std::string_view text) {
  Bytes payload = b58check_decode(prefix::Net, text);
  if (payload.size() != 4)
    throw bad_request("invalid chain id: payload of " + std::to_string(payload.size()) +
                      " bytes (must be 4)");
  ChainId id;
  std::copy(payload.begin(), payload.end(), id.bytes.begin());
  return id;
}

SignRequest decode_sign_request(ByteView message, int version) {
  if (message.empty()) throw bad_request("empty sign request: no magic byte");
  const std::uint8_t magic = message[0];
  switch (magic) {
    case kMagicGeneric:
      return decode_generic(message);
    case kMagicPack:
      // Signing version 1 uses Signatory's protocol-022 decoder, which predates PACK requests.
      if (version == 1)
        refuse_magic(magic, "Michelson data is not accepted with signing version 1");
      return decode_pack(message);
    case kMagicBlock:
      return decode_block(message);
    case kMagicPreattestation:
    case kMagicAttestation:
      return decode_consensus_operation(message, version);
    case 0x01:
      refuse_magic(magic, "legacy Emmy block");
    case 0x02:
      refuse_magic(magic, "legacy Emmy endorsement");
    case 0x04:
      refuse_magic(magic, "client authentication data, not a sign request");
    default:
      refuse_magic(magic, "");
  }
}

}  // namespace signatory::tezos
