"""The user-data size rule is the tier module's: base64 length at most 16,384."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tfgen.blueprint.validate import MAX_USER_DATA_BASE64, load_blueprint
from tfgen.errors import BlueprintInvalid


@pytest.mark.parametrize("size", [12288, 12289, 16384])
def test_user_data_limit_matches_the_module(tmp_path: Path, size: int) -> None:
    (tmp_path / "app.sh").write_bytes(b"#" * size)
    (tmp_path / "bp.yaml").write_text("name: shop\napp:\n  user_data: app.sh\n",
                                      encoding="utf-8")
    module_accepts = len(base64.b64encode(b"#" * size)) <= MAX_USER_DATA_BASE64
    if module_accepts:
        load_blueprint(tmp_path / "bp.yaml")
    else:
        with pytest.raises(BlueprintInvalid, match="16,384 characters the tier module"):
            load_blueprint(tmp_path / "bp.yaml")
    assert module_accepts == (size == 12288)
