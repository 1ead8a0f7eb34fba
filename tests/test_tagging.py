import pytest

from helpers.data import build_label_maps
from helpers.models import load_model
from helpers.lessons.ner import (MAX_CHARS, demo_response, entities, highlight_html, ner_demo, split_words,
                             tag_sentence, tag_words)

LABEL2ID, _ = build_label_maps([["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]])


@pytest.fixture(scope="module")
def tagger(tiny):
    choice, tok = tiny
    return load_model(choice, "ner", LABEL2ID), tok


def test_split_words_follows_conll():
    assert split_words("Kelvane's mayor, Anna Berg-Lutz, won 2-1 on 2015-03-26!") == [
        "Kelvane", "'s", "mayor", ",", "Anna", "Berg-Lutz", ",", "won", "2-1", "on", "2015-03-26", "!"]
    assert split_words("   ") == []
    assert split_words("東京 🙂") == ["東", "京", "🙂"]  # one Chinese character, one word (character-level NER)


def test_tag_sentence_gives_one_known_tag_per_word(tagger):
    model, tok = tagger
    pairs = tag_sentence("Anna Berg opened a library in Kelvane .", model, tok)
    assert [w for w, _ in pairs] == ["Anna", "Berg", "opened", "a", "library", "in", "Kelvane", "."]
    assert all(t in LABEL2ID for _, t in pairs)


def test_tag_words_fills_truncated_words_with_o(tagger):
    model, tok = tagger
    words = ["Kelvane"] * 40
    tags = tag_words(words, model, tok, max_length=8)
    assert len(tags) == 40 and set(tags[6:]) == {"O"}
    assert tag_words([], model, tok) == []


def test_entities_and_highlight():
    words = ["Anna", "Berg", "<b>flew</b>", "to", "Kelvane"]
    tags = ["B-PER", "I-PER", "O", "O", "B-LOC"]
    assert entities(words, tags) == [("Anna Berg", "PER"), ("Kelvane", "LOC")]
    page = highlight_html(words, tags)
    assert page.count("<mark") == 2 + 4  # two entities, four legend chips
    assert "&lt;b&gt;flew&lt;/b&gt;" in page and "<b>flew" not in page  # text is escaped
    assert "Legend" in page and "MISC" in page


@pytest.mark.parametrize("text", ["", "   \n\t ", "x" * 10_000, None])
def test_demo_answers_empty_and_huge_input_with_a_message(tagger, text):
    model, tok = tagger
    shown = demo_response(text, model, tok)
    assert "<mark" not in shown and "Traceback" not in shown
    assert ("characters" in shown) if text and len(text) > MAX_CHARS else ("Type a sentence" in shown)


@pytest.mark.parametrize("text", ["東京で会議が開かれた。", "Привет, Москва!", "🙂 👍", "x" * MAX_CHARS])
def test_demo_tags_non_latin_and_long_input(tagger, text):
    model, tok = tagger
    shown = demo_response(text, model, tok)
    assert "Legend" in shown and "found in" in shown and "Could not tag" not in shown


def test_demo_reports_a_failing_model_instead_of_raising(tagger, monkeypatch):
    model, tok = tagger

    def broken(**_):
        raise RuntimeError("boom in the forward pass")

    monkeypatch.setattr(model, "forward", broken)  # a real model whose forward pass fails
    shown = demo_response("Anna Berg", model, tok)
    assert "Could not tag" in shown and "boom in the forward pass" in shown  # the model was reached


def test_widget_callback_runs_without_a_browser(tagger):
    model, tok = tagger
    demo = ner_demo(model, tok)
    assert "<mark" in demo.output.value or "found in" in demo.output.value
    for text in ["", "x" * 10_000, "Anna Berg visited Kelvane ."]:
        demo.box.value = text
        demo.refresh()
        assert "Traceback" not in demo.output.value
    assert "found in 5 words" in demo.output.value


def test_tag_sentences_batched_equals_one_by_one(tiny):
    from helpers.models import load_model
    from helpers.lessons.ner import tag_sentence, tag_sentences

    choice, tok = tiny
    model = load_model(choice, "ner", {"O": 0, "B-PER": 1, "I-PER": 2, "B-LOC": 3})
    texts = ["Anna Oyelaran lives in Kelvane.", "", "A much longer sentence about Brimworth and its "
             "harbour, written so that padding is needed for the shorter ones.", "東京 に 行く"]
    batched = tag_sentences(texts, model, tok, batch_size=3)
    assert batched == [tag_sentence(t, model, tok) for t in texts]
    assert batched[1] == []
