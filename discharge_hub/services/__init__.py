"""Use cases. Each takes a Session (one unit of work per user action, opened by the
caller) and returns plain frozen dataclasses."""
