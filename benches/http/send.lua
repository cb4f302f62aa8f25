-- wrk script of `make bench`'s message part (benches/http/messages.py sets the environment):
-- POST /message/send with the sender's token, each request to the next of BENCH_TARGETS
-- (comma-separated ids) with BENCH_TYPE (1 users, 2 groups); done() as in headers.lua.
local app_id = os.getenv("BENCH_APP_ID") or ""
local token = os.getenv("BENCH_TOKEN") or ""
local kind = os.getenv("BENCH_TYPE") or "1"
local targets = {}
for id in string.gmatch(os.getenv("BENCH_TARGETS") or "", "[^,]+") do
  table.insert(targets, id)
end
local n = 0
wrk.method = "POST"
wrk.headers["app_id"] = app_id
wrk.headers["access-token"] = token
wrk.headers["content-type"] = "application/json"

function request()
  n = n + 1
  local target = targets[(n % #targets) + 1]
  local body = '{"type":' .. kind .. ',"targets":[' .. target ..
    '],"content_type":0,"content":"bench message ' .. n .. '"}'
  return wrk.format(nil, nil, nil, body)
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
