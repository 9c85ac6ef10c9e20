-- wrk script for the todo API. Modes (after `--`):
--   list        GET the URL given to wrk
--   create      POST a new todo to it (the collection URL)
--   get N       GET <URL>/k for k cycling through 1..N
--   patch N     PATCH <URL>/k, toggling `completed`, k cycling through 1..N
-- Prints one JSON line with throughput, latency percentiles and errors.

local mode = "list"
local ids = 1
local counter = 0

function init(args)
  mode = args[1] or "list"
  ids = tonumber(args[2] or "1")
end

function request()
  counter = counter + 1
  local json = {["Content-Type"] = "application/json"}
  if mode == "create" then
    local body = '{"title":"benchmark todo ' .. counter .. '","category":"bench"}'
    return wrk.format("POST", nil, json, body)
  end
  local item = wrk.path .. "/" .. (counter % ids + 1)
  if mode == "get" then
    return wrk.format("GET", item)
  end
  if mode == "patch" then
    local body = '{"completed":' .. ((counter % 2 == 0) and "true" or "false") .. '}'
    return wrk.format("PATCH", item, json, body)
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
