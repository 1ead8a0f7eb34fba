import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

from helpers.lessons.overfitting import (CurveMLP, complexity_curve, curve_loader, ensemble_predict,  # noqa: E402
                                    fit_polynomial, make_curve_data, mlp_errors, polynomial_errors,
                                    polynomial_features, predict_polynomial, show_regularization, train_mlp)
from helpers.train import evaluate, fit  # noqa: E402


def test_curve_data_is_reproducible_and_sized():
    a, b = make_curve_data(15, 50, seed=3), make_curve_data(15, 50, seed=3)
    assert len(a.x_train) == 15 and len(a.x_valid) == 50 and len(a.x_test) == 200
    assert np.array_equal(a.y_train, b.y_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, make_curve_data(15, 50, seed=4).y_train)
    assert all(np.all(np.diff(x) >= 0) for x in (a.x_train, a.x_valid, a.x_test))
    assert not set(a.x_test) & (set(a.x_train) | set(a.x_valid))


def test_more_training_points_keep_the_old_ones_and_the_other_splits():
    small, big = make_curve_data(15, seed=5), make_curve_data(60, seed=5)
    pairs = set(zip(big.x_train, big.y_train))
    assert all(p in pairs for p in zip(small.x_train, small.y_train))
    assert np.array_equal(small.y_valid, big.y_valid) and np.array_equal(small.x_test, big.x_test)


def test_polynomial_features_are_powers():
    X = polynomial_features(np.array([2.0, -1.0]), 3)
    assert X.tolist() == [[1, 2, 4, 8], [1, -1, 1, -1]]


def test_fit_polynomial_recovers_an_exact_polynomial():
    x = np.linspace(-1, 1, 20)
    theta = fit_polynomial(x, 1 - 2 * x + 3 * x**2, 2)
    assert np.allclose(theta, [1, -2, 3])
    assert np.allclose(predict_polynomial(theta, np.array([0.5])), [1 - 1 + 0.75])


def test_l2_shrinks_the_coefficients_but_not_the_intercept():
    data = make_curve_data(seed=0)
    plain, ridge = fit_polynomial(data.x_train, data.y_train, 9), fit_polynomial(data.x_train, data.y_train, 9, 1.0)
    assert np.linalg.norm(ridge[1:]) < 0.1 * np.linalg.norm(plain[1:])
    huge = fit_polynomial(data.x_train, data.y_train, 9, 1e9)
    assert np.allclose(huge[1:], 0, atol=1e-6) and huge[0] == pytest.approx(data.y_train.mean(), abs=1e-6)
    with pytest.raises(ValueError, match="l2 must be >= 0"):
        fit_polynomial(data.x_train, data.y_train, 3, -1.0)


@pytest.mark.parametrize("seed", range(20))
def test_regularized_validation_error_beats_unregularized(seed):
    """The notebook's assert (degree 12, L2 = 1e-3 on 15 points) holds for every seed tried, not just one."""
    data = make_curve_data(seed=seed)
    assert polynomial_errors(data, 12, 1e-3)["valid_mse"] < polynomial_errors(data, 12, 0.0)["valid_mse"]


def test_complexity_curve_is_u_shaped():
    table = complexity_curve(make_curve_data(seed=0), range(0, 15))
    assert list(table.columns) == ["degree", "l2", "train_mse", "valid_mse"]
    assert table.train_mse.iloc[-1] < 1e-6  # 15 points, degree 14: interpolation
    best = table.valid_mse.idxmin()
    assert 0 < best < 14 and table.valid_mse[best] < table.valid_mse.iloc[0] < table.valid_mse.iloc[-1]


@pytest.mark.parametrize("bad", [-1, float("nan"), "", "   ", "x" * 10_000, "λ", None])
def test_regularization_callback_never_raises(bad, capsys):
    assert show_regularization(bad, make_curve_data(seed=0)) is None
    assert capsys.readouterr().out.strip()


def test_regularization_callback_returns_validation_error():
    data = make_curve_data(seed=0)
    assert show_regularization(1e-3, data) == pytest.approx(polynomial_errors(data, 12, 1e-3)["valid_mse"])


def test_train_mlp_overfits_without_remedy_and_l2_narrows_the_gap():
    data = make_curve_data(seed=0)
    _, plain = train_mlp(data, epochs=400, lr=0.03, record_every=50)
    _, penalised = train_mlp(data, epochs=400, lr=0.03, l2=1e-2, record_every=50)
    assert list(plain.columns) == ["epoch", "train_mse", "valid_mse"] and plain.epoch.iloc[-1] == 400
    gap = lambda h: h.valid_mse.iloc[-1] - h.train_mse.iloc[-1]  # noqa: E731
    assert plain.train_mse.iloc[-1] < plain.train_mse.iloc[0]
    assert gap(penalised) < gap(plain)


def test_l2_in_the_loss_is_adams_weight_decay_and_spares_the_biases():
    """(λ/2)·‖w‖² in the loss gives the gradient λ·w: the same update as torch.optim.Adam(weight_decay=λ)
    on the weights, with the biases left alone (as ridge leaves the intercept)."""
    from helpers.lessons.overfitting import CurveMLP

    data = make_curve_data(seed=0)
    model, _ = train_mlp(data, epochs=3, lr=0.01, l2=0.5, record_every=1)
    torch.manual_seed(0)
    reference = CurveMLP()
    weights = [p for p in reference.parameters() if p.ndim >= 2]
    biases = [p for p in reference.parameters() if p.ndim < 2]
    adam = torch.optim.Adam([{"params": weights, "weight_decay": 0.5}, {"params": biases, "weight_decay": 0.0}], lr=0.01)
    x, y = torch.tensor(data.x_train, dtype=torch.float32), torch.tensor(data.y_train, dtype=torch.float32)
    for _ in range(3):
        adam.zero_grad()
        reference(x, y).loss.backward()
        adam.step()
    for a, b in zip(model.parameters(), reference.parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_decoupled_weight_decay_shrinks_the_weights_by_lr_times_lambda_only():
    """AdamW's decay multiplies each weight by (1 − lr·λ) outside Adam's rescaling; biases are not decayed."""
    data = make_curve_data(seed=0)
    tiny_lr = 1e-12   # Adam's own step is then negligible: only the decay acts
    start, _ = train_mlp(data, epochs=0 + 1, lr=tiny_lr, record_every=1)
    decayed, history = train_mlp(data, epochs=1, lr=tiny_lr, weight_decay=1e9, record_every=1)
    for (name, a), b in zip(start.named_parameters(), decayed.parameters()):
        expected = a * (1 - tiny_lr * 1e9) if a.ndim >= 2 else a
        assert torch.allclose(b, expected, atol=1e-6), name
    assert history.attrs["settings"]["weight_decay"] == 1e9 and history.attrs["settings"]["decay_biases"] is False


def test_early_stopping_keeps_the_best_checked_weights():
    data = make_curve_data(seed=0)
    model, history = train_mlp(data, epochs=1500, lr=0.02, patience=10, record_every=10)
    assert len(history) < 150                                   # it stopped before the end
    best = history.valid_mse.min()
    assert mlp_errors(model, data)["valid_mse"] == pytest.approx(best, rel=1e-6)
    assert history.attrs["kept_epoch"] == int(history.epoch[history.valid_mse.idxmin()])
    assert history.attrs["settings"]["patience"] == 10 and history.attrs["settings"]["epochs"] == 1500


def test_curve_mlp_works_with_helpers_fit_and_evaluate():
    data = make_curve_data(seed=0)
    torch.manual_seed(0)
    model = CurveMLP(hidden=16)
    train, valid = curve_loader(data.x_train, data.y_train), curve_loader(data.x_valid, data.y_valid)
    before, outputs = evaluate(model, valid)
    assert len(outputs) == len(data.x_valid)  # one output per validation point
    history = fit(model, train, valid, epochs=60, lr=0.02, warmup=0, weight_decay=0, patience=5, progress=False,
                  precision="fp32")  # mlp_errors computes in fp32: compare like with like
    assert history.valid_loss.min() < before
    assert mlp_errors(model, data)["valid_mse"] == pytest.approx(history.valid_loss.min(), rel=1e-4)


def test_ensemble_is_the_mean_of_its_members():
    data = make_curve_data(seed=0)
    models = [train_mlp(data, epochs=20, seed=s, hidden=8)[0] for s in range(3)]
    x = np.array([0.0, 0.5])
    from helpers.lessons.overfitting import mlp_predict

    assert np.allclose(ensemble_predict(models, x), np.mean([mlp_predict(m, x) for m in models], axis=0))
    with pytest.raises(ValueError, match="at least one model"):
        ensemble_predict([], x)
