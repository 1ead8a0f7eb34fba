import torch
import pytest

from helpers.data import (IGNORE, DistributedLengthGroupedSampler, LengthGroupedSampler, NERDataset,
                          TextClassificationDataset, align_labels, build_label_maps, length_grouped_batches,
                          make_loader, padding_waste, words_from_subwords)
from helpers.readers import Example, Sentence


def test_align_labels_by_hand():
    # [CLS] Ham ##burg is [SEP]: word 0 has two pieces, specials and the second piece get -100
    word_ids = [None, 0, 0, 1, None]
    assert align_labels(word_ids, [7, 0]) == [IGNORE, 7, IGNORE, 0, IGNORE]


def test_words_from_subwords_fills_truncated_words():
    assert words_from_subwords([None, 0, 0, 1, None], [0, 5, 9, 3, 0], n_words=4, fill=0) == [5, 3, 0, 0]


SENTENCES = [
    Sentence(["Zanzibarovich", "visited", "Kwetuquatl", "Ltd", "."], ["B-PER", "O", "B-ORG", "I-ORG", "O"]),
    Sentence(["It", "rained", "."], ["O", "O", "O"]),
    Sentence(["Oberammergauerin", "Xylophagous", "won"], ["B-PER", "I-PER", "O"]),
]


def test_ner_round_trip_is_exact_with_multi_piece_words(tiny):
    _, tok = tiny
    label2id, _ = build_label_maps([s.tags for s in SENTENCES])
    ds = NERDataset(SENTENCES, tok, label2id, max_length=64)
    pieces = [len(tok.tokenize(w)) for w in SENTENCES[0].tokens]
    assert max(pieces) > 1, "the test needs words split into several subwords"
    labels = [ds[i]["labels"] for i in range(len(ds))]
    # Every word is labelled exactly once; everything else is ignored.
    for s, lab in zip(SENTENCES, labels):
        assert sum(l != IGNORE for l in lab) == len(s.tokens)
    # Feeding the gold labels back through decode gives the gold tags.
    as_predictions = [[0 if l == IGNORE else l for l in lab] for lab in labels]
    assert ds.decode(as_predictions) == ds.gold()
    assert ds.truncated_words == 0


def test_ner_truncation_is_counted_and_scored(tiny):
    _, tok = tiny
    long = Sentence(["."] * 30 + ["Oslo"], ["O"] * 30 + ["B-LOC"])  # "." is always one piece
    label2id, _ = build_label_maps([long.tags])
    with pytest.warns(UserWarning, match="cut 23 words"):  # 10 slots - [CLS] - [SEP] = 8 words kept
        ds = NERDataset([long], tok, label2id, max_length=10)
    assert ds.truncated_words == 23 and ds.truncated_sentences == 1
    perfect = [[0 if l == IGNORE else l for l in ds[0]["labels"]]]
    decoded = ds.decode(perfect)[0]
    assert len(decoded) == 31 and decoded[-1] == "O"  # the cut entity is a miss, not dropped
    assert ds.score(perfect)["recall"] == 0.0


def test_a_tag_train_never_had_is_kept_out_of_the_loss_and_scored_as_missed(tiny):
    _, tok = tiny
    label2id = {"O": 0, "B-ORG": 1, "I-ORG": 2}  # from a train split without PER
    with pytest.warns(UserWarning, match=r"no label for: B-PER \(1 word\); they are kept out of the loss"):
        ds = NERDataset(SENTENCES[:1], tok, label2id, max_length=32)
    assert ds.unknown_tags == {"B-PER": 1}
    first_word = next(i for i, w in enumerate(ds.word_ids[0]) if w == 0)
    assert ds[0]["labels"][first_word] == IGNORE  # no loss on Zanzibarovich
    perfect = [[0 if l == IGNORE else l for l in ds[0]["labels"]]]
    scores = ds.score(perfect)  # every known tag right, the PER entity missed
    assert scores["precision"] == 1.0 and scores["recall"] == 0.5


def test_label_maps_put_o_first_and_group_types():
    label2id, id2label = build_label_maps([["B-PER", "O", "I-PER", "B-LOC"]])
    assert list(label2id) == ["O", "B-LOC", "B-PER", "I-PER"]
    assert id2label[0] == "O"
    assert list(build_label_maps([["B-person", "I-person"]])[0]) == ["O", "B-person", "I-person"]  # O always


def test_dynamic_padding_wastes_less_than_fixed(tiny):
    _, tok = tiny
    examples = [Example("good " * n, "positive") for n in (1, 2, 3, 20, 21, 22)] * 4
    ds = TextClassificationDataset(examples, tok, {"negative": 0, "positive": 1}, max_length=64)
    fixed = padding_waste(make_loader(ds, tok, 4, pad_to=64))
    dynamic = padding_waste(make_loader(ds, tok, 4))
    grouped = padding_waste(make_loader(ds, tok, 4, group_by_length=True))
    assert fixed > dynamic > grouped
    batch = next(iter(make_loader(ds, tok, 4)))
    assert batch["labels"].dtype == torch.long and batch["input_ids"].shape[0] == 4


def test_length_grouped_sampler_is_a_permutation():
    lengths = [5, 1, 9, 3, 3, 7, 2, 8]
    order = list(LengthGroupedSampler(lengths, batch_size=2))
    assert sorted(order) == list(range(len(lengths)))


def test_truncated_counts_only_texts_that_lost_tokens(tiny):
    _, tok = tiny
    width = len(tok("good good good")["input_ids"])  # [CLS] + 3 pieces + [SEP]: fills max_length exactly
    examples = [Example("good good good", "positive"), Example("good " * 9, "positive"), Example("good", "negative")]
    ds = TextClassificationDataset(examples, tok, {"negative": 0, "positive": 1}, max_length=width)
    assert ds.lengths()[:2] == [width, width]
    assert ds.truncated == 1  # the text that fits exactly lost nothing


def test_length_grouped_batches_are_full_but_the_last():
    lengths = [(i * 37) % 23 + 1 for i in range(1003)]
    for seed in range(5):
        batches = length_grouped_batches(lengths, 4, torch.Generator().manual_seed(seed))
        assert all(len(b) == 4 for b in batches[:-1]) and len(batches[-1]) == 1003 % 4
        order = list(LengthGroupedSampler(lengths, 4, torch.Generator().manual_seed(seed)))
        # the DataLoader cuts the flat order every 4 items: each cut must be one sorted group
        assert [order[i:i + 4] for i in range(0, len(order), 4)] == batches


def test_random_pools_give_new_batches_every_epoch_where_one_pool_repeats_them():
    lengths = list(range(1, 65))  # 16 batches of 4: one pool of 16 batches sorts the data whole
    def batch_sets(seed, pool):
        return {frozenset(b) for b in length_grouped_batches(lengths, 4, torch.Generator().manual_seed(seed), pool)}
    assert batch_sets(0, (16, 16)) == batch_sets(1, (16, 16))  # the same batches, only their order changes
    assert batch_sets(0, (2, 16)) != batch_sets(1, (2, 16))
    for seed in range(3):  # still batches of similar lengths: each one sorted, far less spread than shuffled
        batches = length_grouped_batches(lengths, 4, torch.Generator().manual_seed(seed))
        assert all([lengths[i] for i in b] == sorted((lengths[i] for i in b), reverse=True) for b in batches)
        assert sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) < 16 * 20


def test_pools_are_whole_batches_so_only_the_last_batch_is_short():
    lengths = [(i * 13) % 17 + 1 for i in range(50)]
    for pool in [(1, 1), (2, 3), (3, 7)]:
        batches = length_grouped_batches(lengths, 4, torch.Generator().manual_seed(5), pool)
        assert [len(b) for b in batches] == [4] * 12 + [2] and sorted(i for b in batches for i in b) == list(range(50))


@pytest.mark.parametrize("n, world", [(103, 2), (103, 3), (96, 2), (5, 4)])
def test_distributed_length_grouped_sampler_shares_global_batches(n, world):
    lengths = [(i * 7) % 31 + 1 for i in range(n)]
    shares = [DistributedLengthGroupedSampler(lengths, 4, num_replicas=world, rank=r, seed=3) for r in range(world)]
    orders = [list(s) for s in shares]
    assert len({len(o) for o in orders}) == 1 and len(orders[0]) == len(shares[0])  # the same steps everywhere
    assert set().union(*orders) == set(range(n)) and sum(map(len, orders)) - n < world
    for order in orders:  # each process's batches are runs of similar lengths
        for i in range(0, len(order), 4):
            got = [lengths[j] for j in order[i:i + 4]]
            assert got == sorted(got, reverse=True)
    shares[0].set_epoch(1)
    assert n <= 4 * world or list(shares[0]) != orders[0], "a new epoch, a new order"


def test_ner_dataset_reuses_given_encodings(tiny):
    _, tok = tiny
    label2id, _ = build_label_maps([s.tags for s in SENTENCES])
    enc = tok([s.tokens for s in SENTENCES], is_split_into_words=True, truncation=True, max_length=64)
    given, own = NERDataset(SENTENCES, tok, label2id, 64, encodings=enc), NERDataset(SENTENCES, tok, label2id, 64)
    assert given.features == own.features and given.word_ids == own.word_ids
    with pytest.raises(ValueError, match="3 sentences of at most 4 tokens"):
        NERDataset(SENTENCES, tok, label2id, 4, encodings=enc)
