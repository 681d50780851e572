// Typed reading of one YAML node of the config file with its position: the file name, the
// 1-based line and the key path ("server.address", "tezos.tz1…: allowed_kinds") that every
// error and warning names. A wrong type throws Error(BadRequest) "<file>:<line>: <path>: <reason>";
// unknown keys become warnings collected in the shared `YamlSource`.
//
// Mappings are read through `entries()`, which refuses duplicate keys (as Signatory's YAML
// library does) and resolves YAML merge keys (`<<: *anchor`), which yaml-cpp leaves to the
// application. Aliases are resolved by yaml-cpp itself; an alias node reports the line of its
// anchor. A null value counts as an absent one everywhere.
//
// Internal to the config module. Not thread-safe (loading is single-threaded); the values read
// are plain copies.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace signatory::config::detail {

// The file being read and the warnings met so far.
struct YamlSource {
  std::string file;
  std::vector<std::string>* warnings;
};

class YamlField {
 public:
  YamlField(const YamlSource* source, YAML::Node node, std::string path, int line,
            std::string child_separator = ".");

  struct Entry;

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  int line() const { return line_; }  // 1-based

  bool is_null() const { return !node_.IsDefined() || node_.IsNull(); }
  bool is_scalar() const { return node_.IsScalar(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_mapping() const { return node_.IsMap(); }

  // The same node, whose direct children are named "<path><separator><key>" (default ".";
  // grandchildren use "." again).
  YamlField with_child_separator(std::string separator) const;
  // The same node, reported at another line (e.g. the line of its key).
  YamlField at_line(int line) const;

  // Mapping entries in file order, merge keys resolved (explicit keys win). Null gives none.
  std::vector<Entry> entries() const;
  // Warns about every entry whose key is not in `known`.
  void warn_unknown(const std::vector<Entry>& entries,
                    std::initializer_list<std::string_view> known) const;
  // Sequence items (they keep this field's path); null gives none.
  std::vector<YamlField> items() const;

  std::string as_string() const;                    // any scalar, as written
  bool as_bool() const;                             // true/false (and YAML 1.1 yes/no/on/off)
  std::uint64_t as_uint(std::uint64_t max) const;   // decimal, <= max
  std::vector<std::string> as_string_list() const;  // a sequence of scalars

  [[noreturn]] void fail(const std::string& reason) const;
  void warn(const std::string& message) const;
  // "<file>:<line>: <path>" — the prefix of this field's errors and warnings.
  std::string where() const;

  // "a mapping", "a sequence", "a scalar", "null".
  std::string kind_name() const;

 private:
  const YamlSource* source_;
  YAML::Node node_;
  std::string path_;
  int line_;
  std::string child_separator_;

  void collect_entries(std::vector<Entry>& out, int depth, bool from_merge) const;
};

struct YamlField::Entry {
  std::string key;
  YamlField value;
  int key_line;
};

// 1-based line of `node`, or `fallback` when yaml-cpp has no position for it (null values).
int line_of(const YAML::Node& node, int fallback);

}  // namespace signatory::config::detail
