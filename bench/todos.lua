-- wrk script for the todo API. Modes (after `--`):
--   list              GET the URL given to wrk
--   create            POST a new todo to it (the collection URL)
--   get N [FIRST]     GET <URL>/k for k cycling through FIRST..FIRST+N-1 (FIRST: 1)
--   patch N [FIRST]   PATCH <URL>/k, toggling `completed`, k cycling likewise
-- WRK_AUTHORIZATION in the environment goes with every request as its Authorization
-- header (accounts mode: "Bearer <token>").
-- Prints one JSON line with throughput, latency percentiles and errors.

local mode = "list"
local ids = 1
local first = 1
local counter = 0
local plain = {}
local json = {["Content-Type"] = "application/json"}

function init(args)
  mode = args[1] or "list"
  ids = tonumber(args[2] or "1")
  first = tonumber(args[3] or "1")
  local authorization = os.getenv("WRK_AUTHORIZATION")
  if authorization and authorization ~= "" then
    plain["Authorization"] = authorization
    json["Authorization"] = authorization
  end
end

function request()
  counter = counter + 1
  if mode == "create" then
    local body = '{"title":"benchmark todo ' .. counter .. '","category":"bench"}'
    return wrk.format("POST", nil, json, body)
  end
  local item = wrk.path .. "/" .. (first + counter % ids)
  if mode == "get" then
    return wrk.format("GET", item, plain)
  end
  if mode == "patch" then
    local body = '{"completed":' .. ((counter % 2 == 0) and "true" or "false") .. '}'
    return wrk.format("PATCH", item, json, body)
  end
  return wrk.format("GET", nil, plain)
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
