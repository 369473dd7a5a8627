"""The look-up scanner in the simulated day: a dossier cache imported in the morning,
citizens scanning their appointment slips (and one or two wrong codes) through the
day, and a snapshot of the look-up screen after each scan."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kiosk import dossiers
from kiosk.app.demo.dossiers import (
    BY_NAME,
    dossier_code,
    sample_dossier,
    sample_dossiers,
    working_date,
    working_day,
)
from kiosk.config import Config
from kiosk.lookup import View
from kiosk.store import Store
from kiosk.ticketing import local_time

CACHED = 300  # dossiers in the demo's cache
SNAPSHOTS = 14  # look-up screens written (slips first, then ticket QR scans)


def _slip(
    rng: random.Random,
    name: str,
    day: dt.date,
    *,
    days_ago: int,
    status: int,
    sequence: int,
    counters: Mapping[str, Sequence[int]],
) -> dict[str, Any]:
    """A dossier of procedure ``name`` received at 8:40, ``days_ago`` working days ago."""
    procedure = BY_NAME[name]
    received_day = working_date(working_day(day) - days_ago)
    code = dossier_code(procedure.agency.code, received_day, sequence)
    received = dt.datetime.combine(received_day, dt.time(8, 40))
    return sample_dossier(rng, procedure, code, received, status, today=day, counters=counters)


def service_counters(config: Config) -> dict[str, list[int]]:
    """Each service's counters: where its dossiers' results are collected."""
    return {
        s.id: [c.number for c in config.counters if s.id in c.services] for s in config.services
    }


def demo_slips(
    day: dt.date, counters: Mapping[str, Sequence[int]]
) -> list[tuple[dt.time, dict[str, Any] | None, str]]:
    """(when, the dossier or None, what is scanned) for the day's slip scans."""
    rng = random.Random(7)
    ready = _slip(rng, "Đăng ký kết hôn", day, days_ago=3, status=9, sequence=12, counters=counters)
    if counters.get("tu-phap-ho-tich"):
        ready["pickup_counter"] = min(counters["tu-phap-ho-tich"])
    land = "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu"
    working = _slip(rng, land, day, days_ago=6, status=4, sequence=47, counters=counters)
    late = _slip(
        rng,
        "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        day,
        days_ago=20,
        status=4,
        sequence=305,
        counters=counters,
    )
    transfer = "Đăng ký biến động quyền sử dụng đất do chuyển nhượng"
    fee = _slip(rng, transfer, day, days_ago=4, status=6, sequence=118, counters=counters)
    more = _slip(
        rng,
        "Đăng ký thành lập hộ kinh doanh",
        day,
        days_ago=2,
        status=5,
        sequence=9,
        counters=counters,
    )
    returned = _slip(
        rng, "Đăng ký khai sinh", day, days_ago=22, status=10, sequence=666, counters=counters
    )
    unknown = dossier_code(BY_NAME[land].agency.code, working_date(working_day(day) - 1), 9999)
    return [
        (dt.time(8, 5), ready, ready["code"]),
        (dt.time(8, 50), working, working["code"].lower()),  # a scanner set to lower case
        (dt.time(9, 35), late, late["code"]),
        (dt.time(10, 20), fee, fee["code"]),
        (dt.time(11, 5), None, unknown),
        (dt.time(13, 40), None, "1.011442.000.00.00.H38"),  # the procedure code on a leaflet
        (dt.time(14, 10), more, more["code"]),
        (dt.time(15, 0), returned, returned["code"]),
        (dt.time(15, 45), None, "Xin chao!"),
    ]


class Slips:
    """Imports the dossier cache, schedules the scans, snapshots the look-up screen."""

    def __init__(self, config: Config, store: Store, out: Path, day: dt.date) -> None:
        from display import fonts_for

        self.config = config
        self.store = store
        self.folder = out / "lookup"
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.faces = fonts_for(config)
        self.snapshots: list[str] = []
        self.texts: list[str] = []
        counters = service_counters(config)
        self.scans = demo_slips(day, counters)
        records = list(sample_dossiers(day, CACHED, seed=11, counters=counters))
        records += [record for _, record, _ in self.scans if record is not None]
        jsonl = out / "dossiers.jsonl"
        with jsonl.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        morning = dt.datetime.combine(day, dt.time(7, 0), tzinfo=local_time(config, 0).tzinfo)
        with jsonl.open("rb") as handle:
            self.imported = dossiers.import_jsonl(
                store, handle, config.site.timezone, now=morning.timestamp
            )

    def schedule(self, day: Any) -> None:
        tz = local_time(self.config, 0).tzinfo
        for when, _, code in self.scans:
            day.schedule_scan(dt.datetime.combine(day.day, when, tzinfo=tz).timestamp(), code)

    def __call__(self, kind: str, payload: Any, now: float) -> None:
        if kind != "scanned" or not isinstance(payload, View):
            return
        local = local_time(self.config, now)
        self.texts.append(f"[{local:%H:%M:%S}]\n{payload.text()}\n")
        if len(self.snapshots) >= SNAPSHOTS:
            return
        from display import save_lookup

        name = f"{local:%H%M%S}-{payload.kind}.png"
        save_lookup(self.config, self.store, self.folder / name, now=now + 1, faces=self.faces)
        self.snapshots.append(f"lookup/{name}")

    def write_texts(self) -> None:
        (self.folder / "scans.txt").write_text("\n".join(self.texts), encoding="utf-8")
