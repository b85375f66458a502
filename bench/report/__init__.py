"""Reports from run records: tables (`bench report`), figures (`bench plot`).

collect.py reads the records, cells.py groups them into cells (settings.py: what sets a
variant apart, legacy records, convergence), inputs.py says what each output needs and
stops when it is missing, stats.py holds the statistics, tables.py/render.py/build.py write
the tables, verdicts.py (+ verdict_render.py, verdict_figure.py) the fair, Holm-corrected
verdicts and the verdict map, published.py our numbers beside published ones, relations.py
how class vectors mirror emotion co-occurrence, plots.py/maps.py the other figures.
"""
