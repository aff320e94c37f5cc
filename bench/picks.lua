-- wrk script for draft picks: POSTs the lines of the TARGETS file ("path token driver_id") in order.
-- Line i is pick i // L of league i % L (L leagues); thread t sends the lines with i % threads == t, so a
-- league's next pick is sent only after far more than `connections` later requests: its turn has come.
local lines = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local index = 0
  local nthreads = tonumber(os.getenv("THREADS") or "1")
  for line in io.lines(os.getenv("TARGETS")) do
    if index % nthreads == id then
      local path, token, driver = line:match("^(%S+) (%S+) (%S+)$")
      table.insert(lines, {path, token, driver})
    end
    index = index + 1
  end
end

function request()
  counter = counter + 1
  local line = lines[counter]
  if line == nil then line = lines[#lines] end -- ran out: repeat the last (answered 409, counted)
  return wrk.format("POST", line[1], {["Authorization"] = "Bearer " .. line[2],
                    ["Content-Type"] = "application/json"}, '{"driver_id": ' .. line[3] .. '}')
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"non_2xx": %d, "socket_errors": %d, "bytes": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, errors.status, errors.connect + errors.read + errors.write + errors.timeout, summary.bytes))
end
