"""Petition logic shared by the views and the CLI."""


def signature_counts() -> tuple[int, int]:
    """(confirmed signatures counted, of which group admins). Placeholder until signatures exist."""
    return 0, 0
