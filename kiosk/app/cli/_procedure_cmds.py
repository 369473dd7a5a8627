"""``kiosk procedures import|search|show``: the procedure catalogue on this device."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from kiosk import procedures
from kiosk.app.cli._lookup_cmds import opened
from kiosk.app.cli._printer_cmds import write_atomically
from kiosk.app.context import Context
from kiosk.app.exits import CANTCREAT, DATAERR, NOINPUT, CommandError
from kiosk.app.printer_setup import renderer
from kiosk.procedures import CHANNELS, ONLINE_LEVELS, Procedure, Way
from kiosk.ticketing import local_time


def cmd_procedures(ctx: Context) -> int:
    action = ctx.args.procedures_command
    if action == "import":
        return _import(ctx)
    if action == "search":
        return _search(ctx)
    if action == "checklist":
        return _checklist(ctx)
    return _show(ctx)


def _import(ctx: Context) -> int:
    name = ctx.args.file
    with opened(name) as stream:
        try:
            report = procedures.import_jsonl(ctx.store, stream, now=ctx.now)
        except OSError as exc:
            raise CommandError(f"{name}: {exc.strerror or exc}", NOINPUT) from None
    out = report.to_json()
    out["cached"] = procedures.count(ctx.store.conn)
    if not ctx.json:
        for problem in report.problems:
            print(f"kiosk: {name}: {problem}", file=sys.stderr)
        if report.rejected > len(report.problems):
            more = report.rejected - len(report.problems)
            print(f"kiosk: {name}: ... and {more} more bad line(s)", file=sys.stderr)
    ctx.emit(
        out,
        f"{name}: {report.lines} procedure(s): {report.written} written, {report.unchanged} "
        f"unchanged (same or newer version kept), {report.rejected} rejected; "
        f"{out['cached']} in the catalogue",
    )
    return DATAERR if report.rejected else 0


def _search(ctx: Context) -> int:
    hits = procedures.search(ctx.store.conn, ctx.args.text)
    rows = [{"code": h.code, "name": h.name, "field": h.field, "score": h.score} for h in hits]
    lines = [f"{h.code}  {h.name}  ({h.field or 'không rõ lĩnh vực'})  {h.score:g}" for h in hits]
    ctx.emit(rows, "\n".join(lines) if lines else "không tìm thấy thủ tục nào")
    return 0


def _found(ctx: Context) -> Procedure:
    found = procedures.by_code(ctx.store.conn, ctx.args.code)
    if found is None:
        raise CommandError(f"no procedure {ctx.args.code!r} in the catalogue", NOINPUT)
    return found


def _checklist(ctx: Context) -> int:
    """The list of papers to bring, exactly as the printer gets it (and its picture)."""
    config = ctx.config
    out, png = Path(ctx.args.out), Path(ctx.args.png) if ctx.args.png else None
    for path in filter(None, (out, png)):
        if not path.parent.is_dir():
            raise CommandError(f"cannot write {path}: no folder {path.parent}", CANTCREAT)
    found = _found(ctx)
    render = renderer(config.printer)
    sheet = procedures.checklist_for(found, config, local_time(config, ctx.now()))
    rendered = render.render_checklist(sheet)
    try:
        write_atomically(out, rendered.data)
        if png is not None:
            rendered.preview().save(png, optimize=True)
    except OSError as exc:
        raise CommandError(
            f"cannot write {exc.filename}: {exc.strerror or exc}", CANTCREAT
        ) from None
    data = {
        "code": found.code,
        "name": found.name,
        "papers": sheet.papers,
        "bytes": len(rendered.data),
        "out": str(out),
        "png": str(png) if png else None,
        "width": rendered.width,
    }
    shown = f" and its picture to {png}" if png else ""
    ctx.emit(
        data,
        f"Checklist of {found.code} ({sheet.papers} papers): wrote its {len(rendered.data)} "
        f"bytes to {out}{shown}.",
    )
    return 0


def _show(ctx: Context) -> int:
    found = _found(ctx)
    where = procedures.receiving(found, ctx.config)
    out: dict[str, Any] = found.to_record()
    out["national"] = found.national
    out["submit_here"] = (
        None
        if where is None
        else {
            "service": where.service.id,
            "service_name": where.service.name,
            "counters": list(where.counters),
        }
    )
    ctx.emit(out, _as_text(found, where))
    return 0


def _way(way: Way) -> str:
    if way.time is None:
        time = "thời hạn không nêu"
    elif way.time == 0:
        time = "trong ngày"
    else:
        time = f"{way.time:g} {way.unit.lower() or 'ngày'}"
    fees = (
        "; ".join(
            f"{fee.kind or 'Phí'} {fee.amount:,} đồng".replace(",", ".")
            if fee.amount
            else (fee.description or "Không thu phí")
            for fee in way.fees
        )
        or "không nêu phí"
    )
    return f"- {CHANNELS.get(way.channel, way.channel)}: {time}; {fees}"


def _as_text(p: Procedure, where: procedures.Where | None) -> str:
    lines = [
        p.name,
        f"Mã: {p.code}" + (f" (mã quốc gia {p.national})" if p.national != p.code else ""),
    ]
    if p.field_name:
        lines.append(f"Lĩnh vực: {p.field_name}")
    if p.agencies:
        lines.append(f"Cơ quan thực hiện: {'; '.join(p.agencies)}")
    if p.ways:
        lines.append("Cách thực hiện:")
        lines += [_way(way) for way in p.ways]
    for case in p.cases:
        lines.append(f"Giấy tờ cần nộp{f' ({case.name})' if case.name else ''}:")
        for paper in case.papers:
            counts = [f"{paper.originals} bản chính"] if paper.originals else []
            counts += [f"{paper.copies} bản sao"] if paper.copies else []
            form = f"; mẫu: {paper.form}" if paper.form else ""
            lines.append(f"- {paper.name}" + (f" ({', '.join(counts)})" if counts else "") + form)
    if p.results:
        lines.append(f"Kết quả: {'; '.join(p.results)}")
    lines.append(f"Dịch vụ công trực tuyến: {ONLINE_LEVELS[p.online]}")
    if where is not None:
        counters = ", ".join(str(n) for n in where.counters) or "chưa có quầy"
        lines.append(f"Nộp tại đây: {where.service.name} (quầy {counters})")
    return "\n".join(lines)
