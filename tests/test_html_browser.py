"""The HTML report in a real browser: Debian's Chromium, headless, driven by Playwright.

The report is rendered from the reference estate with one failing finding whose resource
name, tag value and message are hostile. In the browser: no console error, the summary
renders, the hostile values show as text, and no script or element from them exists.
The test fails when Chromium is missing in CI (``CI`` set); elsewhere it is skipped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from scanner.outputs.views import framework_view
from scanner.outputs.writer import write_reports
from tests.support.formats import (
    HOSTILE_NAME,
    HOSTILE_TAG,
    TEMPLATES,
    hostile_reference,
)

CHROMIUM = os.environ.get("AUDITGRAPH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Besides --headless and --user-data-dir, which Playwright passes itself."""


def chromium_path() -> str:
    """The Chromium binary; fails in CI when it is missing, skips elsewhere."""
    found = shutil.which(CHROMIUM)
    if found is None:
        message = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_framework_report_renders_hostile_text_as_text(tmp_path: Path) -> None:
    executable = chromium_path()
    doc, catalog, hostile = hostile_reference()
    written = write_reports(doc, catalog, tmp_path, ["html"], ["gdpr"], TEMPLATES)
    (report,) = written
    view = framework_view(doc, catalog, "gdpr")
    problems: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_FLAGS,
        )
        try:
            page = context.new_page()
            page.on(
                "console",
                lambda message: (
                    problems.append(f"console {message.type}: {message.text}")
                    if message.type in ("error", "warning")
                    else None
                ),
            )
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.goto(report.as_uri(), wait_until="load")
            title = page.title()
            heading = page.inner_text("h1")
            first_card = page.inner_text(".cards .card .n")
            body_text = page.inner_text("body")
            dom_text = page.text_content("body") or ""
            names = page.locator(".rname").all_text_contents()
            script_count = page.locator("script").count()
            image_count = page.locator("img").count()
            pwned = page.evaluate("() => window.__pwned === undefined ? null : window.__pwned")
        finally:
            context.close()
    assert problems == []
    assert title == f"{view.name} ({view.version}) — auditgraph report"
    assert heading == view.name
    totals = view.totals
    assert first_card == f"{totals.requirements_covered} / {totals.requirements_total}"
    assert "requirements covered by a control" in body_text
    assert f"{totals.controls_failed}\ncontrols failed" in body_text
    assert names.count(HOSTILE_NAME) == len(set(hostile.frameworks["gdpr"]))
    assert HOSTILE_TAG in dom_text
    assert script_count == 0
    assert image_count == 0
    assert pwned is None
