-- wrk script: each request GETs a random path from the file named by WRK_PATHS.
local paths = {}
local file = os.getenv("WRK_PATHS")
for line in io.lines(file) do
  if #line > 0 then paths[#paths + 1] = line end
end
math.randomseed(tonumber(os.getenv("WRK_SEED") or "1"))

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
