"""The web page in headless Debian Chromium: ask, check a claim, upload, and inert hostile documents.

Screenshots go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ARTICLE, ROOT
from tests.test_app_api import HOSTILE_HTML, app_engine, app_url, make_pdf  # noqa: F401 - fixtures used here

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "test-artifacts"
DIALOGS: list[str] = []  # alert()/confirm() messages seen by the current page
PAYLOAD_LINE = ('The quokka festival payload is <script>window.__pwned=1</script> and '
                '<img src=x onerror="window.__pwned=1"> together.')
HOSTILE_TXT = f"""Quokka festival <b>notes</b> <img src=x onerror="window.__pwned=1">

{PAYLOAD_LINE}
Template tricks such as ${{window.__pwned=1}} and {{{{constructor.constructor('window.__pwned=1')()}}}} stay text.
"""
HOSTILE_MD = """# Quokka parade **guide**

The quokka parade route has a [click here](javascript:window.__pwned=1) link and
<svg onload="window.__pwned=1"></svg> markup, plus **bold** and `code` that stay literal.
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url: str):  # noqa: F811 - the fixture imported above
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    DIALOGS.clear()
    pg.on("dialog", lambda d: (DIALOGS.append(d.message), d.dismiss()))
    pg.goto(app_url)
    pg.wait_for_selector("#question textarea")
    yield pg
    ctx.close()


def ask(pg, question: str) -> float:
    """Type a question, press Enter, and return seconds until the answer area shows a result."""
    pg.fill("#question textarea", question)
    t0 = time.perf_counter()
    pg.press("#question textarea", "Enter")
    pg.wait_for_function("q => [...document.querySelectorAll('#answer .dq-result')].some(r => r.dataset.q === q)",
                         arg=question, timeout=30_000)
    return time.perf_counter() - t0


def test_question_shows_the_cited_sentence_highlighted(page) -> None:
    seconds = ask(page, "When did Norway and the EU sign the security and defence partnership?")
    marks = page.locator("#answer .dq-passage mark")
    assert "On May 28, 2024, Norway and the EU signed" in marks.first.inner_text()
    assert page.locator("#answer .dq-answer sup").first.inner_text() == "[1]"
    card = page.locator("#answer .dq-card").first
    assert "Security Policy Cooperation" in card.inner_text() and "why this passage" in card.inner_text()
    card.locator("details summary").first.click()
    assert "Norway and the EU share many interests" in card.locator(".dq-context").inner_text()
    href = card.get_by_role("link", name="Open the source ↗").get_attribute("href")
    assert href.startswith("https://www.regjeringen.no/")
    with page.expect_popup() as opened:
        card.get_by_role("link", name="Open the file ↗").click()
    opened.value.wait_for_load_state()
    assert opened.value.url.endswith("/source/cooperation-on-foreign-and-security-policy")
    assert ARTICLE.read_text().splitlines()[0] in opened.value.locator("body").inner_text()
    opened.value.close()
    page.screenshot(path=str(SHOTS / "ask.png"), full_page=True)
    print(f"browser: question to highlighted answer {seconds * 1000:.0f} ms")


def test_unanswerable_question_says_so_and_shows_related(page) -> None:
    ask(page, "What is the recipe for Norwegian brown cheese?")
    text = page.locator("#answer").inner_text()
    assert "The sources do not appear to answer this question." in text
    assert "Related passages" in text and page.locator("#answer mark").count() == 0
    page.screenshot(path=str(SHOTS / "abstain.png"), full_page=True)


def test_check_a_claim_shows_the_verdict_and_evidence(page) -> None:
    page.get_by_role("tab", name="Check a claim").click()
    page.fill("#claim textarea", "Norway joined PESCO in 2021.")
    page.press("#claim textarea", "Enter")
    page.wait_for_selector("#verdict .dq-verdict", timeout=30_000)
    assert page.locator("#verdict .dq-verdict").inner_text() == "≈ Related passages found but no direct support"
    assert "PESCO" in page.locator("#verdict .dq-passage mark").first.inner_text()
    assert "2021 does not appear here" in page.locator("#verdict").inner_text()
    page.screenshot(path=str(SHOTS / "check.png"), full_page=True)


def test_a_contradicted_claim_shows_both_values_side_by_side(page) -> None:
    page.get_by_role("tab", name="Check a claim").click()
    page.fill("#claim textarea", "The European Defence Fund was established in 2019.")
    page.press("#claim textarea", "Enter")
    page.wait_for_selector("#verdict [data-verdict=contradicted]", timeout=30_000)
    verdict = page.locator("#verdict")
    assert verdict.locator(".dq-verdict").inner_text() == "✗ Contradicted by the sources"
    assert "The source says 2021, not 2019 [1]" in verdict.locator(".dq-reason").inner_text()
    assert verdict.locator(".dq-values").first.inner_text() == "source: 2021 · claim: 2019"
    assert "contradicts the claim" in verdict.locator(".dq-stance").first.inner_text()
    page.screenshot(path=str(SHOTS / "check-contradicted.png"), full_page=True)


def test_upload_a_file_then_remove_it(page, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "Harbour guide.pdf", ["Harbour guide",
                                                    "The ferry to the puffin island leaves at nine every morning."])
    page.get_by_role("tab", name="Sources").click()
    page.wait_for_selector("#sources table")
    page.set_input_files("#upload input[type=file]", str(pdf))
    page.get_by_role("button", name="Add to the index").click()
    page.wait_for_selector("#added .dq-ok", timeout=60_000)
    assert "Added Harbour guide.pdf" in page.locator("#added").inner_text()
    page.wait_for_function("() => document.querySelector('#sources').innerText.includes('Harbour-guide.pdf')")
    assert "PDF" in page.locator("#sources").inner_text()
    assert page.locator("#sources a", has_text="Harbour-guide.pdf").get_attribute("href") == "source/harbour-guide"
    page.screenshot(path=str(SHOTS / "sources.png"), full_page=True)

    page.get_by_text("Remove a document").click()
    page.click("#remove-choice input")
    page.get_by_role("option", name="Harbour guide (Harbour-guide.pdf)").click()
    page.get_by_role("button", name="Remove", exact=True).click()
    page.wait_for_selector("text=Removed", timeout=60_000)
    page.wait_for_function("() => !document.querySelector('#sources').innerText.includes('Harbour-guide.pdf')")
    page.screenshot(path=str(SHOTS / "removed.png"), full_page=True)


def test_hostile_document_renders_as_inert_text(page, tmp_path: Path) -> None:
    (tmp_path / "quokka-festival.txt").write_text(HOSTILE_TXT)
    (tmp_path / "quokka-parade.md").write_text(HOSTILE_MD)
    page.get_by_role("tab", name="Sources").click()
    page.set_input_files("#upload input[type=file]",
                         [str(tmp_path / "quokka-festival.txt"), str(tmp_path / "quokka-parade.md")])
    page.get_by_role("button", name="Add to the index").click()
    page.wait_for_selector("#added .dq-ok", timeout=60_000)
    page.wait_for_function("() => document.querySelector('#sources').innerText.includes('quokka-parade.md')")
    assert '<b>notes</b> <img src=x onerror="window.__pwned=1">' in page.locator("#sources").inner_text()

    page.get_by_role("tab", name="Ask").click()
    ask(page, "What is the quokka festival payload?")
    answer = page.locator("#answer").inner_text()
    assert "<script>window.__pwned=1</script>" in answer
    assert '<img src=x onerror="window.__pwned=1">' in answer
    assert "${window.__pwned=1}" in answer and "{{constructor.constructor(" in answer
    ask(page, "What does the quokka parade route have?")
    answer = page.locator("#answer").inner_text()
    assert "[click here](javascript:window.__pwned=1)" in answer and "**bold**" in answer
    page.locator("#answer details summary").first.click()
    page.screenshot(path=str(SHOTS / "hostile.png"), full_page=True)

    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert DIALOGS == []
    for tag in ("#answer script", "#answer img", "#answer svg", "#sources img", "#answer a[href^=javascript]"):
        assert page.locator(tag).count() == 0, tag


def test_an_uploaded_html_file_opens_as_inert_text(page, tmp_path: Path) -> None:
    (tmp_path / "pier-notice.html").write_text(HOSTILE_HTML)
    page.get_by_role("tab", name="Sources").click()
    page.set_input_files("#upload input[type=file]", str(tmp_path / "pier-notice.html"))
    page.get_by_role("button", name="Add to the index").click()
    page.wait_for_selector("#added .dq-ok", timeout=60_000)
    link = page.locator("#sources a", has_text="pier-notice.html")
    with page.expect_popup() as opened:
        link.click()
    shown = opened.value
    shown.wait_for_load_state()
    assert "<script>window.__pwned=1</script>" in shown.locator("body").inner_text()
    assert shown.locator("script, img").count() == 0
    assert shown.evaluate("typeof window.__pwned") == "undefined"
