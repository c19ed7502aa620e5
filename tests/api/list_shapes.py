"""Every list shape the API allows for one entity, from its metadata: the
list with no filter, each filter field alone (a value, or a range for
numbers and dates), each declared sort in both directions, the workflow
state, ?overdue=1, ?deleted=1 and q (long enough for the trigram index, and
two characters), each under the default sort, every declared sort and the
spine's sorts (created_at, updated_at, due_at).
tests/api/test_plans.py checks the plan of each; bench/engine_scale.py times
each (issue 27 point 1).  Standard library only."""
from urllib.parse import quote


def _filter_values(meta, sample):
    """(name, query) per filter of meta; sample(field) gives a value that
    exists in the store for a ref field (or None to leave the field out)."""
    out = []
    for f in meta["fields"]:
        if not f.get("filter") or f.get("pi"):
            continue
        n, t = f["name"], f["type"]
        if t == "code":
            codes = [c["code"] for c in f.get("codes", [])]
            if codes:
                out.append((n, f"{n}={quote(codes[0])}"))
        elif t == "bool":
            out.append((n, f"{n}=true"))
        elif t in ("date", "datetime"):
            out.append((n, f"{n}.from=2025-01-01&{n}.to=2025-06-30"))
            out.append((n + ".from", f"{n}.from=2025-01-01"))
        elif t in ("int", "decimal"):
            out.append((n + ".from", f"{n}.from=40000"))
        elif t == "ref":
            v = sample(f)
            if v is not None:
                out.append((n, f"{n}={v}"))
    return out


def shapes(meta, sample=lambda f: None, q_long="物业费", q_short="纠纷"):
    """[(label, query string)] of every list shape (without limit)."""
    # the declared sorts and the spine's (engine_sort_allowed): created_at,
    # updated_at and, with a workflow, due_at (the problems board's order)
    spine = ["created_at", "updated_at"] + (["due_at"] if meta.get("workflow") else [])
    sorts = [None] + [s + n for n in [f["name"] for f in meta["fields"] if f.get("sort")] + spine for s in ("", "-")]
    filters = [("无筛选", "")] + _filter_values(meta, sample)
    if meta.get("workflow"):
        states = [s["key"] for s in meta["workflow"].get("states", [])]
        for st in dict.fromkeys(states[:1] + states[-1:]):  # the first and the last state
            filters.append(("wf_state=" + st, "wf_state=" + quote(st)))
        filters.append(("overdue", "overdue=1"))
    filters.append(("deleted", "deleted=1"))
    filters.append(("q", "q=" + quote(q_long)))
    filters.append(("q2", "q=" + quote(q_short)))
    out = []
    for label, fq in filters:
        for s in sorts:
            parts = [p for p in (fq, f"sort={s}" if s else "") if p]
            out.append((f"{label} / {s or '默认排序'}", "&".join(parts)))
    return out
