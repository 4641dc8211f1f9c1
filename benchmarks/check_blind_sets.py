"""Prove that the blind question sets of rounds 3 to 10 quote their notices faithfully.

For every record of each set: the file it names exists in the set's corpus, its evidence (and every
alt_evidence) lies in that file's cleaned text as the project loads it (whitespace and punctuation
width ignored, via `knowledge.evidence_in_text`), the record loads as the benchmark's `EvalItem`,
each `must_contain` group has an alternative in the gold answer, and an unanswerable record names
no file and no evidence. This checks the test material only; it never asks the bot anything, so the
sets stay unmeasured.

    python benchmarks/check_blind_sets.py            # the round-3 to round-10 sets, exit 1 on any problem
    python benchmarks/check_blind_sets.py SET.jsonl=CORPUS_DIR ...
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

_HERE = Path(__file__).resolve().parent
_REPO = _HERE.parent
# Run as a script, the repository root is not on the path; the benchmark package lives there.
sys.path.insert(0, str(_REPO))

from benchmarks.eval_set import EvalItem  # noqa: E402
from knowledge import evidence_in_text, list_notice_files, normalize_text, read_document  # noqa: E402

# The sample corpus sits beside the repository (../shared/notices), never inside it.
_SAMPLE_CORPUS = _REPO.parent / "shared" / "notices"

DEFAULT_SETS: tuple[tuple[Path, Path], ...] = (
    (_HERE / "data" / "qa_round3_new_notices.jsonl", _HERE / "new_notices_2"),
    (_HERE / "data" / "qa_round3_sample.jsonl", _SAMPLE_CORPUS),
    (_HERE / "data" / "qa_round4_new_notices.jsonl", _HERE / "new_notices_3"),
    (_HERE / "data" / "qa_round4_sample.jsonl", _SAMPLE_CORPUS),
    (_HERE / "data" / "qa_round5_new_notices.jsonl", _HERE / "new_notices_4"),
    (_HERE / "data" / "qa_round5_sample.jsonl", _SAMPLE_CORPUS),
    (_HERE / "data" / "qa_round6_new_notices.jsonl", _HERE / "new_notices_5"),
    (_HERE / "data" / "qa_round6_sample.jsonl", _SAMPLE_CORPUS),
    (_HERE / "data" / "qa_round7_new_notices.jsonl", _HERE / "new_notices_6"),
    (_HERE / "data" / "qa_round7_sample.jsonl", _SAMPLE_CORPUS),
    (_HERE / "data" / "qa_round8_new_notices.jsonl", _HERE / "new_notices_7"),
    (_HERE / "data" / "qa_round8_sample.jsonl", _SAMPLE_CORPUS),
    (_HERE / "data" / "qa_round9_new_notices.jsonl", _HERE / "new_notices_8"),
    (_HERE / "data" / "qa_round9_sample.jsonl", _SAMPLE_CORPUS),
    (_HERE / "data" / "qa_round10_new_notices.jsonl", _HERE / "new_notices_9"),
    (_HERE / "data" / "qa_round10_sample.jsonl", _SAMPLE_CORPUS),
)

_REQUIRED = ("id", "question", "answerable", "answer", "source_file", "evidence", "must_contain")


@dataclass
class SetReport:
    """What one set's check found: record counts and one line per problem."""

    path: Path
    records: int = 0
    answerable: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.records > 0 and not self.problems


def _squash(text: str) -> str:
    # must_contain is compared as the README says: normalised, no spaces.
    return normalize_text(text).replace(" ", "")


class _Corpus:
    """The cleaned texts of one notice folder, read once through the project's loader."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = {path.name: path for path in list_notice_files(folder)}
        self._texts: dict[str, str] = {}

    def text(self, name: str) -> str:
        if name not in self._texts:
            self._texts[name] = read_document(self.files[name])
        return self._texts[name]


def _check_quote(corpus: _Corpus, rid: str, source: object, evidence: object) -> list[str]:
    if not isinstance(source, str) or source not in corpus.files:
        return [f"{rid}: file {source!r} is not a notice of {corpus.folder}"]
    if not isinstance(evidence, str) or not evidence.strip():
        return [f"{rid}: empty evidence for {source}"]
    if not evidence_in_text(evidence, corpus.text(source)):
        return [f"{rid}: evidence not in the cleaned text of {source}: {evidence[:60]!r}"]
    return []


def _check_record(corpus: _Corpus, record: dict[str, object]) -> list[str]:
    rid = str(record.get("id", "?"))
    missing = [key for key in _REQUIRED if key not in record]
    if missing:
        return [f"{rid}: missing fields {missing}"]
    problems: list[str] = []
    if not str(record["question"]).strip() or not str(record["answer"]).strip():
        problems.append(f"{rid}: empty question or answer")
    groups = record["must_contain"]
    if not isinstance(groups, list) or not all(isinstance(g, list) and g for g in groups):
        return [*problems, f"{rid}: must_contain is not a list of non-empty lists"]
    if record["answerable"] is not True:
        if record["answerable"] is not False:
            problems.append(f"{rid}: answerable is neither true nor false")
        if record["source_file"] is not None or record["evidence"] is not None or groups:
            problems.append(f"{rid}: an unanswerable record names a file, evidence or must_contain")
        return problems
    problems += _check_quote(corpus, rid, record["source_file"], record["evidence"])
    alternatives = record.get("alt_evidence") or []
    if not isinstance(alternatives, list):
        return [*problems, f"{rid}: alt_evidence is not a list"]
    for alt in alternatives:
        if not isinstance(alt, dict):
            problems.append(f"{rid}: alt_evidence entry is not an object")
            continue
        problems += _check_quote(corpus, rid, alt.get("source_file"), alt.get("evidence"))
    answer = _squash(str(record["answer"]))
    for group in groups:
        if not any(_squash(str(alt)) in answer for alt in group):
            problems.append(f"{rid}: the gold answer holds no alternative of must_contain {group}")
    if not groups:
        problems.append(f"{rid}: an answerable record has no must_contain group")
    return problems


def _check_format(rid: str, line: str) -> list[str]:
    # The benchmark loads every set through EvalItem; a record it rejects would break the whole run.
    try:
        EvalItem.model_validate_json(line)
    except ValidationError as error:
        return [f"{rid}: not a valid benchmark record ({error.error_count()} error(s): {error})"]
    return []


def check_set(path: Path, corpus_folder: Path) -> SetReport:
    """Check one JSONL set against the notices of `corpus_folder`."""
    report = SetReport(path)
    if not path.is_file():
        report.problems.append(f"{path} does not exist")
        return report
    if not corpus_folder.is_dir():
        report.problems.append(f"corpus folder {corpus_folder} does not exist")
        return report
    corpus = _Corpus(corpus_folder)
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            report.problems.append(f"line {number}: not JSON ({error})")
            continue
        report.records += 1
        rid = str(record.get("id"))
        if rid in seen:
            report.problems.append(f"line {number}: duplicate id {rid}")
        seen.add(rid)
        report.answerable += record.get("answerable") is True
        report.problems += _check_format(rid, line)
        report.problems += _check_record(corpus, record)
    return report


def _parse(arguments: Sequence[str]) -> Iterable[tuple[Path, Path]]:
    if not arguments:
        return DEFAULT_SETS
    pairs = []
    for argument in arguments:
        set_path, _, corpus = argument.partition("=")
        if not corpus:
            raise SystemExit(f"expected SET.jsonl=CORPUS_DIR, got {argument!r}")
        pairs.append((Path(set_path), Path(corpus)))
    return pairs


def main(arguments: Sequence[str] | None = None) -> int:
    failed = False
    for set_path, corpus in _parse(sys.argv[1:] if arguments is None else arguments):
        report = check_set(set_path, corpus)
        share = 1 - report.answerable / report.records if report.records else 0.0
        status = "ok" if report.ok else f"{len(report.problems)} problem(s)"
        print(
            f"{set_path.name}: {report.records} records, {report.answerable} answerable, "
            f"{share:.0%} unanswerable, corpus {corpus}: {status}"
        )
        for problem in report.problems:
            print(f"  - {problem}")
        failed = failed or not report.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
