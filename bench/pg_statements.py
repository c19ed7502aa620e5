#!/usr/bin/env python3
"""pg_statements.py — reads a PostgreSQL server log (log_statement = 'all')
on stdin and prints the extended-protocol statements it shows as a pgbench
script: each "execute <name>: <sql>" with the "parameters: $1 = '…'" of its
DETAIL line written in.  bench/run.sh (pg_capture) uses it to replay what
one request made PostgreSQL run.  Left out: what the server does beside
requests, which a request may happen to trigger: the job queue's poll, the
once-a-second check of cached tables' generations, the reload of the
signed-in user every 2 s per worker (auth/pcache.c) and of the settings.
With --per N the log holds N requests alike: a statement is printed once
for every N times it ran (rounded down), so what ran beside only some of
them (the webhook poller, a pass of the scheduler) is left out whatever
its text.  Exits non-zero when no statement is found."""
import argparse
import re
import sys

EXECUTE = re.compile(r"LOG:  execute [^:]+: (.*)$")
PARAMS = re.compile(r"DETAIL:  parameters: (.*)$")
ONE_PARAM = re.compile(r"\$(\d+) = ('(?:[^']|'')*'|NULL)")
PLACEHOLDER = re.compile(r"\$(\d+)\b")
BESIDE = re.compile(r"\b(UPDATE jobs|FROM jobs|FROM cache_generations WHERE name = \$1|FROM sessions|FROM user_roles|FROM settings)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--per", type=int, default=1, help="the number of requests the log holds")
    per = ap.parse_args().per
    stmts, pending = [], False
    for line in sys.stdin:
        m = EXECUTE.search(line)
        if m:
            stmts.append(m.group(1))
            pending = True
            continue
        m = PARAMS.search(line)
        if m and pending:
            vals = dict(ONE_PARAM.findall(m.group(1)))
            stmts[-1] = PLACEHOLDER.sub(lambda k: vals.get(k.group(1), k.group(0)), stmts[-1])
            pending = False
    stmts = [q for q in stmts if not BESIDE.search(q)]
    if per > 1:
        counts, order = {}, []
        for q in stmts:
            if q not in counts:
                order.append(q)
            counts[q] = counts.get(q, 0) + 1
        stmts = [q for q in order for _ in range(counts[q] // per)]
    if not stmts:
        sys.exit("no statement in the log")
    print(";\n".join(stmts) + ";")


if __name__ == "__main__":
    main()
