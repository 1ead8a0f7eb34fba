"""Practicum's helpers: the shared machinery behind the lessons.

Data flows one way: files (readers) -> Dataset (data) -> DataLoader -> fit (train)
-> scores (metrics) -> pictures (plots). profiles, hub and models decide what to run.
"""
from .data import (IGNORE, LengthGroupedSampler, NERDataset, TextClassificationDataset, align_labels,
                   build_label_maps, make_loader, padding_waste, subsample)
from .env import device_report, get_device, in_colab, kit_cache_dir, seed_everything, versions
from .hub import hub_status
from .loading import load_ner_data, load_sentiment_data
from .metrics import classification_scores, confusion, entity_confusion, ner_report, ner_scores
from .models import fetch_pip_encoder, load_model, load_tokenizer, resolve_model
from .plots import plot_confusion, plot_history
from .profiles import load_settings
from .readers import DataFormatError, read_conll, read_text_classification
from .train import evaluate, fit, history_table, train_epoch

__version__ = "0.1.0"
