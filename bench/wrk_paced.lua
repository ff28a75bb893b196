-- wrk script: a fixed request rate per wrk thread, so a capacity search can offer rates.
--
-- Usage: wrk -t T -c C -d D -s bench/wrk_paced.lua URL -- <rate per thread> [bearer token]
--
-- Each thread keeps a schedule of send times (one every 1/rate s). A connection that is free
-- takes the next slot and waits for it (delay()); when no connection was free at a slot, the
-- send is late, and the lateness is counted: wrk measures latency from the actual send, so
-- without this count a saturated server would hide its queue (coordinated omission).
-- done() prints one JSON line on stdout.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local LATE_MS = 10
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local interval_ms, start, slot_index, request_bytes = 0, nil, 0, nil
sends, late_sends, max_late_ms = 0, 0, 0

function init(args)
  local rate = tonumber(args[1])
  interval_ms = 1000 / rate
  local headers = {}
  if args[2] ~= nil and args[2] ~= "" then
    headers["Authorization"] = "Bearer " .. args[2]
  end
  request_bytes = wrk.format("GET", nil, headers)
end

function delay()
  local t = now_ms()
  if start == nil then
    start = t
  end
  local slot = start + slot_index * interval_ms
  slot_index = slot_index + 1
  sends = sends + 1
  local wait = slot - t
  if wait >= 0 then
    return wait
  end
  if -wait > LATE_MS then
    late_sends = late_sends + 1
  end
  if -wait > max_late_ms then
    max_late_ms = -wait
  end
  return 0
end

function request()
  return request_bytes
end

function done(summary, latency, requests)
  local s, l, m = 0, 0, 0
  for _, thread in ipairs(threads) do
    s = s + thread:get("sends")
    l = l + thread:get("late_sends")
    local tm = thread:get("max_late_ms")
    if tm > m then
      m = tm
    end
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors_connect":%d,"errors_read":%d,"errors_write":%d,' ..
    '"errors_status":%d,"errors_timeout":%d,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,' ..
    '"max_ms":%.3f,"sends":%d,"late_sends":%d,"max_late_ms":%.3f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, s, l, m))
end
