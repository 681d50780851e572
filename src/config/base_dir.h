// The base directory (`base_dir`, where watermark files live) as Signatory prepares it at start:
// created with mode 0770 (parents too) when missing, then proven writable by creating and
// removing a probe file `.signatory_write_test_*`. Failures throw Error(Internal) "Base directory
// permission error: <reason>". Touches the file system; call once at start, from one thread.
#pragma once

#include <string>

namespace signatory::config {

void prepare_base_dir(const std::string& path);

}  // namespace signatory::config
