"""Normalisation of notices and questions: what a user notices is that a question matches its notice."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge import evidence_in_text, normalize_document, normalize_text
from knowledge._mojibake import annotated_pinyin, repair_mojibake_line, repair_table
from knowledge._normalize import to_simplified

JIANGSU = "jiangsu-changzhou-2011-service-star.txt"
SIMPLIFIED_FILES = [
    "guangdong-service-star-rules.txt",
    "lianyungang-2016-service-star.txt",
    "qinghai-2025-satisfaction-rating.txt",
    "service-star-example-deeds.txt",
]
JIANGSU_HEADINGS = [
    "（二）广泛宣传发动",
    "（三）落实创建目标",
    "（四）扎实推动创建",
    "（一）申报范围",
    "（二）申报材料",
    "（四）往年获奖单位的复评",
]


def test_a_traditional_question_reads_as_simplified() -> None:
    assert normalize_text("參加連雲港用戶滿意服務之星要收費嗎？") == "参加连云港用户满意服务之星要收费吗？"


def test_full_width_letters_digits_and_space_become_half_width() -> None:
    assert normalize_text("ＡＢＣ１２３　ｘ＠ｑｑ．ｃｏｍ") == "ABC123 x@qq.com"


def test_chinese_punctuation_stays_full_width() -> None:
    assert normalize_text("申报截止时间：2016年9月10日（星期六）；请按时报送！") == (
        "申报截止时间：2016年9月10日（星期六）；请按时报送！"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("省经信委,省总工会:联系人(张三);", "省经信委，省总工会：联系人（张三）；"),
        ("企(事)业单位", "企（事）业单位"),
        ("（苏经信科技[2011]682号）,2011年", "（苏经信科技[2011]682号），2011年"),
        ("第一篇:满意100服务明星", "第一篇：满意100服务明星"),
        ("收费吗?", "收费吗？"),
        ("网站(www.jseic.gov.cn)的专栏", "网站（www.jseic.gov.cn）的专栏"),
    ],
)
def test_half_width_punctuation_in_chinese_text_becomes_chinese(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    "kept",
    [
        "http://zlxh.lyg.cn/a,b(c)",
        "jsaq2007@126.com",
        "1.5倍行距",
        "3-5分",
        "025-83231032",
        "1,000元",
        "10:30开会",
        "ISO 9001:2015, GB/T 19038-2009",
    ],
)
def test_urls_emails_numbers_and_ascii_runs_keep_their_punctuation(kept: str) -> None:
    assert normalize_text(kept) == kept


def test_an_email_after_a_chinese_label_keeps_its_own_punctuation() -> None:
    assert normalize_text("电子邮箱:jsaq2007@126.com") == "电子邮箱：jsaq2007@126.com"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("關(guān)于轉(zhuǎn)發(fā)", "关于转发"),
        ("綠(lǜ)色", "绿色"),
        ("關於(guān yú)", "关于"),
        ("中(zhōng)(guó)", "中"),
        ("(蘇經信科技[2011]682號)", "（苏经信科技[2011]682号）"),
        ("材料(一式三份)", "材料（一式三份）"),
        ("参加(ISO)认证", "参加（ISO）认证"),
        ("联系(zhang)先生", "联系（zhang）先生"),  # no tone mark: a name, not an annotation
    ],
)
def test_pinyin_annotations_are_removed_and_real_parentheses_kept(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("总   则", "总则"),
        ("申 报 材 料", "申报材料"),
        ("服务之星  用户满意", "服务之星 用户满意"),
        ("\u200b用户\u200d满意\ufeff", "用户满意"),
        ("  用户\u3000满意度  ", "用户 满意度"),
        ("第一行\n\n第二行", "第一行 第二行"),
    ],
)
def test_whitespace_is_collapsed_and_letter_spacing_closed(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_a_document_keeps_its_lines_and_table_cells() -> None:
    raw = "附件2-1  \n单位名称,地址\n\n\t单位名称\n\t\n\t行  业\n\n\n注:请如实填写"
    assert normalize_document(raw) == "附件2-1\n单位名称，地址\n\n\t单位名称\n\t\n\t行业\n\n\n注：请如实填写"


def test_export_markers_are_dropped() -> None:
    raw = "[bookmark: _Hlk197953984]用户满意等级评价初审意见表\n[image: ][image: ]用户满意等级评价申请表"
    assert normalize_document(raw) == "用户满意等级评价初审意见表\n用户满意等级评价申请表"


_ALPHABET = st.sampled_from(
    [
        *"用户满意服務申報關於轉發一二三（）()，,:：;；?？!！ 　\t.-1209aZｘ１",
        "(guān)",
        "(lǜ)",
        "\u200b",
        "?。ㄒ唬┥陥",
        "\n",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_normalising_twice_changes_nothing(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert normalize_document(normalize_document(text)) == normalize_document(text)


def test_evidence_matching_ignores_whitespace_width_and_script() -> None:
    passage = "对2008-2009年度及以前年度获得“江苏省用户满意服务明星企（事）业”称号的单位，按规定将进行复评。"
    assert evidence_in_text("获得“江苏省用户满意服务明星企(事)業”称号的单位,按规定", passage)
    assert evidence_in_text("优良/80分以上  \n 合格/60分以上", "评价得分：\n优良/80分以上\n合格/60分以上")
    assert not evidence_in_text("按规定将进行初评", passage)
    assert not evidence_in_text("", passage)


# --- GBK mojibake repair ----------------------------------------------------------------------

_GARBLED_HEADINGS = {
    # garbled line start (as in the Jiangsu export) -> repaired start, before pinyin removal and t2s
    "?。ǘV泛宣傳發(fā)動(dòng)。": "（二）廣泛宣傳發(fā)動(dòng)。",
    "?。ㄈ┞鋵?shí)創(chuàng)建": "（三）落實(shí)創(chuàng)建",
    "?。ㄋ模┰鷮?shí)推動(dòng)": "（四）扎實(shí)推動(dòng)",
    "?。ㄒ唬┥陥?bào)范圍": "（一）申報(bào)范圍",
    "?。ǘ┥陥?bào)材料": "（二）申報(bào)材料",
}
_PINYIN_SEEN = {"實": {"shí"}, "報": {"bào"}}  # what the rest of the file says about these characters


@pytest.mark.parametrize(("garbled", "repaired"), list(_GARBLED_HEADINGS.items()))
def test_general_repair_realigns_bytes_and_recovers_lost_characters(garbled: str, repaired: str) -> None:
    assert not any(garbled.startswith(entry.garbled) for entry in repair_table().repairs)
    assert repair_mojibake_line(garbled, _PINYIN_SEEN) == repaired


def test_the_repair_table_covers_what_the_bytes_cannot_tell() -> None:
    line = "?。ㄋ模┩讷@獎(jiǎng)單位的復(fù)評"
    assert repair_mojibake_line(line, {}) == "（四）往年獲獎(jiǎng)單位的復(fù)評"
    assert all(len(entry.why) > 40 for entry in repair_table().repairs)


def test_lines_that_are_not_mojibake_are_left_alone() -> None:
    for line in ["?", "?是否需要复评", "（一）申报范围", "\t?", "what?。"]:
        assert repair_mojibake_line(line, {}) == line


def test_pinyin_is_learnt_from_the_documents_own_annotations() -> None:
    assert annotated_pinyin("落實(shí)創(chuàng)建 申報(bào)") == {
        "實": {"shí"},
        "創": {"chuàng"},
        "報": {"bào"},
    }


# --- the real corpus --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jiangsu(notices_dir: Path) -> str:
    return normalize_document((notices_dir / JIANGSU).read_text(encoding="utf-8"))


def test_the_garbled_jiangsu_notice_reads_as_clean_simplified_chinese(jiangsu: str) -> None:
    assert not re.search(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]", jiangsu), "pinyin left"
    assert not re.search(r"[\u3100-\u312f\u31a0-\u31bf]", jiangsu), "bopomofo (mojibake) left"
    assert "?" not in jiangsu and "\ufffd" not in jiangsu
    assert to_simplified(jiangsu) == jiangsu
    assert "关于转发省经信委等五部门开展2011年江苏省用户满意服务明星创建活动的通知" in jiangsu.split("\n")[0]


@pytest.mark.parametrize("heading", JIANGSU_HEADINGS)
def test_the_six_garbled_jiangsu_headings_read_correctly(jiangsu: str, heading: str) -> None:
    assert any(line.startswith(heading) for line in jiangsu.split("\n")), heading


@pytest.mark.parametrize("name", SIMPLIFIED_FILES)
def test_simplified_notices_change_only_in_width_whitespace_and_punctuation(
    notices_dir: Path, name: str
) -> None:
    original = (notices_dir / name).read_text(encoding="utf-8")
    normalised = normalize_document(original)

    def folded(text: str) -> str:
        text = re.sub(r"\[(?:bookmark|image):[^\]\n]*\]", "", text)  # export markers are dropped on purpose
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))

    assert folded(normalised) == folded(original)
    assert to_simplified(normalised) == normalised
