"""Reading a message: a command (``/assess x``, or its natural-language equivalent "我要自评"), a rating,
or free text (a question, or an answer to the current step; the dialogue decides which).

The natural-language forms are whole-message patterns: "我能报吗" starts the eligibility walk, but
"我是班组长，两年前的报告我能报吗" is a question for the notices. They are general Chinese for these
commands, not words of any one notice.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from conversations._messages import Rating

CommandName = Literal[
    "help", "programme", "check", "assess", "back", "edit", "summary", "confirm", "form", "cancel"
]


@dataclass(frozen=True)
class Command:
    name: CommandName
    argument: str = ""  # what follows the command: "青海2025", "qinghai-2025-star", "3 8分"


@dataclass(frozen=True)
class RatingIntent:
    rating: Rating
    explicit: bool  # "有用" is a rating anywhere; a bare "1" only right after an answer, outside a walk


@dataclass(frozen=True)
class FreeText:
    text: str


Intent = Command | RatingIntent | FreeText

_SLASH_NAMES: dict[str, CommandName] = {
    "help": "help",
    "start": "help",  # Telegram's first message
    "menu": "help",
    "programme": "programme",
    "program": "programme",
    "check": "check",
    "assess": "assess",
    "back": "back",
    "edit": "edit",
    "summary": "summary",
    "confirm": "confirm",
    "form": "form",
    "cancel": "cancel",
}
_SLASH = re.compile(r"^/([a-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.S)
_FILLER = re.compile(r"^(?:请问|你好|您好|麻烦|请|那个)[，,\s]*|[。！!？?~～…，,\s]+$|[呢啊呀吧哈]+$")
_CN_NUMBER = "0-9一二两三四五六七八九十"

# Whole-message natural-language equivalents of the commands.
_NATURAL: list[tuple[CommandName, re.Pattern[str]]] = [
    ("help", re.compile(r"^(?:帮助|help|菜单|使用说明|怎么用|如何使用|你能做什么|你可以做什么|功能)$")),
    (
        "programme",
        re.compile(r"^(?:切换|选择|设置|更换|换)(?:项目|地区|活动)(?:为|到|成|是)?[：:\s]*(?P<arg>.*)$"),
    ),
    (
        "check",
        re.compile(
            r"^(?:我|我们|本人|我们单位|我们班组|我们公司)?(?:能|可以|能不能|可不可以|是否可以|是否能|够资格)"
            r"(?:报|申报|参评|参加|报名)(?:吗|么|不|嘛)?$"
            r"|^(?:我|我们|本人)?(?:符合|满足|够)(?:申报)?(?:条件|资格)(?:吗|么|不|嘛)?$"
            r"|^(?:资格自查|条件自查|申报条件自查|检查申报条件|查一下申报条件|申报资格检查)$"
        ),
    ),
    (
        "assess",
        re.compile(
            r"^(?:我要|我想|开始|进行|帮我|我来)?(?:做|填|打分)?(?:自评|自我评价|自评打分)(?:一下)?(?:表)?$"
        ),
    ),
    ("back", re.compile(r"^(?:返回|回到|退回)?上一(?:题|项|步)$|^返回$")),
    (
        "edit",
        re.compile(
            rf"^(?:改|修改|更改|重新评)第?(?P<n>[{_CN_NUMBER}]+)项(?:为|成|到|是|：|:)?\s*(?P<value>.*)$"
            rf"|^第(?P<n2>[{_CN_NUMBER}]+)项(?:修改为|修改成|改为|改成|改)\s*(?P<value2>.*)$"
        ),
    ),
    ("summary", re.compile(r"^(?:查看|看看|看一下)?(?:汇总|小结|自评汇总|得分汇总|目前得分|当前得分)$")),
    ("confirm", re.compile(r"^(?:确认|确定|确认提交|提交|生成自评表|确认无误)$")),
    ("form", re.compile(r"^(?:发送|再发|重新发送|下载|获取)(?:一次|一下)?(?:我的)?自评表$|^再发一次$")),
    ("cancel", re.compile(r"^(?:退出|取消|不评了|结束|退出自评|取消自评|停止|暂停)$")),
]
_RATINGS: dict[str, Rating] = {
    "有用": "useful",
    "1有用": "useful",
    "👍": "useful",
    "有帮助": "useful",
    "没用": "useless",
    "没有用": "useless",
    "无用": "useless",
    "2没用": "useless",
    "👎": "useless",
    "没帮助": "useless",
}
_BARE_RATINGS: dict[str, Rating] = {"1": "useful", "2": "useless"}


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def parse(text: str) -> Intent:
    cleaned = normalise(text)
    slash = _SLASH.match(cleaned.lower()) if cleaned.startswith("/") else None
    if slash is not None:
        name = _SLASH_NAMES.get(slash.group(1))
        if name is not None:
            # the argument keeps its case (rubric ids are lower case, names are Chinese anyway)
            argument = cleaned.split(maxsplit=1)[1].strip() if " " in cleaned else ""
            return Command(name, argument)
    compact = _FILLER.sub("", cleaned.replace(" ", "")) if len(cleaned) <= 40 else cleaned
    if compact in _RATINGS:
        return RatingIntent(_RATINGS[compact], explicit=True)
    if compact in _BARE_RATINGS:
        return RatingIntent(_BARE_RATINGS[compact], explicit=False)
    if len(cleaned) <= 40:
        for name, pattern in _NATURAL:
            match = pattern.match(compact) or pattern.match(cleaned)
            if match is None:
                continue
            groups = {key: value for key, value in match.groupdict().items() if value}
            if name == "edit":
                number = groups.get("n") or groups.get("n2") or ""
                value = groups.get("value") or groups.get("value2") or ""
                return Command("edit", f"{number} {value}".strip())
            return Command(name, groups.get("arg", "").strip())
    return FreeText(cleaned)


_QUESTION_WORDS = re.compile(
    r"多少|几[年个项份天月日号次人分]|哪|什么|啥|怎么|怎样|如何|是否|能否|可否|谁|为什么|要不要|能不能|"
    r"可不可以|有没有|是不是|需不需要|用不用|行不行|对不对"
)
_QUESTION_END = re.compile(r"[?？]|[吗呢么嘛]$")


def looks_like_question(text: str) -> bool:
    """Whether a reply during a walk is a question for the notices rather than an answer to the step:
    a question mark or particle, or a question word in a message longer than a bare answer."""
    cleaned = normalise(text)
    if _QUESTION_END.search(cleaned):
        return True
    return len(cleaned) >= 4 and _QUESTION_WORDS.search(cleaned) is not None
