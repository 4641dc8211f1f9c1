"""A fake WeChat platform on loopback, for the reliability benchmark and the tests.

- `FakeWeChatAPI`: api.weixin.qq.com's access token and 客服消息 endpoints with WeChat's limits;
- `WeChatPlatform`: delivers signed (plaintext or safe-mode) messages to a bot's ``/wechat`` URL with
  WeChat's 5-second timeout and retries, plus injected retries after a lost answer;
- `StallingLLM`: an OpenAI-compatible chat endpoint that takes N seconds per answer;
- `judge`: lost and duplicated answers over what each user saw, against `stored_turns` (the store);
- `Service`: a server child process (``applicant-bot serve``, ``chroma run``, nginx) waited for and stopped.
The bare FastAPI echo app the bot is compared with is ``benchmarks.wechat._echo:app``.
"""

from benchmarks.wechat._answers import StoredTurns, assessment_inputs, stored_turns
from benchmarks.wechat._fake_api import CustomMessage, FakeWeChatAPI
from benchmarks.wechat._ledger import Seen, Verdict, fragments, judge, screens
from benchmarks.wechat._llm import StallingLLM
from benchmarks.wechat._loopback import LoopbackFake, LoopbackServer
from benchmarks.wechat._platform import (
    Attempt,
    Delivery,
    WeChatPlatform,
    cdata,
    signature,
    text_message_xml,
)
from benchmarks.wechat._processes import Service, child_pids, free_port, serve_command, venv_executable

__all__ = [
    "Attempt",
    "CustomMessage",
    "Delivery",
    "FakeWeChatAPI",
    "LoopbackFake",
    "LoopbackServer",
    "Seen",
    "Service",
    "StallingLLM",
    "StoredTurns",
    "Verdict",
    "WeChatPlatform",
    "assessment_inputs",
    "cdata",
    "child_pids",
    "fragments",
    "free_port",
    "judge",
    "screens",
    "serve_command",
    "signature",
    "stored_turns",
    "text_message_xml",
    "venv_executable",
]
