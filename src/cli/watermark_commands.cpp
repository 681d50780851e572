// `signatory-cli watermark …` (see watermark_commands.h).
//
// Auto-detection of `watermark import PATH`:
//   - a directory holding `watermark_v2/` (a Signatory base_dir) → Signatory, that subdirectory;
//   - a directory holding `*_high_watermark` files (an octez-signer base dir) → octez;
//   - a directory holding `*.json` files (Signatory's watermark_v2/ itself) → Signatory;
//   - a file named `*_high_watermark` → octez, that one file;
//   - any other file → a mark document.
// A directory matching two of these, or none, is an error asking for --from.
#include "cli/watermark_commands.h"

#include <filesystem>
#include <iostream>
#include <limits>

#include "common/error.h"
#include "common/file_env.h"
#include "common/log.h"
#include "watermark/file/file_watermark.h"
#include "watermark/transfer/octez_watermark_import.h"
#include "watermark/transfer/signatory_v2_import.h"
#include "watermark/transfer/strict_json.h"

namespace signatory::cli {
namespace {

namespace fs = std::filesystem;
using watermark::Mark;
using watermark::MarkList;
using watermark::Slot;

constexpr const char* kDescJson = "mark document";
constexpr const char* kDescSignatory = "Signatory watermark_v2 files";
constexpr const char* kDescOctez = "octez-signer high watermark files";

struct DirContent {
  bool v2_subdir = false;
  bool json_files = false;
  bool octez_files = false;
};

DirContent scan(const fs::path& dir) {
  DirContent c;
  std::error_code ec;
  c.v2_subdir = fs::is_directory(dir / watermark::kSignatoryV2DirName, ec);
  fs::directory_iterator it(dir, ec);
  if (ec) throw bad_request("watermark import: cannot list " + dir.string() + ": " + ec.message());
  for (const auto& e : it) {
    std::error_code fe;
    if (!e.is_regular_file(fe)) continue;
    if (e.path().extension() == ".json") c.json_files = true;
    if (watermark::is_octez_watermark_file_name(e.path().filename().string())) c.octez_files = true;
  }
  return c;
}

ImportFormat parse_from(const std::string& s) {
  if (s == "auto") return ImportFormat::Auto;
  if (s == "json") return ImportFormat::Json;
  if (s == "signatory") return ImportFormat::Signatory;
  if (s == "octez") return ImportFormat::Octez;
  throw bad_request("--from: `" + s + "' is not one of auto, json, signatory, octez");
}

// The store of the config, with a clear word when a running signer holds it. With `repair`
// (import, set-floor), a damaged or missing `file` log is opened keeping the marks still
// readable, so that the marks the command writes can replace the lost ones
// (docs/watermark-format.md, "Damage").
std::unique_ptr<watermark::Watermark> open_store(const config::Config& cfg, bool repair) {
  try {
    if (repair && (cfg.watermark.driver.empty() || cfg.watermark.driver == "file")) {
      watermark::FileWatermarkOptions options;
      options.repair = true;
      return std::make_unique<watermark::FileWatermark>(cfg.base_dir, options);
    }
    return open_watermark_store(cfg);
  } catch (const Error& e) {
    const std::string message = e.what();
    if (message.find("in use by another signer") != std::string::npos) {
      throw internal_error(message + ". Stop the signer that uses base_dir " + cfg.base_dir +
                           " before running `signatory-cli watermark`, then start it again "
                           "(marks must not change under a running signer)");
    }
    throw;
  }
}

// A store whose marks outlive this process; import and set-floor are pointless otherwise.
void require_persistent(const watermark::Watermark& store) {
  if (store.backend_name() == "mem") {
    throw bad_request(
        "the watermark driver is `mem': its marks live in the memory of the "
        "signer process only, so marks written by signatory-cli would be lost; "
        "configure a persistent watermark driver (e.g. file)");
  }
}

std::string kind_name(tezos::RequestKind k) {
  return std::string(tezos::request_kind_name(k));
}

}  // namespace

ImportSource detect_import_source(const std::string& path, ImportFormat requested) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st))
    throw bad_request("watermark import: " + path + ": no such file or directory");
  const bool is_dir = fs::is_directory(st);
  const fs::path p(path);
  ImportSource src;
  src.path = path;

  if (requested == ImportFormat::Auto) {
    if (!is_dir) {
      requested = watermark::is_octez_watermark_file_name(p.filename().string())
                      ? ImportFormat::Octez
                      : ImportFormat::Json;
    } else {
      const DirContent c = scan(p);
      const int matches = int(c.v2_subdir) + int(c.octez_files) + int(c.json_files && !c.v2_subdir);
      if (matches == 0) {
        throw bad_request("watermark import: cannot tell the format of directory " + path +
                          ": it holds no watermark_v2/ directory, no *.json chain files and no "
                          "*_high_watermark files (use --from signatory|octez, or give a mark "
                          "document file)");
      }
      if (matches > 1) {
        throw bad_request("watermark import: directory " + path +
                          " holds marks of more than one signer format (watermark_v2/, *.json, "
                          "*_high_watermark); choose one with --from signatory|octez");
      }
      requested = c.octez_files ? ImportFormat::Octez : ImportFormat::Signatory;
    }
  }

  switch (requested) {
    case ImportFormat::Json:
      if (is_dir) {
        throw bad_request("watermark import: " + path +
                          " is a directory; --from json reads a mark document file");
      }
      src.format = ImportFormat::Json;
      src.description = kDescJson;
      break;
    case ImportFormat::Signatory:
      src.format = ImportFormat::Signatory;
      src.description = kDescSignatory;
      if (is_dir && fs::is_directory(p / watermark::kSignatoryV2DirName, ec)) {
        src.path = (p / watermark::kSignatoryV2DirName).string();
      }
      break;
    case ImportFormat::Octez:
      src.format = ImportFormat::Octez;
      src.description = kDescOctez;
      break;
    case ImportFormat::Auto:
      break;  // resolved above
  }
  return src;
}

MarkList read_import_source(const ImportSource& source) {
  std::error_code ec;
  const bool is_dir = fs::is_directory(source.path, ec);
  switch (source.format) {
    case ImportFormat::Json:
      return watermark::read_mark_document(source.path);
    case ImportFormat::Signatory: {
      if (is_dir) return watermark::read_signatory_v2_dir(source.path);
      // One chain file, named <chain id>.json.
      const fs::path p(source.path);
      tezos::ChainId chain;
      try {
        chain = tezos::ChainId::parse(p.stem().string());
      } catch (const Error& e) {
        throw bad_request("watermark import: " + source.path +
                          ": a Signatory chain file is named <chain id>.json: " + e.what());
      }
      return watermark::parse_signatory_v2_file(chain, watermark::read_text_file(source.path),
                                                source.path);
    }
    case ImportFormat::Octez:
      return is_dir ? watermark::read_octez_watermark_dir(source.path)
                    : watermark::read_octez_watermark_file(source.path);
    case ImportFormat::Auto:
      break;
  }
  throw internal_error("watermark import: format not resolved");
}

WatermarkCommand::WatermarkCommand(CLI::App& app) {
  root_ = app.add_subcommand("watermark",
                             "Export, import and set high-water marks (stop the "
                             "signer first)");
  root_->require_subcommand(1);

  export_ = root_->add_subcommand("export", "Write every mark of the store as a JSON document");
  export_->add_option("-o,--output", output_, "Output file (default: standard output)");

  import_ = root_->add_subcommand(
      "import",
      "Raise the store to the marks of a mark document, Signatory's watermark_v2/ "
      "or octez-signer's *_high_watermark files (never lowers a mark)");
  import_->add_option("path", import_path_, "File or directory to read")->required();
  import_->add_option("--from", from_, "Input format: auto|json|signatory|octez")
      ->capture_default_str();

  set_floor_ = root_->add_subcommand(
      "set-floor", "Forbid signing at or below a level for a key and chain (any round)");
  set_floor_->add_option("--pkh", pkh_, "Delegate public key hash (tz…)")->required();
  set_floor_->add_option("--chain", chain_, "Chain id (Net…)")->required();
  set_floor_->add_option("--level", level_, "Highest level that must never be signed")->required();
  set_floor_->add_option("--kind", kind_, "block|preattestation|attestation|all")
      ->capture_default_str();

  // Global flags are persistent: accepted after the nested subcommand too.
  for (auto* sub : root_->get_subcommands({})) sub->fallthrough();
}

int WatermarkCommand::run(const GlobalFlags& flags) const {
  if (export_->parsed()) return run_export(flags);
  if (import_->parsed()) return run_import(flags);
  if (set_floor_->parsed()) return run_set_floor(flags);
  return 0;
}

std::size_t export_marks_to_file(watermark::Watermark& store, const std::string& path,
                                 FileEnv& env) {
  const MarkList marks = store.marks();
  const std::string text = watermark::write_mark_document(marks);
  const ReplaceResult r = env.replace_file(path, as_view(text), 0644);
  if (!r.ok()) throw bad_request("cannot " + r.status.message);
  return marks.size();
}

int WatermarkCommand::run_export(const GlobalFlags& flags) const {
  config::Config cfg = load_config_logged(flags);
  auto store = open_store(cfg, false);
  std::size_t count = 0;
  if (output_.empty() || output_ == "-") {
    const MarkList marks = store->marks();
    std::cout << watermark::write_mark_document(marks) << std::flush;
    count = marks.size();
  } else {
    count = export_marks_to_file(*store, output_, default_file_env());
    std::cout << "Exported " << count << " marks to " << output_ << "\n";
  }
  log::info("Watermarks exported",
            {{"backend", store->backend_name()}, {"marks", std::to_string(count)}});
  return 0;
}

int WatermarkCommand::run_import(const GlobalFlags& flags) const {
  const ImportSource source = detect_import_source(import_path_, parse_from(from_));
  // Read (and validate) everything before touching the store.
  const MarkList marks = read_import_source(source);
  config::Config cfg = load_config_logged(flags);
  auto store = open_store(cfg, true);
  require_persistent(*store);
  const auto summary = watermark::raise_marks(*store, marks, source.path);
  std::cout << "Read " << summary.read << " marks from " << source.path << " ("
            << source.description << "): raised " << summary.raised << ", "
            << summary.read - summary.raised << " already at or below the stored marks\n";
  return 0;
}

int WatermarkCommand::run_set_floor(const GlobalFlags& flags) const {
  Slot slot;
  slot.pkh = tezos::PublicKeyHash::parse(pkh_);
  slot.chain = tezos::ChainId::parse(chain_);
  if (level_ < 0 || level_ > std::numeric_limits<std::int32_t>::max()) {
    throw bad_request("--level must be between 0 and " +
                      std::to_string(std::numeric_limits<std::int32_t>::max()));
  }
  std::vector<tezos::RequestKind> kinds;
  if (kind_ == "all") {
    kinds = {tezos::RequestKind::Block, tezos::RequestKind::Preattestation,
             tezos::RequestKind::Attestation};
  } else {
    const auto k = tezos::parse_request_kind(kind_);
    if (!k || !tezos::is_consensus(*k)) {
      throw bad_request("--kind: `" + kind_ +
                        "' is not one of block, preattestation, attestation, all");
    }
    kinds = {watermark::mark_kind(*k)};
  }
  // The floor: (level, INT32_MAX) with no digest refuses every round of `level` and below
  // (watermark_rule: only a strictly higher (level, round) is signed).
  Mark floor;
  floor.level = static_cast<std::int32_t>(level_);
  floor.round = std::numeric_limits<std::int32_t>::max();

  config::Config cfg = load_config_logged(flags);
  auto store = open_store(cfg, true);
  require_persistent(*store);
  for (auto kind : kinds) {
    slot.kind = kind;
    log::Fields fields = {{"chain", chain_},
                          {"pkh", pkh_},
                          {"kind", kind_name(kind)},
                          {"level", std::to_string(floor.level)}};
    const watermark::RaiseResult r = store->raise(slot, floor);
    if (!r.raised()) {
      std::cout << kind_name(kind) << ": unchanged, the stored mark (level " << r.kept->level
                << ", round " << r.kept->round << ") is already at or above the floor\n";
      log::info("Watermark floor not needed: the stored mark is at or above it", fields);
      continue;
    }
    std::cout << kind_name(kind) << ": floor set, nothing at or below level " << floor.level
              << " can be signed\n";
    log::info("Watermark floor set", fields);
  }
  return 0;
}

}  // namespace signatory::cli
