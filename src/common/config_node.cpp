// Config sections as drivers read them (see config_node.h).
#include "common/config_node.h"

#include "common/secret_text.h"

namespace signatory {

ConfigNode::ConfigNode(Kind kind, std::string file, int line, std::string path)
    : kind_(kind), file_(std::move(file)), line_(line), path_(std::move(path)) {}

ConfigNode ConfigNode::from_scalars(const std::map<std::string, std::string>& scalars,
                                    std::string path) {
  ConfigNode node(Kind::Mapping, "", 0, std::move(path));
  for (const auto& [key, value] : scalars)
    node.add_entry(key, scalar(value, "", 0, node.path_.empty() ? key : node.path_ + "." + key));
  return node;
}

ConfigNode ConfigNode::scalar(std::string text, std::string file, int line, std::string path) {
  ConfigNode node(Kind::Scalar, std::move(file), line, std::move(path));
  node.text_ = std::move(text);
  return node;
}

void ConfigNode::add_item(ConfigNode item) {
  items_.push_back(std::move(item));
}

void ConfigNode::add_entry(std::string key, ConfigNode value) {
  entries_.push_back(Entry{std::move(key), std::move(value)});
}

const char* ConfigNode::kind_name() const {
  switch (kind_) {
    case Kind::Null:
      return "null";
    case Kind::Scalar:
      return "a scalar";
    case Kind::Sequence:
      return "a sequence";
    case Kind::Mapping:
      return "a mapping";
  }
  return "null";
}

const std::string& ConfigNode::as_string() const {
  if (!is_scalar()) fail(std::string("expected a string, got ") + kind_name());
  return text_;
}

const ConfigNode* ConfigNode::find(std::string_view key) const {
  for (const Entry& e : entries_)
    if (e.key == key) return &e.value;
  return nullptr;
}

std::string ConfigNode::where() const {
  std::string out = file_;
  if (!out.empty() && line_ > 0) out += ":" + std::to_string(line_);
  if (!path_.empty()) out += (out.empty() ? "" : ": ") + path_;
  return out;
}

// A driver's error quotes the config's text (the key path, often a value): a secret key written
// where it does not belong is redacted (secret_text.h).
Error ConfigNode::error(const std::string& reason) const {
  const std::string at = where();
  return bad_request(redact_secret_keys(at.empty() ? reason : at + ": " + reason));
}

void ConfigNode::fail(const std::string& reason) const {
  throw error(reason);
}

Error ConfigNode::error_at(std::string_view key, const std::string& reason) const {
  if (const ConfigNode* value = find(key)) return value->error(reason);
  ConfigNode option(Kind::Null, file_, line_,
                    path_.empty() ? std::string(key) : path_ + "." + std::string(key));
  return option.error(reason);
}

}  // namespace signatory
