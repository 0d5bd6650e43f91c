-- POST an empty form (the confirm button) to BENCH_PATH_PREFIX .. <token>, one token per
-- request, read from the file BENCH_TOKENS (one a line), starting at line BENCH_TOKEN_OFFSET + 1.
-- bench/run.py made those tokens for pending signatures, so each request confirms one.
-- Counts answers by status; "tokens_wrapped" counts requests that had to reuse a token.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local prefix = os.getenv("BENCH_PATH_PREFIX") or "/"
local offset = tonumber(os.getenv("BENCH_TOKEN_OFFSET") or "0")
local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
local tokens = {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do table.insert(tokens, line) end
local n = 0
counts = {}

function init(args)
   -- Threads take interleaved tokens so that no two threads use the same one.
   n = (thread_id or 1) - 1
end

function request()
   local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
   local i = offset + n
   n = n + threads
   if i >= #tokens then
      counts.tokens_wrapped = (counts.tokens_wrapped or 0) + 1
      i = i % #tokens
   end
   return wrk.format("POST", prefix .. tokens[i + 1], headers, "")
end

function response(status, resp_headers, body)
   local key = "status_" .. status
   counts[key] = (counts[key] or 0) + 1
end
