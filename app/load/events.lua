-- wrk script: posts batches of 100 unique view events for the demo shop to POST /events.
-- INGEST_KEY=<demo shop ingest key> PRODUCTS=<comma-separated product ids> wrk -s app/load/events.lua http://127.0.0.1:8080
local counter = 0
local key = os.getenv("INGEST_KEY")
local products = {}
for id in string.gmatch(os.getenv("PRODUCTS"), "[^,]+") do table.insert(products, id) end
local thread_id = math.random(1, 1000000000)
request = function()
  local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local parts = {}
  for i = 1, 100 do
    counter = counter + 1
    local p = products[(counter % #products) + 1]
    parts[i] = string.format('{"id":"w%d-%d","kind":"view","occurred_at":"%s","anonymous_id":"a%d","session_id":"s%d","product_id":"%s"}',
      thread_id, counter, now, counter % 5000, counter % 20000, p)
  end
  local body = '{"shop":"meander-demo.myshopify.com","key":"' .. key .. '","events":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/events", {["Content-Type"] = "application/json"}, body)
end
