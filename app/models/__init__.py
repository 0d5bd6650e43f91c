"""All models, one module per area; import them from here (`from app.models import Group`)."""
from app.models.content import LetterVersion
from app.models.outbox import MailStatus, OutboxMail
from app.models.registry import Crew, Group, GroupStatus

__all__ = ["Crew", "Group", "GroupStatus", "LetterVersion", "MailStatus", "OutboxMail"]
