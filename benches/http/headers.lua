-- wrk script of `make bench` (benches/http/bench.py and messages.py set the environment):
--   BENCH_APP_ID  the app_id header      BENCH_TOKEN  the access-token header (omitted when empty)
--   BENCH_TARGETS (messages.py) comma-separated ids: each request is then a POST of a text
--                 message of BENCH_TYPE (1 users, 2 groups) to the next of them
-- Every request of the run carries the headers; done() prints one line "BENCH {json}" that the
-- scripts read (latencies in microseconds, as wrk measures them).
local app_id = os.getenv("BENCH_APP_ID") or ""
local token = os.getenv("BENCH_TOKEN") or ""
if app_id ~= "" then wrk.headers["app_id"] = app_id end
if token ~= "" then wrk.headers["access-token"] = token end

local targets = {}
for id in string.gmatch(os.getenv("BENCH_TARGETS") or "", "[^,]+") do
  table.insert(targets, id)
end
if #targets > 0 then
  local kind = os.getenv("BENCH_TYPE") or "1"
  local n = 0
  wrk.method = "POST"
  wrk.headers["content-type"] = "application/json"
  request = function()
    n = n + 1
    local body = '{"type":' .. kind .. ',"targets":[' .. targets[(n % #targets) + 1] ..
      '],"content_type":0,"content":"bench message ' .. n .. '"}'
    return wrk.format(nil, nil, nil, body)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"timeouts":%d,"non_2xx":%d,"mean_us":%.1f,"p50_us":%d,"p90_us":%d,' ..
    '"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
