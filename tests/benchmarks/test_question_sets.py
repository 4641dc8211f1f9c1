"""The benchmark's question sets are sound: listed, loadable, and their evidence is in the notices."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.eval_set import evidence_hit, load_eval
from benchmarks.qa_sets import BENCHMARKS, SETS_FILE, QuestionSets, new_notice_corpus
from knowledge import load_notices

SHARED_NOTICES = Path(__file__).resolve().parents[3] / "shared" / "notices"


@pytest.fixture(scope="module")
def notice_texts(tmp_path_factory) -> dict[str, dict[str, str]]:
    """The normalised texts of each corpus a set can ask about."""
    if not (SHARED_NOTICES / "catalog.yaml").is_file():
        pytest.skip(f"sample notices not found at {SHARED_NOTICES}")
    folders = {"sample": SHARED_NOTICES}
    for corpus in sorted({qs.corpus for qs in QuestionSets.load().sets} - {"sample"}):
        target = tmp_path_factory.mktemp(corpus)
        folders[corpus] = new_notice_corpus(SHARED_NOTICES, target, BENCHMARKS / corpus)
    texts = {}
    for corpus, folder in folders.items():
        loaded, _skipped = load_notices(folder)
        texts[corpus] = {path.name: text for path, _meta, text in loaded}
    return texts


def test_every_set_in_the_folder_is_listed_once():
    listed = [qs.file for qs in QuestionSets.load().sets if qs.status != "public"]
    on_disk = sorted(path.name for path in SETS_FILE.parent.glob("qa_*.jsonl"))
    assert sorted(listed) == on_disk and len(set(listed)) == len(listed)


def test_every_answerable_question_has_its_evidence_in_the_notices(notice_texts):
    for question_set in QuestionSets.load().sets:
        if not question_set.path.is_file():
            continue  # the public set lives beside the repository
        texts = notice_texts[question_set.corpus]
        for item in load_eval(question_set.path):
            if item.answerable:
                assert item.source_file in texts, (question_set.file, item.id)
                assert evidence_hit(item, texts[item.source_file], item.source_file), (
                    question_set.file,
                    item.id,
                )
            else:
                assert not item.must_contain and item.source_file is None, (question_set.file, item.id)
