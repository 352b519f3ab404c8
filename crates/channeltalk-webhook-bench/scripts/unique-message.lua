-- wrk script of the deferred-answer benchmarks: POST the message in the file $WRK_BODY to
-- /webhook?token=$WRK_TOKEN, each request with a message id of its own (wrk thread, run and
-- count), so that no delivery is taken for a repeat and every one becomes a job.
local file = assert(io.open(assert(os.getenv("WRK_BODY"), "WRK_BODY is not set"), "rb"))
local body = file:read("*a")
file:close()
local entity = assert(body:find('"entity"', 1, true), "no entity in WRK_BODY")
local from, to = body:find('"id":"[^"]*"', entity)
assert(from, "no message id in WRK_BODY")
local head, tail = body:sub(1, from - 1) .. '"id":"', '"' .. body:sub(to + 1)
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
    return wrk.format("POST", path, {["Content-Type"] = "application/json"},
        head .. tag .. "-" .. count .. tail)
end
