"""Extractive answers from hand-made passages: the right sentence, cited, or a plain refusal."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge import Chunk, SearchHit, analyse_question, resolve_scope
from knowledge._extractive import AnswerContext, CorpusStats, ExtractiveAnswerer
from knowledge._extractive_wording import as_asked
from knowledge._scope import Programme
from knowledge._sentences import display_text, split_units

TODAY = date(2026, 11, 21)
LYG = Programme(
    id="lyg-2016",
    label="连云港2016",
    title="连云港2016年服务之星通知",
    year=2016,
    places=["连云港"],
    provinces=["江苏"],
    awards=["用户满意服务之星"],
    issuer="连云港市质量协会",
)
QH = Programme(
    id="qh-2025",
    label="青海2025",
    title="2025年青海省用户满意等级评价申报材料",
    year=2025,
    places=["青海"],
    awards=["用户满意等级评价"],
    issuer="青海省质量管理协会",
)
JS = Programme(id="js-2011", label="江苏2011", title="2011年江苏省服务明星通知", year=2011, places=["江苏"])
PROGRAMMES = [LYG, QH, JS]


def make_chunk(programme: Programme | None, section: str, text: str) -> Chunk:
    file = f"{programme.id if programme else 'examples'}.txt"
    title = programme.title if programme else "事迹材料范文"
    return Chunk(
        id=Chunk.make_id(file, section, text),
        text=text,
        section=section,
        file=file,
        title=title,
        programme=programme.id if programme else None,
        year=programme.year if programme else None,
    )


CHUNKS = [
    make_chunk(
        LYG,
        "二、申报评审工作 › （1）申报时间",
        "（1） 申报时间\n凡开展创建活动并符合有关申报条件的企事业单位均可申报。申报截止时间：2016年9月10日。",
    ),
    make_chunk(
        LYG,
        "三、申报要求 › （二）创建活动自愿参加，全程免费",
        "（二）创建活动自愿参加，全程免费。开展创建活动的全过程完全免费，任何机构不得乱收费。",
    ),
    make_chunk(
        LYG,
        "三、申报要求 › （三）以市场、顾客评价为基础",
        "（三）以市场、顾客评价为基础。对年内服务对象少于50个的，应进行全数调查，服务对象较多的，"
        "样本数量不少于50个。",
    ),
    make_chunk(
        LYG,
        "附件3-1 企业自评标准",
        "服务水平（35分）\t服务文化（10分）\t企业文化建设\t1-5分\n"
        "注：现场调查中发现企业有如下情况均为一票否决：1、存在重大质量、安全、环保责任事故。"
        "2、企业在苏境内注册未满3年。3、特殊行业无相应资质",
    ),
    make_chunk(
        LYG,
        "附件2 › 填报说明",
        "5.先进事迹材料用于详细表述申报人的业务素质。要求用A4纸打印，正文小四号宋体，一般应在3000字以内。",
    ),
    make_chunk(
        QH,
        "附件1 初审意见表",
        "初审意见\t评价结论\t评价得分：\n优良/80分以上\n合格/60分以上\n不合格/不足60分\t建议等级",
    ),
    make_chunk(
        QH,
        "附件2 › （五）用户满意经营实践报告 › 报告PDF版本要求",
        "报告PDF版本要求：\n2.格式要求：标题为小二号宋体、加粗、居中、单倍行距，正文为四号宋体、1.5倍行距。\n"
        "4.文字篇幅1万字以内。",
    ),
    make_chunk(QH, "申报表填报说明", "7.材料申报截止日期为2025年8月25日。"),
    make_chunk(
        JS, "三、表彰申报工作", "省各行业协会直接报省创建活动领导小组办公室。申报截止时间为2011年10月31日。"
    ),
    make_chunk(
        None,
        "第五篇：2006年上海市用户满意服务明星",
        "2006年上海市用户满意服务明星创建活动工作总结。2006年受表彰的246个市用户满意服务明星来自于全市近160家企事业单位。",
    ),
]


@pytest.fixture(scope="module")
def context() -> AnswerContext:
    contacts = {LYG.id: "连云港市质量协会 朱炳功，电话：85807519"}
    return AnswerContext(
        programmes=PROGRAMMES, stats=CorpusStats.from_chunks(CHUNKS), today=TODAY, contact_for=contacts.get
    )


def ask(question: str, context: AnswerContext, requested: str | None = None, hits: list[Chunk] | None = None):
    """Scope, analyse and answer, with every chunk of the scope as a hit (best lexical overlap first)."""
    scope = resolve_scope(question, PROGRAMMES, requested)
    analysis = analyse_question(
        question,
        drop_spans=scope.mention_spans,
        corpus=context.stats,
        extra_terms=[m.text for m in scope.uncovered],
    )
    pool = (
        hits
        if hits is not None
        else [c for c in CHUNKS if not scope.programmes or c.programme in scope.programmes]
    )
    ranked = sorted(pool, key=lambda c: -len(set(question) & set(c.text)))
    search_hits = [SearchHit(chunk=c, score=1.0 / (i + 1)) for i, c in enumerate(ranked)]
    return ExtractiveAnswerer().answer(question, analysis, search_hits, scope, context).answer


def test_a_date_question_gets_the_sentence_with_the_date_cited(context):
    answer = ask("连云港申报截止到哪天？", context)
    assert answer.answered
    assert "2016年9月10日" in answer.answer
    assert answer.answer.startswith("【连云港2016】")
    [citation] = answer.citations
    assert citation.quote == "申报截止时间：2016年9月10日。"
    assert citation.quote in next(
        c.text for c in CHUNKS if c.file == citation.file and c.section == citation.section
    )
    assert citation.title == LYG.title


def test_a_past_deadline_is_flagged(context):
    answer = ask("连云港申报截止到哪天？", context)
    assert "该截止日期已过" in answer.answer


def test_a_deadline_still_ahead_is_not_flagged():
    future = AnswerContext(
        programmes=PROGRAMMES, stats=CorpusStats.from_chunks(CHUNKS), today=date(2016, 7, 1)
    )
    answer = ask("连云港申报截止到哪天？", future)
    assert answer.answered and "已过" not in answer.answer


def test_a_yes_no_question_is_answered_by_the_sentence_that_settles_it(context):
    answer = ask("参加连云港服务之星要收费吗？", context)
    assert answer.answered and "免费" in answer.answer


def test_a_number_question_needs_the_number_in_the_unit_asked(context):
    answer = ask("青海实践报告最多能写多少字？", context)
    assert answer.answered and "1万字以内" in answer.answer


def test_a_table_row_is_quoted_whole(context):
    answer = ask("青海初审评价得分多少算优良，多少算合格", context)
    assert answer.answered
    assert "80分以上" in answer.answer and "60分以上" in answer.answer


def test_an_inline_list_is_kept_whole(context):
    answer = ask("连云港企业自评标准里一票否决有哪几种情况？", context)
    assert answer.answered
    for item in ("责任事故", "未满3年", "无相应资质"):
        assert item in answer.answer


def test_several_programmes_are_answered_side_by_side_when_none_is_named(context):
    answer = ask("申报截止日期是哪天", context)
    assert answer.answered and answer.programme is None
    lines = answer.answer.split("\n")
    assert len(lines) == 3
    for label, day in (("连云港2016", "9月10日"), ("青海2025", "8月25日"), ("江苏2011", "10月31日")):
        assert any(line.startswith(f"【{label}】") and day in line for line in lines)
    assert len(answer.citations) == 3


def test_a_question_the_notices_do_not_answer_is_refused_plainly(context):
    answer = ask("获得连云港服务之星称号后企业能享受哪些税收优惠？", context)
    assert not answer.answered and answer.kind == "not_found"
    assert answer.answer.startswith("通知中没有关于“") and "税收" in answer.answer  # names what was asked
    assert "85807519" in answer.answer  # where to ask
    assert not answer.citations  # no quote beside "the notices do not say": it could say it after all
    assert answer.confidence < 0.35


def test_a_number_in_another_unit_does_not_answer(context):
    answer = ask("找第三方机构做满意度测评一般要花多少钱？", context)
    assert not answer.answered


def test_a_place_outside_the_corpus_is_refused_with_what_is_covered(context):
    answer = ask("2026年北京服务之星什么时候报名", context)
    assert not answer.answered
    assert "北京" in answer.answer and "2026年" in answer.answer
    assert "连云港2016" in answer.answer and "青海2025" in answer.answer


def test_a_place_outside_the_programmes_is_answered_from_a_passage_that_names_it(context):
    answer = ask("2006年上海市一共表彰了多少个用户满意服务明星", context)
    assert answer.answered and "246" in answer.answer
    assert answer.answer.startswith("【参考范文】")


def test_the_label_is_left_out_when_the_caller_chose_the_programme(context):
    answer = ask("申报截止日期是哪天", context, requested=QH.id)
    assert answer.answered and answer.answer.startswith("材料申报截止日期为2025年8月25日")
    assert answer.programme == QH.id


def test_confidence_separates_answers_from_refusals(context):
    answered = ask("连云港申报截止到哪天？", context)
    refused = ask("获得连云港服务之星称号后企业能享受哪些税收优惠？", context)
    assert answered.kind == "answer" and refused.kind == "not_found"
    assert answered.confidence >= 0.5 > refused.confidence


def test_no_hits_means_a_refusal(context):
    answer = ask("连云港申报截止到哪天？", context, hits=[])
    assert not answer.answered


def test_a_question_without_content_words_asks_for_more(context):
    answer = ask("请问一下", context)
    assert not answer.answered and "例如" in answer.answer


def test_sentences_keep_rows_lists_and_broken_lines_whole():
    text = (
        "申报单位登陆质量协会网（http://zlxh.lyg.cn），\n下载有关通知及表格。\n"
        "推进小组办公室主任：\n质量协会常务副会长 朱炳功\n"
        "二、申请材料装订顺序\n（一）封面和目录\n（二）承诺书\n申请单位加盖公章。\n"
        "初审意见\t评价结论\t评价得分：\n优良/80分以上\n合格/60分以上\t建议等级"
    )
    units = split_units(text)
    shown = [u.text for u in units]
    assert "申报单位登陆质量协会网（http://zlxh.lyg.cn）， 下载有关通知及表格。" in shown
    assert "推进小组办公室主任： 质量协会常务副会长 朱炳功" in shown
    assert "初审意见 | 评价结论 | 评价得分： 优良/80分以上 合格/60分以上 | 建议等级" in shown
    [block] = [u for u in units if u.kind == "block"]
    assert block.text == "二、申请材料装订顺序 （一）封面和目录 （二）承诺书"
    for unit in units:  # every unit is a span of the chunk: that is what a citation quotes
        assert display_text(text[unit.start : unit.end]) == unit.text


# --- colloquial questions ------------------------------------------------------------------------

RUBRIC = [
    make_chunk(
        LYG,
        "附件3-1 企业自评标准 › 用户满意度评价",
        "用户满意度评价（10分）\t评价结果（4分）\t用户满意度指数超过90分\t4分\n"
        "用户满意度指数超过85分\t3分\n"
        "用户满意度指数超过80分\t2分",
    ),
    make_chunk(LYG, "附件2 › 填报说明", "4.自评表供组织申报前自评自测使用，自评分数80分及以上方可申报。"),
    make_chunk(
        QH,
        "附件2 › （五）用户满意经营实践报告",
        "2.申报四星级和五星级的需准备讲解视频，时间在15分钟以内，视频大小在30M以内。",
    ),
]


@pytest.fixture(scope="module")
def colloquial_context() -> AnswerContext:
    return AnswerContext(programmes=PROGRAMMES, stats=CorpusStats.from_chunks(CHUNKS + RUBRIC), today=TODAY)


def test_the_applicants_figure_picks_the_band_it_falls_in(colloquial_context):
    answer = ask("连云港满意度指数86分在评价结果那项能拿几分", colloquial_context, hits=RUBRIC + CHUNKS)
    assert answer.answered
    assert "超过85分 | 3分" in answer.answer and "超过90分" not in answer.answer


def test_the_applicants_figure_is_not_required_of_the_answer(colloquial_context):
    answer = ask("连云港那个活动自评才打了75分还能报吗", colloquial_context, hits=RUBRIC + CHUNKS)
    assert answer.answered and "80分及以上" in answer.answer


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("青海那边讲解视屏最长能录多久", "15分钟"),  # deixis and a sound-alike typo
        ("青海这边讲解视频文件具体不能超过多大", "30M"),  # discourse words, a meta word
    ],
)
def test_colloquial_wording_does_not_stop_an_answer(colloquial_context, question, expected):
    answer = ask(question, colloquial_context, hits=RUBRIC + CHUNKS)
    assert answer.answered and expected in answer.answer


def test_a_missing_noun_is_still_refused_among_filler_words(colloquial_context):
    answer = ask("咱们这边连云港评上了以后大概有没有奖金啊", colloquial_context, hits=RUBRIC + CHUNKS)
    assert not answer.answered and "奖金" in answer.answer


FORMS = [
    make_chunk(
        QH,
        "附件1 用户满意等级评价初审意见表",
        "注：1. 此表由推进机构（上级部门或行业协会）填写，盖章有效。",
    ),
    make_chunk(QH, "附件2 › 第二条", "省总工会负责活动的宣传、组织、实施和管理工作。"),
    make_chunk(QH, "附件2 › 第一条", "第一条 本活动由青海省质量管理协会组织实施。"),
    *(  # 填写 is an everyday word of forms: it weighs little
        make_chunk(QH, f"附件2 › 填报说明 › {n}", f"{n}.表格内容请如实填写，不填之项要说明原因。")
        for n in range(1, 12)
    ),
    make_chunk(None, "第二篇：营业厅事迹", "营业厅现有员工6人，平均年龄30岁，承担着公司80%的销售任务。"),
]


@pytest.fixture(scope="module")
def forms_context() -> AnswerContext:
    return AnswerContext(programmes=PROGRAMMES, stats=CorpusStats.from_chunks(CHUNKS + FORMS), today=TODAY)


def test_a_note_that_says_this_form_answers_for_the_form_it_stands_in(forms_context):
    answer = ask("青海初审意见表由谁来填写", forms_context, hits=FORMS)
    assert answer.answered and "推进机构" in answer.answer


def answer_in_order(question: str, context: AnswerContext, chunks: list[Chunk]):
    """Like `ask`, with the hits in the order given (the first one best)."""
    scope = resolve_scope(question, PROGRAMMES, None)
    analysis = analyse_question(question, drop_spans=scope.mention_spans, corpus=context.stats)
    hits = [SearchHit(chunk=c, score=1.0 / (i + 1)) for i, c in enumerate(chunks)]
    return ExtractiveAnswerer().answer(question, analysis, hits, scope, context).answer


def test_the_sentence_with_the_question_words_side_by_side_comes_first(forms_context):
    answer = answer_in_order("青海这个活动谁来组织实施", forms_context, FORMS)
    assert answer.answered and "青海省质量管理协会组织实施" in answer.answer


def test_a_sample_write_up_does_not_settle_a_rule(forms_context):
    assert not ask("服务之星评选有年龄限制吗", forms_context, hits=FORMS).answered
    figure = ask("范文里营业厅员工平均年龄多大", forms_context, hits=FORMS)
    assert figure.answered and "30岁" in figure.answer  # a figure of the story it does give


# --- context, compounds, distinguishing terms -------------------------------------------------

WRITE_UPS = [
    Chunk(
        id=f"w{order}",
        text=text,
        section=section,
        file="examples.txt",
        title="服务明星事迹材料范文（三篇）",
        order=order,
    )
    for order, (section, text) in enumerate(
        [
            ("第一篇 营业厅班组", "某营业厅班组共有员工12人。班组用户投诉率为1.2%，连续两年下降。"),
            ("第三篇 全国服务明星", "毛某，云天热带森林公园有限公司董事长，带领团队建设景区。"),
            (
                "第三篇 全国服务明星 › 二、精细服务",
                "园区完善了游客投诉处理制度。游客投诉率连续3年低于0.05%。",
            ),
        ]
    )
]
RULES = [
    make_chunk(QH, "申报须知", "凡符合条件的企（事）业单位均可申报。中共党（团）员优先推荐。"),
    make_chunk(QH, "报送要求", "申报材料须加盖公章。材料申报一式三份，逾期不予受理。"),
    make_chunk(
        QH,
        "附件2 › 讲解视频",
        "2.申报四星级和五星级的需准备讲解视频，以PPT形式呈现，时间在15分钟以内。申报三星级不需要准备视频。",
    ),
]


@pytest.fixture(scope="module")
def context_context() -> AnswerContext:
    return AnswerContext(programmes=PROGRAMMES, stats=CorpusStats.from_chunks(WRITE_UPS + RULES), today=TODAY)


def test_the_write_up_named_at_its_top_places_a_sentence_further_down(context_context):
    answer = answer_in_order("那篇热带森林公园的范文里投诉率多少", context_context, WRITE_UPS)
    assert answer.answered and "0.05%" in answer.answer and "1.2%" not in answer.answer
    # The write-up places the sentence; the sentence must still say what is asked.
    assert not answer_in_order("那篇热带森林公园的范文里有多少个车位", context_context, WRITE_UPS).answered


def test_a_parenthetical_inside_a_word_does_not_hide_it(context_context):
    answer = answer_in_order("青海是党员的能优先吗", context_context, RULES)
    assert answer.answered and "党（团）员" in answer.answer


def test_a_compound_term_is_covered_by_its_words_in_another_order(context_context):
    answer = answer_in_order("青海申报材料要交几份", context_context, RULES)
    assert answer.answered and "一式三份" in answer.answer


def test_a_yes_no_question_is_answered_by_the_sentence_with_its_distinguishing_term(context_context):
    answer = answer_in_order("青海三星级要准备讲解视频吗", context_context, RULES)
    assert answer.answered and "申报三星级不需要准备视频" in answer.answer


def test_the_passage_with_the_document_number_asked_about_comes_first():
    numbered = make_chunk(
        JS, "通知", "苏经信科技[2011]682号\n省经信委、省总工会和团省委决定联合开展创建活动。"
    )
    others = [
        make_chunk(JS, "一、组织申报", "请各有关部门做好组织申报工作。"),
        make_chunk(JS, "二、宣传发动", "各部门要做好宣传发动。"),
        make_chunk(JS, "三、材料报送", "申报材料一式两份。"),
    ]
    context = AnswerContext(
        programmes=PROGRAMMES, stats=CorpusStats.from_chunks([numbered, *others]), today=TODAY
    )
    analysis = analyse_question("682号文是哪几个部门联合发的", corpus=context.stats)
    hits = [SearchHit(chunk=c, score=1.0 / (i + 1)) for i, c in enumerate([*others, numbered])]
    ranked = ExtractiveAnswerer().rank_hits(analysis, hits, context)
    assert ranked[0].chunk is numbered


# A city's letter forwarding the province's notice: one file, two bodies speaking.
CZ = Programme(
    id="cz-2011",
    label="江苏2011",
    title="关于转发2011年江苏省服务明星创建活动通知的通知",
    year=2011,
    places=["江苏", "常州"],
    awards=["用户满意服务明星"],
)
PROVINCE_NOTICE = "关于开展2011年江苏省用户满意服务明星创建活动的通知"
FORWARDED = [
    make_chunk(
        CZ,
        "二、申报、复评日期",
        "请各单位于2011年10月17日前将申报、复评材料（一式三份）报送至市质量协会（常州市新区太湖中路25号）。",
    ),
    make_chunk(CZ, "二、申报、复评日期 › 联系方式", "联系电话：86681391-8003，联系人：张江滨。"),
    make_chunk(
        CZ,
        f"{PROVINCE_NOTICE} › 三、表彰申报工作 › （二）申报材料",
        "各市要按照公平、择优的原则，将申报材料（一式2份）上报省创建活动领导小组办公室。",
    ),
    make_chunk(
        CZ,
        f"{PROVINCE_NOTICE} › 三、表彰申报工作 › 联系方式",
        "联系人：省质量管理协会吴霰\n联系电话：025-83231032 传真：025-83302167",
    ),
]


def ask_forwarded(question: str, province_first: bool = True):
    programmes = [LYG, QH, CZ]
    context = AnswerContext(
        programmes=programmes, stats=CorpusStats.from_chunks(CHUNKS + FORWARDED), today=TODAY
    )
    scope = resolve_scope(question, programmes, None)
    analysis = analyse_question(question, drop_spans=scope.mention_spans, corpus=context.stats)
    # The other body's sentences first: the search alone would answer from them.
    ranked = list(reversed(FORWARDED)) if province_first else FORWARDED
    hits = [SearchHit(chunk=c, score=1.0 / (i + 1)) for i, c in enumerate(ranked)]
    return ExtractiveAnswerer().answer(question, analysis, hits, scope, context).answer


def test_a_question_naming_the_city_is_answered_by_its_forwarding_letter():
    answer = ask_forwarded("常州的材料要几份")
    assert answer.answered and "一式三份" in answer.answer and "一式2份" not in answer.answer


def test_the_city_contact_line_is_read_with_the_sentence_naming_the_city_body():
    answer = ask_forwarded("常州市质协联系电话多少")
    assert answer.answered and "86681391" in answer.answer and "025-83231032" not in answer.answer
    assert "市质量协会" in answer.answer  # the sentence above says whose line it is


def test_a_question_naming_the_province_is_answered_by_the_forwarded_notice():
    answer = ask_forwarded("省里要求申报材料交几份", province_first=False)
    assert answer.answered and "一式2份" in answer.answer and "一式三份" not in answer.answer


FORM_AND_PLACE_CHUNKS = [
    make_chunk(
        JS,
        "一、申报日期",
        "请各单位于2011年10月17日前将申报、复评材料（一式三份）报送至市质量协会（常州市新区太湖中路25号八楼）。",
    ),
    make_chunk(QH, "申报要求", "提交纸质及电子版材料，电子版随纸质材料一并报送至青海省质量管理协会。"),
    make_chunk(
        QH,
        "附件3-1 杰出管理者自评表 › 作风优良",
        "作风优良（10分）\t作风务实，文明严谨（10分）\t优良的作风为构建和谐社会氛围做出突出贡献（9-10分）",
    ),
    make_chunk(LYG, "填报说明", "被访用户名单信息表中信息真实性如果不高，视作无效申报。"),
    make_chunk(QH, "申请表填报说明", "内容如实填写，数据请以上年度末为准，如表内填不下，可另加附页。"),
    make_chunk(LYG, "申报条件 › 杰出管理者", "申报杰出管理者须为企业的高层管理人员，具有先进的管理思想。"),
    make_chunk(
        QH,
        "六、案例库",
        "六、被评选为用户满意标杆（五星）级的用户满意经营实践将自动入选到《用户满意经营实践案例库》。",
    ),
    make_chunk(
        LYG,
        "第九条 服务之星班组申报条件",
        "第九条 服务之星班组申报条件：\n\n1、班组成立满三年；\n\n2、班组成员无违纪记录。\n\n第十条 附则",
    ),
    make_chunk(
        None,
        "第一篇 满意100服务明星事迹材料",
        "一是实行首问负责制。客户的满意是衡量服务的唯一标准，这就要求营业员规范化服务。"
        "第一个接待客户的营业员，要对客户提出的所有问题一包到底。\n二是开展微笑服务。",
    ),
]


@pytest.fixture(scope="module")
def form_context() -> AnswerContext:
    return AnswerContext(
        programmes=PROGRAMMES, stats=CorpusStats.from_chunks(FORM_AND_PLACE_CHUNKS), today=TODAY
    )


def ask_among(question: str, context: AnswerContext) -> object:
    scope = resolve_scope(question, PROGRAMMES)
    pool = [c for c in FORM_AND_PLACE_CHUNKS if not scope.programmes or c.programme in scope.programmes]
    return ask(question, context, hits=pool)


def test_an_address_answers_where_without_the_word_address(form_context):
    answer = ask_among("常州市质协地址在哪", form_context)
    assert answer.answered and "太湖中路25号八楼" in answer.answer


def test_no_address_in_the_notice_means_a_refusal(form_context):
    answer = ask_among("青海的纸质材料要寄到哪个地址", form_context)
    assert not answer.answered


def test_a_score_answers_total_points_without_the_word(form_context):
    answer = ask_among("青海杰出管理者自评表作风优良总分几分", form_context)
    assert answer.answered and "作风优良（10分）" in answer.answer
    assert " | " in answer.answer  # the row's cells, shown apart


def test_a_hedged_question_is_answered(form_context):
    answer = ask_among("连云港被访用户名单要是不太真实会怎么样", form_context)
    assert answer.answered and "无效" in answer.answer


def test_the_time_figures_are_taken_at_answers_which_point_in_time(form_context):
    answer = ask_among("青海申请表里的数据按哪个时间点填", form_context)
    assert answer.answered and "上年度末为准" in answer.answer


def test_asking_what_a_named_practice_means_gets_the_sentences_that_explain_it(form_context):
    answer = ask_among("范文里的首问负责制是啥意思", form_context)
    assert answer.answered and "一包到底" in answer.answer
    assert "微笑服务" not in answer.answer  # the next paragraph is another practice


def test_a_rank_the_rule_does_not_name_is_answered_by_the_rank_it_does(form_context):
    answer = ask_among("连云港杰出管理者中层干部能报吗", form_context)
    assert answer.answered and "高层管理人员" in answer.answer


def test_a_line_that_announces_a_list_is_answered_with_the_list(form_context):
    answer = ask_among("连云港服务之星班组什么样的班组能报", form_context)
    assert answer.answered
    assert "成立满三年" in answer.answer and "无违纪记录" in answer.answer
    assert "附则" not in answer.answer


def test_a_bracketed_aside_inside_a_word_does_not_hide_it(form_context):
    # "标杆（五星）级" says 标杆级; "什么地方" asks where, it names nothing.
    answer = ask_among("青海评上标杆级的实践会被收进什么地方", form_context)
    assert answer.answered and "案例库" in answer.answer


def test_a_long_list_is_cut_for_a_phone_and_says_how_many_items_are_left_out(context):
    names = [
        "申报表",
        "自评报告",
        "满意度测评报告",
        "荣誉复印件",
        "事迹材料",
        "推荐意见",
        "承诺书",
        "其他证明",
    ]
    items = "\n".join(
        f"{i}.{name}（须加盖单位公章，按附件{i}的格式填写，并附相关证明材料的复印件一份，装订成册后一并报送）。"
        for i, name in enumerate(names, start=1)
    )
    chunk = make_chunk(LYG, "四、申报材料", f"申报时需提交以下材料：\n{items}")
    answer = ask("连云港申报要交哪些材料", context, hits=[chunk])
    assert answer.answered and "1.申报表" in answer.answer
    assert "8.其他证明" not in answer.answer and "见所引通知原文" in answer.answer
    assert "共8项" in answer.answer
    assert len(answer.answer) < 400  # a phone screen or two, not the whole list
    assert any("8.其他证明" in citation.quote for citation in answer.citations)  # the source, whole


@pytest.mark.parametrize(
    ("question", "what"), [("无锡市质协联系电话多少", "联系方式"), ("南京的申报截止日期是哪天", "截止日期")]
)
def test_another_city_s_contact_or_deadline_is_not_given_as_the_answer(question, what):
    """The notices give 常州's (the forwarding city's) contact and deadline, none for 无锡 or 南京:
    the reply says so, and shows whose they give, never as the answer."""
    answer = ask_forwarded(question)
    place = question[:2]
    assert not answer.answered and answer.kind == "not_found"
    assert answer.answer.startswith(f"通知中没有给出{place}的{what}。通知中给出的是另一单位的：")
    assert answer.citations  # whose they give, cited


def test_what_the_notices_lack_is_named_as_the_question_writes_it():
    assert as_asked(["面积", "大面", "参评"], "近三年有过大面积投诉还能参评吗") == ["大面积", "参评"]
    assert as_asked(["奖金"], "获奖以后有多少奖金") == ["奖金"]
    assert as_asked(["税收", "优惠"], "能享受哪些税收优惠") == ["税收优惠"]  # touching: one phrase


def test_a_heading_that_names_the_steps_is_answered_with_every_step_below_it():
    steps = make_chunk(
        LYG,
        "五、申报流程",
        "五、申报流程\n第一步：自评。申报单位对照评价表组织自评。\n第二步：单位推荐。单位内部公示5个工作日。\n"
        "第三步：市级评审。市质量协会组织专家评审，结果公示7天。",
    )
    chunks = [*CHUNKS, steps]
    context = AnswerContext(programmes=PROGRAMMES, stats=CorpusStats.from_chunks(chunks), today=TODAY)
    question = "连云港服务之星申报流程是怎样的，分几步"
    scope = resolve_scope(question, PROGRAMMES)
    analysis = analyse_question(question, drop_spans=scope.mention_spans, corpus=context.stats)
    # the passage found first by the words too, as the index finds it
    hits = [
        SearchHit(chunk=c, score=1.0 / (i + 1), lexical_rank=i, lexical_score=10.0 / (i + 1))
        for i, c in enumerate([steps, *CHUNKS[:3]])
    ]
    answer = ExtractiveAnswerer().answer(question, analysis, hits, scope, context).answer
    assert answer.answered
    assert all(step in answer.answer for step in ("自评", "单位推荐", "市级评审", "公示7天"))


@pytest.mark.parametrize(
    ("question", "sentence", "verdict"),
    [
        ("管理人员能报个人类别吗", "企业中层及以上管理人员不得以个人类别申报。", "不能。"),
        ("管理人员可以报个人类别吗", "企业中层及以上管理人员不得以个人类别申报。", "不可以。"),
        ("三星级要不要做视频", "申报三星级不需要准备视频。", "不需要。"),
        ("杰出管理者要交组织机构代码证吗", "杰出管理者必须提供单位的组织机构代码证复印件。", "需要。"),
        # the rule is about something else than asked: no verdict
        ("三星级要不要做视频", "申报五星级须提交现场评价报告。", None),
        # a negative question turns the rule around: no verdict rather than a wrong one
        ("没评上能报个人类别吗", "企业中层及以上管理人员不得以个人类别申报。", None),
        # not a permission or obligation question
        ("个人类别是什么", "企业中层及以上管理人员不得以个人类别申报。", None),
    ],
)
def test_yes_or_no_comes_first_only_when_the_quoted_rule_settles_it(question, sentence, verdict):
    from knowledge._verdict import yes_no_verdict

    terms = analyse_question(question).key_terms
    assert yes_no_verdict(question, terms, sentence) == verdict


def test_an_as_of_date_in_parentheses_is_not_taken_for_the_deadline():
    condition = make_chunk(
        LYG, "二、申报条件", "在服务一线岗位连续工作满3年（截至2016年5月31日），现仍在一线岗位工作。"
    )
    deadline = make_chunk(
        LYG, "六、时间安排", "2016年6月30日前：各区质量协会将初审合格的申报材料报送市质量协会，逾期不予受理。"
    )
    chunks = [*CHUNKS[1:], condition, deadline]  # without the other deadline passage
    context = AnswerContext(programmes=PROGRAMMES, stats=CorpusStats.from_chunks(chunks), today=TODAY)
    question = "连云港服务之星今年啥时候截止啊"
    scope = resolve_scope(question, PROGRAMMES)
    analysis = analyse_question(question, drop_spans=scope.mention_spans, corpus=context.stats)
    hits = [
        SearchHit(chunk=c, score=1.0 / (i + 1), lexical_rank=i, lexical_score=10.0 / (i + 1))
        for i, c in enumerate([condition, deadline, *CHUNKS[1:3]])
    ]
    answer = ExtractiveAnswerer().answer(question, analysis, hits, scope, context).answer
    assert answer.answered and "6月30日前" in answer.answer


def test_a_bracketed_alternative_also_reads_as_the_pair_it_abbreviates():
    # "县（区）行业协会" says 县区 as well as 县 and 区 (and "州（市）" 州市): a question writing the
    # pair must find it there, not be refused for lacking it.
    answerer = ExtractiveAnswerer()
    text = "部分企业也可以直接通过所属县（区）行业协会申报，报送所在州（市）质量协会。"
    assert answerer._term_coverage("县区", text) == 1.0
    assert answerer._term_coverage("州市", text) == 1.0
    assert answerer._term_coverage("县", text) == 1.0


# --- a list's heading names what is asked ("四、申报材料"), the steps only mention it --------------

FJ = Programme(
    id="fj-2025",
    label="福建2025",
    title="福建电力行业用户满意服务明星班组创建活动的通知",
    year=2025,
    places=["福建"],
    issuer="福建省电力行业协会",
)
FJ_STEPS = make_chunk(
    FJ,
    "五、创建程序",
    "五、创建程序\n1.班组自评：对照自评表开展自评，自评80分及以上方可申报；\n2.单位推荐：会员单位审核后择优推荐；\n"
    "3.形式审查：协会秘书处对申报材料进行形式审查；\n4.专家评审：协会组织专家进行材料评审。",
)
FJ_MATERIALS = make_chunk(
    FJ,
    "四、申报材料",
    "四、申报材料\n（一）申报表（附件1），经会员单位审核盖章；\n（二）班组自评表（附件2）；\n"
    "（三）班组先进事迹材料，3000字以内；\n（四）客户满意度调查报告。",
)


@pytest.mark.parametrize("question", ["要交哪些材料", "要交哪些申报材料"])
def test_a_list_question_is_answered_by_the_list_its_heading_names(question):
    chunks = [FJ_STEPS, FJ_MATERIALS]  # the steps, which mention 申报材料 twice, found first
    context = AnswerContext(programmes=[FJ], stats=CorpusStats.from_chunks(chunks), today=TODAY)
    scope = resolve_scope(question, [FJ])
    analysis = analyse_question(question, drop_spans=scope.mention_spans, corpus=context.stats)
    hits = [SearchHit(chunk=c, score=1.0 / (i + 1)) for i, c in enumerate(chunks)]
    # Which sentences are chosen is the ranking's; whether they are shown as the answer is the
    # fitted decision's, which a two-passage corpus says little about.
    groups, _ = ExtractiveAnswerer().scored_groups(analysis, hits, scope, context)
    chosen = " ".join(c.unit.text for c in groups[0].chosen)
    assert "（一）申报表" in chosen and "客户满意度调查报告" in chosen
    assert "创建程序" not in chosen and "形式审查" not in chosen


@pytest.mark.parametrize(
    ("term", "text", "covered"),
    [
        ("座机", "电话：0518-85807519", True),
        ("固话", "联系电话：0518-85807519", True),
        ("门槛", "综合得分80分以上的班组认定为服务明星班组", True),
        ("最低", "满意度测评得分不低于80分", True),
        ("座机", "地址：连云港市海州区朝阳东路", False),
        ("门槛", "综合得分80分以下的不予认定", False),
    ],
)
def test_a_term_is_covered_by_its_synonyms_not_by_other_words(term, text, covered):
    # what checks that an answer says a part of the question: 座机 by 电话, 门槛 by 以上
    assert ExtractiveAnswerer().covers(term, text) is covered
