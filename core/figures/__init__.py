"""The paper's figures from a sweep, a result or a recording (matplotlib, Agg, no pyplot), and an offline index page.

`tocompress report` (tui.cli.report) calls `core.figures.build.write_report`; each figure leaves out what the
results lack and its caption says so.
"""
