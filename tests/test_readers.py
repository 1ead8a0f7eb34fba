import pytest

from pathlib import Path

from helpers.readers import DataFormatError, iob1_to_iob2, read_conll, read_table, read_text_classification

SHAPES = Path(__file__).resolve().parent / "data" / "shapes"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_conll_four_columns_docstart_crlf_and_no_final_newline(tmp_path):
    text = ("-DOCSTART- -X- -X- O\r\n\r\nAnna NNP B-NP B-PER\r\nsaw VBD B-VP O\r\n"
            "Oslo NNP B-NP B-LOC\r\n\r\n\r\nHi UH B-INTJ O")
    sents = read_conll(write(tmp_path, "a.txt", text))
    assert [s.tokens for s in sents] == [["Anna", "saw", "Oslo"], ["Hi"]]
    assert [s.tags for s in sents] == [["B-PER", "O", "B-LOC"], ["O"]]


def test_conll_iob1_is_converted_with_a_count(tmp_path, capsys):
    text = "New I-LOC\nYork I-LOC\nand O\nBoston I-LOC\nParis B-LOC\nby O\nJo I-PER\nAnn I-PER\n"
    (sent,) = read_conll(write(tmp_path, "iob1.txt", text))
    assert sent.tags == ["B-LOC", "I-LOC", "O", "B-LOC", "B-LOC", "O", "B-PER", "I-PER"]
    assert "converted 3 entity starts" in capsys.readouterr().out


def test_iob1_to_iob2_leaves_iob2_alone():
    tags = ["B-ORG", "I-ORG", "O", "B-PER", "B-PER", "I-PER"]
    assert iob1_to_iob2(tags) == (tags, 0)
    assert iob1_to_iob2(["B-ORG", "I-PER"]) == (["B-ORG", "B-PER"], 1)  # type change starts an entity


@pytest.mark.parametrize("body, line, message", [
    ("Anna B-PER\nlonely\n", 2, "expected 'token ... TAG'"),
    ("Anna NNP B-PER\nsaw O\n", 2, "2 columns where 1 other line has 3"),
    # a later line is the odd one out: it is named, not the good lines before it
    ("Anna NNP B-NP B-PER\nsaw VBD B-VP O\nit O\nthere RB B-ADVP O\n", 3, "2 columns where 3 other lines have 4"),
    # line 1 is the malformed one: it is named, not line 2 (which agrees with every later line)
    ("Anna NNP B-PER\nsaw VBD B-VP O\nit PRP B-NP O\nthere RB B-ADVP O\n", 1, "3 columns where 3 other lines have 4"),
    ("Anna NNP B-PER\n\nsaw VBD PERSON\n", 3, "neither 'O' nor B-TYPE"),
    ("Anna X-PER\n", 1, "neither 'O' nor B-TYPE"),
])
def test_conll_errors_name_file_and_line(tmp_path, body, line, message):
    path = write(tmp_path, "bad.txt", body)
    with pytest.raises(DataFormatError) as err:
        read_conll(path)
    assert err.value.line == line
    assert f"bad.txt, line {line}" in str(err.value) and message in str(err.value)


def test_conll_empty_and_missing(tmp_path):
    with pytest.raises(DataFormatError, match="no sentences"):
        read_conll(write(tmp_path, "empty.txt", "-DOCSTART- O\n\n"))
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        read_conll(tmp_path / "nope.txt")


def test_csv_reads_bom_and_quotes(tmp_path):
    path = write(tmp_path, "r.csv", '\ufefftext,label\n"Great, really great",positive\nmeh,negative\n')
    rows = read_text_classification(path, labels=["negative", "positive"])
    assert [(r.text, r.label) for r in rows] == [("Great, really great", "positive"), ("meh", "negative")]


def test_tsv_by_extension(tmp_path):
    path = write(tmp_path, "r.tsv", "label\ttext\npositive\ta, b, c\n")
    assert read_text_classification(path)[0].text == "a, b, c"


@pytest.mark.parametrize("body, line, message", [
    ("words,label\nfine,positive\n", 1, "no text column; the header has ['words', 'label']"),
    ("text,verdict\nfine,positive\n", 1, "no label column"),
    ("text,label\nI liked it, a lot,positive\n", 2, "3 fields where the header has 2; a text that contains a comma"),
    ("text,label\nfine,positive\nshort\n", 3, "1 field where the header has 2"),
    ("text,label\nfine,positive\n  ,negative\n", 3, "empty text"),
    ("text,label\nfine,positive\nbad,neutral\n", 3, "unknown label 'neutral'"),
    ("text,label\nfine,\n", 2, "empty label"),
])
def test_csv_errors_name_file_and_line(tmp_path, body, line, message):
    path = write(tmp_path, "bad.csv", body)
    with pytest.raises(DataFormatError) as err:
        read_text_classification(path, labels=["negative", "positive"])
    assert f"bad.csv, line {line}" in str(err.value) and message in str(err.value)


def test_csv_other_encoding_is_a_clear_error(tmp_path):
    path = write(tmp_path, "latin.csv", "text,label\nok,positive\ncaf\u00e9 au lait,positive\n", "latin-1")
    with pytest.raises(DataFormatError, match=r"latin.csv, line 3: not UTF-8"):
        read_text_classification(path)


def test_conll_latin1_is_a_clear_error_with_file_and_line(tmp_path):
    path = write(tmp_path, "deu.train", "Anna B-PER\n\nM\u00fcnchen B-LOC\n", "latin-1")
    with pytest.raises(DataFormatError, match=r"deu.train, line 3: not UTF-8 text \(byte 0xfc\)"):
        read_conll(path)


def test_conll_iob1_original_files_and_touching_entities():
    sents = read_conll(SHAPES / "conll2003_iob1" / "eng.train", verbose=False)
    last = sents[-1]
    assert last.tokens[:4] == ["Halvor", "Bank", "Norrby", "United"]
    assert last.tags[:4] == ["B-ORG", "I-ORG", "B-ORG", "I-ORG"]  # B- between two ORGs starts the second
    assert all(s.tags[0] != "I-PER" for s in sents)


def test_wnut_tab_separated_with_hyphenated_types():
    sents = read_conll(SHAPES / "wnut17" / "wnut17train.conll")
    tags = {t for s in sents for t in s.tags}
    assert {"B-creative-work", "I-creative-work", "B-corporation", "I-corporation", "B-person"} <= tags
    assert sents[0].tokens[:3] == ["so", "excited", "to"] and len(sents) == 12


def test_chinese_one_character_per_line():
    first = read_conll(SHAPES / "chinese_bio" / "example.train")[0]
    assert "".join(first.tokens) == "王小明在北京大学读书。"
    assert first.tags[:5] == ["B-PER", "I-PER", "I-PER", "O", "B-ORG"]


def test_tab_columns_keep_a_token_that_is_an_ideographic_space(tmp_path):
    (sent,) = read_conll(write(tmp_path, "zh.txt", "\u3000\tO\n中\tB-LOC\n"))
    assert sent.tokens == ["\u3000", "中"] and sent.tags == ["O", "B-LOC"]


def test_glue_tsv_columns_and_a_stray_quote(tmp_path):
    path = write(tmp_path, "train.tsv", 'sentence\tlabel\nhe said " wow \t1\nflat . \t0\n')
    table = read_table(path)
    assert (table.text_column, table.label_column) == ("sentence", "label")
    assert [(e.text, e.label) for e in table.examples] == [('he said " wow', "1"), ("flat .", "0")]


def test_glue_test_file_without_labels_is_read_only_when_asked():
    path = SHAPES / "glue_sst2" / "test.tsv"
    with pytest.raises(DataFormatError, match="test.tsv, line 1: .*no label column; the header has"):
        read_table(path)
    table = read_table(path, need_labels=False)
    assert table.label_column is None and len(table.examples) == 8


def test_imdb_csv_columns_quotes_and_html_breaks():
    table = read_table(SHAPES / "imdb" / "IMDB Dataset.csv")
    assert (table.text_column, table.label_column) == ("review", "sentiment")
    assert table.html_breaks == 40 and not any("<br" in e.text for e in table.examples)
    assert {e.label for e in table.examples} == {"negative", "positive"}
    assert any(", " in e.text for e in table.examples)  # quoted commas stay in the text


def test_named_columns_win_and_case_does_not_matter(tmp_path):
    path = write(tmp_path, "r.csv", "Title,Review,Sentiment\nx,good film,positive\n")
    assert read_text_classification(path)[0].text == "good film"
    assert read_text_classification(path, text_column="title")[0].text == "x"
