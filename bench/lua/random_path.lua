-- wrk script: GET a random request path from a file (one path per line, query string
-- already URL-encoded). Usage:
--   wrk -t2 -c64 -d20s --latency -H "Authorization: Bearer $TOKEN" \
--       -s bench/lua/random_path.lua http://127.0.0.1:18080 -- PATHS_FILE [count]
-- With "count" as the second argument, responses are counted by status and printed by
-- done() as "STATUS <code> <n>" lines (slightly slower: wrk then hands every response to Lua).

local counter = 0
threads = {}
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

paths = {}
statuses = {}

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  if #paths == 0 then error("no paths in " .. tostring(args[1])) end
  if args[2] == "count" then
    response = function(status, headers, body)
      statuses[status] = (statuses[status] or 0) + 1
    end
  end
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
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
