"""Standards that say what the plan says (issue 19; docs/standards.md): crafted
cases through the API as district and office staff would, on SQLite and
PostgreSQL — identifiers (point 5), results and problems that follow the org
tree (point 3)."""
import uuid

from auth_helpers import Session
from test_checks import _complete


def _tag():
    return "标" + uuid.uuid4().hex[:6]


def _field_error(st, body, field, text):
    assert st == 422, body
    assert text in body["error"]["fields"][field], body


# ---- point 5: identifiers ----

def test_a_pre_1900_id_number_gets_its_own_message(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, bad = ljz.post("/api/v1/persons", {"name": "百岁甲", "id_number": _complete("31011518991231001")})
    _field_error(st, bad, "id_number", "早于1900年")
    st, _, bad = ljz.post("/api/v1/persons", {"name": "百岁乙", "id_number": _complete("31011518990229001")})
    _field_error(st, bad, "id_number", "出生日期无效")  # 1899 had no 29 February


VALID_USCC = "91350100M000100Y43"  # GB 32100's own example
BAD_USCC = "91350100M000100Y44"   # its check character changed


def test_every_field_holding_an_organisations_code_checks_it(ctx):
    """统一社会信用代码 on mediation committees, unit parties, the units that make
    legislative suggestions and counsel firms: one GB 32100 check, one message."""
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    tag = _tag()
    st, _, bad = ljz.post("/api/v1/mediation-orgs", {"name": f"{tag}调委会", "org_type": "enterprise", "uscc": BAD_USCC})
    _field_error(st, bad, "uscc", "校验码")
    st, _, org = ljz.post("/api/v1/mediation-orgs", {"name": f"{tag}调委会", "org_type": "enterprise", "uscc": VALID_USCC})
    assert st == 201 and org["uscc"] == VALID_USCC, org
    st, _, cases = ljz.get("/api/v1/mediation-cases?wf_state=registered,accepted,mediating&limit=1")
    case = cases["items"][0]
    st, _, bad = ljz.post("/api/v1/mediation-parties", {"case_id": case["id"], "role": "respondent",
                                                        "unit_name": f"{tag}物业公司", "unit_uscc": BAD_USCC})
    _field_error(st, bad, "unit_uscc", "校验码")
    st, _, p = ljz.post("/api/v1/mediation-parties", {"case_id": case["id"], "role": "respondent",
                                                      "unit_name": f"{tag}物业公司", "unit_uscc": VALID_USCC})
    assert st == 201 and p["unit_uscc"] == VALID_USCC, p
    st, _, camps = ljz.get("/api/v1/legislation-campaigns?wf_state=collecting&limit=1")
    st, _, bad = ljz.post("/api/v1/legislation-suggestions", {
        "campaign_id": camps["items"][0]["id"], "source": "enterprise", "suggester": f"{tag}科技公司",
        "suggester_uscc": BAD_USCC, "content": "建议", "received_on": camps["items"][0]["published_on"]})
    _field_error(st, bad, "suggester_uscc", "校验码")
    st, _, bad = ljz.post("/api/v1/counsel-contracts", {"name": f"{tag}律师事务所", "kind": "firm", "uscc": BAD_USCC,
                                                        "start_on": "2026-01-01", "end_on": "2026-12-31",
                                                        "status": "serving"})
    _field_error(st, bad, "uscc", "校验码")
