"""All models, one module per area; import them from here (`from app.models import Group`)."""
from app.models.content import LetterVersion
from app.models.outbox import MailStatus, OutboxMail
from app.models.registry import Crew, Group, GroupStatus

__all__ = ["Crew", "Group", "GroupStatus", "LetterVersion", "MailStatus", "OutboxMail"]

# == admin ==
from app.models.admin import (
    AuditLog, LoginThrottle, Moderator, ModeratorSession, RecoveryCode, Role,
)

__all__ += ["AuditLog", "LoginThrottle", "Moderator", "ModeratorSession", "RecoveryCode", "Role"]

# == registry: reports and timeline ==
from app.models.registry import (  # noqa: E402
    GroupEvent, GroupEventKind, RejectReason, Report, ReportEvidence, ReporterRole, ReportStatus, Screenshot,
)

__all__ += ["GroupEvent", "GroupEventKind", "RejectReason", "Report", "ReportEvidence", "ReporterRole",
            "ReportStatus", "Screenshot"]

# == petition ==
from app.models.petition import (  # noqa: E402
    BlockKind, ListingState, Signature, SignatureBlock, SignatureInvalidation, SignatureStatus, SignatureToken,
    TokenPurpose, TrendingAlert,
)

__all__ += ["BlockKind", "ListingState", "Signature", "SignatureBlock", "SignatureInvalidation", "SignatureStatus",
            "SignatureToken", "TokenPurpose", "TrendingAlert"]

# == campaign ==
from app.models.campaign import (  # noqa: E402
    Endorsement, EndorsementKind, EndorsementStatus, Handover, HandoverRequest, Mailing, MailingRecipient,
    TimelineStep, Update,
)

__all__ += ["Endorsement", "EndorsementKind", "EndorsementStatus", "Handover", "HandoverRequest", "Mailing",
            "MailingRecipient", "TimelineStep", "Update"]

# == petition: submissions waiting for the sender ==
from app.models.intake import SignatureSubmission  # noqa: E402

__all__ += ["SignatureSubmission"]

# == back office: alerts to the moderators ==
from app.models.alerts import AlertSent  # noqa: E402

__all__ += ["AlertSent"]
