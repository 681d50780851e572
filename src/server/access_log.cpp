// Access log wrapper (see access_log.h).
#include "server/access_log.h"

#include <chrono>
#include <ctime>

#include "common/error.h"
#include "common/log.h"
#include "server/error_status.h"

namespace signatory::server {
namespace {

std::string rfc3339_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Go's Duration.String() for sub-minute values: "1.234567ms", "850µs", "2.5s".
std::string go_duration(std::chrono::nanoseconds d) {
  double ns = static_cast<double>(d.count());
  char buf[32];
  if (ns < 1e3) std::snprintf(buf, sizeof buf, "%.0fns", ns);
  else if (ns < 1e6) std::snprintf(buf, sizeof buf, "%gµs", ns / 1e3);
  else if (ns < 1e9) std::snprintf(buf, sizeof buf, "%gms", ns / 1e6);
  else std::snprintf(buf, sizeof buf, "%gs", ns / 1e9);
  return buf;
}

}  // namespace

HttpHandler with_access_log(HttpHandler handler) {
  return [handler = std::move(handler)](const HttpRequest& request) -> HttpResponse {
    if (!log::enabled(log::Level::Info)) return handler(request);
    std::string start_time = rfc3339_now();
    auto start = std::chrono::steady_clock::now();
    int status = 500;
    auto write_line = [&] {
      log::info(request.method + " " + request.path,
                {{"start_time", start_time},
                 {"duration", go_duration(std::chrono::steady_clock::now() - start)},
                 {"status", std::to_string(status)},
                 {"hostname", request.header("Host")},
                 {"method", request.method},
                 {"path", request.path},
                 {"client", request.remote_address}});
    };
    try {
      HttpResponse response = handler(request);
      status = response.status;
      write_line();
      return response;
    } catch (const Error& e) {
      status = http_status(e.code());
      write_line();
      throw;
    } catch (...) {
      write_line();
      throw;
    }
  };
}

}  // namespace signatory::server
