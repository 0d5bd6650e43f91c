"""Back-office views of accounts: administrators create accounts, set passwords, reset second
factors, disable and enable (what `flask moderator …` does); everyone changes their own
password. Every action is a POST with a CSRF token and writes an audit entry."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin import accounts, bp
from app.admin.forms import ROLE_LABELS, ActionForm, NewAccountForm, NewPasswordForm
from app.admin.routes import _end_session, administrators_only
from app.extensions import db
from app.models import Moderator, Role


def _account_or_404(moderator_id: int) -> Moderator:
    """The account, or 404."""
    moderator = db.session.get(Moderator, moderator_id)
    if moderator is None:
        abort(404)
    return moderator


def _render_accounts(form: NewAccountForm | None = None, status: int = 200):
    """The accounts page with its creation form (keeping what was typed when given)."""
    moderators = db.session.scalars(select(Moderator).order_by(Moderator.email)).all()
    return render_template("admin/accounts.html", moderators=moderators, role_labels=ROLE_LABELS,
                           form=form or NewAccountForm(formdata=None), action_form=ActionForm(),
                           password_form=NewPasswordForm(formdata=None)), status


@bp.route("/accounts")
@administrators_only
def account_list():
    """Every account: role, second factor, state, last login, with the actions on it."""
    return _render_accounts()


@bp.route("/accounts", methods=["POST"])
@administrators_only
def account_create():
    """Create an account; its owner enrols the second factor at the first login."""
    form = NewAccountForm()
    if not form.validate():
        return _render_accounts(form, 422)
    try:
        moderator = accounts.create_moderator(form.email.data, form.password.data, Role(form.role.data),
                                              actor=current_user)
    except accounts.ModeratorExists:
        form.email.errors = [_("There is already an account with this email address.")]
        return _render_accounts(form, 422)
    db.session.commit()
    flash(_("Account %(email)s created. Give them the password in person: they will set up the "
            "second factor at their first login.", email=moderator.email), "success")
    return redirect(url_for("admin.account_list"))


def _done(message: str, moderator: Moderator):
    """Back to the accounts; to the login form when administrators ended their own sessions."""
    flash(message, "success")
    if moderator.id == current_user.id:
        _end_session()
        return redirect(url_for("admin.login"))
    return redirect(url_for("admin.account_list"))


def _act(moderator_id: int, change, message):
    """Run `change(moderator)` on the account after checking the form's token, commit, then go
    back saying `message(moderator)`."""
    moderator = _account_or_404(moderator_id)
    if not ActionForm().validate():
        abort(400)
    change(moderator)
    db.session.commit()
    return _done(message(moderator), moderator)


@bp.route("/accounts/<int:moderator_id>/disable", methods=["POST"])
@administrators_only
def account_disable(moderator_id: int):
    """Disable an account: its sessions end at once and it cannot log in."""
    return _act(moderator_id, lambda m: accounts.set_active(m, False, actor=current_user),
                lambda m: _("%(email)s is disabled and logged out.", email=m.email))


@bp.route("/accounts/<int:moderator_id>/enable", methods=["POST"])
@administrators_only
def account_enable(moderator_id: int):
    """Enable an account again (this also lifts the locks of failed logins)."""
    return _act(moderator_id, lambda m: accounts.set_active(m, True, actor=current_user),
                lambda m: _("%(email)s can log in again.", email=m.email))


@bp.route("/accounts/<int:moderator_id>/reset-2fa", methods=["POST"])
@administrators_only
def account_reset_2fa(moderator_id: int):
    """Forget an account's second factor: its sessions end; it enrols again at the next login."""
    return _act(moderator_id, lambda m: accounts.reset_two_factor(m, actor=current_user),
                lambda m: _("Second factor reset for %(email)s: they set it up again at their next login.",
                            email=m.email))


@bp.route("/accounts/<int:moderator_id>/password", methods=["POST"])
@administrators_only
def account_password(moderator_id: int):
    """Give an account a new password (its sessions end)."""
    moderator = _account_or_404(moderator_id)
    form = NewPasswordForm()
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("admin.account_list"))
    accounts.set_password(moderator, form.password.data, actor=current_user)
    db.session.commit()
    return _done(_("New password set for %(email)s; their sessions have ended.", email=moderator.email), moderator)


@bp.route("/password", methods=["GET", "POST"])
def own_password():
    """Change one's own password (the current one first); every session ends, this one too."""
    form = NewPasswordForm()
    if form.validate_on_submit():
        if current_user.check_password(form.current.data or ""):
            accounts.set_password(current_user, form.password.data, actor=current_user)
            db.session.commit()
            _end_session()
            flash(_("Your password has been changed. Log in with the new one."), "success")
            return redirect(url_for("admin.login"))
        form.current.errors = [_("This is not your current password.")]
    return render_template("admin/password.html", form=form), 422 if form.errors else 200
