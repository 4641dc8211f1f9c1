"""The dialogue as an applicant uses it: questions with citations and ratings, the guided self-assessment
with a question in the middle, back, edit, summary, confirm and resume after a restart; bad input; one
user's messages one at a time, different users in parallel."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

import rubric_engine
from conversations import Dialogue, Incoming, Reply, Store
from conversations._store import AssessmentRow, DialogueStateRow, QuestionLogRow
from knowledge import Answer
from tests.conversations.conftest import CannedAnswerer

SCORES = ["9分", "14分", "15分", "10分", "10分", "20分", "20分"]  # qinghai-2025-star, in table order


class Chat:
    """One user talking to a dialogue: `say` returns the replies' text, `last` the replies."""

    def __init__(self, dialogue: Dialogue, user: str = "alice", channel: str = "test") -> None:
        self.dialogue = dialogue
        self.user = user
        self.channel = channel
        self.last: list[Reply] = []

    def say(self, text: str) -> str:
        self.last = self.dialogue.handle(Incoming(channel=self.channel, user_id=self.user, text=text))
        return "\n".join(reply.plain_text() for reply in self.last)


def _dialogue(url: str, answerer: CannedAnswerer | None = None) -> Dialogue:
    return Dialogue(Store(url), answerer or CannedAnswerer(), today=lambda: date(2025, 8, 1))


def _snapshot(dialogue: Dialogue) -> tuple[object, ...]:
    """What a bad input must leave unchanged: where the dialogue stands and every assessment's answers
    (the count of unreadable replies to the current item may grow: it decides when to show choices)."""
    with dialogue.store.session() as session:
        states = [
            (s.mode, s.programme, {k: v for k, v in s.data.items() if k != "invalid"})
            for s in session.scalars(select(DialogueStateRow))
        ]
        assessments = [(a.status, a.state) for a in session.scalars(select(AssessmentRow))]
    return tuple(states), tuple(map(repr, assessments))


def test_a_question_gets_a_cited_answer_that_can_be_rated(database_url: str) -> None:
    answerer = CannedAnswerer({"截止": "申报截止时间：2016年9月10日。"})
    chat = Chat(_dialogue(database_url, answerer))
    text = chat.say("连云港服务之星申报截止到哪天？")
    assert "2016年9月10日" in text and "出处：《测试通知》二、申报时间" in text
    assert "回复“1 有用”或“2 没用”" in text
    (reply,) = chat.last
    assert reply.rating_id is not None and reply.citations[0].section == "二、申报时间"
    assert "谢谢" in chat.say("1")
    chat.say("奖金有多少")
    chat.dialogue.handle(
        Incoming(channel="test", user_id="alice", rating=(chat.last[0].rating_id or 0, "useless"))
    )
    rows = chat.dialogue.store.question_log()
    assert [(row.question, row.answered, row.kind, row.rating) for row in rows] == [
        ("连云港服务之星申报截止到哪天？", True, "answer", "useful"),
        ("奖金有多少", False, "not_found", "useless"),
    ]


def test_the_guided_self_assessment_end_to_end(database_url: str) -> None:
    answerer = CannedAnswerer({"报告": "必须提供用户满意度测评报告（近1年内）。"})
    chat = Chat(_dialogue(database_url, answerer))
    assert "qinghai-2025-star" in chat.say("我要自评")  # without an id: the forms to choose from
    assert "第1/7项" in chat.say("/assess qinghai-2025-star")
    assert "已记录：第1项" in chat.say(SCORES[0])
    rejected = chat.say("100分")  # not allowed: said so, and the item asked again
    assert "不是本项允许的分值" in rejected and "第2/7项" in rejected
    chat.say(SCORES[1])
    midway = chat.say("报告要近几年的？")  # a question halfway: answered, then the item again
    assert "近1年内" in midway and "第3/7项" in midway
    assert answerer.asked[-1] == ("报告要近几年的？", "qinghai-2025")  # scoped to the form's programme
    chat.say("5分")
    assert "第3/7项" in chat.say("上一题")
    assert "第4/7项" in chat.say(SCORES[2])  # the changed answer replaces the old one
    for score in SCORES[3:]:
        chat.say(score)
    summary = chat.say("汇总")
    assert "总分：98/100分" in summary
    edited = chat.say("改第3项为12分")
    assert "已将第3项" in edited and "12分" in edited
    assert "请填写表头“姓名”" in chat.say("确认")
    chat.say("张三")
    assert "“单位”" in chat.say("汇总")  # asked again after another command
    chat.say("跳过")
    while "请填写表头" in chat.last[-1].text:
        chat.say("营业员")
    done = chat.last[-1].plain_text()
    assert "总分95分" in done and "可以申报" in done and "单位、签字、盖章请打印后手写填写" in done
    (form_reply,) = chat.last
    (attachment,) = form_reply.attachments
    assert attachment.filename.endswith(".docx")
    document = zipfile.ZipFile(io.BytesIO(attachment.data)).read("word/document.xml").decode()
    assert "张三" in document and "营业员" in document

    rubric = rubric_engine.load_rubric("qinghai-2025-star")
    expected = rubric_engine.assess(rubric, [9, 14, 12, 10, 10, 20, 20])
    (row,) = chat.dialogue.store.assessments("test", "alice")
    assert (row.total, row.eligible, row.status) == (expected.total, expected.eligible, "confirmed")
    actions = [event.action for event in chat.dialogue.store.assessment_history(row.id)]
    assert actions[0] == "start" and actions.count("back") == 1 and actions[-2:] == ["edit", "confirm"]

    restarted = Chat(_dialogue(database_url, answerer))  # a new process on the same database
    restarted.say("/form")
    assert restarted.last[0].attachments[0].data == attachment.data


def test_an_assessment_resumes_where_it_stopped_after_a_restart(database_url: str) -> None:
    chat = Chat(_dialogue(database_url))
    chat.say("/assess qinghai-2025-star")
    chat.say(SCORES[0])
    chat.say(SCORES[1])
    assert "进度已保存" in chat.say("退出")
    assert "通知中没有说明" in chat.say("奖金有多少")  # questions again while paused
    later = Chat(_dialogue(database_url))
    assert "继续上次的自评" in later.say("我要自评")
    assert "第3/7项 · 已得23分" in later.say("/assess qinghai-2025-star")


def test_two_unreadable_replies_bring_the_levels_as_choices(database_url: str) -> None:
    chat = Chat(_dialogue(database_url))
    chat.say("/assess qinghai-2025-star")
    chat.say("很好")
    assert chat.last[-1].choices == []
    chat.say("非常好")
    levels = chat.last[-1].choices
    assert [choice.send for choice in levels] == ["1", "2", "3"]
    assert "（1-6分）" in levels[0].label
    chat.say(levels[2].send)  # pressing a level asks for the score inside it
    assert [choice.send for choice in chat.last[-1].choices] == ["9分", "10分"]


@pytest.mark.parametrize(
    "message",
    [
        Incoming(channel="test", user_id="alice", text=""),
        Incoming(channel="test", user_id="alice", text="   "),
        Incoming(channel="test", user_id="alice", text="好" * 10_000),
        Incoming(channel="test", user_id="alice", text="😀👍🎉"),
        Incoming(channel="test", user_id="alice", text="", kind="image"),
        Incoming(channel="test", user_id="alice", text="", kind="sticker"),
        Incoming(channel="test", user_id="alice", text="/edit 99"),
        Incoming(channel="test", user_id="alice", text="/edit 5 8分"),  # an item not yet reached
        Incoming(channel="test", user_id="alice", text="/edit abc"),
        Incoming(channel="test", user_id="alice", text="/assess no-such-form"),
        Incoming(channel="test", user_id="alice", text="/programme 火星2099"),
        Incoming(channel="test", user_id="alice", text="/check 火星2099"),
    ],
    ids=lambda m: f"{m.kind}:{m.text[:12]}",
)
def test_bad_input_gets_a_chinese_reply_and_changes_nothing(database_url: str, message: Incoming) -> None:
    dialogue = _dialogue(database_url)
    chat = Chat(dialogue)
    chat.say("/assess qinghai-2025-star")
    chat.say(SCORES[0])
    before = _snapshot(dialogue)
    replies = dialogue.handle(message)
    assert replies and all(any("\u4e00" <= char <= "\u9fff" for char in r.text) for r in replies)
    assert "第2/7项" in replies[-1].plain_text()  # the current item is asked again
    assert _snapshot(dialogue) == before


def test_confirming_an_unfinished_assessment_is_refused(database_url: str) -> None:
    chat = Chat(_dialogue(database_url))
    chat.say("/assess qinghai-2025-star")
    chat.say(SCORES[0])
    assert "还没有完成" in chat.say("确认")
    assert chat.last[-1].attachments == []
    assert "还没有已确认的自评表" in chat.say("/form")


def test_the_eligibility_walk_ends_with_a_cited_verdict(database_url: str) -> None:
    chat = Chat(_dialogue(database_url))
    assert "请先选择要自查的项目" in chat.say("我能报吗")
    assert "您要申报哪一类" in chat.say("/check qinghai-2025")
    chat.say("服务之星")
    assert "测评报告" in chat.last[-1].text
    assert "无法识别" in chat.say("上个月吧")  # unreadable: asked again, nothing recorded
    assert "测评报告" in chat.last[-1].text
    chat.say("2024-06-30")  # more than a year before today: fails the report-age rule
    question = chat.say("不知道要几年内的荣誉吗？")  # a question in the walk is answered, then asked again
    assert "通知中没有说明" in question and "荣誉" in chat.last[-1].text
    verdict = chat.say("跳过")  # the walk is done when every fact is given or skipped
    assert "申报条件自查结果" in verdict
    assert "❌ 满意度测评报告时效（近1年内）：不符合" in verdict
    assert "❔ 近三年内奖项复印件：待确认" in verdict
    assert "✅ 申报截止日期：符合" in verdict
    assert (
        "依据：《2025年青海省用户满意等级评价及用户满意服务之星申报材料》服务之星申报表前的填报说明 第7条"
        in verdict
    )
    assert "按通知规定暂不能申报" in verdict
    (check,) = chat.dialogue.store.eligibility_checks("test", "alice")
    assert check.status == "done" and check.category == "individual"
    assert check.report is not None and check.report["status"] == "fail"
    assert check.answers == {"report_date": "2024-06-30", "honours_dates": None}


def test_the_walk_uses_the_total_of_a_confirmed_form(database_url: str) -> None:
    chat = Chat(_dialogue(database_url))
    chat.say("/assess lianyungang-2016-star")
    while "自评已完成" not in chat.last[-1].text:
        step = rubric_engine.next_step(
            rubric_engine.load_rubric("lianyungang-2016-star"),
            rubric_engine.AssessmentState.model_validate(
                chat.dialogue.store.assessments("test", "alice")[0].state
            ),
        )
        chat.say(f"{step.allowed_scores[-1]}分")
    chat.say("确认")
    while "请填写表头" in chat.last[-1].text:
        chat.say("跳过")
    assert chat.last[-1].attachments
    chat.say("我能报吗")  # programme and category follow from the confirmed form
    assert "自评总分" not in chat.last[-1].text
    for _ in range(10):
        if "申报条件自查结果" in chat.last[-1].text:
            break
        chat.say("跳过")
    assert "✅ 自评分数80分及以上：符合。自评总分100分" in chat.last[-1].text


def test_one_users_concurrent_messages_are_handled_one_at_a_time(database_url: str) -> None:
    dialogue = _dialogue(database_url)
    chat = Chat(dialogue)
    chat.say("/assess qinghai-2025-star")
    threads = [
        threading.Thread(
            target=dialogue.handle, args=(Incoming(channel="test", user_id="alice", text="5分"),)
        )
        for _ in range(7)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (row,) = dialogue.store.assessments("test", "alice")
    assert row.state["scores"] == {item: 5 for item in row.state["scores"]} and len(row.state["scores"]) == 7


class _BlockingAnswerer(CannedAnswerer):
    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def ask(self, question: str, programme: str | None = None) -> Answer:
        if "慢" in question:
            self.release.wait(timeout=10)
        return super().ask(question, programme)


def test_different_users_are_handled_in_parallel(database_url: str) -> None:
    answerer = _BlockingAnswerer()
    dialogue = _dialogue(database_url, answerer)
    slow = threading.Thread(
        target=dialogue.handle, args=(Incoming(channel="test", user_id="a", text="慢问题"),)
    )
    slow.start()
    time.sleep(0.2)
    started = time.monotonic()
    replies = dialogue.handle(Incoming(channel="test", user_id="b", text="快问题"))
    assert replies and time.monotonic() - started < 5  # not waiting for user a
    assert slow.is_alive()
    answerer.release.set()
    slow.join()
    with dialogue.store.session() as session:
        assert len(session.scalars(select(QuestionLogRow)).all()) == 2


def test_the_programme_scopes_questions_and_the_list_of_forms(database_url: str) -> None:
    answerer = CannedAnswerer()
    chat = Chat(_dialogue(database_url, answerer))
    assert "已切换到项目：青海2025" in chat.say("/programme 青海2025")
    forms = chat.say("我要自评")
    assert "qinghai-2025-star" in forms and "lianyungang-2016-star" not in forms
    chat.say("奖金有多少")
    assert answerer.asked[-1] == ("奖金有多少", "qinghai-2025")
    assert "已切换到项目：连云港2016" in chat.say("切换项目到连云港2016")
    unknown = chat.say("/programme 火星")
    assert "没有对应的项目" in unknown and "青海2025" in unknown
    offered = [choice.send for choice in chat.last[-1].choices]
    assert offered[:2] == ["/programme qinghai-2025", "/programme lianyungang-2016-service-star"]
    assert "/programme jiangsu-2011-service-star" in offered  # a programme with rules, if not indexed
    assert "当前项目：连云港2016" in chat.say("帮助")


def test_a_pass_mark_the_notice_does_not_print_is_said_to_be_assumed(database_url: str) -> None:
    chat = Chat(_dialogue(database_url))
    started = chat.say("/assess qinghai-2025-star")
    assert "通知未明确，按80分暂定，请向协会确认" in started
    assert "申报线80分（暂定）" in started
    printed = Chat(_dialogue(database_url), user="bob").say("/assess lianyungang-2016-star")
    assert "暂定" not in printed and "申报线80分" in printed  # 连云港 prints its 80
