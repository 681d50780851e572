// The generic operation decoder (see operation_decoder.h). One function per content body, in
// the order of the protocol-025 tag table; shared field types (public key hash, public key,
// contract id, BLS proof, raw signature, inlined consensus operation) come first.
#include "tezos/operation_decoder.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "common/error.h"
#include "tezos/block_header.h"
#include "tezos/byte_reader.h"
#include "tezos/consensus_content.h"
#include "tezos/micheline.h"

namespace signatory::tezos {

namespace {

std::string hex_byte(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

// ---- shared field types -------------------------------------------------------------------

// public_key_hash: tag (0 tz1, 1 tz2, 2 tz3, 3 tz4, 4 tz5) ‖ 20-byte hash.
void read_public_key_hash(ByteReader& r, std::string_view field) {
  std::size_t at = r.offset();
  std::uint8_t tag = r.u8(field);
  if (tag > 4)
    r.fail(at, std::string(field) + ": unknown public_key_hash tag " + std::to_string(tag));
  r.skip(20, field);
}

// public_key: tag ‖ key (32 Ed25519, 33 secp256k1, 33 P-256, 48 BLS, 1312 ML-DSA-44). Point
// validity is not checked: the protocol does, and the signer only needs the layout.
void read_public_key(ByteReader& r, std::string_view field) {
  static constexpr std::size_t kKeySize[] = {32, 33, 33, 48, 1312};
  std::size_t at = r.offset();
  std::uint8_t tag = r.u8(field);
  if (tag > 4) r.fail(at, std::string(field) + ": unknown public_key tag " + std::to_string(tag));
  r.skip(kKeySize[tag], field);
}

// Optional BLS proof of possession: 00, or ff ‖ uint30 length (must be 96) ‖ 96 bytes.
void read_optional_bls_proof(ByteReader& r) {
  if (!r.presence("proof")) return;
  ByteReader proof = r.length_prefixed("proof");
  proof.skip(96, "proof");
  proof.expect_end("proof");
}

// contract_id: 00 ‖ public_key_hash, or 01 ‖ contract hash (20) ‖ padding (1, ignored as Octez
// ignores it). Returns true for an implicit account.
bool read_contract_id(ByteReader& r, std::string_view field) {
  std::size_t at = r.offset();
  std::uint8_t tag = r.u8(field);
  switch (tag) {
    case 0x00:
      read_public_key_hash(r, field);
      return true;
    case 0x01:
      r.skip(20, field);
      r.skip(1, "padding");
      return false;
    default:
      r.fail(at, std::string(field) + ": unknown contract tag " + std::to_string(tag));
  }
}

// The raw signature that ends an inlined operation or a block header: the rest of its window,
// 64 (Ed25519/secp256k1/P-256), 96 (BLS) or 2420 (ML-DSA-44) bytes, or nothing if `may_be_empty`.
void read_trailing_signature(ByteReader& w, std::string_view field, bool may_be_empty) {
  std::size_t n = w.remaining();
  if ((n == 0 && may_be_empty) || n == 64 || n == 96 || n == 2420) {
    w.skip(n, field);
    return;
  }
  w.fail(w.offset(), std::string(field) + ": signature of " + std::to_string(n) +
                         " bytes (must be 64, 96 or 2420)");
}

// An inlined consensus operation (inside double_consensus_operation_evidence and
// dal_entrapment_evidence), in a window of its own: branch ‖ tag (20, 21, 23, 30, 31) ‖ body ‖
// optional signature.
void read_inlined_consensus_operation(ByteReader& w, std::string_view field) {
  w.skip(32, "branch");
  std::size_t at = w.offset();
  std::uint8_t tag = w.u8(field);
  using namespace consensus_tag;
  if (tag != kPreattestation && tag != kAttestation && tag != kAttestationWithDal &&
      tag != kPreattestationsAggregate && tag != kAttestationsAggregate)
    w.fail(at, std::string(field) + ": unexpected inlined operation tag " + std::to_string(tag));
  (void)read_consensus_content(w, tag);
  read_trailing_signature(w, field, /*may_be_empty=*/true);
}

// uint30 byte length ‖ 32-byte BLS12-381 scalars (opaque).
void read_scalars(ByteReader& r, std::string_view field) {
  std::size_t at = r.offset();
  ByteReader scalars = r.length_prefixed(field);
  if (scalars.remaining() % 32 != 0)
    r.fail(at, std::string(field) + ": " + std::to_string(scalars.remaining()) +
                   " bytes is not a whole number of 32-byte scalars");
}

// ---- manager operations -------------------------------------------------------------------

// Common header: source ‖ fee ‖ counter ‖ gas_limit ‖ storage_limit.
void read_manager_header(ByteReader& r) {
  read_public_key_hash(r, "source");
  (void)r.mutez("fee");
  (void)r.zarith_n("counter", 10);
  std::size_t at = r.offset();
  Zarith gas = r.zarith_n("gas_limit", 10);
  // Octez keeps gas in milligas in a saturated int (max 2^62 - 1): a limit whose milligas
  // value saturates is refused when decoding.
  constexpr std::uint64_t kMaxGas = ((std::uint64_t{1} << 62) - 1) / 1000;
  if (!gas.fits_u64 || gas.magnitude > kMaxGas) r.fail(at, "gas_limit is too large");
  (void)r.zarith_n("storage_limit", 10);
}

constexpr std::string_view kEntrypointNames[] = {
    "default", "root",  "do",      "set_delegate",     "remove_delegate",
    "deposit", "stake", "unstake", "finalize_unstake", "set_delegate_parameters"};

// Transaction entrypoint: tag 0–9 (built-in names) or ff ‖ uint8 length (≤ 31) ‖ name. A named
// entrypoint that is empty or "default" is "default"; one equal to a built-in is that built-in.
std::string read_entrypoint(ByteReader& r) {
  std::size_t at = r.offset();
  std::uint8_t tag = r.u8("entrypoint");
  if (tag < std::size(kEntrypointNames)) return std::string(kEntrypointNames[tag]);
  if (tag != 0xff) r.fail(at, "unknown entrypoint tag " + std::to_string(tag));
  std::size_t len_at = r.offset();
  std::uint8_t len = r.u8("entrypoint name length");
  if (len > 31)
    r.fail(len_at, "named entrypoint of " + std::to_string(len) + " bytes (at most 31)");
  ByteView name = r.bytes(len, "entrypoint name");
  std::string out(name.begin(), name.end());
  return out.empty() ? std::string("default") : out;
}

bool is_staking_entrypoint(std::string_view e) {
  return e == "stake" || e == "unstake" || e == "finalize_unstake" ||
         e == "set_delegate_parameters";
}

void read_reveal(ByteReader& r, OperationContent&) {
  read_public_key(r, "public_key");
  read_optional_bls_proof(r);
}

void read_transaction(ByteReader& r, OperationContent& c) {
  (void)r.mutez("amount");
  bool implicit = read_contract_id(r, "destination");
  c.entrypoint = "default";
  if (r.presence("parameters")) {
    c.entrypoint = read_entrypoint(r);
    (void)r.length_prefixed("parameters value");
  }
  // Octez gives these entrypoints their staking meaning only on implicit accounts; on a KT1
  // they are ordinary contract calls and stay "transaction" for policy.
  if (implicit && is_staking_entrypoint(c.entrypoint)) c.policy_kind = c.entrypoint;
}

void read_origination(ByteReader& r, OperationContent&) {
  (void)r.mutez("balance");
  if (r.presence("delegate")) read_public_key_hash(r, "delegate");
  (void)r.length_prefixed("code");
  (void)r.length_prefixed("storage");
}

void read_delegation(ByteReader& r, OperationContent&) {
  if (r.presence("delegate")) read_public_key_hash(r, "delegate");
}

void read_register_global_constant(ByteReader& r, OperationContent&) {
  (void)r.length_prefixed("value");
}

void read_set_deposits_limit(ByteReader& r, OperationContent&) {
  if (r.presence("limit")) (void)r.mutez("limit");
}

void read_increase_paid_storage(ByteReader& r, OperationContent&) {
  (void)r.zarith_z("amount");
  std::size_t at = r.offset();
  std::uint8_t tag = r.u8("destination");
  if (tag != 0x01)
    r.fail(at, "destination: contract tag " + std::to_string(tag) +
                   " is not an originated contract (0x01)");
  r.skip(20, "destination");
  r.skip(1, "padding");
}

void read_update_key(ByteReader& r, OperationContent&) {
  read_public_key(r, "pk");
  read_optional_bls_proof(r);
}

void read_transfer_ticket(ByteReader& r, OperationContent&) {
  (void)r.length_prefixed("ticket_contents");
  (void)r.length_prefixed("ticket_ty");
  (void)read_contract_id(r, "ticket_ticketer");
  std::size_t at = r.offset();
  Zarith amount = r.zarith_n("ticket_amount");
  if (amount.fits_u64 && amount.magnitude == 0) r.fail(at, "ticket_amount must be positive");
  (void)read_contract_id(r, "destination");
  std::size_t ep_at = r.offset();
  ByteReader entrypoint = r.length_prefixed("entrypoint");
  if (entrypoint.remaining() > 31)
    r.fail(ep_at,
           "entrypoint of " + std::to_string(entrypoint.remaining()) + " bytes (at most 31)");
}

void read_smart_rollup_originate(ByteReader& r, OperationContent&) {
  std::size_t at = r.offset();
  std::uint8_t pvm = r.u8("pvm_kind");
  if (pvm > 2) r.fail(at, "pvm_kind " + std::to_string(pvm) + " is not 0, 1 or 2");
  (void)r.length_prefixed("kernel");
  (void)r.length_prefixed("parameters_ty");
  if (r.presence("whitelist")) {
    std::size_t list_at = r.offset();
    ByteReader list = r.length_prefixed("whitelist");
    if (4 + list.remaining() > 4094)
      r.fail(list_at, "whitelist of " + std::to_string(list.remaining()) +
                          " bytes exceeds the 4094-byte limit");
    while (!list.at_end()) read_public_key_hash(list, "whitelist entry");
  }
}

void read_smart_rollup_add_messages(ByteReader& r, OperationContent&) {
  ByteReader list = r.length_prefixed("message");
  while (!list.at_end()) (void)list.length_prefixed("message");
}

void read_smart_rollup_cement(ByteReader& r, OperationContent&) {
  r.skip(20, "rollup");
}

void read_smart_rollup_publish(ByteReader& r, OperationContent&) {
  r.skip(20, "rollup");
  r.skip(32, "compressed_state");
  (void)r.non_negative_i32("inbox_level");
  r.skip(32, "predecessor");
  std::size_t at = r.offset();
  if (r.i64("number_of_ticks") < 0) r.fail(at, "number_of_ticks is negative");
}

void read_reveal_proof(ByteReader& r) {
  std::size_t at = r.offset();
  std::uint8_t tag = r.u8("reveal_proof");
  switch (tag) {
    case 0: {  // raw data: uint16 length (at most 4096) ‖ bytes
      std::size_t len_at = r.offset();
      std::uint16_t len = r.u16("raw_data length");
      if (len > 4096)
        r.fail(len_at, "raw_data of " + std::to_string(len) + " bytes (at most 4096)");
      r.skip(len, "raw_data");
      return;
    }
    case 1:  // metadata
    case 3:  // DAL parameters
      return;
    case 2:  // DAL page
      (void)r.i32("published_level");
      (void)r.u8("slot_index");
      (void)r.i16("page_index");
      (void)r.length_prefixed("dal_proof");
      return;
    default:
      r.fail(at, "unknown reveal_proof tag " + std::to_string(tag));
  }
}

void read_input_proof(ByteReader& r) {
  std::size_t at = r.offset();
  std::uint8_t tag = r.u8("input_proof");
  switch (tag) {
    case 0:  // inbox proof
      (void)r.non_negative_i32("level");
      (void)r.zarith_n("message_counter");
      (void)r.length_prefixed("serialized_proof");
      return;
    case 1:
      read_reveal_proof(r);
      return;
    case 2:  // first input
      return;
    default:
      r.fail(at, "unknown input_proof tag " + std::to_string(tag));
  }
}

void read_smart_rollup_refute(ByteReader& r, OperationContent&) {
  r.skip(20, "rollup");
  read_public_key_hash(r, "opponent");
  std::size_t at = r.offset();
  std::uint8_t refutation = r.u8("refutation");
  if (refutation == 0) {  // start
    r.skip(32, "player_commitment_hash");
    r.skip(32, "opponent_commitment_hash");
    return;
  }
  if (refutation != 1) r.fail(at, "unknown refutation tag " + std::to_string(refutation));
  (void)r.zarith_n("choice");
  std::size_t step_at = r.offset();
  std::uint8_t step = r.u8("step");
  if (step == 0) {  // dissection
    ByteReader chunks = r.length_prefixed("dissection");
    while (!chunks.at_end()) {
      if (chunks.presence("dissection state")) chunks.skip(32, "dissection state");
      (void)chunks.zarith_n("dissection tick");
    }
  } else if (step == 1) {  // proof
    (void)r.length_prefixed("pvm_step");
    if (r.presence("input_proof")) read_input_proof(r);
  } else {
    r.fail(step_at, "unknown refutation step tag " + std::to_string(step));
  }
}

void read_smart_rollup_timeout(ByteReader& r, OperationContent&) {
  r.skip(20, "rollup");
  read_public_key_hash(r, "alice");
  read_public_key_hash(r, "bob");
}

void read_smart_rollup_execute_outbox_message(ByteReader& r, OperationContent&) {
  r.skip(20, "rollup");
  r.skip(32, "cemented_commitment");
  (void)r.length_prefixed("output_proof");
}

void read_smart_rollup_recover_bond(ByteReader& r, OperationContent&) {
  r.skip(20, "rollup");
  read_public_key_hash(r, "staker");
}

void read_dal_publish_commitment(ByteReader& r, OperationContent&) {
  (void)r.u8("slot_index");
  r.skip(48, "commitment");
  r.skip(96, "commitment_proof");
}

void read_zk_rollup_origination(ByteReader& r, OperationContent&) {
  (void)r.length_prefixed("public_parameters");
  ByteReader circuits = r.length_prefixed("circuits_info");
  while (!circuits.at_end()) {
    (void)circuits.length_prefixed("circuit name");
    std::size_t at = circuits.offset();
    std::uint8_t kind = circuits.u8("circuit kind");
    if (kind > 2) circuits.fail(at, "circuit kind " + std::to_string(kind) + " is not 0, 1 or 2");
  }
  read_scalars(r, "init_state");
  (void)r.i31("nb_ops");
}

void read_zk_rollup_publish(ByteReader& r, OperationContent&) {
  r.skip(20, "zk_rollup");
  ByteReader ops = r.length_prefixed("op");
  while (!ops.at_end()) {
    (void)ops.i31("op_code");
    ops.skip(32, "price.id");
    (void)ops.zarith_z("price.amount");
    read_public_key_hash(ops, "l1_dst");
    ops.skip(20, "rollup_id");
    read_scalars(ops, "payload");
    std::size_t at = ops.offset();
    std::uint8_t ticket = ops.u8("ticket");
    if (ticket == 1) {
      skip_micheline_expression(ops);  // contents
      skip_micheline_expression(ops);  // ty
      (void)read_contract_id(ops, "ticketer");
    } else if (ticket != 0) {
      ops.fail(at, "ticket option tag " + hex_byte(ticket) + " is neither 0x00 nor 0x01");
    }
  }
}

void read_zk_rollup_update(ByteReader& r, OperationContent&) {
  r.skip(20, "zk_rollup");
  ByteReader pending = r.length_prefixed("pending_pis");
  while (!pending.at_end()) {
    (void)pending.length_prefixed("pending_pis name");
    read_scalars(pending, "new_state");
    pending.skip(32, "fee");
    (void)pending.boolean("exit_validity");
  }
  ByteReader priv = r.length_prefixed("private_pis");
  while (!priv.at_end()) {
    (void)priv.length_prefixed("private_pis name");
    read_scalars(priv, "new_state");
    priv.skip(32, "fee");
  }
  read_scalars(r, "fee_pi.new_state");
  (void)r.length_prefixed("proof");
}

// ---- other contents -----------------------------------------------------------------------

void read_seed_nonce_revelation(ByteReader& r, OperationContent&) {
  (void)r.non_negative_i32("level");
  r.skip(32, "nonce");
}

void read_double_consensus_operation_evidence(ByteReader& r, OperationContent&) {
  (void)r.u16("slot");
  ByteReader op1 = r.length_prefixed("op1");
  read_inlined_consensus_operation(op1, "op1");
  ByteReader op2 = r.length_prefixed("op2");
  read_inlined_consensus_operation(op2, "op2");
}

void read_double_baking_evidence(ByteReader& r, OperationContent&) {
  for (std::string_view field : {"bh1", "bh2"}) {
    ByteReader bh = r.length_prefixed(field);
    (void)read_unsigned_block_header(bh, PerBlockVotes::Protocol025);
    read_trailing_signature(bh, field, /*may_be_empty=*/false);
  }
}

void read_activate_account(ByteReader& r, OperationContent&) {
  r.skip(20, "pkh");
  r.skip(20, "secret");
}

void read_proposals(ByteReader& r, OperationContent&) {
  read_public_key_hash(r, "source");
  (void)r.i32("period");
  std::size_t at = r.offset();
  ByteReader list = r.length_prefixed("proposals");
  std::size_t count = 0;
  while (!list.at_end()) {
    list.skip(32, "proposal");
    ++count;
  }
  if (count > 20) r.fail(at, std::to_string(count) + " proposals (at most 20)");
}

void read_ballot(ByteReader& r, OperationContent& c) {
  static constexpr std::string_view kVotes[] = {"yay", "nay", "pass"};
  read_public_key_hash(r, "source");
  (void)r.i32("period");
  r.skip(32, "proposal");
  std::size_t at = r.offset();
  std::uint8_t vote = r.u8("ballot");
  if (vote > 2)
    r.fail(at, "ballot " + std::to_string(vote) + " is not 0 (yay), 1 (nay) or 2 (pass)");
  c.policy_kind = "ballot:" + std::string(kVotes[vote]);
}

void read_vdf_revelation(ByteReader& r, OperationContent&) {
  r.skip(200, "solution");
}

void read_drain_delegate(ByteReader& r, OperationContent&) {
  read_public_key_hash(r, "consensus_key");
  read_public_key_hash(r, "delegate");
  read_public_key_hash(r, "destination");
}

void read_failing_noop(ByteReader& r, OperationContent&) {
  (void)r.length_prefixed("arbitrary");
}

void read_consensus(ByteReader& r, OperationContent& c) {
  (void)read_consensus_content(r, c.tag);
}

void read_dal_entrapment_evidence(ByteReader& r, OperationContent&) {
  ByteReader attestation = r.length_prefixed("attestation");
  read_inlined_consensus_operation(attestation, "attestation");
  (void)r.u16("consensus_slot");
  (void)r.u8("slot_index");
  if (r.presence("lag_index")) (void)r.u8("lag_index");
  (void)r.i31("shard.index");
  read_scalars(r, "shard.share");
  r.skip(48, "shard_proof");
}

// ---- the tag table ------------------------------------------------------------------------

using BodyReader = void (*)(ByteReader&, OperationContent&);

struct ContentType {
  std::uint8_t tag;
  std::string_view kind;
  BodyReader read;
};

constexpr ContentType kContentTypes[] = {
    {1, "seed_nonce_revelation", read_seed_nonce_revelation},
    {2, "double_consensus_operation_evidence", read_double_consensus_operation_evidence},
    {3, "double_baking_evidence", read_double_baking_evidence},
    {4, "activate_account", read_activate_account},
    {5, "proposals", read_proposals},
    {6, "ballot", read_ballot},
    {8, "vdf_revelation", read_vdf_revelation},
    {9, "drain_delegate", read_drain_delegate},
    {17, "failing_noop", read_failing_noop},
    {20, "preattestation", read_consensus},
    {21, "attestation", read_consensus},
    {23, "attestation_with_dal", read_consensus},
    {24, "dal_entrapment_evidence", read_dal_entrapment_evidence},
    {30, "preattestations_aggregate", read_consensus},
    {31, "attestations_aggregate", read_consensus},
    {107, "reveal", read_reveal},
    {108, "transaction", read_transaction},
    {109, "origination", read_origination},
    {110, "delegation", read_delegation},
    {111, "register_global_constant", read_register_global_constant},
    {112, "set_deposits_limit", read_set_deposits_limit},
    {113, "increase_paid_storage", read_increase_paid_storage},
    {114, "update_consensus_key", read_update_key},
    {115, "update_companion_key", read_update_key},
    {158, "transfer_ticket", read_transfer_ticket},
    {200, "smart_rollup_originate", read_smart_rollup_originate},
    {201, "smart_rollup_add_messages", read_smart_rollup_add_messages},
    {202, "smart_rollup_cement", read_smart_rollup_cement},
    {203, "smart_rollup_publish", read_smart_rollup_publish},
    {204, "smart_rollup_refute", read_smart_rollup_refute},
    {205, "smart_rollup_timeout", read_smart_rollup_timeout},
    {206, "smart_rollup_execute_outbox_message", read_smart_rollup_execute_outbox_message},
    {207, "smart_rollup_recover_bond", read_smart_rollup_recover_bond},
    {230, "dal_publish_commitment", read_dal_publish_commitment},
    {250, "zk_rollup_origination", read_zk_rollup_origination},
    {251, "zk_rollup_publish", read_zk_rollup_publish},
    {252, "zk_rollup_update", read_zk_rollup_update},
};

const ContentType* find_content_type(std::uint8_t tag) {
  for (const ContentType& t : kContentTypes)
    if (t.tag == tag) return &t;
  return nullptr;
}

}  // namespace

std::optional<std::string_view> operation_kind_for_tag(std::uint8_t tag) {
  const ContentType* t = find_content_type(tag);
  if (t == nullptr) return std::nullopt;
  return t->kind;
}

bool is_manager_operation_tag(std::uint8_t tag) {
  return tag >= 100 && find_content_type(tag) != nullptr;
}

const std::vector<std::uint8_t>& generic_operation_tags() {
  static const std::vector<std::uint8_t> tags = [] {
    std::vector<std::uint8_t> out;
    for (const ContentType& t : kContentTypes) out.push_back(t.tag);
    return out;
  }();
  return tags;
}

GenericOperation decode_generic_operation(ByteView request) {
  ByteReader r(request, "generic operation");
  std::size_t at = r.offset();
  std::uint8_t magic = r.u8("magic byte");
  if (magic != 0x03) r.fail(at, "magic byte " + hex_byte(magic) + " is not 0x03");
  if (request.size() > kMaxGenericRequestSize)
    throw bad_request("generic operation of " + std::to_string(request.size()) +
                      " bytes exceeds the limit of " + std::to_string(kMaxGenericRequestSize) +
                      " bytes");

  GenericOperation op;
  ByteView branch = r.bytes(32, "branch");
  std::copy(branch.begin(), branch.end(), op.branch.begin());
  if (r.at_end()) throw bad_request("generic operation has no contents (empty contents list)");

  while (!r.at_end()) {
    OperationContent c;
    c.offset = r.offset();
    c.tag = r.u8("operation tag");
    const ContentType* type = find_content_type(c.tag);
    if (type == nullptr)
      throw bad_request("unknown operation tag " + std::to_string(c.tag) + " (" + hex_byte(c.tag) +
                        ") at offset " + std::to_string(c.offset));
    c.kind = type->kind;
    c.policy_kind = std::string(type->kind);
    r.set_context(type->kind);
    if (is_manager_operation_tag(c.tag)) read_manager_header(r);
    type->read(r, c);
    op.contents.push_back(std::move(c));
  }

  if (op.contents.size() > 1) {
    for (const OperationContent& c : op.contents) {
      if (!is_manager_operation_tag(c.tag))
        throw bad_request("operation list of " + std::to_string(op.contents.size()) +
                          " contents contains " + std::string(c.kind) + " at offset " +
                          std::to_string(c.offset) +
                          ": a list of more than one content must contain only manager "
                          "operations");
    }
  }
  return op;
}

}  // namespace signatory::tezos
