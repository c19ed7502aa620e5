"""Every line's documents read as documents to sign and file (issue 19
point 6): for each entity that declares documents (meta "documents"), a
ready record of the demo data is printed, as HTML and as Word, and read
back — Chinese dates, full-width punctuation after Chinese text, a line to
sign where a signature goes, the file named by the record's number."""
import io
import re
import urllib.parse
import zipfile

from auth_helpers import Session

# who may read each line's records in the demo: an office clerk and director
# of 陆家嘴, the district's corrections officer for the protected lines, the
# district for what its offices hold
READERS = ("ljz_director", "ljz", "pudong_sqjz", "pudong")

# (a record number keeps its year as numbered: (2026)沪调字第57-0012号)
HALF = re.compile(r"[\u4e00-\u9fff][,;:]|[\u4e00-\u9fff] ?\((?!\d{4}\))|(?<!\(\d{4})\) ?[\u4e00-\u9fff]")


def _docx_text(raw):
    xml = zipfile.ZipFile(io.BytesIO(raw)).read("word/document.xml").decode()
    return "\n".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))


def _html_text(html):
    return re.sub(r"<[^>]+>", "\n", html)


def test_every_declared_document_prints_chinese_dates_and_punctuation(ctx):
    s = ctx.demo_server()
    sessions = [Session(s, u) for u in READERS]
    st, _, metas = sessions[0].get("/api/v1/meta/entities")
    assert st == 200, metas
    names = [m["name"] for m in (metas["items"] if isinstance(metas, dict) else metas)]
    printed = set()
    declared = set()
    for name in names:
        st, _, meta = sessions[0].get(f"/api/v1/meta/entities/{name}")
        if st != 200 or not meta.get("documents"):
            continue
        for d in meta["documents"]:
            declared.add((name, d["key"]))
        for sess in sessions:
            st, _, page = sess.get(f"/api/v1/{name}?limit=100")
            if st != 200:
                continue
            for d in meta["documents"]:
                if (name, d["key"]) in printed:
                    continue
                rec = next((x for x in page["items"] if not d["ready"] or x.get(d["ready"])), None)
                if not rec:
                    continue
                url = f"/api/v1/{name}/{rec['id']}/documents/{d['key']}"
                st, _, html = sess.get(url)
                assert st == 200, (url, html)
                html = html.decode() if isinstance(html, bytes) else html
                st, h, raw = sess.req("GET", url + "?format=docx")
                assert st == 200, (url, h)
                for kind, text in (("html", _html_text(html)), ("docx", _docx_text(raw))):
                    where = f"{d['title']} ({name} {rec['id']}, {kind})"
                    assert d["title"] in text, where
                    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), f"{where}: an ISO date: {text[:400]}"
                    bad = [m.group(0) for m in HALF.finditer(text)]
                    assert not bad, f"{where}: half-width punctuation after Chinese text {bad[:5]}"
                assert "filename*=UTF-8''" + urllib.parse.quote(d["title"]) in h["content-disposition"], h
                printed.add((name, d["key"]))
    missing = declared - printed
    assert not missing, f"documents the demo data has no ready record for: {sorted(missing)}"
    assert len(printed) >= 5, printed
