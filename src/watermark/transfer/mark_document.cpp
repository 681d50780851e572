// The versioned JSON document of high-water marks, and merging by maximum (see
// mark_document.h).
#include "watermark/transfer/mark_document.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "common/bytes.h"
#include "common/error.h"
#include "common/log.h"
#include "watermark/transfer/strict_json.h"

namespace signatory::watermark {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr const char* kEntryFields[] = {"chain", "pkh",    "kind",     "level",
                                        "round", "digest", "signature"};

Error bad(const std::string& where, const std::string& what) {
  return bad_request(where + ": " + what);
}

const json& required(const json& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end()) throw bad(where, std::string("missing field `") + name + "'");
  return *it;
}

std::string string_field(const json& entry, const char* name, const std::string& where) {
  const json& v = required(entry, name, where);
  if (!v.is_string()) throw bad(where + "." + name, "not a string");
  return v.get<std::string>();
}

std::int32_t int32_field(const json& entry, const char* name, const std::string& where) {
  const json& v = required(entry, name, where);
  auto n = json_int32(v);
  if (!n) throw bad(where + "." + name, "not an integer in the int32 range");
  return *n;
}

Slot parse_slot(const json& entry, const std::string& where) {
  Slot slot;
  const std::string chain = string_field(entry, "chain", where);
  try {
    slot.chain = tezos::ChainId::parse(chain);
  } catch (const Error& e) {
    throw bad(where + ".chain", "not a chain id (Net…): " + std::string(e.what()));
  }
  const std::string pkh = string_field(entry, "pkh", where);
  try {
    slot.pkh = tezos::PublicKeyHash::parse(pkh);
  } catch (const Error& e) {
    throw bad(where + ".pkh", "not a public key hash (tz…): " + std::string(e.what()));
  }
  const std::string kind_text = string_field(entry, "kind", where);
  const auto kind = tezos::parse_request_kind(kind_text);
  if (!kind || !tezos::is_consensus(*kind)) {
    throw bad(where + ".kind", "`" + kind_text +
                                   "' is not a watermarked request kind (attestation, "
                                   "attestation_with_dal, block, preattestation)");
  }
  slot.kind = mark_kind(*kind);
  return slot;
}

Mark parse_mark(const json& entry, const std::string& where) {
  Mark mark;
  mark.level = int32_field(entry, "level", where);
  mark.round = int32_field(entry, "round", where);
  if (auto it = entry.find("digest"); it != entry.end() && !it->is_null()) {
    if (!it->is_string()) throw bad(where + ".digest", "not a string or null");
    const std::string hex = it->get<std::string>();
    Bytes raw;
    try {
      raw = from_hex(hex);
    } catch (const Error& e) {
      throw bad(where + ".digest", e.what());
    }
    if (raw.size() != 32) {
      throw bad(where + ".digest",
                "not 32 bytes (64 hex digits) but " + std::to_string(raw.size()) + " bytes");
    }
    crypto::Digest32 d;
    std::copy(raw.begin(), raw.end(), d.begin());
    mark.digest = d;
  }
  if (auto it = entry.find("signature"); it != entry.end() && !it->is_null()) {
    if (!it->is_string()) throw bad(where + ".signature", "not a string or null");
    try {
      mark.signature = tezos::Signature::parse(it->get<std::string>());
    } catch (const Error& e) {
      throw bad(where + ".signature", "not a signature: " + std::string(e.what()));
    }
  }
  return mark;
}

std::string slot_text(const Slot& slot) {
  return slot.chain.to_base58() + "/" + slot.pkh.to_base58() + "/" +
         std::string(tezos::request_kind_name(slot.kind));
}

}  // namespace

std::string write_mark_document(MarkList marks) {
  std::stable_sort(marks.begin(), marks.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = "{\n  \"format\": \"" + std::string(kMarkDocumentFormat) +
                    "\",\n  \"version\": " + std::to_string(kMarkDocumentVersion) +
                    ",\n  \"marks\": [";
  bool first = true;
  for (const auto& [slot, mark] : marks) {
    ordered_json e;
    e["chain"] = slot.chain.to_base58();
    e["pkh"] = slot.pkh.to_base58();
    e["kind"] = std::string(tezos::request_kind_name(slot.kind));
    e["level"] = mark.level;
    e["round"] = mark.round;
    e["digest"] = mark.digest ? ordered_json(to_hex(*mark.digest)) : ordered_json(nullptr);
    e["signature"] =
        mark.signature ? ordered_json(mark.signature->to_base58()) : ordered_json(nullptr);
    out += first ? "\n    " : ",\n    ";
    out += e.dump();
    first = false;
  }
  out += first ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

MarkList parse_mark_document(std::string_view text, const std::string& source) {
  const json doc = parse_json_strict(text, source);
  if (!doc.is_object()) throw bad(source, "not a JSON object (expected a mark document)");
  for (const auto& [key, value] : doc.items()) {
    if (key != "format" && key != "version" && key != "marks") {
      throw bad(source, "unknown field `" + key + "' (expected format, version, marks)");
    }
  }
  const json& format = required(doc, "format", source);
  if (!format.is_string() || format.get<std::string>() != kMarkDocumentFormat) {
    throw bad(source + ": format", "not a mark document: expected \"" +
                                       std::string(kMarkDocumentFormat) + "\", got " +
                                       format.dump());
  }
  const json& version = required(doc, "version", source);
  if (!version.is_number_integer() || json_int32(version) != kMarkDocumentVersion) {
    throw bad(source + ": version", "unsupported version " + version.dump() +
                                        " (this signer reads version " +
                                        std::to_string(kMarkDocumentVersion) + ")");
  }
  const json& marks = required(doc, "marks", source);
  if (!marks.is_array()) throw bad(source + ": marks", "not an array");

  MarkList out;
  std::map<Slot, std::size_t> seen;
  for (std::size_t i = 0; i < marks.size(); ++i) {
    const std::string where = source + ": marks[" + std::to_string(i) + "]";
    const json& entry = marks[i];
    if (!entry.is_object()) throw bad(where, "not a JSON object");
    for (const auto& [key, value] : entry.items()) {
      if (std::find(std::begin(kEntryFields), std::end(kEntryFields), key) ==
          std::end(kEntryFields)) {
        throw bad(where, "unknown field `" + key +
                             "' (expected chain, pkh, kind, level, round, digest, signature)");
      }
    }
    Slot slot = parse_slot(entry, where);
    Mark mark = parse_mark(entry, where);
    auto [it, inserted] = seen.emplace(slot, i);
    if (!inserted) {
      throw bad(where, "second mark for " + slot_text(slot) + " (the first is marks[" +
                           std::to_string(it->second) + "])");
    }
    out.emplace_back(slot, mark);
  }
  return out;
}

MarkList read_mark_document(const std::string& path) {
  return parse_mark_document(read_text_file(path), path);
}

ImportSummary raise_marks(Watermark& store, const MarkList& marks, const std::string& source) {
  ImportSummary summary;
  summary.read = marks.size();
  for (const auto& [slot, mark] : marks) {
    log::Fields fields = {{"source", source},
                          {"chain", slot.chain.to_base58()},
                          {"pkh", slot.pkh.to_base58()},
                          {"kind", std::string(tezos::request_kind_name(slot.kind))},
                          {"level", std::to_string(mark.level)},
                          {"round", std::to_string(mark.round)}};
    const RaiseResult r = store.raise(slot, mark);
    if (r.raised()) {
      ++summary.raised;
      log::info("Raised watermark", fields);
    } else {
      fields.push_back({"stored_level", std::to_string(r.kept->level)});
      fields.push_back({"stored_round", std::to_string(r.kept->round)});
      log::info("Watermark not raised: the store is already at or above it", fields);
    }
  }
  log::info("Watermark import finished", {{"source", source},
                                          {"marks_read", std::to_string(summary.read)},
                                          {"marks_raised", std::to_string(summary.raised)}});
  return summary;
}

}  // namespace signatory::watermark
