// Test double for aws::HttpTransport: answers each POST from a script of replies (or throws a
// scripted transport failure, a signatory::Error) and records every request it was given.
// Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <mutex>
#include <variant>
#include <vector>

#include "aws/http_transport.h"
#include "common/error.h"

namespace signatory::aws::testing {

inline HttpResponse reply(long status, std::string body,
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

class ScriptedTransport : public HttpTransport {
 public:
  using Step = std::variant<HttpResponse, Error>;

  void push(Step step) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(step));
  }

  HttpResponse post(const HttpRequest& request) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (script_.empty()) return reply(500, "{\"__type\":\"ScriptExhausted\"}");
    Step step = std::move(script_.front());
    script_.pop_front();
    if (auto* e = std::get_if<Error>(&step)) throw *e;
    return std::get<HttpResponse>(step);
  }

  std::vector<HttpRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t remaining() {
    std::lock_guard lock(mutex_);
    return script_.size();
  }

 private:
  std::mutex mutex_;
  std::deque<Step> script_;
  std::vector<HttpRequest> requests_;
};

inline std::string header_of(const HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace signatory::aws::testing
