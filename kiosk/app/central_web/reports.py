"""The report page's query, its table and its downloads (XLSX with real numbers and dates,
CSV). The figures come from :func:`sync.central.period_report`, the function
``kiosk central report --period`` prints: one implementation."""

from __future__ import annotations

import csv
import datetime as dt
import io
import urllib.parse
from dataclasses import dataclass
from typing import Any

from kiosk.app.central_web import fmt
from kiosk.figures import BY, Figures
from kiosk.periods import BadPeriod, Period, parse_period
from sync.central import period_report, period_series
from sync.central_store import CentralStore
from sync.central_web_store import Names

BY_LABELS = {"site": "Điểm", "service": "Dịch vụ", "counter": "Quầy", "officer": "Cán bộ"}
COLUMNS = (
    ("tickets", "Số phiếu"),
    ("called", "Lượt gọi"),
    ("served", "Đã phục vụ"),
    ("no_shows", "Vắng mặt"),
    ("voided", "Hủy do in lỗi"),
    ("wait_mean_seconds", "Chờ trung bình (phút)"),
    ("wait_p90_seconds", "90% chờ không quá (phút)"),
    ("service_mean_seconds", "Phục vụ trung bình (phút)"),
    ("rated", "Lượt đánh giá"),
    ("rating_mean", "Điểm đánh giá trung bình"),
    ("satisfaction_percent", "Tỷ lệ hài lòng (%)"),
)
_MINUTES = {"wait_mean_seconds", "wait_p90_seconds", "service_mean_seconds"}


@dataclass(frozen=True)
class Query:
    """What a report is asked for; ``problem`` says in Vietnamese what is wrong."""

    text: str
    period: Period | None
    by: str
    site: str
    sites: list[str] | None  # None: every site (an admin's report of all)
    choices: list[str]
    problem: str = ""

    @classmethod
    def read(cls, params: dict[str, str], today: dt.date, choices: list[str], viewer: Any) -> Query:
        text = params.get("period", "").strip()[:40] or today.strftime("%Y-%m")
        by = params.get("by", "site")
        site = params.get("site", "").strip()[:100]
        problem = ""
        period: Period | None = None
        if by not in BY:
            by, problem = "site", "Cách nhóm không hợp lệ."
        try:
            period = parse_period(text)
        except BadPeriod:
            problem = (
                f"Kỳ báo cáo “{text}” không hợp lệ. Dùng 2026-12-08, 2026-12, 2026-Q4, "
                "2026-6T, 2026-9T, 2026 hoặc 2026-01-05..2026-03-20."
            )
        if problem:
            period = None
        everything = viewer.user.role == "admin" or not viewer.user.sites
        sites: list[str] | None = [site] if site else (None if everything else list(choices))
        return cls(text, period, by, site, sites, choices, problem)

    def encoded(self) -> str:
        return urllib.parse.urlencode({"period": self.text, "by": self.by, "site": self.site})

    def run(self, store: CentralStore) -> dict[str, Any]:
        assert self.period is not None
        return period_report(store, self.period, self.sites, self.by)

    def series(self, store: CentralStore) -> list[tuple[dt.date, Figures]]:
        assert self.period is not None
        return period_series(store, self.period, self.sites)


def quick_periods(today: dt.date) -> list[tuple[str, str]]:
    """Links to the periods a report is usually for."""
    quarter = (today.month - 1) // 3 + 1
    year = today.year
    return [
        (today.isoformat(), "Hôm nay"),
        (f"{today:%Y-%m}", f"Tháng {today.month:02d}/{year}"),
        (f"{year}-Q{quarter}", f"Quý {quarter}/{year}"),
        (f"{year}-6T", f"6 tháng đầu năm {year}"),
        (f"{year}-9T", f"9 tháng đầu năm {year}"),
        (str(year), f"Năm {year}"),
    ]


def labels_of(data: dict[str, Any]) -> list[str]:
    """The rating labels in the report, most given first."""
    return list(data["total"]["ratings_by_label"])


def headers(data: dict[str, Any]) -> list[str]:
    by = data["by"]
    keys = ["Điểm"] if by == "site" else ["Điểm", BY_LABELS[by]]
    return keys + [label for _, label in COLUMNS] + [f"Đánh giá: {x}" for x in labels_of(data)]


def _cells(figures: dict[str, Any], labels: list[str]) -> list[Any]:
    out: list[Any] = []
    for key, _ in COLUMNS:
        value = figures[key]
        if key in _MINUTES and value is not None:
            value = round(value / 60, 1)
        out.append(value)
    out += [figures["ratings_by_label"].get(label, 0) for label in labels]
    return out


def table(data: dict[str, Any], names: Names) -> tuple[list[str], list[list[Any]], list[Any]]:
    """The header, the rows (keys as their Vietnamese names, figures as numbers or None)
    and the total."""
    labels = labels_of(data)
    rows = [[*_named(data["by"], row["key"], names), *_cells(row, labels)] for row in data["rows"]]
    width = 1 if data["by"] == "site" else 2
    total = ["Tổng cộng", *([""] * (width - 1)), *_cells(data["total"], labels)]
    return headers(data), rows, total


def _named(by: str, key: list[str], names: Names) -> list[str]:
    site = names.site(key[0])
    if by == "site":
        return [site]
    if by == "service":
        return [site, names.service(key[0], key[1])]
    if by == "counter":
        return [site, f"Quầy {key[1]}"]
    return [site, key[1]]


def show(cell: Any) -> str:
    """A cell as the page shows it."""
    if cell is None:
        return "–"
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int):
        return fmt.number(cell)
    if isinstance(cell, float):
        return fmt.number(cell, 1)
    return str(cell)


def to_csv(data: dict[str, Any], names: Names) -> bytes:
    """UTF-8 with a byte order mark (Excel reads it as UTF-8), numbers as numbers."""
    head, rows, total = table(data, names)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(head)
    for row in [*rows, total]:
        writer.writerow(["" if cell is None else _csv_safe(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_safe(cell: Any) -> Any:
    """Text a spreadsheet would take for a formula is kept as text."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def to_xlsx(data: dict[str, Any], series: list[tuple[dt.date, Figures]], names: Names) -> bytes:
    """The report as an Excel workbook: a sheet of the table (Vietnamese headers, numbers
    as numbers) and a sheet of the figures day by day (dates as dates)."""
    import xlsxwriter

    head, rows, total = table(data, names)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#EEF2F6", "text_wrap": True})
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    one = book.add_format({"num_format": "#,##0.0"})
    whole = book.add_format({"num_format": "#,##0"})
    sheet = book.add_worksheet("Báo cáo")
    sheet.write_string(0, 0, f"Báo cáo thống kê hàng đợi: {data['title']}", bold)
    sheet.write_string(1, 0, "Từ ngày")
    sheet.write_datetime(1, 1, dt.datetime.fromisoformat(data["first"]), date_format)
    sheet.write_string(1, 2, "đến ngày")
    sheet.write_datetime(1, 3, dt.datetime.fromisoformat(data["last"]), date_format)
    start = 3
    for col, text in enumerate(head):
        sheet.write_string(start, col, text, header)
    for r, row in enumerate([*rows, total], start + 1):
        for c, cell in enumerate(row):
            _write(sheet, r, c, cell, (whole, one))
    sheet.set_row(start + len(rows) + 1, None, bold)
    sheet.set_column(0, 1, 22)
    sheet.set_column(2, len(head), 14)
    sheet.freeze_panes(start + 1, 1 if data["by"] == "site" else 2)
    days = book.add_worksheet("Theo ngày")
    for col, text in enumerate(
        [
            "Ngày",
            "Số phiếu",
            "Đã phục vụ",
            "Vắng mặt",
            "Chờ trung bình (phút)",
            "Tỷ lệ hài lòng (%)",
        ]
    ):
        days.write_string(0, col, text, header)
    for r, (day, figures) in enumerate(series, 1):
        days.write_datetime(r, 0, dt.datetime.combine(day, dt.time()), date_format)
        days.write_number(r, 1, figures.tickets, whole)
        days.write_number(r, 2, figures.served, whole)
        days.write_number(r, 3, figures.no_shows, whole)
        mean = figures.wait_mean()
        _write(days, r, 4, None if mean is None else round(mean / 60, 1), (whole, one))
        _write(days, r, 5, figures.satisfaction(), (whole, one))
    days.set_column(0, 5, 16)
    book.close()
    return buffer.getvalue()


def _write(sheet: Any, row: int, col: int, cell: Any, formats: tuple[Any, Any]) -> None:
    whole, one = formats
    if cell is None or cell == "":
        sheet.write_blank(row, col, None)
    elif isinstance(cell, bool) or not isinstance(cell, int | float):
        sheet.write_string(row, col, str(cell))
    else:
        sheet.write_number(row, col, cell, whole if isinstance(cell, int) else one)


def series_json(query: Query, series: list[tuple[dt.date, Figures]]) -> dict[str, Any]:
    """The chart's data: uPlot's x (seconds) and two series."""
    assert query.period is not None
    month = query.period.days() > 62
    return {
        "title": query.period.title(),
        "unit": "month" if month else "day",
        "x": [int(dt.datetime.combine(day, dt.time(12), dt.UTC).timestamp()) for day, _ in series],
        "tickets": [f.tickets for _, f in series],
        "wait_minutes": [
            None if f.wait_mean() is None else round((f.wait_mean() or 0) / 60, 1)
            for _, f in series
        ],
    }
