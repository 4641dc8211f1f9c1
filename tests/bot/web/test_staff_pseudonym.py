"""Pseudonyms and masking: what staff see of an applicant."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.web.staff import Pseudonyms, mask_numbers, pseudonym_key


@pytest.mark.parametrize(
    "typed",
    ["13812345678", "138 1234 5678", "138-1234-5678", "63010219900101123X", "０９７１１２３４５６７"],
)
def test_typed_phone_and_id_numbers_are_masked(typed: str) -> None:
    masked = mask_numbers(f"我的号码是{typed}，请回电")
    assert masked == "我的号码是[号码已隐去]，请回电"


def test_short_numbers_stay_readable() -> None:
    text = "自评80分，2025年8月25日截止，第3条"
    assert mask_numbers(text) == text


def test_the_key_is_created_once_private_and_a_configured_key_wins(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    key = pseudonym_key(settings)
    path = tmp_path / "data" / "pseudonym-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert pseudonym_key(Settings(data_dir=tmp_path / "data")) == key  # another worker, the same key
    configured = Settings(data_dir=tmp_path / "other", pseudonym_secret="a-key-set-by-the-operator")
    assert pseudonym_key(configured) == b"a-key-set-by-the-operator"
    assert not (tmp_path / "other" / "pseudonym-secret").exists()


def test_pseudonyms_are_stable_per_applicant_and_depend_on_the_key() -> None:
    first, other = Pseudonyms(b"k" * 32), Pseudonyms(b"j" * 32)
    assert first.of("wechat", "oAlice") == first.of("wechat", "oAlice")
    assert first.of("wechat", "oAlice") != first.of("telegram", "oAlice")
    assert first.of("wechat", "oAlice") != other.of("wechat", "oAlice")
    assert "oAlice" not in first.of("wechat", "oAlice")
