"""The explorer page in a real browser (Debian's chromium driven by Playwright, as the report
tests): it loads without a console error, a control updates the plots without a reload, a
shared URL reproduces the scenario, an invalid value shows the server's message, a population
response runs to completion, and the page fits a phone-width screen. The ``browser`` fixture
(conftest) skips only when no chromium is installed."""

from __future__ import annotations

import socket
import threading
import time

import pytest

pytest.importorskip("fastapi")
PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError


@pytest.fixture(scope="module")
def server():
    import uvicorn

    from gutbrain.web import Limits, create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(Limits(), workers=1), host="127.0.0.1",
                                        port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    t0 = time.monotonic()
    while not srv.started:
        assert thread.is_alive() and time.monotonic() - t0 < 120, "server did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(30)


class Page:
    """A page that records console errors, uncaught exceptions and off-site requests."""

    def __init__(self, browser, server: str, width: int = 1280):
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(f"console: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        self.page.on("request", lambda r: self.problems.append(f"off-site: {r.url}")
                     if not r.url.startswith((server, "data:", "blob:")) else None)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.wait_updates(1)

    def wait_updates(self, n: int) -> None:
        self.page.wait_for_function(f"() => window.explorerUpdates >= {n}", timeout=60_000)

    def js(self, code: str):
        return self.page.evaluate(code)

    def close(self) -> None:
        self.page.close()
        assert not self.problems, self.problems


PHQ9 = "document.getElementById('plot-phq9').data[0].y"


def test_page_loads_draws_every_plot_and_updates_on_a_control(browser, server):
    p = Page(browser, server)
    p.open(server + "/")
    blank = p.js("Array.from(document.querySelectorAll('#results .plot'))"
                 ".filter(d => !d.querySelector('.main-svg')).map(d => d.id)")
    assert blank == []
    assert "Simulated 180 days" in p.js("document.getElementById('status').textContent")
    before = p.js(PHQ9)
    loads = p.js("performance.getEntriesByType('navigation').length")
    p.page.select_option("#probiotic", "multi_strain")
    p.wait_updates(2)
    assert p.js(PHQ9) != before  # the plot moved
    assert "probiotic=multi_strain" in p.page.url
    assert p.js("performance.getEntriesByType('navigation').length") == loads  # no reload
    assert "PHQ-9" in p.js("document.getElementById('summary').textContent")
    assert p.js("document.getElementById('plot-why').data[0].y.length") == 5
    # every value axis is titled with its unit (the pathway chart's is its x axis)
    titles = p.js("Object.fromEntries(Array.from(document.querySelectorAll('#results .plot'))"
                  ".map(d => [d.id, (d.id === 'plot-why' ? d.layout.xaxis : d.layout.yaxis)"
                  ".title.text]))")
    assert all(titles.values()), titles
    assert titles["plot-cortisol"] == "cortisol (ug/dL)" and "logit" in titles["plot-why"]
    # the probiotic runs through the two days shown: shaded there too, within those days
    span = p.js("(() => { const d = document.getElementById('plot-cortisol');"
                "const x = d.data[0].x; const s = d.layout.shapes || [];"
                "return [x[0], x[x.length - 1], s.map(r => [r.x0, r.x1])]; })()")
    assert span[2], "no intervention window shaded on the two-day cortisol plot"
    assert all(span[0] <= a < b <= span[1] for a, b in span[2]), span
    p.close()


def test_a_shared_url_reproduces_the_scenario(browser, server):
    a = Page(browser, server)
    a.open(server + "/")
    a.page.select_option("#antibiotic", "clindamycin")
    a.page.fill("#courses", "2")
    a.page.fill("#days", "120")
    a.wait_updates(2)
    a.page.wait_for_function("() => document.location.search.includes('days=120')")
    time.sleep(0.6)  # the debounced last update
    url, scenario = a.page.url, a.js("JSON.stringify(window.explorer.scenario())")
    a.close()
    b = Page(browser, server)
    b.open(url)
    assert b.js("JSON.stringify(window.explorer.scenario())") == scenario
    assert '"courses":2' in scenario and '"class":"clindamycin"' in scenario
    assert b.js("document.getElementById('plot-phq9').data[0].x.length") == 120
    b.close()


def test_an_infection_is_treated_by_each_course_from_its_second_day(browser, server):
    p = Page(browser, server)
    p.open(server + "/?antibiotic=amoxicillin&courses=2&infection_crp=30&start=14")
    p.wait_updates(1)
    ivs = p.js("window.explorer.scenario().interventions")
    inf = next(iv for iv in ivs if iv["type"] == "infection")
    ab = next(iv for iv in ivs if iv["type"] == "antibiotic")
    assert inf == {"type": "infection", "day": 14, "crp_rise_mg_per_l": 30, "episodes": 2,
                   "interval_days": 30}
    assert ab["start_day"] == 16 and ab["courses"] == 2
    # the server ran it: CRP (daily samples) rises by most of the asked 30 mg/L over the
    # unchanged reference
    rise = p.js("(() => { const d = document.getElementById('plot-inflammation').data;"
                "const s = d[2].y, r = d[3].y;"
                "return Math.max(...s.map((v, i) => v - r[i])); })()")
    assert 20 < rise < 32, rise
    assert p.js("document.getElementById('error').hidden")
    p.close()


def test_an_invalid_value_shows_the_servers_field_message(browser, server):
    p = Page(browser, server)
    p.open(server + "/")
    p.page.fill("#fiber", "-5")
    p.page.wait_for_selector("#error:not([hidden])", timeout=30_000)
    text = p.js("document.getElementById('error').textContent")
    assert "interventions.0.pattern.fiber_g" in text and "greater than or equal to 0" in text
    # the browser logs the 422 response itself: that is the expected error, nothing else
    p.problems = [m for m in p.problems if "422" not in m]
    p.close()


def test_a_population_response_runs_to_completion(browser, server):
    p = Page(browser, server)
    p.open(server + "/?stress=0.5")
    p.page.fill("#pop-n", "30")
    p.page.click("#pop-run")
    p.page.wait_for_function("() => document.getElementById('pop-text').textContent"
                             ".startsWith('Across')", timeout=90_000)
    text = p.js("document.getElementById('pop-text').textContent")
    assert "Across 30 people" in text and "improved" in text
    assert p.js("document.getElementById('plot-population').data[0].x.length") == 30
    p.close()


def test_keyboard_labels_and_phone_width(browser, server):
    p = Page(browser, server, width=390)
    p.open(server + "/")
    unlabelled = p.js("Array.from(document.querySelectorAll('input, select'))"
                      ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute("
                      "'aria-label')).map(e => e.id)")
    assert unlabelled == []
    assert p.js("document.documentElement.scrollWidth") <= 392  # no sideways scrolling
    p.page.focus("#person")
    p.page.keyboard.press("Tab")
    assert p.js("document.activeElement.id") == "days"
    p.page.keyboard.press("End")
    p.page.keyboard.type("0")  # 1800 days
    p.page.keyboard.press("Tab")
    p.wait_updates(2)
    assert p.js("document.getElementById('plot-phq9').data[0].x.length") == 1800
    p.close()


def test_downloads_give_a_scenario_gutbrain_reads_and_the_results(browser, server, tmp_path):
    from gutbrain.scenario.loader import load_scenario, parse_scenario

    p = Page(browser, server)
    p.open(server + "/?probiotic=bifidobacterium&antibiotic=amoxicillin&courses=2&fiber=30")
    with p.page.expect_download() as info:
        p.page.select_option("#download", "yaml")
    path = tmp_path / "scenario.yaml"
    info.value.save_as(path)
    on_page = parse_scenario(p.js("window.explorer.scenario()"))
    assert load_scenario(path) == on_page  # the YAML reproduces the page's scenario
    with p.page.expect_download() as info:
        p.page.select_option("#download", "csv")
    csv = tmp_path / "results.csv"
    info.value.save_as(csv)
    header, *rows = csv.read_text().splitlines()
    assert header.startswith("day,") and "phq9" in header.split(",")
    assert len(rows) == 180 * 24 + 1  # hourly over the horizon
    with p.page.expect_download() as info:
        p.page.select_option("#download", "svg")
    assert info.value.suggested_filename.endswith(".svg")
    p.close()


def answers_when_settled(p: Page, selector: str, timeout_ms: int) -> list[str]:
    """The answers' texts once each has finished or failed (a failed answer fails the test at
    once, with its message); on a timeout, what each answer was showing."""
    settled = (f"() => Array.from(document.querySelectorAll('{selector}'))"
               ".every(a => a.dataset.done || a.dataset.failed)")
    texts = f"Array.from(document.querySelectorAll('{selector}')).map(a => a.textContent)"
    try:
        p.page.wait_for_function(settled, timeout=timeout_ms)
    except PlaywrightTimeout:
        pytest.fail(f"answers not finished after {timeout_ms / 1000:g} s: {p.js(texts)}")
    answers = p.js(texts)
    failed = [a for a in answers if "Not simulated" in a]
    assert not failed, failed
    return answers


@pytest.mark.parametrize("number", [1, 4, 5])
def test_a_readers_question_is_answered_from_a_simulation(browser, server, number):
    p = Page(browser, server)
    p.open(server + "/")
    p.page.click(f"#question-{number} summary")
    text = answers_when_settled(p, f"#question-{number} .answer", 60_000)[0]
    assert "not medical advice" in text
    if number == 1:
        assert "14 guilds" in text and "butyrate" in text
    elif number == 5:  # the infection's part and the drug's, each from its own simulation
        crp = int(text.split("CRP up ")[1].split(" ")[0])
        assert 20 <= crp <= 31 and "IL-6 up" in text and "PHQ-9 rose" in text
        assert "butyrate −" in text and "amoxicillin" in text
    else:
        assert "cortisol +" in text and "PHQ-9 rose" in text
    p.close()


@pytest.mark.slow
def test_every_readers_question_is_answered(browser, server):
    p = Page(browser, server)
    p.open(server + "/")
    for number in range(1, 7):
        p.page.click(f"#question-{number} summary")
    answers = answers_when_settled(p, ".answer", 300_000)
    assert all("not medical advice" in a and "Not simulated" not in a for a in answers)
    assert "people in a depressive episode" in answers[5]
    p.close()


def test_the_api_docs_render_offline_with_the_examples(browser, server, tmp_path):
    """/docs (Swagger UI) draws every endpoint from files the server itself serves: no CDN
    request, no console error; the simulate endpoint's "Try it out" body is the documented
    example (which runs: tests/test_web_api.py). /redoc is not served."""
    import urllib.request

    p = Page(browser, server)
    p.page.goto(server + "/docs")
    p.page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = p.js("Array.from(document.querySelectorAll('.opblock-summary-path'))"
                 ".map(e => e.textContent)")
    assert {"/api/simulate", "/api/trial", "/api/population-response"} <= set(paths)
    p.page.click("#operations-simulate-simulate_api_simulate_post .opblock-summary")
    p.page.click("text=Try it out")
    body = p.page.input_value("#operations-simulate-simulate_api_simulate_post textarea")
    assert '"amoxicillin-then-probiotic"' in body
    p.page.screenshot(path=str(tmp_path / "docs.png"))
    p.close()
    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(server + "/redoc")
