"""Moved to durable_backend (the fact encoding is durable_rules'). This alias only keeps
tests/test_facts.py importing `encode_service` until it imports it from there; then delete this module."""

from .durable_backend import encode_service

__all__ = ["encode_service"]
