"""Journal views: the list, writing and editing, the trash, and rescuing unsaved text."""

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from journal.auth import services as accounts
from journal.auth.access import keeps_text, public
from journal.auth.routes import start_session
from journal.entries import services
from journal.entries.forms import EntryForm
from journal.entries.listing import journal_page
from journal.entries.markdown import plain_text, render_markdown
from journal.entries.prompts import choose_prompt, find_prompt
from journal.framework.routes import current_framework
from journal.i18n import current_language

bp = Blueprint("entries", __name__, url_prefix="/journal")

PROMPT_WINDOW_DAYS = 30


@bp.app_template_filter("excerpt")
def excerpt(body: str, limit: int = 90) -> str:
    """The start of an entry as plain text, for lists."""
    return plain_text(body, limit)


def draft_key(user, entry_id: int | None = None) -> str:
    """Where the browser keeps the unsaved draft of this entry (per user and entry)."""
    return f"ledelsesjournal:draft:{user.id}:{entry_id or 'new'}"


def entry_form(user, **kwargs) -> EntryForm:
    """The entry form, checking dates against the leader's own today."""
    today = services.today_for(user) if user else None
    return EntryForm(today=today, framework=current_framework(), **kwargs)


def prompt_for(user, exclude: str | None = None):
    """A reflection prompt, favouring the tasks reflected on least in the last 30 days."""
    since = services.today_for(user) - timedelta(days=PROMPT_WINDOW_DAYS)
    counts = services.task_counts_since(user, since)
    return choose_prompt(current_framework(), counts, exclude=exclude)


def render_form(form: EntryForm, entry=None, **context):
    """The writing page, for a new entry or an edit."""
    prompt = context.pop("prompt", None)
    if prompt is None and entry is None:
        prompt = find_prompt(current_framework(), form.prompt.data) or prompt_for(current_user)
    if prompt is not None:
        form.prompt.data = prompt.id
    return render_template(
        "entries/form.html",
        form=form,
        entry=entry,
        prompt=prompt,
        framework=current_framework(),
        draft_key=draft_key(current_user, entry.id if entry else None),
        **context,
    )


def render_conflict(form: EntryForm, current):
    """Both versions side by side: the saved one, and the leader's text still in the form.

    The form now carries the saved version's number, so saving again means, knowingly,
    "my text replaces the other one".
    """
    form.version.data = current.version
    form.version.raw_data = [str(current.version)]
    return render_form(form, current, conflict=current, conflict_body=render_markdown(current.body))


def saved(entry, *, new: bool):
    """After a save: clear the browser's draft and show the entry."""
    flash(draft_key(current_user, None if new else entry.id), "draft-saved")
    if entry.task_links:
        flash(_("Your reflection is saved."), "success")
    else:
        flash(
            _(
                "Your reflection is saved. Tip: tag it with a leadership task, "
                "and over time you will see where your attention goes."
            ),
            "success",
        )
    return redirect(url_for("entries.view", entry_id=entry.id))


def rescue_entry(login_failed: bool = False):
    """Show the text of a save that arrived with an expired session or form, never lose it."""
    entry_id = (request.view_args or {}).get("entry_id") or request.form.get("entry_id", type=int)
    if current_user.is_authenticated:
        entry = services.get_entry_for(current_user, entry_id) if entry_id else None
        form = entry_form(current_user, formdata=request.form, meta={"csrf": False})
        return render_form(
            form,
            entry,
            notice=_(
                "For your safety the form had expired. Your text is kept below: press Save again."
            ),
        )
    form = EntryForm(formdata=request.form, today=None, framework=current_framework())
    return render_template(
        "entries/rescue.html",
        form=form,
        entry_id=entry_id,
        framework=current_framework(),
        login_failed=login_failed,
    )


@bp.get("/")
def index():
    """The journal: entries newest first, grouped by date, filtered and searched."""
    return journal_page(current_user)


@bp.route("/new", methods=["GET", "POST"])
@keeps_text(rescue_entry)
def new():
    """Write a new entry, with a reflection prompt."""
    form = entry_form(current_user)
    action = request.form.get("action")
    if request.method == "GET":
        form.entry_date.data = form.today
        if task := request.args.get("task"):
            form.tasks.data = [task] if task in current_framework().task_keys else []
    elif action == "another_prompt":
        return render_form(form, prompt=prompt_for(current_user, exclude=form.prompt.data))
    elif action == "use_prompt":
        prompt = find_prompt(current_framework(), form.prompt.data)
        if prompt is not None:
            form.tasks.data = list(dict.fromkeys([*(form.tasks.data or []), prompt.task.key]))
            if not (form.title.data or "").strip():
                form.title.data = prompt.text(current_language())
        return render_form(form, prompt=prompt)
    elif form.validate_on_submit():
        entry = services.create_entry(
            current_user,
            entry_date=form.entry_date.data,
            title=form.title.data or "",
            body=form.body.data or "",
            task_keys=form.tasks.data or [],
            starred=form.starred.data,
        )
        return saved(entry, new=True)
    return render_form(form)


@bp.get("/<int:entry_id>")
def view(entry_id: int):
    """One entry, rendered."""
    entry = services.get_entry_for(current_user, entry_id)
    return render_template(
        "entries/view.html",
        entry=entry,
        body=render_markdown(entry.body),
        framework=current_framework(),
    )


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@keeps_text(rescue_entry)
def edit(entry_id: int):
    """Edit an entry; a save over a newer version (another tab) is refused, never lost."""
    entry = services.get_entry_for(current_user, entry_id)
    form = entry_form(current_user, obj=entry)
    if request.method == "GET":
        form.tasks.data = entry.task_keys
    elif form.validate_on_submit():
        try:
            entry = services.update_entry(
                current_user,
                entry,
                version=form.version.data or 0,
                entry_date=form.entry_date.data,
                title=form.title.data or "",
                body=form.body.data or "",
                task_keys=form.tasks.data or [],
                starred=form.starred.data,
            )
        except services.VersionConflict as conflict:
            return render_conflict(form, conflict.current)
        return saved(entry, new=False)
    return render_form(form, entry)


@bp.post("/rescue")
@public
@keeps_text(rescue_entry)
def rescue():
    """Log in again and save the text that an expired session would have lost."""
    user = current_user if current_user.is_authenticated else None
    if user is None:
        user = accounts.authenticate(
            request.form.get("email", ""), request.form.get("password", "")
        )
        if user is None:
            return rescue_entry(login_failed=True)
        start_session(user)
    entry_id = request.form.get("entry_id", type=int)
    entry = services.get_entry_for(user, entry_id) if entry_id else None
    form = entry_form(user, formdata=request.form, meta={"csrf": False})
    if not form.validate():
        return render_form(form, entry)
    values = {
        "entry_date": form.entry_date.data,
        "title": form.title.data or "",
        "body": form.body.data or "",
        "task_keys": form.tasks.data or [],
        "starred": form.starred.data,
    }
    if entry is None:
        return saved(services.create_entry(user, **values), new=True)
    try:
        entry = services.update_entry(user, entry, version=form.version.data or 0, **values)
    except services.VersionConflict as conflict:
        return render_conflict(form, conflict.current)
    return saved(entry, new=False)


@bp.post("/<int:entry_id>/star")
def star(entry_id: int):
    """Mark or unmark an entry as a key reflection."""
    entry = services.get_entry_for(current_user, entry_id)
    services.set_starred(current_user, entry, request.form.get("starred") == "1")
    return redirect(url_for("entries.view", entry_id=entry.id))


@bp.post("/<int:entry_id>/delete")
def delete(entry_id: int):
    """Move an entry to the trash."""
    entry = services.get_entry_for(current_user, entry_id)
    services.trash_entry(current_user, entry)
    flash(
        _("The entry is in the trash. You can restore it for %(days)d days.", days=30),
        "success",
    )
    return redirect(url_for("entries.index"))


@bp.get("/trash")
def trash():
    """Deleted entries, restorable for 30 days."""
    entries = services.trashed_entries(current_user)
    return render_template(
        "entries/trash.html",
        entries=entries,
        days=services.TRASH_DAYS,
        framework=current_framework(),
    )


@bp.post("/trash/<int:entry_id>/restore")
def restore(entry_id: int):
    """Take an entry out of the trash."""
    entry = services.get_entry_for(current_user, entry_id, trashed=True)
    services.restore_entry(current_user, entry)
    flash(_("The entry is restored."), "success")
    return redirect(url_for("entries.view", entry_id=entry.id))


@bp.route("/trash/<int:entry_id>/delete", methods=["GET", "POST"])
def delete_forever(entry_id: int):
    """Delete a trashed entry for good, after a confirmation."""
    entry = services.get_entry_for(current_user, entry_id, trashed=True)
    if request.method == "POST":
        services.delete_forever(current_user, entry)
        flash(_("The entry is deleted for good."), "success")
        return redirect(url_for("entries.trash"))
    return render_template("entries/delete_forever.html", entry=entry)
