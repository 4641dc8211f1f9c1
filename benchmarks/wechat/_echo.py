"""A bare FastAPI app, the floor the bot's passive reply is compared with: ``POST /wechat`` checks the
signature as the bot does and echoes the message back as a passive text reply, with no dialogue.

Run it as the bot runs: ``uvicorn benchmarks.wechat._echo:app --workers 2`` (token from
``APPLICANT_BOT_WECHAT_TOKEN``).
"""

from __future__ import annotations

import hmac
import os
import time
import xml.etree.ElementTree as ET

from fastapi import FastAPI, Request, Response

from benchmarks.wechat._platform import cdata, signature

TOKEN = os.environ.get("APPLICANT_BOT_WECHAT_TOKEN", "bench-token")

app = FastAPI()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/wechat")
async def wechat(request: Request) -> Response:
    query = request.query_params
    expected = signature(TOKEN, query.get("timestamp", ""), query.get("nonce", ""))
    if not hmac.compare_digest(expected, query.get("signature", "")):
        return Response(status_code=403)
    # Plaintext benchmark traffic from our own simulator: the stdlib parser is enough here.
    message = ET.fromstring(await request.body())
    reply = (
        f"<xml><ToUserName>{cdata(message.findtext('FromUserName') or '')}</ToUserName>"
        f"<FromUserName>{cdata(message.findtext('ToUserName') or '')}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(message.findtext('Content') or '')}</Content></xml>"
    )
    return Response(content=reply, media_type="application/xml")
