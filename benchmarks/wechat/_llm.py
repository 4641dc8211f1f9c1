"""A slow OpenAI-compatible chat endpoint on loopback: every completion takes `stall_s` seconds.

It answers ``POST /v1/chat/completions`` (non-streaming) with a reply that cites passage [1], so the
bot's citation check accepts it, and ``GET /v1/models``. It counts the completions it was asked for.
"""

from __future__ import annotations

import threading
import time

from benchmarks.wechat._loopback import LoopbackFake, Request, Response, json_response

MODEL = "stalling-model"
REPLY = "根据通知原文，请以通知的规定为准[1]。"


class StallingLLM(LoopbackFake):
    def __init__(self, stall_s: float, reply: str = REPLY) -> None:
        self.stall_s = stall_s
        self.reply = reply
        self.completions = 0
        self._lock = threading.Lock()
        super().__init__()

    @property
    def base_url(self) -> str:
        """What ``APPLICANT_BOT_LLM_BASE_URL`` points at."""
        return self.url + "/v1"

    def handle(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/v1/models":
            return json_response({"object": "list", "data": [{"id": MODEL, "object": "model"}]})
        if request.method == "POST" and request.path == "/v1/chat/completions":
            with self._lock:
                self.completions += 1
            model = request.json().get("model", MODEL)
            time.sleep(self.stall_s)
            return json_response(_completion(model, self.reply))
        return json_response({"error": {"message": "not found"}}, status=404)


def _completion(model: str, text: str) -> dict[str, object]:
    return {
        "id": f"chatcmpl-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }
