-- wrk script of the deferred-answer and dialogue benchmarks: POST the message in the file
-- $WRK_BODY to /webhook?token=$WRK_TOKEN, each request with a message id of its own (wrk
-- thread, run and count), so that no delivery is taken for a repeat. With $WRK_CHATS, the
-- messages are spread over that many chats (`chatId` bench-0 … bench-(N-1), in turn).
local file = assert(io.open(assert(os.getenv("WRK_BODY"), "WRK_BODY is not set"), "rb"))
local body = file:read("*a")
file:close()
local entity = assert(body:find('"entity"', 1, true), "no entity in WRK_BODY")
local chats = tonumber(os.getenv("WRK_CHATS") or "0")

-- The body cut around the message id (and the chat id, when spreading over chats).
local parts = {}
local at = entity
local function cut(key)
    local from, to = body:find('"' .. key .. '":"[^"]*"', entity)
    assert(from, "no " .. key .. " in WRK_BODY's entity")
    return from, to, key
end
local cuts = { { cut("id") } }
if chats > 0 then
    table.insert(cuts, { cut("chatId") })
end
table.sort(cuts, function(a, b) return a[1] < b[1] end)
-- Text, value, text, value, …: every text after a value starts with the value's closing quote.
local last, closing = 1, ""
for _, c in ipairs(cuts) do
    table.insert(parts, closing .. body:sub(last, c[1] - 1) .. '"' .. c[3] .. '":"')
    table.insert(parts, c[3])
    last, closing = c[2] + 1, '"'
end
local tail = closing .. body:sub(last)

local path = "/webhook?token=" .. assert(os.getenv("WRK_TOKEN"), "WRK_TOKEN is not set")
local run = os.getenv("WRK_RUN") or tostring(os.time())

local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("tag", run .. "-" .. threads)
end

local count = 0
function request()
    count = count + 1
    local out = {}
    for i, part in ipairs(parts) do
        if part == "id" then
            out[i] = tag .. "-" .. count
        elseif part == "chatId" then
            out[i] = "bench-" .. (count % chats)
        else
            out[i] = part
        end
    end
    return wrk.format("POST", path, {["Content-Type"] = "application/json"},
        table.concat(out) .. tail)
end
