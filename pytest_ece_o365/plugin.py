"""pytest wiring (work in progress)."""
