"""Sessions: list, read, tag, annotate and forget."""

from flask import jsonify
from flask_smorest import abort

from .. import journal, labels
from ..db import get_db
from ..schemas import (
    BulkTagResultSchema,
    BulkTagSchema,
    ForgetEverythingSchema,
    ForgottenSchema,
    SessionChangeSchema,
    SessionDetailSchema,
    SessionPageSchema,
    SessionQuerySchema,
    SessionSchema,
)
from .body import Blueprint

blp = Blueprint("sessions", __name__, url_prefix="/api/v1", description="Sessions")


# A listed session's keys, as SessionSchema dumps them. journal's sessions already have
# that shape, and marshmallow's dump of a page of 50 costs more than reading them: the
# list answers them as they are, keys picked (tests/test_sessions_api.py checks the two
# agree).
LISTED_FIELDS = tuple(SessionSchema().dump_fields)
_SIGNAL_FIELDS = ("name", "reason")


def listed(session):
    """A session as the list answers it (what SessionSchema().dump(session) gives)."""
    shown = {name: session[name] for name in LISTED_FIELDS if name in session}
    if shown.get("signals") is not None:
        shown["signals"] = [{k: sig[k] for k in _SIGNAL_FIELDS if k in sig}
                            for sig in shown["signals"]]
    return shown


def _not_found(session_id):
    abort(404, message=f"No session {session_id}.")


def page_of(db, query, leave_out=()):
    """The answer to a SessionQuerySchema query on `db`: a page of sessions, each without
    the fields `leave_out` names, and the cursor of the next."""
    try:
        sessions, next_cursor = journal.list_sessions(
            db, from_day=query.get("from_"), to_day=query.get("to"),
            site=query.get("site"), tag=query.get("tag"), signal=query.get("signal"),
            limit=query["limit"], most_signals=query["sort"] == "signals",
            cursor=query.get("cursor"), kind=query.get("kind"), q=query.get("q"),
            label=query.get("label"),
        )
    except journal.BadCursor:
        abort(422, message="Bad cursor.",
              errors={"query": {"cursor": ["Not a cursor from this server."]}})
    shown = [listed(s) for s in sessions]
    for s in shown:
        for name in leave_out:
            s.pop(name, None)
    return jsonify({"sessions": shown, "next_cursor": next_cursor})


@blp.route("/sessions")
@blp.arguments(SessionQuerySchema, location="query")
@blp.response(200, SessionPageSchema)
def list_sessions(query):
    """Sessions overlapping the local dates, newest first, a page at a time."""
    return page_of(get_db(), query)


@blp.route("/sessions", methods=["DELETE"])
@blp.arguments(ForgetEverythingSchema, location="query")
@blp.response(200, ForgottenSchema)
def forget_everything(query):
    """Forget every session (needs ?confirm=forget everything); says what went and what stayed.

    Deletes the sessions, their events, active time, tag history and a coach's notes on
    sessions. Keeps a coach's notes on weeks, imported journals, the token, backups, and
    the forgotten sessions' ids and times (re-sent events stay out; a tab still open goes
    on as a new session).
    """
    return journal.forget_everything(get_db())


@blp.route("/sessions/tag", methods=["POST"])
@blp.arguments(BulkTagSchema)
@blp.response(200, BulkTagResultSchema)
def tag_sessions(body):
    """Give many sessions one tag (or none) at once; unknown ids are skipped.

    With only_untagged, sessions that already have a tag keep it. Answers the previous
    tag of each session it changed, so that one undo can put them all back.
    """
    found, changed = journal.tag_sessions(get_db(), body["ids"], body["tag"],
                                          only_untagged=body["only_untagged"])
    return {"tagged": found,
            "changed": [{"id": sid, "previous": previous} for sid, previous in changed]}


@blp.route("/sessions/<uuid:session_id>")
@blp.response(200, SessionDetailSchema)
def get_session(session_id):
    """One session: totals, verdict, signals, tag history and the timeline of its events."""
    try:
        return journal.session_detail(get_db(), str(session_id))
    except journal.NotFound:
        _not_found(session_id)


@blp.route("/sessions/<uuid:session_id>", methods=["PATCH"])
@blp.arguments(SessionChangeSchema)
@blp.response(200, SessionSchema)
def change_session(changes, session_id):
    """Set the tag (real, busywork, unsure or null), the note, the outcome link or the labels."""
    try:
        return journal.change_session(get_db(), str(session_id), changes)
    except journal.NotFound:
        _not_found(session_id)
    except labels.BadLabels as error:
        abort(422, errors={"json": {"labels": [str(error)]}})


@blp.route("/sessions/<uuid:session_id>", methods=["DELETE"])
@blp.response(204)
def forget_session(session_id):
    """Forget a session, its events, tag history and a coach's notes on it.

    Its events sent again are ignored if made before it was forgotten; later ones (its
    tab still open) start a new session.
    """
    try:
        journal.forget_session(get_db(), str(session_id))
    except journal.NotFound:
        _not_found(session_id)
