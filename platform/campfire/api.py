"""The REST API (django-ninja): one NinjaAPI, routers from each app, JSON errors everywhere.

Every 4xx is `{"detail": "..."}`; ninja's 422 for invalid input becomes a 400 whose message
names the field.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from campfire.accounts.auth import SIGNED_IN
from campfire.execution.api import router as execution_router
from campfire.execution.queries import TooManyQueries
from campfire.execution.queries_api import router as queries_router
from campfire.execution.selectors import execution_detail
from campfire.execution.services import CapReached, ExecutionUnavailable, RunConflict
from campfire.jsonbody import BodyRejected, JsonObjectParser
from campfire.notebooks.api import router as notebooks_router
from campfire.notebooks.exceptions import NotebookImportError, VersionConflict
from campfire.notebooks.selectors import notebook_detail
from campfire.tutorials.api import router as tutorials_router

api = NinjaAPI(
    title="Campfire API",
    version="1",
    description="Notebooks, import/export, markdown rendering, live execution (run cells, kernel "
    "commands, completion and help from the running kernel, runtimes (CPU/GPU), clean runs of a whole notebook in a fresh kernel; outputs stream over the "
    "WebSockets ws/notebooks/{id}/ and ws/runs/{id}/) and tutorials (catalog, copies, "
    "exercise checks, hints, solutions, progress). Authenticate with a session "
    "(plus the X-CSRFToken header on writes) or `Authorization: Bearer <token>` "
    "(create tokens at /accounts/tokens/).",
    auth=SIGNED_IN,
    parser=JsonObjectParser(),
    urls_namespace="api",
    # Swagger UI (served from ninja's bundled static files, no CDN) sets inline style attributes.
    docs_decorator=csp_replace({"style-src": [SELF, UNSAFE_INLINE]}),
)
api.add_router("/", notebooks_router)
api.add_router("/", execution_router)
api.add_router("/", queries_router)
api.add_router("/", tutorials_router)


def _detail(request, message, status, **extra):
    return api.create_response(request, {"detail": message, **extra}, status=status)


def _field_message(error: dict) -> str:
    # loc is like ["body", "payload", "cells", 0, "cell_type"]: keep what names the field.
    loc = [str(part) for part in error.get("loc", [])]
    if loc and loc[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
        loc = loc[1:]
    if loc and loc[0] == "payload":
        loc = loc[1:]
    field = ".".join(loc) or "the request body"
    return f"{field}: {error.get('msg', 'invalid value')}"


@api.exception_handler(NinjaValidationError)
def on_invalid_input(request, exc):
    return _detail(request, "; ".join(_field_message(error) for error in exc.errors[:5]), 400)


@api.exception_handler(BodyRejected)
def on_bad_body(request, exc):
    return _detail(request, str(exc), exc.status)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    # ninja wraps what the parser raises in HttpError(400, "Cannot parse request body").
    if isinstance(exc.__cause__, BodyRejected):
        return on_bad_body(request, exc.__cause__)
    return _detail(request, str(exc), exc.status_code)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    message = exc.message if exc.message != "Unauthorized" else "authentication required: sign in, or send Authorization: Bearer <token>"
    return _detail(request, message, 401)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _detail(request, str(exc) or "not found", 404)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return _detail(request, str(exc) or "permission denied", 403)


@api.exception_handler(ValidationError)
def on_rejected(request, exc):
    return _detail(request, "; ".join(exc.messages), 400)


@api.exception_handler(NotebookImportError)
def on_bad_import(request, exc):
    return _detail(request, str(exc), 400)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return _detail(request, "request body too large", 400)


@api.exception_handler(VersionConflict)
def on_conflict(request, exc):
    return _detail(request, str(exc), 409, current=notebook_detail(notebook=exc.current))


@api.exception_handler(RunConflict)
def on_run_conflict(request, exc):
    return _detail(request, str(exc), 409, execution=execution_detail(execution=exc.execution) if exc.execution else None)


@api.exception_handler(CapReached)
def on_cap(request, exc):
    return _detail(request, str(exc), 429, kernels=exc.kernels)


@api.exception_handler(TooManyQueries)
def on_too_many_queries(request, exc):
    return _detail(request, str(exc), 429)


@api.exception_handler(ExecutionUnavailable)
def on_unavailable(request, exc):
    return _detail(request, str(exc), 503)
