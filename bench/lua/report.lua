-- Shared by every scenario script: print wrk's summary as one JSON line that bench/run.py
-- reads (the line starts with BENCH_JSON so it is easy to find among wrk's own output).
-- A script that counts things per thread keeps them in a global table `counts` (string keys,
-- integer values) and registers its threads in `bench_threads` from setup().
bench_threads = {}

function setup(thread)
   thread:set("thread_id", #bench_threads + 1)
   table.insert(bench_threads, thread)
end

local function merged_counts()
   local total, parts = {}, {}
   for _, thread in ipairs(bench_threads) do
      local counts = thread:get("counts")
      if type(counts) == "table" then
         for key, value in pairs(counts) do total[key] = (total[key] or 0) + value end
      end
   end
   for key, value in pairs(total) do
      table.insert(parts, string.format('"%s": %d', key, value))
   end
   return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"latency_us": {"mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}, ' ..
      '"counts": %s}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, merged_counts()))
end
