"""Every comparison in lesson 05 changes one knob: checked on the settings each arm really ran with."""
import pytest
import torch

from helpers.data import TextClassificationDataset
from helpers.lessons.overfitting import (FGM, Comparison, add_lora, augment_examples, changed_settings, check_one_knob,
                                         curve_arm, ensemble_settings, fit_settings, freeze_layers, make_curve_data,
                                         mean_interval, text_arm)
from helpers.models import load_model
from helpers.readers import Example

LABELS = {"negative": 0, "positive": 1}


def test_check_one_knob_names_what_else_differs():
    c = Comparison("dropout", knob="dropout", setup="curve")
    c.add(0, 0.2, 0.1, {"dropout": 0.0, "lr": 0.02}, {"dropout": 0.1, "lr": 0.02})
    check_one_knob(c)
    c.add(1, 0.2, 0.1, {"dropout": 0.0, "lr": 0.02}, {"dropout": 0.1, "lr": 0.01})
    with pytest.raises(AssertionError, match=r"seed 1.*lr: 0.02 vs 0.01"):
        check_one_knob(c)
    same = Comparison("nothing", knob="dropout", setup="curve")
    same.add(0, 0.2, 0.2, {"dropout": 0.0}, {"dropout": 0.0})
    with pytest.raises(AssertionError, match="do not differ"):
        check_one_knob(same)
    declared = Comparison("aug", knob="train_data", setup="text", also_differs=("steps",))
    declared.add(0, 0.8, 0.8, {"train_data": "a", "steps": 10}, {"train_data": "b", "steps": 20})
    check_one_knob(declared)
    assert changed_settings({"a": 1}, {"a": 1, "b": 2}) == {"b"}
    with pytest.raises(AssertionError, match="no runs"):
        check_one_knob(Comparison("empty", knob="x", setup="text"))


def test_ensemble_settings_come_from_the_members_runs():
    data = make_curve_data(n_train=15, seed=0)
    members = [curve_arm(data, seed=seed, epochs=3, lr=0.02)[1] for seed in (0, 7)]
    mean = ensemble_settings(members, "mean of the members")
    assert mean["init_seeds"] == [0, 7] and mean["members"] == 2 and "init_seed" not in mean
    assert mean["epochs"] == 3 and mean["train_data"] == members[0]["train_data"]
    c = Comparison("ensemble vs its best member", knob="prediction", setup="curve")
    c.add(0, 0.2, 0.1, ensemble_settings(members, "best member on validation"), mean)
    check_one_knob(c)
    other = curve_arm(data, seed=3, epochs=4, lr=0.02)[1]   # a member trained longer is not the same recipe
    with pytest.raises(ValueError, match=r"member 2 .*\['epochs'\]"):
        ensemble_settings(members + [other], "mean of the members")


def test_the_interval_covers_zero_for_noise_and_not_for_a_steady_effect():
    mean, low, high = mean_interval([1.0, 1.2, 0.9])
    assert low > 0 and mean == pytest.approx(31 / 30)
    _, low, high = mean_interval([3.0, -2.0, 1.0])
    assert low < 0 < high
    c = Comparison("x", knob="k", setup="text")
    for seed, (a, b) in enumerate([(0.80, 0.83), (0.81, 0.83), (0.79, 0.82)]):
        c.add(seed, a, b, {"k": 0}, {"k": 1})
    s = c.summary()
    assert s["verdict"] == "helps" and s["effect"] == pytest.approx(100 * (0.83 + 0.83 + 0.82 - 0.80 - 0.81 - 0.79) / 3)
    record = c.record()
    assert record["test_without"] == [0.80, 0.81, 0.79] and len(record["settings_with"]) == 3


@pytest.mark.parametrize("knob, options", [("l2", {"l2": 1e-3}), ("weight_decay", {"weight_decay": 0.1}),
                                           ("dropout", {"dropout": 0.1}), ("patience", {"patience": 3})])
def test_each_curve_remedy_changes_its_knob_alone(knob, options):
    data = make_curve_data(seed=1)
    _, base, *_ = curve_arm(data, seed=1, epochs=60, lr=0.02, hidden=8)
    _, arm, *_ = curve_arm(data, seed=1, epochs=60, lr=0.02, hidden=8, **options)
    assert changed_settings(base, arm) == {knob}
    assert base["device"] == arm["device"] == "cpu" and base["dtype"] == arm["dtype"] == "torch.float32"
    assert base["schedule"] == arm["schedule"] == "constant" and base["decay_biases"] is False


def test_more_data_changes_the_data_and_leaves_validation_and_test_alone():
    small, big = make_curve_data(n_train=15, seed=2), make_curve_data(n_train=60, seed=2)
    assert set(small.x_train) <= set(big.x_train)
    assert (small.x_valid == big.x_valid).all() and (small.y_test == big.y_test).all()
    _, a, *_ = curve_arm(small, seed=2, epochs=20, hidden=8)
    _, b, *_ = curve_arm(big, seed=2, epochs=20, hidden=8)
    assert changed_settings(a, b) == {"n_train", "train_data"}


@pytest.fixture(scope="module")
def text_task(tiny):
    choice, tok = tiny
    texts = [("a dull and tired film", "negative"), ("a bright and joyful film", "positive"),
             ("not a good film", "negative"), ("a truly lovely story", "positive")] * 4
    examples = [Example(t, l) for t, l in texts]
    ds = TextClassificationDataset(examples, tok, LABELS, max_length=16)
    return choice, tok, examples, ds


def arm(text_task, make_model=None, dataset=None, **options):
    choice, tok, _, ds = text_task
    make_model = make_model or (lambda: load_model(choice, "sentiment", LABELS))
    return text_arm(make_model, dataset or ds, tokenizer=tok, valid_ds=ds, test_ds=ds, batch_size=8, seed=3,
                    **{"epochs": 1, "lr": 1e-3, "device": "cpu", **options})


def test_each_text_remedy_changes_its_knob_alone_on_what_fit_really_used(text_task, tiny):
    choice, tok, examples, _ = text_task
    base = arm(text_task)
    assert 0 <= base["test"] <= 1 and base["settings"]["weight_decay"] == 0.01  # fit's default, filled in
    assert base["settings"]["epoch_selection"] == "best accuracy on validation"
    fgm = arm(text_task, adversarial=FGM(0.01))
    assert changed_settings(base["settings"], fgm["settings"]) == {"adversarial"}
    frozen = arm(text_task, make_model=lambda: freeze_layers(load_model(choice, "sentiment", LABELS), 1))
    assert changed_settings(base["settings"], frozen["settings"]) == {"trainable"}
    lora = arm(text_task, make_model=lambda: add_lora(load_model(choice, "sentiment", LABELS)), lr=1e-2)
    assert changed_settings(base["settings"], lora["settings"]) == {"trainable", "lr", "lora_dropout"}
    assert lora["settings"]["lora_dropout"] == 0.1
    augmented = TextClassificationDataset(augment_examples(examples, copies=1, seed=3), tok, LABELS, max_length=16)
    aug = arm(text_task, dataset=augmented)
    assert changed_settings(base["settings"], aug["settings"]) == {"train_data", "train_examples", "steps"}


def test_the_old_fgm_loop_would_fail_the_check(text_task):
    """fit_fgm trained without weight decay and clipping: a comparison like that is caught."""
    base = arm(text_task)
    old_style = arm(text_task, adversarial=FGM(0.01), weight_decay=0.0, max_grad_norm=None)
    c = Comparison("FGM", knob="adversarial", setup="text")
    c.add(3, base["test"], old_style["test"], base["settings"], old_style["settings"])
    with pytest.raises(AssertionError, match="max_grad_norm.*weight_decay"):
        check_one_knob(c)


def test_fit_settings_follow_fits_signature(text_task):
    choice, tok, _, ds = text_task
    from helpers.data import make_loader

    model = load_model(choice, "sentiment", LABELS)
    used = fit_settings(model, make_loader(ds, tok, 8), {"epochs": 2, "lr": 1e-3})
    assert used["epochs"] == 2 and used["warmup"] == 0.1 and used["max_grad_norm"] == 1.0
    assert used["steps"] == 2 * 2 and used["train_examples"] == 16 and used["batch_size"] == 8
    assert used["trainable"].startswith(f"{sum(p.numel() for p in model.parameters()):,} weights")
    with pytest.raises(TypeError):
        fit_settings(model, make_loader(ds, tok, 8), {"epoch": 2})   # a misspelt option is not silently ignored


def test_the_headline_skips_guaranteed_and_unclear_effects():
    from helpers.lessons.overfitting import comparison_table, largest_clear_effect

    def comparison(name, setup, effects, guaranteed=False):
        c = Comparison(name, knob="k", setup=setup, guaranteed=guaranteed)
        for seed, e in enumerate(effects):
            c.add(seed, 0.5, 0.5 + e / 100 if setup == "text" else 0.5 * (1 - e / 100), {"k": 0}, {"k": 1})
        return c

    rows = [comparison("small but clear", "text", [2.0, 2.1, 1.9]), comparison("big but noisy", "text", [20, -5, 15]),
            comparison("guaranteed", "text", [9.0, 9.1, 8.9], guaranteed=True),
            comparison("curve", "curve", [50, 51, 49])]
    assert largest_clear_effect(rows, "text")["remedy"] == "small but clear"
    assert largest_clear_effect(rows, "curve")["effect"] == pytest.approx(50)
    assert largest_clear_effect(rows[1:3], "text") is None
    table = comparison_table(rows)
    assert list(table.verdict) == ["helps", "no clear effect", "≥ 0 on every seed (guaranteed); mean +9.0", "helps"]
    assert table["per seed"][0] == "+2.0, +2.1, +1.9"


def test_loras_adapter_dropout_is_recorded_and_must_be_declared(text_task):
    """LoRA's arm also runs dropout on its adapters' input: check_one_knob sees it unless it is declared."""
    from helpers.data import make_loader

    choice, tok, _, ds = text_task
    loader = make_loader(ds, tok, 8)
    options = {"epochs": 1, "lr": 1e-3}
    base = fit_settings(load_model(choice, "sentiment", LABELS), loader, options)
    adapted = fit_settings(add_lora(load_model(choice, "sentiment", LABELS), dropout=0.1), loader, options)
    plain = fit_settings(add_lora(load_model(choice, "sentiment", LABELS), dropout=0.0), loader, options)
    assert "lora_dropout" not in base and adapted["lora_dropout"] == 0.1 and plain["lora_dropout"] == 0.0
    assert changed_settings(adapted, plain) == {"lora_dropout"}
    undeclared = Comparison("LoRA", knob="trainable", setup="text")
    undeclared.add(3, 0.8, 0.8, base, adapted)
    with pytest.raises(AssertionError, match=r"lora_dropout: — vs 0\.1"):
        check_one_knob(undeclared)
    declared = Comparison("LoRA", knob="trainable", setup="text", also_differs=("lora_dropout",))
    declared.add(3, 0.8, 0.8, base, adapted)
    check_one_knob(declared)


def test_a_guaranteed_row_never_reads_no_clear_effect():
    """The recorded workshop row (ensemble of 5 vs its members' mean): +2.27, +2.41, +8.05 % removed. Its
    t-interval crosses zero, but the sign is known; a seed below zero can only be a bug."""
    from helpers.lessons.overfitting import comparison_table

    def rows(effects, guaranteed):
        c = Comparison("ensemble vs members' mean", knob="prediction", setup="curve", guaranteed=guaranteed)
        for seed, e in enumerate(effects):
            c.add(seed, 0.5, 0.5 * (1 - e / 100), {"prediction": "each"}, {"prediction": "mean"})
        return c

    jensen = rows([2.27, 2.41, 8.05], "Jensen's inequality")
    s = jensen.summary()
    assert s["low"] < 0 < s["high"]   # the symmetric interval alone would say "no clear effect"
    assert s["verdict"] == "≥ 0 on every seed (guaranteed by Jensen's inequality); mean +4.2"
    assert "no clear effect" not in comparison_table([jensen]).verdict[0]
    assert jensen.record()["verdict"] == s["verdict"]
    broken = rows([2.0, -1.5, 3.0], True)
    assert broken.summary()["verdict"].startswith("BUG: below 0 on seed 1: -1.5")
    assert rows([2.0, -1.5, 3.0], False).summary()["verdict"] == "no clear effect"   # the interval decides
