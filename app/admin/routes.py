"""Back office routes (placeholder until the registry issue lands)."""
from app.admin import bp  # noqa: F401
from app.extensions import login_manager


@login_manager.user_loader
def load_user(user_id: str):
    """No moderator accounts yet."""
    return None
