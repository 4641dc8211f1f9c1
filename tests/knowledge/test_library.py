"""Staff manage the notices: uploads checked and prefilled, added, replaced, withdrawn and restored
beside a read-only base folder, and one ingest indexes what is in use."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge import (
    KnowledgeBase,
    KnowledgeConfig,
    NoticeLibrary,
    NoticeRejected,
    ingest_library,
    load_catalog,
    read_document,
)
from knowledge._index import read_current
from tests.knowledge.test_loaders import _pdf

BASE_FILES = ("jiangsu-changzhou-2011-service-star.txt", "guangdong-service-star-rules.txt")  # catalog order
HUBEI_FILE = "hubei-2027-service-star.txt"
HUBEI = """\
关于开展2027年度湖北省用户满意服务之星活动的通知
鄂质协〔2027〕7号

各有关单位：
一、申报条件
申报单位须在湖北省内连续经营满3年。
二、申报时间
申报截止时间：2027年5月20日。逾期不予受理。
三、联系方式
联系人：王明，电话：027-88886666。

湖北省质量协会
2027年3月1日
"""
HUBEI_QUESTION = "2027年湖北服务之星申报截止到哪天？"


@pytest.fixture
def base(tmp_path: Path, notices_dir: Path) -> Path:
    """A read-only copy of two sample notices with their catalog entries."""
    folder = tmp_path / "base"
    folder.mkdir()
    for name in BASE_FILES:
        shutil.copy(notices_dir / name, folder / name)
    entries = [
        doc.model_dump(mode="python", exclude_unset=True)
        for doc in load_catalog(notices_dir).documents
        if doc.file in BASE_FILES
    ]
    (folder / "catalog.yaml").write_text(yaml.safe_dump({"documents": entries}, allow_unicode=True), "utf-8")
    for path in folder.iterdir():
        path.chmod(0o444)
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


@pytest.fixture
def library(base: Path, tmp_path: Path) -> NoticeLibrary:
    return NoticeLibrary(base, tmp_path / "managed")


@pytest.fixture
def config(tmp_path: Path) -> KnowledgeConfig:
    return KnowledgeConfig(index_dir=tmp_path / "index")


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in sorted(folder.iterdir())}


def add_hubei(library: NoticeLibrary, name: str = HUBEI_FILE, text: str = HUBEI, by: str = "李老师"):
    data = text.encode("utf-8")
    return library.add(name, data, library.prefill(name, data), by=by)


def indexed(library: NoticeLibrary) -> list[str]:
    return [source.name for source in library.sources()]


# --- prefill ------------------------------------------------------------------------------------


def _docx(lines: list[str]) -> bytes:
    import io

    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _html(lines: list[str]) -> bytes:
    body = "".join(f"<p>{line}</p>" for line in lines)
    return f"<html><head><title>网页</title></head><body>{body}</body></html>".encode()


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("hubei.txt", lambda lines: "\n".join(lines).encode("gb18030")),
        ("hubei.docx", _docx),
        ("hubei.html", _html),
        ("hubei.pdf", _pdf),
    ],
)
def test_the_upload_form_is_prefilled_from_the_text_of_every_format(
    library: NoticeLibrary, name: str, make
) -> None:
    # Long body lines, as a real notice has: a PDF line as wide as the page continues on the next.
    body = "为进一步提升我省服务质量，推动用户满意工程深入开展，经研究决定开展本年度用户满意服务之星活动。"
    lines = [line for line in HUBEI.split("\n") if line]
    lines[3:3] = [body, body, body]
    meta = library.prefill(name, make(lines))
    assert meta.file == name
    assert meta.title == "关于开展2027年度湖北省用户满意服务之星活动的通知"
    assert meta.doc_number == "鄂质协〔2027〕7号"
    assert meta.issuer == "湖北省质量协会"
    assert meta.region == "湖北省"
    assert str(meta.published) == "2027-03-01"
    assert meta.programme_year == 2027 and meta.programme == "hubei"
    assert not library.managed_dir.exists()  # a prefill writes nothing


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("notice.xlsx", b"PK\x03\x04", "不支持的文件类型 .xlsx"),
        ("notice", HUBEI.encode(), "不支持的文件类型 （无扩展名）"),
        ("empty.txt", b"", "空文件"),
        ("broken.docx", b"PK\x03\x04 not really a docx", "已损坏"),
        ("broken.pdf", b"%PDF-1.4 garbage without a body", "已损坏"),
        ("scan.pdf", _pdf([]), "扫描件"),
        ("english.pdf", _pdf(["Service Star rules 2027"]), "没有中文文字（可能是扫描件"),
        ("english.txt", b"Service Star rules 2027", "没有中文文字"),
        ("../escape.txt", HUBEI.encode(), "路径或特殊字符"),
        ("sub/notice.txt", HUBEI.encode(), "路径或特殊字符"),
        ("C:\\Users\\li\\notice.txt", HUBEI.encode(), "路径或特殊字符"),
        (".hidden.txt", HUBEI.encode(), "隐藏或临时文件"),
        ("~$notice.docx", HUBEI.encode(), "隐藏或临时文件"),
        ("", HUBEI.encode(), "没有名字"),
    ],
)
def test_an_unusable_upload_is_refused_with_its_reason_and_nothing_is_written(
    library: NoticeLibrary, base: Path, name: str, data: bytes, reason: str
) -> None:
    before = snapshot(base)
    with pytest.raises(NoticeRejected, match=reason):
        library.prefill(name, data)
    with pytest.raises(NoticeRejected, match=reason):
        library.add(name, data, library.prefill(HUBEI_FILE, HUBEI.encode()), by="李老师")
    assert not library.managed_dir.exists() or not any(
        path.name != ".library.lock" for path in library.managed_dir.iterdir()
    )
    assert snapshot(base) == before


def test_an_upload_over_the_size_limit_is_refused_with_the_limit(
    library: NoticeLibrary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("knowledge._library.MAX_UPLOAD_BYTES", 1024 * 1024)
    big = (HUBEI * 4000).encode()  # 1.4 MB
    with pytest.raises(NoticeRejected, match=r"1\.4 MB，超过上限 1 MB"):
        library.prefill(HUBEI_FILE, big)


def test_a_name_already_in_use_is_refused_as_an_addition(library: NoticeLibrary) -> None:
    add_hubei(library)
    with pytest.raises(NoticeRejected, match=r"已有同名通知.*替换"):
        add_hubei(library)
    with pytest.raises(NoticeRejected, match="已有同名通知"):
        add_hubei(library, name=BASE_FILES[0])


# --- add / replace / withdraw / restore ----------------------------------------------------------


def test_an_added_notice_is_listed_as_staff_and_indexed_after_the_base(library: NoticeLibrary) -> None:
    record = add_hubei(library)
    assert (record.source, record.status, record.uploaded_by) == ("staff", "active", "李老师")
    assert record.title.startswith("关于开展2027年度湖北省") and record.programme == "hubei-2027-service-star"
    assert [(r.file, r.source, r.status) for r in library.notices()] == [
        (BASE_FILES[0], "base", "active"),
        (BASE_FILES[1], "base", "active"),
        (HUBEI_FILE, "staff", "active"),
    ]
    assert indexed(library) == [*BASE_FILES, HUBEI_FILE]
    assert read_document(library.managed_dir / HUBEI_FILE).startswith("关于开展2027年度")
    # The managed folder is a notice folder: its catalog reads with the corpus catalog's loader.
    assert load_catalog(library.managed_dir).by_file()[HUBEI_FILE].issuer == "湖北省质量协会"


def test_an_upload_is_stored_under_its_checked_name(library: NoticeLibrary) -> None:
    record = add_hubei(library, name=f"  {HUBEI_FILE} ")
    assert record.file == HUBEI_FILE and indexed(library)[-1] == HUBEI_FILE
    assert (library.managed_dir / HUBEI_FILE).is_file()


def test_the_fields_staff_edit_are_the_ones_indexed(library: NoticeLibrary) -> None:
    data = HUBEI.encode()
    meta = library.prefill(HUBEI_FILE, data)
    edits = {"programme": "hubei-2027-star", "issuer": "湖北省质量协会、湖北省总工会"}
    edited = meta.model_copy(update=edits)
    library.add(HUBEI_FILE, data, edited, by="李老师")
    entry = {source.name: source.entry for source in library.sources()}[HUBEI_FILE]
    assert entry is not None
    assert (entry.programme, entry.issuer) == ("hubei-2027-star", "湖北省质量协会、湖北省总工会")
    assert library.catalog().by_file()[HUBEI_FILE].programme == "hubei-2027-star"


def test_replacing_a_base_notice_takes_its_place_and_its_entry(library: NoticeLibrary) -> None:
    old = BASE_FILES[0]
    data = HUBEI.replace("湖北省", "江苏省").encode()
    meta = library.prefill("jiangsu-2027.txt", data)
    record = library.replace(old, "jiangsu-2027.txt", data, meta, by="张老师")
    assert (record.source, record.status) == ("staff", "active")
    replaced = next(r for r in library.notices() if r.file == old)
    assert (replaced.status, replaced.replaced_by) == ("replaced", "jiangsu-2027.txt")
    assert replaced.changed_by == "张老师"
    assert indexed(library) == ["jiangsu-2027.txt", BASE_FILES[1]]  # in the old one's place
    assert library.catalog().by_file()["jiangsu-2027.txt"].region == "江苏省"


def test_a_staff_file_with_a_base_file_name_replaces_it(library: NoticeLibrary, base: Path) -> None:
    name = BASE_FILES[1]
    data = HUBEI.encode()
    library.replace(name, name, data, library.prefill(name, data), by="张老师")
    states = {(r.file, r.source): r.status for r in library.notices()}
    assert states[(name, "base")] == "replaced" and states[(name, "staff")] == "active"
    sources = {source.name: source for source in library.sources()}
    assert sources[name].path == library.managed_dir / name
    assert sources[name].entry is not None and sources[name].entry.issuer == "湖北省质量协会"
    with pytest.raises(NoticeRejected, match="正在使用"):
        library.restore(name, by="张老师", source="base")


def test_replacing_a_staff_notice_under_its_own_name_keeps_the_old_bytes(library: NoticeLibrary) -> None:
    add_hubei(library)
    corrected = HUBEI.replace("2027年5月20日", "2027年6月30日")
    data = corrected.encode()
    library.replace(HUBEI_FILE, HUBEI_FILE, data, library.prefill(HUBEI_FILE, data), by="张老师")
    staff = [r for r in library.notices() if r.source == "staff"]
    assert [(r.file, r.status, r.uploaded_by) for r in staff] == [(HUBEI_FILE, "active", "张老师")]
    assert "2027年6月30日" in (library.managed_dir / HUBEI_FILE).read_text("utf-8")
    kept = list((library.managed_dir / "superseded").iterdir())
    assert len(kept) == 1 and "2027年5月20日" in kept[0].read_text("utf-8")


def test_withdrawn_notices_stop_being_indexed_and_can_be_restored(library: NoticeLibrary) -> None:
    add_hubei(library)
    library.withdraw(HUBEI_FILE, by="王老师")
    library.withdraw(BASE_FILES[0], by="王老师")
    assert indexed(library) == [BASE_FILES[1]]
    assert (library.managed_dir / HUBEI_FILE).is_file()  # kept, to be restored
    states = {r.file: (r.status, r.changed_by) for r in library.notices()}
    assert states[HUBEI_FILE] == ("withdrawn", "王老师") and states[BASE_FILES[0]] == ("withdrawn", "王老师")
    with pytest.raises(NoticeRejected, match="已撤下的通知中有同名文件"):
        add_hubei(library)
    with pytest.raises(NoticeRejected, match="不在使用中"):
        library.withdraw(HUBEI_FILE, by="王老师")

    library.restore(HUBEI_FILE, by="王老师")
    library.restore(BASE_FILES[0], by="王老师")
    assert indexed(library) == [*BASE_FILES, HUBEI_FILE]
    with pytest.raises(NoticeRejected, match="正在使用"):
        library.restore(HUBEI_FILE, by="王老师")
    with pytest.raises(NoticeRejected, match="找不到"):
        library.restore("nowhere.txt", by="王老师")


def test_a_replaced_staff_notice_can_be_restored_beside_its_replacement(library: NoticeLibrary) -> None:
    add_hubei(library)
    data = HUBEI.replace("2027", "2028").encode()
    library.replace(HUBEI_FILE, "hubei-2028.txt", data, library.prefill("hubei-2028.txt", data), by="张老师")
    assert indexed(library) == [*BASE_FILES, "hubei-2028.txt"]
    library.restore(HUBEI_FILE, by="张老师")
    assert sorted(indexed(library)) == sorted([*BASE_FILES, HUBEI_FILE, "hubei-2028.txt"])


def test_the_base_folder_is_never_written(
    library: NoticeLibrary, base: Path, config: KnowledgeConfig
) -> None:
    before = snapshot(base)
    add_hubei(library)
    data = HUBEI.replace("湖北省", "广东省").encode()
    library.replace(BASE_FILES[0], BASE_FILES[0], data, library.prefill(BASE_FILES[0], data), by="张老师")
    library.withdraw(BASE_FILES[1], by="张老师")
    library.restore(BASE_FILES[1], by="张老师")
    ingest_library(library, config)
    assert snapshot(base) == before


def test_a_library_without_base_folder_holds_the_staff_notices_alone(tmp_path: Path) -> None:
    library = NoticeLibrary(None, tmp_path / "managed")
    add_hubei(library)
    assert indexed(library) == [HUBEI_FILE]
    library.withdraw(HUBEI_FILE, by="王老师")
    assert indexed(library) == []


# --- ingest -------------------------------------------------------------------------------------


def test_one_ingest_indexes_both_folders_and_reads_only_the_new_file(
    library: NoticeLibrary, config: KnowledgeConfig
) -> None:
    first = ingest_library(library, config)
    assert sorted(first.indexed) == sorted(BASE_FILES)
    add_hubei(library)
    second = ingest_library(library, config)
    assert second.indexed == [HUBEI_FILE] and sorted(second.reused) == sorted(BASE_FILES)
    kb = KnowledgeBase(config)
    assert "hubei-2027-service-star" in kb.programmes()
    answer = kb.ask(HUBEI_QUESTION)
    assert answer.answered and "2027年5月20日" in answer.answer
    assert [c.file for c in answer.citations] == [HUBEI_FILE]

    library.withdraw(HUBEI_FILE, by="王老师")
    third = ingest_library(library, config)
    assert third.removed == [HUBEI_FILE] and third.indexed == []
    assert "hubei-2027-service-star" not in KnowledgeBase(config).programmes()


def test_knowledge_base_ingests_a_library_and_still_a_folder(
    library: NoticeLibrary, base: Path, config: KnowledgeConfig
) -> None:
    add_hubei(library)
    kb = KnowledgeBase(config)
    seen: list[str] = []
    report = kb.ingest(library, progress=lambda done, total, name: seen.append(f"{done}/{total} {name}"))
    names = sorted([*BASE_FILES, HUBEI_FILE])  # a build handles its files in name order
    assert seen == [f"{n}/3 {name}" for n, name in enumerate(names, start=1)]
    assert report.files_seen == 3
    report = kb.ingest(base)
    assert report.removed == [HUBEI_FILE]


def test_a_refused_upload_leaves_the_serving_index_and_its_answers_unchanged(
    library: NoticeLibrary, config: KnowledgeConfig
) -> None:
    add_hubei(library)
    ingest_library(library, config)
    generation = read_current(config.index_dir)
    kb = KnowledgeBase(config)
    before = kb.ask(HUBEI_QUESTION)
    corrupt = b"PK\x03\x04 a truncated Word file"
    with pytest.raises(NoticeRejected, match="已损坏"):
        meta = library.prefill(HUBEI_FILE, HUBEI.encode())
        library.replace(HUBEI_FILE, "hubei-2027.docx", corrupt, meta, by="李老师")
    report = ingest_library(library, config)  # a re-ingest after the refusal finds nothing to do
    assert not report.changed
    assert read_current(config.index_dir) == generation
    after = KnowledgeBase(config).ask(HUBEI_QUESTION)
    assert (after.answer, after.citations) == (before.answer, before.citations)
    assert (library.managed_dir / HUBEI_FILE).read_text("utf-8") == HUBEI
