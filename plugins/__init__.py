"""Shuzhuan's plug-in contract and the bundled vendor plug-ins.

- :mod:`plugins.manifest` reads and validates ``plugin.toml`` manifests;
- :mod:`plugins.hookspecs` declares what vendor code may add (pluggy hookspecs);
- :mod:`plugins.toolkit` is the only module plug-in code imports;
- :mod:`plugins.discovery` finds plug-ins (manifests only);
- :mod:`plugins.host` calls their hooks in isolation;
- :mod:`plugins.uscc` checks unified social credit codes;
- ``plugins/bundled/<slug>/`` holds the demo catalogue, one folder per plug-in.

This package never imports the portal (``app``).
"""
