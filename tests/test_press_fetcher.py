"""The PDF renderer loads our own static files and nothing else: a document whose text carried a
link to elsewhere (an image, a style sheet, a font, a local file) must not make the server fetch
it (press/service/renderers.py, `_local_fetcher`)."""
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.press.service.renderers import html_to_pdf


@pytest.fixture
def elsewhere():
    """A web server on loopback that records every request it receives."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()
    server.server_close()


def test_a_document_that_links_elsewhere_fetches_nothing_but_our_static_files(app, elsewhere, caplog):
    base, hits = elsewhere
    page = f"""<!doctype html><html lang="en"><head><title>t</title>
      <link rel="stylesheet" href="{base}/style.css">
      <style>@import url("{base}/import.css"); @font-face {{ font-family: x; src: url("{base}/font.woff2"); }}
             body {{ background: url("file:///etc/passwd"); }}</style></head>
      <body><p>Text</p><img src="{base}/tracker.png" alt=""><img src="file:///etc/hostname" alt=""></body></html>"""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = html_to_pdf(page)
    assert pdf.startswith(b"%PDF")  # the document renders without what it may not load
    assert hits == []
    refused = [r.getMessage() for r in caplog.records if "load only local static files" in r.getMessage()]
    for url in (f"{base}/style.css", f"{base}/tracker.png", "file:///etc/hostname", "file:///etc/passwd"):
        assert any(url in message for message in refused), (url, refused)
