"""The look-up scanner in the simulated day: a dossier cache imported in the morning,
citizens scanning their appointment slips (and one or two wrong codes) through the
day, and a snapshot of the look-up screen after each scan."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
from pathlib import Path
from typing import Any

from kiosk import dossiers
from kiosk.config import Config
from kiosk.demo._dossiers import sample_dossier, sample_dossiers
from kiosk.lookup import View
from kiosk.queue import local_time
from kiosk.store import Store

CACHED = 300  # dossiers in the demo's cache
SNAPSHOTS = 14  # look-up screens written (slips first, then ticket QR scans)


def _slip(rng: random.Random, code: str, day: dt.date, days_ago: int, status: int,
          **extra: Any) -> dict[str, Any]:  # fmt: skip
    received = dt.datetime.combine(day - dt.timedelta(days=days_ago), dt.time(8, 40))
    record = sample_dossier(rng, code, received, status, day)
    record.update(extra)
    return record


def demo_slips(day: dt.date) -> list[tuple[dt.time, dict[str, Any] | None, str]]:
    """(when, the dossier or None, what is scanned) for the day's slip scans."""
    rng = random.Random(7)
    ready = _slip(rng, f"000.00.04.G14-{day - dt.timedelta(days=6):%y%m%d}-0012", day, 6, 9,
                  pickup_counter=3, procedure="Cấp giấy chứng nhận quyền sử dụng đất, "
                  "quyền sở hữu nhà ở lần đầu")  # fmt: skip
    working = _slip(rng, f"38.98.H29-{day - dt.timedelta(days=2):%y%m%d}-0047", day, 2, 4)
    late = _slip(rng, f"000.A0.01.H26-{day - dt.timedelta(days=20):%y%m%d}-0305", day, 20, 4)
    fee = _slip(rng, f"000.12.31.H56-{day - dt.timedelta(days=3):%y%m%d}-0118", day, 3, 6,
                fee="Lệ phí trước bạ 500.000 đồng")  # fmt: skip
    more = _slip(rng, f"G22.50-{day - dt.timedelta(days=4):%y%m%d}-0009", day, 4, 5)
    returned = _slip(rng, f"38.98.H29-{day - dt.timedelta(days=30):%y%m%d}-0666", day, 30, 10)
    unknown = f"000.00.04.G14-{day - dt.timedelta(days=1):%y%m%d}-9999"
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
        self.scans = demo_slips(day)
        records = list(sample_dossiers(day, CACHED, seed=11))
        records += [record for _, record, _ in self.scans if record is not None]
        jsonl = out / "dossiers.jsonl"
        with jsonl.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        morning = dt.datetime.combine(day, dt.time(7, 0), tzinfo=local_time(config, 0).tzinfo)
        with jsonl.open("rb") as handle:
            self.imported = dossiers.import_jsonl(store, handle, config.site.timezone,
                                                  now=morning.timestamp)  # fmt: skip

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
