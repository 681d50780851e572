// libcurl transport with a pool of easy handles (see curl_transport.h).
#include "aws/curl_transport.h"

#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "common/ascii.h"
#include "common/error.h"

namespace signatory::aws {
namespace {

void global_init() {
  static const bool initialised = [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw internal_error("libcurl initialisation failed");
    }
    return true;
  }();
  (void)initialised;
}

struct Exchange {
  HttpResponse response;
  std::size_t max_bytes = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  std::size_t len = size * n;
  if (ex->response.body.size() + len > ex->max_bytes) {
    ex->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  ex->response.body.append(data, len);
  return len;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  std::size_t len = size * n;
  std::string_view line(data, len);
  if (line.rfind("HTTP/", 0) == 0) {
    ex->response.headers.clear();  // a new response (after 100 Continue, say)
    return len;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  ex->response.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                    std::string(trim(line.substr(colon + 1))));
  return len;
}

// Wipes each header line (one may hold the session token) before freeing the list.
struct SlistDeleter {
  void operator()(curl_slist* l) const {
    for (curl_slist* n = l; n != nullptr; n = n->next) {
      if (n->data != nullptr) sodium_memzero(n->data, std::char_traits<char>::length(n->data));
    }
    curl_slist_free_all(l);
  }
};

// Wipes a header line before freeing it (it may hold the session token).
void wipe(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return {};
}

CurlTransport::CurlTransport(CurlTransportOptions options) : options_(std::move(options)) {
  global_init();
}

CurlTransport::~CurlTransport() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* CurlTransport::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      return h;
    }
  }
  CURL* h = curl_easy_init();
  if (h == nullptr) throw internal_error("libcurl could not create a handle");
  return h;
}

void CurlTransport::release(void* handle) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle_handles) {
    idle_.push_back(handle);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

HttpResponse CurlTransport::post(const HttpRequest& request) {
  CURL* h = static_cast<CURL*>(acquire());
  // Returned to the pool (connection kept) on success and on HTTP errors; dropped after a
  // transport failure, whose connection state is unknown.
  bool keep = false;
  struct Guard {
    CurlTransport* self;
    CURL* h;
    bool* keep;
    ~Guard() {
      if (*keep) {
        self->release(h);
      } else {
        curl_easy_cleanup(h);
      }
    }
  } guard{this, h, &keep};

  curl_easy_reset(h);  // keeps the connection cache, drops the previous request's options
  Exchange ex;
  ex.max_bytes = options_.max_response_bytes;

  std::vector<std::string> lines;
  lines.reserve(request.headers.size() + 2);
  std::unique_ptr<curl_slist, SlistDeleter> list;
  for (const auto& [k, v] : request.headers) lines.push_back(k + ": " + v);
  lines.emplace_back("Expect:");  // no 100-continue round trip
  for (const auto& line : lines) {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (next == nullptr) throw internal_error("out of memory building HTTP headers");
    (void)list.release();
    list.reset(next);
  }
  struct Wiper {
    std::vector<std::string>* lines;
    ~Wiper() {
      for (auto& l : *lines) wipe(l);
    }
  } wiper{&lines};

  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "signatory-cpp");
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &ex);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &ex);
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);

  CURLcode rc = curl_easy_perform(h);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  if (rc != CURLE_OK) {
    std::string detail = error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(rc);
    if (ex.too_large) {
      throw unavailable("reply larger than " + std::to_string(options_.max_response_bytes) +
                        " bytes");
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) throw upstream_timeout(detail);
    throw unavailable(detail);  // connection refused, unknown host, TLS failure, …
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  ex.response.status = status;
  keep = true;
  return std::move(ex.response);
}

}  // namespace signatory::aws
