"""Rules: when a session's site, title, project or URL matches, add a label or suggest a tag."""

from flask_smorest import abort

from .. import rules
from ..db import get_db
from ..schemas import RuleListSchema, RulesAppliedSchema, RuleSchema
from .body import Blueprint

blp = Blueprint("rules", __name__, url_prefix="/api/v1", description="Labels and rules")


@blp.route("/rules")
@blp.response(200, RuleListSchema)
def list_rules():
    """Every rule, oldest first, with how many sessions each has matched."""
    return {"rules": rules.list_rules(get_db())}


@blp.route("/rules", methods=["POST"])
@blp.arguments(RuleSchema)
@blp.response(201, RuleSchema)
def add_rule(rule):
    """Keep a new rule; it applies to sessions as they end (POST /rules/apply for the past).

    A regular expression RE2 refuses (look-arounds, back-references, too big) is a 422
    naming `pattern`.
    """
    try:
        return rules.add_rule(get_db(), rule)
    except rules.BadRule as bad:
        abort(422, errors={"json": {bad.field: [str(bad)]}})


@blp.route("/rules/<int:rule_id>", methods=["DELETE"])
@blp.response(204)
def remove_rule(rule_id):
    """Delete a rule; the labels it added stay, the tags it suggested go."""
    try:
        rules.remove_rule(get_db(), rule_id)
    except rules.NotFound:
        abort(404, message=f"No rule {rule_id}.")


@blp.route("/rules/apply", methods=["POST"])
@blp.response(200, RulesAppliedSchema)
def apply_rules():
    """Apply every rule to every session already in the journal."""
    return rules.apply_to_past(get_db())
