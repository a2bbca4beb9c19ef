"""Scenarios: the one file format, the generator and the replay tool."""
