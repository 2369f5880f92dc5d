"""Facilitate the dialogue: the guided interview, the workshop pack, recorded decisions and risk acceptance.

Built on the assessment pipeline; nothing here evaluates a rule condition (durable_rules does).
"""
