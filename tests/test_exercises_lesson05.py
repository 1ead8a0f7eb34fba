import pandas as pd
import torch

from helpers.exercises.lesson05 import check_best_degree, check_fgm_step, check_lora_count


def test_best_degree_check(capsys):
    table = pd.DataFrame({"degree": [1, 3, 9], "train_mse": [0.5, 0.1, 0.0], "valid_mse": [0.6, 0.2, 9.0]})
    assert check_best_degree(3, table)
    assert not check_best_degree(9, table) and "training" in capsys.readouterr().out
    assert not check_best_degree(1, table)


def test_lora_count_check(capsys):
    assert check_lora_count(2 * 8 * 128 * 2 * 2, hidden=128, r=8, n_layers=2)
    assert not check_lora_count(128 * 128 * 2 * 2, hidden=128, r=8, n_layers=2)
    assert "frozen matrices" in capsys.readouterr().out
    assert not check_lora_count(8 * 128 * 2 * 2, hidden=128, r=8, n_layers=2)


def test_fgm_step_check(capsys):
    g = torch.tensor([3.0, -4.0])
    assert check_fgm_step(0.1 * g / 5, g, 0.1)
    assert not check_fgm_step(0.1 * torch.sign(g), g, 0.1) and "FGSM" in capsys.readouterr().out
    assert not check_fgm_step(-0.1 * g / 5, g, 0.1)
    assert not check_fgm_step(g, g, 0.1)
