"""Documents as a reader sees them (issue 19 point 6, "Done when"): the
annual report's Word file and Excel workbook and a mediation agreement,
opened in LibreOffice (headless, Debian's libreoffice-*-nogui), converted to
PDF, read back with poppler's pdftotext and drawn as PNG with pdftoppm.

Checked on the rendering, not on the XML: every office name of the
appendix stands whole on one line (not squeezed over 4-5 lines), every
heading of the Excel sheet is there whole, no placeholder text is left,
the agreement prints a line to fill for a missing 履行期限, and each first
page has ink.  With SCREENSHOTS=1 the PNGs of the run are kept in
docs/screenshots/ (render-*.png), as the browser tests keep theirs."""
import io
import os
import re
import shutil
import subprocess
import zipfile

from auth_helpers import Session
from harness import ROOT, Skip, tmpdir

TOOLS = ("soffice", "pdftotext", "pdftoppm")


def _render(files, out):
    """Converts files (paths) to PDF in out with one LibreOffice run, a
    profile of its own (parallel jobs must not share one: LibreOffice locks
    it); returns {path: pdf path}."""
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        raise Skip("缺少 " + ", ".join(missing) + " (scripts/deps.sh --test 安装)")
    profile = "file://" + tmpdir("lo-profile-")
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", out, *files],
                   check=True, capture_output=True, timeout=180)
    pdfs = {}
    for f in files:
        pdf = os.path.join(out, os.path.splitext(os.path.basename(f))[0] + ".pdf")
        assert os.path.exists(pdf), f"LibreOffice did not convert {os.path.basename(f)}"
        pdfs[f] = pdf
    return pdfs


def _text(pdf):
    """The PDF's text in drawing order (-raw): a table cell's lines stand
    one after the other, so a name squeezed into a narrow column shows as
    several short lines."""
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", pdf, "-"], check=True,
                          capture_output=True, timeout=60).stdout.decode()


def _png(pdf, name, out, keep):
    """Page 1 as PNG; kept in docs/screenshots/ with SCREENSHOTS=1.  Asserts
    the page is not blank: its PNG compresses far worse than an empty page."""
    base = os.path.join(out, name)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, base],
                   check=True, capture_output=True, timeout=60)
    png = base + ".png"
    assert os.path.getsize(png) > 8000, f"{name}: the first page looks blank"
    if keep and os.environ.get("SCREENSHOTS") == "1":
        shutil.copy(png, os.path.join(ROOT, "docs", "screenshots", f"render-{name}.png"))


def _flat(text):
    return re.sub(r"\s+", "", text)


def _report(d, year):
    pudong = d.login_body["user"]["org"]["id"]
    st, _, rep = d.post("/api/v1/annual-reports/generate", {"district": pudong, "year": year})
    assert st in (200, 201), rep
    st, _, rep = d.req("PATCH", f"/api/v1/annual-reports/{rep['id']}",
                       {"version": rep["version"], "s4_experience": "推行“楼宇调解”，建成 12 个楼宇调解室。"})
    assert st == 200, rep
    return rep


def test_report_and_agreement_render_in_libreoffice_without_squeezed_tables_cut_headers_or_placeholders(ctx):
    from test_mediation import C, _act, _case_with_parties
    s = ctx.demo_server()
    d = Session(s, "pudong")
    rep = _report(d, 2024)
    out = tmpdir("render-")
    files = {}
    for kind in ("docx", "xlsx"):
        st, h, raw = d.req("GET", f"/api/v1/annual-reports/{rep['id']}/{kind}")
        assert st == 200, h
        files[kind] = os.path.join(out, f"annual-report-{kind}.{kind}")  # one PDF name each
        with open(files[kind], "wb") as f:
            f.write(raw)
    # the offices of the appendix, as the Word file lists them
    xml = zipfile.ZipFile(io.BytesIO(open(files["docx"], "rb").read())).read("word/document.xml").decode()
    appendix = xml[xml.index("附表："):]
    offices = sorted(set(re.findall(r"<w:t[^>]*>([^<]*司法所)</w:t>", appendix)))
    assert len(offices) > 30, f"浦东新区's appendix lists its offices: {offices}"
    headings = [h for h in re.findall(r"<w:t[^>]*>(条款[^<]*)</w:t>", appendix)]
    assert headings, "the appendix has its rule headings"

    case = _case_with_parties(ctx)
    ljz = Session(s, "ljz_director")
    clerk = Session(s, "ljz")
    st, _, cur = clerk.get(f"{C}/{case['id']}")
    if cur["wf_state"] in ("registered", "draft"):
        _act(clerk, case, "accept")
        _act(clerk, case, "start")
        st, _, _ = _act(clerk, case, "succeed", agreement_form="written",
                        agreement_content="李海燕于十日内退还押金 5000 元", resolved_level="township")
        assert st == 200
    st, h, raw = ljz.req("GET", f"{C}/{case['id']}/documents/agreement?format=docx")
    assert st == 200, h
    files["agreement"] = os.path.join(out, "agreement.docx")
    with open(files["agreement"], "wb") as f:
        f.write(raw)

    pdfs = _render(list(files.values()), out)

    word = _text(pdfs[files["docx"]])
    lines = [l.strip() for l in word.splitlines()]
    squeezed = [o for o in offices if o not in lines and not any(o in l for l in lines)]
    assert not squeezed, f"office names broken over several lines in the appendix: {squeezed[:5]}"
    assert "请填写" not in word, "no placeholder in the report"
    assert "附表：" in word and word.index("六、下一步工作") < word.index("附表："), "the appendix at the end"
    flat = _flat(word)
    assert "数据截止：2024年12月31日" in flat and "截至2024年12月31日，本区共有司法所" in flat, \
        "the report's dates in Chinese, its punctuation full-width"
    bad = re.findall(r".{12}[\u4e00-\u9fff][,;:].{6}", _flat(word[:word.index("附表：")]))
    assert not bad, bad or \
        "no half-width comma, semicolon or colon after a Chinese character in the report's text"

    excel = _flat(_text(pdfs[files["xlsx"]]))
    cut = [h for h in headings if _flat(h) not in excel]
    assert not cut, f"headings cut in the Excel sheet as printed: {cut[:3]}"
    assert all(o in excel for o in offices), "every office in the printed sheet"
    assert re.search(r"\d\.\d%", excel) and not re.search(r"0\.\d{4,}", excel), "达标率 as 53.8%, not 0.538462"

    agreement = _text(pdfs[files["agreement"]])
    assert "人民调解协议书" in agreement and "13812345678" in agreement, "the director's copy, in full"
    assert "＿＿＿＿年＿＿月＿＿日前履行完毕" in agreement, "a missing 履行期限 is a line to fill"
    assert not re.search(r"20\d\d-\d\d-\d\d", agreement), "dates read 2026年12月7日"

    # one run's pictures (SQLite's); the same documents drawn on PostgreSQL too
    names = {files["docx"]: "annual-report-docx", files["xlsx"]: "annual-report-xlsx",
             files["agreement"]: "mediation-agreement"}
    for f, name in names.items():
        _png(pdfs[f], name, out, keep=ctx.kind == "sqlite")
