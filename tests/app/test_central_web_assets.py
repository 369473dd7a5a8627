"""The client libraries central's pages ship are the ones the npm lock file pins, byte for
byte as scripts/vendor-web copied them, and the pages load nothing else."""

from __future__ import annotations

import hashlib
import json
import re

from tests.conftest import ROOT

WEB = ROOT / "kiosk" / "app" / "central_web"


def test_ok__the_shipped_libraries_are_the_locked_versions_unchanged() -> None:
    lock = json.loads((WEB / "npm" / "package-lock.json").read_text())["packages"]
    wanted = json.loads((WEB / "npm" / "package.json").read_text())["dependencies"]
    shipped = json.loads((WEB / "static" / "VENDOR.json").read_text())
    assert {entry["package"] for entry in shipped.values()} == set(wanted)
    for name, entry in shipped.items():
        assert entry["version"] == lock[f"node_modules/{entry['package']}"]["version"]
        assert entry["version"] == wanted[entry["package"]]  # pinned, not a range
        data = (WEB / "static" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        assert lock[f"node_modules/{entry['package']}"]["integrity"].startswith("sha512-")


def test_ok__the_templates_load_only_files_central_serves() -> None:
    for template in (WEB / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        for url in re.findall(r'(?:src|href)="([^"]+)"', text):
            assert not url.startswith(("http:", "https:", "//")), (template.name, url)
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name  # no inline code
        assert not re.search(r'\sstyle="|<style', text), template.name  # nor inline styles
        assert not re.search(r"\son[a-z]+=", text), template.name  # nor handlers
    for url in re.findall(r'src="/static/([^"]+)"', (WEB / "templates" / "base.html").read_text()):
        assert (WEB / "static" / url).is_file(), url
