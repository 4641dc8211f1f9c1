"""`applicant-bot rubrics` and `applicant-bot assess`: list the official self-assessment forms, score one.

``assess`` takes one score per scored item in the official table's order, checks every score against
the table before anything is written, and fills the form (.docx, optionally PDF) atomically: a temp
file in the target folder renamed into place only when everything succeeded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli._errors import UsageError

if TYPE_CHECKING:  # rubric_engine (python-docx, lxml) is imported only when a command runs
    from rubric_engine import AssessmentResult, Item, Rubric

# One separator between two scores: a comma (NFKC folds ，), 、 or a semicolon, with spaces around it, or
# spaces alone. Two separators in a row ("10,,20") or one at the end leave an empty slot, which is refused.
_SCORE_SEPARATOR = re.compile(r"\s*[,、;；]\s*|\s+")
_SCORE = re.compile(r"^([+-]?\d+(?:\.\d+)?)分?$")
_YES = {"yes", "y", "true", "1", "是", "有", "触发"}
_NO = {"no", "n", "false", "0", "否", "无", "没有", "未触发"}


def register(commands: argparse._SubParsersAction) -> None:
    rubrics = commands.add_parser(
        "rubrics",
        help="列出可用的官方自评表",
        description="列出可用的官方自评表（自评标准）：id、附件号、标题、所属项目和评分细项数。",
    )
    rubrics.add_argument("--json", action="store_true", help="输出 JSON")
    rubrics.set_defaults(handler=run_rubrics)

    assess = commands.add_parser(
        "assess",
        help="按官方自评表打分，生成填好的自评表",
        description=(
            "按官方自评表逐项给分（按表中细项顺序，每项一个分数），算出小计、总分和能否申报，"
            "并可生成填好的自评表（.docx，可选PDF）。"
        ),
    )
    assess.add_argument("--rubric", required=True, help="自评表 id（见 applicant-bot rubrics）")
    assess.add_argument("--scores", required=True, help="各细项分数，按表中顺序用逗号分隔，如 8,12,13,...")
    assess.add_argument(
        "--field", action="append", default=[], metavar="栏目=内容", help="表头栏目，如 姓名=张三（可重复）"
    )
    assess.add_argument(
        "--veto",
        action="append",
        default=[],
        metavar="ID=yes|no",
        help="一票否决项的回答（可重复；未给出的为“未回答”，表上留空待手填，且不能判断能否申报）",
    )
    assess.add_argument("--out", type=Path, help="保存填好的自评表（.docx）")
    assess.add_argument(
        "--pdf", action="store_true", help="同时生成PDF（与 --out 同名的 .pdf，需要LibreOffice）"
    )
    assess.add_argument("--json", action="store_true", help="输出 JSON")
    assess.set_defaults(handler=run_assess)


# --- rubrics ---------------------------------------------------------------------------------------


def _programme_name(programme: str) -> str:
    import rubric_engine

    try:
        return rubric_engine.load_eligibility(programme).name
    except rubric_engine.EligibilityError:
        return programme


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _display_width(text))


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(_display_width(row[index]) for row in (header, *rows)) for index in range(len(header))]
    lines = [
        "  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _item_entry(rubric: Rubric, item: Item) -> dict[str, Any]:
    """One scored item as a client needs it to build the form: where it sits, what it allows."""
    category = rubric.category_of(item.id)
    group = next((group for group in category.groups if group.id == item.group), None)
    return {
        "id": item.id,
        "name": item.name,
        "category": category.name,
        "group": group.name if group else None,
        "kind": str(item.kind),
        "max": item.cap,
        "allowed_scores": list(item.allowed_scores),
        "levels": [
            {"text": level.text, "points": level.range_text, "min": level.min_points, "max": level.max_points}
            for level in item.levels
        ],
        "veto": item.veto,
    }


def run_rubrics(args: argparse.Namespace) -> int:
    import rubric_engine

    entries: list[dict[str, Any]] = []
    for rubric_id in rubric_engine.list_rubrics():
        rubric = rubric_engine.load_rubric(rubric_id)
        entries.append(
            {
                "id": rubric.id,
                "appendix": rubric.appendix,
                "title": rubric.title,
                "programme": rubric.programme,
                "programme_name": _programme_name(rubric.programme),
                "items": len(rubric.items),
                "max_total": rubric.max_total,
                "pass_mark": rubric.pass_mark,
                "pass_mark_assumed": rubric.pass_mark_assumed,
                "pass_mark_label": rubric.pass_mark_label,
                "fields": [field.label for field in rubric.header_fields if field.fill is None],
                "vetoes": [veto.id for veto in rubric.vetoes],
                "scored_items": [_item_entry(rubric, item) for item in rubric.items],
            }
        )
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
        return 0
    header = ("ID", "附件", "标题", "项目", "细项数")
    rows = [
        (entry["id"], entry["appendix"], entry["title"], entry["programme_name"], str(entry["items"]))
        for entry in entries
    ]
    print(_table(header, rows))
    print(f"\n共{len(entries)}张自评表。打分：applicant-bot assess --rubric ID --scores 分数1,分数2,...")
    return 0


# --- assess: parsing --------------------------------------------------------------------------------


def _load_rubric(rubric_id: str) -> Rubric:
    import rubric_engine

    known = rubric_engine.list_rubrics()
    if rubric_id not in known:
        raise UsageError(f"没有自评表“{rubric_id}”，可用的有：{'、'.join(known)}（见 applicant-bot rubrics）")
    return rubric_engine.load_rubric(rubric_id)


def _ranges(scores: Sequence[int]) -> str:
    """(0, 3, 4, 5) -> '0、3-5'."""
    parts: list[str] = []
    start = previous = scores[0]
    for score in (*scores[1:], None):
        if score is not None and score == previous + 1:
            previous = score
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if score is not None:
            start = previous = score
    return "、".join(parts)


def parse_scores(text: str, rubric: Rubric) -> list[int]:
    """One integer per item, in the table's order; UsageError naming the item and what it allows."""
    normalised = unicodedata.normalize("NFKC", text).strip()
    tokens = _SCORE_SEPARATOR.split(normalised) if normalised else []
    empty = [number for number, token in enumerate(tokens, start=1) if not token]
    if empty:
        raise UsageError(
            f"--scores“{text}”的第{empty[0]}个分数是空的（连续两个逗号，或开头、末尾多了逗号）；"
            "每个细项都要填一个分数。"
        )
    items = rubric.items
    if len(tokens) != len(items):
        raise UsageError(
            f"{rubric.appendix}《{rubric.title}》有{len(items)}个评分细项，需要{len(items)}个分数"
            f"（按表中顺序，用逗号分隔），收到{len(tokens)}个。"
        )
    scores: list[int] = []
    for number, (token, item) in enumerate(zip(tokens, items, strict=True), start=1):
        allowed = _ranges(item.allowed_scores)
        match = _SCORE.match(token)
        if match is None:
            raise UsageError(
                f"第{number}个分数“{token}”不是数字；第{number}项“{item.name}”可填：{allowed}分。"
            )
        value = float(match.group(1))
        if not value.is_integer() or int(value) not in item.allowed_scores:
            shown = f"{value:g}"
            out_of_range = not item.allowed_scores[0] <= value <= item.allowed_scores[-1]
            beyond = f"；{shown}分超出本项范围" if out_of_range else ""
            raise UsageError(f"第{number}项“{item.name}”不能得{shown}分，可填：{allowed}分（整数）{beyond}。")
        scores.append(int(value))
    return scores


def _split_assignment(text: str, flag: str, example: str) -> tuple[str, str]:
    normalised = text.replace("＝", "=")
    key, separator, value = normalised.partition("=")
    if not separator or not key.strip():
        raise UsageError(f"{flag} 的格式应为 {example}，收到“{text}”。")
    return key.strip(), value.strip()


def parse_fields(values: Sequence[str], rubric: Rubric) -> dict[str, str]:
    import rubric_engine

    fields: dict[str, str] = {}
    for text in values:
        key, value = _split_assignment(text, "--field", "栏目=内容（如 姓名=张三）")
        fields[key] = value
    try:
        rubric_engine.resolve_fields(rubric, fields)
    except rubric_engine.FormFieldError as error:
        raise UsageError(str(error)) from None
    return fields


def parse_vetoes(values: Sequence[str], rubric: Rubric) -> dict[str, bool]:
    known = {veto.id: veto for veto in rubric.vetoes}
    listing = "；".join(f"{veto.id}（{veto.condition}）" for veto in rubric.vetoes)
    vetoes: dict[str, bool] = {}
    for text in values:
        key, answer = _split_assignment(text, "--veto", "ID=yes 或 ID=no")
        if not known:
            raise UsageError(
                f"{rubric.appendix}《{rubric.title}》没有一票否决项，不能使用 --veto（收到“{key}”）。"
            )
        if key not in known:
            raise UsageError(f"{rubric.appendix}没有一票否决项“{key}”，可用：{listing}")
        word = unicodedata.normalize("NFKC", answer).strip().lower()
        if word in _YES:
            vetoes[key] = True
        elif word in _NO:
            vetoes[key] = False
        else:
            raise UsageError(
                f"--veto {key} 的回答“{answer}”无法识别，应为 yes（是，存在该情况）或 no（否）。"
            )
    return vetoes


def _check_out(out: Path | None, pdf: bool) -> tuple[Path | None, Path | None]:
    if out is None:
        if pdf:
            raise UsageError("--pdf 需要同时用 --out 指定 .docx 文件的保存位置（PDF保存在同一目录）。")
        return None, None
    if out.suffix.lower() != ".docx":
        raise UsageError(f"--out 应为 .docx 文件，收到“{out}”。")
    if not out.parent.is_dir():
        raise UsageError(f"保存目录不存在：{out.parent}（请先创建该目录）。")
    if out.is_dir():
        raise UsageError(f"--out 指向的是一个目录：{out}")
    return out, (out.with_suffix(".pdf") if pdf else None)


# --- assess: running ---------------------------------------------------------------------------------


def _write_atomically(path: Path, data: bytes) -> None:
    """Write next to ``path`` and rename into place: a reader never sees half a form."""
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
        # mkstemp creates 0600; give the form the permissions any new file would get.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp_name, 0o666 & ~umask)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _result_json(
    rubric: Rubric, result: AssessmentResult, form: Path | None, pdf: Path | None
) -> dict[str, Any]:
    return {
        "rubric": rubric.id,
        "title": rubric.title,
        "total": result.total,
        "max_total": result.max_total,
        "pass_mark": result.pass_mark,
        "pass_mark_assumed": result.pass_mark_assumed,
        "pass_mark_label": result.pass_mark_label,
        "eligible": result.eligible,
        "reasons": list(result.reasons),
        "categories": [
            {"id": category.id, "name": category.name, "score": category.score, "max": category.max}
            for category in result.categories
        ],
        "items": [
            {
                "id": item.id,
                "name": item.name,
                "score": item.score,
                "max": item.max,
                "level": item.level_label,
            }
            for item in result.items
        ],
        "vetoes": [
            {"id": veto.id, "question": veto.question, "triggered": veto.triggered} for veto in result.vetoes
        ],
        "unanswered_vetoes": [veto.id for veto in result.vetoes if veto.triggered is None],
        "form": str(form) if form else None,
        "pdf": str(pdf) if pdf else None,
    }


def run_assess(args: argparse.Namespace) -> int:
    """``assess``; with ``--json`` an error is also printed as ``{"error": ...}`` on stdout (exit code 2)."""
    try:
        return _assess(args)
    except UsageError as error:
        if args.json:
            print(json.dumps({"error": str(error)}, ensure_ascii=False))
        raise


def _assess(args: argparse.Namespace) -> int:
    import rubric_engine

    rubric = _load_rubric(args.rubric.strip())
    scores = parse_scores(args.scores, rubric)
    fields = parse_fields(args.field, rubric)
    vetoes = parse_vetoes(args.veto, rubric)
    docx_path, pdf_path = _check_out(args.out, args.pdf)
    try:
        result = rubric_engine.assess(rubric, scores, vetoes)
    except rubric_engine.ScoreError as error:
        raise UsageError(error.message) from None

    # Everything is produced in memory first: nothing is written unless all of it succeeded.
    outputs: list[tuple[Path, bytes]] = []
    if docx_path is not None:
        document = rubric_engine.render_form_docx(rubric, result, fields)
        outputs.append((docx_path, document))
        if pdf_path is not None:
            try:
                # Its own renderings: the PDF's layout is checked and fixed (marks, continued items).
                outputs.append((pdf_path, rubric_engine.render_form_pdf(rubric, result, fields)))
            except rubric_engine.PdfConversionError as error:
                raise UsageError(f"{error} 未写入任何文件；去掉 --pdf 可只生成 .docx。") from None
    for path, data in outputs:
        _write_atomically(path, data)

    if args.json:
        print(json.dumps(_result_json(rubric, result, docx_path, pdf_path), ensure_ascii=False, indent=2))
        return 0
    print(rubric_engine.render_form_text(rubric, result, fields))
    unanswered = [veto.id for veto in result.vetoes if veto.triggered is None]
    if unanswered:
        print(
            f"一票否决项未回答：请用 --veto ID=yes|no 回答（{'、'.join(unanswered)}）；表上这些项留空待手填。"
        )
    for path, _data in outputs:
        print(f"已保存：{path}")
    return 0
