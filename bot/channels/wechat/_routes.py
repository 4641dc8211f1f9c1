"""``GET/POST /wechat`` on FastAPI: the web side of `WeChatEndpoint`.

Bad input never costs a 5xx or a worker: the signature is checked before the body is read, the body is
read at most up to the limit (a declared or streamed body over it is 413), and the blocking rest runs in
a bounded pool of threads. Each refusal is logged once, with its reason and never the message itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from bot.channels.wechat._endpoint import SUCCESS, PassiveResponder, WeChatConfig, WeChatEndpoint
from bot.channels.wechat._render import FormLinker
from bot.channels.wechat._security import TIMESTAMP_WINDOW_S, Rejected
from bot.channels.wechat._xml import MAX_BODY_BYTES
from bot.shared_state import SharedState

logger = logging.getLogger(__name__)

_REFUSALS = {
    400: "bad request",
    403: "forbidden",
    413: "request body too large",
    415: "unsupported encoding",
}


def wechat_router(
    config: WeChatConfig,
    state: SharedState,
    window: PassiveResponder,
    linker: FormLinker,
    *,
    path: str = "/wechat",
    clock: Callable[[], float] = time.time,
    window_s: float = TIMESTAMP_WINDOW_S,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_threads: int = 64,
) -> APIRouter:
    """The 公众号 webhook. ``window`` answers each message within WeChat's deadline (it blocks: it runs
    the dialogue); ``linker`` makes the download link of a completed form for a user."""
    endpoint = WeChatEndpoint(config, state, window, linker, clock=clock, window_s=window_s)
    router = APIRouter()
    # Our own pool: a slow dialogue must not take the threads the rest of the app runs on. Created on
    # the first request, inside the event loop.
    limiters: list[anyio.CapacityLimiter] = []

    def limiter() -> anyio.CapacityLimiter:
        if not limiters:
            limiters.append(anyio.CapacityLimiter(max_threads))
        return limiters[0]

    @router.get(path, response_class=PlainTextResponse)
    async def verify_url(request: Request) -> Response:
        params = dict(request.query_params)
        try:
            echostr = await anyio.to_thread.run_sync(endpoint.verify_url, params, limiter=limiter())
        except Rejected as refusal:
            return _refused(refusal)
        return PlainTextResponse(echostr)

    @router.post(path)
    async def receive(request: Request) -> Response:
        params = dict(request.query_params)
        try:
            query = endpoint.check_signature(params)
            body = await _read_body(request, max_body_bytes)
            answer = await anyio.to_thread.run_sync(
                endpoint.handle_message, query, params, body, limiter=limiter()
            )
        except Rejected as refusal:
            return _refused(refusal)
        if answer == SUCCESS:
            return PlainTextResponse(answer)
        return Response(answer, media_type="application/xml")

    return router


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Rejected(413, f"declared body of {declared} bytes is over {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Rejected(413, f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _refused(refusal: Rejected) -> Response:
    logger.warning("wechat request refused (%s): %s", refusal.status, refusal.reason)
    return PlainTextResponse(_REFUSALS.get(refusal.status, "refused"), status_code=refusal.status)
