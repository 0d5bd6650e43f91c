"""The issue's "done when", through the back office as a moderator uses it, in both languages:
find 300 signatures a crew made from a handful of domains, see how many will go, invalidate
them, undo it, and release a family's held signatures. Each step records the public count
(run with -s to read it)."""
import re

import pytest

from app.models import SignatureStatus
from tests.helpers.petition import count, fetch, last_link
from tests.helpers.signatures import add_signatures, ip, listed_ids, logged_in

TEXTS = {
    "it": {"match": "300 firme corrispondono", "preview": "300 firme saranno invalidate",
           "release": "Sblocca le 6 firme trattenute"},
    "en": {"match": "300 signatures match", "preview": "300 signatures will be invalidated",
           "release": "Release the 6 held signatures"},
}


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_moderator_cleans_up_a_crew_and_releases_a_family(app, smtp, lang):
    texts = TEXTS[lang]
    steps = []
    crew_domains = ["yopmail.com", "mailinator.com", "guerrillamail.com", "trashmail.de"]
    crew = []
    for n, domain in zip((120, 90, 60, 30), crew_domains):
        crew += add_signatures(n, domain=domain, prefix=domain.split(".")[0], name="Troll")
    add_signatures(40, domain="libero.it", prefix="vero", name="Vera")
    family = add_signatures(6, domain="gmail.com", prefix="famiglia", ip_hash=ip("casa"), suspect=True,
                            status=SignatureStatus.pending, name="Rossi")
    steps.append(("crew and real signers confirmed, a family held", count()))
    assert count() == 340

    moderator = logged_in(app)
    filter_query = "domain=" + ",".join(crew_domains)
    found = moderator.get(f"/admin/signatures?{filter_query}&lang={lang}").get_data(as_text=True)
    assert texts["match"] in found
    steps.append(("found with the domain filter", count()))

    preview = moderator.get(f"/admin/signatures/invalidate?{filter_query}").get_data(as_text=True)
    assert texts["preview"] in preview
    up_to = re.search(r'name="up_to" value="(\d+)"', preview).group(1)
    steps.append(("preview: 300 will go", count()))

    moderator.post("/admin/signatures/invalidate", data={
        "domain": ",".join(crew_domains), "up_to": up_to, "action": "confirm",
        "reason": "Crew with throwaway mailboxes"})
    steps.append(("invalidated", count()))
    assert count() == 40

    invalidations = moderator.get("/admin/invalidations").get_data(as_text=True)
    undo = re.search(r'action="(/admin/invalidations/\d+/undo)"', invalidations).group(1)
    moderator.post(undo)
    steps.append(("undone", count()))
    assert count() == 340

    held = moderator.get(f"/admin/signatures?state=held&ip_hash={ip('casa')}").get_data(as_text=True)
    assert texts["release"] in held and listed_ids(held) == set(family)
    moderator.post("/admin/signatures/release", data={"state": "held", "ip_hash": ip("casa"), "up_to": up_to})
    steps.append(("family released: 6 confirm mails sent", count()))
    assert count() == 340
    for i in range(6):
        assert len(smtp.to(f"famiglia{i}@gmail.com")) == 1
        fetch(app.test_client(), last_link(smtp, f"famiglia{i}@gmail.com"), "POST")
    steps.append(("the family confirmed", count()))
    assert count() == 346
    print(f"\n[{lang}]", *(f"{what}: count {n}" for what, n in steps), sep="\n  ")
