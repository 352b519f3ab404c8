-- wrk script of the HTTP comparisons: POST the body in the file $WRK_BODY to
-- /webhook?token=$WRK_TOKEN as JSON, on every request.
local file = assert(io.open(assert(os.getenv("WRK_BODY"), "WRK_BODY is not set"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.path = "/webhook?token=" .. assert(os.getenv("WRK_TOKEN"), "WRK_TOKEN is not set")
