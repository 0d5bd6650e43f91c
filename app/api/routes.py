"""The public API: figures now; groups come with the registry."""
from app.api import bp
from app.security import public
from app.stats import figures


@bp.route("/stats")
@public
def stats():
    """The headline figures as JSON."""
    return figures().as_dict()
