"""Values worth remembering for a few seconds per process (figures, the rendered letter, lists)."""
import time


class Remembered:
    """compute() results by key, each kept `seconds` seconds (per process, not shared)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._kept: dict = {}

    def get(self, key, compute):
        """The value kept for `key`, or `compute()` when absent or stale."""
        now = time.monotonic()
        hit = self._kept.get(key)
        if hit is not None and now - hit[0] < self.seconds:
            return hit[1]
        value = compute()
        self._kept[key] = (now, value)
        return value

    def expires_at(self, key) -> float | None:
        """When the value kept for `key` goes stale (monotonic time), or None if none is kept."""
        hit = self._kept.get(key)
        return hit[0] + self.seconds if hit is not None else None

    def clear(self) -> None:
        """Forget everything."""
        self._kept.clear()
