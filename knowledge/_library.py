"""The notices staff manage: a read-only base folder plus the uploads staff add, replace and withdraw.

The base folder (``settings.notices``, e.g. ../shared/notices) is never written. Staff uploads live
in ``managed_dir`` (``data_dir/notices``), itself a notice folder::

    managed_dir/
        catalog.yaml        the corpus catalog's schema (``documents:``, one entry per staff file) plus
                            each upload's state, and ``base_changes:`` (base notices withdrawn or
                            replaced). `load_catalog` reads it like any catalog (extra keys ignored).
        <file>              the current bytes of each staff notice, active or withdrawn
        superseded/         earlier bytes of a staff notice replaced by a file of the same name
        .library.lock       one change at a time (several web workers may serve the staff pages)

catalog.yaml is the commit point: a notice file is written (atomically) before the catalog names
it, so a crash leaves at worst a file nobody indexes. What ingest indexes is `sources()`: the base
notices not withdrawn or replaced, and the active staff notices, keyed by file name (a staff file
that has a base file's name replaces it).
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from knowledge._catalog import CATALOG_NAME, EXAMPLES_KIND, CatalogError, complete_meta, load_catalog
from knowledge._index import NoticeFile
from knowledge._loaders import SUPPORTED_SUFFIXES, DocumentLoadError, list_notice_files, read_document
from knowledge._models import Catalog, DocumentMeta

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_NAME_CHARS = 150  # a file name is stored in 255-character columns, with room for a section
SUPERSEDED_DIR = "superseded"
LOCK_NAME = ".library.lock"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f:*?\"<>|]")

NoticeSource = Literal["base", "staff"]
NoticeStatus = Literal["active", "withdrawn", "replaced"]


class NoticeRejected(ValueError):
    """An upload or a change staff asked for that cannot be made; `reason` says why, in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoticeRecord(BaseModel):
    """One notice as the staff pages list it."""

    file: str
    title: str
    issuer: str | None = None
    doc_number: str | None = None
    region: str | None = None
    programme: str | None = None
    programme_year: int | None = None
    published: date | int | str | None = None  # as the catalog has it
    kind: str | None = None
    source: NoticeSource
    status: NoticeStatus
    replaced_by: str | None = None
    uploaded_at: datetime | None = None
    uploaded_by: str | None = None
    changed_at: datetime | None = None  # last withdrawn, replaced or restored
    changed_by: str | None = None


# --- the managed catalog ----------------------------------------------------------------------


class StaffEntry(DocumentMeta):
    """A staff notice's catalog entry with its state."""

    status: NoticeStatus = "active"
    replaced_by: str | None = None
    uploaded_at: datetime
    uploaded_by: str
    changed_at: datetime | None = None
    changed_by: str | None = None

    def mark(self, status: NoticeStatus, *, by: str, replaced_by: str | None = None) -> None:
        self.status, self.replaced_by = status, replaced_by
        self.changed_at, self.changed_by = _now(), by

    def meta(self) -> DocumentMeta:
        """The catalog entry alone, every field set (staff saw and confirmed each one)."""
        return DocumentMeta(**{name: getattr(self, name) for name in DocumentMeta.model_fields})


class BaseChange(BaseModel):
    """A base notice staff withdrew or replaced (base notices without one are active)."""

    model_config = ConfigDict(extra="forbid")

    file: str
    status: Literal["withdrawn", "replaced"]
    replaced_by: str | None = None
    changed_at: datetime
    changed_by: str


class ManagedCatalog(BaseModel):
    documents: list[StaffEntry] = Field(default_factory=list)
    base_changes: list[BaseChange] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_entry_per_file(self) -> ManagedCatalog:
        for kind, names in (
            ("documents", [entry.file for entry in self.documents]),
            ("base_changes", [change.file for change in self.base_changes]),
        ):
            duplicates = sorted({name for name in names if names.count(name) > 1})
            if duplicates:
                raise ValueError(f"{kind} 中同一文件登记了多次：{'、'.join(duplicates)}")
        return self

    def staff(self, file: str) -> StaffEntry | None:
        return next((entry for entry in self.documents if entry.file == file), None)

    def base_change(self, file: str) -> BaseChange | None:
        return next((change for change in self.base_changes if change.file == file), None)

    def mark_base(
        self, file: str, status: Literal["withdrawn", "replaced"], *, by: str, replaced_by: str | None = None
    ) -> None:
        change = BaseChange(
            file=file, status=status, replaced_by=replaced_by, changed_at=_now(), changed_by=by
        )
        self.base_changes = [c for c in self.base_changes if c.file != file] + [change]


# --- the library ------------------------------------------------------------------------------


class NoticeLibrary:
    """The base notices and the staff uploads, and what ingest should index of them."""

    def __init__(self, base_dir: Path | None, managed_dir: Path) -> None:
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self.managed_dir = Path(managed_dir)

    # --- reading ---

    def notices(self) -> list[NoticeRecord]:
        """Every notice, base then staff, with its state: what the staff pages list."""
        managed = self._managed()
        base_catalog = self._base_catalog()
        records: list[NoticeRecord] = []
        for path in self._base_files(base_catalog):
            entry = base_catalog.by_file().get(path.name)
            meta = entry if entry is not None else DocumentMeta(file=path.name, title=path.stem)
            change = managed.base_change(path.name)
            records.append(
                _record(
                    meta,
                    source="base",
                    status=change.status if change else "active",
                    replaced_by=change.replaced_by if change else None,
                    changed_at=change.changed_at if change else None,
                    changed_by=change.changed_by if change else None,
                )
            )
        for staff in managed.documents:
            records.append(
                _record(
                    staff.meta(),
                    source="staff",
                    status=staff.status,
                    replaced_by=staff.replaced_by,
                    uploaded_at=staff.uploaded_at,
                    uploaded_by=staff.uploaded_by,
                    changed_at=staff.changed_at,
                    changed_by=staff.changed_by,
                )
            )
        return records

    def sources(self) -> list[NoticeFile]:
        """What ingest indexes, in catalog order: the base notices neither withdrawn nor replaced and
        the active staff notices. A staff notice replacing a base one takes its place in the order
        (programmes are listed in catalog order); its entry overrides the base entry of that name."""
        managed = self._managed()
        base_catalog = self._base_catalog()
        active_staff = {entry.file: entry for entry in managed.documents if entry.status == "active"}
        placed: set[str] = set()
        files: list[NoticeFile] = []

        def add_staff(name: str) -> None:
            if name not in placed:
                placed.add(name)
                files.append(NoticeFile(self.managed_dir / name, active_staff[name].meta()))

        for path in self._base_files(base_catalog):
            change = managed.base_change(path.name)
            if path.name in active_staff:
                add_staff(path.name)
            elif change is None:
                files.append(NoticeFile(path, base_catalog.by_file().get(path.name)))
                placed.add(path.name)
            elif change.replaced_by in active_staff:
                add_staff(str(change.replaced_by))
        for name in active_staff:
            add_staff(name)
        return files

    def catalog(self) -> Catalog:
        """The merged catalog of what ingest indexes (staff entries override base entries)."""
        return Catalog(
            documents=[
                source.entry if source.entry is not None else DocumentMeta(file=source.name, title="")
                for source in self.sources()
            ]
        )

    # --- checking an upload ---

    def prefill(self, filename: str, data: bytes) -> DocumentMeta:
        """The catalog fields the text gives, for the upload form; `NoticeRejected` with the reason
        when the upload cannot become a notice."""
        _name, meta = self._check_upload(filename, data)
        return meta

    # --- changes ---

    def add(self, filename: str, data: bytes, meta: DocumentMeta, *, by: str) -> NoticeRecord:
        """Adds a new notice. Refuses a name an active notice already has (that is a replacement)."""
        filename, _prefilled = self._check_upload(filename, data)
        with self._locked() as managed:
            self._refuse_taken_name(managed, filename, allowed=None)
            entry = self._store_upload(managed, filename, data, meta, by=by)
            self._save(managed)
        return self._record_of(entry)

    def replace(
        self, old_file: str, filename: str, data: bytes, meta: DocumentMeta, *, by: str
    ) -> NoticeRecord:
        """Replaces an active notice (base or staff) by an upload: the old one is marked replaced and
        no longer indexed. The upload may keep the old file's name."""
        filename, _prefilled = self._check_upload(filename, data)
        with self._locked() as managed:
            source = self._active_source(managed, old_file)
            if source is None:
                raise NoticeRejected(f"通知 {old_file} 不在使用中，无法替换。")
            self._refuse_taken_name(managed, filename, allowed=old_file)
            if source == "base":
                managed.mark_base(old_file, "replaced", by=by, replaced_by=filename)
            elif old_file != filename:
                old = managed.staff(old_file)
                assert old is not None
                old.mark("replaced", by=by, replaced_by=filename)
            entry = self._store_upload(managed, filename, data, meta, by=by)
            self._save(managed)
        return self._record_of(entry)

    def withdraw(self, file: str, *, by: str) -> NoticeRecord:
        """Stops indexing an active notice; its file is kept so it can be restored."""
        with self._locked() as managed:
            source = self._active_source(managed, file)
            if source is None:
                raise NoticeRejected(f"通知 {file} 不在使用中，无需撤下。")
            if source == "staff":
                entry = managed.staff(file)
                assert entry is not None
                entry.mark("withdrawn", by=by)
            else:
                managed.mark_base(file, "withdrawn", by=by)
            self._save(managed)
        return self._find(file, source)

    def restore(self, file: str, *, by: str, source: NoticeSource | None = None) -> NoticeRecord:
        """Indexes a withdrawn or replaced notice again, unless an active notice has its name.
        `source` picks the base or the staff notice when both have the name (default: staff)."""
        with self._locked() as managed:
            if self._active_source(managed, file) is not None:
                raise NoticeRejected(f"同名通知 {file} 正在使用；请先撤下它，再恢复旧的。")
            staff = managed.staff(file) if source != "base" else None
            now = _now()
            if staff is not None:
                staff.mark("active", by=by)
                source = "staff"
            elif source != "staff" and managed.base_change(file) is not None and file in self._base_names():
                managed.base_changes = [c for c in managed.base_changes if c.file != file]  # active again
                source = "base"
            else:
                raise NoticeRejected(f"找不到已撤下或已替换的通知 {file}。")
            self._save(managed)
        record = self._find(file, source)
        return record.model_copy(update={"changed_at": now, "changed_by": by})

    # --- internals ---

    def _check_upload(self, filename: str, data: bytes) -> tuple[str, DocumentMeta]:
        """The upload's checked name and prefilled entry; every refusal happens here, before anything
        is written."""
        name = _safe_name(filename)
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            allowed = " ".join(SUPPORTED_SUFFIXES)
            raise NoticeRejected(f"不支持的文件类型 {suffix or '（无扩展名）'}；请上传 {allowed} 文件。")
        if not data:
            raise NoticeRejected(f"{name} 是空文件，没有内容。")
        if len(data) > MAX_UPLOAD_BYTES:
            size, limit = len(data) / 1024 / 1024, MAX_UPLOAD_BYTES // 1024 // 1024
            raise NoticeRejected(f"{name} 有 {size:.1f} MB，超过上限 {limit} MB；请压缩或拆分后再上传。")
        with tempfile.TemporaryDirectory(prefix="notice-upload-") as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            try:
                text = read_document(path)
            except DocumentLoadError as error:
                raise NoticeRejected(f"{name} 无法读取：{error.reason}") from error
        if not _CJK.search(text):
            scanned = "（可能是扫描件，没有文字层）" if suffix == ".pdf" else ""
            raise NoticeRejected(f"{name} 中没有中文文字{scanned}；请提供文字版 PDF、Word 或 TXT 文件。")
        return name, complete_meta(Path(name), text, None)

    def _store_upload(
        self, managed: ManagedCatalog, filename: str, data: bytes, meta: DocumentMeta, *, by: str
    ) -> StaffEntry:
        """Writes the upload's bytes and puts its entry in `managed` (saved by the caller)."""
        self.managed_dir.mkdir(parents=True, exist_ok=True)
        target = self.managed_dir / filename
        previous = managed.staff(filename)
        if previous is not None and target.is_file():
            # Earlier bytes of the same name (a replacement keeping the name): kept for the record.
            stamp = previous.uploaded_at.strftime("%Y%m%dT%H%M%S%f")
            archive = self.managed_dir / SUPERSEDED_DIR / f"{stamp}-{filename}"
            archive.parent.mkdir(exist_ok=True)
            if not archive.exists():
                os.link(target, archive)  # the new bytes go to a new inode: the link keeps the old
        _write_atomically(target, data)
        entry = StaffEntry(**_confirmed_fields(filename, meta), uploaded_at=_now(), uploaded_by=by)
        managed.documents = [doc for doc in managed.documents if doc.file != filename] + [entry]
        return entry

    def _refuse_taken_name(self, managed: ManagedCatalog, filename: str, *, allowed: str | None) -> None:
        if filename != allowed and self._active_source(managed, filename) is not None:
            raise NoticeRejected(f"已有同名通知 {filename} 在使用；要更新它，请用“替换”。")
        staff = managed.staff(filename)
        if staff is not None and staff.status == "withdrawn":
            raise NoticeRejected(f"已撤下的通知中有同名文件 {filename}；请先恢复它再替换，或改用其他文件名。")

    def _active_source(self, managed: ManagedCatalog, file: str) -> NoticeSource | None:
        """Which notice of that name is indexed: the staff one, the base one, or none."""
        staff = managed.staff(file)
        if staff is not None and staff.status == "active":
            return "staff"
        if file in self._base_names() and managed.base_change(file) is None:
            return "base"
        return None

    def _find(self, file: str, source: NoticeSource) -> NoticeRecord:
        return next(r for r in self.notices() if r.file == file and r.source == source)

    def _record_of(self, entry: StaffEntry) -> NoticeRecord:
        return self._find(entry.file, "staff")

    def _base_catalog(self) -> Catalog:
        if self.base_dir is None or not self.base_dir.is_dir():
            return Catalog()
        return load_catalog(self.base_dir)

    def _base_files(self, catalog: Catalog) -> list[Path]:
        """The base folder's notices, in its catalog's order (unlisted files after, by name)."""
        if self.base_dir is None or not self.base_dir.is_dir():
            return []
        position = {document.file: i for i, document in enumerate(catalog.documents)}
        paths = list_notice_files(self.base_dir)
        return sorted(paths, key=lambda path: position.get(path.name, len(position)))

    def _base_names(self) -> set[str]:
        if self.base_dir is None or not self.base_dir.is_dir():
            return set()
        return {path.name for path in list_notice_files(self.base_dir)}

    def _managed(self) -> ManagedCatalog:
        path = self.managed_dir / CATALOG_NAME
        if not path.is_file():
            return ManagedCatalog()
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            return ManagedCatalog.model_validate(raw or {})
        except (OSError, UnicodeDecodeError, yaml.YAMLError, ValidationError) as error:
            raise CatalogError(f"{path}: 无法读取工作人员上传的通知目录（{error}）。") from error

    def _save(self, managed: ManagedCatalog) -> None:
        self.managed_dir.mkdir(parents=True, exist_ok=True)
        header = "# Notices uploaded by staff (applicant-bot staff pages). Edited by the program.\n"
        body = yaml.safe_dump(
            managed.model_dump(mode="python", exclude_none=False), allow_unicode=True, sort_keys=False
        )
        _write_atomically(self.managed_dir / CATALOG_NAME, (header + body).encode("utf-8"))

    @contextmanager
    def _locked(self) -> Iterator[ManagedCatalog]:
        """The managed catalog, read and changed by one process at a time (a blocking lock: changes
        are short)."""
        self.managed_dir.mkdir(parents=True, exist_ok=True)
        with (self.managed_dir / LOCK_NAME).open("a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield self._managed()
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _record(
    meta: DocumentMeta,
    *,
    source: NoticeSource,
    status: NoticeStatus,
    replaced_by: str | None = None,
    uploaded_at: datetime | None = None,
    uploaded_by: str | None = None,
    changed_at: datetime | None = None,
    changed_by: str | None = None,
) -> NoticeRecord:
    return NoticeRecord(
        file=meta.file,
        title=meta.title or Path(meta.file).stem,
        issuer=meta.issuer,
        doc_number=meta.doc_number,
        region=meta.region,
        programme=meta.programme,
        programme_year=meta.programme_year,
        published=meta.published,
        kind=meta.kind,
        source=source,
        status=status,
        replaced_by=replaced_by,
        uploaded_at=uploaded_at,
        uploaded_by=uploaded_by,
        changed_at=changed_at,
        changed_by=changed_by,
    )


def _confirmed_fields(filename: str, meta: DocumentMeta) -> dict[str, object]:
    """The form's entry as stored: its own file name, blanks as unset, and a programme (the file's
    stem when left empty) unless it is a write-up, which belongs to no programme."""
    fields: dict[str, object] = {}
    for name in DocumentMeta.model_fields:
        value = getattr(meta, name)
        fields[name] = value.strip() or None if isinstance(value, str) else value
    fields["file"] = filename
    fields["title"] = fields["title"] or ""
    if not fields["programme"] and fields["kind"] != EXAMPLES_KIND:
        fields["programme"] = Path(filename).stem
    return fields


def _safe_name(filename: str) -> str:
    """The upload's name, refused when it could leave the folder or hide from a listing."""
    name = (filename or "").strip()
    if not name:
        raise NoticeRejected("文件没有名字；请选择要上传的通知文件。")
    if _UNSAFE_NAME.search(name) or name in {".", ".."} or ".." in name:
        raise NoticeRejected(f"文件名 {name!r} 含有路径或特殊字符（/ \\ .. 等）；请改名后再上传。")
    if name.startswith((".", "~")) or name.endswith("~"):
        raise NoticeRejected(f"文件名 {name} 以“.”或“~”开头或结尾，像是隐藏或临时文件；请改名后再上传。")
    if len(name) > MAX_NAME_CHARS:
        raise NoticeRejected(f"文件名太长（{len(name)} 个字符，最多 {MAX_NAME_CHARS} 个）；请改短后再上传。")
    return name


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old bytes or the new ones, never a part: a temporary file, fsynced, renamed."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _now() -> datetime:
    return datetime.now(UTC)
