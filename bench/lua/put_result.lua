-- wrk script: PUT /ims/oneroster/gradebook/v1p2/results/{id} with a valid Result body for a
-- random existing result (its own lineItem, student and class; a new random score).
-- The rows file holds "resultId<TAB>lineItemId<TAB>studentId<TAB>classId" per line.
-- Usage:
--   wrk -t2 -c32 -d20s --latency -H "Authorization: Bearer $TOKEN" \
--       -s bench/lua/put_result.lua http://127.0.0.1:18080 -- ROWS_FILE
-- done() prints "STATUS <code> <n>" for every status seen (all should be 201).

local prefix = "/ims/oneroster/gradebook/v1p2/results/"
local counter = 0
threads = {}
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

rows = {}
statuses = {}
wrk.headers["Content-Type"] = "application/json"

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  for line in io.lines(args[1]) do
    local a, b, c, d = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]*)$")
    if a then rows[#rows + 1] = { a, b, c, d } end
  end
  if #rows == 0 then error("no rows in " .. tostring(args[1])) end
end

local fmt_class = '{"result":{"sourcedId":"%s","status":"active",'
  .. '"dateLastModified":"2025-10-20T00:00:00.000Z","lineItem":{"sourcedId":"%s"},'
  .. '"student":{"sourcedId":"%s"},"class":{"sourcedId":"%s"},"scoreStatus":"fully graded",'
  .. '"score":%d,"scoreDate":"2025-10-17","comment":"bench"}}'
local fmt_noclass = '{"result":{"sourcedId":"%s","status":"active",'
  .. '"dateLastModified":"2025-10-20T00:00:00.000Z","lineItem":{"sourcedId":"%s"},'
  .. '"student":{"sourcedId":"%s"},"scoreStatus":"fully graded",'
  .. '"score":%d,"scoreDate":"2025-10-17","comment":"bench"}}'

function request()
  local r = rows[math.random(#rows)]
  local body
  if #r[4] > 0 then
    body = string.format(fmt_class, r[1], r[2], r[3], r[4], math.random(0, 100))
  else
    body = string.format(fmt_noclass, r[1], r[2], r[3], math.random(0, 100))
  end
  return wrk.format("PUT", prefix .. r[1], nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then
      for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
    end
  end
  for k, v in pairs(total) do
    io.write(string.format("STATUS %s %d\n", tostring(k), v))
  end
end
