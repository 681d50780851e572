// HttpTransport over libcurl. Keeps a small pool of curl easy handles guarded by a mutex: a
// request takes an idle handle (or makes one), so concurrent sign requests from several server
// threads each get their own, and each handle keeps its connection alive for the next request.
// Only http and https, no redirects, connect and total timeouts, a cap on the reply size.
//
// Thread-safe: `post` may be called from any number of threads.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "aws/http_transport.h"

namespace signatory::aws {

struct CurlTransportOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds total_timeout{10000};
  std::string ca_file;  // empty: the system CA store
  std::size_t max_response_bytes = 1 << 20;
  std::size_t max_idle_handles = 8;
};

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  HttpResponse post(const HttpRequest& request) override;

 private:
  void* acquire();
  void release(void* handle);

  CurlTransportOptions options_;
  std::mutex mutex_;
  std::vector<void*> idle_;  // CURL* handles
};

}  // namespace signatory::aws
