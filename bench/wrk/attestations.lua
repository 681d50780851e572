-- Attestations at strictly rising levels for the durable `file` watermark. Each wrk thread owns
-- one key and bench/run.py runs it with as many threads as connections (-t N -c N), so every
-- connection sends its own key's attestations one after the other: level L+1 is sent only
-- after level L was answered, and no request is ever refused by the watermark (a 409 would be
-- counted as a status error and reported). The body is the shared consensus.json attestation
-- with its level field rewritten (see tests/system/payloads.py): BENCH = {pkhs={}, prefix=,
-- suffix=, start_level=} from the data file named by BENCH_DATA, where the request is
-- prefix ‖ level as 8 hex digits ‖ suffix.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local path, headers, prefix, suffix, level
function init(args)
  dofile(os.getenv("BENCH_DATA"))
  local n = #BENCH.pkhs
  path = "/keys/" .. BENCH.pkhs[(thread_index or 0) % n + 1]
  headers = {["Content-Type"] = "application/json"}
  prefix, suffix, level = BENCH.prefix, BENCH.suffix, BENCH.start_level
end

function request()
  level = level + 1
  return wrk.format("POST", path, headers, '"' .. prefix .. string.format("%08x", level) .. suffix .. '"')
end
