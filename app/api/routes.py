"""The public API: figures now; groups come with the registry."""
from app.api import bp
from app.stats import figures


@bp.route("/stats")
def stats():
    """The headline figures as JSON."""
    return figures().as_dict()
