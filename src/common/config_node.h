// A section of the config file as a driver sees it (a vault's or the watermark store's
// `config:`), without YAML types: scalars as text, sequences, mappings in file order, each node
// with its file, 1-based line and key path ("vaults.kms.config.timeout"). The config loader
// (config/) builds it; drivers read it and report problems through fail()/error_at(), which
// name the position as every config error does: "<file>:<line>: <path>: <reason>".
//
// A mapping may also be written in code (tests, tools): its errors then name the path only.
// A value type; immutable once built; safe to read from any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace signatory {

class ConfigNode {
 public:
  enum class Kind { Null, Scalar, Sequence, Mapping };
  struct Entry;

  // Null, at no position.
  ConfigNode() = default;
  // Null or empty, at `file`:`line` (line 0: unknown) under `path`; the loader fills it.
  ConfigNode(Kind kind, std::string file, int line, std::string path);
  // A mapping of scalars written in code, under `path` (e.g. "watermark.config").
  static ConfigNode from_scalars(const std::map<std::string, std::string>& scalars,
                                 std::string path);
  static ConfigNode scalar(std::string text, std::string file, int line, std::string path);
  // Loader only: appends to a sequence / a mapping.
  void add_item(ConfigNode item);
  void add_entry(std::string key, ConfigNode value);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_scalar() const { return kind_ == Kind::Scalar; }
  bool is_sequence() const { return kind_ == Kind::Sequence; }
  bool is_mapping() const { return kind_ == Kind::Mapping; }
  // "null", "a scalar", "a sequence", "a mapping".
  const char* kind_name() const;

  // The text of a scalar ("" for other kinds).
  const std::string& text() const { return text_; }
  // The text of a scalar; fails "expected a string, got <kind>" otherwise.
  const std::string& as_string() const;
  const std::vector<ConfigNode>& items() const { return items_; }
  const std::vector<Entry>& entries() const { return entries_; }
  // The value of the first entry named `key`, or null when there is none (or not a mapping).
  const ConfigNode* find(std::string_view key) const;

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& path() const { return path_; }
  // "<file>:<line>: <path>", leaving out what is unknown.
  std::string where() const;

  // Error(BadRequest) "<where>: <reason>".
  Error error(const std::string& reason) const;
  [[noreturn]] void fail(const std::string& reason) const;
  // The error about option `key` of this mapping: at the option when it is set, else at this
  // node with the option's path ("<file>:<line>: <path>.<key>: <reason>").
  Error error_at(std::string_view key, const std::string& reason) const;

 private:
  Kind kind_ = Kind::Null;
  std::string text_;
  std::vector<ConfigNode> items_;
  std::vector<Entry> entries_;
  std::string file_;
  int line_ = 0;
  std::string path_;
};

struct ConfigNode::Entry {
  std::string key;
  ConfigNode value;
};

}  // namespace signatory
