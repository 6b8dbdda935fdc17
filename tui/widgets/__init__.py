"""Widgets the dashboard's screens are built from: live panels, plots, the per-op bars, the comparison view."""
