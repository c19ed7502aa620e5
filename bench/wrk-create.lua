-- wrk-create.lua — every request POSTs one new mediation case (人民调解案件)
-- with the session cookie and the session's CSRF token, as the web app does
-- (auth/session.c: unsafe methods need X-CSRF-Token; no Origin header is
-- sent, so there is no origin to check).  The body is the same for every
-- request and each POST is a new record, committed before its 201.  All of
-- it is set once here, so wrk keeps its fast path (no per-request Lua);
-- the report line comes from wrk-report.lua.  bench/run.sh sets:
--   BENCH_COOKIE "sid=…"   BENCH_CSRF the sign-in's csrf_token
--   BENCH_BODY   the JSON   BENCH_REPORT_LUA the path of wrk-report.lua
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Host"] = "127.0.0.1"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("BENCH_CSRF")
wrk.body = os.getenv("BENCH_BODY")
dofile(os.getenv("BENCH_REPORT_LUA"))
