"""The OpenAPI 3.1 contract (issue 25 point 1): GET /api/v1/openapi.json,
generated from the router's table and the entity declarations — it
validates with a maintained validator, names every route of the router, and
a client generated from it signs in with a token and lists cases."""
import json
import os
import re
import shutil
import subprocess
import tempfile

from harness import ROOT, Skip, only, run_cli
from test_changes import make_token

DOC = "/api/v1/openapi.json"


def document(s, auth):
    st, h, doc = s.request("GET", DOC, headers=auth)
    assert st == 200 and h["content-type"].startswith("application/json"), (st, doc)
    return doc


def test_every_route_of_the_router_is_in_the_document(ctx):
    s = ctx.demo_server()
    assert s.request("GET", DOC)[0] == 401, "the contract is for signed-in callers"
    doc = document(s, make_token(s, "pudong", ["mediation.case.read"]))
    assert doc["openapi"] == "3.1.0"
    out = run_cli(["routes"])
    assert out.returncode == 0, out.stderr
    routes = [line.split()[:2] for line in out.stdout.splitlines() if line.strip()]
    assert len(routes) > 100, len(routes)
    paths = doc["paths"]
    missing = []
    for method, pattern in routes:
        if not (pattern.startswith("/api/") or pattern in ("/healthz", "/readyz")):
            continue
        rx = re.compile("^" + re.sub(r":[a-z_]+", "[^/]+", re.escape(pattern).replace("\\:", ":")) + "$")
        if not any(rx.match(p) and method.lower() in item for p, item in paths.items()):
            missing.append(f"{method} {pattern}")
    assert not missing, missing
    ids = [op["operationId"] for item in paths.values() for m, op in item.items() if m != "parameters"]
    assert len(ids) == len(set(ids)), "operationIds are unique"
    # the declarations: fields, types, code lists, filters, sorts, workflow
    case = doc["components"]["schemas"]["MediationCases"]
    assert case["title"] == "人民调解案件"
    props = case["properties"]
    assert props["received_on"]["format"] == "date" and props["category"]["x-code-list"] == "dispute_category"
    flow = case["x-workflow"]
    assert flow["initial"] and any(t["requires"] for t in flow["transitions"]), flow
    listing = paths["/api/v1/mediation-cases"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"q", "sort", "limit", "after", "category"} <= names, names
    sort = next(p for p in listing["parameters"] if p["name"] == "sort")["schema"]["enum"]
    assert "-id" in sort
    t = next(t for t in flow["transitions"] if t["requires"])
    action = paths[f"/api/v1/mediation-cases/{{id}}/actions/{t['action']}"]["post"]
    body = action["requestBody"]["content"]["application/json"]["schema"]
    assert set(t["requires"].split()) <= set(body["required"]), (t, body)
    assert action["x-requires"] == t["requires"] and action["summary"].endswith(t["label"])
    # errors and auth
    assert listing["responses"]["422"]["$ref"] == "#/components/responses/Error"
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert paths["/healthz"]["get"]["security"] == []
    feed = paths["/api/v1/changes"]["get"]
    assert {p["name"] for p in feed["parameters"]} == {"after", "entities", "limit"}
    items = feed["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["items"]
    assert items["items"]["$ref"] == "#/components/schemas/Change"
    assert "url" in paths["/api/v1/webhooks"]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"]
    # a PI field is said to be masked
    staff = doc["components"]["schemas"]["Staff"]["properties"]["id_number"]
    assert staff["x-personal-information"] is True


def node_script(spec_doc, *args):
    """Runs openapi_client.mjs on the document (and args); its JSON line."""
    node = shutil.which("node")
    if not node or not os.path.isdir(os.path.join(ROOT, "web", "node_modules", "@hey-api", "openapi-ts")):
        raise Skip("需要 node 与 web/node_modules (make all 里的 npm ci)")
    work = tempfile.mkdtemp(prefix="sifasuo-openapi-")
    try:
        spec = os.path.join(work, "openapi.json")
        with open(spec, "w") as f:
            json.dump(spec_doc, f, ensure_ascii=False)
        extra = list(args) + [os.path.join(work, "client")] if args else []
        p = subprocess.run([node, os.path.join(ROOT, "tests", "api", "openapi_client.mjs"), spec] + extra,
                           capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr[-3000:]
        return json.loads(p.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_the_document_validates(ctx):
    s = ctx.demo_server()
    got = node_script(document(s, make_token(s, "pudong", ["mediation.case.read"])))
    assert got["valid"] is True, got["errors"]
    assert got["operations"] > 500, got["operations"]


@only("sqlite", "生成客户端只看接口说明, 与存储无关 (约 15 秒, 在一种存储上做一次); 两种存储上都校验接口说明并核对路由")
def test_a_client_generated_from_it_lists_cases_with_a_token(ctx):
    s = ctx.demo_server()
    auth = make_token(s, "pudong", ["mediation.case.read"], name="区法院诉调对接系统")
    token = auth["Authorization"].split(" ", 1)[1]
    got = node_script(document(s, auth), f"http://127.0.0.1:{s.port}", token)
    assert got["valid"] is True, got["errors"]
    assert got["status"] == 200, got
    st, _, direct = s.request("GET", "/api/v1/mediation-cases?limit=5&sort=-id", headers=auth)
    assert st == 200 and direct["items"]
    assert [c["id"] for c in got["cases"]] == [c["id"] for c in direct["items"]]
    assert all(c["title"] for c in got["cases"])
