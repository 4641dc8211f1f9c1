"""The blind-set checker catches the slips a set author makes before a set is ever measured."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.check_blind_sets import check_set, main

NOTICE = (
    "关于开展2030年度某市服务之星活动的通知\n申报截止时间：2030年9月1日。\n联系人：王某  电话：12345678\n"
)


def _record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "t-001",
        "question": "截止到哪天？",
        "answerable": True,
        "answer": "2030年9月1日",
        "source_file": "notice.txt",
        "evidence": "申报截止时间：2030年9月1日",
        "alt_evidence": [],
        "must_contain": [["9月1日"]],
        "scope": "某市/2030",
        "tags": [],
    }
    record.update(changes)
    return record


def _write_set(tmp_path: Path, *records: dict[str, object]) -> tuple[Path, Path]:
    corpus = tmp_path / "notices"
    corpus.mkdir()
    (corpus / "notice.txt").write_text(NOTICE, encoding="utf-8")
    path = tmp_path / "qa_test.jsonl"
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, corpus


def test_a_faithful_set_passes_even_with_other_whitespace(tmp_path: Path) -> None:
    path, corpus = _write_set(
        tmp_path,
        _record(evidence="申报截止时间： 2030年9月1日"),
        _record(
            id="t-002",
            question="有奖金吗",
            answerable=False,
            answer="通知没有说。",
            source_file=None,
            evidence=None,
            must_contain=[],
        ),
    )
    report = check_set(path, corpus)
    assert report.ok, report.problems
    assert (report.records, report.answerable) == (2, 1)
    assert main([f"{path}={corpus}"]) == 0


def test_a_misquoted_evidence_fails(tmp_path: Path) -> None:
    path, corpus = _write_set(tmp_path, _record(evidence="申报截止时间：2030年9月10日"))
    report = check_set(path, corpus)
    assert not report.ok and "evidence not in the cleaned text" in report.problems[0]
    assert main([f"{path}={corpus}"]) == 1


def test_a_record_the_benchmark_cannot_load_fails(tmp_path: Path) -> None:
    # A null scope once slipped through the quote checks and broke the benchmark's loader.
    path, corpus = _write_set(tmp_path, _record(scope=None))
    problems = check_set(path, corpus).problems
    assert any("not a valid benchmark record" in problem for problem in problems), problems


def test_an_unanswerable_record_naming_a_file_fails(tmp_path: Path) -> None:
    path, corpus = _write_set(tmp_path, _record(answerable=False, must_contain=[]))
    problems = check_set(path, corpus).problems
    assert any("unanswerable record names a file" in problem for problem in problems), problems


def test_a_gold_answer_missing_its_must_contain_fails(tmp_path: Path) -> None:
    path, corpus = _write_set(tmp_path, _record(answer="九月初"))
    problems = check_set(path, corpus).problems
    assert any("no alternative of must_contain" in problem for problem in problems), problems
