"""Agenda views: the leader's "Til samtalen" and the manager's view of it, under Team."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from journal.agenda import services
from journal.agenda.forms import HeldForm, NoteForm, PointForm
from journal.i18n import today_for
from journal.rescue import Rescue, keeps_text, posted_id
from journal.review.services import get_review_for
from journal.sharing.services import SharingError

bp = Blueprint("agenda", __name__)

NO_MANAGER = _l("Link to your manager first; then you can share talking points.")


# The leader's side -----------------------------------------------------------------------


def render_agenda(form: PointForm | None = None, notice: str | None = None):
    """The leader's agenda, with the form for a new point (fresh, or as posted)."""
    points = services.agenda_of(current_user)
    return render_template(
        "agenda/index.html",
        points=points,
        shares=services.shares_of(points),
        link=services.accepted_link_of(current_user),
        meetings=services.meetings_of(current_user),
        form=form or PointForm(),
        held_form=HeldForm(held_on=today_for(current_user)),
        notice=notice,
    )


def reshow_point(_user, notice: str):
    """A point that could not be added (the session or the form had expired) in the form
    again, to check and save."""
    return render_agenda(PointForm(formdata=request.form), notice)


POINT_RESCUE = Rescue(
    reshow=reshow_point,
    form=lambda: PointForm(formdata=request.form),
    shown=("body",),
    lead=_l(
        "You were logged out before your talking point was saved. Nothing is lost: your text "
        "is below. Log in, check it, and save it."
    ),
)


def room_for(form: PointForm, leader_id: int) -> bool:
    """The form's point is valid and the agenda has room for it (else a message on the form,
    with the text kept in it)."""
    if not form.validate():
        return False
    if not services.has_room(current_user, leader_id):
        form.body.errors = [
            _(
                "You have %(max)d points waiting for the conversation. Tick some off or "
                "delete some before you add more.",
                max=services.MAX_OPEN_POINTS,
            )
        ]
        return False
    return True


@bp.get("/agenda/")
def index():
    """Til samtalen: my points for the next conversation with my manager, and the past ones."""
    return render_agenda()


@bp.post("/agenda/points")
@keeps_text(POINT_RESCUE)
def add():
    """Add a private point (shared only if I choose to, one by one)."""
    form = PointForm()
    if form.is_submitted() and room_for(form, current_user.id):
        services.add_point(current_user, form.body.data)
        flash(_("The point is on your agenda. Only you can see it."), "success")
        return redirect(url_for("agenda.index"))
    return render_agenda(form)


@bp.post("/agenda/from-review/<id:review_id>")
def from_review(review_id: int):
    """ "Tag med til samtalen": what I need from my manager, from a saved review, as a
    private point (too long: in the form, to shorten)."""
    review = get_review_for(current_user, review_id)
    form = PointForm(data={"body": review.need_from_manager}, meta={"csrf": False})
    if room_for(form, current_user.id):
        services.add_point(current_user, form.body.data)
        flash(_("The point is on your agenda. Only you can see it."), "success")
        return redirect(url_for("agenda.index"))
    return render_agenda(form)


@bp.route("/agenda/points/<id:point_id>/edit", methods=["GET", "POST"])
def edit(point_id: int):
    """Change one of my own points (if shared, my manager sees the change)."""
    point = services.get_point_for(current_user, point_id, own=True)
    form = PointForm(data={"body": point.body})
    if form.validate_on_submit():
        services.edit_point(current_user, point, form.body.data)
        flash(_("The point is saved."), "success")
        return redirect(url_for("agenda.index"))
    shared = point.id in services.shares_of([point])
    return render_template("agenda/edit.html", form=form, point=point, shared=shared)


@bp.post("/agenda/points/<id:point_id>/delete")
def delete(point_id: int):
    """Delete one of my own points."""
    point = services.get_point_for(current_user, point_id, own=True)
    services.delete_point(current_user, point)
    flash(_("The point is deleted."), "success")
    return redirect(url_for("agenda.index"))


@bp.route("/agenda/points/<id:point_id>/share", methods=["GET", "POST"])
def share(point_id: int):
    """Preview exactly what my manager will see of a point, then share it."""
    point = services.get_point_for(current_user, point_id, own=True)
    if request.method == "POST":
        try:
            services.share_point(current_user, point)
        except SharingError:
            flash(str(NO_MANAGER), "error")
            return redirect(url_for("sharing.index"))
        flash(_("The point is shared with your manager."), "success")
        return redirect(url_for("agenda.index"))
    return render_template(
        "agenda/share.html",
        point=point,
        link=services.accepted_link_of(current_user),
        shared=point.id in services.shares_of([point]),
    )


@bp.post("/agenda/points/<id:point_id>/unshare")
def unshare(point_id: int):
    """Stop sharing a point; it takes effect at once."""
    point = services.get_point_for(current_user, point_id, own=True)
    services.unshare_point(current_user, point)
    flash(_("The point is no longer shared. Your manager cannot see it any more."), "success")
    return redirect(url_for("agenda.index"))


@bp.post("/agenda/points/<id:point_id>/tick")
def tick(point_id: int):
    """Tick a point off in the conversation (or undo it)."""
    point = services.get_point_for(current_user, point_id)
    services.tick(current_user, point, request.form.get("done") == "1")
    return redirect(url_for("agenda.index") + f"#point-{point.id}")


@bp.post("/agenda/held")
def held():
    """The conversation was held: ticked points are filed under it, open ones carried over."""
    form = HeldForm()
    if not form.validate_on_submit():
        flash(" ".join(str(error) for error in form.held_on.errors), "error")
        return redirect(url_for("agenda.index"))
    meeting = services.hold_meeting(
        current_user,
        current_user.id,
        services.accepted_link_of(current_user),
        form.held_on.data,
    )
    flash(_("The conversation is recorded. Points not ticked off are carried over."), "success")
    return redirect(url_for("agenda.meeting", meeting_id=meeting.id))


@bp.route("/agenda/meetings/<id:meeting_id>", methods=["GET", "POST"])
def meeting(meeting_id: int):
    """A past conversation: the points ticked off, and my own notes (only I can read them)."""
    meeting = services.get_meeting_for(current_user, meeting_id)
    note = services.note_of(current_user, meeting)
    form = NoteForm(data={"body": note.body if note else ""})
    if form.validate_on_submit():
        services.save_note(current_user, meeting, form.body.data)
        flash(_("Your notes are saved. Only you can read them."), "success")
        return redirect(url_for("agenda.meeting", meeting_id=meeting.id))
    return render_template(
        "agenda/meeting.html",
        meeting=meeting,
        points=[
            services.SeenPoint(
                p.id, p.text, not p.by_manager, p.done_at, p.carried_over, p.created_at
            )
            for p in services.points_of_meeting(current_user, meeting)
        ],
        form=form,
        leader=None,
    )


# The manager's side ----------------------------------------------------------------------


def render_team_agenda(link, form: PointForm | None = None, notice: str | None = None):
    """A leader's agenda as their manager sees it: shared points and the manager's own.
    Every answer that shows it is a look, and the leader's log records it: a form answered
    with itself (an empty point, an expired form) shows the shared points too."""
    page = render_template(
        "agenda/team.html",
        link=link,
        leader=link.leader,
        points=services.agenda_for_manager(link),
        meetings=services.meetings_for_manager(link),
        form=form or PointForm(),
        held_form=HeldForm(held_on=today_for(current_user)),
        notice=notice,
    )
    services.record_agenda_view(current_user, link)
    return page


def reshow_manager_point(user, notice: str):
    """The manager's point that could not be added, in the form again (404 if the link is
    not the manager's)."""
    link = services.link_for_manager(user, posted_id("leader_id") or 0)
    return render_team_agenda(link, PointForm(formdata=request.form), notice)


MANAGER_POINT_RESCUE = Rescue(
    reshow=reshow_manager_point,
    form=lambda: PointForm(formdata=request.form),
    shown=("body",),
    lead=POINT_RESCUE.lead,
)


@bp.get("/team/<id:leader_id>/agenda")
def team_agenda(leader_id: int):
    """The points a leader shares for the next conversation, and mine; the leader's log
    records that I opened it."""
    link = services.link_for_manager(current_user, leader_id)
    return render_team_agenda(link)


@bp.post("/team/<id:leader_id>/agenda/points")
@keeps_text(MANAGER_POINT_RESCUE)
def team_add(leader_id: int):
    """Add a point of my own to the leader's agenda (the leader sees it, marked as mine)."""
    link = services.link_for_manager(current_user, leader_id)
    form = PointForm()
    if form.is_submitted() and room_for(form, leader_id):
        services.add_manager_point(current_user, link, form.body.data)
        flash(
            _("Your point is on the agenda. %(name)s can see it.", name=link.leader.name), "success"
        )
        return redirect(url_for("agenda.team_agenda", leader_id=leader_id))
    return render_team_agenda(link, form)


@bp.route("/team/<id:leader_id>/agenda/points/<id:point_id>/edit", methods=["GET", "POST"])
def team_edit(leader_id: int, point_id: int):
    """Change a point of my own."""
    link = services.link_for_manager(current_user, leader_id)
    point = services.get_point_for_manager(link, point_id, own=True)
    form = PointForm(data={"body": point.manager_body})
    if form.validate_on_submit():
        services.edit_manager_point(current_user, point, form.body.data)
        flash(_("The point is saved."), "success")
        return redirect(url_for("agenda.team_agenda", leader_id=leader_id))
    return render_template("agenda/edit.html", form=form, point=point, leader=link.leader)


@bp.post("/team/<id:leader_id>/agenda/points/<id:point_id>/delete")
def team_delete(leader_id: int, point_id: int):
    """Delete a point of my own."""
    link = services.link_for_manager(current_user, leader_id)
    point = services.get_point_for_manager(link, point_id, own=True)
    services.delete_point(current_user, point)
    flash(_("The point is deleted."), "success")
    return redirect(url_for("agenda.team_agenda", leader_id=leader_id))


@bp.post("/team/<id:leader_id>/agenda/points/<id:point_id>/tick")
def team_tick(leader_id: int, point_id: int):
    """Tick a shared point or my own off in the conversation (or undo it)."""
    link = services.link_for_manager(current_user, leader_id)
    point = services.get_point_for_manager(link, point_id)
    services.tick(current_user, point, request.form.get("done") == "1")
    return redirect(url_for("agenda.team_agenda", leader_id=leader_id) + f"#point-{point.id}")


@bp.post("/team/<id:leader_id>/agenda/held")
def team_held(leader_id: int):
    """The conversation was held (as the leader can record it too)."""
    link = services.link_for_manager(current_user, leader_id)
    form = HeldForm()
    if not form.validate_on_submit():
        flash(" ".join(str(error) for error in form.held_on.errors), "error")
        return redirect(url_for("agenda.team_agenda", leader_id=leader_id))
    meeting = services.hold_meeting(current_user, leader_id, link, form.held_on.data)
    flash(_("The conversation is recorded. Points not ticked off are carried over."), "success")
    return redirect(url_for("agenda.team_meeting", leader_id=leader_id, meeting_id=meeting.id))


@bp.route("/team/<id:leader_id>/agenda/meetings/<id:meeting_id>", methods=["GET", "POST"])
def team_meeting(leader_id: int, meeting_id: int):
    """A past conversation within my link: the points I may see that were ticked off, and
    my own notes, sealed with my own key (the leader never reads them). The leader's log
    records that I opened it, as for the agenda."""
    link = services.link_for_manager(current_user, leader_id)
    meeting = services.get_meeting_for_manager(link, meeting_id)
    note = services.note_of(current_user, meeting)
    form = NoteForm(data={"body": note.body if note else ""})
    if form.validate_on_submit():
        services.save_note(current_user, meeting, form.body.data)
        flash(_("Your notes are saved. Only you can read them."), "success")
        return redirect(url_for("agenda.team_meeting", leader_id=leader_id, meeting_id=meeting.id))
    page = render_template(
        "agenda/meeting.html",
        meeting=meeting,
        points=services.meeting_points_for_manager(link, meeting),
        form=form,
        leader=link.leader,
    )
    # A look at the leader's points, as the agenda is; a note refused shows them too.
    services.record_agenda_view(current_user, link)
    return page
