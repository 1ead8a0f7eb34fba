import pytest

from helpers import profiles
from helpers.profiles import load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for var in ["KIT_PROFILE", *profiles.ENV_KNOBS]:
        monkeypatch.delenv(var, raising=False)


def test_auto_profile_without_gpu_is_workshop(monkeypatch):
    monkeypatch.setattr(profiles.torch.cuda, "is_available", lambda: False)
    s = load_settings("ner")
    assert s.profile == "workshop" and "automatically" in s.reason
    assert "distilbert" in s.model


def test_auto_profile_with_gpu_is_full(monkeypatch):
    monkeypatch.setattr(profiles.torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(profiles.torch.cuda, "get_device_name", lambda i=0: "FakeGPU")
    s = load_settings("sentiment")
    assert s.profile == "full" and "FakeGPU" in s.reason and s.model.endswith("bert-base-uncased")


def test_smoke_limits(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "smoke")
    for task in ("ner", "sentiment"):
        s = load_settings(task)
        # A few passes over at most 200 examples: one pass leaves the random-init model at chance.
        assert s.model == "kit-tiny" and s.subset <= 200 and s.dataset is None and s.epochs <= 8
    assert "KIT_PROFILE=smoke" in str(s)
    assert load_settings("regression").epochs == 1  # tasks without their own value take the default


def test_env_then_parameters_cell_precedence(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "smoke")
    monkeypatch.setenv("KIT_EPOCHS", "4")
    monkeypatch.setenv("KIT_LR", "3e-4")
    default_batch = load_settings("ner").batch_size
    s = load_settings("ner", epochs=7, batch_size=None)
    assert s.epochs == 7 and s.sources["epochs"] == "from the parameters cell"
    assert s.lr == 3e-4 and s.sources["lr"] == "from KIT_LR"
    assert s.batch_size == default_batch and "batch_size" not in s.sources  # None keeps the default
    assert "<- from KIT_LR" in str(s)


def test_data_dir_replaces_hub_dataset(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "full")
    s = load_settings("ner", data_dir="/my/conll")
    assert s.data_dir == "/my/conll" and s.dataset is None


def test_learning_rate_depends_on_model_kind(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "smoke")
    s = load_settings("ner")
    assert s.learning_rate(pretrained=True) == pytest.approx(5e-5)
    assert s.learning_rate(pretrained=False) == pytest.approx(1e-3)
    assert load_settings("ner", lr=0.01).learning_rate(pretrained=True) == 0.01


def test_bad_values_are_named(monkeypatch):
    monkeypatch.setenv("KIT_PROFILE", "huge")
    with pytest.raises(ValueError, match="KIT_PROFILE='huge'"):
        load_settings("ner")
    monkeypatch.setenv("KIT_PROFILE", "smoke")
    monkeypatch.setenv("KIT_EPOCHS", "three")
    with pytest.raises(ValueError, match="KIT_EPOCHS='three'"):
        load_settings("ner")
    monkeypatch.delenv("KIT_EPOCHS")
    with pytest.raises(TypeError, match="unknown setting 'epoch'"):
        load_settings("ner", epoch=3)
