"""tools/choose_text_settings.py: the settings lesson 05 trains with are among the candidates its grid scores."""
import json
from pathlib import Path

from helpers.profiles import PROFILES
from tools import choose_text_settings

LESSON = Path(__file__).resolve().parent.parent / "notebooks" / "05_overfitting_mitigation.ipynb"


def test_the_profiles_text_rate_is_a_candidate_of_the_grid():
    for profile in ("smoke", "workshop"):
        assert PROFILES[profile]["overfitting"]["lr"].pretrained in choose_text_settings.FULL_RATES


def test_the_lessons_lora_is_a_candidate_of_the_grid():
    source = "".join("".join(c["source"]) for c in json.loads(LESSON.read_text())["cells"] if c["cell_type"] == "code")
    assert 'targets="all_linear"), seed=seed, lr=lora_lr)' in source and "lora_lr = 2e-3 if choice.pretrained" in source
    assert ("all_linear", 2e-3) in choose_text_settings.LORA_GRID
