"""`msgsys sms count` prints what a text costs, as JSON."""
from __future__ import annotations

import json


def test_sms_count_prints_encoding_segments_and_the_text_as_sent(runner):
    result = runner.invoke(args=["sms", "count", "Kʼicheʼ: ¿Dónde está?", "--locale", "quc"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["text"] == "K'iche': ¿Dónde está?"  # apostrophes folded for SMS, accents kept
    assert (out["encoding"], out["segments"], out["characters"]) == ("UCS-2", 1, 21)


def test_sms_count_161_plain_characters_is_two_segments(runner):
    out = json.loads(runner.invoke(args=["sms", "count", "a" * 161]).output)
    assert (out["encoding"], out["segments"]) == ("GSM-7", 2)


def test_sms_count_refuses_an_unknown_locale(runner):
    result = runner.invoke(args=["sms", "count", "hi", "--locale", "fr"])
    assert result.exit_code != 0 and "fr" in result.output
