"""Fixtures for integration tests: terraform, a CLI config with the mirror, a moto server.

CI sets ``TFGEN_REQUIRE_INTEGRATION=1`` so a missing terraform fails the run instead of
quietly skipping every integration test.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tfgen.deploy.terraform_env import TerraformEnv, find_terraform, provider_mirror
from tfgen.errors import TerraformNotFound

REQUIRE_ENV = "TFGEN_REQUIRE_INTEGRATION"


@pytest.fixture(scope="session")
def terraform_bin() -> Path:
    """The terraform binary; fails under TFGEN_REQUIRE_INTEGRATION=1, else skips loudly."""
    try:
        return find_terraform()
    except TerraformNotFound as exc:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but terraform is missing: {exc}", pytrace=False)
        pytest.skip(f"INTEGRATION TESTS SKIPPED (set {REQUIRE_ENV}=1 to fail instead): {exc}")


@pytest.fixture(scope="session")
def plugin_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One provider plugin cache for the whole session (hashicorp/aws is ~700 MB).

    $TFGEN_PLUGIN_CACHE_DIR reuses a cache across sessions.
    """
    chosen = os.environ.get("TFGEN_PLUGIN_CACHE_DIR")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("plugin-cache")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def tf_env(tmp_path_factory: pytest.TempPathFactory, plugin_cache: Path) -> TerraformEnv:
    """A CLI config of our own: hashicorp/aws from the mirror (when there is one).

    The user's TF_CLI_CONFIG_FILE is ignored on purpose so tests behave the same
    everywhere; no instance metadata lookups either.
    """
    return TerraformEnv.managed(
        tmp_path_factory.mktemp("tfrc"),
        provider_mirror(),
        plugin_cache,
        extra={"AWS_EC2_METADATA_DISABLED": "true"},
    )


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server on a free 127.0.0.1 port for the session; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    # The tier module attaches the AWS-managed AmazonSSMManagedInstanceCore policy;
    # moto knows AWS-managed policies only when asked to load them.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto_endpoint(moto_server: str) -> str:
    """The session's moto endpoint, reset to empty before the test."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return moto_server
