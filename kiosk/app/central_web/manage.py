"""A site's configuration as central's forms edit it (services, counters and their
officers, hours and holidays, notices), checked by the very function a device applies it
with (:func:`kiosk.config.with_central`, which runs every check of ``config check``) and by
the contract's schema, then published retained to the site; and the commands the pages
send."""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from typing import Any

from kiosk.config import WEEKDAYS, CentralConfig, ConfigError, with_central
from sync import Invalid, Topics, encode, validate

PARTS = ("services", "counters", "hours", "notices")
PART_LABELS = {
    "services": "Dịch vụ",
    "counters": "Quầy và cán bộ",
    "hours": "Giờ làm việc và ngày nghỉ",
    "notices": "Thông báo trên màn hình",
}
DAY_LABELS = dict(
    zip(
        WEEKDAYS,
        ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"),
        strict=True,
    )
)
ROWS_MORE = 3  # empty rows a list form offers for additions
COMMANDS = {
    "notice": "Hiện thông báo trên màn hình",
    "reprint": "In lại phiếu",
    "resync_dossiers": "Đồng bộ lại hồ sơ",
    "resync_procedures": "Đồng bộ lại danh mục thủ tục",
}
_SERVICE_FIELDS = (
    "id",
    "name",
    "prefix",
    "band",
    "digits",
    "daily_cap",
    "service_minutes",
    "open",
    "close",
    "fields",
)
_INTS = {"digits", "daily_cap", "number", "last_ticket_minutes"}
PUBLISH_SECONDS = 5.0  # a broker that does not take a message by then is reported


class FormError(ValueError):
    """What is wrong with a form, in Vietnamese, field by field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _rows(form: dict[str, str], prefix: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows ``{prefix}-{n}-{field}`` of a list form, in order, blank rows left out."""
    indexes = sorted(
        {int(found[1]) for key in form
         if (found := re.fullmatch(rf"{prefix}-([0-9]{{1,3}})-[a-z_]+", key))}
    )  # fmt: skip
    rows = []
    for index in indexes[:200]:
        row = {f: form.get(f"{prefix}-{index}-{f}", "").strip() for f in fields}
        if any(row.values()):
            rows.append(row)
    return rows


def _typed(row: dict[str, str], where: str, problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if not value:
            continue
        if key == "band":
            band = re.fullmatch(r"\s*([0-9]{1,9})\s*[-–]\s*([0-9]{1,9})\s*", value)
            if band is None:
                problems.append(f"{where}: dải số phải có dạng 1001-1999")
                continue
            out[key] = [int(band[1]), int(band[2])]
        elif key == "fields":
            out[key] = value.split()
        elif key == "service_minutes":
            number = _number(value)
            if number is None:
                problems.append(f"{where}: số phút phục vụ phải là một số")
                continue
            out[key] = number
        elif key in _INTS:
            if not re.fullmatch(r"-?[0-9]{1,9}", value):
                problems.append(f"{where}: “{key}” phải là số nguyên")
                continue
            out[key] = int(value)
        else:
            out[key] = value
    return out


def _number(text: str) -> float | None:
    """``12,5`` or ``12.5`` (ASCII digits only), finite; None otherwise."""
    if not re.fullmatch(r"[0-9]{1,7}([.,][0-9]{1,3})?", text.strip()):
        return None
    value = float(text.strip().replace(",", "."))
    return value if math.isfinite(value) else None


def read_part(part: str, form: dict[str, str]) -> Any:
    """The part as the contract carries it, from its form; :class:`FormError` if a field
    cannot even be read (a number that is not one)."""
    problems: list[str] = []
    value: Any
    if part == "services":
        value = [
            _typed(row, f"dịch vụ {n}", problems)
            for n, row in enumerate(_rows(form, "service", _SERVICE_FIELDS), 1)
        ]
    elif part == "counters":
        value = []
        for n, row in enumerate(
            _rows(form, "counter", ("number", "name", "services", "staff_id")), 1
        ):
            counter = _typed(
                {k: v for k, v in row.items() if k != "services"}, f"quầy {n}", problems
            )
            counter["services"] = [s for s in row["services"].replace(",", " ").split() if s]
            value.append(counter)
    elif part == "hours":
        value = {
            key: form[key].strip()
            for key in ("open", "close", "lunch_start", "lunch_end")
            if form.get(key, "").strip()
        }
        value["days"] = [day for day in WEEKDAYS if form.get(f"day-{day}")]
        minutes = form.get("last_ticket_minutes", "").strip()
        if minutes:
            value.update(_typed({"last_ticket_minutes": minutes}, "giờ", problems))
        value["closed_dates"] = form.get("closed_dates", "").split()
        value["special"] = []
        for line in form.get("special", "").splitlines():
            words = line.split()
            if not words:
                continue
            if len(words) != 3:
                problems.append(f"ngày đặc biệt “{line.strip()[:40]}”: cần NGÀY GIỜ-MỞ GIỜ-ĐÓNG")
                continue
            value["special"].append({"date": words[0], "open": words[1], "close": words[2]})
    elif part == "notices":
        value = [
            {"text": line.strip()} for line in form.get("notices", "").splitlines() if line.strip()
        ]
    else:
        raise FormError([f"không có phần cấu hình “{part[:40]}”"])
    if problems:
        raise FormError(problems)
    return value


def check(site: str, body: dict[str, Any], version: int) -> list[str]:
    """The problems of ``body`` for ``site``: the contract's schema, then the device's
    own check (every check of ``config check``) over a site holding only what central
    sets. Parts central does not hold yet stand in as the device's would."""
    doc = {"version": version, **body}
    try:
        validate("config", doc)
    except Invalid as exc:
        return [str(exc)]
    services = body.get("services") or [{"id": "dich-vu", "name": "Dịch vụ", "prefix": "A"}]
    raw: dict[str, Any] = {
        "site": {"id": site, "name": site},
        "services": services,
        "counters": [{"number": 1, "services": [str(s.get("id", "")) for s in services]}],
    }
    try:
        with_central(raw, (), version, body)
    except ConfigError as exc:
        return list(exc.problems)
    return []


def payload(body: dict[str, Any], version: int) -> bytes:
    return encode("config", {"version": version, "ts": _now_iso(), **body})


def _now_iso() -> str:
    from kiosk.store import iso_utc

    return iso_utc(time.time())


def command_of(form: dict[str, str]) -> dict[str, Any]:
    """The command a form asks for, as the contract carries it; :class:`FormError`."""
    cmd = form.get("cmd", "")
    if cmd not in COMMANDS:
        raise FormError(["Lệnh không hợp lệ."])
    args: dict[str, Any] = {}
    if cmd == "notice":
        args["text"] = form.get("text", "").strip()
        minutes = form.get("minutes", "").strip()
        if minutes:
            number = _number(minutes)
            if number is None or not 0 < number <= 10080:
                raise FormError(["Số phút phải là một số từ 0 đến 10080."])
            args["minutes"] = number
    command = {"id": uuid.uuid4().hex, "cmd": cmd, "args": args, "ts": _now_iso()}
    try:
        validate("command", command)
    except Invalid as exc:
        raise FormError([str(exc)]) from None
    return command


def publish(config: CentralConfig, messages: list[tuple[str, bytes, bool]]) -> None:
    """Publish ``(topic, payload, retain)`` through a short-lived client of its own and
    wait until the broker has them; :class:`OSError` if it cannot."""
    import dataclasses
    import socket

    from sync import Client

    client_id = f"kiosk-central-web-{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
    client = Client(dataclasses.replace(config, session_expiry_hours=0.01), client_id)
    client.start()
    try:
        deadline = time.monotonic() + PUBLISH_SECONDS
        while not client.connected():
            if time.monotonic() > deadline:
                raise OSError(f"broker {config.host}:{config.port} not reachable")
            time.sleep(0.05)
        for topic, body, retain in messages:
            client.publish(topic, body, retain=retain)
        while client.sending():
            if time.monotonic() > deadline:
                raise OSError("the broker did not take the message in time")
            time.sleep(0.02)
    finally:
        client.stop()


def config_topic(site: str) -> str:
    return Topics(site).config


def command_topic(site: str, device: str) -> str:
    return Topics(site, device).cmd


def form_values(body: dict[str, Any]) -> dict[str, Any]:
    """What the forms show for the parts central holds."""
    hours = body.get("hours", {})
    return {
        "services": [
            {
                **s,
                "band": "-".join(str(n) for n in s.get("band", [])),
                "fields": " ".join(s.get("fields", [])),
            }
            for s in body.get("services", [])
        ],
        "counters": [
            {**c, "services": " ".join(c.get("services", []))} for c in body.get("counters", [])
        ],
        "hours": hours,
        "closed_dates": "\n".join(hours.get("closed_dates", [])),
        "special": "\n".join(
            f"{s['date']} {s['open']} {s['close']}" for s in hours.get("special", [])
        ),
        "notices": "\n".join(n["text"] for n in body.get("notices", [])),
        "json": json.dumps(body, ensure_ascii=False, indent=2),
    }


def publish_records(
    config: CentralConfig, kind: str, site: str, records: list[dict[str, Any]]
) -> None:
    """Records of ``kind`` (dossiers, procedures) to ``site``'s devices, in messages of
    the contract's size, as ``kiosk central dossiers`` sends them."""
    from sync.central import chunks

    if records:
        topic = f"{Topics(site).prefix}/{kind}"
        publish(
            config, [(topic, encode(kind, {kind: chunk}), False) for chunk in chunks(kind, records)]
        )
