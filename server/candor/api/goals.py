"""Weekly goals (GET, PUT /api/v1/settings/goals) and the popup's summary (GET /api/v1/summary)."""

from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields

from .. import goals
from ..db import get_db
from .body import Blueprint

blp = Blueprint("goals", __name__, url_prefix="/api/v1",
                description="Weekly goals, and the figures the extension's popup shows")


class _Fraction(fields.Float):
    """A JSON number from 0 to 1; a string such as "0.7" is refused, not read as one."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return goals.clean(attr, value)
        except goals.GoalError as error:
            raise ValidationError(str(error)) from None


def _goal(description):
    return _Fraction(allow_none=True, metadata={"description": description, "example": 0.7})


class WeeklyGoalsSchema(Schema):
    """The weekly goals, as fractions from 0 to 1; null for no goal."""

    value_ratio = _goal("The value ratio to reach each week (0.7 for 70%); null for none. "
                        "Left out of a PUT, it stays as it is")
    coverage = _goal("The share of active time to tag each week; null for none. Left out of "
                     "a PUT, it stays as it is")


@blp.route("/settings/goals")
@blp.response(200, WeeklyGoalsSchema)
def get_goals():
    """The weekly goals for the value ratio and coverage."""
    return goals.get_goals(get_db())


@blp.route("/settings/goals", methods=["PUT"])
@blp.arguments(WeeklyGoalsSchema)
@blp.response(200, WeeklyGoalsSchema)
def put_goals(body):
    """Set the weekly goals given (null clears one; one left out stays); answers all goals."""
    try:
        return goals.set_goals(get_db(), **body)
    except goals.GoalError as error:  # the schema checks the same; kept for a caller that skips it
        abort(422, message=str(error), errors={"json": {error.field: [str(error)]}})


class _Figures(Schema):
    value_ratio = fields.Float(allow_none=True, metadata={
        "description": "Real ÷ (real + busywork) active time; null when neither has any"})
    coverage = fields.Float(allow_none=True, metadata={
        "description": "Tagged ÷ all active time; null when there is no active time"})
    active_seconds = fields.Float()
    real_seconds = fields.Float()
    busywork_seconds = fields.Float()
    unsure_seconds = fields.Float()
    untagged_seconds = fields.Float()
    sessions = fields.Integer()


class _Day(_Figures):
    date = fields.Date(metadata={"description": "Today, in the journal's time zone"})


class _Week(_Figures):
    from_ = fields.Date(data_key="from", attribute="from", metadata={
        "description": "This week's Monday"})
    to = fields.Date(metadata={"description": "Today: the week so far"})


class _GoalsMet(Schema):
    value_ratio = fields.Boolean(allow_none=True)
    coverage = fields.Boolean(allow_none=True)


class SummarySchema(Schema):
    """Today, this week against the goals, and the sessions waiting for a verdict."""

    today = fields.Nested(_Day)
    this_week = fields.Nested(_Week)
    untagged_sessions = fields.Integer(metadata={
        "description": "Sessions waiting for a verdict: every untagged one, as the review "
                       "queue lists them"})
    goals = fields.Nested(WeeklyGoalsSchema)
    goals_met = fields.Nested(_GoalsMet, metadata={
        "description": "Whether this week reaches each goal, in whole percents; null without "
                       "a goal or a figure"})
    time_zone = fields.String(metadata={"description": "The zone of today and this week"})


@blp.route("/summary")
@blp.response(200, SummarySchema)
def summary():
    """What the extension's popup shows: today, this week against the goals, sessions to review."""
    return goals.summary(get_db())
