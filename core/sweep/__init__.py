"""Sweeps: a grid of settings per model measured point by point into a JSON-lines file, its Pareto front, a
recommendation under constraints, and a bisection search that measures fewer points than the grid."""
