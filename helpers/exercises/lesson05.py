"""Checks for lesson 05 (overfitting and its remedies)."""
import numpy as np
import pandas as pd
import torch

from .check import check


def check_best_degree(answer, table: pd.DataFrame) -> bool:
    """The degree a learner should pick from a complexity table: the lowest *validation* error."""
    truth = int(table.loc[table.valid_mse.idxmin(), "degree"])
    by_train = int(table.loc[table.train_mse.idxmin(), "degree"])

    def test(value):
        if int(value) == by_train and by_train != truth:
            return "that degree has the lowest *training* error; the training error always falls with degree"
        if int(value) != truth:
            return f"degree {int(value)} has validation MSE {table.set_index('degree').valid_mse.get(int(value), float('nan')):.3g}, not the lowest"
        return None

    return check("Best degree", answer, test=test, hint="table.loc[table.valid_mse.idxmin(), 'degree']")


def check_lora_count(answer, hidden: int, r: int, n_layers: int, n_targets: int = 2) -> bool:
    """LoRA adds A (r×d) and B (d×r) to each target d×d matrix: 2·r·d per target and layer."""
    truth = 2 * r * hidden * n_targets * n_layers

    def test(value):
        got = int(value)
        if got == hidden * hidden * n_targets * n_layers:
            return "that is the size of the frozen matrices themselves; LoRA adds two thin ones, A and B"
        if got == r * hidden * n_targets * n_layers:
            return "only one of the two matrices counted: each target gets A (r×d) and B (d×r)"
        if got != truth:
            return f"{got:,} is off by {got - truth:+,}"
        return None

    return check("LoRA parameters", answer, test=test, hint="2 · r · d per target matrix, times targets, times layers")


def check_fgm_step(answer, grad: torch.Tensor, epsilon: float) -> bool:
    """FGM's perturbation r = ε·g/‖g‖ (the gradient scaled to length ε)."""
    truth = (epsilon * grad / torch.linalg.vector_norm(grad)).detach().numpy()

    def test(value):
        got = np.asarray(value.detach().numpy() if isinstance(value, torch.Tensor) else value, dtype=float)
        if got.shape != truth.shape:
            return f"expected shape {truth.shape}, got {got.shape}"
        if np.allclose(got, epsilon * np.sign(grad.numpy()), atol=1e-6):
            return "that is FGSM's sign step ε·sign(g); FGM keeps the direction and rescales the length"
        if np.allclose(got, -truth, atol=1e-6):
            return "wrong direction: the attack goes *up* the loss, along +g"
        if not np.allclose(got, truth, atol=1e-6):
            return f"its length is {np.linalg.norm(got):.3g}; it should be ε = {epsilon} along g"
        return None

    return check("FGM step", answer, test=test, hint="epsilon * grad / torch.linalg.vector_norm(grad)")
