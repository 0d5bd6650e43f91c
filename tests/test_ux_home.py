"""The first screen of home and the short sign boxes, as a visitor sees them."""
import re

import pytest

from tests.helpers.browser import audit_pages

FIRST_SCREEN = {"width": 360, "height": 740}


def _in_first_screen(page, locator) -> bool:
    """Whether the element's box lies wholly inside the first screen (no scrolling)."""
    box = locator.bounding_box()
    viewport = page.viewport_size
    return (box is not None and box["y"] >= 0 and box["x"] >= 0
            and box["y"] + box["height"] <= viewport["height"]
            and box["x"] + box["width"] <= viewport["width"])


@pytest.mark.browser
@pytest.mark.parametrize("lang, button", [("it", "Firma la lettera"), ("en", "Sign the letter")])
@pytest.mark.parametrize("size", [FIRST_SCREEN, {"width": 1280, "height": 800}])
def test_first_screen_shows_the_count_and_a_sign_button(seeded, page, lang, button, size):
    page.set_viewport_size(size)
    page.goto(f"/{lang}/")
    count = page.locator("main .petition-count").first
    assert re.search(r"\d", count.inner_text())
    assert _in_first_screen(page, count)
    sign = page.locator("main").get_by_role("link", name=button, exact=True).first
    assert _in_first_screen(page, sign)
    # The sentence saying what happened is there too.
    assert _in_first_screen(page, page.get_by_role("heading", level=1))
    if size["width"] >= 1280:
        # On a wide screen the short form itself is within the first screen.
        assert _in_first_screen(page, page.locator("#sign-box button[type=submit]"))


@pytest.mark.browser
def test_phone_header_is_two_lines_at_most(seeded, page):
    page.set_viewport_size(FIRST_SCREEN)
    for path in ("/it/", "/en/"):
        page.goto(path)
        assert page.locator(".site-header").bounding_box()["height"] <= 70


@pytest.mark.browser
def test_footer_sits_at_the_bottom_of_a_short_page(seeded, page):
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto("/en/sign/check-your-mail")
    footer = page.locator(".site-footer").bounding_box()
    assert footer["y"] + footer["height"] == pytest.approx(1400, abs=1)


@pytest.mark.browser
def test_group_fields_show_only_for_admins_with_javascript(seeded, page):
    page.goto("/en/sign")
    group = page.get_by_label("Which group?")
    assert not group.is_visible()
    page.get_by_label("I am (or was) an admin of a hijacked group").check()
    assert group.is_visible()


@pytest.mark.browser
def test_group_fields_show_without_javascript(seeded, browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/en/sign")
        assert page.get_by_label("Which group?").is_visible()
    finally:
        context.close()


@pytest.mark.browser
def test_short_sign_form_on_home_signs(seeded, page):
    page.goto("/en/")
    box = page.locator("#sign-box")
    box.get_by_label("Full name").fill("Anna Bianchi")
    box.get_by_label("Email").fill("anna@example.org")
    box.get_by_label("I consent to my data being processed as the privacy notice explains").check()
    box.get_by_role("button", name="Sign the letter").click()
    # The sign POST answers with the check-your-mail page itself, naming the address typed.
    assert page.get_by_role("heading", name="Thank you! Now check your email").is_visible()
    assert "We have sent an email to anna@example.org." in page.locator("main").inner_text()


@pytest.mark.browser
def test_home_and_letter_pass_the_audit(seeded, page, live_server):
    assert audit_pages(page, ["/it/", "/en/", "/it/lettera", "/en/letter", "/en/sign"], live_server) == {}


@pytest.mark.parametrize("path", ["/it/", "/en/", "/it/lettera", "/en/letter"])
def test_home_and_letter_carry_a_short_sign_form(seeded, client, path):
    html = client.get(path).get_data(as_text=True)
    form = html[html.index('<form class="sign-form sign-form-short"'):]
    form = form[:form.index("</form>")]
    for name in ("name", "email", "country", "privacy"):
        assert f'name="{name}"' in form
    assert 'name="reason"' not in form  # the long fields are on the full form


def test_short_form_errors_show_on_the_full_form_with_what_was_typed(seeded, client):
    response = client.post("/it/firma", data={"name": "Anna Bianchi", "email": "not-an-address",
                                               "country": "IT"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Anna Bianchi"' in html
    assert "privacy" in html and 'class="error-summary"' in html
