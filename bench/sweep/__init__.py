"""Fair Optuna searches: same shared space and trial budget for every objective.

space.py (what is searched), study.py (storage, names, the budget-exact step), trial.py
(one trial = one `bench.runner.run`), campaign.py (plan, search, final seeds), show.py.
"""
