"""The bilingual analyzer: jieba for Chinese, stemming for English, in one field."""

from __future__ import annotations

import subprocess
import sys

from app.search.analysis import analyse, bilingual_analyzer


def test_chinese_is_segmented_into_words():
    assert analyse("小批量 排产") == ["小批量", "排产"]
    assert "排产" in analyse("印染小单快反排产系统", mode="index")


def test_indexing_adds_bigrams_so_differently_cut_words_still_match():
    # jieba cuts this as 小 / 批量生产 in context; the bigrams 小批 and 批量 are indexed.
    terms = analyse("柔性小批量生产", mode="index")
    assert {"小批", "批量"} <= set(terms)


def test_english_is_lowercased_stemmed_and_stop_words_dropped():
    assert analyse("The Predictive Maintenance of machines") == ["predict", "mainten", "machin"]


def test_mixed_text_and_full_width_letters():
    assert analyse("ＡＰＳ排产 for 5G") == ["ap", "排产", "5g"]


def test_offsets_point_into_the_original_text():
    text = "VibraSense 预测性维护"
    tokens = [
        (t.text, text[t.startchar : t.endchar]) for t in bilingual_analyzer()(text, chars=True)
    ]
    assert ("vibrasens", "VibraSense") in tokens
    assert all(text.find(original) >= 0 for _, original in tokens)


def test_jieba_is_quiet_on_first_use():
    code = "from app.search.analysis import analyse; analyse('小批量排产')"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stderr == ""
