// `$VAR` / `${VAR}` expansion as Go's os.ExpandEnv does it, which Signatory applies to
// `base_dir` (after --base-dir) and to file paths only, never to other YAML values. Unset
// variables expand to nothing; a `$` not followed by a name stays as written; malformed `${`
// and `${}` are dropped (as Go does). Reads the process environment; safe from any thread as
// long as nobody calls setenv concurrently.
#pragma once

#include <string>
#include <string_view>

namespace signatory::config {

std::string expand_env(std::string_view text);

}  // namespace signatory::config
