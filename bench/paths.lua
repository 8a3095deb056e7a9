-- wrk script: each request GETs a path picked at random from the file named by PATHS,
-- with optional Cookie (COOKIE) and bearer token (TOKEN) headers.
local paths = {}
local file = os.getenv("PATHS")
for line in io.lines(file) do
    if #line > 0 then paths[#paths + 1] = line end
end
if os.getenv("COOKIE") then wrk.headers["Cookie"] = "vc_session=" .. os.getenv("COOKIE") end
if os.getenv("TOKEN") then wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN") end
math.randomseed(os.time())

request = function()
    return wrk.format("GET", paths[math.random(#paths)])
end
