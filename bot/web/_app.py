"""The web app of `applicant-bot serve`: one FastAPI app per worker process.

Routes: ``GET /healthz``, ``GET /forms/{token}`` (signed form downloads), the staff pages under
``/staff/`` (bot/web/staff: login, overview, question log, notices) and, when
``APPLICANT_BOT_WECHAT_TOKEN`` is set, the 公众号 webhook ``GET/POST /wechat``. Everything a route needs
is built once per worker in the lifespan (the dialogue over the store and the index, the shared state,
the form links) and kept as ``app.state.web`` (`WebContext`).

Room for more: a channel or a page is an ``APIRouter`` whose handlers read ``request.app.state.web``.
Pass routers that need nothing from the lifespan to ``create_app(routers=[...])``; a staff page is
built on ``bot.web.staff.staff_page_router()`` and added in `mount_staff`; a channel whose router is
built from the worker's objects (the WeChat router, later a Telegram webhook at ``/telegram``) is added
by one call in `_mount_channels`.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import anyio
from argon2 import PasswordHasher
from fastapi import APIRouter, FastAPI

from bot.channels import PassiveWindow
from bot.settings import Settings
from bot.shared_state import SharedState, shared_state_for
from bot.web._forms import FormLinks, forms_router, redact_form_tokens_in_access_log
from bot.web._health import health_router
from bot.web._secret import form_link_secret
from bot.web.staff import (
    StaffContext,
    curated_pages_router,
    gap_pages_router,
    mount_staff,
    staff_context,
)
from conversations import CuratedAnswerStore, Dialogue, Incoming, Reply, Store
from knowledge import IngestReport, KnowledgeBase, NoticeLibrary

if TYPE_CHECKING:
    from bot.notice_jobs import IngestProgress, NoticeJobs

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass
class WebContext:
    """One worker's objects, shared by its routes."""

    settings: Settings
    dialogue: Dialogue
    shared_state: SharedState
    form_links: FormLinks
    staff: StaffContext
    worker_id: str = field(default_factory=lambda: f"{os.getpid()}-{uuid.uuid4().hex[:8]}")
    closers: list[Callable[[], None]] = field(default_factory=list)  # run on shutdown, last first


def create_app(
    settings: Settings,
    *,
    dialogue: Dialogue | None = None,
    shared_state: SharedState | None = None,
    routers: Sequence[APIRouter] = (),
    clock: Callable[[], float] = time.time,
    password_hasher: PasswordHasher | None = None,
) -> FastAPI:
    """The app; `dialogue` and `shared_state` default to those `settings` describe (built at start-up,
    the index first when it is missing). `clock` drives the form links' expiry and the staff sessions,
    lock-outs and overview days (tests move it). `password_hasher`: the staff accounts'; None is
    argon2's default cost (tests pass a cheap one, which takes milliseconds instead of a second)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = dialogue is None
        web = await anyio.to_thread.run_sync(
            lambda: _context(settings, dialogue, shared_state, clock, password_hasher)
        )
        app.state.web = web
        _mount_channels(app, web)
        try:
            yield
        finally:
            for close in reversed(web.closers):
                await anyio.to_thread.run_sync(close)
            if owned:
                web.dialogue.store.close()

    redact_form_tokens_in_access_log()
    app = FastAPI(title="申报助手", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.include_router(health_router())
    app.include_router(forms_router())
    mount_staff(app, extra=[gap_pages_router(), curated_pages_router()])
    for router in routers:
        app.include_router(router)
    return app


def app_from_environment() -> FastAPI:
    """The uvicorn factory (``bot.web:app_from_environment``, ``factory=True``): settings from the
    environment, as `applicant-bot serve` passes them to every worker process."""
    # A worker is a fresh interpreter (spawned): without this its own INFO lines (takeovers, refusals)
    # would not reach the log.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its URLs carry the WeChat access_token
    return create_app(Settings())


def _context(
    settings: Settings,
    dialogue: Dialogue | None,
    shared_state: SharedState | None,
    clock: Callable[[], float],
    password_hasher: PasswordHasher | None = None,
) -> WebContext:
    if dialogue is None:
        dialogue = _dialogue(settings)
    closers: list[Callable[[], None]] = []
    if shared_state is None:
        engine = dialogue.store.engine
        if not settings.redis_url:
            # Its own connection pool: a turn holds one of the store's connections while it answers
            # (seconds, with a slow LLM), and the shared state's short calls must not queue behind them.
            state_store = Store(settings.resolved_database_url())
            closers.append(state_store.close)
            engine = state_store.engine
        shared_state = shared_state_for(settings, engine)
    base_url = settings.public_base_url or DEFAULT_BASE_URL
    if settings.public_base_url is None:
        logger.warning("APPLICANT_BOT_PUBLIC_BASE_URL is not set: form links point at %s", base_url)
    links = FormLinks(
        form_link_secret(settings), base_url, ttl_s=settings.form_link_ttl_hours * 3600, clock=clock
    )
    library = NoticeLibrary(settings.resolved_notices(), settings.managed_notices_dir)
    jobs = _notice_jobs(dialogue, library)  # marks failed the jobs a dead process left running
    closers.append(jobs.close)
    staff = staff_context(
        settings,
        dialogue.store,
        clock=lambda: datetime.fromtimestamp(clock(), UTC),
        answerer=dialogue.answerer,
        library=library,
        jobs=jobs,
        hasher=password_hasher,
    )
    return WebContext(
        settings=settings,
        dialogue=dialogue,
        shared_state=shared_state,
        form_links=links,
        staff=staff,
        closers=closers,
    )


CHANGE_VERBS = {"replace": "替换", "withdraw": "撤回"}


def _notice_jobs(dialogue: Dialogue, library: NoticeLibrary) -> NoticeJobs:
    """The staff pages' re-ingests, into this worker's knowledge base (so its answers follow at once);
    a replaced or withdrawn notice flags the curated answers that cite it."""
    from bot.notice_jobs import NoticeJobs

    answerer = dialogue.answerer
    curated = CuratedAnswerStore(dialogue.store)

    def run_ingest(progress: IngestProgress) -> IngestReport:
        if not isinstance(answerer, KnowledgeBase):
            raise RuntimeError("这个服务不是从通知索引回答的，无法导入通知")
        return answerer.ingest(library, progress)

    def on_change(file: str, action: str) -> None:
        verb = CHANGE_VERBS.get(action)
        if verb is None:  # a restored notice says again what the answers citing it were written from
            return
        title = next((r.title for r in library.notices() if r.file == file), file)
        curated.flag_citing(file, f"通知《{title}》已被{verb}，请复核这条答复")

    return NoticeJobs(dialogue.store, run_ingest, on_change)


def _dialogue(settings: Settings) -> Dialogue:
    from bot._wiring import dialogue
    from bot.cli._knowledge_commands import ensure_index

    built = dialogue(settings)
    ensure_index(built.answerer, settings, None)  # `serve` built it before the workers started
    # Load the index, the tokenizer and the question analyser now (a search, never the LLM), so the
    # worker's first applicant does not wait 1-2 s for them past WeChat's deadline.
    search = getattr(built.answerer, "search", None)
    if callable(search):
        search("申报条件")
    return built


def _mount_channels(app: FastAPI, web: WebContext) -> None:
    """The channel webhooks built from this worker's objects; one call each (a Telegram webhook goes
    here too). Routes added during start-up serve from the first request on."""
    token = web.settings.wechat_token
    if token is not None and token.get_secret_value().strip():
        app.include_router(_wechat_router(web))


def _wechat_router(web: WebContext) -> APIRouter:
    """``GET/POST /wechat``: the 公众号 adapter behind this worker's passive window."""
    from bot.channels.wechat import CustomerServiceClient, WeChatConfig, render_replies, wechat_router

    settings = web.settings
    pusher: CustomerServiceClient | None = None
    if settings.wechat_customer_service:
        if settings.wechat_app_id and settings.wechat_app_secret is not None:
            pusher = CustomerServiceClient(
                web.shared_state,
                settings.wechat_app_id,
                settings.wechat_app_secret.get_secret_value(),
                api_base=settings.wechat_api_base,
                worker_id=web.worker_id,
            )
            web.closers.append(pusher.close)
        else:
            logger.warning(
                "APPLICANT_BOT_WECHAT_APP_ID/APP_SECRET are not set: slow answers wait for the user's next "
                "message instead of a 客服消息"
            )
    links = web.form_links

    def renderer(incoming: Incoming, replies: list[Reply]) -> list[str]:
        """How the adapter renders a user's replies, for answers recovered from a dead worker."""
        return render_replies(replies, incoming.user_id, links.url_for)

    window = PassiveWindow(
        web.shared_state,
        web.dialogue.handle,
        pusher,
        push_enabled=pusher is not None,
        deadline_s=settings.passive_deadline_s,
        renderer=renderer,
    )
    web.closers.append(window.close)
    config = WeChatConfig.from_settings(settings)
    return wechat_router(config, web.shared_state, window, web.form_links.url_for)
