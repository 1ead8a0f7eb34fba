"""Shared fixtures: the kit's tiny model, built once per test session into a temporary cache."""
import os

import pytest


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """(ModelChoice, tokenizer) of the offline tiny model."""
    os.environ.setdefault("KIT_CACHE", str(tmp_path_factory.mktemp("kit-cache")))
    from helpers.models import load_tokenizer, resolve_model

    choice = resolve_model("kit-tiny")
    return choice, load_tokenizer(choice)
