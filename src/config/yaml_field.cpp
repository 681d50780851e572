// Typed reading of YAML config nodes with file:line positions (see yaml_field.h).
#include "config/yaml_field.h"

#include <algorithm>
#include <charconv>

#include "common/error.h"
#include "common/secret_text.h"

namespace signatory::config::detail {

namespace {

// Merge keys may chain (`<<: *a` where `a` itself merges `*b`); an alias may even point back at
// its own mapping. Past this depth the file is refused rather than followed for ever.
constexpr int kMaxMergeDepth = 16;

}  // namespace

int line_of(const YAML::Node& node, int fallback) {
  if (!node.IsDefined()) return fallback;
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return fallback;
  return mark.line + 1;
}

YamlField::YamlField(const YamlSource* source, YAML::Node node, std::string path, int line,
                     std::string child_separator)
    : source_(source),
      node_(std::move(node)),
      path_(std::move(path)),
      line_(line),
      child_separator_(std::move(child_separator)) {}

YamlField YamlField::with_child_separator(std::string separator) const {
  return YamlField(source_, node_, path_, line_, std::move(separator));
}

YamlField YamlField::at_line(int line) const {
  return YamlField(source_, node_, path_, line, child_separator_);
}

std::string YamlField::where() const {
  std::string out = source_->file + ":" + std::to_string(line_);
  if (!path_.empty()) out += ": " + path_;
  return out;
}

// Both quote the config's text (the key path, often the value): a secret key written by mistake
// is redacted (common/secret_text.h).
void YamlField::fail(const std::string& reason) const {
  throw bad_request(redact_secret_keys(where() + ": " + reason));
}

void YamlField::warn(const std::string& message) const {
  if (source_->warnings != nullptr)
    source_->warnings->push_back(redact_secret_keys(where() + ": " + message));
}

std::string YamlField::kind_name() const {
  if (is_null()) return "null";
  if (node_.IsMap()) return "a mapping";
  if (node_.IsSequence()) return "a sequence";
  return "a scalar";
}

void YamlField::collect_entries(std::vector<Entry>& out, int depth, bool from_merge) const {
  if (depth > kMaxMergeDepth) fail("merge keys (<<) nested too deeply or in a cycle");
  if (!node_.IsMap()) fail("expected a mapping, got " + kind_name());

  std::vector<YamlField> merges;
  const std::size_t first_own = out.size();
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    // Copies: yaml-cpp's iterator hands out a temporary proxy.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    const int key_line = line_of(key, line_);
    if (!key.IsScalar()) {
      YamlField(source_, key, path_, key_line)
          .fail("expected a plain key, got " + YamlField(source_, key, "", 0).kind_name());
    }
    const std::string name = key.Scalar();
    if (name == "<<" && key.Tag() != "!" && key.Tag() != "tag:yaml.org,2002:str") {  // not quoted
      merges.emplace_back(source_, value, path_, line_of(value, key_line));
      continue;
    }
    const std::string child_path = path_.empty() ? name : path_ + child_separator_ + name;
    // A null value has no useful position of its own (yaml-cpp gives the next line): use the key's.
    const int value_line = value.IsNull() ? key_line : line_of(value, key_line);
    const auto same_key = [&](const Entry& e) { return e.key == name; };
    if (!from_merge) {
      auto previous =
          std::find_if(out.begin() + static_cast<std::ptrdiff_t>(first_own), out.end(), same_key);
      if (previous != out.end()) {
        YamlField(source_, key, child_path, key_line)
            .fail("duplicate key (first written at line " + std::to_string(previous->key_line) +
                  ")");
      }
    } else if (std::any_of(out.begin(), out.end(), same_key)) {
      continue;  // an explicit key, or an earlier merged mapping, wins
    }
    out.push_back(Entry{name, YamlField(source_, value, child_path, value_line), key_line});
  }
  // Merged mappings come after the explicit keys so that explicit keys take precedence; in a
  // sequence of merged mappings the first one wins.
  for (const YamlField& merge : merges) {
    if (merge.node_.IsMap()) {
      merge.with_child_separator(child_separator_).collect_entries(out, depth + 1, true);
    } else if (merge.node_.IsSequence()) {
      for (const YamlField& item : merge.items()) {
        if (!item.node_.IsMap())
          item.fail("merge key (<<) expects mappings, got " + item.kind_name());
        item.with_child_separator(child_separator_).collect_entries(out, depth + 1, true);
      }
    } else {
      merge.fail("merge key (<<) expects a mapping or a sequence of mappings, got " +
                 merge.kind_name());
    }
  }
}

std::vector<YamlField::Entry> YamlField::entries() const {
  std::vector<Entry> out;
  if (is_null()) return out;
  collect_entries(out, 0, false);
  return out;
}

void YamlField::warn_unknown(const std::vector<Entry>& entries,
                             std::initializer_list<std::string_view> known) const {
  for (const Entry& e : entries) {
    if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
    YamlField(source_, e.value.node_, e.value.path_, e.key_line).warn("unknown key, ignored");
  }
}

std::vector<YamlField> YamlField::items() const {
  std::vector<YamlField> out;
  if (is_null()) return out;
  if (!node_.IsSequence()) fail("expected a sequence, got " + kind_name());
  out.reserve(node_.size());
  for (const YAML::Node& item : node_) {
    out.emplace_back(source_, item, path_, line_of(item, line_));
  }
  return out;
}

std::string YamlField::as_string() const {
  if (!node_.IsScalar()) fail("expected a string, got " + kind_name());
  return node_.Scalar();
}

bool YamlField::as_bool() const {
  if (!node_.IsScalar()) fail("expected true or false, got " + kind_name());
  bool value = false;
  if (!YAML::convert<bool>::decode(node_, value)) {
    fail("expected true or false, got `" + node_.Scalar() + "'");
  }
  return value;
}

std::uint64_t YamlField::as_uint(std::uint64_t max) const {
  if (!node_.IsScalar()) fail("expected a non-negative integer, got " + kind_name());
  const std::string& text = node_.Scalar();
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
  if (text.empty() || text[0] == '+' || text[0] == '-' || ec == std::errc::invalid_argument ||
      ptr != end) {
    fail("expected a non-negative integer, got `" + text + "'");
  }
  if (ec == std::errc::result_out_of_range || value > max) {
    fail("`" + text + "' is too large (at most " + std::to_string(max) + ")");
  }
  return value;
}

std::vector<std::string> YamlField::as_string_list() const {
  std::vector<std::string> out;
  for (const YamlField& item : items()) {
    if (!item.node_.IsScalar())
      item.fail("expected a list of strings, got " + item.kind_name() + " in the list");
    out.push_back(item.node_.Scalar());
  }
  return out;
}

}  // namespace signatory::config::detail
