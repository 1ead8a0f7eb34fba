import json

from helpers.lessons.ner import MostFrequentTag
from helpers.readers import Sentence
from helpers.runs import save_run


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
