"""Calling plug-ins' hooks without letting them break the portal.

:class:`PluginHost` imports the ``hooks`` modules of the plug-ins it is given
(operator-installed code only: uploads never reach it), registers each with
pluggy under its slug, and calls one plug-in's hook at a time in a thread with
a time budget. A hook that raises, returns the wrong type or overruns is
skipped, logged with the plug-in's slug and counted; after ``degrade_after``
failures in a row the plug-in is ``degraded`` and its hooks are no longer
called until an admin resets it. With a :class:`HealthStore` the failures in a
row are counted there, by every process that calls the plug-in (several web
workers), not by each host on its own.
"""

from __future__ import annotations

import copy
import importlib
import importlib.metadata
import importlib.util
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, Literal, Protocol

import pluggy

from plugins import hookspecs
from plugins.discovery import Discovery, FoundPlugin, LoadError
from plugins.toolkit import Eligibility, Estimate, Need, RfqInfo

logger = logging.getLogger(__name__)

HealthState = Literal["ok", "degraded"]

# What each hook may return; anything else counts as a failure of the plug-in.
HOOK_RESULT_TYPES: dict[str, tuple[type, ...]] = {
    "estimate": (Estimate, type(None)),
    "check_eligibility": (Eligibility, type(None)),
    "rfq_received": (type(None),),
}


@dataclass(slots=True)
class PluginHealth:
    """How a plug-in's hooks have behaved in this process; the portal shows and persists it."""

    slug: str
    state: HealthState = "ok"
    calls: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    last_error: str | None = None
    last_failure_at: datetime | None = None


class HealthStore(Protocol):
    """Failure counts shared by every process that calls the plug-ins."""

    def failed(self, slug: str, error: str) -> int:
        """Count one failure of ``slug``; return its failures in a row, all processes' together."""

    def succeeded(self, slug: str) -> None:
        """``slug``'s hook worked: its failures in a row start again from 0."""


@dataclass(frozen=True, slots=True)
class HookCall:
    """The outcome of calling one plug-in's hook.

    ``status`` is ``ok`` (``value`` is the checked result), ``not_implemented``
    (the plug-in has no such hook), ``skipped`` (degraded, or no thread free:
    not the plug-in's fault this time, not counted) or ``failed`` (raised,
    overran or returned the wrong type: counted).
    """

    slug: str
    hook: str
    status: Literal["ok", "not_implemented", "skipped", "failed"]
    value: Any = None
    error: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class PluginHost:
    """Loaded plug-ins with their hooks, called one at a time under a time budget.

    Each call runs in its own daemon thread rather than a pooled one: Python
    cannot stop a thread, so a hung hook would hold a pool worker forever and
    starve healthy plug-ins queued behind it. Threads are bounded instead: at
    most ``max_threads`` hook threads alive at once, and a plug-in whose
    earlier call is still running past its budget gets no new thread.
    """

    def __init__(
        self,
        plugins: Iterable[FoundPlugin] = (),
        *,
        time_budget: float = 0.2,
        degrade_after: int = 3,
        max_threads: int = 8,
        on_health_change: Callable[[PluginHealth], None] | None = None,
        health_store: HealthStore | None = None,
    ):
        if time_budget <= 0 or degrade_after < 1 or max_threads < 1:
            raise ValueError("time_budget must be > 0, degrade_after and max_threads >= 1")
        self.time_budget = time_budget
        self.degrade_after = degrade_after
        self.max_threads = max_threads
        self.on_health_change = on_health_change
        self.health_store = health_store
        self.errors: list[LoadError] = []  # hooks modules that could not be loaded
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._plugins: dict[str, FoundPlugin] = {}
        self._health: dict[str, PluginHealth] = {}
        self._lock = threading.Lock()
        self._live_threads = 0
        self._overdue: dict[str, int] = {}
        for plugin in plugins:
            self.add(plugin)

    @classmethod
    def from_discovery(cls, discovery: Discovery, **options: Any) -> PluginHost:
        """A host for every plug-in ``discovery`` found (``options`` as for the constructor)."""
        return cls(discovery.plugins, **options)

    # -- loading ---------------------------------------------------------------------------

    def add(self, plugin: FoundPlugin) -> None:
        """Take ``plugin`` in and, if its manifest names a hooks module, import and register it.

        A hooks module that fails to import or register is recorded in
        :attr:`errors` and marks the plug-in degraded; its listing is unaffected.
        """
        slug = plugin.slug
        if slug in self._plugins:
            raise ValueError(f"plug-in {slug!r} is already loaded")
        self._plugins[slug] = plugin
        self._health[slug] = PluginHealth(slug)
        if plugin.manifest.hooks is None:
            return
        try:
            module = self._import_hooks(plugin)
            self._pm.register(module, name=slug)
        except Exception as exc:
            self._load_failed(plugin, f"cannot load hooks module: {type(exc).__name__}: {exc}")
            return
        unknown = [c.name for c in self._pm.get_hookcallers(module) or [] if c.spec is None]
        if unknown:
            self._pm.unregister(name=slug)
            known = ", ".join(HOOK_RESULT_TYPES)
            self._load_failed(
                plugin, f"{', '.join(unknown)}: marked @hookimpl but not a Shuzhuan hook ({known})"
            )
        elif not self._pm.get_hookcallers(module):
            self._pm.unregister(name=slug)
            self._load_failed(plugin, "defines no @hookimpl function")

    def _import_hooks(self, plugin: FoundPlugin) -> ModuleType:
        hooks = plugin.manifest.hooks
        if plugin.package:  # an installed package: a normal import keeps relative imports working
            return importlib.import_module(f"{plugin.package}.{hooks}")
        folder = plugin.manifest.directory
        assert folder is not None and hooks is not None  # manifests from disk, hooks checked
        path = folder / f"{hooks}.py"
        if not path.is_file():
            path = folder / hooks / "__init__.py"
        safe_slug = re.sub(r"\W", "_", plugin.slug)
        name = f"_shuzhuan_plugin_{safe_slug}_{hooks}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look modules up by name
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module

    def _load_failed(self, plugin: FoundPlugin, message: str) -> None:
        error = LoadError.single(
            plugin.manifest.source, plugin.origin, "hooks", message, plugin.slug
        )
        self.errors.append(error)
        logger.error("plug-in %s: %s", plugin.slug, message)
        health = self._health[plugin.slug]
        health.state = "degraded"
        health.last_error = message
        health.last_failure_at = datetime.now(UTC)
        self._notify(health)

    # -- what is loaded ----------------------------------------------------------------------

    @property
    def plugins(self) -> dict[str, FoundPlugin]:
        """Loaded plug-ins by slug, in load order."""
        return dict(self._plugins)

    def hooks_of(self, slug: str) -> list[str]:
        """Names of the hooks that plug-in ``slug`` implements (empty when it has no code)."""
        plugin = self._pm.get_plugin(slug)
        if plugin is None:
            return []
        return sorted(c.name for c in self._pm.get_hookcallers(plugin) or [])

    def has_hook(self, slug: str, hook: str) -> bool:
        return hook in self.hooks_of(slug)

    # -- calling ------------------------------------------------------------------------------

    def estimate(self, slug: str, need: Need) -> Estimate | None:
        """Plug-in ``slug``'s instant estimate for ``need``; None when it has none or failed."""
        return self.call(slug, "estimate", need=need).value

    def check_eligibility(self, slug: str, need: Need) -> Eligibility | None:
        """Plug-in ``slug``'s eligibility verdict for ``need``; None when unknown or failed."""
        return self.call(slug, "check_eligibility", need=need).value

    def rfq_received(self, slug: str, rfq: RfqInfo) -> bool:
        """Tell plug-in ``slug`` about a request for quote; True if its hook ran cleanly."""
        return self.call(slug, "rfq_received", rfq=rfq).ok

    def call(self, slug: str, hook: str, **kwargs: Any) -> HookCall:
        """Call plug-in ``slug``'s ``hook`` with ``kwargs`` (its ``offering`` is added).

        Never raises for the plug-in's faults; raises ``ValueError`` for a hook
        name that is not in :mod:`plugins.hookspecs` (a bug of the caller).
        """
        if hook not in HOOK_RESULT_TYPES:
            raise ValueError(f"unknown hook {hook!r}; hooks are {', '.join(HOOK_RESULT_TYPES)}")
        plugin = self._plugins.get(slug)
        impl = self._impl(slug, hook) if plugin else None
        if plugin is None or impl is None:
            return HookCall(slug, hook, "not_implemented")
        health = self._health[slug]
        if health.state == "degraded":
            return HookCall(slug, hook, "skipped", error="plug-in is degraded")
        # Copies: a hook must not be able to change the page's need or the catalogue's offering.
        kwargs = copy.deepcopy({**kwargs, "offering": plugin.manifest.offering})
        args = [kwargs[name] for name in impl.argnames]

        with self._lock:
            if self._overdue.get(slug):
                overdue = True
            elif self._live_threads >= self.max_threads:
                logger.warning("plug-in %s: hook %s skipped: no thread free", slug, hook)
                return HookCall(slug, hook, "skipped", error="no thread free for plug-in hooks")
            else:
                overdue = False
                self._live_threads += 1
        if overdue:
            return self._failed(slug, hook, "an earlier call is still running past its budget", 0)

        box: dict[str, Any] = {"finished": False, "overdue": False}
        done = threading.Event()

        def run() -> None:
            try:
                box["value"] = impl.function(*args)
            except BaseException as exc:  # SystemExit too: a plug-in must not stop the portal
                box["error"] = exc
            finally:
                with self._lock:
                    self._live_threads -= 1
                    box["finished"] = True
                    if box["overdue"]:
                        self._overdue[slug] -= 1
                done.set()

        start = time.perf_counter()
        threading.Thread(target=run, name=f"plugin:{slug}:{hook}", daemon=True).start()
        done.wait(self.time_budget)
        elapsed = time.perf_counter() - start
        with self._lock:
            if not box["finished"]:
                box["overdue"] = True
                self._overdue[slug] = self._overdue.get(slug, 0) + 1
        if box["overdue"]:
            message = f"ran past its time budget of {self.time_budget * 1000:.0f} ms"
            return self._failed(slug, hook, message, elapsed)
        if "error" in box:
            exc = box["error"]
            return self._failed(slug, hook, f"raised {type(exc).__name__}: {exc}", elapsed, exc)
        value = box.get("value")
        expected = HOOK_RESULT_TYPES[hook]
        if not isinstance(value, expected):
            names = " or ".join("None" if t is type(None) else t.__name__ for t in expected)
            message = f"returned {type(value).__name__}, expected {names}"
            return self._failed(slug, hook, message, elapsed)
        self._succeeded(slug)
        return HookCall(slug, hook, "ok", value, elapsed=elapsed)

    def _impl(self, slug: str, hook: str) -> pluggy.HookImpl | None:
        caller = getattr(self._pm.hook, hook)
        return next((i for i in caller.get_hookimpls() if i.plugin_name == slug), None)

    def _succeeded(self, slug: str) -> None:
        with self._lock:
            health = self._health[slug]
            health.calls += 1
            health.consecutive_failures = 0
        if self.health_store is not None:
            try:
                self.health_store.succeeded(slug)
            except Exception:  # the store is down: this process's own count goes on
                logger.exception("plug-in %s: health store unavailable", slug)

    def _failed(
        self,
        slug: str,
        hook: str,
        message: str,
        elapsed: float,
        exc: BaseException | None = None,
    ) -> HookCall:
        logger.warning("plug-in %s: hook %s skipped: %s", slug, hook, message, exc_info=exc)
        with self._lock:
            health = self._health[slug]
            health.calls += 1
            health.failures += 1
            health.consecutive_failures += 1
            health.last_error = f"{hook}: {message}"
            health.last_failure_at = datetime.now(UTC)
            in_row = health.consecutive_failures
        if self.health_store is not None:
            try:
                in_row = self.health_store.failed(slug, health.last_error)
            except Exception:  # the store is down: this process's own count decides
                logger.exception("plug-in %s: health store unavailable", slug)
        with self._lock:
            degrade = health.state == "ok" and in_row >= self.degrade_after
            if degrade:
                health.state = "degraded"
                health.consecutive_failures = in_row
        if degrade:
            logger.error(
                "plug-in %s degraded after %d failures in a row; its hooks are no longer called",
                slug,
                health.consecutive_failures,
            )
            self._notify(health)
        return HookCall(slug, hook, "failed", error=message, elapsed=elapsed)

    # -- health ---------------------------------------------------------------------------------

    def health(self, slug: str) -> PluginHealth:
        """A copy of plug-in ``slug``'s health; ``KeyError`` if it is not loaded."""
        with self._lock:
            return replace(self._health[slug])

    def health_report(self) -> list[PluginHealth]:
        """Copies of every loaded plug-in's health, degraded ones first."""
        with self._lock:
            report = [replace(h) for h in self._health.values()]
        return sorted(report, key=lambda h: (h.state != "degraded", h.slug))

    def reset(self, slug: str) -> None:
        """Mark plug-in ``slug`` ok again (an admin fixed it); its failure total is kept."""
        with self._lock:
            health = self._health[slug]
            health.state = "ok"
            health.consecutive_failures = 0
        self._notify(health)

    def restore(self, health: PluginHealth) -> None:
        """Take over a health record the portal persisted (e.g. at start-up)."""
        if health.slug not in self._health:
            raise KeyError(health.slug)
        with self._lock:
            self._health[health.slug] = replace(health)

    def _notify(self, health: PluginHealth) -> None:
        if self.on_health_change is None:
            return
        try:
            self.on_health_change(replace(health))
        except Exception:  # the portal's listener must not turn a plug-in fault into a 500
            logger.exception("plug-in %s: health listener failed", health.slug)
