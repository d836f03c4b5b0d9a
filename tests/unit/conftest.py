"""A unit test that starts Ray in this process must carry the ``ray`` marker, so that
``-m "not ray"`` really runs without Ray: checked around each test's setup and call."""

from __future__ import annotations

import sys

import pytest


def _ray_running() -> bool:
    ray = sys.modules.get("ray")
    return ray is not None and ray.is_initialized()


def _check(item: pytest.Item, was_running: bool) -> None:
    if not was_running and _ray_running() and item.get_closest_marker("ray") is None:
        pytest.fail(f"{item.nodeid} started Ray: mark it (or its module) with @pytest.mark.ray", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    was_running = _ray_running()
    result = yield
    _check(item, was_running)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    was_running = _ray_running()
    result = yield
    _check(item, was_running)
    return result
