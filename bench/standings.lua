-- wrk script: GET each line's path with its bearer token, round-robin, every thread from its own offset.
-- The targets file (one "path token" per line) is named by the TARGETS environment variable; without it,
-- wrk requests its URL path with no header (the bare endpoint). done() prints one JSON line of results.
local targets = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = os.getenv("TARGETS")
  if file then
    for line in io.lines(file) do
      local path, token = line:match("^(%S+) (%S+)$")
      if path then table.insert(targets, {path, token}) end
    end
  end
  -- Threads start half the list apart so two threads never ask for the same league at once.
  counter = math.floor(#targets * id / 2)
end

function request()
  if #targets == 0 then return wrk.format("GET") end
  counter = counter + 1
  local target = targets[(counter % #targets) + 1]
  return wrk.format("GET", target[1], {["Authorization"] = "Bearer " .. target[2]})
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"non_2xx": %d, "socket_errors": %d, "bytes": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, errors.status, errors.connect + errors.read + errors.write + errors.timeout, summary.bytes))
end
