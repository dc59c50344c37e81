"""Imported journals, side by side (the coach's view): read-only."""

from flask import current_app
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from .. import coach, report
from ..db import get_db
from ..schemas import (
    DateRangeSchema,
    SessionPageSchema,
    SessionQuerySchema,
    StatsQuerySchema,
    StatsSchema,
)
from .body import Blueprint
from .sessions import page_of

blp = Blueprint("journals", __name__, url_prefix="/api/v1", description="Imported journals")


class CoveredSchema(Schema):
    from_ = fields.String(data_key="from", attribute="from", allow_none=True,
                          metadata={"description": "YYYY-MM-DD, in the worker's time zone"})
    to = fields.String(allow_none=True,
                       metadata={"description": "YYYY-MM-DD, in the worker's time zone"})


class JournalFiguresSchema(Schema):
    name = fields.String()
    owner = fields.String()
    verified = fields.Boolean(metadata={"description": "False: it failed its integrity check"})
    covered = fields.Nested(CoveredSchema, metadata={
        "description": "The dates it covers: the range exported, else from its first session "
                       "to the day it was exported"})
    exported_at = fields.String(allow_none=True, metadata={
        "description": "When the worker exported it (the latest export imported)"})
    time_zone = fields.String(metadata={
        "description": "The worker's time zone: its days and weeks are days and weeks there"})
    value_ratio = fields.Float(allow_none=True)
    coverage = fields.Float(allow_none=True)
    active_seconds = fields.Float()
    sessions = fields.Integer()
    signals = fields.Dict(keys=fields.String(), values=fields.Integer(),
                          metadata={"description": "Sessions with each signal"})
    unreadable = fields.Boolean(metadata={
        "description": "True when the journal's file is missing or damaged (no figures then)"})


class JournalListSchema(Schema):
    journals = fields.List(fields.Nested(JournalFiguresSchema))


class JournalQuerySchema(DateRangeSchema):
    """The range of the figures, and the order of the journals."""

    sort = fields.String(load_default="owner", validate=validate.OneOf(tuple(coach.SORTS)),
                         metadata={"description": "The field to sort by (signals: their total)"})
    order = fields.String(load_default="asc", validate=validate.OneOf(("asc", "desc")))


@blp.route("/journals")
@blp.arguments(JournalQuerySchema, location="query")
@blp.response(200, JournalListSchema)
def list_journals(query):
    """Every imported journal's value ratio, coverage, active time and signals, side by side."""
    return {"journals": coach.side_by_side(get_db(), current_app.config["DATA_DIR"],
                                           query.get("from_"), query.get("to"), query["sort"],
                                           query["order"] == "desc")}


@blp.route("/journals/<string:name>/stats")
@blp.arguments(StatsQuerySchema, location="query")
@blp.response(200, StatsSchema)
def journal_stats(query, name):
    """One imported journal's stats, shaped like /api/v1/stats."""
    jdb = _journal_db(name)
    try:
        return report.stats(jdb, query.get("from_"), query.get("to"), query.get("group"))
    finally:
        jdb.close()


@blp.route("/journals/<string:name>/sessions")
@blp.arguments(SessionQuerySchema, location="query")
@blp.response(200, SessionPageSchema)
def journal_sessions(query, name):
    """One imported journal's sessions, newest first, filtered as /api/v1/sessions are.

    The same query parameters, a page at a time; `from` and `to` are dates in the
    worker's time zone (the journal's `time_zone`), not this machine's. `q` finds only
    what the export kept: nothing in titles (nor agent projects) or notes its owner left
    out. The sessions have no `machine`: an export doesn't say.
    """
    jdb = _journal_db(name)
    try:
        return page_of(jdb, query, leave_out=("machine",))
    finally:
        jdb.close()


class NoteSchema(Schema):
    """A coach's note on a session (its id) or a week (2026-W48); empty drops it."""

    kind = fields.String(required=True, validate=validate.OneOf(coach.NOTE_KINDS))
    key = fields.String(required=True, validate=validate.Length(1, 100))
    note = fields.String(required=True, validate=validate.Length(max=10_000))


class NoteOutSchema(NoteSchema):
    coach = fields.String(metadata={"description": "'' for your own notes as a coach"})
    at = fields.String()


class NotesSchema(Schema):
    notes = fields.List(fields.Nested(NoteOutSchema))


def _journal_db(name, writable=False):
    try:
        return coach.open_journal(get_db(), current_app.config["DATA_DIR"], name,
                                  writable=writable)
    except coach.UnknownJournal:
        abort(404, message=f"No imported journal {name!r}.")


@blp.route("/journals/<string:name>/notes")
@blp.response(200, NotesSchema)
def journal_notes(name):
    """Your notes, as a coach, on an imported journal's sessions and weeks."""
    jdb = _journal_db(name)
    try:
        return {"notes": coach.notes(jdb)}
    finally:
        jdb.close()


@blp.route("/journals/<string:name>/notes", methods=["PUT"])
@blp.arguments(NoteSchema)
@blp.response(200, NotesSchema)
def put_journal_note(body, name):
    """Keep a note on a session or a week of an imported journal (an empty note drops it)."""
    jdb = _journal_db(name, writable=True)  # the coach's notes live in its file
    try:
        coach.set_note(jdb, body["kind"], body["key"], body["note"])
        return {"notes": coach.notes(jdb)}
    finally:
        jdb.close()
