"""Read JSON request bodies strictly, for our views and for flask-smorest's arguments."""

import flask_smorest
from flask import request
from flask_smorest import abort
from webargs.flaskparser import FlaskParser

from ..schemas import BadJSON, parse_json

_CACHE = "candor.json_body"


def read_json():
    """The request's JSON body, parsed once, strictly (400 if it isn't JSON, 413 if too big)."""
    if _CACHE not in request.environ:
        try:
            request.environ[_CACHE] = parse_json(request.get_data(cache=True))
        except BadJSON as error:
            abort(400, message=str(error))
    return request.environ[_CACHE]


class StrictParser(FlaskParser):
    """webargs' parser, reading bodies through read_json (no NaN, no stack overflow)."""

    def _raw_load_json(self, req):
        return read_json()


class Blueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose arguments are parsed strictly."""

    ARGUMENTS_PARSER = StrictParser()
