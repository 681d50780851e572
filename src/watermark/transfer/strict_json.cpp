// Strict JSON reading for the watermark import formats (see strict_json.h).
#include "watermark/transfer/strict_json.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <vector>

#include "common/error.h"

namespace signatory::watermark {

using nlohmann::json;

namespace {

// Where the parser is: one frame per open object or array.
struct Frame {
  bool array = false;
  long index = -1;             // arrays: index of the current element
  std::string key;             // objects: the current key
  std::set<std::string> keys;  // objects: keys seen so far
};

std::string path_of(const std::vector<Frame>& stack) {
  std::string path;
  for (const Frame& f : stack) {
    if (f.array) {
      if (f.index >= 0) {
        path.push_back('[');
        path.append(std::to_string(f.index));
        path.push_back(']');
      }
    } else {
      if (!path.empty()) path += ".";
      path += f.key;
    }
  }
  return path;
}

}  // namespace

json parse_json_strict(std::string_view text, const std::string& source) {
  std::vector<Frame> stack;
  std::string duplicate;
  json::parser_callback_t callback = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (!stack.empty() && stack.back().array) ++stack.back().index;
        stack.push_back(Frame{event == json::parse_event_t::array_start, -1, {}, {}});
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!stack.empty()) stack.pop_back();
        break;
      case json::parse_event_t::key:
        if (!stack.empty() && parsed.is_string()) {
          Frame& f = stack.back();
          f.key = parsed.get<std::string>();
          if (!f.keys.insert(f.key).second && duplicate.empty()) duplicate = path_of(stack);
        }
        break;
      case json::parse_event_t::value:
        if (!stack.empty() && stack.back().array) ++stack.back().index;
        break;
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(text.begin(), text.end(), callback);
  } catch (const json::exception& e) {
    throw bad_request(source + ": invalid JSON: " + e.what());
  }
  if (!duplicate.empty()) throw bad_request(source + ": duplicate key `" + duplicate + "'");
  return doc;
}

std::optional<std::int32_t> json_int32(const json& value) {
  if (!value.is_number_integer()) return std::nullopt;
  constexpr std::int64_t lo = std::numeric_limits<std::int32_t>::min();
  constexpr std::int64_t hi = std::numeric_limits<std::int32_t>::max();
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(hi)) return std::nullopt;
    return static_cast<std::int32_t>(v);
  }
  const auto v = value.get<std::int64_t>();
  if (v < lo || v > hi) return std::nullopt;
  return static_cast<std::int32_t>(v);
}

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw bad_request(path + ": not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw bad_request(path + ": cannot open: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw bad_request(path + ": cannot read the file");
  return text.str();
}

}  // namespace signatory::watermark
