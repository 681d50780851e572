// Options of the postgres watermark backend and redaction of connection text (see
// postgres_options.h).
#include "watermark/postgres/postgres_options.h"

#include <libpq-fe.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "common/error.h"

namespace signatory::watermark {
namespace {

constexpr const char* kValidOptions =
    "connect_timeout, dsn, password_file, pool_size, table, timeout";

// "<file>:<line>: watermark.config.<key>: <reason>" (see ConfigNode::error_at).
Error option_error(const ConfigNode& options, const std::string& key, const std::string& reason) {
  return options.error_at(key, reason);
}

bool ieq_prefix(std::string_view text, std::size_t at, std::string_view word) {
  if (text.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != word[i]) return false;
  }
  return true;
}

// `password = value` (libpq key/value form, or `password=value` in a URI query).
std::string redact_password_pairs(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  while (i < in.size()) {
    if (!ieq_prefix(in, i, "password")) {
      out += in[i++];
      continue;
    }
    std::size_t j = i + 8;
    while (j < in.size() && in[j] == ' ') ++j;
    if (j >= in.size() || in[j] != '=') {
      out += in.substr(i, 8);
      i += 8;
      continue;
    }
    ++j;
    while (j < in.size() && in[j] == ' ') ++j;
    std::size_t end = j;
    if (end < in.size() && in[end] == '\'') {
      ++end;
      while (end < in.size() && in[end] != '\'') end += in[end] == '\\' ? 2 : 1;
      end = std::min(end + 1, in.size());
    } else {
      while (end < in.size() && !std::isspace(static_cast<unsigned char>(in[end])) &&
             in[end] != '&' && in[end] != '"')
        ++end;
    }
    out += "password=***";
    i = end;
  }
  return out;
}

// scheme://user:secret@host → scheme://user:***@host
std::string redact_uri_userinfo(std::string text) {
  std::size_t from = 0;
  for (;;) {
    const std::size_t scheme = text.find("://", from);
    if (scheme == std::string::npos) return text;
    const std::size_t start = scheme + 3;
    std::size_t stop = start, at = std::string::npos;
    for (; stop < text.size(); ++stop) {
      const char c = text[stop];
      if (c == '/' || c == '?' || c == '#' || c == '"' ||
          std::isspace(static_cast<unsigned char>(c)))
        break;
      if (c == '@') at = stop;
    }
    from = stop;
    if (at == std::string::npos) continue;
    const std::size_t colon = text.find(':', start);
    if (colon == std::string::npos || colon > at) continue;
    text.replace(colon + 1, at - colon - 1, "***");
    from = colon + 1 + 3 + 1;  // past "***@"
  }
}

std::string fold_whitespace(std::string_view in) {
  std::string out;
  bool space = false;
  for (char c : in) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool valid_identifier(std::string_view s) {
  if (s.empty() || s.size() > 55) return false;  // room for "_schema" within 63 bytes
  if (!(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

PgTableName parse_table(const ConfigNode& options, const std::string& text) {
  PgTableName t;
  const std::size_t dot = text.find('.');
  if (dot == std::string::npos) {
    t.name = text;
  } else {
    t.schema = text.substr(0, dot);
    t.name = text.substr(dot + 1);
  }
  if ((dot != std::string::npos && !valid_identifier(t.schema)) || !valid_identifier(t.name)) {
    throw option_error(options, "table",
                       "`" + text +
                           "' is not a table name: use `name' or `schema.name' made of "
                           "[a-z_][a-z0-9_]*, at most 55 characters each");
  }
  return t;
}

crypto::SecretBytes read_password_file(const ConfigNode& options, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw option_error(options, "password_file",
                       "cannot read " + path + ": " + std::strerror(errno));
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const bool failed = in.bad();
  std::size_t begin = 0, end = content.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(content[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(content[end - 1]))) --end;
  const bool has_nul = content.find('\0', begin) < end;
  crypto::SecretBytes password;
  if (!failed && !has_nul && end > begin)
    password =
        crypto::SecretBytes::from_string(std::string_view(content).substr(begin, end - begin));
  sodium_memzero(content.data(), content.size());
  if (failed) throw option_error(options, "password_file", "cannot read " + path);
  if (has_nul) throw option_error(options, "password_file", path + " holds a NUL byte");
  if (password.empty()) throw option_error(options, "password_file", path + " is empty");
  return password;
}

std::chrono::milliseconds duration_option(const ConfigNode& options, const std::string& key,
                                          const std::string& text) {
  std::chrono::milliseconds d;
  try {
    d = parse_duration(text);
  } catch (const std::invalid_argument& e) {
    throw option_error(options, key, e.what());
  }
  if (d < std::chrono::milliseconds(10) || d > std::chrono::minutes(10))
    throw option_error(options, key, "`" + text + "' is out of range (10ms to 10m)");
  return d;
}

crypto::SecretBytes nul_terminated(std::string_view s) {
  crypto::SecretBytes b(s.size() + 1);
  std::copy(s.begin(), s.end(), b.data());
  b.data()[s.size()] = 0;
  return b;
}

}  // namespace

std::string redact_connection_text(std::string_view message) {
  return fold_whitespace(redact_uri_userinfo(redact_password_pairs(message)));
}

std::chrono::milliseconds parse_duration(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    ++i;
  const std::string number(text.substr(0, i));
  const std::string_view unit = text.substr(i);
  if (number.empty() || std::count(number.begin(), number.end(), '.') > 1 || number == ".")
    throw std::invalid_argument("`" + std::string(text) +
                                "' is not a duration (e.g. 500ms, 2s, 1.5, 1m)");
  double factor;
  if (unit.empty() || unit == "s") {
    factor = 1000;
  } else if (unit == "ms") {
    factor = 1;
  } else if (unit == "m") {
    factor = 60000;
  } else {
    throw std::invalid_argument("`" + std::string(text) + "' has an unknown unit (ms, s or m)");
  }
  const double ms = std::stod(number) * factor;
  if (!std::isfinite(ms) || ms > 1e12)
    throw std::invalid_argument("`" + std::string(text) + "' is too large");
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

PgConnectParams::PgConnectParams(const std::string& dsn, crypto::SecretBytes password,
                                 const ConfigNode& options) {
  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(dsn.c_str(), &err);
  if (!parsed) {
    std::string reason = err ? redact_connection_text(err) : "out of memory";
    if (err) PQfreemem(err);
    throw option_error(options, "dsn", "invalid connection string: " + reason);
  }
  std::map<std::string, std::string> shown;
  bool has_fallback_name = false;
  const auto add = [this](const std::string& key, std::string value) {
    keywords_.push_back(key);
    plain_values_.push_back(std::move(value));
    secret_of_.push_back(-1);
  };
  const auto add_secret = [this](const std::string& key, std::string_view value) {
    keywords_.push_back(key);
    plain_values_.emplace_back();
    secret_of_.push_back(static_cast<int>(secrets_.size()));
    secrets_.push_back(nul_terminated(value));
  };
  for (PQconninfoOption* o = parsed; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string key = o->keyword;
    const bool secret = o->dispchar && std::strchr(o->dispchar, '*') != nullptr;
    if (key == "fallback_application_name") has_fallback_name = true;
    if (secret) {
      if (key == "password") dsn_had_password_ = true;
      // A password_file wins over a password in the DSN.
      if (key != "password" || password.empty()) add_secret(key, o->val);
      sodium_memzero(o->val, std::strlen(o->val));
      continue;
    }
    add(key, o->val);
    shown[key] = o->val;
  }
  PQconninfoFree(parsed);
  if (!password.empty()) add_secret("password", password.as_string());
  if (!has_fallback_name) add("fallback_application_name", "signatory");
  std::string display;
  for (const char* key : {"host", "hostaddr", "port", "dbname", "user"}) {
    auto it = shown.find(key);
    if (it != shown.end()) display += (display.empty() ? "" : " ") + it->first + "=" + it->second;
  }
  display_ = display.empty() ? "(libpq defaults)" : redact(display);

  for (std::size_t i = 0; i < keywords_.size(); ++i) {
    keyword_ptrs_.push_back(keywords_[i].c_str());
    value_ptrs_.push_back(secret_of_[i] < 0
                              ? plain_values_[i].c_str()
                              : reinterpret_cast<const char*>(secrets_[secret_of_[i]].data()));
  }
  keyword_ptrs_.push_back(nullptr);
  value_ptrs_.push_back(nullptr);
}

std::string PgConnectParams::redact(std::string_view message) const {
  std::string text(message);
  for (const auto& s : secrets_) {
    const std::string_view secret(reinterpret_cast<const char*>(s.data()), s.size() - 1);
    if (secret.empty()) continue;
    for (std::size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + 3))
      text.replace(at, secret.size(), "***");
  }
  return redact_connection_text(text);
}

std::string PgTableName::qualified() const {
  return schema.empty() ? name : schema + "." + name;
}
std::string PgTableName::quoted() const {
  return schema.empty() ? "\"" + name + "\"" : "\"" + schema + "\".\"" + name + "\"";
}
std::string PgTableName::quoted_meta() const {
  return quoted_sibling("_schema");
}
std::string PgTableName::quoted_sibling(std::string_view suffix) const {
  const std::string sibling = "\"" + name + std::string(suffix) + "\"";
  return schema.empty() ? sibling : "\"" + schema + "\"." + sibling;
}
std::string PgTableName::meta_qualified() const {
  return qualified() + "_schema";
}

PostgresOptions parse_postgres_options(const ConfigNode& options) {
  for (const auto& entry : options.entries()) {
    static const char* const known[] = {"connect_timeout", "dsn",   "password_file",
                                        "pool_size",       "table", "timeout"};
    if (std::find(std::begin(known), std::end(known), entry.key) == std::end(known))
      throw option_error(options, entry.key,
                         std::string("unknown option (valid options: ") + kValidOptions + ")");
  }
  PostgresOptions o;
  const auto get = [&](const char* key) -> const std::string* {
    const ConfigNode* value = options.find(key);
    return value ? &value->as_string() : nullptr;
  };
  if (const std::string* t = get("table")) o.table = parse_table(options, *t);
  if (const std::string* p = get("pool_size")) {
    int n = 0;
    std::size_t used = 0;
    try {
      n = std::stoi(*p, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != p->size() || n < 1 || n > 64)
      throw option_error(options, "pool_size", "`" + *p + "' is not a whole number from 1 to 64");
    o.pool_size = n;
  }
  if (const std::string* t = get("connect_timeout"))
    o.connect_timeout = duration_option(options, "connect_timeout", *t);
  if (const std::string* t = get("timeout")) o.timeout = duration_option(options, "timeout", *t);

  const std::string* dsn = get("dsn");
  if (!dsn || dsn->empty())
    throw option_error(options, "dsn",
                       "required by the postgres driver (a libpq connection string such as "
                       "\"host=db.example dbname=signatory user=signatory\")");
  crypto::SecretBytes password;
  if (const std::string* f = get("password_file")) {
    if (f->empty()) throw option_error(options, "password_file", "must not be empty");
    password = read_password_file(options, *f);
  }
  o.connect = std::make_shared<const PgConnectParams>(*dsn, std::move(password), options);
  return o;
}

PostgresOptions parse_postgres_options(const std::map<std::string, std::string>& options) {
  return parse_postgres_options(ConfigNode::from_scalars(options, "watermark.config"));
}

}  // namespace signatory::watermark
