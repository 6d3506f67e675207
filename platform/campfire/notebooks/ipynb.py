"""Reading uploaded .ipynb files and writing notebooks back as nbformat 4.5.

Reading is strict and explains itself: each refusal is a NotebookImportError whose message
says what is wrong (encoding, JSON, not a notebook, unsupported version, schema), because the
person uploading it needs to know what to fix.
"""

import json
import re
import warnings

import nbformat
from django.conf import settings
from nbformat.validator import ValidationError as SchemaError

from campfire.jsonsafety import UnstorableJSON, check_storable, refuse_constant
from campfire.notebooks.exceptions import NotebookImportError

SUPPORTED_MINORS = range(0, 6)  # nbformat 4.0–4.5 (4.5 adds cell ids)
EXECUTION_COUNT_MAX = 2**31 - 1  # stored as a PostgreSQL integer
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _schema_message(error: SchemaError) -> str:
    path = "/".join(str(part) for part in getattr(error, "absolute_path", []) or [])
    first_line = str(getattr(error, "message", None) or error).splitlines()[0][:300]
    return f"{first_line} (at /{path})" if path else first_line


def _validate(nb, version: int, minor: int) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(nb, version=version, version_minor=minor)
    except SchemaError as error:
        raise NotebookImportError(
            f"not a valid nbformat {version}.{minor} notebook: {_schema_message(error)}"
        ) from None
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        # nbformat's normaliser indexes fields before the schema check: a structural gap.
        raise NotebookImportError(
            f"not a valid nbformat {version}.{minor} notebook: missing or malformed {error}"
        ) from None


def parse_ipynb(data: bytes):
    """Bytes of an uploaded file → a validated nbformat 4.5 NotebookNode with unique cell ids."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise NotebookImportError(f"the file is not UTF-8 text (invalid byte at position {error.start})") from None
    try:
        raw = json.loads(text, parse_constant=refuse_constant)
        check_storable(raw)
    except json.JSONDecodeError as error:
        raise NotebookImportError(f"the file is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    except RecursionError:
        raise NotebookImportError("the file is not valid JSON: nested too deeply") from None
    except UnstorableJSON as error:
        raise NotebookImportError(f"the file cannot be imported: {error}") from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise NotebookImportError("the file is JSON but not a Jupyter notebook (no 'nbformat' field)")
    if isinstance(raw.get("cells"), list) and len(raw["cells"]) > settings.CAMPFIRE_MAX_CELLS:  # before validating each
        raise NotebookImportError(f"a notebook has at most {settings.CAMPFIRE_MAX_CELLS} cells (this one has {len(raw['cells'])})")
    version, minor = raw.get("nbformat"), raw.get("nbformat_minor", 0)
    if not all(isinstance(number, int) and not isinstance(number, bool) for number in (version, minor)):
        raise NotebookImportError("'nbformat' and 'nbformat_minor' must be integers")

    nb = nbformat.from_dict(raw)
    if version == 3:
        _validate(nb, 3, 0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nb = nbformat.convert(nb, 4)
        except Exception as error:  # conversion of a schema-valid v3 file should not fail
            raise NotebookImportError(f"could not convert this nbformat 3 notebook: {error}") from None
    elif version == 4:
        if minor not in SUPPORTED_MINORS:
            raise NotebookImportError(f"nbformat 4.{minor} is not supported (4.0–4.5 are)")
        _validate(nb, 4, minor)
        if minor < 5:
            nb = nbformat.v4.upgrade(nb, from_version=4, from_minor=minor)
    else:
        raise NotebookImportError(f"nbformat {version} is not supported (versions 3 and 4 are)")

    # 4.5 files written by older tools may lack ids or repeat them: give those cells fresh ones.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nbformat.validator.normalize(nb, 4, 5)
        _repair_cell_ids(nb)
    _validate(nb, 4, 5)
    _check_execution_counts(nb)
    return nb


def _check_execution_counts(nb) -> None:
    for index, cell in enumerate(nb.cells):
        count = cell.get("execution_count")
        if isinstance(count, int) and count > EXECUTION_COUNT_MAX:
            raise NotebookImportError(f"cells.{index}.execution_count: {count} is too large (at most {EXECUTION_COUNT_MAX})")


def _repair_cell_ids(nb) -> None:
    seen = set()
    for cell in nb.cells:
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = nbformat.v4.new_code_cell().id
        seen.add(cell["id"])


def to_ipynb(*, metadata: dict, cells: list[dict]):
    """Build a nbformat 4.5 NotebookNode from the contract's cell dicts (with outputs)."""
    nb_cells = []
    for cell in cells:
        out = {"id": cell["id"], "cell_type": cell["cell_type"], "metadata": cell["metadata"], "source": cell["source"]}
        if cell["cell_type"] == "code":
            out["outputs"] = cell.get("outputs", [])
            out["execution_count"] = cell.get("execution_count")
        elif "attachments" in cell:
            out["attachments"] = cell["attachments"]
        nb_cells.append(out)
    return nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": nb_cells})


def write_ipynb(nb) -> str:
    return nbformat.writes(nb, version=4)


def download_name(title: str) -> str:
    """The export's file name: the title without control characters, which no HTTP header may
    carry (uvicorn refuses to send such a response: the export would be a 500)."""
    return (_CONTROL.sub("", title).strip() or "notebook") + ".ipynb"
