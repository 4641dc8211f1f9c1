"""Yes or no first (knowledge/_verdict.py): the constructions that settle a verdict, and the ones that
must give none (a wrong verdict is worse than none)."""

from __future__ import annotations

import pytest

from knowledge._extractive import ExtractiveAnswerer
from knowledge._verdict import yes_no_verdict

ALTERNATIVES = ExtractiveAnswerer().cues.alternatives
SERVICE_DEPT = (
    "凡已开展创建活动的服务行业企（事）业单位、制造业企业独立设置的售后服务部门、连锁销售部门、直销部门"
    "以及加盟店均可自愿申报。"
)
BENCHMARK = "申报“石家庄市用户满意标杆企业”的，须已获得“石家庄市用户满意企业”称号。"
THIRD_PARTY = (
    "申报用户满意服务企业（单位）、用户满意杰出管理者，必须由具有满意度调查资质的第三方提供的用户满意度"
    "测评报告（近2年内）；申报用户满意服务之星班组、用户满意服务之星，必须提供用户满意度测评报告"
    "（近2年内），可以由本单位自行测评。"
)
CLASSES = (
    "申请类别与等级 | 企业类：用户满意标杆（五星）级 用户满意（四星）级 用户满意亮诺（三星）级 "
    "产品类：用户满意（四星）级 用户满意亮诺（三星）级"
)
FIRST_TIME = "首次申报的企业只能申报四星级或三星级。"
RENEWAL = "复评申报截止时间、程序及复评要求与新申报的要求相同。"
TEAM = "班组成员5至40人。"
KIN = "班组成员及其亲属不得作为被访者。"
VIDEO = ["申报四星级和五星级的需准备讲解视频，时间在15分钟以内。", "申报三星级不需要准备视频。"]
DIRECT = "注：1.直接申报的企业无需填写此表。"


@pytest.mark.parametrize(
    ("question", "terms", "soft", "sentences", "verdict"),
    [
        # 均可 is a permission modal
        (
            "制造业企业的售后服务部门能报吗",
            ["制造业企业", "售后服务部门", "报"],
            [],
            [SERVICE_DEPT],
            "可以。",
        ),
        # a prerequisite a first-timer lacks; "能…吗" is answered "不能"
        ("第一次报能直接申请标杆企业吗", ["报", "申请", "标杆", "企业"], ["直接"], [BENCHMARK], "不能。"),
        ("第一次报可以直接申请标杆企业吗", ["报", "申请", "标杆", "企业"], ["直接"], [BENCHMARK], "不可以。"),
        # the clause about the asked category: 必须由第三方 against doing it oneself
        (
            "杰出管理者满意度报告能自己单位测吗",
            ["杰出管理者", "满意度", "报告", "单位"],
            [],
            [THIRD_PARTY],
            "不能。",
        ),
        # and the other category's clause: 可以由本单位自行测评
        (
            "班组的满意度测评报告能我们单位自己测吗",
            ["班组", "满意度测评", "报告", "单位"],
            [],
            [THIRD_PARTY],
            "可以。",
        ),
        # a table row lists what the class may apply for: 五星 is not among 产品类's grades
        ("产品类能申请五星吗", ["产品", "申请"], ["类", "五星"], [CLASSES], "不能。"),
        ("产品类能申请四星级吗", ["产品", "申请"], ["类", "四星级"], [CLASSES], "可以。"),
        # 只能 A 或 B, for a first-timer
        ("头一回申报能直接上五星么", ["头", "申报", "么"], ["直接", "五星"], [FIRST_TIME], "不能。"),
        # same or not
        (
            "复评的截至时间跟新申报一样不",
            ["复评", "截至", "时间", "跟新", "申报"],
            ["一样"],
            [RENEWAL],
            "一样。",
        ),
        # the asker's figure outside the range
        ("我们班组就4个人 能报明星班组不", ["班组", "人", "报", "明星"], [], [TEAM], "不能。"),
        # two figures, one outside its range
        (
            "我们班组4个人，在园区运行3年了，能报园区服务明星班组吗",
            ["班组", "个人", "园区", "运行", "报"],
            ["服务明星"],
            ["1.班组在园区内连续运行2年以上，班组成员不少于5人；"],
            "不能。",
        ),
        # another grade's rule is passed over for the one about the grade asked
        ("报三星级要不要录讲解视频", ["报", "录", "讲解", "视频"], ["三星级"], VIDEO, "不需要。"),
        ("报四星级要不要录讲解视频", ["报", "录", "讲解", "视频"], ["四星级"], VIDEO, "需要。"),
        # a level named by its name, its grade in brackets
        (
            "湖北报标杆级要交视频吗",
            ["报", "标杆级", "视频"],
            ["交"],
            ["申报标杆（五星）级的另需提交15分钟以内的讲解视频；"],
            "需要。",
        ),
        # 可直接 answers "非得经过…吗"
        (
            "我们是区直企业 非得经过市质协吗",
            ["区直", "企业", "市", "质协"],
            [],
            ["区直企业可直接报送宁夏质量协会。"],
            "不需要。",
        ),
        # 此表 stands for the form the question names
        (
            "直接申报的企业需要填推荐汇总表吗",
            ["申报", "企业", "推荐", "汇总表"],
            ["直接"],
            [DIRECT],
            "不需要。",
        ),
    ],
)
def test_the_rule_settles_it(question, terms, soft, sentences, verdict):
    assert yes_no_verdict(question, terms, sentences, ALTERNATIVES, soft) == verdict


@pytest.mark.parametrize(
    ("question", "terms", "sentences"),
    [
        ("班组长能参加评选吗", ["班组长", "评选"], ["班组长不作为本次评选对象。"]),
        (
            "发生过重大质量事故的企业能推荐吗",
            ["重大质量事故", "企业", "推荐"],
            ["上年度发生重大质量事故的企业不作为推荐对象。"],
        ),
        ("后勤班组能参加创建吗", ["后勤班组", "创建"], ["机关职能部门和后勤班组不列入创建对象。"]),
        ("分公司能参加评价吗", ["分公司", "评价"], ["分公司不纳入本次评价范围。"]),
    ],
)
def test_not_being_counted_among_those_a_programme_is_for_forbids(question, terms, sentences):
    # 不作为/不列入/不纳入…对象: the rule says no, as 不得 does
    assert yes_no_verdict(question, terms, sentences, ALTERNATIVES) == "不能。"


@pytest.mark.parametrize(
    ("question", "terms", "soft", "sentences"),
    [
        # not the first time: whether the asker holds the title, the question does not say
        ("能直接申请标杆企业吗", ["申请", "标杆", "企业"], ["直接"], [BENCHMARK]),
        # what the prerequisite names is not what is applied for
        ("第一次报能申请用户满意企业吗", ["报", "申请", "用户", "满意", "企业"], [], [BENCHMARK]),
        # a rule for first-timers says nothing of the others
        ("我们能直接上五星么", ["直接"], ["五星"], [FIRST_TIME]),
        # two grades asked at once
        ("申报四星要做视频吗？三星呢", ["申报", "视频"], ["四星", "三星"], VIDEO),
        # within the range: meeting one condition does not settle yes
        ("我们班组有12个人 能报明星班组不", ["班组", "人", "报", "明星"], [], [TEAM]),
        # a what-question that happens to hold 么 (什么)
        (
            "杰出管理者要交什么证件复印件",
            ["杰出管理者", "证件", "复印件"],
            [],
            ["杰出管理者必须提供单位的组织机构代码证复印件。"],
        ),
        # nothing but "报": which rule settles it, the question does not say
        ("还能报吗", ["报"], [], [SERVICE_DEPT]),
        # a part of a longer question, whose situation was said before it ("自评才打了75分，")
        ("还能报连云港的吗", ["报", "连云港"], [], ["连云港的企事业单位均可申报。"]),
        ("也要录讲解视频吗", ["录", "讲解", "视频"], [], VIDEO[:1]),
        # a rule for some grades, the asker's grade not said
        ("我们要录讲解视频吗", ["录", "讲解", "视频"], [], VIDEO[:1]),
        # a form's fields are not rows of one kind
        (
            "申报材料能邮寄吗",
            ["申报材料", "邮寄"],
            [],
            ["申报材料：申报表 事迹材料 报送方式：邮寄或现场报送"],
        ),
        # a negative question
        ("没评上能报吗", ["评上", "报"], [], [SERVICE_DEPT]),
    ],
)
def test_no_verdict_unless_the_rule_settles_it(question, terms, soft, sentences):
    assert yes_no_verdict(question, terms, sentences, ALTERNATIVES, soft) is None


def test_a_year_is_a_date_not_a_number_of_years():
    from knowledge._verdict import _outside_range

    assert not _outside_range("2020年评上的能报吗", "获得称号3年以内的单位")
    assert _outside_range("才成立5年能报吗", "成立3年以内的单位")


def test_the_asker_s_score_below_the_threshold_is_no():
    rule = "自评得分80分及以上方可申报。"
    assert yes_no_verdict("自评才打了75分能报吗", ["自评", "报"], [rule], ALTERNATIVES) == "不能。"
    assert yes_no_verdict("自评打了85分能报吗", ["自评", "报"], [rule], ALTERNATIVES) == "可以。"


def test_kin_is_family_through_the_cue_synonyms_only_when_they_say_so():
    # 家属 and 亲属 are one class only if the cue synonyms say so: no guess here
    def alternatives(term: str) -> tuple[str, ...]:
        return ("亲属",) if term == "家属" else ()

    question = "满意度调查能不能让班组成员家属填"
    terms = ["满意度调查", "班组成员", "家属"]
    sentence = "满意度调查中，" + KIN
    assert yes_no_verdict(question, terms, [sentence], alternatives) is None  # 满意度调查 apart
    assert (
        yes_no_verdict("能不能让班组成员家属当被访者", ["班组成员", "家属", "被访者"], [KIN], alternatives)
        == "不能。"
    )
    assert yes_no_verdict("能不能让班组成员家属当被访者", ["班组成员", "家属", "被访者"], [KIN]) is None
