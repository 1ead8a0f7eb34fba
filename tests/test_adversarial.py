import pytest
import torch

from helpers.lessons.overfitting import FGM, fgm_perturbation, fit_fgm
from helpers.data import TextClassificationDataset, make_loader
from helpers.env import seed_everything
from helpers.models import load_model
from helpers.readers import Example


def test_fgm_perturbation_has_length_epsilon_along_the_gradient():
    g = torch.tensor([[3.0, 0.0], [0.0, 4.0]])
    r = fgm_perturbation(g, 0.5)
    assert torch.linalg.vector_norm(r).item() == pytest.approx(0.5)
    assert torch.allclose(r, 0.5 * g / 5.0)
    assert torch.equal(fgm_perturbation(torch.zeros(3), 1.0), torch.zeros(3))


@pytest.fixture(scope="module")
def tiny_task(tiny):
    choice, tok = tiny
    label2id = {"negative": 0, "positive": 1}
    texts = [("a dull and tired film", "negative"), ("a bright and joyful film", "positive")] * 8
    ds = TextClassificationDataset([Example(t, l) for t, l in texts], tok, label2id, max_length=16)
    return choice, tok, label2id, ds


def test_fgm_attack_moves_the_embeddings_and_restore_puts_them_back(tiny_task):
    choice, tok, label2id, ds = tiny_task
    seed_everything(0)
    model = load_model(choice, "sentiment", label2id)
    batch = next(iter(make_loader(ds, tok, 4)))
    model(**batch).loss.backward()
    fgm = FGM(model, epsilon=0.5)
    before = fgm.embedding.detach().clone()
    fgm.attack()
    moved = fgm.embedding.detach() - before
    assert torch.linalg.vector_norm(moved).item() == pytest.approx(0.5, rel=1e-3)
    fgm.restore()
    assert torch.equal(fgm.embedding.detach(), before)


def test_fgm_attack_needs_a_gradient(tiny_task):
    choice, _, label2id, _ = tiny_task
    with pytest.raises(RuntimeError, match="backward"):
        FGM(load_model(choice, "sentiment", label2id)).attack()


def test_fit_fgm_trains_and_reports(tiny_task):
    choice, tok, label2id, ds = tiny_task
    seed_everything(0)
    model = load_model(choice, "sentiment", label2id)
    history = fit_fgm(model, make_loader(ds, tok, 4, shuffle=True), make_loader(ds, tok, 8), epochs=3,
                      lr=3e-3, epsilon=0.03, metric_fn=ds.score, progress=False)
    assert list(history.columns[:3]) == ["epoch", "train_loss", "valid_loss"] and "accuracy" in history
    assert history.valid_loss.iloc[-1] < history.valid_loss.iloc[0]
