"""``kiosk central web``: the province's pages over central's database (Starlette, Jinja2
pages rendered on the server, htmx and uPlot shipped in ``static/``). A worker keeps no
state of its own that another needs: sessions, the throttle and the figures are in the
database, so several run behind a proxy."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import secrets
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kiosk.app import central_records
from kiosk.app.central_web import fmt, manage, reports, security
from kiosk.app.central_web.accounts import hash_password, verify_password
from kiosk.app.central_web.live import Live
from kiosk.config import CentralConfig
from kiosk.figures import Figures
from sync import central_web_store as web
from sync.central_store import CentralStore, CentralStoreError

log = logging.getLogger("kiosk.central_web")

MAX_UPLOAD = 64 * 2**20  # bytes of a dossiers or catalogue file

HERE = Path(__file__).parent


@functools.cache
def _dummy_hash() -> str:
    """Checked against when a name is unknown, so a wrong name takes as long as a wrong
    password."""
    return hash_password(secrets.token_urlsafe(16))


class Pages:
    """The routes' handlers, sharing the store, the configuration and the templates."""

    def __init__(
        self, config: CentralConfig, store: CentralStore, clock: Callable[[], float]
    ) -> None:
        self.config = config
        self.store = store
        self.now = clock
        self.clock = fmt.Clock(config.timezone)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.env.globals.update(
            number=fmt.number,
            minutes=fmt.minutes,
            duration=fmt.duration,
            date=fmt.date,
            clock=self.clock,
            printer=fmt.PRINTER,
            printer_bad=fmt.PRINTER_BAD,
            counter_state=fmt.COUNTER,
            roles=fmt.ROLE,
            parse_ts=_parse_ts,
            show=reports.show,
        )
        self.live = Live(store, self.render_rows, self.today_text)
        # Each site's overview row and alert as last rendered, with what they showed.
        self.rows: dict[str, tuple[Any, str, str]] = {}

    # -- helpers -----------------------------------------------------------------------

    def today_text(self, now: float) -> str:
        return self.clock.today(now).isoformat()

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A template rendered (``names``: the sites' and services' names, when the page
        shows any)."""
        context.setdefault("names", web.Names())
        context.setdefault("viewer", None)
        context.setdefault("nav", "")
        context.setdefault("title", "")
        html = self.env.get_template(template).render(**context)
        return HTMLResponse(html, status_code=status)

    async def db(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await run_in_threadpool(fn, *args)

    async def viewer(self, request: Request) -> security.Viewer | None:
        token = request.cookies.get(security.COOKIE)
        viewer: security.Viewer | None = await self.db(
            security.signed_in, self.store, token, self.now(), self.config
        )
        return viewer

    async def need(self, request: Request) -> security.Viewer:
        viewer = await self.viewer(request)
        if viewer is None:
            raise HTTPException(303, headers={"location": "/login"})
        return viewer

    async def posted(self, request: Request, viewer: security.Viewer | None) -> dict[str, Any]:
        """The form of a change (text fields, and an uploaded ``file``), once its CSRF
        token and origin are checked."""
        length = request.headers.get("content-length", "")
        limit = MAX_UPLOAD + 2**20 if viewer is not None else 16 * 1024
        if not length.isdigit() or int(length) > limit:
            raise HTTPException(413 if length.isdigit() else 411)
        form = await request.form(max_files=1 if viewer is not None else 0, max_fields=2000)
        fields: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
        if isinstance(form.get("file"), UploadFile):
            fields["file"] = form["file"]
        expected = viewer.csrf if viewer else request.cookies.get(security.LOGIN_COOKIE, "")
        origin = request.headers.get("origin")
        host = request.headers.get("host", "")
        if origin is not None and origin.split("://", 1)[-1] != host:
            raise HTTPException(403, "origin")
        if not security.same(fields.get("csrf", ""), expected):
            raise HTTPException(403, "csrf")
        return fields

    def secure(self, request: Request) -> bool:
        return request.url.scheme == "https"

    async def all_sites(self, viewer: security.Viewer) -> list[str]:
        return viewer.visible(await self.db(web.sites, self.store))

    async def one_site(self, viewer: security.Viewer, site: str) -> str:
        """``site`` if the viewer may see it and central knows it; otherwise the same
        "not found" either way, so ids cannot be probed."""
        if not viewer.sees(site) or site not in await self.db(web.sites, self.store):
            raise HTTPException(404)
        return site

    # -- signing in and out ---------------------------------------------------------------

    async def login_form(self, request: Request) -> Response:
        if await self.viewer(request) is not None:
            return RedirectResponse("/", 303)
        return self.login_page(request, "", "")

    def login_page(self, request: Request, message: str, name: str, status: int = 200) -> Response:
        csrf = secrets.token_urlsafe(32)
        response = self.page(
            "login.html", status, title="Đăng nhập", message=message, name=name, csrf=csrf
        )
        response.set_cookie(
            security.LOGIN_COOKIE, csrf, **security.cookie_options(self.secure(request))
        )
        return response

    async def login(self, request: Request) -> Response:
        fields = await self.posted(request, None)
        name = fields.get("name", "").strip().lower()[:64]
        password = fields.get("password", "")[:1024]
        address = request.client.host if request.client else "?"
        now = self.now()
        held = await self.db(security.held_for, self.store, name, address, now)
        if held > 0:
            wait = max(1, int(held // 60) + 1)
            return self.login_page(
                request,
                f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {wait} phút.",
                name,
                429,
            )
        # Counted as failed before the check: attempts sent at once are held all the same.
        await self.db(security.failed, self.store, name, address, now)
        user = await self.db(self.store.user, name)
        good = await self.db(
            verify_password, user.password_hash if user else _dummy_hash(), password
        )
        if user is None or not good:
            return self.login_page(request, "Tên đăng nhập hoặc mật khẩu không đúng.", name, 401)
        await self.db(web.clear_failures, self.store, f"user:{name}")
        await self.db(web.forget_failure, self.store, f"ip:{address}", now)
        token = await self.db(security.start_session, self.store, name, now, self.config)
        response = RedirectResponse("/", 303)
        response.set_cookie(security.COOKIE, token, **security.cookie_options(self.secure(request)))
        response.delete_cookie(security.LOGIN_COOKIE, path="/")
        return response

    async def logout(self, request: Request) -> Response:
        viewer = await self.viewer(request)
        if viewer is not None:
            await self.posted(request, viewer)
            await self.db(web.end_session, self.store, viewer.token_hash)
        response = RedirectResponse("/login", 303)
        response.delete_cookie(security.COOKIE, path="/")
        return response

    # -- the overview ---------------------------------------------------------------------

    def alerts_of(self, site: web.SiteNow, now: float) -> list[str]:
        out = []
        away = now - site.since
        if site.devices and not site.online and away >= self.config.offline_alert_minutes * 60:
            out.append(f"mất kết nối {fmt.duration(away)}")
        if site.printer in fmt.PRINTER_BAD:
            out.append(f"máy in: {fmt.PRINTER[site.printer].lower()}")
        elif site.printer == "paper_low":
            out.append("máy in sắp hết giấy")
        if site.oldest_waiting:
            waited = now - _parse_ts(site.oldest_waiting)
            if waited >= self.config.wait_alert_minutes * 60:
                out.append(f"có người chờ {fmt.duration(waited)}")
        return out

    def render_rows(self, rows: list[web.SiteNow], now: float) -> dict[str, tuple[str, str]]:
        """The overview's row and alert of each site (in a worker thread: it reads the
        names). A row is rendered again only when what it shows changed: its site's state,
        its names, or the minute (its times say "12 phút")."""
        row = self.env.get_template("_row.html")
        alert = self.env.get_template("_alert.html")
        names = web.names(self.store)
        minute = int(now // 60)
        out = {}
        for s in rows:
            key = (repr(s), names.site(s.site), minute)
            cached = self.rows.get(s.site)
            if cached is None or cached[0] != key:
                cached = (
                    key,
                    row.render(s=s, now=now, names=names),
                    alert.render(site=s.site, alerts=self.alerts_of(s, now), names=names),
                )
                self.rows[s.site] = cached
            out[s.site] = (cached[1], cached[2])
        return out

    async def overview(self, request: Request) -> Response:
        viewer = await self.need(request)
        now = self.now()
        names = await self.all_sites(viewer)
        rows = await self.db(web.overview, self.store, self.today_text(now), names)
        rendered = await self.db(self.render_rows, rows, now)
        return self.page(
            "overview.html",
            title="Tổng quan",
            nav="overview",
            viewer=viewer,
            count=len(rows),
            rows=[Markup(rendered[s.site][0]) for s in rows],
            alerts=[Markup(rendered[s.site][1]) for s in rows],
            today=self.clock.today(now),
            since=now,
        )

    async def live_events(self, request: Request) -> Response:
        viewer = await self.need(request)
        try:
            since = float(request.query_params.get("since", "")[:20])
        except ValueError:
            since = self.now()
        if not math.isfinite(since):
            since = self.now()

        async def alive() -> bool:
            return await self.viewer(request) is not None

        return StreamingResponse(
            self.live.stream(viewer.sees, max(since, self.now() - 3600), alive),
            media_type="text/event-stream",
            headers={"x-accel-buffering": "no"},
        )

    # -- a site's day ---------------------------------------------------------------------

    async def site_day(self, request: Request) -> Response:
        viewer = await self.need(request)
        site = await self.one_site(viewer, request.path_params["site"])
        now = self.now()
        text = request.query_params.get("day", "").strip()[:20] or self.today_text(now)
        try:
            day = fmt.parse_date(text)
        except ValueError:
            raise HTTPException(400, "Ngày không hợp lệ (dùng dạng dd/mm/yyyy).") from None
        first, last = self.clock.day_bounds(day)
        view = await self.db(web.site_day, self.store, site, day.isoformat(), first, last)
        rows = await self.db(self.store.figures, [f"D{day.isoformat()}"], [site])
        totals, services, counters = Figures(), dict[str, Figures](), dict[int, Figures]()
        for _, service, counter, _officer, figures in rows:
            totals.merge(figures)
            services.setdefault(service, Figures()).merge(figures)
            if counter:
                counters.setdefault(counter, Figures()).merge(figures)
        for service in view.waiting:
            services.setdefault(service, Figures())
        hours: dict[int, int] = {}
        for call in view.calls:
            hour = self.clock.local(call["ts"]).hour
            hours[hour] = hours.get(hour, 0) + 1
        span = range(min(hours, default=7), max(hours, default=17) + 1)
        return self.page(
            "site.html",
            title=f"Điểm {site}",
            nav="overview",
            viewer=viewer,
            site=site,
            day=day.isoformat(),
            day_view=view,
            totals=totals,
            services=dict(sorted(services.items())),
            counters=counters,
            hours=[(h, hours.get(h, 0)) for h in span],
            names=await self.db(web.names, self.store),
            busiest=max(hours.values(), default=0),
        )

    # -- reports --------------------------------------------------------------------------

    async def report_page(self, request: Request) -> Response:
        viewer = await self.need(request)
        query = await self.report_query(request, viewer, strict=False)
        context: dict[str, Any] = {
            "title": "Báo cáo",
            "nav": "reports",
            "viewer": viewer,
            "all_sites": query.choices,
            "site": query.site,
            "by": query.by,
            "by_labels": reports.BY_LABELS,
            "period_text": query.text,
            "quick": reports.quick_periods(self.clock.today(self.now())),
            "message": query.problem,
            "report": None,
            "query": query.encoded(),
            "names": await self.db(web.names, self.store),
        }
        if query.period is not None:
            data = await self.db(query.run, self.store)
            headers, table, total = reports.table(data, context["names"])
            context.update(report=data, headers=headers, table=table, total=total)
        return self.page("report.html", 400 if query.problem else 200, **context)

    async def report_query(
        self, request: Request, viewer: security.Viewer, *, strict: bool
    ) -> reports.Query:
        choices = await self.all_sites(viewer)
        query = reports.Query.read(
            dict(request.query_params), self.clock.today(self.now()), choices, viewer
        )
        if query.site and query.site not in choices:
            raise HTTPException(404)
        if strict and query.period is None:
            raise HTTPException(400, query.problem or "Thiếu kỳ báo cáo.")
        return query

    async def report_file(self, request: Request) -> Response:
        viewer = await self.need(request)
        query = await self.report_query(request, viewer, strict=True)
        kind = request.path_params["kind"]
        data = await self.db(query.run, self.store)
        period = query.period
        assert period is not None
        name = f"bao-cao-{period.first:%Y%m%d}-{period.last:%Y%m%d}-{query.by}"
        names = await self.db(web.names, self.store)
        if kind == "csv":
            body: bytes = await self.db(reports.to_csv, data, names)
            media = "text/csv; charset=utf-8"
        else:
            series = await self.db(query.series, self.store)
            body = await self.db(reports.to_xlsx, data, series, names)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(
            body,
            media_type=media,
            headers={"content-disposition": f'attachment; filename="{name}.{kind}"'},
        )

    async def report_series(self, request: Request) -> Response:
        viewer = await self.need(request)
        query = await self.report_query(request, viewer, strict=True)
        series = await self.db(query.series, self.store)
        return JSONResponse(reports.series_json(query, series))

    # -- a site's configuration and commands ---------------------------------------------

    async def config_context(
        self, viewer: security.Viewer, site: str, **extra: Any
    ) -> dict[str, Any]:
        version, body = await self.db(web.site_config, self.store, site)
        return {
            "title": f"Quản lý điểm {site}",
            "nav": "overview",
            "viewer": viewer,
            "site": site,
            "version": version,
            "values": manage.form_values(body),
            "can_change": viewer.changes(site),
            "answers": await self.db(web.config_answers, self.store, site),
            "commands": await self.db(web.commands, self.store, site),
            "devices": await self.db(web.devices, self.store, site),
            "part_labels": manage.PART_LABELS,
            "day_labels": manage.DAY_LABELS,
            "command_labels": manage.COMMANDS,
            "more": manage.ROWS_MORE,
            "names": await self.db(web.names, self.store),
            "message": "",
            "problems": [],
            "problems_title": "",
            **extra,
        }

    async def config_page(self, request: Request) -> Response:
        viewer = await self.need(request)
        site = await self.one_site(viewer, request.path_params["site"])
        message = ""
        if saved := request.query_params.get("saved", ""):
            message = f"Đã lưu và gửi phiên bản {saved[:12]}; chờ thiết bị trả lời bên dưới."
        elif request.query_params.get("sent"):
            message = "Đã gửi lệnh; chờ thiết bị trả lời bên dưới."
        context = await self.config_context(viewer, site, message=message)
        return self.page("config.html", **context)

    async def changing(self, request: Request) -> tuple[security.Viewer, str, dict[str, Any]]:
        """The viewer, site and form of a change: signed in, allowed to change that site
        (a viewer never is), CSRF and origin checked."""
        viewer = await self.need(request)
        site = await self.one_site(viewer, request.path_params["site"])
        if not viewer.changes(site):
            raise HTTPException(403)
        return viewer, site, await self.posted(request, viewer)

    async def config_save(self, request: Request) -> Response:
        viewer, site, form = await self.changing(request)
        part = request.path_params["part"]
        if part not in manage.PARTS:
            raise HTTPException(404)
        try:
            value = manage.read_part(part, form)
        except manage.FormError as exc:
            return await self.refused(viewer, site, exc.problems)
        floor = await self.db(web.device_config_version, self.store, site)
        version, body, problems = await self.db(
            functools.partial(
                web.save_site_config,
                check=functools.partial(manage.check, site),
                who=viewer.name,
                now=self.now(),
                floor=floor,
            ),
            self.store,
            site,
            part,
            value,
        )
        if problems:
            return await self.refused(viewer, site, problems)
        try:
            await self.db(
                manage.publish,
                self.config,
                [(manage.config_topic(site), manage.payload(body, version), True)],
            )
        except OSError as exc:
            context = await self.config_context(
                viewer,
                site,
                problems=[f"Đã lưu phiên bản {version} nhưng chưa gửi được: {exc}. "
                          "Lưu lại để gửi lần nữa."],
            )  # fmt: skip
            return self.page("config.html", 503, **context)
        return RedirectResponse(f"/site/{_quote(site)}/config?saved={version}", 303)

    async def refused(self, viewer: security.Viewer, site: str, problems: list[str]) -> Response:
        context = await self.config_context(viewer, site, problems=problems)
        return self.page("config.html", 422, **context)

    async def answers(self, request: Request) -> Response:
        viewer = await self.need(request)
        site = await self.one_site(viewer, request.path_params["site"])
        answers = await self.db(web.config_answers, self.store, site)
        return self.page("_answers.html", answers=answers)

    async def command_list(self, request: Request) -> Response:
        viewer = await self.need(request)
        site = await self.one_site(viewer, request.path_params["site"])
        commands = await self.db(web.commands, self.store, site)
        return self.page("_commands.html", commands=commands, command_labels=manage.COMMANDS)

    async def command_send(self, request: Request) -> Response:
        viewer, site, form = await self.changing(request)
        device = form.get("device", "")
        if device not in await self.db(web.devices, self.store, site):
            return await self.refused(viewer, site, ["Thiết bị không thuộc điểm này."])
        try:
            command = manage.command_of(form)
        except manage.FormError as exc:
            return await self.refused(viewer, site, exc.problems)
        await self.db(
            functools.partial(web.add_command, who=viewer.name, now=self.now()),
            self.store,
            command,
            site,
            device,
        )
        from sync import encode

        try:
            await self.db(
                manage.publish,
                self.config,
                [(manage.command_topic(site, device), encode("command", command), False)],
            )
        except OSError as exc:
            return await self.refused(viewer, site, [f"Chưa gửi được lệnh: {exc}."])
        return RedirectResponse(f"/site/{_quote(site)}/config?sent=1#commands", 303)

    async def upload(self, request: Request) -> Response:
        """Dossiers or the procedure catalogue from a JSON Lines file: checked line by line
        as ``kiosk central dossiers`` / ``procedures`` check them, the newer records kept
        and published to the site."""
        viewer, site, form = await self.changing(request)
        kind = request.path_params["kind"]
        if kind not in central_records.KINDS:
            raise HTTPException(404)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return await self.refused(viewer, site, ["Chưa chọn tệp để tải lên."])
        if (upload.size or 0) > MAX_UPLOAD:
            return await self.refused(
                viewer, site, [f"Tệp quá lớn (tối đa {MAX_UPLOAD // 2**20} MB)."]
            )
        version = int(self.now() * 1000)
        read = await self.db(
            functools.partial(
                central_records.read_records, timezone=self.config.timezone, version=version
            ),
            kind,
            upload.file,
        )
        newer = await self.db(self.store.newer, kind, site, read.good)
        try:
            await self.db(manage.publish_records, self.config, kind, site, newer)
        except OSError as exc:
            return await self.refused(viewer, site, [f"Chưa gửi được: {exc}."])
        await self.db(self.store.put, kind, site, newer)
        await self.db(
            functools.partial(web.audit, who=viewer.name, now=self.now()),
            self.store,
            f"site.{kind}",
            {"site": site, "file": upload.filename[:200], "read": len(read.good) + len(read.bad),
             "refused": len(read.bad), "published": len(newer)},
        )  # fmt: skip
        label = "hồ sơ" if kind == "dossiers" else "thủ tục"
        message = (
            f"{upload.filename[:100]}: {len(read.good)} {label} hợp lệ, {len(newer)} mới "
            f"đã gửi tới điểm, {len(read.bad)} dòng bị từ chối."
        )
        problems = [f"Dòng {n}: {said}" for n, said in read.bad[:20]]
        context = await self.config_context(
            viewer, site, message=message, problems=problems, problems_title="Các dòng bị từ chối:"
        )
        return self.page("config.html", 422 if read.bad and not read.good else 200, **context)

    # -- the audit log --------------------------------------------------------------------

    async def audit(self, request: Request) -> Response:
        viewer = await self.need(request)
        if viewer.user.role != "admin":
            raise HTTPException(403)
        entries = await self.db(self.store.audit_log, 500)
        return self.page(
            "audit.html", title="Nhật ký thay đổi", nav="audit", viewer=viewer, entries=entries
        )

    # -- errors ---------------------------------------------------------------------------

    async def error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status in (301, 302, 303, 307):
            headers = getattr(exc, "headers", None) or {}
            where = headers.get("location", "/")
            if request.headers.get("hx-request"):  # a fragment htmx asked for: the page goes
                return Response(status_code=204, headers={"hx-redirect": where})
            return RedirectResponse(where, status)
        if isinstance(exc, CentralStoreError):
            status = 503
        title, message = _ERRORS.get(status, _ERRORS[500])
        if status == 400 and isinstance(exc, HTTPException) and exc.detail:
            message = str(exc.detail)
        viewer = None
        if status not in (500, 503):
            try:
                viewer = await self.viewer(request)
            except CentralStoreError:
                viewer = None
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, exc)
        return self.page("error.html", status, title=title, message=message, viewer=viewer)


_ERRORS = {
    400: ("Yêu cầu không hợp lệ", "Dữ liệu gửi lên không đúng."),
    411: ("Yêu cầu không hợp lệ", "Yêu cầu thiếu độ dài nội dung."),
    413: ("Dữ liệu quá lớn", "Nội dung gửi lên vượt quá giới hạn cho phép."),
    403: ("Không được phép", "Tài khoản của bạn không có quyền thực hiện việc này."),
    404: ("Không tìm thấy", "Trang hoặc điểm này không có, hoặc bạn không được xem."),
    405: ("Không được phép", "Cách gửi yêu cầu này không được chấp nhận."),
    500: ("Có lỗi xảy ra", "Máy chủ gặp lỗi; vui lòng thử lại sau ít phút."),
    503: ("Tạm thời không phục vụ được", "Không kết nối được cơ sở dữ liệu; thử lại sau."),
}


def _quote(site: str) -> str:
    return urllib.parse.quote(site, safe="")


def _parse_ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def make_app(
    config: CentralConfig, store: CentralStore, *, clock: Callable[[], float] = time.time
) -> Starlette:
    pages = Pages(config, store, clock)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> Any:
        pages.live.start()
        yield
        await pages.live.stop()

    routes = [
        Route("/", pages.overview),
        Route("/login", pages.login_form, methods=["GET"]),
        Route("/login", pages.login, methods=["POST"]),
        Route("/logout", pages.logout, methods=["POST"]),
        Route("/live", pages.live_events),
        Route("/site/{site}", pages.site_day),
        Route("/reports", pages.report_page),
        Route("/reports/series.json", pages.report_series),
        Route("/reports.{kind:str}", _only(("xlsx", "csv"), pages.report_file)),
        Route("/site/{site}/config", pages.config_page, methods=["GET"]),
        Route("/site/{site}/config/{part}", pages.config_save, methods=["POST"]),
        Route("/site/{site}/answers", pages.answers),
        Route("/site/{site}/commands", pages.command_list),
        Route("/site/{site}/command", pages.command_send, methods=["POST"]),
        Route("/site/{site}/upload/{kind}", pages.upload, methods=["POST"]),
        Route("/audit", pages.audit),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    handlers: dict[Any, Any] = {HTTPException: pages.error, Exception: pages.error}
    app = Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
    app.add_middleware(security.SecurityHeaders)
    app.state.pages = pages
    return app


def _only(
    kinds: tuple[str, ...], handler: Callable[[Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    async def checked(request: Request) -> Response:
        if request.path_params["kind"] not in kinds:
            raise HTTPException(404)
        return await handler(request)

    return checked
