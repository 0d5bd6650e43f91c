"""The report form as an admin in a hurry meets it: screenshots kept across a failed
submission, errors that read well, the consent box on a phone."""
import html
import re
from pathlib import Path

import pytest

from app.registry import kept
from tests.helpers.registry import plain_png, reports, send_report

KEPT = re.compile(r'name="kept" type="hidden" value="([^"]+)"')


def kept_id(response) -> str:
    """The id of the screenshots the page says it kept."""
    found = KEPT.search(response.get_data(as_text=True))
    assert found, "the form carries no kept screenshots"
    return found.group(1)


def kept_files(app) -> list[Path]:
    root = Path(app.config["UPLOADS_DIR"]) / "kept"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("lang, kept_text", [
    ("it", "Abbiamo conservato lo screenshot che hai inviato"),
    ("en", "We kept the screenshot you sent"),
])
def test_report_form_keeps_its_screenshot_after_a_failed_submission(app, client, smtp, lang, kept_text):
    first = send_report(client, lang, files=[(plain_png(), "prova.png")], consent=None)
    assert first.status_code == 422
    text = html.unescape(first.get_data(as_text=True))
    assert kept_text in text and "prova.png" in text
    assert reports() == []
    # The second try sends no file at all, as a browser would not: the report has the screenshot.
    second = send_report(client, lang, kept=kept_id(first))
    assert second.status_code == 303
    (report,) = reports()
    assert len(report.screenshots) == 1
    assert kept_files(app) == []  # sent with the report, no longer kept


def test_kept_screenshots_add_up_with_new_ones_and_count_against_the_limit(app, client, smtp):
    first = send_report(client, "en", files=[(plain_png(), f"{n}.png") for n in range(3)], consent=None)
    too_many = send_report(client, "en", kept=kept_id(first), files=[(plain_png(), f"n{n}.png") for n in range(3)])
    assert too_many.status_code == 422 and "At most 5 screenshots" in too_many.get_data(as_text=True)
    # The three accepted before are still kept; two more make five.
    third = send_report(client, "en", kept=kept_id(too_many), files=[(plain_png(), "a.png"), (plain_png(), "b.png")])
    assert third.status_code == 303
    assert len(reports()[0].screenshots) == 5


def test_kept_screenshots_can_be_dropped(app, client, smtp):
    first = send_report(client, "en", files=[(plain_png(), "wrong.png")], consent=None)
    send_report(client, "en", kept=kept_id(first), drop_kept="y")
    assert reports()[0].screenshots == []


def test_kept_screenshots_go_after_an_hour(app, client, smtp, monkeypatch):
    first = send_report(client, "en", files=[(plain_png(), "old.png")], consent=None)
    later = kept.time.time() + kept.KEEP_SECONDS + 1
    monkeypatch.setattr(kept.time, "time", lambda: later)
    send_report(client, "en", kept=kept_id(first))
    assert reports()[0].screenshots == []
    kept.sweep()
    assert kept_files(app) == []


@pytest.mark.parametrize("forged", ["../../../etc/passwd", "x" * 22 + "/..", "", "AAAAAAAAAAAAAAAAAAAAAA"])
def test_a_forged_kept_id_is_ignored(app, client, smtp, forged):
    response = send_report(client, "en", kept=forged)
    assert response.status_code == 303
    assert reports()[0].screenshots == []


def test_kept_screenshots_are_never_served(app, client, smtp):
    first = send_report(client, "en", files=[(plain_png(), "secret.png")], consent=None)
    page = first.get_data(as_text=True)
    assert "<img" not in page.split('id="kept-shots"', 1)[1].split("</div>", 1)[0]
    identifier = kept_id(first)
    for path in (f"/uploads/kept/{identifier}/0.png", f"/static/../instance/uploads/kept/{identifier}/0.png",
                 f"/registry/screenshots/{identifier}"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize("lang", ["it", "en"])
def test_error_summary_has_no_double_punctuation(app, client, lang):
    response = send_report(client, lang, consent=None, account="")
    summary = html.unescape(response.get_data(as_text=True)).split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    items = re.findall(r"<a [^>]*>(.*?)</a>", summary, re.S)
    assert len(items) == 2
    for item in items:
        assert not re.search(r"[.?!:]\s*[:.]", item), item


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["it", "en"])
def test_consent_error_keeps_its_label_wide_on_a_phone(app, page, lang):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"/{lang}/registro/segnala" if lang == "it" else "/en/registry/report")
    page.locator("form.report-form button[type=submit]").click()
    page.locator("#consent-error").wait_for()
    # Both boxes in one script, so a scroll in between (focus moves to the error summary)
    # cannot shift one of them.
    label, error = page.evaluate("""() => ["label[for=consent]", "#consent-error"].map(s => {
        const box = document.querySelector(s).getBoundingClientRect();
        return {y: box.top + window.scrollY, height: box.height, width: box.width};
    })""")
    assert label["width"] >= 240
    assert error["y"] >= label["y"] + label["height"] - 1  # under the label, not beside it
