"""Sharing views: my manager and the log (leader), my leaders (manager), shares, comments."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from journal.framework import current_framework
from journal.goals import services as goals
from journal.goals.progress import shared_chart
from journal.goals.shared_copy import as_shared, preview_of
from journal.i18n import today_for
from journal.notifications import in_app
from journal.redirects import safe_next
from journal.sharing import services
from journal.sharing.forms import CommentForm, LinkRequestForm, ShareForm

bp = Blueprint("sharing", __name__)


@bp.app_template_global()
def sharing_of_goal(goal) -> tuple:
    """For the leader's own goal page (goals/view.html; `goals` stands below sharing and
    does not import it): the goal's share, the link that names its manager (only a shared
    goal names one), and the comments on it."""
    share = services.share_of(goal)
    manager_link = services.open_link_of(current_user) if share else None
    return share, manager_link, services.comments_on(goal)


REFUSALS = {
    "self": lambda: _("You cannot be your own manager."),
    "already_linked": lambda: _("You already have a manager, or a request waiting. End it first."),
    "no_manager": lambda: _("Link to your manager first; then you can share goals."),
}


@bp.app_context_processor
def team_menu() -> dict:
    """Whether the header shows Team (only to people someone has linked to as manager), and
    `team_news()`, whether it is marked as having news (asked only where the menu shows)."""
    if not current_user.is_authenticated:
        return {"is_manager": False, "team_news": lambda: False}
    user = current_user._get_current_object()
    return {
        "is_manager": services.is_manager(user),
        "team_news": lambda: in_app.has_news(user, in_app.TEAM),
    }


def shared_view(goal, check_ins, *, include_notes: bool, link_id: int | None) -> dict:
    """What a manager sees of a shared goal (`goal` a `SharedGoal`): its text, tasks, status,
    ratings; notes only if the leader chose so; the comments made within the manager's link.
    Nothing of the journal: no reflections, counts or streaks."""
    return {
        "goal": goal,
        "include_notes": include_notes,
        "check_ins": check_ins,
        "chart": shared_chart(goal, check_ins, today_for(current_user)),
        "comments": services.comments_within(goal.id, link_id),
        "framework": current_framework(),
    }


def manager_view(goal, share) -> dict:
    """A shared goal as its manager sees it: read from the share's copy only (the manager's
    request has no key to the leader's goal, and needs none)."""
    return shared_view(
        as_shared(goal, share),
        services.shared_check_ins(share),
        include_notes=share.include_notes,
        link_id=share.link_id,
    )


# The leader's side -------------------------------------------------------------------------


def render_sharing(form: LinkRequestForm):
    """The leader's sharing page, with the request form as given (fresh or with errors)."""
    link = services.open_link_of(current_user)
    return render_template(
        "sharing/index.html",
        link=link,
        shared=services.shared_goals_of(link) if link else [],
        events=services.sharing_log(current_user),
        form=form,
        # The request is mailed only where mail is set up; the page must not promise a mail.
        sends_mail=bool(current_app.config.get("MAIL_HOST")),
    )


@bp.get("/sharing/")
def index():
    """My manager: the link, how to request one, what is shared, and the log. Opening it
    reads the news of my manager's answers (before anything is loaded)."""
    in_app.mark_read(current_user, in_app.ANSWERS + in_app.PROPOSALS)
    return render_sharing(LinkRequestForm())


@bp.post("/sharing/request")
def request_link():
    """Name my manager by email; whoever has that address sees the request and accepts or
    declines it. The answer is the same whether or not an account has it."""
    form = LinkRequestForm()
    if form.validate_on_submit():
        try:
            link = services.request_link(current_user, form.email.data)
        except services.SharingError as refusal:
            form.email.errors.append(REFUSALS[refusal.code]())
        else:
            flash(
                _(
                    "Your request is sent to %(email)s. When they log in, they can accept it.",
                    email=link.manager_email,
                ),
                "success",
            )
            return redirect(url_for("sharing.index"))
    return render_sharing(form)


@bp.post("/sharing/links/<id:link_id>/<any(confirm, decline):answer>")
def answer_proposal(link_id: int, answer: str):
    """Confirm the manager an administrator proposed (they then get my request to accept)
    or decline it (they never hear of it)."""
    link = services.get_proposal_for(current_user, link_id)
    try:
        services.answer_proposal(current_user, link, confirm=answer == "confirm")
    except services.SharingError as refusal:
        flash(REFUSALS[refusal.code](), "error")
    else:
        flash(
            _(
                "Your request is sent to %(email)s. When they log in, they can accept it.",
                email=link.manager_email,
            )
            if answer == "confirm"
            else _("The proposal is declined. Nobody else is told."),
            "success",
        )
    return redirect(url_for("sharing.index"))


@bp.post("/sharing/links/<id:link_id>/end")
def end_as_leader(link_id: int):
    """End the link to my manager (or withdraw my request)."""
    services.end_link(services.get_link_for(current_user, link_id, as_manager=False), current_user)
    flash(_("The link is ended. Your manager no longer sees any of your goals."), "success")
    return redirect(url_for("sharing.index"))


@bp.route("/goals/<id:goal_id>/share", methods=["GET", "POST"])
def share(goal_id: int):
    """Preview exactly what my manager will see, and share (or change the notes setting)."""
    goal = goals.get_goal_for(current_user, goal_id)
    current = services.share_of(goal)
    form = ShareForm(include_notes=getattr(current, "include_notes", False))
    if form.validate_on_submit():
        try:
            services.share(current_user, goal, include_notes=form.include_notes.data)
        except services.SharingError as refusal:
            flash(REFUSALS[refusal.code](), "error")
            return redirect(url_for("sharing.index"))
        flash(_("The goal is shared with your manager."), "success")
        return redirect(url_for("goals.view", goal_id=goal.id))
    link = services.open_link_of(current_user)
    # Without a choice in the URL, the preview shows the notes as they are shared now.
    notes_shown = request.args.get("notes", "1" if form.include_notes.data else "0") == "1"
    shared, check_ins = preview_of(current_user, goal, include_notes=notes_shown)
    return render_template(
        "sharing/preview.html",
        form=form,
        link=link,
        current=current,
        notes_shown=notes_shown,
        **shared_view(
            shared,
            check_ins,
            include_notes=notes_shown,
            link_id=link.id if link is not None and link.status == "accepted" else None,
        ),
    )


@bp.post("/goals/<id:goal_id>/unshare")
def unshare(goal_id: int):
    """Stop sharing a goal; it takes effect at once."""
    goal = goals.get_goal_for(current_user, goal_id)
    services.unshare(current_user, goal)
    flash(_("The goal is no longer shared. Your manager cannot open it any more."), "success")
    return redirect(url_for("goals.view", goal_id=goal.id))


@bp.post("/goals/<id:goal_id>/comments")
def reply(goal_id: int):
    """The leader replies to the comments on their own goal."""
    goal = goals.get_goal_for(current_user, goal_id)
    form = CommentForm()
    if form.validate_on_submit():
        services.add_comment(current_user, goal, form.body.data)
        flash(_("Your comment is saved."), "success")
    else:
        flash(" ".join(str(error) for error in form.body.errors), "error")
    return redirect(url_for("goals.view", goal_id=goal.id) + "#comments")


@bp.post("/comments/<id:comment_id>/delete")
def delete_comment(comment_id: int):
    """Delete one's own comment (leader or manager)."""
    comment = services.get_own_comment(current_user, comment_id)
    goal = comment.goal_id
    services.delete_comment(current_user, comment)
    flash(_("Your comment is deleted."), "success")
    return redirect(safe_next(request.form.get("next"), url_for("goals.view", goal_id=goal)))


# The manager's side ------------------------------------------------------------------------


@bp.get("/team/")
def team():
    """My leaders: requests waiting for an answer, and each leader's shared goals, those
    with news marked. Opening it reads the news of requests (before anything is loaded)."""
    in_app.mark_read(current_user, in_app.REQUESTS)
    links = services.links_as_manager(current_user, "pending", "accepted")
    accepted = [link for link in links if link.status == "accepted"]
    shared = services.shared_goals_by_link(accepted)
    leaders = [(link, shared[link.id]) for link in accepted]
    check_ins = goals.check_in_rows([goal.id for _, shared in leaders for goal in shared])
    return render_template(
        "sharing/team.html",
        pending=[link for link in links if link.status == "pending"],
        leaders=leaders,
        check_ins=check_ins,
        goal_news=in_app.goals_with_news(current_user),
    )


@bp.post("/team/requests/<id:link_id>/<any(accept, decline):answer>")
def answer(link_id: int, answer: str):
    """Accept or decline a leader's request."""
    link = services.get_link_for(current_user, link_id, as_manager=True)
    services.respond(current_user, link, accept=answer == "accept")
    flash(
        _("You are now linked.") if answer == "accept" else _("The request is declined."), "success"
    )
    return redirect(url_for("sharing.team"))


@bp.post("/team/links/<id:link_id>/end")
def end_as_manager(link_id: int):
    """End the link to a leader."""
    services.end_link(services.get_link_for(current_user, link_id, as_manager=True), current_user)
    flash(_("The link is ended."), "success")
    return redirect(url_for("sharing.team"))


@bp.get("/team/<id:leader_id>/goals/<id:goal_id>")
def shared_goal(leader_id: int, goal_id: int):
    """A goal a leader shares with me; the leader's log records that I opened it. Opening
    it reads my news about it (before anything is loaded; only news of a goal shared with
    me is ever shown, so reading it for a goal that is not costs nothing)."""
    in_app.mark_read(current_user, in_app.SHARED_GOAL, goal_id=goal_id)
    goal, share = services.shared_goal_for_manager(current_user, leader_id, goal_id)
    page = render_template(
        "sharing/shared_goal.html",
        form=CommentForm(),
        leader=goal.owner,
        **manager_view(goal, share),
    )
    # Recorded once the page is ready: the commit expires every loaded object, and reloading
    # them one by one for the page would cost a query each.
    services.record_view(current_user, goal)
    return page


@bp.post("/team/<id:leader_id>/goals/<id:goal_id>/comments")
def comment(leader_id: int, goal_id: int):
    """Comment on a shared goal: feedback in a learning perspective."""
    goal, share = services.shared_goal_for_manager(current_user, leader_id, goal_id)
    form = CommentForm()
    if form.validate_on_submit():
        services.add_comment(current_user, goal, form.body.data)
        flash(_("Your comment is saved."), "success")
        return redirect(url_for("sharing.shared_goal", leader_id=leader_id, goal_id=goal_id))
    return render_template(
        "sharing/shared_goal.html", form=form, leader=goal.owner, **manager_view(goal, share)
    )
