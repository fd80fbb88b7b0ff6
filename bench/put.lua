-- bench/put.lua - wrk script: PUT /_matrix/federation/v1/send/{txn} with a
-- ~2 KB JSON body and a signed-looking X-Matrix Authorization header whose
-- origin cycles over 1,000 server names. Each wrk thread numbers its own
-- transactions; the origin is the transaction number modulo 1,000.
local body = '{"origin":"x","origin_server_ts":1700000000000,"pdus":[],' ..
    '"edus":[],"pad":"' .. string.rep("x", 1950) .. '"}'
local n = 0
local dest = os.getenv("BENCH_DEST") or "dest.onion"
tid = 0

setup = function(thread)
  tid = tid + 1
  thread:set("tid", tid)
end

request = function()
  n = n + 1
  local o = "origin" .. (n % 1000) .. ".example.org"
  local h = {
    ["Authorization"] = 'X-Matrix origin="' .. o ..
      '",destination="' .. dest .. '",key="ed25519:a_abc",' ..
      'sig="KD8mSB0oNUzGqWy8dAkWOAHn7o4xeRkIPQiGdt6QVSzqCvsbx7ubS3Fk7ZvHG' ..
      'hpkD+dhOiTLfPtw6Acv0d+bAg"',
    ["Content-Type"] = "application/json",
    ["Host"] = dest,
  }
  return wrk.format("PUT", "/_matrix/federation/v1/send/t" ..
    tostring(tid) .. "-" .. n, h, body)
end
