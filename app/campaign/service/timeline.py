"""The demand's timeline: dated steps kept in the back office, shown on the letter page and in
the press room."""
from datetime import date

from sqlalchemy import func, select

from app.admin.service import audit
from app.extensions import db
from app.models import TimelineStep

# What the site starts with (`flask seed`): the letter's publication, and the answer still awaited.
SEED = (
    (date(2014, 9, 15), "La lettera aperta viene pubblicata", "The open letter is published"),
    (None, "La risposta di Facebook: ancora nessuna", "Facebook’s answer: none yet"),
)


def steps() -> list[TimelineStep]:
    """Every step, dated ones in date order, then those still to come."""
    return list(db.session.scalars(
        select(TimelineStep).order_by(TimelineStep.happened_on.is_(None), TimelineStep.happened_on,
                                      TimelineStep.id)))


def seed() -> int:
    """Add the starting steps when the timeline is empty; returns how many were added."""
    if db.session.scalar(select(func.count(TimelineStep.id))):
        return 0
    for happened_on, label_it, label_en in SEED:
        db.session.add(TimelineStep(happened_on=happened_on, label_it=label_it, label_en=label_en))
    return len(SEED)


def _snapshot(step: TimelineStep) -> dict:
    """What the audit log keeps of a step."""
    return {"happened_on": step.happened_on, "label_it": step.label_it, "label_en": step.label_en}


def save(step: TimelineStep | None, happened_on: date | None, label_it: str, label_en: str,
         actor: str) -> TimelineStep:
    """Add a step (`step` None) or change one, in the audit log; the caller commits."""
    before = None if step is None else _snapshot(step)
    if step is None:
        step = TimelineStep()
        db.session.add(step)
    step.happened_on, step.label_it, step.label_en = happened_on, label_it, label_en
    db.session.flush()
    audit("timeline.save", "timeline_step", step.id, before=before, after=_snapshot(step), actor=actor)
    return step


def delete(step: TimelineStep, actor: str) -> None:
    """Remove a step, in the audit log; the caller commits."""
    audit("timeline.delete", "timeline_step", step.id, before=_snapshot(step), actor=actor)
    db.session.delete(step)
