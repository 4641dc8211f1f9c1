"""What an applicant reads in WeChat: every text within 2048 bytes, nothing lost, citations and forms kept."""

from __future__ import annotations

import re

from bot.channels.wechat import TEXT_LIMIT_BYTES, render_replies, split_passive, split_text
from conversations import Attachment, Choice, Reply, SourceRef
from tests.bot.channels.wechat.conftest import OPENID, link_form

_LABEL = re.compile(r"^\((\d+)/(\d+)\)\n")


def _long_answer() -> str:
    """About 6000 bytes of Chinese with emoji (skin tones, a family ZWJ sequence), some long lines."""
    paragraphs = [
        "一、申报条件：申报单位须在本市注册满三年，近三年内无重大质量、安全事故。👍🏽" * 12,
        "二、申报材料：申报表一式三份、营业执照复印件、近三年用户满意度测评报告👨‍👩‍👧。" * 14,
        "三、评审程序：" + "初审、现场评审、综合评定，结果公示七天；" * 50,
        "四、联系方式：市质量协会秘书处 0518-85xxxxxx。🙂",
    ]
    return "\n".join(paragraphs)


def _content(part: str) -> str:
    return _LABEL.sub("", part, count=1)


def test_a_6000_byte_answer_is_split_within_the_limit_and_nothing_is_lost() -> None:
    text = _long_answer()
    assert len(text.encode("utf-8")) > 6000
    parts = split_text(text)
    assert len(parts) >= 3
    assert all(len(part.encode("utf-8")) <= TEXT_LIMIT_BYTES for part in parts)
    # Numbered (i/n), in order.
    labels = [_LABEL.match(part) for part in parts]
    assert all(labels)
    assert [(int(m.group(1)), int(m.group(2))) for m in labels if m] == [
        (index, len(parts)) for index in range(1, len(parts) + 1)
    ]
    # Joined back, the parts give the text (a cut at a line break drops only that line break).
    assert "".join(_content(part) for part in parts).replace("\n", "") == text.replace("\n", "")


def test_splitting_never_cuts_an_emoji_or_a_combined_character_apart() -> None:
    # No line breaks and no punctuation: the cut has to fall between characters.
    text = "👨‍👩‍👧" * 400 + "é" * 300  # ZWJ family emoji (18 bytes each), e + combining acute
    parts = [_content(part) for part in split_text(text)]
    assert "".join(parts) == text
    for part in parts:
        assert not part.startswith(("\u200d", "\u0301"))
        assert not part.endswith("\u200d")


def test_splits_prefer_line_breaks_then_sentence_ends() -> None:
    sentence = "本项目每年评选一次，名额由省质量协会分配。"
    parts = [_content(part) for part in split_text(sentence * 120)]
    assert all(part.endswith("。") for part in parts[:-1])


def test_a_short_text_is_not_numbered() -> None:
    assert split_text("申报截止时间为9月30日。") == ["申报截止时间为9月30日。"]


def test_citations_and_choices_are_shown_as_text() -> None:
    reply = Reply(
        text="需要提交近三年的用户满意度测评报告。",
        citations=[SourceRef(title="江苏省服务明星评选办法", section="第五条")],
        choices=[Choice(label="是", send="是"), Choice(label="否", send="否")],
    )
    (text,) = render_replies([reply], OPENID, link_form)
    assert "出处：《江苏省服务明星评选办法》第五条" in text
    assert "可回复：是、否" in text


def test_a_completed_form_arrives_as_a_link_beside_its_summary() -> None:
    docx = Attachment(
        filename="服务明星自评表.docx",
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        data=b"PK\x03\x04 binary docx",
    )
    reply = Reply(text="自评表已生成：附件2《服务明星自评表》，总分86分，达到推荐标准。", attachments=[docx])
    linked: list[tuple[str, str]] = []

    def linker(user_id: str, attachment: Attachment) -> str:
        linked.append((user_id, attachment.filename))
        return link_form(user_id, attachment)

    (text,) = render_replies([reply], OPENID, linker)
    assert "总分86分" in text  # the plain-text summary stays
    assert f"https://bot.example.cn/forms/{OPENID}/服务明星自评表.docx" in text
    assert "PK" not in text
    assert linked == [(OPENID, "服务明星自评表.docx")]


def test_each_reply_of_a_turn_is_its_own_text_and_empty_ones_are_dropped() -> None:
    replies = [Reply(text="第一条"), Reply(text=""), Reply(text="第二条")]
    assert render_replies(replies, OPENID, link_form) == ["第一条", "第二条"]


def test_one_text_goes_in_the_passive_reply_and_the_rest_to_customer_service() -> None:
    replies = [Reply(text="好的，开始自评。"), Reply(text="第1项：服务承诺（10分）")]
    texts = render_replies(replies, OPENID, link_form)
    split = split_passive(texts)
    assert split.passive == "好的，开始自评。"
    assert split.rest == ["第1项：服务承诺（10分）"]
    assert split_passive([]).passive is None
