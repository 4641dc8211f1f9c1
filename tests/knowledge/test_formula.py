"""A weighted total the notice defines, worked out for the applicant's own figures."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge import KnowledgeBase, KnowledgeConfig
from knowledge._formula import weighted_total

FORMULA = "综合得分=材料评审得分×30%+现场评审得分×50%+第三方满意度测评得分×20%。"
WORKED = "综合得分＝62×30%＋90×50%＋85×20%＝80.6分"


@pytest.mark.parametrize(
    "question",
    [
        "材料评审62分 现场90分 满意度测评85分 能评上吗",
        "满意度测评85分，材料评审62分，现场评审得了90分，综合分多少",  # in another order, with 得了
    ],
)
def test_each_term_of_the_formula_takes_the_figure_of_its_name(question):
    total = weighted_total(question, FORMULA)
    assert total is not None
    assert total.worked() == WORKED
    assert total.value == pytest.approx(80.6)


def test_weights_written_as_fractions_are_shown_as_written():
    total = weighted_total("自评88分 专家评审92.5分", "总分＝自评得分×0.4＋专家评审得分×0.6")
    assert total is not None and total.worked() == "总分＝88×0.4＋92.5×0.6＝90.7分"


@pytest.mark.parametrize(
    ("question", "sentence"),
    [
        ("材料评审62分 现场90分 能评上吗", FORMULA),  # no figure for 满意度测评: nothing guessed
        ("材料评审62分 现场90分 满意度测评85分", "综合得分由材料评审、现场评审和满意度测评三部分组成。"),
        ("材料评审62分", "综合得分=材料评审得分×100%"),  # one term is not a weighted total
        ("我们班组能评上吗", FORMULA),
    ],
)
def test_no_total_without_a_formula_or_a_figure_for_every_term(question, sentence):
    assert weighted_total(question, sentence) is None


CATALOG = """documents:
  - file: mh.txt
    title: 关于开展2025年度闵行区用户满意服务明星班组创建活动的通知
    issuer: 闵行区质量协会
    region: 上海市闵行区
    published: 2025-03-10
    programme: minhang-2025
    kind: notice
"""
NOTICE = (
    "关于开展2025年度闵行区用户满意服务明星班组创建活动的通知\n"
    "一、申报要求\n（一）班组成员5人以上50人以下，成立满2年。\n（二）近三年未发生重大质量事故。\n"
    f"二、评审办法\n{FORMULA}\n综合得分80分以上的班组认定为服务明星班组。\n"
    "三、申报时间\n请于2025年6月30日前报送。\n"
    "四、联系方式\n联系人：王五 电话：021-64123456\n"
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> KnowledgeBase:
    folder = tmp_path_factory.mktemp("notices")
    (folder / "catalog.yaml").write_text(CATALOG, encoding="utf-8")
    (folder / "mh.txt").write_text(NOTICE, encoding="utf-8")
    kb = KnowledgeBase(
        KnowledgeConfig(index_dir=tmp_path_factory.mktemp("index")), clock=lambda: date(2025, 5, 20)
    )
    kb.ingest(folder)
    return kb


def test_the_reply_works_out_the_notices_formula_only_for_a_figure_of_every_term(kb):
    answer = kb.ask("闵行明星班组材料评审62分 现场90分 满意度测评85分 能评上吗")
    assert answer.answered
    assert answer.answer.startswith(f"按通知的计算方法：{WORKED}。")
    assert "80分以上" in answer.answer  # and the rule it is measured against
    # no figure for 满意度测评: the formula is shown, nothing is computed
    answer = kb.ask("闵行明星班组材料评审62分 现场90分 能评上吗")
    assert "按通知的计算方法" not in answer.answer and "＝" not in answer.answer
