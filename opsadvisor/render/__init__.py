"""Renderers of a single assessment and of a diff, one module per format (see opsadvisor.formats)."""
