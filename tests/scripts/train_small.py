"""A small NER training run for the interruption test: python train_small.py CKPT_DIR OUT [--slow] [--resume]."""
import sys
import time

import torch

from helpers.data import NERDataset, build_label_maps, make_loader, subsample
from helpers.env import REPO_ROOT, seed_everything
from helpers.models import load_model, load_tokenizer, resolve_model
from helpers.readers import read_conll
from helpers.train import fit

ckpt_dir, out = sys.argv[1], sys.argv[2]
slow, resume = "--slow" in sys.argv, "--resume" in sys.argv
torch.set_num_threads(1)
choice = resolve_model("kit-tiny")
tok = load_tokenizer(choice)
sents = subsample(read_conll(REPO_ROOT / "data/ner/train.txt", verbose=False), 64, seed=3)
label2id, _ = build_label_maps([s.tags for s in sents])
train, valid = NERDataset(sents[:48], tok, label2id, 48), NERDataset(sents[48:], tok, label2id, 48)
train_loader = make_loader(train, tok, 8, shuffle=True)
if slow:  # stretch each batch so the kill lands inside an epoch, not between two
    collate = train_loader.collate_fn
    train_loader.collate_fn = lambda items: (time.sleep(0.3), collate(items))[1]
seed_everything(0)
model = load_model(choice, "ner", label2id)
fit(model, train_loader, make_loader(valid, tok, 16), epochs=3, lr=1e-3, checkpoint_dir=ckpt_dir,
    resume=resume, progress=False)
torch.save(model.state_dict(), out)
print("done")
