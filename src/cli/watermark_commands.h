// `signatory-cli watermark export | import | set-floor`: moving high-water marks between
// signers (docs/watermark-format.md, "Moving marks between signers").
//   export [-o FILE]           every mark of the configured store as one JSON document
//   import PATH [--from F]     merges a mark document, Signatory's watermark_v2/ or
//                              octez-signer's *_high_watermark files by maximum
//   set-floor --pkh --chain --level [--kind]
//                              forbids signing at or below a level for a key and chain
// The commands open the store the config names (the `file` store is locked by a running
// signer: stop it first). A mark is never lowered. import and set-floor are also the way out of
// a damaged or missing `file` log: they keep the marks still readable, write theirs and
// rewrite the log (docs/watermark-format.md, "Damage"). Single-threaded.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "cli/app_context.h"
#include "common/file_env.h"
#include "watermark/transfer/mark_document.h"

namespace signatory::cli {

// Where `watermark import` reads from.
enum class ImportFormat { Auto, Json, Signatory, Octez };

struct ImportSource {
  ImportFormat format = ImportFormat::Json;  // never Auto once detected
  std::string path;                          // the file or directory actually read
  std::string description;                   // e.g. "octez-signer high watermark files"
};

// Resolves `path` and `requested` (Auto: by what the path holds, see the header comment of
// watermark_commands.cpp) to what will be read. Throws Error(BadRequest) for a missing path or one
// whose format cannot be told (naming --from).
ImportSource detect_import_source(const std::string& path, ImportFormat requested);

// The marks of a detected source.
watermark::MarkList read_import_source(const ImportSource& source);

// `export -o path`: every mark of `store` as a mark document, written to `path` atomically
// through `env` (FileEnv::replace_file, mode 0644 less the umask); returns how many marks.
// Throws Error(400) "cannot <step> <file>: <reason>" if it cannot, leaving a file already at
// `path` as it was.
std::size_t export_marks_to_file(watermark::Watermark& store, const std::string& path,
                                 FileEnv& env);

// The `watermark` subcommand and its options; it must outlive the parse.
class WatermarkCommand {
 public:
  explicit WatermarkCommand(CLI::App& app);
  bool parsed() const { return root_->parsed(); }
  int run(const GlobalFlags& flags) const;

 private:
  int run_export(const GlobalFlags& flags) const;
  int run_import(const GlobalFlags& flags) const;
  int run_set_floor(const GlobalFlags& flags) const;

  CLI::App* root_ = nullptr;
  CLI::App* export_ = nullptr;
  CLI::App* import_ = nullptr;
  CLI::App* set_floor_ = nullptr;
  std::string output_;
  std::string import_path_;
  std::string from_ = "auto";
  std::string pkh_, chain_, kind_ = "all";
  std::int64_t level_ = -1;
};

}  // namespace signatory::cli
