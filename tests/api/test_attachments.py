"""附件 (issue 16 point 5): several files on a record of an entity that
declares them — PDF, JPEG, PNG, Word, Excel, the type told by the content —
listed, downloaded and removed like the record is read and edited, audited,
never on a locked record, never through another office."""
import io
import zipfile

from auth_helpers import Session

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def office_file(part):
    """A minimal Word or Excel file: a zip with [Content_Types].xml and its main part."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(part, "<x/>")
    return out.getvalue()


def up(sess, path, data, name):
    return sess.req("POST", f"{path}/attachments?name={name}", raw_body=data,
                    headers={"Content-Type": "application/octet-stream"})


def test_attachments_are_added_listed_downloaded_and_removed_within_scope(ctx):
    s = ctx.demo_server()
    ljz, njdl = Session(s, "ljz"), Session(s, "njdl")
    st, _, case = ljz.post("/api/v1/mediation-cases", {"title": "附件测试", "source": "party_application",
                                                        "category": "neighborhood"})
    assert st == 201, case
    path = f"/api/v1/mediation-cases/{case['id']}"
    st, _, meta = ljz.get("/api/v1/meta/entities/mediation-cases")
    assert meta["attachments"] is True
    files = [(PDF, "申请书.pdf", "application/pdf"), (PNG, "现场.png", "image/png"),
             (office_file("word/document.xml"), "协议.docx", "wordprocessingml"),
             (office_file("xl/workbook.xml"), "清单.xlsx", "spreadsheetml")]
    ids = []
    for data, name, mime in files:
        st, _, a = up(ljz, path, data, name)
        assert st == 201 and a["name"] == name and mime in a["mime"] and a["size"] == len(data), a
        assert a["created_by"] == "刘芳", a
        ids.append(a["id"])
    # the type is the content's, not the name's
    assert up(ljz, path, b"MZ\x90\x00 not a pdf", "a.pdf")[0] == 415
    assert up(ljz, path, office_file("other/part.xml"), "a.docx")[0] == 415
    assert up(ljz, path, b"", "empty.pdf")[0] == 422
    st, _, lst = ljz.get(path + "/attachments")
    assert st == 200 and [a["id"] for a in lst["items"]] == ids, lst
    st, h, body = ljz.req("GET", f"{path}/attachments/{ids[0]}")
    assert st == 200 and body == PDF and h["content-type"].startswith("application/pdf"), (st, h)
    assert h["content-disposition"].startswith("inline") and "nosniff" in h["x-content-type-options"]
    st, h, body = ljz.req("GET", f"{path}/attachments/{ids[2]}")
    assert st == 200 and h["content-disposition"].startswith("attachment"), h
    # another office sees neither the list nor a file, nor may it add or remove
    assert njdl.get(path + "/attachments")[0] == 404
    assert njdl.req("GET", f"{path}/attachments/{ids[0]}")[0] == 404
    assert up(njdl, path, PDF, "x.pdf")[0] == 404
    assert njdl.req("DELETE", f"{path}/attachments/{ids[0]}")[0] == 404
    # an attachment of another record is not found through this one
    st, _, other = ljz.post("/api/v1/mediation-cases", {"title": "另一案", "source": "party_application",
                                                         "category": "neighborhood"})
    assert ljz.req("GET", f"/api/v1/mediation-cases/{other['id']}/attachments/{ids[0]}")[0] == 404
    st, _, ok = ljz.req("DELETE", f"{path}/attachments/{ids[1]}")
    assert st == 200 and ok["ok"] is True, ok
    assert ljz.req("DELETE", f"{path}/attachments/{ids[1]}")[0] == 404
    st, _, lst = ljz.get(path + "/attachments")
    assert [a["id"] for a in lst["items"]] == [ids[0], ids[2], ids[3]], lst
    # audited, and read in the record's history
    st, _, hist = ljz.get(path + "/history")
    labels = [i["action_label"] for i in hist["items"]]
    assert labels.count("上传附件") == 4 and "删除附件" in labels and "下载附件" in labels, labels
    # an entity that declares none has none
    st, _, med = ljz.get("/api/v1/mediators?limit=1")
    assert ljz.get(f"/api/v1/mediators/{med['items'][0]['id']}/attachments")[0] == 404


def test_a_locked_record_keeps_its_attachments_as_they_are(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, _, lst = ljz.get("/api/v1/mediation-cases?wf_state=archived&limit=1")
    path = f"/api/v1/mediation-cases/{lst['items'][0]['id']}"
    st, _, err = up(ljz, path, PDF, "补充.pdf")
    assert st == 409 and err["error"]["code"] == "record_final", err
    st, _, got = ljz.get(path + "/attachments")
    assert st == 200 and got["items"] == [], got
