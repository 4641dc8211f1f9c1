"""Fixtures of the conversation tests. Every store test runs on SQLite and on this machine's Postgres
(the `database_url` fixture of tests/conftest.py)."""

from __future__ import annotations

from knowledge import Answer, Citation, Programme


class CannedAnswerer:
    """The Q&A seam: answers from a table of question fragments, records what was asked and how scoped."""

    def __init__(self, answers: dict[str, str] | None = None) -> None:
        self.answers = answers or {}
        self.asked: list[tuple[str, str | None]] = []

    def ask(self, question: str, programme: str | None = None) -> Answer:
        self.asked.append((question, programme))
        for fragment, text in self.answers.items():
            if fragment in question:
                citation = Citation(file="notice.txt", title="测试通知", section="二、申报时间", quote=text)
                return Answer(
                    question=question,
                    answer=text,
                    answered=True,
                    confidence=0.9,
                    programme=programme,
                    citations=[citation],
                    latency_ms=3.0,
                )
        return Answer(question=question, answer="通知中没有说明这一点。", answered=False, confidence=0.1)

    def programme_details(self) -> list[Programme]:
        return [
            Programme(
                id="qinghai-2025",
                label="青海2025",
                title="2025年青海省用户满意等级评价",
                places=["青海"],
                year=2025,
            ),
            Programme(
                id="lianyungang-2016-service-star",
                label="连云港2016",
                title="2016年度连云港市用户满意服务之星",
                places=["连云港"],
                year=2016,
            ),
        ]
