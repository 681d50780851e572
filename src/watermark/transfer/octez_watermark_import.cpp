// Reading octez-signer's `*_high_watermark` files (see octez_watermark_import.h).
#include "watermark/transfer/octez_watermark_import.h"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "common/bytes.h"
#include "common/error.h"
#include "watermark/transfer/strict_json.h"

namespace signatory::watermark {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kSuffix = "_high_watermark";

Error bad(const std::string& where, const std::string& what) {
  return bad_request("octez watermark import: " + where + ": " + what);
}

Mark parse_entry(const json& entry, const std::string& where) {
  if (!entry.is_object()) throw bad(where, "value is not a JSON object");
  for (const auto& [key, value] : entry.items()) {
    if (key != "level" && key != "round" && key != "hash" && key != "signature") {
      throw bad(where, "unknown field `" + key + "' (expected level, round, hash, signature)");
    }
  }
  Mark mark;
  auto level = entry.find("level");
  if (level == entry.end()) throw bad(where, "missing field `level'");
  auto l = json_int32(*level);
  if (!l) throw bad(where + ".level", "not an integer in the int32 range");
  mark.level = *l;

  auto hash = entry.find("hash");
  if (hash == entry.end()) throw bad(where, "missing field `hash'");
  if (!hash->is_string()) throw bad(where + ".hash", "not a hex string");
  Bytes raw;
  try {
    raw = from_hex(hash->get<std::string>());
  } catch (const Error& e) {
    throw bad(where + ".hash", e.what());
  }
  if (raw.size() != 32) {
    throw bad(where + ".hash",
              "not a 32-byte blake2b hash but " + std::to_string(raw.size()) + " bytes");
  }
  std::optional<tezos::Signature> signature;
  if (auto sig = entry.find("signature"); sig != entry.end() && !sig->is_null()) {
    if (!sig->is_string()) throw bad(where + ".signature", "not a string");
    try {
      signature = tezos::Signature::parse(sig->get<std::string>());
    } catch (const Error& e) {
      throw bad(where + ".signature", std::string("not a signature: ") + e.what());
    }
  }

  auto round = entry.find("round");
  if (round == entry.end() || round->is_null()) {
    // octez without a round refused every request at this level: a floor over the level.
    mark.round = std::numeric_limits<std::int32_t>::max();
    return mark;
  }
  auto r = json_int32(*round);
  if (!r) throw bad(where + ".round", "not an integer in the int32 range");
  mark.round = *r;
  crypto::Digest32 d;
  std::copy(raw.begin(), raw.end(), d.begin());
  mark.digest = d;
  mark.signature = std::move(signature);
  return mark;
}

std::string kind_file_names() {
  return "block_high_watermark, preattestation_high_watermark, attestation_high_watermark, "
         "preendorsement_high_watermark, endorsement_high_watermark";
}

}  // namespace

bool is_octez_watermark_file_name(std::string_view file_name) {
  return file_name.size() > kSuffix.size() &&
         file_name.substr(file_name.size() - kSuffix.size()) == kSuffix;
}

std::optional<tezos::RequestKind> octez_watermark_file_kind(std::string_view file_name) {
  using tezos::RequestKind;
  if (file_name == "block_high_watermark") return RequestKind::Block;
  if (file_name == "preattestation_high_watermark") return RequestKind::Preattestation;
  if (file_name == "attestation_high_watermark") return RequestKind::Attestation;
  if (file_name == "preendorsement_high_watermark") return RequestKind::Preattestation;
  if (file_name == "endorsement_high_watermark") return RequestKind::Attestation;
  return std::nullopt;
}

MarkList parse_octez_watermark_file(tezos::RequestKind kind, std::string_view json_text,
                                    const std::string& file) {
  json doc;
  try {
    doc = parse_json_strict(json_text, file);
  } catch (const Error& e) {
    throw bad_request(std::string("octez watermark import: ") + e.what());
  }
  if (!doc.is_object()) throw bad(file, "top level is not a JSON object");
  MarkList out;
  for (const auto& [chain_text, delegates] : doc.items()) {
    const std::string where_chain = file + ": " + chain_text;
    Slot slot;
    slot.kind = mark_kind(kind);
    try {
      slot.chain = tezos::ChainId::parse(chain_text);
    } catch (const Error& e) {
      throw bad(where_chain, std::string("not a chain id: ") + e.what());
    }
    if (!delegates.is_object()) throw bad(where_chain, "value is not a JSON object");
    for (const auto& [pkh_text, entry] : delegates.items()) {
      const std::string where = where_chain + "." + pkh_text;
      try {
        slot.pkh = tezos::PublicKeyHash::parse(pkh_text);
      } catch (const Error& e) {
        throw bad(where, std::string("not a public key hash: ") + e.what());
      }
      out.emplace_back(slot, parse_entry(entry, where));
    }
  }
  return out;
}

MarkList read_octez_watermark_file(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  const auto kind = octez_watermark_file_kind(name);
  if (!kind) {
    throw bad(path, "not an octez-signer high watermark file name (expected one of " +
                        kind_file_names() + ")");
  }
  return parse_octez_watermark_file(*kind, read_text_file(path), path);
}

MarkList read_octez_watermark_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw bad(dir, "not a directory");
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec);
  if (ec) throw bad(dir, "cannot list: " + ec.message());
  for (const auto& e : it) {
    if (is_octez_watermark_file_name(e.path().filename().string())) files.push_back(e.path());
  }
  if (files.empty()) throw bad(dir, "no *_high_watermark file (" + kind_file_names() + ")");
  std::sort(files.begin(), files.end());
  MarkList out;
  for (const auto& path : files) {
    auto marks = read_octez_watermark_file(path.string());
    out.insert(out.end(), marks.begin(), marks.end());
  }
  return out;
}

}  // namespace signatory::watermark
