"""FGM as an option of helpers.fit: per-example L2 steps on the input embeddings (Miyato et al., 2017)."""
import pytest
import torch

from helpers.data import TextClassificationDataset, make_loader
from helpers.env import seed_everything
from helpers.lessons.overfitting import FGM, embedding_length, fgm_perturbation
from helpers.models import load_model
from helpers.readers import Example
from helpers.train import fit, train_epoch


def test_fgm_perturbation_has_length_epsilon_along_the_gradient():
    g = torch.tensor([[3.0, 0.0], [0.0, 4.0]])
    r = fgm_perturbation(g, 0.5)
    assert torch.linalg.vector_norm(r).item() == pytest.approx(0.5)
    assert torch.allclose(r, 0.5 * g / 5.0)
    assert torch.equal(fgm_perturbation(torch.zeros(3), 1.0), torch.zeros(3))
    assert torch.equal(fgm_perturbation(torch.tensor([float("inf"), 1.0]), 1.0), torch.zeros(2))


@pytest.fixture(scope="module")
def tiny_task(tiny):
    choice, tok = tiny
    label2id = {"negative": 0, "positive": 1}
    texts = [("a dull and tired film", "negative"), ("a bright and joyful film", "positive")] * 8
    ds = TextClassificationDataset([Example(t, l) for t, l in texts], tok, label2id, max_length=16)
    return choice, tok, label2id, ds


def test_each_example_moves_by_epsilon_and_the_embedding_matrix_stays(tiny_task):
    """The perturbation is per example (Miyato et al.), not one step on the vocabulary matrix."""
    choice, tok, label2id, ds = tiny_task
    seed_everything(0)
    model = load_model(choice, "sentiment", label2id)
    batch = next(iter(make_loader(ds, tok, 4)))
    fgm = FGM(epsilon=0.5)
    fgm.attach(model)
    table = model.get_input_embeddings()
    before = table.weight.detach().clone()
    clean = table(batch["input_ids"]).detach()
    model(**batch).loss.backward()
    seen = {}
    handle = table.register_forward_hook(lambda m, i, out: seen.setdefault("out", out.detach()))
    with fgm.perturbed() as delta:
        model(**batch)
    handle.remove()
    assert delta.shape == clean.shape  # (batch, tokens, dimensions): one r per example
    lengths = torch.linalg.vector_norm(delta.flatten(1), dim=1)
    assert torch.allclose(lengths, torch.full_like(lengths, 0.5), rtol=1e-4)
    assert torch.allclose(seen["out"], clean + delta, atol=1e-6)  # the model saw embeddings + r
    assert torch.equal(table.weight.detach(), before)              # the vocabulary matrix is untouched
    fgm.detach()


def test_fgm_needs_a_clean_backward_pass_first(tiny_task):
    choice, _, label2id, _ = tiny_task
    fgm = FGM(0.1)
    fgm.attach(load_model(choice, "sentiment", label2id))
    with pytest.raises(RuntimeError, match="backward"):
        with fgm.perturbed():
            pass
    with pytest.raises(ValueError, match="epsilon"):
        FGM(0.0)


def test_the_adversarial_pass_adds_its_gradients_to_the_clean_ones(tiny_task):
    """One train_epoch step with FGM = the clean gradient + the gradient at the perturbed embeddings."""
    choice, tok, label2id, ds = tiny_task
    batch = next(iter(make_loader(ds, tok, 4)))
    seed_everything(0)
    model = load_model(choice, "sentiment", label2id)
    model.dropout.p = 0.0
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    start = {k: v.clone() for k, v in model.state_dict().items()}

    class Capture(torch.optim.SGD):
        def step(self, closure=None):
            self.grads = [p.grad.clone() for p in self.param_groups[0]["params"]]

    params = list(model.parameters())
    opt = Capture(params, lr=0.0)
    train_epoch(model, [batch], opt, max_grad_norm=None, progress=False, adversarial=FGM(0.3),
                precision="fp32")  # compared with plain fp32 passes below
    with_fgm = opt.grads

    model.load_state_dict(start)
    model.zero_grad()
    fgm = FGM(0.3)
    fgm.attach(model)
    model.train()
    model(**batch).loss.backward()
    clean = [p.grad.clone() for p in params]
    with fgm.perturbed():
        model.zero_grad()
        model(**batch).loss.backward()
    adversarial = [p.grad.clone() for p in params]
    for got, a, b in zip(with_fgm, clean, adversarial):
        assert torch.allclose(got, a + b, atol=1e-5)


def test_both_passes_run_under_the_same_autocast(tiny_task):
    choice, tok, label2id, ds = tiny_task
    seed_everything(0)
    model = load_model(choice, "sentiment", label2id)
    states = []
    model.register_forward_pre_hook(lambda m, a: states.append(
        (torch.is_autocast_enabled("cpu"), torch.get_autocast_dtype("cpu"))))
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    train_epoch(model, make_loader(ds, tok, 8), opt, progress=False, adversarial=FGM(0.1))
    assert len(states) == 2 * 2 and len(set(states)) == 1


def test_fit_trains_with_fgm_and_costs_two_passes(tiny_task):
    choice, tok, label2id, ds = tiny_task
    seed_everything(0)
    model = load_model(choice, "sentiment", label2id)
    calls = []
    model.register_forward_pre_hook(lambda m, a: calls.append(m.training))
    history = fit(model, make_loader(ds, tok, 4, shuffle=True), make_loader(ds, tok, 8), epochs=3, lr=3e-3,
                  metric_fn=ds.score, progress=False, adversarial=FGM(0.03), device="cpu")
    assert list(history.columns[:3]) == ["epoch", "train_loss", "valid_loss"] and "accuracy" in history
    assert history.valid_loss.iloc[-1] < history.valid_loss.iloc[0]
    assert sum(calls) == 3 * 4 * 2  # 3 epochs × 4 batches × (clean + adversarial)


def test_embedding_length_counts_real_tokens_only(tiny_task):
    choice, tok, label2id, ds = tiny_task
    model = load_model(choice, "sentiment", label2id)
    table = model.get_input_embeddings()
    norms = sorted({round(float(torch.linalg.vector_norm(table(torch.tensor(item["input_ids"])).detach())), 6)
                    for item in ds})  # each example alone: no padding
    assert len(norms) == 2  # two texts, eight times each: the median is halfway between them
    assert embedding_length(model, make_loader(ds, tok, 16)) == pytest.approx(sum(norms) / 2, rel=1e-5)
