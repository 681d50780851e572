-- Fixed requests, rotated: GET /keys/{pkh}, POST /keys/{pkh} with generic operations, the
-- nginx anchors and the pre-signed KMS Sign replayed to the emulator. The data file named by
-- BENCH_DATA (written by bench/run.py) sets BENCH = {method=, path=, headers={}, bodies={}};
-- with no bodies, one request without a body is sent again and again. Each wrk thread starts
-- at a different body so that the threads do not send the same payload in lock-step.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local requests = {}
local i = 0
function init(args)
  dofile(os.getenv("BENCH_DATA"))
  local bodies = BENCH.bodies or {}
  if #bodies == 0 then
    requests[1] = wrk.format(BENCH.method, BENCH.path, BENCH.headers)
  else
    for n, body in ipairs(bodies) do
      requests[n] = wrk.format(BENCH.method, BENCH.path, BENCH.headers, body)
    end
  end
  i = (thread_index or 0) % #requests
end

function request()
  i = i % #requests + 1
  return requests[i]
end
