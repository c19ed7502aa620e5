"""Export as the list shows it (issue 16 point 9): ?columns= keeps the shown
fields only (编号 and the spine stay); the Excel file has a title row with the
unit, a styled frozen header and an A4 landscape print setup."""
import io
import re
import zipfile

from auth_helpers import Session


def _sheet(data):
    z = zipfile.ZipFile(io.BytesIO(data))
    sheet = z.read("xl/worksheets/sheet1.xml").decode()
    # constant-memory files carry their strings inline
    return re.findall(r"<t[^>]*>([^<]*)</t>", sheet), sheet


def test_export_keeps_the_shown_columns_with_a_title_and_print_setup(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, h, data = ljz.req("GET", "/api/v1/mediation-cases/export?format=xlsx&columns=title,category")
    assert st == 200, data
    strings, sheet = _sheet(data)
    assert any(t.startswith("陆家嘴街道司法所 · 人民调解案件 (导出时间") for t in strings), strings[:5]
    assert "案由" in strings and "纠纷类型" in strings and "所属机构" in strings
    assert "纠纷概要" not in strings and "调解员" not in strings, "a column left out was exported"
    assert '<pane ySplit="2"' in sheet and "<mergeCell " in sheet, "no frozen title and header"
    assert 'orientation="landscape"' in sheet and 'paperSize="9"' in sheet and 'fitToHeight="0"' in sheet, sheet[-600:]
    z = zipfile.ZipFile(io.BytesIO(data))
    assert "_xlnm.Print_Titles" in z.read("xl/workbook.xml").decode(), "the header is not repeated on each page"
    # CSV keeps every column and no title (it imports back)
    st, _, csv = ljz.req("GET", "/api/v1/mediation-cases/export?format=csv&columns=title")
    first = csv.decode("utf-8-sig").splitlines()[0]
    assert first.startswith("编号,案由,") and "纠纷类型" not in first, first
    st, _, err = ljz.get("/api/v1/mediation-cases/export?format=xlsx&columns=title,nope")
    assert st == 422 and "nope" in err["error"]["message"], err


def test_the_xlsx_import_template_has_the_headers_and_code_lists_as_drop_downs(ctx):
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    st, h, data = ljz.req("GET", "/api/v1/staff/import/template?format=xlsx")
    assert st == 200 and "spreadsheetml" in h["content-type"], (st, h)
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    book = z.read("xl/workbook.xml").decode()
    assert "代码表" in book and 'state="hidden"' in book, book
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/sheet"))
    first = z.read(sheets[0]).decode()
    strings = z.read("xl/sharedStrings.xml").decode()
    for label in ("姓名", "编制 (用工) 类型", "人员状态", "所属机构"):
        assert label in strings, label
    lists = re.findall(r"<dataValidation type=\"list\".*?</dataValidation>", first)
    # the code lists inline as drop-downs (a long one is prompted to 代码表 instead)
    assert len(lists) >= 3 and any("政法专项编制" in v for v in lists) and any("是,否" in v for v in lists), lists[:2]
    assert "政法专项编制" in strings, "the code list's labels are not in the template"
    # CSV stays the default; another format is refused
    st, h, _ = ljz.req("GET", "/api/v1/staff/import/template")
    assert st == 200 and h["content-type"].startswith("text/csv")
    assert ljz.get("/api/v1/staff/import/template?format=pdf")[0] == 422


def _csv_ids(data):
    return [int(line.split(",")[0]) for line in data.decode("utf-8-sig").splitlines()[1:] if line]


def _list_ids(sess, params):
    ids, after = [], None
    while True:
        st, _, page = sess.get("/api/v1/mediation-cases?limit=500&fields=title&" + params + (f"&after={after}" if after else ""))
        assert st == 200, page
        ids += [i["id"] for i in page["items"]]
        if not page.get("next"):
            return ids
        after = page["next"]


def test_export_rows_come_in_the_lists_sort_order_with_its_filters(ctx):
    """issue 16 point 9: the rows in the order the list shows them, not by id."""
    s = ctx.demo_server()
    ljz = Session(s, "ljz")
    for params in ("sort=case_no", "sort=-case_no", "", "sort=-id&category=neighborhood", "sort=received_on"):
        st, _, data = ljz.req("GET", "/api/v1/mediation-cases/export?format=csv&" + params)
        assert st == 200, data
        got = _csv_ids(data)
        assert got and got == _list_ids(ljz, params), (params, got[:10])
    st, _, data = ljz.req("GET", "/api/v1/mediation-cases/export?format=csv&sort=case_no")
    assert _csv_ids(data) != sorted(_csv_ids(data)), "the demo's case numbers follow the ids: the test shows nothing"
    # the xlsx too: its first data row is the list's first
    st, _, page = ljz.get("/api/v1/mediation-cases?limit=1&sort=-case_no")
    st, _, data = ljz.req("GET", "/api/v1/mediation-cases/export?format=xlsx&columns=title&sort=-case_no")
    strings, _ = _sheet(data)
    head = strings.index("案由")
    assert page["items"][0]["title"] in strings[head + 1:head + 12], strings[:16]
    st, _, err = ljz.get("/api/v1/mediation-cases/export?format=csv&sort=narrative")
    assert st == 422, err
