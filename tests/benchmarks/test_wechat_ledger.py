"""The benchmark's verdict: an answer the user never saw is lost, an answer seen twice is a duplicate,
wherever it was shown (passive reply, 客服消息, or the passive reply to the user's next message)."""

from __future__ import annotations

import httpx

from benchmarks.wechat import CustomMessage, Delivery, StallingLLM, fragments, judge

ANSWER = "申报截止日期为2025年8月25日。\n请按通知要求准备材料。"
ACK = "正在为您查询，答案稍后发送。"


def delivery(msg_id: str, shown: str | None, at: float, openid: str = "alice") -> Delivery:
    return Delivery(openid, msg_id, "问题", sent_at=at, shown=shown, shown_at=at)


def test_an_answer_shown_passively_once_is_neither_lost_nor_duplicated() -> None:
    verdict = judge([delivery("1", ANSWER + "\n出处：《通知》", 1.0)], [], {"1": [ANSWER]})
    assert verdict.ok and verdict.messages == 1


def test_an_acknowledged_message_whose_answer_never_came_is_lost() -> None:
    verdict = judge([delivery("1", ACK, 1.0)], [], {"1": [ANSWER]})
    assert verdict.lost == ["1"] and not verdict.duplicates


def test_a_message_the_bot_stored_no_answer_for_is_lost() -> None:
    verdict = judge([delivery("1", None, 1.0)], [], {})
    assert verdict.lost == ["1"] and verdict.unanswered == ["1"]


def test_an_answer_pushed_after_the_ack_or_kept_for_the_next_message_is_delivered() -> None:
    pushed = judge([delivery("1", ACK, 1.0)], [CustomMessage("alice", ANSWER, 2.0)], {"1": [ANSWER]})
    assert pushed.ok
    later = judge(
        [delivery("1", ACK, 1.0), delivery("2", "您上一条消息的回复：\n" + ANSWER + "\n好的。", 3.0)],
        [],
        {"1": [ANSWER], "2": ["好的。"]},
    )
    assert later.ok


def test_an_answer_shown_passively_and_pushed_again_is_a_duplicate() -> None:
    verdict = judge([delivery("1", ANSWER, 1.0)], [CustomMessage("alice", ANSWER, 2.0)], {"1": [ANSWER]})
    assert verdict.duplicates and not verdict.lost


def test_two_messages_with_the_same_answer_need_it_shown_twice() -> None:
    deliveries = [delivery("1", ANSWER, 1.0), delivery("2", ACK, 2.0)]
    verdict = judge(deliveries, [], {"1": [ANSWER], "2": [ANSWER]})
    assert verdict.lost == ["1", "2"]  # one of the two identical answers is missing
    both = [delivery("1", ANSWER, 1.0), delivery("2", ANSWER, 2.0, openid="bob")]
    other_user = judge(both, [], {"1": [ANSWER], "2": [ANSWER]})
    assert other_user.ok  # one each, to different people


def test_a_long_answer_is_recognised_by_the_head_and_the_tail_of_its_text() -> None:
    assert fragments(ANSWER) == ["申报截止日期为2025年8月25", "请按通知要求准备材料。"]
    split = ["(1/2) 申报截止日期为2025年8月25日。", "(2/2) 请按通知要求准备材料。"]
    verdict = judge([delivery("1", split[0], 1.0)], [CustomMessage("alice", split[1], 2.0)], {"1": [ANSWER]})
    assert verdict.ok
    half = judge([delivery("1", split[0], 1.0)], [], {"1": [ANSWER]})
    assert half.lost == ["1"]


def test_the_stalling_llm_answers_openai_style_with_a_citation() -> None:
    with StallingLLM(stall_s=0.0) as llm, httpx.Client(trust_env=False, timeout=5) as client:
        body = {"model": "m", "messages": [{"role": "user", "content": "截止日期？"}]}
        reply = client.post(llm.base_url + "/chat/completions", json=body).json()
        models = client.get(llm.base_url + "/models").json()
    assert "[1]" in reply["choices"][0]["message"]["content"]
    assert reply["model"] == "m" and models["data"][0]["id"] and llm.completions == 1


def test_an_answer_quoted_inside_another_answer_is_not_counted_twice() -> None:
    quoting = "通知中没有提到这一点。相关的内容是：" + ANSWER.replace("\n", "") + "如需确认，请咨询发布单位。"
    deliveries = [delivery("1", ANSWER, 1.0), delivery("2", quoting, 2.0)]
    assert judge(deliveries, [], {"1": [ANSWER], "2": [quoting]}).ok
    only_the_quote = [delivery("1", ACK, 1.0), delivery("2", quoting, 2.0)]
    assert judge(only_the_quote, [], {"1": [ANSWER], "2": [quoting]}).lost == ["1"]
