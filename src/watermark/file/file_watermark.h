// The `file` watermark backend (the default): high-water marks in a crash-safe append-only
// log, `<base_dir>/watermark_log/marks.log` (format and crash argument in
// docs/watermark-format.md). A new mark is on disk (one pwrite + one fdatasync) before its
// signature is returned; if it cannot be written `guard` throws Error(503) and returns
// nothing. An exclusive lock on `<base_dir>/watermark_log/LOCK` keeps a second signer process
// from sharing the store.
//
// On its first start (no marks.log yet), if Signatory's `<base_dir>/watermark_v2/` exists,
// its marks are imported (logged one by one) before the log is created. Once the log is
// durable, `<base_dir>/watermark_log/CREATED` records that the store has one: a marks.log that
// later goes missing is then damage (the signer refuses to start), not a first start.
//
// Thread-safe: requests for one slot are serialised, different slots run in parallel; the
// log append itself is serialised. Opening throws Error(500) with the reason (directory not
// creatable, store locked by another process, damaged or missing log: mark_log.h).
#pragma once

#include <memory>
#include <string>

#include "watermark/core/mark_table.h"
#include "watermark/core/watermark.h"
#include "watermark/file/mark_log.h"
#include "watermark/registry.h"

namespace signatory::watermark {

struct FileWatermarkOptions {
  MarkLogOptions log;
  // Opens a damaged or missing log by keeping the marks still readable (with a warning) instead
  // of refusing: only for `signatory-cli watermark import|set-floor`, which then write the
  // marks that replace the lost ones. Never for a signer.
  bool repair = false;
};

class FileWatermark final : public Watermark {
 public:
  explicit FileWatermark(const std::string& base_dir, FileWatermarkOptions options = {});
  ~FileWatermark() override;
  FileWatermark(const FileWatermark&) = delete;
  FileWatermark& operator=(const FileWatermark&) = delete;

  static std::string store_dir(const std::string& base_dir);  // <base_dir>/watermark_log
  static std::string log_path(const std::string& base_dir);   // …/watermark_log/marks.log

  std::string backend_name() const override { return "file"; }
  tezos::Signature guard(const Slot& slot, std::int32_t level, std::int32_t round,
                         const crypto::Digest32& digest,
                         const std::function<tezos::Signature()>& sign) override;
  std::vector<std::pair<Slot, Mark>> marks() override;
  RaiseResult raise(const Slot& slot, const Mark& mark) override;
  // Empty when a new mark can be made durable; else why not (see MarkLog::health).
  std::string health() override;

 private:
  std::unique_ptr<FileLock> lock_;  // the lock on LOCK, held for the store's lifetime
  std::unique_ptr<MarkLog> log_;
  MarkTable table_;
};

// The registry's factory for `file` (it takes no options and ignores any given).
std::unique_ptr<Watermark> open_file_watermark(const std::string& base_dir,
                                               const WatermarkOptions& options);

}  // namespace signatory::watermark
