-- wrk script of `make bench` (benches/http/bench.py sets the environment):
--   BENCH_APP_ID  the app_id header      BENCH_TOKEN  the access-token header (omitted when empty)
-- Every request of the run carries them; done() prints one line "BENCH {json}" that bench.py reads
-- (latencies in microseconds, as wrk measures them).
local app_id = os.getenv("BENCH_APP_ID") or ""
local token = os.getenv("BENCH_TOKEN") or ""
if app_id ~= "" then wrk.headers["app_id"] = app_id end
if token ~= "" then wrk.headers["access-token"] = token end

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
