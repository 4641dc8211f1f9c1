"""The level of body asked about (province, city, county) against the one a sentence speaks of."""

from __future__ import annotations

import pytest

from knowledge._bodies import asked_body, asked_levels, body_fit, refused_spans, sentence_levels


@pytest.mark.parametrize(
    ("question", "levels"),
    [
        ("株洲这边报湖南服务明星 材料最迟几号交到市质协啊", {"city"}),
        ("湖南省質協的聯繫人 要省里的不要市里的", {"province"}),  # a level turned down is not asked
        ("县级的截止时间是哪天", {"county"}),
        ("江苏省用户满意服务明星申报条件", set()),  # a place in a programme's name asks for no body
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
