-- POST a form whose body comes from bench/run.py in BENCH_BODY (already URL-encoded), with
-- every "__N__" replaced by a value unique to this request (so each sign POST carries a new
-- email address and creates a new pending signature). Counts answers by status and how many
-- answers look like a re-rendered form with errors (they would mean the benchmark measures
-- the error path, not signing).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local template = os.getenv("BENCH_BODY") or ""
local prefix = os.getenv("BENCH_PREFIX") or "r"
local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
local n = 0
counts = {}

function request()
   n = n + 1
   local unique = string.format("%s-%d-%d", prefix, thread_id or 0, n)
   local body = string.gsub(template, "__N__", unique)
   return wrk.format("POST", nil, headers, body)
end

function response(status, resp_headers, body)
   local key = "status_" .. status
   counts[key] = (counts[key] or 0) + 1
   if body and (string.find(body, "error-summary", 1, true)
                or string.find(body, 'aria-invalid="true"', 1, true)) then
      counts.form_error = (counts.form_error or 0) + 1
   end
end
