// Encoding and decoding of watermark log headers and records (see mark_record.h and
// docs/watermark-format.md for the byte layout).
#include "watermark/file/mark_record.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "common/error.h"
#include "watermark/file/crc32c.h"

namespace signatory::watermark {
namespace {

constexpr char kMagic[8] = {'S', 'I', 'G', 'W', 'M', 'L', 'O', 'G'};
constexpr std::uint8_t kRecordTypeMark = 1;
constexpr std::uint8_t kRecordTypeCommit = 2;
constexpr std::uint8_t kFlagDigest = 1;
constexpr std::uint8_t kFlagSignature = 2;
constexpr std::size_t kSignatureCapacity = 96;

// Byte offsets inside a record.
constexpr std::size_t kOffType = 0, kOffKind = 1, kOffFlags = 2, kOffForm = 3, kOffChain = 4,
                      kOffPkh = 8, kOffSigLen = 29, kOffLevel = 32, kOffRound = 36, kOffDigest = 40,
                      kOffSig = 72, kOffSeq = 168, kOffCrc = 172;

// Header fields: format 1 is bytes 0..15; format 2 adds bytes 16..31.
constexpr std::size_t kOffVersion = 8, kOffHeaderCrc = 12, kOffFileSize = 16, kOffExtCrc = 28;

template <int N>
void put_le(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < N; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
template <int N>
std::uint64_t get_le(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < N; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}
void put_u32(std::uint8_t* p, std::uint32_t v) {
  put_le<4>(p, v);
}
std::uint32_t get_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(get_le<4>(p));
}

std::uint8_t kind_code(tezos::RequestKind k) {
  switch (k) {
    case tezos::RequestKind::Attestation:
      return 1;
    case tezos::RequestKind::AttestationWithDal:
      return 2;
    case tezos::RequestKind::Block:
      return 3;
    case tezos::RequestKind::Preattestation:
      return 4;
    case tezos::RequestKind::Generic:
      return 5;
    case tezos::RequestKind::Pack:
      return 6;
  }
  return 0;
}

tezos::RequestKind kind_of(std::uint8_t code) {
  switch (code) {
    case 1:
      return tezos::RequestKind::Attestation;
    case 2:
      return tezos::RequestKind::AttestationWithDal;
    case 3:
      return tezos::RequestKind::Block;
    case 4:
      return tezos::RequestKind::Preattestation;
    case 5:
      return tezos::RequestKind::Generic;
    case 6:
      return tezos::RequestKind::Pack;
    default:
      throw internal_error("watermark log record has unknown request kind code " +
                           std::to_string(code));
  }
}

std::uint8_t form_code(tezos::Signature::Form f) {
  switch (f) {
    case tezos::Signature::Form::Ed25519:
      return 1;
    case tezos::Signature::Form::Secp256k1:
      return 2;
    case tezos::Signature::Form::P256:
      return 3;
    case tezos::Signature::Form::Bls:
      return 4;
    case tezos::Signature::Form::Generic:
      return 5;
  }
  return 0;
}

tezos::Signature::Form form_of(std::uint8_t code) {
  switch (code) {
    case 1:
      return tezos::Signature::Form::Ed25519;
    case 2:
      return tezos::Signature::Form::Secp256k1;
    case 3:
      return tezos::Signature::Form::P256;
    case 4:
      return tezos::Signature::Form::Bls;
    case 5:
      return tezos::Signature::Form::Generic;
    default:
      throw internal_error("watermark log record has unknown signature form code " +
                           std::to_string(code));
  }
}

}  // namespace

LogHeader encode_log_header(std::uint64_t file_size) {
  LogHeader h{};
  std::memcpy(h.data(), kMagic, sizeof kMagic);
  put_u32(h.data() + kOffVersion, kLogFormatVersion);
  put_u32(h.data() + kOffHeaderCrc, crc32c(ByteView(h.data(), kOffHeaderCrc)));
  put_le<8>(h.data() + kOffFileSize, file_size);
  put_u32(h.data() + kOffExtCrc, crc32c(ByteView(h.data(), kOffExtCrc)));
  return h;
}

std::string check_log_header(ByteView data, LogHeaderInfo* info) {
  if (data.size() < kLogHeaderSizeV1) {
    return "file is shorter than its " + std::to_string(kLogHeaderSize) + "-byte header";
  }
  if (std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
    return "not a watermark log (bad magic bytes)";
  }
  if (get_u32(data.data() + kOffHeaderCrc) != crc32c(data.first(kOffHeaderCrc))) {
    return "header checksum mismatch";
  }
  const std::uint32_t version = get_u32(data.data() + kOffVersion);
  if (version == 1) {
    *info = LogHeaderInfo{1, kLogHeaderSizeV1, 0};
    return {};
  }
  if (version != kLogFormatVersion) {
    return "unsupported format version " + std::to_string(version) + " (this signer reads 1 and " +
           std::to_string(kLogFormatVersion) + ")";
  }
  if (data.size() < kLogHeaderSize) {
    return "file is shorter than its " + std::to_string(kLogHeaderSize) + "-byte header";
  }
  if (get_u32(data.data() + kOffExtCrc) != crc32c(data.first(kOffExtCrc)) ||
      get_u32(data.data() + 24) != 0) {
    return "header checksum mismatch";
  }
  *info = LogHeaderInfo{version, kLogHeaderSize, get_le<8>(data.data() + kOffFileSize)};
  return {};
}

LogRecord encode_log_record(const Slot& slot, const Mark& mark, std::uint32_t seq) {
  LogRecord r{};
  r[kOffType] = kRecordTypeMark;
  r[kOffKind] = kind_code(slot.kind);
  std::uint8_t flags = 0;
  if (mark.digest) {
    flags |= kFlagDigest;
    std::copy(mark.digest->begin(), mark.digest->end(), r.begin() + kOffDigest);
  }
  if (mark.signature) {
    const Bytes& sig = mark.signature->bytes();
    if (sig.size() > kSignatureCapacity) {
      throw internal_error("watermark log: signature of " + std::to_string(sig.size()) +
                           " bytes does not fit a record");
    }
    flags |= kFlagSignature;
    r[kOffForm] = form_code(mark.signature->form());
    r[kOffSigLen] = static_cast<std::uint8_t>(sig.size());
    std::copy(sig.begin(), sig.end(), r.begin() + kOffSig);
  }
  r[kOffFlags] = flags;
  std::copy(slot.chain.bytes.begin(), slot.chain.bytes.end(), r.begin() + kOffChain);
  r[kOffPkh] = static_cast<std::uint8_t>(slot.pkh.type);
  std::copy(slot.pkh.hash.begin(), slot.pkh.hash.end(), r.begin() + kOffPkh + 1);
  put_u32(r.data() + kOffLevel, static_cast<std::uint32_t>(mark.level));
  put_u32(r.data() + kOffRound, static_cast<std::uint32_t>(mark.round));
  put_u32(r.data() + kOffSeq, seq);
  put_u32(r.data() + kOffCrc, crc32c(ByteView(r.data(), kOffCrc)));
  return r;
}

LogRecord encode_log_commit(std::uint32_t records) {
  LogRecord r{};
  r[kOffType] = kRecordTypeCommit;
  put_u32(r.data() + kOffSeq, records);
  put_u32(r.data() + kOffCrc, crc32c(ByteView(r.data(), kOffCrc)));
  return r;
}

RecordState classify_log_record(ByteView record) {
  if (std::all_of(record.begin(), record.end(), [](std::uint8_t b) { return b == 0; })) {
    return RecordState::Empty;
  }
  return get_u32(record.data() + kOffCrc) == crc32c(record.first(kOffCrc))
             ? RecordState::Valid
             : RecordState::BadChecksum;
}

LogSlot decode_log_slot(ByteView record, std::uint32_t version) {
  const std::uint8_t* r = record.data();
  LogSlot out;
  if (version >= 2) out.seq = get_u32(r + kOffSeq);
  if (version >= 2 && r[kOffType] == kRecordTypeCommit) {
    if (!std::all_of(r + 1, r + kOffSeq, [](std::uint8_t b) { return b == 0; })) {
      throw internal_error("watermark log commit has fields this version never writes");
    }
    out.commit = true;
    return out;
  }
  if (r[kOffType] != kRecordTypeMark) {
    throw internal_error("watermark log record has unknown type " + std::to_string(r[kOffType]));
  }
  const std::uint8_t flags = r[kOffFlags];
  if ((flags & ~(kFlagDigest | kFlagSignature)) != 0 || r[kOffPkh] > 3 || r[30] != 0 ||
      r[31] != 0 || (version < 2 && get_u32(r + kOffSeq) != 0)) {
    throw internal_error("watermark log record has fields this version never writes");
  }
  Slot& slot = out.slot;
  slot.kind = kind_of(r[kOffKind]);
  std::copy(r + kOffChain, r + kOffChain + 4, slot.chain.bytes.begin());
  slot.pkh.type = static_cast<tezos::KeyType>(r[kOffPkh]);
  std::copy(r + kOffPkh + 1, r + kOffPkh + 21, slot.pkh.hash.begin());
  Mark& mark = out.mark;
  mark.level = static_cast<std::int32_t>(get_u32(r + kOffLevel));
  mark.round = static_cast<std::int32_t>(get_u32(r + kOffRound));
  if (flags & kFlagDigest) {
    crypto::Digest32 d;
    std::copy(r + kOffDigest, r + kOffDigest + 32, d.begin());
    mark.digest = d;
  }
  if (flags & kFlagSignature) {
    const std::size_t len = r[kOffSigLen];
    if (len > kSignatureCapacity) {
      throw internal_error("watermark log record has a signature length of " + std::to_string(len));
    }
    const tezos::Signature::Form form = form_of(r[kOffForm]);
    try {
      mark.signature = tezos::Signature(form, Bytes(r + kOffSig, r + kOffSig + len));
    } catch (const Error& e) {
      throw internal_error(std::string("watermark log record has an invalid signature: ") +
                           e.what());
    }
  }
  return out;
}

}  // namespace signatory::watermark
