"""/api/notebooks/{id}/complete and /inspect: Tab completion and Shift+Tab help from the notebook's
running kernel (execution/queries.py). Owner only, like runs. Async views: see queries.py."""

from uuid import UUID

from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from ninja import Router

from workers import query_protocol as qp

from campfire.execution import queries, selectors
from campfire.execution.schemas import CompleteOut, InspectIn, InspectOut, QueryIn
from campfire.notebooks.schemas import ErrorOut
from campfire.notebooks.selectors import notebook_get_owned

router = Router(tags=["execution"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut, 503: ErrorOut}


@sync_to_async
def _session_key(user, notebook_id: UUID) -> str | None:
    notebook = notebook_get_owned(notebook_id=notebook_id, user=user)
    session = selectors.session_get(notebook=notebook, user=user)
    return session.key if session is not None else None


async def _ask(request, notebook_id: UUID, kind: str, payload: QueryIn, detail_level: int = 0) -> dict:
    if payload.cursor_pos > len(payload.code):
        raise ValidationError(f"cursor_pos: {payload.cursor_pos} is past the end of the code ({len(payload.code)} code points)")
    key = await _session_key(request.auth, notebook_id)
    return await queries.kernel_query(user_id=request.auth.pk, session_key=key, kind=kind, code=payload.code,
                                      cursor_pos=payload.cursor_pos, detail_level=detail_level)


@router.post("/notebooks/{notebook_id}/complete", response={200: CompleteOut, **ERRORS})
async def complete(request, notebook_id: UUID, payload: QueryIn):
    """Completions at the cursor from the notebook's running kernel (names, attributes, keys, paths).
    No kernel, or a cell running: `status` says so and `matches` is empty (nothing is started)."""
    return await _ask(request, notebook_id, qp.COMPLETE, payload)


@router.post("/notebooks/{notebook_id}/inspect", response={200: InspectOut, **ERRORS})
async def inspect(request, notebook_id: UUID, payload: InspectIn):
    """Help for the name at the cursor (signature and docstring) from the notebook's running kernel."""
    return await _ask(request, notebook_id, qp.INSPECT, payload, payload.detail_level)
