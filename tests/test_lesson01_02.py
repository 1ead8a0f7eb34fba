import json

import torch

from helpers.lessons.ner import MostFrequentTag
from helpers.data import align_labels
from helpers.exercises.lesson01 import check_align_labels, check_padding_share
from helpers.exercises.lesson02 import check_entity_f1, check_entity_spans, entity_f1
from helpers.metrics import entity_spans, ner_scores
from helpers.readers import Sentence
from helpers.runs import save_run

MASK = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])  # 2 of 8 slots are padding
GOLD = [["B-PER", "I-PER", "O", "O", "B-LOC", "I-LOC", "O"], ["B-ORG", "I-ORG", "O", "B-PER", "O"]]
PRED = [["B-PER", "I-PER", "O", "O", "B-LOC", "O", "O"], ["O", "O", "O", "B-PER", "O"]]


def test_align_labels_exercise(capsys):
    assert check_align_labels(align_labels)
    assert not check_align_labels(lambda ids, labels: [-100 if w is None else labels[w] for w in ids])
    assert "continuation pieces get -100" in capsys.readouterr().out
    assert not check_align_labels(lambda ids, labels: [0 if w is None else labels[w] for w in ids])
    assert "special token" in capsys.readouterr().out
    assert not check_align_labels(lambda ids, labels: list(labels))
    assert "one per subword" in capsys.readouterr().out
    assert not check_align_labels(...)
    assert "not attempted" in capsys.readouterr().out
    assert not check_align_labels([1, 2])
    assert "expected a function" in capsys.readouterr().out


def test_padding_share_exercise(capsys):
    assert check_padding_share(0.25, MASK)
    assert check_padding_share(torch.tensor(0.25), MASK)
    assert not check_padding_share(0.75, MASK)
    assert "share of real tokens" in capsys.readouterr().out
    assert not check_padding_share(2, MASK)
    assert "number of padding slots" in capsys.readouterr().out
    assert not check_padding_share("a lot", MASK)
    assert "expected a number" in capsys.readouterr().out


def test_entity_spans_exercise(capsys):
    assert check_entity_spans(entity_spans)
    assert not check_entity_spans(lambda tags: [(k, s, e - 1) for k, s, e in entity_spans(tags)])
    assert "inclusive" in capsys.readouterr().out

    def merges_touching(tags):  # treats B- after the same type as a continuation
        return entity_spans(["I-" + t[2:] if t.startswith("B-") and i and tags[i - 1][2:] == t[2:] else t
                             for i, t in enumerate(tags)])

    assert not check_entity_spans(merges_touching)
    assert "a B- always starts a new entity" in capsys.readouterr().out


def test_entity_f1_exercise_and_hand_count_agree_with_seqeval(capsys):
    precision, recall, f1 = entity_f1(GOLD, PRED)
    assert (precision, recall) == (2 / 3, 0.5) and abs(f1 - 4 / 7) < 1e-12
    assert abs(ner_scores(GOLD, PRED)["f1"] - f1) < 1e-12
    assert check_entity_f1(4 / 7, GOLD, PRED)
    for wrong, message in [(0.75, "token accuracy"), (2 / 3, "precision"), (0.5, "recall"),
                           (7 / 12, "arithmetic mean"), (3, "between 0 and 1")]:
        assert not check_entity_f1(wrong, GOLD, PRED)
        assert message in capsys.readouterr().out


def test_most_frequent_tag_baseline():
    train = [Sentence(["Anna", "Berg", "saw", "Kelvane"], ["B-PER", "I-PER", "O", "B-LOC"]),
             Sentence(["Berg", "Kelvane"], ["I-PER", "B-LOC"]),
             Sentence(["Berg"], ["B-ORG"])]
    baseline = MostFrequentTag(train)
    assert baseline.predict([Sentence(["Anna", "Berg", "in", "Kelvane"], ["O"] * 4)]) == [
        ["B-PER", "I-PER", "O", "B-LOC"]]
    # an I- with nothing to continue becomes B-; unseen words get O
    assert baseline.predict([Sentence(["Berg", "Zzz"], ["O", "O"])]) == [["B-PER", "O"]]


def test_save_run_writes_plain_json(tmp_path):
    import numpy as np

    from helpers.profiles import load_settings

    settings = load_settings("ner", epochs=2)
    path = save_run("02_x", {"f1": np.float64(0.5), "bad": float("nan"), "n": np.int64(3)}, settings,
                    root=tmp_path, model_source="fallback")
    assert path == tmp_path / "02_x" / "metrics.json"
    record = json.loads(path.read_text())
    assert record["metrics"] == {"f1": 0.5, "bad": None, "n": 3}
    assert record["settings"]["epochs"] == 2 and record["model_source"] == "fallback"
    assert "torch" in record["versions"] and not list(path.parent.glob("*.tmp"))
