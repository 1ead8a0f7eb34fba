import pytest

from helpers.readers import DataFormatError, iob1_to_iob2, read_conll, read_text_classification


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
    ("Anna NNP B-PER\nsaw O\n", 2, "2 columns where earlier lines have 3"),
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
    ("review,label\nfine,positive\n", 1, "missing column(s) ['text']"),
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
