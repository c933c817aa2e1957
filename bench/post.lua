-- wrk -s bench/post.lua URL: POST one JSON report per request, each with the next point of
-- a list (so the duplicate check and locate_point see varied places) and a fresh
-- Idempotency-Key. Read from the environment (bench/bench_intake.py sets them):
--   BENCH_POINTS  a file of "category_id longitude latitude" lines
--   BENCH_TOKEN   an API token, sent as "Authorization: Bearer ..." (optional)
--   BENCH_RUN     a word that makes this run's idempotency keys its own
--   BENCH_OFFSET  where in the list of points this run starts
-- At the end it prints one line, "wrk-json {...}", with the exact figures ("status": the
-- answers other than 2xx and 3xx).

local points = {}
for line in io.lines(os.getenv("BENCH_POINTS")) do
  local category, lon, lat = line:match("(%S+)%s+(%S+)%s+(%S+)")
  points[#points + 1] = { category, lon, lat }
end
local token = os.getenv("BENCH_TOKEN") or ""
local run = os.getenv("BENCH_RUN") or "run"
local offset = tonumber(os.getenv("BENCH_OFFSET") or "0")
local thread_number = 0

function setup(thread)
  thread_number = thread_number + 1
  thread:set("number", thread_number)
end

local sent = 0

function request()
  sent = sent + 1
  local p = points[((offset + sent) * 7919 + number * 104729) % #points + 1]
  local body = string.format(
    '{"category_id": %s, "description": "井盖缺失，夜间有人险些踩空", "urgency": "normal", '
      .. '"longitude": %s, "latitude": %s, "address": "压测"}',
    p[1], p[2], p[3]
  )
  local headers = {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("%s-%d-%d", run, number, sent),
  }
  if token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  return wrk.format("POST", nil, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'wrk-json {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p90_ms": %.2f, '
      .. '"p99_ms": %.2f, "max_ms": %.2f, "connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout
  ))
end
