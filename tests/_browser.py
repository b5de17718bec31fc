"""Rendering a report in a real browser: Debian's chromium driven by Playwright (never a
downloaded browser). Used by the report tests; the ``browser`` fixture is in conftest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    return (os.environ.get("GUTBRAIN_CHROMIUM") or shutil.which("chromium")
            or shutil.which("chromium-browser"))


def render(browser, path: Path) -> dict:
    """Open a report; collect console errors, uncaught exceptions and any request that is
    not the file itself; report which figure divs drew an svg."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on("request", lambda r: problems.append(f"network request: {r.url}")
            if not r.url.startswith(("file:", "data:", "blob:")) else None)
    page.goto(path.as_uri(), wait_until="load")
    figures = "document.querySelectorAll('.plotly-graph-div')"
    try:
        page.wait_for_function(f"() => Array.from({figures}).every("
                               "d => d.querySelector('.main-svg'))", timeout=20_000)
    except Exception:  # noqa: BLE001 - the assertions below say what is missing
        pass
    out = page.evaluate(f"""() => ({{
        ids: Array.from({figures}).map(d => d.id),
        blank: Array.from({figures}).filter(d => !d.querySelector('.main-svg')).map(d => d.id),
        outsideDetails: (() => {{
            const c = document.body.cloneNode(true);
            c.querySelectorAll('details').forEach(d => d.remove());
            return c.innerText; }})(),
    }})""")
    page.close()
    return {**out, "problems": problems}
