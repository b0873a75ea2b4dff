"""Business operations. Each changes state inside the caller's transaction and never commits:
the view (or CLI command, or API endpoint) commits once, so one operation is one transaction."""
