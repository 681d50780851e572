// No-echo terminal prompts (see terminal_prompt.h).
#include "cli/terminal_prompt.h"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>

#include "common/error.h"

namespace signatory::cli {

bool stdin_is_terminal() { return isatty(STDIN_FILENO) != 0; }

crypto::SecretBytes prompt_secret(const std::string& prompt) {
  std::fputs(prompt.c_str(), stderr);
  std::fflush(stderr);
  termios old{};
  bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  char buf[1024];
  std::size_t n = 0;
  bool got_line = false;
  int c;
  while ((c = std::fgetc(stdin)) != EOF) {
    got_line = true;
    if (c == '\n') break;
    if (n < sizeof buf) buf[n++] = static_cast<char>(c);
  }
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fputc('\n', stderr);
  }
  if (n > 0 && buf[n - 1] == '\r') --n;
  crypto::SecretBytes out(ByteView(reinterpret_cast<const std::uint8_t*>(buf), n));
  sodium_memzero(buf, sizeof buf);
  if (!got_line) throw bad_request("no input: standard input is closed");
  return out;
}

}  // namespace signatory::cli
