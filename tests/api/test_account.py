"""The account page's server side (issue 16 point 7) and the pickers'
search (point 1): one's own live sessions, another of them ended,
and org units found by part of their name within the caller's scope."""
from auth_helpers import Session


def test_my_sessions_are_listed_and_another_one_ended(ctx):
    s = ctx.demo_server()
    here, there, stranger = Session(s, "ljz"), Session(s, "ljz"), Session(s, "njdl")
    st, _, mine = here.get("/api/v1/session/sessions")
    assert st == 200, mine
    current = [i for i in mine["items"] if i["current"]]
    others = [i for i in mine["items"] if not i["current"]]
    assert len(current) == 1 and len(others) >= 1, mine
    assert all(i["created_at"] and i["expires_at"] for i in mine["items"]), mine
    # the current session ends by signing out, not here
    st, _, err = here.post(f"/api/v1/session/sessions/{current[0]['id']}/end", {})
    assert st == 422 and "退出登录" in err["error"]["message"], err
    # another user's session is not mine: the same 404 as a missing one
    st, _, theirs = stranger.get("/api/v1/session/sessions")
    st, _, err = here.post(f"/api/v1/session/sessions/{theirs['items'][0]['id']}/end", {})
    assert st == 404, err
    assert stranger.get("/api/v1/session")[0] == 200, "a refused end ended the session"
    st, _, ok = here.post(f"/api/v1/session/sessions/{others[0]['id']}/end", {})
    assert st == 200 and ok["ok"] is True, ok
    assert there.get("/api/v1/session")[0] == 401, "the ended session still works"
    assert here.get("/api/v1/session")[0] == 200
    st, _, again = here.post(f"/api/v1/session/sessions/{others[0]['id']}/end", {})
    assert st == 404, again
    st, _, mine = here.get("/api/v1/session/sessions")
    assert others[0]["id"] not in [i["id"] for i in mine["items"]], mine


def test_org_units_are_found_by_part_of_a_name_within_scope(ctx):
    s = ctx.demo_server()
    ljz, njdl = Session(s, "ljz"), Session(s, "njdl")
    st, _, found = ljz.get("/api/v1/org-units?q=" + "竹坊")
    assert st == 200, found
    hit = [u for u in found["items"] if u["name"] == "竹坊花园居委会"]
    assert hit and hit[0]["parent_name"] == "陆家嘴街道司法所" and hit[0]["level"] == "village", found
    # another office's clerk finds nothing outside its scope
    st, _, none = njdl.get("/api/v1/org-units?q=" + "竹坊")
    assert st == 200 and none["items"] == [], none
    st, _, few = ljz.get("/api/v1/org-units?q=" + "居委会" + "&limit=3")
    assert st == 200 and len(few["items"]) == 3 and few["more"] is True, few
    for bad in ("q=", "q=" + "竹坊" + "&parent=151", "q=" + "x" * 101):
        st, _, err = ljz.get("/api/v1/org-units?" + bad)
        assert st == 422, (bad, err)
