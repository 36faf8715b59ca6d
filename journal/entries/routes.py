"""Journal views: the list, writing and editing, and the trash."""

import re
import secrets

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from journal.entries import drafts, rhythm, services
from journal.entries.drafts import draft_prefix
from journal.entries.forms import EntryForm
from journal.entries.list_page import journal_page
from journal.entries.listing import linked_entries
from journal.entries.markdown import plain_text, render_markdown
from journal.entries.prompts import Prompt, find_prompt, prompt_for, with_template
from journal.framework import current_framework, stale_task_keys
from journal.goals import services as goal_services
from journal.i18n import current_language, today_for
from journal.rescue import Rescue, keeps_text, posted_id

bp = Blueprint("entries", __name__, url_prefix="/journal")


@bp.app_template_global()
def reflections_on_goal(goal_id: int) -> list:
    """For the leader's own goal page (goals/view.html; `goals` stands below entries and
    does not import it): the reflections linked to the goal, opened."""
    return linked_entries(current_user, goal_id)


bp.add_app_template_global(rhythm.heatmap_cells)
bp.add_app_template_global(rhythm.heatmap_months)
bp.add_app_template_global(drafts.DRAFT_DAYS, "draft_days")


@bp.app_template_filter("excerpt")
def excerpt(body: str, limit: int = 90) -> str:
    """The start of an entry as plain text, for lists."""
    return plain_text(body, limit)


DRAFT_ID = re.compile(r"[0-9a-f]{16}")


def draft_id() -> str:
    """This writing page's own draft slot: kept through re-shown forms, new for a new page."""
    posted = request.form.get("draft", "")
    return posted if DRAFT_ID.fullmatch(posted) else secrets.token_hex(8)


def entry_form(user, entry=None, **kwargs) -> EntryForm:
    """The entry form, checking dates against the leader's own today, offering the leader's
    active goals (and any the entry is already linked to, or the page asks for) as links."""
    linked = set(entry.goal_ids) if entry is not None else set()
    linked.add(request.args.get("goal", type=int))
    goals = [
        goal
        for goal in goal_services.goals_of(user)
        if goal.status == "active" or goal.id in linked
    ]
    return EntryForm(today=today_for(user), framework=current_framework(), goals=goals, **kwargs)


def render_form(form: EntryForm, entry=None, **context):
    """The writing page, for a new entry or an edit."""
    prompt = context.pop("prompt", None)
    if prompt is None and entry is None:
        prompt = find_prompt(current_framework(), form.prompt.data) or prompt_for(
            current_user, current_framework()
        )
    if prompt is not None:
        form.prompt.data = prompt.id
    return render_template(
        "entries/form.html",
        form=form,
        entry=entry,
        prompt=prompt,
        # Taken: the question is the title; the page shows it, without offering it again.
        prompt_taken=prompt is not None
        and (form.title.data or "").strip() == prompt.text(current_language()),
        framework=current_framework(),
        draft_prefix=draft_prefix(current_user, entry.id if entry else None),
        draft=draft_id(),
        draft_public_key=drafts.draft_public_key(current_user),
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
    """After a save: clear this page's draft in the browser and show the entry."""
    draft = request.form.get("draft", "")
    if DRAFT_ID.fullmatch(draft):
        prefix = draft_prefix(current_user, None if new else entry.id)
        flash(f"{prefix}:{draft}", "draft-saved")
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


def reshow(user, entry_id: int | None, notice: str):
    """The writing page again with the posted text, for the user to check and save.

    If the entry went to the trash meanwhile (another tab, the phone), the text is offered
    as a new entry instead of being lost behind a 404.
    """
    entry = services.find_entry_for(user, entry_id) if entry_id else None
    form = entry_form(user, entry, formdata=request.form)
    if entry_id and entry is None:
        if services.find_entry_for(user, entry_id, trashed=True) is None:
            abort(404)
        notice = TRASHED_MEANWHILE
    return render_form(form, entry, notice=notice)


TRASHED_MEANWHILE = _l(
    "This entry was moved to the trash in the meantime. Your text is kept below: "
    "saving it makes a new entry."
)


ENTRY_RESCUE = Rescue(
    reshow=lambda user, notice: reshow(user, posted_id("entry_id"), notice),
    form=lambda: EntryForm(formdata=request.form, today=None, framework=current_framework()),
    shown=("title", "body"),
    lead=_l(
        "You were logged out before your reflection was saved, for example after a long time "
        "without activity. Nothing is lost: your text is below. Log in, check it, and save it."
    ),
)


def tag(form: EntryForm, task_keys) -> None:
    """Add tasks to those the leader chose, keeping the order and no task twice."""
    form.tasks.data = list(dict.fromkeys([*(form.tasks.data or []), *task_keys]))


def take_prompt(form: EntryForm, prompt: Prompt) -> None:
    """Write about this question: it becomes the title (unless there is one), its task a tag."""
    form.prompt.data = prompt.id
    tag(form, [prompt.task.key])
    if not (form.title.data or "").strip():
        form.title.data = prompt.text(current_language())


def use_template(form: EntryForm, key: str) -> None:
    """A guided reflection: its questions below the text already written, its tasks tagged."""
    try:
        template = current_framework().template(key)
    except KeyError:
        return  # a stale page offering a template the framework no longer has
    form.body.data = with_template(form.body.data or "", template, current_language())
    tag(form, template.task_keys)
    if not (form.title.data or "").strip():
        form.title.data = template.name.get(current_language())


@bp.get("/")
def index():
    """The journal: entries newest first, grouped by date, filtered and searched."""
    return journal_page(current_user)


@bp.route("/new", methods=["GET", "POST"])
@keeps_text(ENTRY_RESCUE)
def new():
    """Write a new entry, with a reflection prompt."""
    form = entry_form(current_user)
    action = request.form.get("action")
    if request.method == "GET":
        form.entry_date.data = form.today
        if task := request.args.get("task"):
            form.tasks.data = [task] if task in current_framework().task_keys else []
        if prompt := find_prompt(current_framework(), request.args.get("prompt")):
            take_prompt(form, prompt)  # "Write about this" on the dashboard: one click
        goal_id = request.args.get("goal", type=int)
        if goal := next((g for g in form.goal_choices if g.id == goal_id), None):
            # "Write a reflection on this goal": linked, and tagged with the goal's tasks.
            form.goals.data = [goal.id]
            form.tasks.data = goal.task_keys
    elif action == "another_prompt":
        another = prompt_for(current_user, current_framework(), after=form.prompt.data)
        return render_form(form, prompt=another)
    elif action == "use_prompt":
        prompt = find_prompt(current_framework(), form.prompt.data)
        if prompt is not None:
            take_prompt(form, prompt)
        return render_form(form, prompt=prompt)
    elif action and action.startswith("template:"):
        use_template(form, action.removeprefix("template:"))
        return render_form(form)
    elif form.validate_on_submit():
        entry = services.create_entry(
            current_user,
            entry_date=form.entry_date.data,
            title=form.title.data or "",
            body=form.body.data or "",
            task_keys=form.tasks.data or [],
            starred=form.starred.data,
            goal_ids=form.goals.data or [],
        )
        return saved(entry, new=True)
    return render_form(form)


@bp.post("/drafts/open")
def open_draft():
    """A draft this browser kept, opened for the leader it was sealed to (JSON; never cached,
    as no page is); 404 for anyone else, and for a draft that does not open."""
    fields = drafts.open_draft(current_user, request.form)
    if fields is None:
        abort(404)
    return jsonify(fields)


@bp.get("/<id:entry_id>")
def view(entry_id: int):
    """One entry, rendered, with the goals it is linked to (a way back to each)."""
    entry = services.get_entry_for(current_user, entry_id)
    linked = set(entry.goal_ids)
    return render_template(
        "entries/view.html",
        entry=entry,
        body=render_markdown(entry.body),
        framework=current_framework(),
        goals=[
            (goal_id, title)
            for goal_id, title in (goal_services.goal_titles(current_user) if linked else ())
            if goal_id in linked
        ],
    )


@bp.route("/<id:entry_id>/edit", methods=["GET", "POST"])
@keeps_text(ENTRY_RESCUE)
def edit(entry_id: int):
    """Edit an entry; a save over a newer version (another tab) is refused, never lost."""
    entry = services.find_entry_for(current_user, entry_id)
    if entry is None:
        if request.method == "POST":
            return reshow(current_user, entry_id, TRASHED_MEANWHILE)
        abort(404)
    form = entry_form(current_user, entry, obj=entry)
    if request.method == "GET":
        form.tasks.data = entry.task_keys
        form.goals.data = entry.goal_ids
    elif form.validate_on_submit():
        try:
            entry = services.update_entry(
                current_user,
                entry,
                version=form.version.data or 0,
                entry_date=form.entry_date.data,
                title=form.title.data or "",
                body=form.body.data or "",
                task_keys=(form.tasks.data or []) + stale_task_keys(entry.task_keys),
                starred=form.starred.data,
                goal_ids=form.goals.data or [],
            )
        except services.VersionConflict as conflict:
            return render_conflict(form, conflict.current)
        return saved(entry, new=False)
    return render_form(form, entry)


@bp.post("/<id:entry_id>/star")
def star(entry_id: int):
    """Mark or unmark an entry as a key reflection."""
    entry = services.get_entry_for(current_user, entry_id)
    services.set_starred(current_user, entry, request.form.get("starred") == "1")
    return redirect(url_for("entries.view", entry_id=entry.id))


@bp.post("/<id:entry_id>/delete")
def delete(entry_id: int):
    """Move an entry to the trash."""
    entry = services.get_entry_for(current_user, entry_id)
    services.trash_entry(current_user, entry)
    flash(
        _(
            "The entry is in the trash. You can restore it for %(days)d days.",
            days=services.TRASH_DAYS,
        ),
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


@bp.post("/trash/<id:entry_id>/restore")
def restore(entry_id: int):
    """Take an entry out of the trash."""
    entry = services.get_entry_for(current_user, entry_id, trashed=True)
    services.restore_entry(current_user, entry)
    flash(_("The entry is restored."), "success")
    return redirect(url_for("entries.view", entry_id=entry.id))


@bp.route("/trash/<id:entry_id>/delete", methods=["GET", "POST"])
def delete_forever(entry_id: int):
    """Delete a trashed entry for good, after a confirmation."""
    entry = services.get_entry_for(current_user, entry_id, trashed=True)
    if request.method == "POST":
        services.delete_forever(current_user, entry)
        flash(_("The entry is deleted for good."), "success")
        return redirect(url_for("entries.trash"))
    return render_template("entries/delete_forever.html", entry=entry)
