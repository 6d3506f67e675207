"""Hidden exercise data (checks, solutions, hints not revealed) never reaches a learner: every
page and API response about the twelve real tutorials and a learner's copies of them is searched
for each line of it. (The WebSocket side: test_redaction.py and test_live_grading.py.)"""

import html
import json
import re

import pytest

from campfire.tutorials import services
from campfire.tutorials.models import Exercise

from .conftest import browser_for

pytestmark = pytest.mark.django_db
JSON_SCRIPT = re.compile(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', re.S)


def strings(value):
    """Every string inside a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def texts(response) -> list[str]:
    """What a client can read in a response: the HTML as text plus every JSON inside it, or the JSON's strings."""
    body = response.content.decode()
    if response["Content-Type"].startswith("text/html"):
        return [html.unescape(body)] + [s for block in JSON_SCRIPT.findall(body) for s in strings(json.loads(block))]
    return list(strings(json.loads(body)))


def public_strings(tutorials) -> list[str]:
    return [s for t in tutorials for s in strings(t.current.cells)]


def needles(tutorials) -> list[str]:
    """Lines of checks, solutions and hints that no public cell contains (a starter may share a
    line like `def f(x):` with its solution; that line is not a secret)."""
    public = "\n".join(public_strings(tutorials))
    found = set()
    for exercise in Exercise.objects.filter(version__in=[t.current for t in tutorials]):
        for text in [exercise.check_source, exercise.solution, *exercise.hints]:
            found |= {line.strip() for line in text.splitlines() if len(line.strip()) >= 16 and line.strip() not in public}
    return sorted(found)


def leaks(responses, secret_lines) -> list[str]:
    found = []
    for name, response in responses:
        assert response.status_code in (200, 201), (name, response.status_code)
        readable = texts(response)
        found += [f"{name}: {line}" for line in secret_lines if any(line in text for text in readable)]
    return found


def test_no_page_or_api_response_contains_hidden_exercise_data(real_tutorials, alice, alice_api):
    secret_lines = needles(real_tutorials)
    assert len(secret_lines) > 300  # the search has something to find
    anonymous, browser = browser_for(None), browser_for(alice)
    responses = [("catalog (anonymous)", anonymous.get("/tutorials/")), ("catalog", browser.get("/tutorials/")),
                 ("api catalog", alice_api.get("/api/tutorials"))]
    for tutorial in real_tutorials:
        slug = tutorial.slug
        responses += [(f"{slug} page (anonymous)", anonymous.get(f"/tutorials/{slug}/")),
                      (f"{slug} api (anonymous)", anonymous.get(f"/api/tutorials/{slug}")),
                      (f"{slug} start", alice_api.post(f"/api/tutorials/{slug}/start"))]
        notebook = responses[-1][1].json()["notebook"]
        responses += [(f"{slug} page", browser.get(f"/tutorials/{slug}/")),
                      (f"{slug} api", alice_api.get(f"/api/tutorials/{slug}")),
                      (f"{slug} editor of my copy", browser.get(f"/notebooks/{notebook}/")),
                      (f"{slug} my copy's json", alice_api.get(f"/api/notebooks/{notebook}")),
                      (f"{slug} reset page", browser.get(f"/tutorials/copies/{notebook}/reset/"))]
        export = alice_api.get(f"/api/notebooks/{notebook}/ipynb")
        assert export["Content-Type"] == "application/x-ipynb+json"
        export["Content-Type"] = "application/json"
        responses.append((f"{slug} .ipynb export of my copy", export))
        for exercise in tutorial.current.exercises.all():
            responses.append((f"{slug} exercise {exercise.exercise_id}",
                              alice_api.get(f"/api/notebooks/{notebook}/exercises/{exercise.exercise_id}")))
    responses += [("my learning", browser.get("/learning/")), ("api learning", alice_api.get("/api/learning")),
                  ("my notebooks", browser.get("/notebooks/")), ("api my notebooks", alice_api.get("/api/notebooks"))]
    assert leaks(responses, secret_lines) == []


def test_the_search_finds_a_secret_where_there_is_one(real_tutorials, alice, alice_api):
    """The positive control: a revealed solution is found by the same search."""
    tutorial = real_tutorials[0]
    copy, _ = services.copy_start(tutorial=tutorial, user=alice)
    exercise = tutorial.current.exercises.first()
    tutorial.reveal_solution = "always"
    tutorial.save()
    revealed = alice_api.get(f"/api/notebooks/{copy.notebook_id}/exercises/{exercise.exercise_id}/solution")
    solution_lines = [line for line in needles([tutorial]) if line in exercise.solution]
    assert solution_lines and leaks([("solution", revealed)], solution_lines) == [f"solution: {line}" for line in solution_lines]


def test_the_copy_keeps_exercise_ids_and_titles_only(real_tutorials, alice):
    copy, _ = services.copy_start(tutorial=real_tutorials[3], user=alice)
    exercises = [c["metadata"]["campfire"]["exercise"] for c in copy.notebook.cells if "campfire" in c["metadata"]]
    assert [sorted(e) for e in exercises] == [["id", "title"]] * 3
    assert copy.notebook.metadata["campfire"]["tutorial"]["slug"] == "training-loop"
