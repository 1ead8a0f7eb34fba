"""One place decides the precision, from detected hardware features; fit and evaluate follow it.
GPUs are simulated: a faked compute capability, faked CPU flags, a model that never leaves the CPU."""
import sys
import warnings

import pytest
import torch

import helpers.precision as precision_module
import helpers.train as train_module
from helpers.lessons.overfitting import CurveMLP, curve_loader, make_curve_data
from helpers.precision import Precision, choose_precision, grad_scaler, trainer_precision_args
from helpers.train import fit, train_epoch

TORCH = tuple(int(p) for p in torch.__version__.split(".")[:2])


class Reached(Exception):
    pass


@pytest.fixture
def no_emulation_probe(monkeypatch):
    """torch.cuda.is_bf16_supported() says True on a T4 (bf16 by emulation): it must never decide."""
    def refuse(*args, **kwargs):
        raise AssertionError("torch.cuda.is_bf16_supported() was consulted")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", refuse)
    monkeypatch.delenv("KIT_PRECISION", raising=False)


def curve():
    data = make_curve_data(seed=0)
    return curve_loader(data.x_train, data.y_train, batch_size=5), curve_loader(data.x_valid, data.y_valid)


def fit_on_a_fake_gpu(monkeypatch, capability):
    """Run fit with device='cuda' on this CPU machine until it has built its GradScaler; return
    (the precision it chose, the scaler it built)."""
    seen = {}
    monkeypatch.setattr(precision_module, "cuda_capability", lambda index=0: capability)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "set_device", lambda index: None)

    def spy(precision):
        seen["precision"], seen["scaler"] = precision, real(precision)
        raise Reached

    real = precision_module.grad_scaler
    monkeypatch.setattr(train_module, "grad_scaler", spy)
    model = CurveMLP(hidden=4)
    monkeypatch.setattr(model, "to", lambda *args, **kwargs: model)  # no GPU here: stay put
    with pytest.raises(Reached), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a CUDA GradScaler without CUDA warns and disables itself
        fit(model, *curve(), epochs=1, device=torch.device("cuda"), progress=False)
    return seen["precision"], seen["scaler"]


def test_a_t4_gets_fp16_with_loss_scaling(monkeypatch, no_emulation_probe):
    precision, scaler = fit_on_a_fake_gpu(monkeypatch, (7, 5))
    assert precision.name == "fp16" and precision.use_scaler and "7.5" in precision.reason
    assert isinstance(scaler, torch.amp.GradScaler if hasattr(torch.amp, "GradScaler") else torch.cuda.amp.GradScaler)
    assert trainer_precision_args(precision) == {"bf16": False, "fp16": True}


def test_an_ampere_gpu_gets_bf16_without_a_scaler(monkeypatch, no_emulation_probe):
    precision, scaler = fit_on_a_fake_gpu(monkeypatch, (8, 0))
    assert precision.name == "bf16" and not precision.use_scaler and scaler is None
    assert precision.dtype == torch.bfloat16


@pytest.mark.parametrize("flags, expected", [({"avx512f", "avx512_bf16"}, "bf16"), ({"amx_bf16", "amx_tile"}, "bf16"),
                                             ({"avx2", "avx512f"}, "fp32"), (set(), "fp32")])
def test_a_cpu_gets_bf16_only_with_native_bf16(monkeypatch, no_emulation_probe, flags, expected):
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: flags)
    chosen = choose_precision("cpu")
    assert chosen.name == expected and not chosen.use_scaler and chosen.reason
    assert grad_scaler(chosen) is None


def autocast_seen_by_fit(**kwargs):
    """What the model's forward pass ran in under fit (training and validation): (enabled, dtype) pairs."""
    model = CurveMLP(hidden=4)
    seen = set()
    model.register_forward_pre_hook(lambda m, args: seen.add(
        (torch.is_autocast_enabled("cpu") if TORCH >= (2, 4) else torch.is_autocast_cpu_enabled(),
         torch.get_autocast_dtype("cpu") if TORCH >= (2, 4) else torch.get_autocast_cpu_dtype())))
    fit(model, *curve(), epochs=1, lr=0.01, warmup=0, device="cpu", progress=False, **kwargs)
    return seen


def test_fit_trains_in_bf16_on_a_cpu_with_native_bf16_and_in_fp32_without(monkeypatch, no_emulation_probe):
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: {"avx512_bf16"})
    assert autocast_seen_by_fit() == {(True, torch.bfloat16)}
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: {"avx2"})
    assert {enabled for enabled, _ in autocast_seen_by_fit()} == {False}


def test_kit_precision_overrides_the_hardware(monkeypatch, no_emulation_probe):
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: {"avx512_bf16"})
    monkeypatch.setenv("KIT_PRECISION", "fp32")
    chosen = choose_precision("cpu")
    assert chosen.name == "fp32" and "KIT_PRECISION" in chosen.reason
    assert {enabled for enabled, _ in autocast_seen_by_fit()} == {False}
    monkeypatch.setenv("KIT_PRECISION", "bf16")
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: set())
    assert choose_precision("cpu").name == "bf16"
    for wrong in ("fp16", "half"):  # no fast fp16 training on a CPU; a typo is an error, not fp32
        monkeypatch.setenv("KIT_PRECISION", wrong)
        with pytest.raises(ValueError, match="KIT_PRECISION"):
            choose_precision("cpu")
    monkeypatch.delenv("KIT_PRECISION")
    assert autocast_seen_by_fit(precision="fp32") == autocast_seen_by_fit(precision="fp32")
    assert {enabled for enabled, _ in autocast_seen_by_fit(precision="fp32")} == {False}


def test_fit_prints_its_precision_once(monkeypatch, capsys, no_emulation_probe):
    monkeypatch.setattr(precision_module, "cpu_flags", lambda: {"avx512_bf16"})
    fit(CurveMLP(hidden=4), *curve(), epochs=2, lr=0.01, warmup=0, device="cpu", progress=True)
    out = capsys.readouterr().out
    assert out.count("precision: bf16 autocast") == 1 and "native bf16" in out
    fit(CurveMLP(hidden=4), *curve(), epochs=1, lr=0.01, warmup=0, device="cpu", progress=False)
    assert "precision" not in capsys.readouterr().out


def test_torch_2_2_has_only_the_cuda_grad_scaler(monkeypatch):
    """torch.amp.GradScaler arrived in torch 2.3; on 2.2 the kit falls back to torch.cuda.amp's."""
    monkeypatch.delattr(torch.amp, "GradScaler", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated in newer torch, the only one in 2.2
        scaler = grad_scaler(Precision("fp16", "cuda", "test"))
    assert type(scaler).__module__.startswith("torch.cuda.amp")
    assert grad_scaler(Precision("bf16", "cuda", "test")) is None


@pytest.mark.skipif(TORCH < (2, 4), reason="fp16 autocast and GradScaler on the CPU need torch >= 2.4")
def test_the_loss_scale_is_checkpointed_and_restored(tmp_path):
    """An fp16 run resumed must continue with the scale it had learnt, not start again at 65536."""
    fp16 = Precision("fp16", "cpu", "test: fp16 on the CPU stands in for a T4")
    fit(CurveMLP(hidden=4), *curve(), epochs=1, lr=0.01, warmup=0, device="cpu", progress=False,
        precision=fp16, checkpoint_dir=tmp_path)
    state = torch.load(tmp_path / "last.pt", weights_only=False)
    assert 0 < state["scaler"]["scale"] <= 65536.0  # fresh at 2**16, halved at each overflow
    state["scaler"]["scale"] = 32.0  # as if the run had backed off after overflows
    torch.save(state, tmp_path / "last.pt")
    fit(CurveMLP(hidden=4), *curve(), epochs=2, lr=0.01, warmup=0, device="cpu", progress=False,
        precision=fp16, checkpoint_dir=tmp_path, resume=True)
    assert torch.load(tmp_path / "last.pt", weights_only=False)["scaler"]["scale"] <= 32.0  # a fresh scaler would be back near 2**16


def test_the_training_loss_is_read_back_once_per_epoch_not_every_step(monkeypatch):
    """.item() makes the CPU wait for the GPU; the loop sums on the device and reads at log points."""
    data = make_curve_data(seed=0)
    train = curve_loader(data.x_train, data.y_train, batch_size=1)
    model = CurveMLP(hidden=4)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    calls = []
    real_item = torch.Tensor.item

    def counted(self):
        calls.append(sys._getframe(1).f_code.co_filename)
        return real_item(self)
    monkeypatch.setattr(torch.Tensor, "item", counted)
    loss = train_epoch(model, train, optimizer, progress=False, precision="fp32")
    assert len(train) == 15 and loss > 0
    assert sum(name == train_module.__file__ for name in calls) == 1


def test_fit_trains_a_half_precision_model_in_fp32_weights(capsys):
    """A checkpoint loaded in fp16 (transformers' dtype="auto") would be updated in fp16 by AdamW, and
    bf16 autocast would meet fp16 weights; fit converts it to fp32 first and says so."""
    model = CurveMLP(hidden=4).half()
    fit(model, *curve(), epochs=1, lr=0.01, warmup=0, device="cpu", progress=True, precision="bf16")
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    assert "converted to float32" in capsys.readouterr().out


def test_an_int8_model_is_evaluated_without_autocast():
    """Dynamically quantized layers take fp32 inputs: bf16 autocast around them fails on the CPU."""
    from helpers.train import evaluate

    qconfig = torch.ao.quantization.default_dynamic_qconfig  # the middle layer only, as BERT's head stays fp32
    model = torch.ao.quantization.quantize_dynamic(CurveMLP(hidden=8), {"net.3": qconfig}, dtype=torch.qint8)
    assert type(model.net[0]) is torch.nn.Linear and type(model.net[3]) is not torch.nn.Linear
    _, valid = curve()
    loss, outputs = evaluate(model, valid, precision="bf16")
    assert loss > 0 and len(outputs) == 200
