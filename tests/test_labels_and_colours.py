"""Label-dependent parts of lessons 02, 03 and 05 for any label set: colours, legend, probes, top words."""
import re

import numpy as np
import pytest

from helpers.lessons.ner import COLOURS, entity_types, highlight_html, legend_html, sentence_text, split_words
from helpers.lessons.sentiment import (LABEL_COLOURS, fit_bag_of_words, plot_confidence, probe_skip_reason,
                                       top_words, verdict_html)
from helpers.palette import colour_map, colour_of
from helpers.readers import Example

WNUT = ["corporation", "creative-work", "group", "location", "person", "product"]


def colours_in(page: str) -> list[str]:
    return re.findall(r"background:(#[0-9a-f]{6})", page)


def test_unknown_types_get_distinct_stable_colours():
    first = colour_map(WNUT, COLOURS)
    assert len(set(first.values())) == len(WNUT)
    assert colour_map(list(reversed(WNUT)), COLOURS) == first  # order of arrival does not matter
    assert not set(first.values()) & set(COLOURS.values())
    many = colour_map([f"type{i}" for i in range(40)], {})
    assert len(set(many.values())) == 40
    assert colour_map(["PER", "person"], COLOURS)["PER"] == COLOURS["PER"]
    assert colour_of("person", COLOURS) == colour_of("person", COLOURS).lower()


def test_highlight_and_legend_for_wnut_types():
    id2label = {0: "O", 1: "B-creative-work", 2: "I-creative-work", 3: "B-person", 4: "I-person"}
    kinds = entity_types(id2label)
    assert kinds == ["creative-work", "person"]
    words = ["watching", "Night", "Ferry", "with", "Tobiah"]
    page = highlight_html(words, ["O", "B-creative-work", "I-creative-work", "O", "B-person"], kinds)
    marks = colours_in(page)
    assert len(marks) == 4 and marks[:2] == marks[2:]  # the legend repeats the entities' colours
    assert marks[0] != marks[1] and "MISC" not in page
    assert legend_html(kinds).count("<mark") == 2


def test_chinese_text_is_split_into_characters_and_joined_back():
    assert split_words("王小明在北京大学读书。") == list("王小明在北京大学读书。")
    assert split_words("东京 🙂 abc") == ["东", "京", "🙂", "abc"]
    assert sentence_text(list("北京大学") + ["in", "Beijing"]) == "北京大学 in Beijing"
    page = highlight_html(list("李华去上海"), ["B-PER", "I-PER", "O", "B-LOC", "I-LOC"])
    assert "李华 <sub" in page and "</mark>去<mark" in page  # no spaces between characters


def test_verdict_bars_have_one_distinct_colour_per_label():
    page = verdict_html("x", {"negative": 0.2, "neutral": 0.5, "positive": 0.3})
    assert colours_in(page) == [LABEL_COLOURS["negative"], LABEL_COLOURS["neutral"], LABEL_COLOURS["positive"]]
    other = colours_in(verdict_html("x", {"sports": 0.5, "politics": 0.3, "tech": 0.2}))
    assert len(set(other)) == 3


@pytest.mark.parametrize("labels, skipped", [
    (["negative", "positive"], False), (["negative", "neutral", "positive"], False),
    (["0", "1"], True), (["bad", "good"], True), (["sports", "politics"], True)])
def test_probes_need_negative_and_positive(labels, skipped):
    reason = probe_skip_reason(labels)
    assert (reason is not None) == skipped
    if skipped:
        assert "LABEL_NAMES" in reason and repr(labels[0]) in reason


def test_top_words_for_three_classes():
    rows = [("awful dull mess", "negative"), ("dull awful", "negative"), ("fine okay average", "neutral"),
            ("okay average", "neutral"), ("great lovely joy", "positive"), ("lovely great", "positive")] * 3
    bow = fit_bag_of_words([Example(t, label) for t, label in rows])
    table = top_words(bow, n=2)
    assert list(table.columns[::2]) == ["towards negative", "towards neutral", "towards positive"]
    assert set(table["towards negative"]) <= {"awful", "dull", "dull awful", "awful dull", "mess", "dull mess"}
    assert set(table["towards positive"]) & {"great", "lovely"}


def test_confidence_axis_starts_at_one_over_k():
    fig = plot_confidence([0.4, 0.9, 0.35], [True, True, False], n_classes=3)
    # each group is drawn as % of itself: both reach 100 only if nothing below 0.5 is lost
    assert sum(p.get_height() for p in fig.axes[0].patches) == pytest.approx(200)
    assert np.isclose(fig.axes[0].patches[0].get_x(), 1 / 3)
