-- wrk script for the todo API: `-- list` (GET the path given to wrk) or `-- create`
-- (POST a new todo to it). Prints one JSON line with throughput, latency and errors.

local mode = "list"
local counter = 0

function init(args)
  mode = args[1] or "list"
end

function request()
  if mode == "create" then
    counter = counter + 1
    local body = '{"title":"benchmark todo ' .. counter .. '","category":"bench"}'
    return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET")
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"non_2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
