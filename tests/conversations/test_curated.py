"""Curated answers as staff and applicants meet them: written, edited, versioned, removed and restored;
flagged when their notice changes; matched on paraphrases (traditional characters, typos) and not on
near-misses; seen at once by another worker; and served through the dialogue with their citation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from conversations import CuratedAnswerStore, Dialogue, Incoming, Store
from conversations._analytics import CURATED_PREFIX, CURATED_THRESHOLD
from conversations._store import QuestionLogRow
from knowledge import Answer, KnowledgeBase, KnowledgeConfig, normalize_text


@pytest.fixture
def store(database_url: str) -> Store:
    return Store(database_url)


def ask(curated: CuratedAnswerStore, question: str, programme: str | None = None) -> Answer | None:
    """As the knowledge base asks: the question normalised as `prepare_question` does."""
    return curated.lookup(normalize_text(question).strip(), programme=programme)


# --- editing and versions ------------------------------------------------------------------------------


def test_every_change_is_a_new_version_and_the_old_text_is_kept(store: Store) -> None:
    curated = CuratedAnswerStore(store)
    added = curated.add(question="申报截止时间是哪天", answer="7月15日截止。", by="王老师")
    assert (added.version, added.status, added.created_by) == (1, "active", "王老师")

    edited = curated.edit(added.id, by="李老师", answer="截止时间延后到7月31日。")
    assert edited.version == 2 and edited.updated_by == "李老师" and edited.created_by == "王老师"
    assert curated.edit(added.id, by="李老师", answer="截止时间延后到7月31日。").version == 2  # no change

    history = curated.versions(added.id)
    assert [(v.version, v.answer, v.edited_by) for v in history] == [
        (1, "7月15日截止。", "王老师"),
        (2, "截止时间延后到7月31日。", "李老师"),
    ]
    assert "7月31日" in ask(curated, "申报截止时间是哪天").answer


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"question": "  ", "answer": "有答复"}, "问题不能为空"),
        ({"question": "截止时间", "answer": ""}, "答复内容不能为空"),
        ({"question": "截止时间", "answer": "很长" * 1001}, "答复内容过长"),
        ({"question": "截止时间", "answer": "7月15日", "cite_section": "二、申报时间"}, "通知文件"),
    ],
)
def test_an_empty_or_oversized_answer_is_refused_in_chinese(
    store: Store, fields: dict[str, str], message: str
) -> None:
    curated = CuratedAnswerStore(store)
    with pytest.raises(ValueError, match=message):
        curated.add(by="王老师", **fields)
    assert curated.all(include_removed=True) == []


def test_a_removed_answer_stops_answering_and_can_be_restored(store: Store) -> None:
    curated = CuratedAnswerStore(store)
    added = curated.add(question="参加评选要收费吗", answer="全程免费。", by="王老师")
    assert ask(curated, "参加评选收不收费") is not None

    removed = curated.remove(added.id, by="李老师")
    assert (removed.status, removed.version) == ("removed", 2)
    assert ask(curated, "参加评选收不收费") is None
    assert curated.all() == [] and [a.id for a in curated.all(include_removed=True)] == [added.id]

    restored = curated.restore(added.id, by="王老师")
    assert (restored.status, restored.version) == ("active", 3)
    assert [v.status for v in curated.versions(added.id)] == ["active", "removed", "active"]
    assert ask(curated, "参加评选收不收费").curated_answer_id == added.id


def test_an_unknown_id_says_so(store: Store) -> None:
    from conversations import CuratedAnswerNotFoundError

    curated = CuratedAnswerStore(store)
    with pytest.raises(CuratedAnswerNotFoundError, match="没有编号为 42"):
        curated.remove(42, by="王老师")
    assert curated.get(42) is None


def test_phrasings_added_from_a_gap_group_are_matched(store: Store) -> None:
    curated = CuratedAnswerStore(store)
    added = curated.add(question="申报截止时间是哪天", answer="7月15日截止。", by="王老师")
    assert ask(curated, "网上报名通道几时关闭") is None
    updated = curated.add_phrasings(added.id, ["网上报名通道什么时候关闭", "申报截止时间是哪天"], by="王老师")
    assert updated.phrasings == ["网上报名通道什么时候关闭"] and updated.version == 2
    assert ask(curated, "网上报名通道几时关闭").curated_answer_id == added.id


# --- flags when a notice changes ---------------------------------------------------------------------


def test_answers_citing_a_replaced_notice_are_flagged_and_not_served_until_cleared(store: Store) -> None:
    curated = CuratedAnswerStore(store)
    citing = curated.add(
        question="申报截止时间是哪天",
        answer="7月15日截止。",
        by="王老师",
        cite_file="haian.txt",
        cite_section="二",
    )
    other = curated.add(question="参加评选要收费吗", answer="全程免费。", by="王老师", cite_file="yushu.txt")

    assert curated.flag_citing("haian.txt", "通知已被替换") == [citing.id]
    assert curated.get(citing.id).flagged == "通知已被替换"
    assert curated.get(other.id).flagged is None
    assert ask(curated, "申报截止时间是哪天") is None  # the notices answer instead of last year's rule
    assert ask(curated, "参加评选要收费吗") is not None

    cleared = curated.clear_flag(citing.id, by="李老师")
    assert cleared.flagged is None
    assert ask(curated, "申报截止时间是哪天").curated_answer_id == citing.id

    curated.flag_citing("haian.txt", "通知已撤回")
    rewritten = curated.edit(citing.id, by="李老师", answer="以新通知为准：8月1日截止。")
    assert rewritten.flagged is None  # rewriting it is the review the flag asked for


# --- programme scoping -------------------------------------------------------------------------------


def test_an_answer_for_one_programme_answers_only_that_programme(store: Store) -> None:
    curated = CuratedAnswerStore(store)
    haian = curated.add(
        question="申报截止时间是哪天", answer="海安：7月15日截止。", by="王老师", programme="haian-2024"
    )
    everywhere = curated.add(question="参加评选要收费吗", answer="各项目均免费。", by="王老师")

    assert ask(curated, "申报截止时间是哪天", "haian-2024").curated_answer_id == haian.id
    assert ask(curated, "申报截止时间是哪天", "yushu-2025") is None
    assert ask(curated, "申报截止时间是哪天", None) is None  # unknown programme: the notices label each
    for programme in ("haian-2024", "yushu-2025", None):
        answer = ask(curated, "参加评选要收费吗", programme)
        assert answer.curated_answer_id == everywhere.id and answer.programme == programme


# --- matching ----------------------------------------------------------------------------------------

ANSWERS = {
    "deadline": ("申报截止时间是什么时候", ["截止日期是哪天", "最晚什么时候交材料"]),
    "address": ("申报材料寄送地址在哪里", ["材料寄到哪里"]),
    "fee": ("参加评选要收费吗", ["申报需要交钱吗"]),
    "copies": ("申报材料要交几份", ["材料一式几份"]),
}
PARAPHRASES = {
    "deadline": [
        "申报截至时间是几号",  # typo: 截至
        "報名截止是哪天",  # traditional
        "什么时候截止申报",
        "申報截止時間是什麼時候",
        "截止时问是什么时候",  # typo: 问 for 间
        "最迟哪天交材料",
        "申报最晚几号前交",
    ],
    "address": [
        "材料寄到什么地方",
        "申報材料郵寄地址",
        "申报材料寄送地扯",
        "材料应该送到哪",
        "申报材料往哪里寄",
    ],
    "fee": ["参加评选收不收费", "參加評選要收費嗎", "申报要花钱吗", "评选免费吗"],
    "copies": ["申报材料需要几份", "材料要准备多少份", "申報材料要交幾份"],
}
# Same topics, other questions: no curated answer may reply to them.
NEAR_MISSES = [
    "申报条件是什么",
    "申报材料需要盖章吗",
    "获奖以后有奖金吗",
    "评审结果什么时候公布",
    "申报表在哪里下载",
    "材料格式有什么要求",
    "截止时间能延期吗",
    "申报需要哪些材料",
    "联系人电话是多少",
    "自评分数要多少分才能申报",
]


def test_paraphrases_match_their_answer_and_near_misses_do_not(store: Store) -> None:
    curated = CuratedAnswerStore(store)
    ids = {
        key: curated.add(question=q, answer=f"{key} 的答复", phrasings=p, by="王老师").id
        for key, (q, p) in ANSWERS.items()
    }
    topic_of = {answer_id: key for key, answer_id in ids.items()}

    found = {q: ask(curated, q) for questions in PARAPHRASES.values() for q in questions}
    right = [
        q
        for key, qs in PARAPHRASES.items()
        for q in qs
        if found[q] and topic_of[found[q].curated_answer_id] == key
    ]
    confused = [
        q
        for key, qs in PARAPHRASES.items()
        for q in qs
        if found[q] and topic_of[found[q].curated_answer_id] != key
    ]
    false_matches = [q for q in NEAR_MISSES if ask(curated, q) is not None]

    assert confused == []  # a deadline question never gets the mailing-address answer
    recall = len(right) / len(found)
    precision = len(right) / (len(right) + len(false_matches))
    # Measured at CURATED_THRESHOLD 0.30 with the rare-word gate (knowledge.unexplained_words) and the
    # IDF prior (TfidfEncoder): recall 18/19 (miss: 材料应该送到哪), precision 18/20 (截止时间能延期吗
    # gets the deadline answer: 延期 shares 期 with 日期; 申报需要哪些材料 gets it too). Without the
    # gate: 17/19 and 17/20, 申报需要哪些材料 getting the fee answer.
    assert recall >= 0.85, (recall, sorted(set(found) - set(right)))
    assert precision >= 0.85, (precision, false_matches)
    for question in ("申報截止時間是什麼時候", "截止时问是什么时候", "申报材料寄送地扯", "參加評選要收費嗎"):
        assert question in right  # traditional characters and typos
    for question in (
        "申报条件是什么",
        "获奖以后有奖金吗",
        "评审结果什么时候公布",
        "申报表在哪里下载",
        "联系人电话是多少",
    ):
        assert question in NEAR_MISSES and question not in false_matches
    assert 0.0 < CURATED_THRESHOLD < 1.0


# Written after the gate was designed on the set above, measured once, not tuned on: other topics.
HELD_OUT_ANSWERS = {
    "quota": ("每个单位能推荐几个名额", ["推荐名额有多少"]),
    "contact": ("有问题找谁咨询", ["联系人是谁"]),
    "report": ("满意度测评报告要多久以内的", ["测评报告有效期多长"]),
    "pass": ("自评多少分才能申报", ["自评分数线是多少"]),
    "form": ("申报表在哪里下载", ["去哪下载申报表"]),
}
HELD_OUT_PARAPHRASES = {
    "quota": ["一个单位最多报几个", "推薦名額是多少", "每家单位可以推荐多少人", "名额有限制吗"],
    "contact": ["咨询电话多少", "不懂的话问谁", "聯繫人電話", "有疑问联系谁"],
    "report": ["测评报告几年内有效", "满意度报告要近一年的吗", "測評報告多久以內"],
    "pass": ["自评要达到多少分", "自評分數要多少", "多少分可以报", "自评80分够不够"],
    "form": ["申报表从哪下", "申報表格在哪下載", "表格去哪里下载"],
}
HELD_OUT_NEAR_MISSES = [
    "名额怎么分配到各市",
    "测评报告要盖章吗",
    "测评报告由谁来做",
    "自评表怎么填",
    "申报表要打印几份",
    "联系人可以换吗",
    "评审专家是谁",
    "自评分数会公开吗",
    "推荐名额可以转让吗",
    "申报表填错了怎么办",
    "下载的表格打不开",
]


def test_held_out_paraphrases_match_and_near_misses_mostly_do_not(store: Store) -> None:
    curated = CuratedAnswerStore(store)
    ids = {
        key: curated.add(question=q, answer=f"{key} 的答复", phrasings=p, by="王老师").id
        for key, (q, p) in HELD_OUT_ANSWERS.items()
    }
    right = [
        q
        for key, qs in HELD_OUT_PARAPHRASES.items()
        for q in qs
        if (found := ask(curated, q)) is not None and found.curated_answer_id == ids[key]
    ]
    wrong = [
        q
        for key, qs in HELD_OUT_PARAPHRASES.items()
        for q in qs
        if (found := ask(curated, q)) is not None and found.curated_answer_id != ids[key]
    ]
    false_matches = [q for q in HELD_OUT_NEAR_MISSES if ask(curated, q) is not None]
    # Measured once: recall 17/18 (miss: 多少分可以报), false matches 3/11 (联系人可以换吗,
    # 自评分数会公开吗, 申报表填错了怎么办: same topic, a common verb that the gate lets pass);
    # without the gate 14/18 and 7/11.
    assert wrong == []
    assert len(right) >= 16, sorted(set(q for qs in HELD_OUT_PARAPHRASES.values() for q in qs) - set(right))
    assert len(false_matches) <= 3, false_matches
    for question in ("测评报告要盖章吗", "测评报告由谁来做", "申报表要打印几份", "评审专家是谁"):
        assert question not in false_matches


def test_one_answer_alone_does_not_answer_other_topics(store: Store) -> None:
    """With a single answer the phrasings give no term statistics: the gate's synonym classes and
    rare words keep a deadline or a conditions question off a mailing-address answer."""
    curated = CuratedAnswerStore(store)
    curated.add(question="申报材料寄到哪里", answer="寄至协会。", phrasings=["材料邮寄地址"], by="王老师")
    assert ask(curated, "申报材料要寄到什么地方").answer.startswith("协会答复")
    for question in ("申报截止到哪天", "申报条件是什么", "要收费吗", "评审结果什么时候公布"):
        assert ask(curated, question) is None, question


def test_naming_the_programme_does_not_make_another_question_match(store: Store) -> None:
    curated = CuratedAnswerStore(store, programme_names=lambda: ["海安", "用户满意服务之星"])
    added = curated.add(
        question="海安服务之星申报材料寄到哪里",
        answer="寄至海安市质量协会。",
        phrasings=["海安服务之星材料邮寄地址"],
        by="王老师",
    )
    assert ask(curated, "海安服務之星的申報材料郵寄到什麼地方").curated_answer_id == added.id
    for question in ("海安服务之星申报截止到哪天", "海安用户满意服务之星要收费吗", "海安服务之星"):
        assert ask(curated, question) is None, question


def test_a_curated_reply_says_it_is_the_associations_and_cites_its_notice(store: Store) -> None:
    curated = CuratedAnswerStore(
        store, catalog_titles=lambda: {"haian-2024.txt": "关于开展2024年度海安市用户满意服务之星活动的通知"}
    )
    titled = curated.add(
        question="申报截止时间是哪天",
        answer="7月15日截止。",
        by="王老师",
        cite_file="haian-2024.txt",
        cite_section="二、申报时间",
    )
    curated.add(question="参加评选要收费吗", answer="全程免费。", by="王老师", cite_file="yushu-2025.txt")

    answer = ask(curated, "申報截止時間是哪天")
    assert answer.answer == CURATED_PREFIX + "7月15日截止。" and answer.answered and answer.kind == "answer"
    assert answer.confidence >= 0.85 and answer.curated_answer_id == titled.id
    [citation] = answer.citations
    assert (citation.file, citation.title, citation.section) == (
        "haian-2024.txt",
        "关于开展2024年度海安市用户满意服务之星活动的通知",
        "二、申报时间",
    )
    [untitled] = ask(curated, "参加评选要收费吗").citations
    assert untitled.title == "yushu-2025"  # not in the catalog: the file's name still says which notice


def test_a_database_error_lets_the_notices_answer(store: Store) -> None:
    curated = CuratedAnswerStore(store)
    curated.add(question="参加评选要收费吗", answer="全程免费。", by="王老师")
    store.engine.dispose()
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE curated_answer_versions")
        connection.exec_driver_sql("DROP TABLE gap_decisions")
        connection.exec_driver_sql("DROP TABLE curated_answers")
    assert ask(curated, "参加评选要收费吗") is None  # logged, not raised


# --- freshness across workers --------------------------------------------------------------------------


def test_another_worker_sees_an_answer_the_moment_it_is_saved(database_url: str) -> None:
    writer, reader = CuratedAnswerStore(Store(database_url)), CuratedAnswerStore(Store(database_url))
    assert ask(reader, "参加评选要收费吗") is None  # the reader has built its matcher already
    added = writer.add(question="参加评选要收费吗", answer="全程免费。", by="王老师")
    assert ask(reader, "參加評選收費嗎").curated_answer_id == added.id
    writer.edit(added.id, by="王老师", answer="全程免费，不收取任何费用。")
    assert "不收取任何费用" in ask(reader, "参加评选要收费吗").answer
    writer.remove(added.id, by="王老师")
    assert ask(reader, "参加评选要收费吗") is None
    writer.restore(added.id, by="王老师")
    writer.flag_citing("none.txt", "无关")
    assert ask(reader, "参加评选要收费吗") is not None


# --- through the dialogue ----------------------------------------------------------------------------

NOTICE = """\
关于开展2024年度海安市用户满意服务之星活动的通知

一、申报条件
（一）申报人须在服务一线岗位连续工作满2年。
（二）用户满意度测评报告须在近1年内完成。

二、申报时间
申报截止时间：2024年7月15日。逾期不予受理。

三、申报材料
申报材料一式3份，报市质量协会。
"""
CATALOG = """\
documents:
  - file: haian-2024-service-star.txt
    title: 关于开展2024年度海安市用户满意服务之星活动的通知
    issuer: 海安市质量协会
    region: 江苏省海安市
    published: 2024-05-06
    programme: haian-2024-service-star
    kind: notice
"""


def notices_folder(tmp_path: Path) -> Path:
    notices = tmp_path / "notices"
    notices.mkdir()
    (notices / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (notices / "haian-2024-service-star.txt").write_text(NOTICE, encoding="utf-8")
    return notices


def test_the_dialogue_answers_with_the_curated_text_and_logs_which_answer(
    database_url: str, tmp_path: Path
) -> None:
    notices = notices_folder(tmp_path)
    store = Store(database_url)

    def titles() -> dict[str, str]:
        return kb.notice_titles()

    curated = CuratedAnswerStore(
        store,
        catalog_titles=titles,
        programme_names=lambda: [p for x in kb.programme_details() for p in x.places],
    )
    kb = KnowledgeBase(KnowledgeConfig(index_dir=tmp_path / "index"), curated=curated)
    kb.ingest(notices)
    dialogue = Dialogue(store, kb, today=lambda: date(2024, 6, 1))

    def say(text: str) -> str:
        replies = dialogue.handle(Incoming(channel="test", user_id="alice", text=text))
        return "\n".join(reply.plain_text() for reply in replies)

    assert "协会答复" not in say("材料寄到哪里？")  # nothing curated yet: the notices answer
    added = curated.add(
        question="申报材料寄到哪里",
        answer="请寄至海安市质量协会（海安市长江中路1号），信封注明“服务之星申报”。",
        by="王老师",
        cite_file="haian-2024-service-star.txt",
        cite_section="三、申报材料",
    )
    text = say("申報材料郵寄到什麼地方？")
    assert "协会答复：请寄至海安市质量协会" in text
    assert "出处：《关于开展2024年度海安市用户满意服务之星活动的通知》三、申报材料" in text
    assert "截止时间" in say("申报截止时间是哪天？")  # other questions still come from the notices

    with store.session() as session:
        logged = list(session.scalars(select(QuestionLogRow).order_by(QuestionLogRow.id)))
    assert [row.curated_answer_id for row in logged] == [None, added.id, None]
    assert logged[1].answered and logged[1].confidence >= 0.85


def test_a_draft_comes_from_the_notices_and_is_neither_stored_nor_served(
    store: Store, tmp_path: Path
) -> None:
    from conversations import draft_answer

    curated = CuratedAnswerStore(store)
    kb = KnowledgeBase(KnowledgeConfig(index_dir=tmp_path / "index"), curated=curated)
    kb.ingest(notices_folder(tmp_path))

    draft = draft_answer(kb, "海安服务之星申报截止时间是哪天", None)
    assert draft is not None and "2024年7月15日" in draft.answer
    assert draft.cite_file == "haian-2024-service-star.txt"
    assert draft.cite_section is not None and "申报时间" in draft.cite_section
    assert "2024年7月15日" in draft.quote
    assert curated.all(include_removed=True) == []
    assert kb.ask("海安服务之星申报截止时间是哪天").curated_answer_id is None

    curated.add(question="海安服务之星申报截止时间是哪天", answer="以协会网站公告为准。", by="王老师")
    redraft = draft_answer(kb, "海安服务之星申报截止时间是哪天", None)
    assert redraft is not None and "协会网站" not in redraft.answer  # drafted from the notices, not itself
    assert redraft.cite_file == "haian-2024-service-star.txt"
