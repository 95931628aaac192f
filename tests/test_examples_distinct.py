"""No two committed blueprints claim the same AWS names (issue 11, point 10).

Applying two of them in one account must not collide: each renders its own resource
name prefix (`<name>-<environment>`), its own front-end bucket (bucket names are global)
and its own DNS records.
"""

from __future__ import annotations

from collections import Counter

from tests.helpers import REPO
from tfgen.project import discover, render_blueprint


def _claims() -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for path in discover(REPO):
        v = render_blueprint(path).context.values
        name = f"{v['name']}-{v['environment']}"
        bucket = (v.get("frontend") or {}).get("bucket_name")
        record = (v.get("dns") or {}).get("record_name")
        out[path.relative_to(REPO).as_posix()] = {
            "prefix": [name],
            "bucket": [bucket] if bucket else [],
            "dns": [record, f"origin.{record}"] if record else [],
        }
    return out


def test_committed_blueprints_claim_distinct_names() -> None:
    claims = _claims()
    assert len(claims) >= 3, f"expected the example and the envs overlays, found {sorted(claims)}"
    for kind in ("prefix", "bucket", "dns"):
        seen = Counter(n for c in claims.values() for n in c[kind])
        shared = {n: [p for p, c in claims.items() if n in c[kind]]
                  for n, count in seen.items() if count > 1}
        assert shared == {}, f"committed blueprints share {kind} names: {shared}"


def test_the_example_is_a_demo_and_prod_is_prod() -> None:
    claims = _claims()
    assert claims["blueprints/shopping-mall.yaml"]["prefix"] == ["shopping-mall-demo"]
    assert claims["blueprints/envs/prod.yaml"]["prefix"] == ["shopping-mall-prod"]
    assert claims["blueprints/envs/prod.yaml"]["dns"][0] == "shop.example.com"
