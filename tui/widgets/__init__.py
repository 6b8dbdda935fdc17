"""Widgets the dashboard's screens are built from: live panels, the comparison table, formatting."""
