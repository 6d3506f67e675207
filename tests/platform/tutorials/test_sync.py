"""manage.py sync_tutorials: idempotent, a version per content change, learners' copies kept,
broken tutorials refused with a message while the others load."""

import json

import pytest
from django.core.management import CommandError, call_command

from campfire.notebooks.models import Notebook
from campfire.tutorials import services
from campfire.tutorials.models import Exercise, Tutorial, TutorialCopy, TutorialVersion
from campfire.tutorials.sync import tutorials_sync

from .samples import SLUG, write_sample

pytestmark = pytest.mark.django_db


def snapshot():
    """Every row the sync writes, with every field: a second run must leave all of it as it was."""
    return [list(model.objects.order_by("pk").values()) for model in (Tutorial, TutorialVersion, Exercise)]


def test_the_twelve_real_tutorials_load_and_a_second_run_changes_nothing(real_tutorials, settings):
    assert [t.order for t in real_tutorials] == list(range(1, 13))
    assert all(t.current.exercises.count() >= 2 for t in real_tutorials)
    before = snapshot()
    results = tutorials_sync(path=settings.BASE_DIR / "tutorials")
    assert [r.outcome for r in results] == ["unchanged"] * 12
    assert snapshot() == before


def test_a_content_change_makes_a_new_version_and_keeps_copies_on_theirs(sample, sample_dir, alice):
    copy, created = services.copy_start(tutorial=sample, user=alice)
    v1 = sample.current
    write_sample(sample_dir, version=2, intro="Triple, then shout louder.")
    [result] = tutorials_sync(path=sample_dir)
    assert (result.outcome, result.version) == ("updated", 2)
    sample.refresh_from_db()
    assert sample.current.number == 2 and sample.versions.count() == 2
    assert "shout louder" in sample.current.cells[0]["source"] and "shout louder" not in v1.cells[0]["source"]
    copy.refresh_from_db()
    assert created and copy.version == v1  # the learner's copy still points at version 1
    assert TutorialCopy.objects.get(pk=copy.pk).notebook.cells[0]["source"] == v1.cells[0]["source"]
    # Starting again offers the new version as a new copy; the old one stays.
    newer, created_again = services.copy_start(tutorial=sample, user=alice)
    assert created_again and newer.version.number == 2 and TutorialCopy.objects.filter(learner=alice).count() == 2
    assert [r.outcome for r in tutorials_sync(path=sample_dir)] == ["unchanged"]


def test_new_content_under_a_loaded_version_number_is_refused(sample, sample_dir):
    before = snapshot()
    write_sample(sample_dir, intro="Changed without a version bump.")
    [result] = tutorials_sync(path=sample_dir)
    assert result.outcome == "refused"
    assert "content changed since version 1 was loaded; bump metadata.campfire.tutorial.version" in result.problems[0]
    assert snapshot() == before


def test_an_older_version_number_is_refused(sample, sample_dir):
    write_sample(sample_dir, version=3, intro="v3")
    tutorials_sync(path=sample_dir)
    write_sample(sample_dir, version=2, intro="v2")
    [result] = tutorials_sync(path=sample_dir)
    assert result.outcome == "refused" and "version 2 is older than the loaded version 3" in result.problems[0]
    assert Tutorial.objects.get(slug=SLUG).current.number == 3


def test_a_broken_tutorial_is_refused_with_its_problems_and_the_others_load(tmp_path):
    folder = tmp_path / "tutorials"
    write_sample(folder)
    write_sample(folder, order=91, slug="second-sample")
    broken = json.loads((folder / "91-second-sample.ipynb").read_text())
    del broken["metadata"]["campfire"]["tutorial"]["minutes"]
    broken["cells"][3]["metadata"]["campfire"]["exercise"]["check"] = "assert (("
    (folder / "91-second-sample.ipynb").write_text(json.dumps(broken))
    (folder / "92-not-json.ipynb").write_text("{oops")
    results = {r.filename: r for r in tutorials_sync(path=folder)}
    assert results["90-sample-checks.ipynb"].outcome == "created"
    refused = results["91-second-sample.ipynb"]
    assert refused.outcome == "refused"
    assert "tutorial metadata lacks 'minutes'" in refused.problems
    assert any("exercise 'triple' check does not compile" in p for p in refused.problems)
    assert results["92-not-json.ipynb"].outcome == "refused" and "not valid JSON" in results["92-not-json.ipynb"].problems[0]
    assert list(Tutorial.objects.values_list("slug", flat=True)) == [SLUG]


def test_collection_problems_refuse_only_the_tutorials_they_concern(tmp_path):
    folder = tmp_path / "tutorials"
    write_sample(folder)
    write_sample(folder, order=91, slug="needs-missing", prerequisites=["no-such-tutorial"])
    write_sample(folder, order=92, slug="needs-sample", prerequisites=[SLUG])
    results = {r.slug or r.filename: r for r in tutorials_sync(path=folder)}
    assert results[SLUG].outcome == "created" and results["needs-sample"].outcome == "created"
    refused = results["91-needs-missing.ipynb"]
    assert refused.outcome == "refused" and refused.problems == ["needs-missing: prerequisite 'no-such-tutorial' is not a tutorial"]


def test_a_prerequisite_loaded_earlier_from_elsewhere_counts(sample, tmp_path):
    other = tmp_path / "more"
    write_sample(other, order=93, slug="after-sample", prerequisites=[SLUG])
    assert [r.outcome for r in tutorials_sync(path=other)] == ["created"]


def test_a_platform_rule_the_format_does_not_cover_is_enforced_too(tmp_path):
    folder = tmp_path / "tutorials"
    path = write_sample(folder)
    nb = json.loads(path.read_text())
    nb["cells"][1]["id"] = "bad id with spaces"  # nbformat's id schema, not the tutorial format's
    path.write_text(json.dumps(nb))
    [result] = tutorials_sync(path=folder)
    assert result.outcome == "refused" and "id" in result.problems[0]
    assert not Tutorial.objects.exists()


def test_the_command_reports_each_file_and_fails_when_one_is_refused(sample_dir, capsys):
    call_command("sync_tutorials", "--path", str(sample_dir))
    out = capsys.readouterr().out
    assert f"90-sample-checks.ipynb: loaded v1 ({SLUG})" in out and "1 loaded, 0 updated, 0 unchanged, 0 refused" in out
    call_command("sync_tutorials", "--path", str(sample_dir))
    out = capsys.readouterr().out
    assert "sample-checks" not in out and "0 loaded, 0 updated, 1 unchanged, 0 refused" in out
    call_command("sync_tutorials", "--path", str(sample_dir), verbosity=2)
    assert "90-sample-checks.ipynb: unchanged, v1" in capsys.readouterr().out
    write_sample(sample_dir, order=91, slug="needs-missing", prerequisites=["nowhere"])
    with pytest.raises(CommandError, match=r"1 tutorial\(s\) refused: 91-needs-missing.ipynb \(the others were loaded\)"):
        call_command("sync_tutorials", "--path", str(sample_dir))
    assert "prerequisite 'nowhere' is not a tutorial" in capsys.readouterr().err
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("sync_tutorials", "--path", str(sample_dir / "nope"))


def test_removing_a_file_keeps_the_tutorial_and_its_copies(sample, sample_dir, alice):
    copy, _ = services.copy_start(tutorial=sample, user=alice)
    (sample_dir / "90-sample-checks.ipynb").unlink()
    write_sample(sample_dir, order=91, slug="another")
    tutorials_sync(path=sample_dir)
    assert Tutorial.objects.filter(slug=SLUG).exists() and Notebook.objects.filter(pk=copy.notebook_id).exists()
