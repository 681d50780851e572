// Reading Signatory's watermark_v2 JSON files (see signatory_v2_import.h).
#include "watermark/transfer/signatory_v2_import.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "common/log.h"
#include "tezos/base58.h"
#include "watermark/transfer/mark_document.h"

namespace signatory::watermark {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Error bad(const std::string& where, const std::string& what) {
  return bad_request("watermark import: " + where + ": " + what);
}

std::int32_t int32_field(const json& entry, const char* name, bool required,
                         const std::string& where) {
  auto it = entry.find(name);
  if (it == entry.end() || it->is_null()) {
    if (required) throw bad(where, std::string("missing `") + name + "'");
    return 0;
  }
  if (!it->is_number_integer()) throw bad(where, std::string("`") + name + "' is not an integer");
  constexpr std::int64_t lo = std::numeric_limits<std::int32_t>::min();
  constexpr std::int64_t hi = std::numeric_limits<std::int32_t>::max();
  const bool fits = it->is_number_unsigned()
                        ? it->get<std::uint64_t>() <= static_cast<std::uint64_t>(hi)
                        : it->get<std::int64_t>() >= lo && it->get<std::int64_t>() <= hi;
  if (!fits) throw bad(where, std::string("`") + name + "' is out of the int32 range");
  const std::int64_t v = it->get<std::int64_t>();
  return static_cast<std::int32_t>(v);
}

std::string kind_list() {
  return "attestation, attestation_with_dal, block, preattestation";
}

}  // namespace

std::vector<std::pair<Slot, Mark>> parse_signatory_v2_file(const tezos::ChainId& chain,
                                                           std::string_view json_text,
                                                           const std::string& file) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::exception& e) {
    throw bad(file, std::string("invalid JSON: ") + e.what());
  }
  if (!doc.is_object()) throw bad(file, "top level is not a JSON object");

  std::vector<std::pair<Slot, Mark>> out;
  for (const auto& [pkh_text, kinds] : doc.items()) {
    const std::string where_pkh = file + ": " + pkh_text;
    Slot slot;
    slot.chain = chain;
    try {
      slot.pkh = tezos::PublicKeyHash::parse(pkh_text);
    } catch (const Error& e) {
      throw bad(where_pkh, std::string("not a public key hash: ") + e.what());
    }
    if (!kinds.is_object()) throw bad(where_pkh, "value is not a JSON object");
    for (const auto& [kind_text, entry] : kinds.items()) {
      const std::string where = where_pkh + ": " + kind_text;
      const auto kind = tezos::parse_request_kind(kind_text);
      if (!kind || !tezos::is_consensus(*kind)) {
        log::warn("Skipping Signatory watermark of a request kind that is not watermarked",
                  {{"file", file},
                   {"pkh", pkh_text},
                   {"kind", kind_text},
                   {"watermarked_kinds", kind_list()}});
        continue;
      }
      if (!entry.is_object()) throw bad(where, "value is not a JSON object");
      slot.kind = mark_kind(*kind);  // attestation_with_dal shares the attestation mark
      Mark mark;
      mark.level = int32_field(entry, "level", true, where);
      mark.round = int32_field(entry, "round", false, where);
      auto hash = entry.find("hash");
      if (hash != entry.end() && !hash->is_null()) {
        if (!hash->is_string()) throw bad(where, "`hash' is not a string");
        Bytes raw;
        try {
          raw = tezos::b58check_decode(tezos::prefix::vh, hash->get<std::string>());
        } catch (const Error& e) {
          throw bad(where, std::string("`hash' is not a vh… payload hash: ") + e.what());
        }
        if (raw.size() != 32) throw bad(where, "`hash' does not hold 32 bytes");
        crypto::Digest32 d;
        std::copy(raw.begin(), raw.end(), d.begin());
        mark.digest = d;
      }
      out.emplace_back(slot, mark);
    }
  }
  return out;
}

std::vector<std::pair<Slot, Mark>> read_signatory_v2_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw bad_request("watermark import: " + dir + " is not a directory");
  }
  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec);
  if (ec) throw bad_request("watermark import: cannot list " + dir + ": " + ec.message());
  for (const auto& e : it) {
    std::error_code fe;
    if (e.path().extension() == ".json" && e.is_regular_file(fe)) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());

  std::vector<std::pair<Slot, Mark>> out;
  for (const auto& path : files) {
    const std::string file = path.string();
    tezos::ChainId chain;
    try {
      chain = tezos::ChainId::parse(path.stem().string());
    } catch (const Error& e) {
      throw bad(file, std::string("file name is not a chain id: ") + e.what());
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw bad(file, "cannot open the file");
    std::stringstream text;
    text << in.rdbuf();
    auto marks = parse_signatory_v2_file(chain, text.str(), file);
    out.insert(out.end(), marks.begin(), marks.end());
  }
  return out;
}

ImportSummary import_signatory_v2(Watermark& store, const std::string& dir) {
  return raise_marks(store, read_signatory_v2_dir(dir), dir);
}

}  // namespace signatory::watermark
