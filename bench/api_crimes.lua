-- wrk script: each request records a new crime through the API (POST /api/v1/crimes) with one victim who gave a
-- safe email address (so each queues the written confirmation and the leaflet), as bench/make_crimes.py does;
-- references are unique per thread and request. Needs TOKEN; PREFIX keeps runs against one database apart.
local threads = {}
local next_id = 0

function setup(thread)
    thread:set("id", next_id)
    next_id = next_id + 1
    table.insert(threads, thread)
end

function init(args)
    counter = 0
    local now = os.time()
    occurred = os.date("!%Y-%m-%dT%H:%M:%SZ", now - 5 * 3600)
    reported = os.date("!%Y-%m-%dT%H:%M:%SZ", now - 3600)
    prefix = os.getenv("PREFIX") or "1"
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
end

request = function()
    counter = counter + 1
    local n = string.format("%s%d%07d", prefix, id, counter)
    local body = '{"reference":"SN/' .. n .. '/26","offence_code":"049/00","command_unit":"SN","channel":"online",'
        .. '"occurred_at":"' .. occurred .. '","reported_at":"' .. reported .. '",'
        .. '"victims":[{"person":{"given_name":"Bench","family_name":"Victim' .. n .. '","email":"victim' .. n
        .. '@example.com","email_safe":true,"preferred_contact":"email"}}]}'
    return wrk.format(nil, "/api/v1/crimes", nil, body)
end

response = function(status, headers, body)
    if status ~= 201 then failed = (failed or 0) + 1 end
end
