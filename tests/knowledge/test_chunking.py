"""Chunking along the notices' own structure: what a user notices is a citation that points to the
right section and a passage that holds the whole answer."""

from __future__ import annotations

import re
import unicodedata

import pytest

from knowledge import Chunk, DocumentMeta, chunk_document, evidence_in_text, normalize_document
from knowledge._chunking import TARGET_CHARS
from knowledge._models import SECTION_SEPARATOR

META = DocumentMeta(
    file="notice.txt",
    title="关于开展2016年度用户满意服务之星活动的通知",
    region="江苏省连云港市",
    programme="lianyungang-2016-service-star",
    kind="notice",
)


def chunks_of(text: str, meta: DocumentMeta = META) -> list[Chunk]:
    return chunk_document(normalize_document(text), meta)


def sections(chunks: list[Chunk]) -> list[str]:
    return [chunk.section for chunk in chunks]


def the_chunk(chunks: list[Chunk], evidence: str) -> Chunk:
    found = [chunk for chunk in chunks if evidence_in_text(evidence, chunk.text)]
    assert len(found) == 1, (evidence, [c.text for c in chunks])
    return found[0]


NOTICE = """连质协〔2016〕21号
关于开展2016年度用户满意服务之星活动的通知
各县（区）质协、各有关单位：
为推动用户满意工程，现就有关事项通知如下：
1、 推动创建活动深入开展
（一）明确指导思想。创建活动以提升顾客满意度为目的，广泛开展创建活动。
（二）加强组织领导。各县（区）质协要成立创建活动推进小组，配置精干人员。
二、认真做好申报评审工作。
（1） 申报时间
申报截止时间：2016年9月10日。
（2） 申报材料
按申报类别填报相应申报表，一式2份报各县（区）推进小组。
三、申报要求
（一）创建活动自愿参加，全程免费。任何机构不得乱收费。
（二）以市场、顾客评价为基础，坚持公平、公正、公开。服务对象少于50个的，应进行全数调查。
 联系人：连云港市质量协会 朱炳功
电话：85807519
电子邮箱：448032862@qq.com
"""


def test_sections_follow_the_notices_own_numbering() -> None:
    chunks = chunks_of(NOTICE)
    assert the_chunk(chunks, "申报截止时间：2016年9月10日").section == SECTION_SEPARATOR.join(
        ["二、认真做好申报评审工作", "（1）申报时间"]
    )
    assert the_chunk(chunks, "全程免费").section == "三、申报要求 › （一）创建活动自愿参加，全程免费"
    assert the_chunk(chunks, "应进行全数调查").section == "三、申报要求 › （二）以市场、顾客评价为基础…"
    assert the_chunk(chunks, "各县（区）质协、各有关单位").section == ""


def test_a_first_heading_numbered_1_is_top_level_when_the_next_is_numbered_two() -> None:
    chunks = chunks_of(NOTICE)
    assert the_chunk(chunks, "配置精干人员").section == "1、推动创建活动深入开展 › （二）加强组织领导"
    assert the_chunk(chunks, "申报截止时间").section.startswith("二、")


def test_a_contact_block_is_its_own_passage() -> None:
    contact = the_chunk(chunks_of(NOTICE), "电话：85807519")
    assert contact.section == "三、申报要求 › 联系方式"
    assert "448032862@qq.com" in contact.text and "全数调查" not in contact.text


def test_chunks_carry_the_programme_metadata_order_and_a_content_id() -> None:
    chunks = chunks_of(NOTICE)
    assert [chunk.order for chunk in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert (chunk.file, chunk.title, chunk.programme, chunk.region, chunk.kind, chunk.year) == (
            "notice.txt",
            META.title,
            META.programme,
            META.region,
            "notice",
            2016,
        )
        assert chunk.id == Chunk.make_id(chunk.file, chunk.section, chunk.text)


def test_ids_are_stable_and_unique_and_follow_the_content() -> None:
    text = NOTICE + "附件1\n签收单\n同意\n\n附件2\n签收单\n同意\n"
    first, second = chunks_of(text), chunks_of(text)
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
    edited = chunks_of(text.replace("2016年9月10日", "2016年9月20日"))
    changed = {c.id for c in edited} ^ {c.id for c in first}
    assert len(changed) == 2  # only the edited passage got a new id


CHAPTERS = """创建“广东省用户满意服务明星”活动管理办法
第一章


总   则
第一条  为促进全省各行业整体服务质量的提高，特制定本办法。
第二条  本活动是一项群众性活动。
第三条  本活动由办公室组织实施。
第四条  本活动每年评审一次。
第二章


评审条件

第9条   各成员单位做好本地区的宣传工作。
第十二条  服务明星申报条件：

1、工作在服务一线的从业人员；

2、热爱党、热爱国家；

3、爱岗敬业、遵纪守法、热情服务；
"""


def test_chapters_and_articles_including_arabic_article_numbers() -> None:
    chunks = chunks_of(CHAPTERS)
    assert the_chunk(chunks, "特制定本办法").section.startswith("第一章 总则")
    assert (
        the_chunk(chunks, "做好本地区的宣传工作").section
        == "第二章 评审条件 › 第9条 各成员单位做好本地区的宣传工作"
    )
    listed = the_chunk(chunks, "热爱党、热爱国家")
    assert listed.section == "第二章 评审条件 › 第十二条 服务明星申报条件"
    assert (
        "服务明星申报条件：" in listed.text
        and "1、工作在服务一线" in listed.text
        and "3、爱岗敬业" in listed.text
    )


def test_runs_of_short_articles_are_kept_together() -> None:
    chunks = chunks_of(CHAPTERS)
    together = the_chunk(chunks, "本活动是一项群众性活动")
    assert "每年评审一次" in together.text and together.section == "第一章 总则"


FORMS = """附件2
2016年“连云港市用户满意服务之星”

填报说明：

    1.报材料由申请表、自评表、先进事迹材料等材料构成。
2.申请表内容按表格项目如实填写，不填之项要说明原因。
3.自评分数80分及以上方可申报。
4.事迹材料要求用A4纸打印，正文小四号宋体，一般应在3000字以内。

附件3-4
连云港市用户满意之星自评标准
评审对象：工作在服务一线的从业人员
\t评审项目
\t评审细项
\t评分标准
\t评分

\t顾客认可

（40分）

\t服务能力得到内外部顾客认可和好评

（20分）
\t个人多次得到顾客的口头表扬或书面表扬（1-8分）
\t

\t
\t
\t获得单位先进荣誉称号（9-12分）
\t

\t
\t服务模式得到认可和好评
（20分）
\t科学进行满意度测评（1-8分）
\t

\t
\t
\t最近三年的满意度测评结果在80分以上（9-12分）
\t

\t所在组织（或推荐机构）审核意见：
所在组织（或推荐机构）              盖章


附件4
服务质量用户（顾客）评价调查表（参考）
\t用语礼貌
\t1  2  3  4  5  6  7  8  9  10

\t服务热情
\t1  2  3  4  5  6  7  8  9  10
"""


def test_list_items_under_a_label_are_kept_together_with_the_label() -> None:
    chunk = the_chunk(chunks_of(FORMS), "要求用A4纸打印")
    assert chunk.section == "附件2 2016年“连云港市用户满意服务之星” › 填报说明"
    assert "填报说明：\n1.报材料由申请表" in chunk.text


def test_rubric_rows_carry_their_category_and_item_down() -> None:
    chunks = chunks_of(FORMS)
    row = the_chunk(chunks, "获得单位先进荣誉称号（9-12分）")
    assert row.section == "附件3-4 连云港市用户满意之星自评标准 › 顾客认可 › 服务能力得到内外部顾客认可和好评"
    assert row.text.startswith("顾客认可（40分）\t服务能力得到内外部顾客认可和好评（20分）\t")
    level = the_chunk(chunks, "最近三年的满意度测评结果在80分以上（9-12分）")
    assert level.section == "附件3-4 连云港市用户满意之星自评标准 › 顾客认可 › 服务模式得到认可和好评"
    assert "顾客认可（40分）" in level.text and "服务模式得到认可和好评（20分）" in level.text


def test_form_tables_are_kept_together_row_by_row() -> None:
    chunk = the_chunk(chunks_of(FORMS), "服务热情")
    assert chunk.section == "附件4 服务质量用户（顾客）评价调查表（参考）"
    assert "用语礼貌\t1 2 3 4 5 6 7 8 9 10\n服务热情\t1 2 3 4 5 6 7 8 9 10" in chunk.text


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。！？])", text) if s.strip()]


def test_a_long_paragraph_is_split_at_sentence_ends_only() -> None:
    sentences = [f"第{i}句说明申报材料的第{i}项要求，须按规定格式填写并加盖公章。" for i in range(1, 41)]
    paragraph = "".join(sentences)
    chunks = chunks_of("一、申报要求\n" + paragraph)
    assert len(chunks) > 1
    assert all(len(chunk.text) <= TARGET_CHARS + 20 for chunk in chunks)
    for sentence in sentences:
        the_chunk(chunks, sentence)  # each sentence whole, in exactly one passage
    assert all(chunk.section == "一、申报要求" for chunk in chunks)


def test_an_appendix_mentioned_at_a_line_start_is_not_an_appendix_heading() -> None:
    chunks = chunks_of(
        "一、申报材料\n附件2的表1-表4按类别填写。\n附件1表5用于复评。\n附件3 推荐名额分配表\n名额见下。"
    )
    assert the_chunk(chunks, "附件2的表1-表4按类别填写").section == "一、申报材料"
    assert the_chunk(chunks, "附件1表5用于复评").section == "一、申报材料"
    assert the_chunk(chunks, "名额见下").section == "附件3 推荐名额分配表"


def test_a_document_without_structure_still_yields_passages() -> None:
    chunks = chunks_of("这是一段没有任何编号的说明文字。\n\n第二段。")
    assert [c.text for c in chunks] == ["这是一段没有任何编号的说明文字。\n第二段。"]
    assert chunk_document("", META) == []


# --- the real corpus --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_chunks(sample_corpus) -> dict[str, list[Chunk]]:
    return {path.name: chunk_document(text, meta) for path, meta, text in sample_corpus}


def _answerable(public_questions: list[dict]) -> list[dict]:
    return [q for q in public_questions if q["answerable"]]


def test_every_public_evidence_lies_inside_one_chunk_of_its_file(
    corpus_chunks: dict[str, list[Chunk]], public_questions: list[dict]
) -> None:
    missing = []
    for question in _answerable(public_questions):
        candidates = [(question["source_file"], question["evidence"])] + [
            (alt["source_file"], alt["evidence"]) for alt in question.get("alt_evidence", [])
        ]
        if not any(
            any(evidence_in_text(evidence, chunk.text) for chunk in corpus_chunks[file])
            for file, evidence in candidates
        ):
            missing.append(question["id"])
    assert not missing


def test_lianyungang_rubric_rows_carry_category_and_item(corpus_chunks: dict[str, list[Chunk]]) -> None:
    chunks = corpus_chunks["lianyungang-2016-service-star.txt"]
    expectations = {
        "班组的服务模式和服务质量测评结果在行业中有标杆示范作用（13-20分）": (
            "附件3-3 连云港市用户满意之星班组自评标准 › 顾客认可 › 服务模式得到认可和好评"
        ),
        "服务模式、方法和服务质量测评结果在行业中有标杆示范作用（13-20分）": (
            "附件3-4 连云港市用户满意之星自评标准 › 顾客认可 › 服务模式得到认可和好评"
        ),
        "所在组织的经济、社会效益在本系统、行业内得到认可": (
            "附件3-2 连云港市用户满意服务杰出管理者自评标准 › 工作创新 › 组织绩效显著"
        ),
        "用户满意度指数超过85分": (
            "附件3-1 连云港市用户满意服务企业（单位）自评标准 › 用户满意度评价 › 评价结果"
        ),
        ">10亿元": "附件3-1 连云港市用户满意服务企业（单位）自评标准 › 企业实力 › 企业规模 › 业务规模",
    }
    for level, section in expectations.items():
        row = the_chunk(chunks, level)
        assert row.section == section, level
        assert len(row.text) < 200  # one level row, self-contained


def test_chunk_ids_are_stable_across_runs_and_unique(sample_corpus) -> None:
    for _path, meta, text in sample_corpus:
        first = chunk_document(text, meta)
        second = chunk_document(text, meta)
        assert [(c.id, c.section, c.text) for c in first] == [(c.id, c.section, c.text) for c in second]
        assert len({c.id for c in first}) == len(first)


def _key(text: str) -> str:
    return re.sub(r"[\s|]+", "", unicodedata.normalize("NFKC", text))


def test_no_text_of_a_notice_is_lost(sample_corpus, corpus_chunks: dict[str, list[Chunk]]) -> None:
    for path, _meta, text in sample_corpus:
        chunks = corpus_chunks[path.name]
        everything = "".join(_key(chunk.text) for chunk in chunks)
        for line in text.split("\n"):
            if re.search(r"\w", line):
                assert _key(line) in everything, (path.name, line)


def test_passages_are_modest_and_never_empty(corpus_chunks: dict[str, list[Chunk]]) -> None:
    for name, chunks in corpus_chunks.items():
        assert chunks, name
        for chunk in chunks:
            assert chunk.text.strip() and len(chunk.text) <= TARGET_CHARS * 1.2, (name, chunk.section)


def test_example_deeds_are_split_by_piece(corpus_chunks: dict[str, list[Chunk]]) -> None:
    chunks = corpus_chunks["service-star-example-deeds.txt"]
    pieces = {chunk.section.split(SECTION_SEPARATOR)[0] for chunk in chunks}
    assert {p.split(" ")[0] for p in pieces} == {"第一篇", "第二篇", "第三篇", "第四篇", "第五篇"}
    assert the_chunk(chunks, "2012年实现营业额1288万元").section.startswith(
        "第二篇 满意100服务明星班组事迹材料"
    )


def test_jiangsu_forwarded_notice_is_its_own_part(corpus_chunks: dict[str, list[Chunk]]) -> None:
    chunks = corpus_chunks["jiangsu-changzhou-2011-service-star.txt"]
    review = the_chunk(chunks, "按规定将进行复评")
    assert review.section == (
        "关于开展2011年江苏省用户满意服务明星创建活动的通知"
        " › 三、做好2011年“江苏省用户满意服务明星”的表彰申报工作"
        " › （四）往年获奖单位的复评"
    )
    assert the_chunk(chunks, "请各单位与2011年10月17日前").section == "二、申报、复评日期"


def test_chunk_counts_stay_in_a_sensible_range(corpus_chunks: dict[str, list[Chunk]]) -> None:
    # passages per file: neither one blob nor a passage per line
    for name, chunks in corpus_chunks.items():
        text_size = sum(len(chunk.text) for chunk in chunks)
        assert text_size / len(chunks) > 60, name
        assert len(chunks) >= text_size / TARGET_CHARS, name


def test_qinghai_templates_keep_their_three_level_headings(corpus_chunks: dict[str, list[Chunk]]) -> None:
    chunks = corpus_chunks["qinghai-2025-satisfaction-rating.txt"]
    assert the_chunk(chunks, "正文为四号宋体、1.5倍行距").section.endswith(
        "（五）用户满意经营实践报告（附件2-4） › 报告PDF版本要求"
    )
    assert the_chunk(chunks, "介绍企业建立用户满意理念").section.endswith("（一）策划 › 1.满意理念")
    manager_form = the_chunk(chunks, "从事服务业主要工作经历：（可附页）")
    assert manager_form.section == "青海省用户满意服务杰出管理者申报表"


REPORT_TEMPLATE = """附件2-4 用户满意经营实践报告
一、企业简介（1000字）
（一）企业简介
企业类——介绍企业的基本情况、主要产品和服务、用户群体和所在行业的地位。
二、用户满意经营实践（8000字）
（一）策划
企业类——介绍企业建立用户满意理念，与企业文化体系保持衔接，支持其使命、愿景的达成，形成良好氛围。
（二）实施
企业类——介绍企业确定用户满意经营相关关键过程及相应的用户要求，建立健全支持其有效运行的制度、流程。
"""


def test_a_heading_setting_a_figure_for_a_long_part_is_a_passage_of_its_own() -> None:
    chunks = chunks_of(REPORT_TEMPLATE)
    heading = the_chunk(chunks, "二、用户满意经营实践（8000字）")
    # Found by itself, not only together with the first subsection's text.
    assert heading.text == "二、用户满意经营实践（8000字）"
    assert heading.section.endswith("二、用户满意经营实践（8000字）")
    planning = the_chunk(chunks, "建立用户满意理念")
    assert "8000字" not in planning.text and planning.section.endswith("（一）策划")


def test_a_paragraph_pointing_back_at_a_list_closes_it_and_the_list_stays_whole():
    # "以上材料…" is about the whole materials list, not its last item: the list keeps item 4.
    text = (
        "四、申报材料\n\n1.申报表一份（加盖单位公章）；\n\n2.事迹材料一份；\n\n3.荣誉证书复印件；\n\n"
        "4.推荐单位意见。\n\n以上材料用A4纸打印，一式两份。\n\n五、申报程序\n\n1.各单位推荐。"
    )
    chunks = chunk_document(text, DocumentMeta(file="x.txt", title="t"))
    materials = [c for c in chunks if c.section == "四、申报材料"]
    assert len(materials) == 1
    assert "4.推荐单位意见" in materials[0].text and "以上材料用A4纸打印" in materials[0].text
    assert not any("推荐单位意见" in c.section for c in chunks)


# --- the 落款: the signing bodies and the date, one section of the part they close ---------------

SIGNED_NOTICE = """芜质协〔2024〕12号
关于开展2024年度芜湖市用户满意服务之星活动的通知
一、申报时间
申报截止时间：2024年10月31日。
二、联系方式
联系人：张三 电话：0553-1234567
芜湖市质量协会　芜湖市总工会
二〇二四年九月十日
附件：1.申报表
"""


def test_the_sign_off_is_its_own_section_with_the_signers_and_the_date_on_one_line() -> None:
    chunks = chunks_of(SIGNED_NOTICE)
    [sign_off] = [chunk for chunk in chunks if chunk.section == "落款"]
    # asked who issued the notice or when, both are found together, and nothing else
    assert sign_off.text == "芜湖市质量协会 芜湖市总工会 二〇二四年九月十日"
    contact = the_chunk(chunks, "联系人：张三")
    assert "总工会" not in contact.text and "二〇二四年九月十日" not in contact.text
    # what follows the sign-off stays in the notice, not in the 落款
    attachment = the_chunk(chunks, "附件：1.申报表")
    assert attachment.section != "落款" and "二〇二四年九月十日" not in attachment.text


def test_a_date_without_signers_above_it_is_a_sign_off_alone() -> None:
    text = "关于开展服务之星活动的通知\n一、申报时间\n申报截止时间：2024年10月31日。\n2024年9月10日\n"
    chunks = chunks_of(text)
    [sign_off] = [chunk for chunk in chunks if chunk.section == "落款"]
    assert sign_off.text == "2024年9月10日"
    assert "2024年9月10日" not in the_chunk(chunks, "申报截止时间").text


def test_a_list_item_ending_its_sentence_is_content_not_the_title_of_the_paragraph_after_it():
    # "6.个人近期免冠照片1张。" says something; "纸质材料一式两份…" closes the list, under 四、申报材料.
    text = (
        "四、申报材料\n1.申报表（加盖单位公章）；\n2.班组事迹材料；\n3.用户满意度测评报告；\n"
        "4.近三年获得的荣誉证书复印件；\n5.班组成员名单；\n6.个人近期免冠照片1张。\n"
        "纸质材料一式两份，电子版发送至协会邮箱。\n五、申报时间\n请于2025年6月30日前报送。"
    )
    chunks = chunk_document(text, DocumentMeta(file="x.txt", title="t"))
    assert not any("免冠照片" in c.section for c in chunks)
    materials = the_chunk(chunks, "纸质材料一式两份")
    assert materials.section == "四、申报材料"
    assert "1.申报表" in materials.text and "6.个人近期免冠照片1张。" in materials.text
