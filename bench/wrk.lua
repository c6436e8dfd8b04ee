-- wrk script for bench/api_throughput.py.
--   wrk ... -s bench/wrk.lua URL -- get
--   wrk ... -s bench/wrk.lua URL -- post <regimen id> <taken_at ISO 8601>
-- Each POST carries a fresh random v4 UUID as its client id. done() prints one line,
-- "BENCH_JSON {...}", with the counts and the p50/p99 latency in microseconds.

local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end

local mode = "get"
local static_request
local body_head
local body_tail

function init(args)
  mode = args[1] or "get"
  local tid = thread_id or 0
  math.randomseed(os.time() + tid * 104729 + math.floor(os.clock() * 1e6))
  for _ = 1, 10 do
    math.random()
  end
  if mode == "post" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    body_head = '{"id":"'
    body_tail = '","regimen":"' .. args[2] .. '","taken_at":"' .. args[3]
      .. '","status":"taken","source":"app"}'
  else
    static_request = wrk.format()
  end
end

local hex = "0123456789abcdef"

local function uuid4()
  local out = {}
  for i = 1, 36 do
    local c
    if i == 9 or i == 14 or i == 19 or i == 24 then
      c = "-"
    elseif i == 15 then
      c = "4"
    elseif i == 20 then
      local v = math.random(8, 11)
      c = hex:sub(v + 1, v + 1)
    else
      local v = math.random(0, 15)
      c = hex:sub(v + 1, v + 1)
    end
    out[i] = c
  end
  return table.concat(out)
end

function request()
  if mode == "post" then
    return wrk.format(nil, nil, nil, body_head .. uuid4() .. body_tail)
  end
  return static_request
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"mean_us":%.1f,"max_us":%d,'
      .. '"errors_connect":%d,"errors_read":%d,"errors_write":%d,'
      .. '"errors_status":%d,"errors_timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
