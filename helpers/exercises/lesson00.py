"""Checks for lesson 00."""
from .check import check


def check_parameter_count(answer, model) -> bool:
    """The learner counts the trainable parameters of the tiny model."""
    truth = sum(p.numel() for p in model.parameters() if p.requires_grad)

    def test(value):
        if not isinstance(value, (int,)) and not hasattr(value, "__int__"):
            return f"expected a whole number, got {type(value).__name__}"
        if int(value) == sum(p.numel() for p in model.parameters()) and int(value) != truth:
            return "that counts frozen parameters too; keep only those with requires_grad"
        if int(value) == len(list(model.parameters())):
            return "that is the number of parameter tensors; add up p.numel() instead"
        if int(value) != truth:
            return f"{int(value):,} is off by {int(value) - truth:+,}"
        return None

    return check("Parameter count", answer, test=test,
                 hint="sum(p.numel() for p in model.parameters() if p.requires_grad)")
