"""The API's request parser: JSON bodies must be JSON objects sent as application/json, without a
key given twice, and every text the API receives (body, query and form fields) must be storable
(campfire/jsonsafety.py).

ninja turns any exception of `parse_body` into a 400 "Cannot parse request body"; the API's
HttpError handler (campfire/api.py) answers with the BodyRejected message and status instead.
"""

import json

from ninja.parser import Parser

from campfire.jsonsafety import UnstorableJSON, check_storable, refuse_constant, unique_keys


class BodyRejected(ValueError):
    """A request body or field the API refuses; `status` is the HTTP answer (400 or 415)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


_JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean", type(None): "null"}


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or (content_type.startswith("application/") and content_type.endswith("+json"))


class JsonObjectParser(Parser):
    def parse_body(self, request):
        if not _is_json(request.content_type or ""):
            raise BodyRejected(f"the body must be JSON sent with Content-Type: application/json (got {request.content_type or 'none'!r})", 415)
        try:
            data = json.loads(request.body, parse_constant=refuse_constant, object_pairs_hook=unique_keys)
        except UnstorableJSON as error:
            raise BodyRejected(f"the body is not valid JSON: {error}") from None
        except RecursionError:
            raise BodyRejected("the body is not valid JSON: nested too deeply") from None
        except ValueError as error:  # JSONDecodeError, or bytes that are not UTF-8/16/32
            raise BodyRejected(f"the body is not valid JSON: {error}") from None
        if not isinstance(data, dict):
            raise BodyRejected(f"the body must be a JSON object, not {_JSON_TYPES.get(type(data), 'that')}")
        try:
            check_storable(data)
        except UnstorableJSON as error:
            raise BodyRejected(str(error)) from None
        return data

    def parse_querydict(self, data, list_fields, request):
        try:
            for key, values in data.lists():
                check_storable(key, "a field name")
                for value in values:
                    if isinstance(value, str):
                        check_storable(value, key)
        except UnstorableJSON as error:
            raise BodyRejected(str(error)) from None
        return super().parse_querydict(data, list_fields, request)
