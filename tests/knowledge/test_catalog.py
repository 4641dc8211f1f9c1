"""A notice's title read from its own text when the catalog does not give one: what the answers cite."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import load_notices
from knowledge._catalog import first_meaningful_line

WEB_PAGE = """<html><body>
<div class="crumbs">首页 &gt; 通知公告 &gt; 正文</div>
<h1>扬州市水务行业服务明星班组评选</h1>
<p>发布时间：2025-04-01</p>
<p>一、申报条件</p><p>班组人数不少于8人。</p>
</body></html>"""


def test_a_web_pages_breadcrumb_is_not_the_notices_title(tmp_path: Path) -> None:
    (tmp_path / "yz.html").write_text(WEB_PAGE, encoding="utf-8")
    [(_, meta, _)], skipped = load_notices(tmp_path)
    assert not skipped
    assert meta.title == "扬州市水务行业服务明星班组评选"


@pytest.mark.parametrize(
    "crumb", ["首页 > 通知公告", "当前位置：首页 » 通知公告 » 正文", "网站首页 ＞ 工作动态"]
)
def test_a_breadcrumb_line_is_skipped_whatever_its_arrow(crumb: str) -> None:
    assert (
        first_meaningful_line(f"{crumb}\n2025年度服务明星班组评选\n一、申报条件\n")
        == "2025年度服务明星班组评选"
    )


def test_a_guanyu_title_wins_over_other_lines_shaped_like_a_title() -> None:
    # A forwarding page: the site's column ends like a title (…公告), the notice's title starts 关于.
    text = (
        "扬州市水务行业协会通知公告\n"
        "关于开展2025年度扬州市水务行业服务明星班组评选活动的通知\n各会员单位：\n"
        "现将有关事项通知如下。\n"
    )
    assert first_meaningful_line(text) == "关于开展2025年度扬州市水务行业服务明星班组评选活动的通知"
