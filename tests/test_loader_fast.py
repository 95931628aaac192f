"""libyaml (the fast path of tfgen/blueprint/loader.py) and PyYAML's own parser agree, value and
place.

Every blueprint, good or bad, is parsed both ways: the same data and positions, or the
same problems. A file only libyaml would accept differently would show up here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tfgen.blueprint import loader
from tfgen.errors import BlueprintInvalid

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted({*ROOT.glob("blueprints/**/*.yaml"), *ROOT.glob("tests/bad/*.yaml"),
                *ROOT.glob("tests/data/**/*.yaml")})
EXTRA = {
    "duplicate": "name: a\nname: b\n",
    "merge-key": "base: &b {x: 1}\nname: shop\nweb:\n  <<: *b\n",
    "unicode": "name: shop\ntags:\n  Owner: \"Jürgen 🛒\"\n  Team: 😀x\n",
    "flow": "name: shop\navailability_zones: [a, b,\n  c]\n",
    "unclosed": "name: 'shop\n",
    "colon": "name: a: b\n",
    "control": "name: a\x07b\n",
    "yaml11-bool": "name: shop\ndeletion_protection: yes\nx: 'no'\n",
}


def _outcome(text: str | bytes, fast: bool, monkeypatch: pytest.MonkeyPatch) -> object:
    if not fast:
        monkeypatch.setattr(loader, "_FAST", None)
    try:
        doc = loader.parse_document(text, "f.yaml")
    except BlueprintInvalid as exc:
        return ("invalid", [p.__dict__ for p in exc.problems])
    finally:
        monkeypatch.undo()
    return ("ok", doc.data, dict(doc.value_marks), dict(doc.key_marks))


def test_libyaml_is_there() -> None:
    assert loader._FAST is not None, "PyYAML without libyaml: rendering many blueprints is slow"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_both_parsers_agree_on_file(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = path.read_bytes()
    assert _outcome(raw, True, monkeypatch) == _outcome(raw, False, monkeypatch)


@pytest.mark.parametrize("name", sorted(EXTRA))
def test_both_parsers_agree_on_text(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = EXTRA[name]
    assert _outcome(text, True, monkeypatch) == _outcome(text, False, monkeypatch)
