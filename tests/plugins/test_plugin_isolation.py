"""A hook that raises, hangs or returns garbage never breaks its caller."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from matching.types import Need
from plugins.discovery import discover
from plugins.host import PluginHost
from plugins.manifest import display_path

NEED = Need.from_dict({"id": "n1", "description": "We need small-batch scheduling."})
BUDGET = 0.05


def host_for(tmp_path, **options) -> PluginHost:
    found = discover(bundled_dir=None, entry_point_group=None, folders=[tmp_path / "plugins"])
    assert found.errors == []
    return PluginHost.from_discovery(found, time_budget=BUDGET, **options)


HANGING_HOOK = """
    import builtins
    from plugins.toolkit import hookimpl

    @hookimpl
    def estimate(need):
        builtins._shuzhuan_test_gate.wait()
"""


@pytest.fixture
def gate(monkeypatch):
    """The event that HANGING_HOOK waits on; set at teardown so no thread outlives the test."""
    event = threading.Event()
    monkeypatch.setattr("builtins._shuzhuan_test_gate", event, raising=False)
    yield event
    event.set()


def test_raising_hook_is_skipped_logged_and_counted(write_plugin, tmp_path, caplog, clean_modules):
    write_plugin(
        "raiser",
        hooks="""
            from plugins.toolkit import hookimpl

            @hookimpl
            def estimate(need):
                raise RuntimeError("pricing table missing")
        """,
    )
    host = host_for(tmp_path)
    with caplog.at_level(logging.WARNING, logger="plugins.host"):
        assert host.estimate("raiser", NEED) is None
    call = host.call("raiser", "estimate", need=NEED)
    assert call.status == "failed"
    assert call.error == "raised RuntimeError: pricing table missing"
    assert "plug-in raiser: hook estimate skipped: raised RuntimeError" in caplog.text
    health = host.health("raiser")
    assert (health.failures, health.consecutive_failures, health.state) == (2, 2, "ok")
    assert health.last_error == "estimate: raised RuntimeError: pricing table missing"


def test_system_exit_in_a_hook_does_not_stop_the_caller(write_plugin, tmp_path, clean_modules):
    write_plugin(
        "quitter",
        hooks="""
            import sys
            from plugins.toolkit import hookimpl

            @hookimpl
            def check_eligibility(need):
                sys.exit(1)
        """,
    )
    host = host_for(tmp_path)
    assert host.call("quitter", "check_eligibility", need=NEED).error == "raised SystemExit: 1"


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ('"about 50k"', "returned str, expected Estimate or None"),
        ("{'price_min': 1, 'price_max': 2}", "returned dict, expected Estimate or None"),
        ("Eligibility(True, 'ok')", "returned Eligibility, expected Estimate or None"),
    ],
)
def test_garbage_result_is_skipped(write_plugin, tmp_path, returned, message, clean_modules):
    write_plugin(
        "garbage",
        hooks=f"""
            from plugins.toolkit import Eligibility, hookimpl

            @hookimpl
            def estimate(need):
                return {returned}
        """,
    )
    host = host_for(tmp_path)
    call = host.call("garbage", "estimate", need=NEED)
    assert (call.status, call.value, call.error) == ("failed", None, message)


def test_badly_built_result_fails_inside_the_hook(write_plugin, tmp_path, clean_modules):
    write_plugin(
        "inverted",
        hooks="""
            from plugins.toolkit import Estimate, hookimpl

            @hookimpl
            def estimate(need):
                return Estimate(price_min=90000, price_max=50000)
        """,
    )
    call = host_for(tmp_path).call("inverted", "estimate", need=NEED)
    assert call.error == ("raised ValueError: price_min must be <= price_max (got 90000 > 50000)")


def test_hanging_hook_is_cut_off_at_the_budget(write_plugin, tmp_path, gate, clean_modules):
    write_plugin("sleeper", hooks=HANGING_HOOK)
    host = host_for(tmp_path, degrade_after=10)
    start = time.perf_counter()
    call = host.call("sleeper", "estimate", need=NEED)
    assert time.perf_counter() - start < BUDGET + 0.5
    assert call.status == "failed"
    assert call.error == "ran past its time budget of 50 ms"
    # While the first call still hangs, no further thread is spent on this plug-in.
    threads = threading.active_count()
    again = host.call("sleeper", "estimate", need=NEED)
    assert again.error == "an earlier call is still running past its budget"
    assert threading.active_count() == threads
    assert host.health("sleeper").failures == 2
    gate.set()
    for thread in threading.enumerate():
        if thread.name == "plugin:sleeper:estimate":
            thread.join(timeout=2)
    assert host.call("sleeper", "estimate", need=NEED).status == "ok"


def test_threads_are_bounded_and_others_are_not_blamed(write_plugin, tmp_path, gate, clean_modules):
    write_plugin("hang-a", hooks=HANGING_HOOK)
    write_plugin(
        "healthy",
        hooks="""
            from plugins.toolkit import Estimate, hookimpl

            @hookimpl
            def estimate(need):
                return Estimate(1000, 2000)
        """,
    )
    host = host_for(tmp_path, max_threads=1)
    assert host.call("hang-a", "estimate", need=NEED).status == "failed"
    skipped = host.call("healthy", "estimate", need=NEED)
    assert (skipped.status, skipped.error) == ("skipped", "no thread free for plug-in hooks")
    assert host.health("healthy").failures == 0


def test_repeated_failures_degrade_the_plugin(write_plugin, tmp_path, clean_modules):
    write_plugin(
        "flaky",
        hooks="""
            from plugins.toolkit import hookimpl

            @hookimpl
            def estimate(need):
                raise KeyError("machines")
        """,
    )
    changes = []
    host = host_for(tmp_path, degrade_after=3, on_health_change=changes.append)
    for _ in range(3):
        assert host.call("flaky", "estimate", need=NEED).status == "failed"
    assert host.health("flaky").state == "degraded"
    assert [h.state for h in changes] == ["degraded"]
    assert host.health_report()[0].slug == "flaky"
    skipped = host.call("flaky", "estimate", need=NEED)
    assert (skipped.status, skipped.error) == ("skipped", "plug-in is degraded")
    assert host.health("flaky").failures == 3  # skipped calls are not counted
    host.reset("flaky")
    assert host.health("flaky").state == "ok"
    assert host.health("flaky").failures == 3
    assert changes[-1].state == "ok"


def test_success_resets_the_run_of_failures(write_plugin, tmp_path, clean_modules):
    write_plugin(
        "sometimes",
        hooks="""
            from plugins.toolkit import Estimate, hookimpl

            @hookimpl
            def estimate(need):
                if "fail" in need.description:
                    raise ValueError("no")
                return Estimate(1, 2)
        """,
    )
    host = host_for(tmp_path, degrade_after=2)
    failing = Need.from_dict({"id": "x", "description": "please fail"})
    host.call("sometimes", "estimate", need=failing)
    host.call("sometimes", "estimate", need=NEED)
    host.call("sometimes", "estimate", need=failing)
    health = host.health("sometimes")
    assert (health.state, health.failures, health.consecutive_failures, health.calls) == (
        "ok",
        2,
        1,
        3,
    )


def test_a_failing_health_listener_is_contained(write_plugin, tmp_path, caplog, clean_modules):
    write_plugin(
        "dud",
        hooks="""
            from plugins.toolkit import hookimpl

            @hookimpl
            def estimate(need):
                raise ValueError("no")
        """,
    )

    def listener(health):
        raise RuntimeError("database down")

    host = host_for(tmp_path, degrade_after=1, on_health_change=listener)
    assert host.call("dud", "estimate", need=NEED).status == "failed"
    assert "health listener failed" in caplog.text


def test_restore_takes_over_persisted_health(write_plugin, tmp_path):
    write_plugin("quiet")
    host = host_for(tmp_path)
    saved = host.health("quiet")
    saved.state, saved.failures = "degraded", 7
    host.restore(saved)
    assert host.health("quiet").state == "degraded"
    with pytest.raises(KeyError):
        host.health("unknown")


def test_hooks_cannot_change_the_callers_data(write_plugin, tmp_path, clean_modules):
    write_plugin(
        "meddler",
        hooks="""
            from plugins.toolkit import hookimpl

            @hookimpl
            def estimate(need, offering):
                need.description = "changed"
                offering.price_min = 0
        """,
    )
    host = host_for(tmp_path)
    need = Need.from_dict({"id": "n", "description": "original"})
    assert host.call("meddler", "estimate", need=need).status == "ok"
    assert need.description == "original"
    assert host.plugins["meddler"].manifest.offering.price_min == 10000


def test_plugins_without_the_hook_or_unknown_slugs(write_plugin, tmp_path):
    write_plugin("declarative-only")
    host = host_for(tmp_path)
    assert host.call("declarative-only", "estimate", need=NEED).status == "not_implemented"
    assert host.call("never-heard-of", "estimate", need=NEED).status == "not_implemented"
    assert host.hooks_of("declarative-only") == []
    with pytest.raises(ValueError, match="unknown hook 'estimmate'"):
        host.call("declarative-only", "estimmate", need=NEED)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("raise ImportError('no module named pandas')", "ImportError: no module named pandas"),
        ("def broken(:\n    pass", "SyntaxError"),
        (
            "from plugins.toolkit import hookimpl\n\n@hookimpl\ndef estimat(need):\n    pass",
            "estimat: marked @hookimpl but not a Shuzhuan hook",
        ),
        (
            "from plugins.toolkit import hookimpl\n\n@hookimpl\ndef estimate(need, budget):\n"
            "    pass",
            "PluginValidationError",
        ),
        ("X = 1", "defines no @hookimpl function"),
    ],
)
def test_broken_hooks_module_degrades_but_keeps_the_listing(
    write_plugin, tmp_path, code, message, clean_modules
):
    write_plugin("broken", hooks=code)
    write_plugin("fine")
    host = host_for(tmp_path)
    [error] = host.errors
    assert error.slug == "broken"
    assert message in error.lines[0]
    source = display_path(tmp_path / "plugins" / "broken" / "plugin.toml")
    assert error.lines[0].startswith(f"{source}: hooks: ")
    assert set(host.plugins) == {"broken", "fine"}
    assert host.health("broken").state == "degraded"
    assert host.hooks_of("broken") == []
    assert host.call("broken", "estimate", need=NEED).status == "not_implemented"


def test_constructor_checks_its_options():
    with pytest.raises(ValueError, match="time_budget"):
        PluginHost(time_budget=0)
