"""The report form's protections: per-IP rate limit (a visible 429 page) and CSRF."""

import pytest

from tests.helpers.registry import fetch, report_data, reports, send_report


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_ENABLED": True, "RATELIMIT_REPORT": "2 per minute"}])
def test_reports_are_rate_limited_per_ip_with_a_translated_page(app, client):
    assert send_report(client, "it").status_code == 303
    assert send_report(client, "en", name="Second").status_code == 303
    third = send_report(client, "it", name="Third")
    assert third.status_code == 429
    assert "Troppi tentativi in poco tempo" in third.get_data(as_text=True)
    assert [r.name for r in reports()] == ["Cucina Povera Italiana", "Second"]
    # Reading the form is not limited; another address is not affected.
    assert fetch(client, "/it/registro/segnala").status_code == 200
    response = client.post("/en/registry/report", data=report_data(name="Fourth"),
                           environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 303


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_ENABLED": True, "RATELIMIT_REPORT": "2 per minute"}])
def test_a_report_sent_back_with_errors_counts_against_the_limit_too(app, client):
    """Each POST may carry five screenshots to decode: a flood of reports made to fail on
    purpose must meet the limit like accepted ones (see tests/test_attack_uploads.py)."""
    assert send_report(client, "it", facebook_url="https://example.org/not-facebook").status_code == 422
    assert send_report(client, "it").status_code == 303  # corrected: accepted, nothing lost
    assert send_report(client, "it", name="Third").status_code == 429
    assert [r.name for r in reports()] == ["Cucina Povera Italiana"]


@pytest.mark.parametrize("config_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_a_report_sent_from_another_site_is_refused_and_one_from_ours_passes(app, client):
    refused = send_report(client, "en", headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403 and reports() == []
    assert send_report(client, "en", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 303
    assert len(reports()) == 1
