-- A plain GET of the URL given to wrk (the letter page, the registry, the API, a download).
-- No response() hook: wrk then does not hand every body to Lua, which keeps the load
-- generator light (it shares the machine's two cores with the server). wrk still counts every
-- answer outside 2xx/3xx as a status error; bench/run.py checks one answer before the run.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")
