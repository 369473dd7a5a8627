"""The procedure catalogue: records in the portal's field names and in this project's
format, checked field by field; the import; the cache by version; look-up by code."""

from __future__ import annotations

import copy
import io
import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk import procedures
from kiosk.procedures import BadProcedure, Procedure, parse_record
from kiosk.store import Store
from tests.conftest import ROOT, kiosk_in

PORTAL: dict[str, Any] = {
    "MATTHC": "1.001193.000.00.00.H31",
    "TENTTHC": "Đăng ký khai sinh",
    "CAPTHUCHIEN": ["Cấp Xã"],
    "LINHVUCTHUCHIEN": [{"MALINHVUC": "G09-TP01", "TENLINHVUC": "Hộ tịch"}],
    "COQUANTHUCHIEN": [{"MACOQUAN": "X", "TENCOQUAN": "Ủy ban nhân dân xã, phường, đặc khu"}],
    "DOITUONGTHUCHIEN": [{"TENDOITUONG": "Công dân Việt Nam"}],
    "YEUCAU": "Không",
    "CACHTHUCTHUCHIEN": [
        {
            "KENH": "Trực tiếp",
            "THOIGIAN": [
                {
                    "THOIGIANGIAIQUYET": "0",
                    "DONVITINH": "Ngày làm việc",
                    "PHILEPHI": [
                        {
                            "MAPHILEPHI": "Lệ phí",
                            "SOTIEN": "0",
                            "DONVI": "Đồng",
                            "MOTA": "Miễn lệ phí đăng ký khai sinh đúng hạn",
                        },
                    ],
                    "MOTA": "",
                }
            ],
        },
        {
            "KENH": "Trực tuyến",
            "THOIGIAN": [
                {
                    "THOIGIANGIAIQUYET": "0,5",
                    "DONVITINH": "Ngày làm việc",
                    "PHILEPHI": [
                        {
                            "MAPHILEPHI": "Phí",
                            "SOTIEN": "8.000",
                            "DONVI": "Đồng/bản",
                            "MOTA": "Phí cấp bản sao trích lục",
                        }
                    ],
                },
            ],
        },
    ],
    "THANHPHANHOSO": [
        {
            "TRUONGHOP": "",
            "GIAYTO": [
                {
                    "TENGIAYTO": "Tờ khai đăng ký khai sinh theo mẫu",
                    "SOBANCHINH": "1",
                    "SOBANSAO": "0",
                    "TENMAUDON": "Tờ khai đăng ký khai sinh",
                    "URL": "https://csdl.dichvucong.gov.vn/web/jsp/download_file.jsp?ma=3fd",
                },
                {
                    "TENGIAYTO": "Giấy chứng sinh",
                    "SOBANCHINH": "1",
                    "SOBANSAO": "",
                    "TENMAUDON": "",
                    "URL": "",
                },
            ],
        }
    ],
    "KETQUATHUCHIEN": [{"TENKETQUA": "Giấy khai sinh (bản chính)"}],
    "CANCUPHAPLY": [
        {
            "SOVANBAN": "60/2014/QH13",
            "TENVANBAN": "Luật Hộ tịch",
            "NGAYBANHANH": "20/11/2014",
            "COQUANBANHANH": "Quốc hội",
        },
    ],
    "MUCDODVC": "Toàn trình",
    "URL": "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1",
}


def portal(**changes: Any) -> dict[str, Any]:
    record = copy.deepcopy(PORTAL)
    for key, value in changes.items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def jsonl(*records: Any) -> io.BytesIO:
    return io.BytesIO(b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "kiosk.db") as opened:
        yield opened


# -- records ----------------------------------------------------------------------------


def test_ok__a_portal_record_is_read_field_by_field() -> None:
    p = parse_record(PORTAL, 7)
    assert (p.code, p.national, p.name) == (
        "1.001193.000.00.00.H31",
        "1.001193",
        "Đăng ký khai sinh",
    )
    assert (p.field_code, p.field_name, p.levels) == ("G09-TP01", "Hộ tịch", ("Cấp Xã",))
    assert p.agencies == ("Ủy ban nhân dân xã, phường, đặc khu",)
    assert p.applicants == ("Công dân Việt Nam",) and p.conditions == "Không"
    in_person, online = p.ways
    assert (in_person.channel, in_person.time, in_person.unit) == (
        "truc_tiep",
        0.0,
        "Ngày làm việc",
    )
    assert in_person.fees[0].amount == 0 and in_person.fees[0].kind == "Lệ phí"
    assert (online.channel, online.time) == ("truc_tuyen", 0.5)
    assert (online.fees[0].amount, online.fees[0].unit) == (8000, "Đồng/bản")
    first, second = p.papers
    assert (first.name, first.originals, first.copies) == (
        "Tờ khai đăng ký khai sinh theo mẫu",
        1,
        0,
    )
    assert first.form == "Tờ khai đăng ký khai sinh" and first.form_url.startswith("https://")
    assert (second.copies, second.form, second.form_url) == (0, "", "")
    assert p.results == ("Giấy khai sinh (bản chính)",)
    assert p.basis[0].number == "60/2014/QH13" and p.basis[0].issuer == "Quốc hội"
    assert (p.online, p.service, p.version) == ("toan_trinh", "", 7)


def test_ok__this_projects_format_reads_back_what_it_wrote() -> None:
    p = parse_record(PORTAL, 7)
    again = parse_record(json.loads(json.dumps(p.to_record())), 1)
    assert again == p  # the record's own version (7) wins over the default


def test_ok__text_is_nfc_and_trimmed_numbers_may_be_text() -> None:
    decomposed = unicodedata.normalize("NFD", "  Đăng ký kết hôn  ")
    p = parse_record(portal(TENTTHC=decomposed, MATTHC="1.000894"), 1)
    assert p.name == "Đăng ký kết hôn" and unicodedata.is_normalized("NFC", p.name)
    assert p.national == p.code == "1.000894"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"MATTHC": None, "code": None, "TENTTHC": None},
         "neither a portal record (MATTHC) nor one of this project's (code)"),
        ({"MATTHC": ""}, "MATTHC: missing"),
        ({"MATTHC": "1.001 193"}, "MATTHC: '1.001 193' is not a procedure code (like 1.001193)"),
        ({"TENTTHC": "   "}, "TENTTHC: missing"),
        ({"TENTTHC": "Đăng ký\x1b[2J"}, "TENTTHC: must not contain control characters (U+001B)"),
        ({"TENTTHC": "x" * 1001}, "TENTTHC: too long (1001 characters; at most 1000)"),
        ({"TENTTHC": 12}, None),  # a number as a name is text "12": allowed
        ({"LINHVUCTHUCHIEN": "Hộ tịch"}, "LINHVUCTHUCHIEN: must be a list, not str"),
        ({"LINHVUCTHUCHIEN": [["Hộ tịch"]]}, "LINHVUCTHUCHIEN[0]: must be an object, not list"),
        ({"CACHTHUCTHUCHIEN": [{"KENH": "Fax"}]},
         "CACHTHUCTHUCHIEN[0].KENH: 'fax' is not Trực tiếp, Trực tuyến or Dịch vụ bưu chính"),
        ({"CACHTHUCTHUCHIEN": [{"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": "ba"}]}]},
         "CACHTHUCTHUCHIEN[0].THOIGIAN[0].THOIGIANGIAIQUYET: 'ba' is not a number"),
        ({"CACHTHUCTHUCHIEN": [{"KENH": "1", "THOIGIAN": [{"THOIGIANGIAIQUYET": -1}]}]},
         "CACHTHUCTHUCHIEN[0].THOIGIAN[0].THOIGIANGIAIQUYET: must be a number from 0 to 3650"),
        ({"CACHTHUCTHUCHIEN": [{"KENH": "1", "THOIGIAN": [{"PHILEPHI": [{"SOTIEN": "1,5"}]}]}]},
         None),  # 1,5 read as 15 (a thousands separator): a whole number of đồng
        ({"CACHTHUCTHUCHIEN": [{"KENH": "1", "THOIGIAN": [{"PHILEPHI": [{"SOTIEN": 1.5}]}]}]},
         "CACHTHUCTHUCHIEN[0].THOIGIAN[0].PHILEPHI[0].SOTIEN: must be a whole number"),
        ({"CACHTHUCTHUCHIEN": [{"KENH": "1", "THOIGIAN": [{"PHILEPHI": [{"SOTIEN": True}]}]}]},
         "CACHTHUCTHUCHIEN[0].THOIGIAN[0].PHILEPHI[0].SOTIEN: must be a number, not true/false"),
        ({"THANHPHANHOSO": [{"GIAYTO": [{"TENGIAYTO": "p" * 10_000}]}]},
         "THANHPHANHOSO[0].GIAYTO[0].TENGIAYTO: too long (10000 characters; at most 1000)"),
        ({"THANHPHANHOSO": [{"GIAYTO": [{"TENGIAYTO": "Giấy"}] * 101}]},
         "THANHPHANHOSO[0].GIAYTO: 101 items; at most 100"),
        ({"THANHPHANHOSO": [{"GIAYTO": [{"TENGIAYTO": "Giấy", "SOBANSAO": "101"}]}]},
         "THANHPHANHOSO[0].GIAYTO[0].SOBANSAO: must be a number from 0 to 100"),
        ({"THANHPHANHOSO": [{"GIAYTO": [{"TENGIAYTO": "Giấy", "URL": "javascript:alert(1)"}]}]},
         "THANHPHANHOSO[0].GIAYTO[0].URL: must be an http(s) address"),
        ({"MUCDODVC": "Mức độ 4"}, "MUCDODVC: 'mức độ 4' is not Toàn trình, Một phần or empty"),
        ({"URL": "ftp://x"}, "URL: must be an http(s) address"),
        ({"CANCUPHAPLY": [{"SOVANBAN": "1"}]}, "CANCUPHAPLY[0].TENVANBAN: missing"),
    ],
)  # fmt: skip
def test_fail__a_bad_portal_record_names_its_field(
    changes: dict[str, Any], expected: str | None
) -> None:
    record = portal(**changes)
    if expected is None:
        assert isinstance(parse_record(record, 1), Procedure)
        return
    with pytest.raises(BadProcedure) as caught:
        parse_record(record, 1)
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"format": "kiosk-procedure/9"}, "format: 'kiosk-procedure/9' is not kiosk-procedure/1"),
        ({"online": "toan"}, "online: 'toan' is not one of 'toan_trinh', 'mot_phan', ''"),
        ({"ways": [{"channel": "fax"}]},
         "ways[0].channel: 'fax' is not one of truc_tiep, truc_tuyen, buu_chinh"),
        ({"field": "Hộ tịch"}, "field: must be an object with code and name"),
        ({"version": -3}, "version: must be a number from 0 to 4.61169e+18"),
        ({"cases": [{"papers": [{"name": ""}]}]}, "cases[0].papers[0].name: missing"),
    ],
)  # fmt: skip
def test_fail__a_bad_record_of_ours_names_its_field(changes: dict[str, Any], expected: str) -> None:
    record = parse_record(PORTAL, 1).to_record() | changes
    with pytest.raises(BadProcedure) as caught:
        parse_record(record, 1)
    assert str(caught.value) == expected


# -- import and cache ---------------------------------------------------------------------


def test_ok__import_takes_every_good_line_and_names_each_bad_one(store: Store) -> None:
    stream = io.BytesIO(
        b"\xef\xbb\xbf"
        + json.dumps(PORTAL, ensure_ascii=False).encode()
        + b"\n\n"
        + b"{not json\n"
        + json.dumps(portal(MATTHC="1.000894", TENTTHC="Đăng ký kết hôn")).encode()
        + b"\n"
        + b"\xff\xfe\n"
        + json.dumps(
            portal(MATTHC="2.000001", THANHPHANHOSO=[{"GIAYTO": [{"TENGIAYTO": "p" * 10_000}]}])
        ).encode()
        + b"\n"
        + b"[1, 2]\n"
    )
    report = procedures.import_jsonl(store, stream, now=lambda: 1_800_000_000.0)
    assert (report.lines, report.written, report.rejected) == (6, 2, 4)
    assert report.problems == [
        "line 3: not JSON (Expecting property name enclosed in double quotes at column 2)",
        "line 5: not UTF-8 text",
        "line 6: THANHPHANHOSO[0].GIAYTO[0].TENGIAYTO: too long (10000 characters; at most 1000)",
        "line 7: must be a JSON object, not list",
    ]
    assert procedures.count(store.conn) == 2
    found = procedures.by_code(store.conn, "1.001193")
    assert found is not None and found.version == 1_800_000_000_000


def test_ok__the_newer_version_wins_and_an_older_changes_nothing(store: Store) -> None:
    ours = parse_record(PORTAL, 5).to_record()
    procedures.import_jsonl(store, jsonl(ours))
    older = procedures.import_jsonl(store, jsonl(ours | {"version": 4, "name": "Cũ"}))
    assert (older.written, older.unchanged) == (0, 1)
    newer = procedures.import_jsonl(
        store, jsonl(ours | {"version": 6, "name": "Đăng ký khai sinh mới"})
    )
    assert newer.written == 1
    found = procedures.by_code(store.conn, "1.001193.000.00.00.H31")
    assert found is not None and (found.name, found.version) == ("Đăng ký khai sinh mới", 6)
    # the search index follows the newer name, and forgets the old one
    assert [h.code for h in procedures.search(store.conn, "mới")] == [found.code]
    assert procedures.search(store.conn, "Cũ") == []


def test_ok__a_code_is_found_in_either_form(store: Store) -> None:
    procedures.import_jsonl(store, jsonl(PORTAL, portal(MATTHC="1.000894", TENTTHC="Kết hôn")))
    for code in ("1.001193", "1.001193.000.00.00.H31", " 1.001193 "):
        found = procedures.by_code(store.conn, code)
        assert found is not None and found.name == "Đăng ký khai sinh"
    assert procedures.by_code(store.conn, "1.00119") is None


def test_ok__fields_and_their_procedures_in_reading_order(store: Store) -> None:
    procedures.import_jsonl(
        store,
        jsonl(
            portal(MATTHC="1.000001", TENTTHC="Đăng ký kết hôn"),
            portal(MATTHC="1.000002", TENTTHC="Đăng ký khai tử"),
            portal(MATTHC="1.000003", TENTTHC="Đăng ký giám hộ"),
            portal(MATTHC="2.000001", TENTTHC="Đăng ký đất đai",
                   LINHVUCTHUCHIEN=[{"MALINHVUC": "TN", "TENLINHVUC": "Đất đai"}]),
            portal(MATTHC="3.000001", TENTTHC="Không lĩnh vực", LINHVUCTHUCHIEN=None),
        ),
    )  # fmt: skip
    assert procedures.fields(store.conn) == [("TN", "Đất đai", 1), ("G09-TP01", "Hộ tịch", 3)]
    names = [name for _, name in procedures.in_field(store.conn, "Hộ tịch")]
    assert names == ["Đăng ký giám hộ", "Đăng ký kết hôn", "Đăng ký khai tử"]


# -- the command line ---------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    # The example's Tư pháp - Hộ tịch receives the field of the records here.
    assert 'fields = ["G09-TP01"' in text
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return folder


def test_ok__import_search_and_show_as_a_user_runs_them(site: Path) -> None:
    data = site / "catalogue.jsonl"
    data.write_bytes(
        jsonl(PORTAL, portal(MATTHC="1.000894", TENTTHC="Đăng ký kết hôn"), [1]).getvalue()
    )
    done = kiosk_in(site, "procedures", "import", str(data))
    assert done.returncode == 65, done.stderr  # a bad line: EX_DATAERR, the rest imported
    assert done.stderr.strip() == f"kiosk: {data}: line 3: must be a JSON object, not list"
    assert "3 procedure(s): 2 written, 0 unchanged" in done.stdout
    assert "2 in the catalogue" in done.stdout

    found = kiosk_in(site, "--json", "procedures", "search", "dang ky khai snh")
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)
    assert [h["code"] for h in hits] == ["1.001193.000.00.00.H31"]
    assert set(hits[0]) == {"code", "name", "field", "score"}

    shown = kiosk_in(site, "procedures", "show", "1.001193")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[:3] == [
        "Đăng ký khai sinh",
        "Mã: 1.001193.000.00.00.H31 (mã quốc gia 1.001193)",
        "Lĩnh vực: Hộ tịch",
    ]
    assert (
        "- Tờ khai đăng ký khai sinh theo mẫu (1 bản chính); mẫu: Tờ khai đăng ký khai sinh"
        in lines
    )
    assert "- Trực tuyến: 0.5 ngày làm việc; Phí 8.000 đồng" in lines
    assert lines[-1] == "Nộp tại đây: Tư pháp - Hộ tịch (quầy 3, 4)"
    as_json = json.loads(kiosk_in(site, "--json", "procedures", "show", "1.001193").stdout)
    assert as_json["submit_here"] == {
        "service": "tu-phap-ho-tich",
        "service_name": "Tư pháp - Hộ tịch",
        "counters": [3, 4],
    }
    assert as_json["national"] == "1.001193" and as_json["version"] > 0


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("procedures", "show", "9.999999"), 66, "kiosk: no procedure '9.999999' in the catalogue"),
        (("procedures", "import", "/nonexistent.jsonl"), 66,
         "kiosk: /nonexistent.jsonl: No such file or directory"),
        (("procedures", "search", "x\x1b[2J"), 2, None),
        (("procedures",), 2, None),
    ],
)  # fmt: skip
def test_fail__bad_procedure_commands_say_one_line(
    site: Path, args: tuple[str, ...], code: int, message: str | None
) -> None:
    done = kiosk_in(site, *args)
    assert done.returncode == code
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    if message is not None:
        assert lines[0] == message
