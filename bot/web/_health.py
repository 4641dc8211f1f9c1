"""GET /healthz: whether this worker can reach what answering needs (for the proxy and the operator)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from conversations._store import UserRow

logger = logging.getLogger(__name__)


def health_router() -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", name="healthz")
    def healthz(request: Request) -> JSONResponse:  # sync: every check blocks
        web = request.app.state.web
        checks: dict[str, Callable[[], None]] = {
            "store": lambda: _store_reachable(web.dialogue.store),
            "index": lambda: _index_ready(web.dialogue.answerer),
            "shared_state": lambda: _shared_state_works(web.shared_state, web.worker_id),
        }
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as error:
                logger.warning("healthz: %s failed: %s", name, error)
                results[name] = f"error: {type(error).__name__}: {error}"[:300]
        healthy = all(result == "ok" for result in results.values())
        body = {"status": "ok" if healthy else "unavailable", "checks": results}
        return JSONResponse(body, status_code=200 if healthy else 503)

    return router


def _store_reachable(store: Any) -> None:
    # A real table, not SELECT 1: a SQLite file replaced by an empty one must fail too.
    with store.session() as session:
        session.execute(select(UserRow.id).limit(1))


def _index_ready(answerer: Any) -> None:
    index_ready = getattr(answerer, "index_ready", None)
    if index_ready is not None and not index_ready():
        raise RuntimeError("the notice index is missing or was built by another version: run ingest")


def _shared_state_works(state: Any, worker_id: str) -> None:
    key = f"healthz:{worker_id}"
    probe = uuid.uuid4().hex
    state.set(key, probe, 30)
    if state.get(key) != probe:
        raise RuntimeError("a value written to the shared state did not read back")
