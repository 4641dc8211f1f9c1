"""The level of body asked about (province, city, county) against the one a sentence speaks of."""

from __future__ import annotations

import pytest

from knowledge._bodies import (
    asked_body,
    asked_levels,
    body_fit,
    county_bodies,
    refused_spans,
    sentence_levels,
)


@pytest.mark.parametrize(
    ("question", "levels"),
    [
        ("株洲这边报湖南服务明星 材料最迟几号交到市质协啊", {"city"}),
        ("湖南省質協的聯繫人 要省里的不要市里的", {"province"}),  # a level turned down is not asked
        ("县里的截止时间是哪天", {"county"}),
        ("江苏省用户满意服务明星申报条件", set()),  # a place in a programme's name asks for no body
        ("获得过省级荣誉的能加分吗", set()),  # an honour's level is no body
        ("县级的荣誉算不算", set()),
    ],
)
def test_the_level_a_question_asks_for(question, levels):
    assert asked_levels(question) == levels


@pytest.mark.parametrize(
    ("sentence", "levels"),
    [
        ("请各单位于6月14日前将申报材料报送株洲市质量协会。", {"city"}),
        ("报送洛阳市质量技术协会，由市质量技术协会统一审核后报送省质量协会。", {"city", "province"}),
        ("各省辖市质量协会将推荐材料报送。", {"city"}),  # 省辖市: the cities' associations
        ("湖南省质量协会用户工作部", {"province"}),
        # the body material is sent to, not the ones that send it
        ("各市质量管理协会请于8月31日前将推荐材料报送省推选活动办公室。", {"province"}),
        ("联系人：易国栋 电话：0731-84470925", set()),
    ],
)
def test_the_levels_a_sentence_speaks_of(sentence, levels):
    assert sentence_levels(sentence) == levels


def test_fit_rewards_the_level_asked_and_penalises_only_another():
    city, province = frozenset({"city"}), frozenset({"province"})
    assert body_fit(city, city) == 1.0
    assert body_fit(city, province) == -1.0
    assert body_fit(city, city | province) == 0.0
    assert body_fit(frozenset(), province) == 0.0


def test_the_body_asked_is_named_with_its_place():
    assert asked_body("武汉市质量协会负责用户满意评价的联系人是谁？", ["武汉"]) == "武汉市质量协会"
    assert asked_body("报名找谁", []) == ""


def test_a_refused_level_is_dropped_from_the_terms():
    question = "联系电话 要省里的不要市里的"
    assert [question[s:e] for s, e in refused_spans(question)] == ["不要市里的"]


# --- answers: a city's letter forwarding its province's notice, each with its deadline and contact ---

HN = "hunan-2024-service-star"
FORWARDED = "关于开展2024年度“湖南省用户满意服务明星”推选活动的通知"


def _kb_over(tmp_path, catalog, passages: list[tuple[str, str]], year: int):
    """A knowledge base over the passages (section, text) of the catalog's one notice."""
    from knowledge import Chunk, KnowledgeBase, KnowledgeConfig
    from tests.knowledge.test_service import TODAY, MemorySearcher

    (doc,) = catalog.documents
    chunks = [
        Chunk(
            id=Chunk.make_id(doc.file, section, text),
            text=text,
            section=section,
            file=doc.file,
            title=doc.title,
            programme=doc.programme,
            year=year,
            order=i,
        )
        for i, (section, text) in enumerate(passages)
    ]
    return KnowledgeBase(
        KnowledgeConfig(index_dir=tmp_path),
        retriever=MemorySearcher(chunks),
        catalog=catalog,
        clock=lambda: TODAY,
    )


@pytest.fixture
def forwarding_kb(tmp_path):
    from knowledge import Catalog, DocumentMeta

    title = f"关于转发《{FORWARDED}》的通知"
    catalog = Catalog(
        documents=[
            DocumentMeta(
                file="zz.txt",
                title=title,
                issuer="株洲市质量协会",
                region="湖南省株洲市",
                published="2024-05-08",
                programme=HN,
            )
        ]
    )
    passages = [
        (
            "一、我市申报安排 › （二）报送时间",
            "（二）报送时间。请各单位于2024年6月14日前将申报材料报送株洲市质量协会，逾期不再受理。",
        ),
        (f"{FORWARDED} › 六、时间安排", "2.7月5日前：各市州质量协会、省直行业协会将推荐材料报送省质量协会；"),
        ("二、联系方式", "株洲市质量协会  联系人：贺雨晴  电话：0731-28456173"),
        (f"{FORWARDED} › 八、联系方式", "湖南省质量协会用户工作部\n联系人：易国栋  电话：0731-84470925"),
    ]
    return _kb_over(tmp_path, catalog, passages, year=2024)


def test_the_city_deadline_is_given_when_the_city_body_is_asked(forwarding_kb):
    answer = forwarding_kb.ask("株洲这边报湖南服务明星 材料最迟几号交到市质协啊")
    assert "6月14日" in answer.answer and "7月5日" not in answer.answer


def test_the_province_contact_is_given_when_the_city_is_turned_down(forwarding_kb):
    answer = forwarding_kb.ask("湖南省质协用户工作部的联系人和电话 要省里的不要市里的")
    assert answer.kind == "answer"
    assert "易国栋" in answer.answer and "贺雨晴" not in answer.answer
    assert "湖南省质量协会用户工作部" in answer.answer  # the body, from the line above the contact


@pytest.mark.parametrize(
    ("sentence", "counties"),
    [
        ("请于6月14日前将申报材料报送朝阳区质量协会。", {"朝阳区"}),  # the district, not 报送朝阳区
        ("长兴县总工会、长兴县质协联合推荐。", {"长兴县"}),
        ("请将申报材料报送各区质协，由各区质协汇总后报送市质协。", set()),  # every district's body
        ("报送本区协会。", set()),
        ("各县（区）质协要成立推进小组。", set()),
        ("联系人：王芳 电话：010-65001234", set()),
    ],
)
def test_the_districts_whose_bodies_a_sentence_names(sentence, counties):
    assert county_bodies(sentence) == counties


# --- answers: a district's letter names its own district's body, not the asker's ------------------

BJ = "beijing-2025-service-star"
BJ_FORWARDED = "关于开展2025年北京市用户满意服务明星活动的通知"


def _district_kb(tmp_path, issuer: str, region: str, passages: list[tuple[str, str]]):
    from knowledge import Catalog, DocumentMeta

    title = f"关于转发《{BJ_FORWARDED}》的通知"
    catalog = Catalog(
        documents=[
            DocumentMeta(
                file="bj.txt", title=title, issuer=issuer, region=region, published="2025-05-12", programme=BJ
            )
        ]
    )
    return _kb_over(tmp_path, catalog, passages, year=2025)


@pytest.fixture
def chaoyang_kb(tmp_path):
    return _district_kb(
        tmp_path,
        "北京市朝阳区质量协会",
        "北京市朝阳区",
        [
            ("一、报送时间", "请区内各单位于2025年6月14日前将申报材料报送朝阳区质量协会，逾期不再受理。"),
            ("二、联系方式", "朝阳区质量协会 联系人：王芳 电话：010-65001234"),
        ],
    )


@pytest.mark.parametrize(
    ("question", "what"),
    [("海淀区的单位申报材料几号截止", "截止日期"), ("海淀区的单位报北京服务明星 区里找谁联系", "联系方式")],
)
def test_another_districts_deadline_or_contact_is_not_given_as_the_askers(chaoyang_kb, question, what):
    answer = chaoyang_kb.ask(question)
    assert not answer.answered
    assert answer.answer.startswith(f"通知中没有给出海淀区的{what}。通知中给出的是另一单位的：")
    assert "朝阳区质量协会" in answer.answer  # what the notice does give, named as another body's


def test_the_letters_own_district_is_answered(chaoyang_kb):
    answer = chaoyang_kb.ask("朝阳区的单位申报材料几号截止")
    assert answer.answered and "2025年6月14日" in answer.answer


@pytest.mark.parametrize(
    "rule",
    [
        "请海淀区各单位于2025年6月14日前将申报材料报送海淀区质量协会，逾期不再受理。",  # the asker's own
        "请各单位将申报材料报送各区质协，各区质协于2025年6月14日前报送市质协。",  # every district's
    ],
)
def test_a_city_notice_whose_rule_covers_the_askers_district_answers_it(tmp_path, rule):
    kb = _district_kb(tmp_path, "北京市质量协会", "北京市", [("一、报送时间", rule)])
    answer = kb.ask("海淀区的单位申报材料几号截止")
    assert answer.answered and "2025年6月14日" in answer.answer
