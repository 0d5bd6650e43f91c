"""The site's pages as a crawler reads them."""
import html
import xml.etree.ElementTree as ET

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def sitemap(client) -> dict[str, dict[str, str]]:
    """{address: {hreflang: twin address}} as the sitemap gives them."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    return {url.find(f"{SM}loc").text: {link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")}
            for url in root.findall(f"{SM}url")}


def page_text(response) -> str:
    """The page as a reader sees its text (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))
