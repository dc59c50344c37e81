"""Reading a log file's new lines: the same lines and places whatever the read size."""

import pytest

from candor.agents import files

LINES = [b'{"a":1}', b"", b'{"b":"' + b"x" * 40 + b'"}', b'{"c":3}', b"y" * 100, b'{"d":4}']


def read(path, place):
    opened = files.open_new_part(place)
    if opened is None:
        return [], place
    handle, place = opened
    with handle:
        return list(files.new_lines(handle, place)), place


@pytest.mark.parametrize("read_bytes", [1, 2, 7, 50, 64, 1 << 20])
def test_lines_are_the_same_whatever_the_read_size(tmp_path, monkeypatch, read_bytes):
    monkeypatch.setattr(files, "READ_BYTES", read_bytes)
    monkeypatch.setattr(files, "MAX_LINE_BYTES", 64)
    path = tmp_path / "log.jsonl"
    # The last line is half written; the one of 100 bytes is too long to keep.
    path.write_bytes(b"\n".join(LINES) + b'\n{"e":')
    lines, place = read(path, files.Place(str(path), "test"))
    assert lines == [(1, LINES[0]), (2, b""), (3, LINES[2]), (4, LINES[3]), (5, None),
                     (6, LINES[5])]
    assert place.offset == len(b"\n".join(LINES)) + 1 and place.lines == 6

    # The half-written line is finished, a whole one follows without its newline yet,
    # then a too long one is being written: read up to it, and it is left for later.
    with open(path, "ab") as f:
        f.write(b'5}\n{"f":6}')
    more, place = read(path, place)
    assert more == [(7, b'{"e":5}'), (8, b'{"f":6}')]
    with open(path, "ab") as f:
        f.write(b"\n" + b"z" * 200)
    more, place = read(path, place)
    assert more == [(9, b"")]
    with open(path, "ab") as f:
        f.write(b'z\n{"g":7}\n')
    more, place = read(path, place)
    assert more == [(10, None), (11, b'{"g":7}')]
    assert place.offset == path.stat().st_size and place.lines == 11
