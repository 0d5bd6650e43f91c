"""A local SMTP server (aiosmtpd) that records when each mail arrived, for bench/viral.py.

    python bench/smtp_sink.py PORT RECORD_FILE

Every accepted mail adds lines "<unix time received>\\t<recipient>" to RECORD_FILE. It runs in
a process of its own so that receiving mail never competes with the load generator's loop.
SIGTERM stops it.
"""
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Recorder:
    """aiosmtpd handler: note the time and the recipients of each message."""

    def __init__(self, path: str):
        self.out = open(path, "a", buffering=1)  # line-buffered: readable while we run
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        now = time.time()
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.out.write(f"{now:.6f}\t{rcpt.lower()}\n")
        return "250 OK"


def main() -> None:
    """Serve until SIGTERM."""
    port, path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Recorder(path), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
