"""Which programme a question is about, and when it names a place or year the notices do not cover."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge import Catalog, DocumentMeta, programmes_from_catalog, resolve_scope
from knowledge._awards import awards_in_title
from knowledge._scope import RegionTable, default_regions, describe_programmes, find_years

LIANYUNGANG = "lianyungang-2016-service-star"
QINGHAI = "qinghai-2025"
JIANGSU = "jiangsu-2011-service-star"
GUANGDONG = "guangdong-service-star"


@pytest.fixture(scope="module")
def programmes():
    """The four programmes as the sample catalog registers them."""
    catalog = Catalog(
        documents=[
            DocumentMeta(
                file="lyg.txt",
                title="关于组织开展创建2016年度“连云港市用户满意服务之星”活动的通知",
                doc_number="连质协〔2016〕21号",
                issuer="连云港市质量协会",
                region="江苏省连云港市",
                published="2016-06-10",
                programme=LIANYUNGANG,
            ),
            DocumentMeta(
                file="qh.txt",
                title="2025年青海省用户满意等级评价及用户满意服务之星申报材料",
                region="青海省",
                published=2025,
                programme=QINGHAI,
            ),
            DocumentMeta(
                file="js.txt",
                title="关于转发省经信委等五部门开展2011年江苏省用户满意服务明星创建活动的通知",
                doc_number="苏经信科技[2011]682号 (forwarded by Changzhou)",
                region="江苏省常州市",
                published="2011-08-08",
                programme=JIANGSU,
            ),
            DocumentMeta(
                file="gd.txt",
                title="创建“广东省用户满意服务明星”活动管理办法",
                region="广东省",
                programme=GUANGDONG,
            ),
            DocumentMeta(file="examples.txt", title="用户满意服务明星事迹材料范文（五篇）"),
        ]
    )
    return programmes_from_catalog(catalog)


def by_id(programmes, programme_id):
    return next(p for p in programmes if p.id == programme_id)


def test_programme_places_come_from_region_and_title(programmes):
    assert [p.id for p in programmes] == [LIANYUNGANG, QINGHAI, JIANGSU, GUANGDONG]  # examples: no programme
    lyg, qh, js, gd = programmes
    assert (lyg.places, lyg.provinces, lyg.label) == (["连云港"], ["江苏"], "连云港2016")
    assert (qh.places, qh.label) == (["青海"], "青海2025")
    assert (js.places, js.label) == (["江苏", "常州"], "江苏2011")
    assert (gd.places, gd.year, gd.label) == (["广东"], None, "广东")


def test_programme_awards_and_document_numbers(programmes):
    assert by_id(programmes, QINGHAI).awards == ["用户满意等级评价", "用户满意服务之星"]
    assert by_id(programmes, LIANYUNGANG).doc_prefixes == ["连质协"]
    assert by_id(programmes, JIANGSU).doc_prefixes == ["苏经信科技"]
    covered = describe_programmes(programmes)
    assert "连云港2016年用户满意服务之星" in covered  # place, year and award, as applicants say it
    assert "广东用户满意服务明星" in covered  # no year in its notices: none made up


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("连云港2016年的用户满意服务之星申报截止到哪天？", [LIANYUNGANG]),
        ("江苏连云港的服务之星要交几份材料", [LIANYUNGANG]),  # the city beats its province
        ("江苏2011年用户满意服务明星申报截止日期是哪天", [JIANGSU]),
        ("江苏服务明星样本数要多少", [JIANGSU]),  # the programme about Jiangsu, not the one inside it
        ("常州的企业报材料截止到哪天", [JIANGSU]),
        ("苏州的企业可以报江苏的服务明星吗", [JIANGSU]),  # a city no programme is about: its province's
        ("青海服务之星要近几年的测评报告", [QINGHAI]),
        ("广东服务明星荣誉有效期几年", [GUANGDONG]),
        ("2025年的实践报告写多少字", [QINGHAI]),
        ("苏经信科技682号文是哪几个部门发的", [JIANGSU]),
        ("青海和连云港的截止日期分别是哪天", [QINGHAI, LIANYUNGANG]),
        # Another place beside the programme's is where the applicant stands: 广东's rule answers.
        ("我们公司注册在湖南，能报广东省服务明星企业吗", [GUANGDONG]),
    ],
)
def test_a_named_place_or_year_selects_its_programme(programmes, question, expected):
    scope = resolve_scope(question, programmes)
    assert scope.programmes == expected
    assert scope.how == "named"
    assert not scope.out_of_corpus


def test_a_question_naming_nothing_is_open(programmes):
    scope = resolve_scope("先进事迹材料用什么纸、什么字体？", programmes)
    assert (scope.programmes, scope.how, scope.uncovered) == ([], "open", [])


@pytest.mark.parametrize(
    ("question", "uncovered"),
    [
        ("北京市服务之星申报条件是什么", ["北京"]),
        ("2026年上海服务明星什么时候报名", ["上海", "2026"]),
        ("2030年服务明星什么时候申报", ["2030"]),
        ("杭州的服务明星怎么申报", ["杭州"]),
    ],
)
def test_places_and_years_the_corpus_lacks_are_reported(programmes, question, uncovered):
    scope = resolve_scope(question, programmes)
    assert sorted(m.text for m in scope.uncovered) == sorted(uncovered)
    assert scope.out_of_corpus


def test_a_year_not_of_the_named_programme_is_uncovered(programmes):
    scope = resolve_scope("2026年江苏服务明星什么时候报名", programmes)
    assert scope.programmes == [JIANGSU]
    assert [m.text for m in scope.uncovered] == ["2026"]


@pytest.mark.parametrize(
    "question",
    ["我们2015年度已经评上连云港服务之星了，这次还能报吗", "我们班组2013年评上过连云港服务之星，能再报吗"],
)
def test_a_year_the_applicant_won_something_in_is_their_history_not_scope(programmes, question):
    scope = resolve_scope(question, programmes)
    assert scope.programmes == [LIANYUNGANG]
    assert not scope.uncovered


def test_an_undated_programme_takes_any_year_when_its_place_is_named(programmes):
    scope = resolve_scope("2026年广东服务明星有效期几年", programmes)
    assert scope.programmes == [GUANGDONG]
    assert not scope.out_of_corpus


def test_the_callers_programme_wins_over_what_the_question_names(programmes):
    scope = resolve_scope("连云港的截止日期是哪天", programmes, requested=QINGHAI)
    assert (scope.programmes, scope.how, scope.uncovered) == ([QINGHAI], "requested", [])
    # ...but a place no programme covers at all is still reported.
    scope = resolve_scope("北京的截止日期是哪天", programmes, requested=QINGHAI)
    assert [m.text for m in scope.uncovered] == ["北京"]


def test_an_unknown_requested_programme_is_ignored(programmes):
    scope = resolve_scope("连云港的截止日期是哪天", programmes, requested="no-such-programme")
    assert scope.programmes == [LIANYUNGANG]


def test_place_names_that_are_also_words_need_a_suffix():
    regions = default_regions()
    assert [p.name for p in regions.find("欢迎来宾参加")] == []
    assert [p.name for p in regions.find("来宾市的企业")] == ["来宾"]
    assert [(p.name, p.province) for p in regions.find("连云港市")] == [("连云港", "江苏")]


def test_years_are_not_amounts_or_the_end_of_a_range():
    assert [m.year for m in find_years("先进事迹写2000字，2008-2009年度获奖")] == [2008]
    assert [m.year for m in find_years("二〇一六年的通知")] == [2016]
    [this_year] = find_years("今年的截止日期", today=date(2026, 11, 21))
    assert (this_year.year, this_year.relative) == (2026, True)


def test_the_region_table_rejects_a_place_listed_twice():
    with pytest.raises(ValueError, match="地名重复"):
        RegionTable.model_validate(
            {
                "provinces": [
                    {"name": "江苏", "full": "江苏省", "cities": ["南京"]},
                    {"name": "安徽", "full": "安徽省", "cities": ["南京"]},
                ]
            }
        )


def test_this_year_is_the_current_notice_not_a_year_outside_the_corpus(programmes):
    scope = resolve_scope("青海今年的申报截止日期是哪天", programmes, today=date(2026, 11, 21))
    assert scope.programmes == [QINGHAI]
    assert not scope.out_of_corpus


def _notice_catalog() -> Catalog:
    # Places the national table lacks (海安, a county-level city) or lists only with a suffix (玉树).
    return Catalog(
        documents=[
            DocumentMeta(
                file="haian.txt",
                title="关于开展2024年度海安市用户满意服务之星活动的通知",
                region="江苏省海安市",
                programme="haian-2024-service-star",
            ),
            DocumentMeta(
                file="yushu.txt",
                title="2025年玉树州用户满意服务之星申报通知",
                region="青海省玉树州",
                programme="yushu-2025-service-star",
            ),
        ]
    )


def test_a_programme_is_named_by_its_catalog_region_even_where_the_national_table_lacks_it():
    haian, yushu = programmes_from_catalog(_notice_catalog())
    assert (haian.label, haian.places, haian.provinces) == ("海安2024", ["海安"], ["江苏"])
    assert (yushu.label, yushu.places, yushu.provinces) == ("玉树2025", ["玉树"], ["青海"])


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("海安服务之星什么时候截止", "haian-2024-service-star"),
        ("玉树服务之星自评多少分能申报", "yushu-2025-service-star"),
    ],
)
def test_a_place_a_programme_is_about_is_recognised_in_questions(question, expected):
    scope = resolve_scope(question, programmes_from_catalog(_notice_catalog()))
    assert scope.programmes == [expected]
    assert scope.uncovered == []


def test_the_corpus_places_do_not_leak_into_the_national_table():
    programmes_from_catalog(_notice_catalog())
    assert default_regions().find("海安服务之星") == []


def test_the_national_programme_is_outside_a_corpus_of_provincial_ones(programmes):
    scope = resolve_scope("全国用户满意服务明星的申报截止日期是哪天", programmes)
    assert [m.text for m in scope.uncovered] == ["全国"]


def test_a_national_programme_covers_questions_about_the_whole_country():
    catalog = Catalog(
        documents=[
            DocumentMeta(
                file="national.txt",
                title="关于开展2026年全国用户满意服务明星推荐工作的通知",
                region="全国",
                programme="national-2026",
            ),
            DocumentMeta(
                file="lyg.txt", title="连云港市用户满意服务之星", region="江苏省连云港市", programme="lyg"
            ),
        ]
    )
    scope = resolve_scope("全国的什么时候截止", programmes_from_catalog(catalog))
    assert scope.uncovered == [] and scope.programmes == ["national-2026"]


@pytest.mark.parametrize(
    ("title", "awards"),
    [
        ("关于开展2019年度“宁波市用户满意服务之星”创建活动的通知", ["用户满意服务之星"]),
        ("关于开展2008年度四川省用户满意企业（五星级、四星级）评价工作的通知", ["用户满意企业"]),
        ("关于开展2026年湖北省用户满意等级评价工作的通知", ["用户满意等级评价"]),
        ("张家港市用户满意标杆企业评价管理办法", ["用户满意标杆企业"]),
        ("关于转发《关于开展2015年度山东省用户满意服务明星推选活动的通知》的通知", ["用户满意服务明星"]),
        ("关于申报2020年全国质量奖的通知", ["全国质量奖"]),
    ],
)
def test_a_new_programmes_award_is_read_from_its_title(title, awards):
    assert awards_in_title(title) == awards


def test_a_year_of_publication_names_the_notice_about_the_previous_years_award():
    catalog = Catalog(
        documents=[
            DocumentMeta(
                file="sc.txt",
                title="关于开展2008年度四川省用户满意企业评价工作的通知",
                region="四川省",
                published="2009-03-16",
                programme="sichuan-2008",
            )
        ]
    )
    (sichuan,) = programmes_from_catalog(catalog)
    assert (sichuan.year, sichuan.published_years) == (2008, [2009])
    scope = resolve_scope("四川2009年发的通知截止日期是哪天", [sichuan])
    assert scope.programmes == ["sichuan-2008"] and not scope.out_of_corpus


@pytest.mark.parametrize("question", ["获得过全国五一劳动奖章能加分吗", "我是浙江省劳动模范，能直接申报吗"])
def test_an_honour_with_a_place_word_is_not_scope(programmes, question):
    scope = resolve_scope(question, programmes)
    assert not scope.out_of_corpus and scope.how == "open"


def test_a_place_before_other_words_is_still_scope(programmes):
    assert resolve_scope("北京的企业获得过荣誉能申报吗", programmes).out_of_corpus


# --- an issuer's trade, a district the tables lack, a district of a municipality ---------------


def _issuer_programmes(*extra: DocumentMeta):
    catalog = Catalog(
        documents=[
            DocumentMeta(
                file="fj.txt",
                title="关于开展2025年度福建电力行业用户满意服务明星班组创建活动的通知",
                issuer="福建省电力行业协会",
                region="福建省",
                programme="fujian-power-2025",
            ),
            DocumentMeta(
                file="wh.txt",
                title="关于开展2024年度芜湖市用户满意服务明星班组创建活动的通知",
                issuer="芜湖市质量协会、芜湖市总工会",
                region="安徽省芜湖市",
                programme="wuhu-2024",
            ),
            DocumentMeta(
                file="hz.txt",
                title="2025年杭州市用户满意服务明星班组评选通知",
                issuer="杭州市质量管理协会",
                region="浙江省杭州市",
                programme="hangzhou-2025",
            ),
            *extra,
        ]
    )
    return programmes_from_catalog(catalog)


@pytest.mark.parametrize(
    ("question", "trade"),
    [
        ("电力协会那个明星班组要交哪些材料", "电力协会"),
        ("电力行业协会的服务明星班组什么时候截止", "电力行业协会"),
    ],
)
def test_an_issuers_trade_names_its_programme(question, trade):
    scope = resolve_scope(question, _issuer_programmes())
    assert scope.programmes == ["fujian-power-2025"]
    # the body's name is scope, not a term the passage must repeat
    start = question.index(trade)
    assert (start, start + len(trade)) in scope.mention_spans


@pytest.mark.parametrize(
    "question", ["质量协会那个明星班组要交哪些材料", "质量管理协会的明星班组", "总工会的明星班组"]
)
def test_a_quality_association_or_a_union_names_no_programme(question):
    assert resolve_scope(question, _issuer_programmes()).programmes == []


def test_a_trade_two_programmes_issue_names_neither():
    second = DocumentMeta(
        file="gd.txt",
        title="广东电力行业服务明星班组通知",
        issuer="广东省电力行业协会",
        region="广东省",
        programme="guangdong-power",
    )
    assert resolve_scope("电力协会那个明星班组要交哪些材料", _issuer_programmes(second)).programmes == []


def test_a_district_the_tables_lack_is_the_askers_county():
    scope = resolve_scope("海淀区的单位申报材料几号截止", _issuer_programmes())
    assert scope.counties == ["海淀区"]
    assert resolve_scope("新区的单位几号截止", _issuer_programmes()).counties == []  # no name before 区
    assert resolve_scope("申报材料几号截止", _issuer_programmes()).counties == []


CHAOYANG = DocumentMeta(
    file="cy.txt",
    title="关于转发《关于开展2025年北京市用户满意服务明星活动的通知》的通知",
    issuer="北京市朝阳区质量协会",
    region="北京市朝阳区",
    programme="beijing-chaoyang-2025",
)


def test_a_district_of_a_municipality_is_not_a_city_of_another_province():
    chaoyang = by_id(_issuer_programmes(CHAOYANG), "beijing-chaoyang-2025")
    assert "朝阳" in chaoyang.places
    assert "辽宁" not in chaoyang.provinces  # 北京市朝阳区, not 辽宁's 朝阳
    assert resolve_scope("辽宁的服务明星什么时候申报", _issuer_programmes(CHAOYANG)).programmes == []


def test_a_district_a_programme_knows_is_its_place_not_a_stray_county():
    scope = resolve_scope("朝阳区的单位几号截止", _issuer_programmes(CHAOYANG))
    assert scope.programmes == ["beijing-chaoyang-2025"] and scope.counties == []


# --- round 8: a year of the asker's story, a province with a year of its own, 扬州市水务 -------


@pytest.mark.parametrize(
    "question",
    [
        "我们2014年底在苏州注册的，能报连云港服务之星吗",
        "我们公司2014年底注册的，能报连云港服务之星吗",
        "公司2014年成立的，能报连云港服务之星吗",
        "我2014年入职的，能报连云港服务之星吗",
    ],
)
def test_a_year_the_company_was_founded_in_is_the_askers_story_not_an_edition(programmes, question):
    scope = resolve_scope(question, programmes)
    assert not scope.out_of_corpus and scope.uncovered == []
    assert LIANYUNGANG in scope.programmes


def test_a_year_of_an_edition_the_corpus_lacks_is_still_uncovered(programmes):
    scope = resolve_scope("2014年连云港服务之星什么时候截止", programmes)
    assert scope.out_of_corpus and [m.text for m in scope.uncovered] == ["2014"]


@pytest.mark.parametrize(
    "question", ["连云港2016跟江苏省2011的申报条件有什么不同", "江苏省2011跟连云港2016的截止时间一样吗"]
)
def test_a_province_named_beside_its_city_with_a_year_of_its_own_is_a_programme_too(programmes, question):
    scope = resolve_scope(question, programmes)
    assert set(scope.programmes) == {LIANYUNGANG, JIANGSU}
    assert not scope.out_of_corpus


YANGZHOU_WATER = DocumentMeta(
    file="yz.txt",
    title="关于开展2025年度扬州市水务行业服务明星班组评选活动的通知",
    issuer="扬州市水务行业协会",
    region="江苏省扬州市",
    programme="yangzhou-water-2025",
)


@pytest.mark.parametrize(
    ("question", "trade"),
    [("水务协会那个明星班组要交哪些材料", "水务协会"), ("水务行业的服务明星班组什么时候截止", "水务行业")],
)
def test_the_trade_of_a_city_body_ending_in_zhou_is_its_trade_not_shi_plus_trade(question, trade):
    # 扬州市水务行业协会: 扬州市's 水务, not 扬州's 市水务
    scope = resolve_scope(question, _issuer_programmes(YANGZHOU_WATER))
    assert scope.programmes == ["yangzhou-water-2025"]
    start = question.index(trade)
    assert (start, start + len(trade)) in scope.mention_spans
