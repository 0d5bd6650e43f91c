"""Attack: screenshots that cost the server far more than they cost the attacker (review
2026-12-01, finding 2: reports made to fail on purpose never counted against the limit, yet each
of their five 6300 × 6300 PNGs, 154 kB on the wire, was decoded and re-encoded: 2.3 s of CPU and
700 MB each; four such POSTs stalled every worker and a normal GET waited 33 s)."""
import io
import statistics
import struct
import threading
import time
import urllib.request
import zlib

import pytest
from PIL import Image
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from app.registry.images import clean_image
from tests.helpers.registry import report_data, send_report

MESSAGE = {"en": "has too many pixels.", "it": "ha troppi pixel."}
BUSY = {"en": "We are busy reading other screenshots", "it": "Stiamo leggendo altri screenshot"}


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that announces `width` × `height` pixels in 200 bytes (its data would be a bomb)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def valid_png(width: int, height: int) -> bytes:
    """A real PNG, small on the wire (one colour), whose pixels must all be decoded."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("size", [(6300, 6300), (30000, 30000), (4097, 8192), (65535, 65535)])
def test_too_many_pixels_is_said_so_before_decoding(app, client, lang, size):
    started = time.perf_counter()
    answer = send_report(client, lang, files=[(png_header_only(*size), "bomb.png")])
    assert answer.status_code == 422
    assert f"bomb.png {MESSAGE[lang]}" in answer.get_data(as_text=True)
    assert time.perf_counter() - started < 2  # nothing was decoded


@pytest.mark.parametrize("config_overrides", [{"IMAGE_MAX_PIXELS": 100 * 100}])
def test_the_pixel_limit_is_a_setting(app):
    assert clean_image(io.BytesIO(valid_png(100, 100))).width == 100
    with pytest.raises(ValueError, match="pixels"):
        clean_image(io.BytesIO(valid_png(101, 100)))


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_worker_decodes_a_bounded_number_of_images_at_once(app, client, lang):
    """All decoding slots taken (another report's screenshots): the form says to send again."""
    app.config["IMAGE_DECODE_WAIT"] = 0.05
    slots = app.extensions["image_decoding"]
    assert slots.acquire(timeout=1)
    try:
        answer = send_report(client, lang, files=[(valid_png(40, 30), "shot.png")])
    finally:
        slots.release()
    assert answer.status_code == 422 and BUSY[lang] in answer.get_data(as_text=True)
    assert send_report(client, lang, files=[(valid_png(40, 30), "shot.png")]).status_code == 303


@pytest.mark.parametrize("config_overrides", [{"RATELIMIT_ENABLED": True, "RATELIMIT_REPORT": "2 per minute;10 per hour"}])
def test_an_image_flood_meets_the_limit_and_a_get_stays_fast(app, live_server):
    """4 threads × 3 report POSTs from one address, each with five valid 4096 × 8192 PNGs (the largest accepted) and no
    consent ticked (so each fails validation): 2 are read (422), the other 10 get 429 without a
    pixel decoded; meanwhile a visitor's GET keeps answering quickly."""
    values = MultiDict(report_data(consent=None))
    shot = valid_png(4096, 8192)
    for n in range(5):
        values.add("screenshots", (io.BytesIO(shot), f"shot{n}.png"))
    boundary, body = encode_multipart(values)
    statuses, latencies, done = [], [], threading.Event()

    def flood():
        for _ in range(3):
            request = urllib.request.Request(f"{live_server}/en/registry/report", data=body, method="POST",
                                             headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)

    def visitor():
        while not done.is_set():
            started = time.perf_counter()
            with urllib.request.urlopen(f"{live_server}/en/about", timeout=60) as response:
                assert response.status == 200
            latencies.append(time.perf_counter() - started)
            time.sleep(0.05)

    urllib.request.urlopen(f"{live_server}/en/about", timeout=60).close()  # templates compiled
    watcher = threading.Thread(target=visitor)
    watcher.start()
    attackers = [threading.Thread(target=flood) for _ in range(4)]
    started = time.perf_counter()
    for thread in attackers:
        thread.start()
    for thread in attackers:
        thread.join()
    flood_seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    assert sorted(statuses) == [422] * 2 + [429] * 10
    print(f"flood {flood_seconds:.2f} s; GET median {statistics.median(latencies) * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms over {len(latencies)}")
    assert statistics.median(latencies) < 0.5 and max(latencies) < 3
