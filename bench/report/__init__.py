"""Reports from run records: tables (`bench report`), figures (`bench plot`).

collect.py reads and groups the records (see its docstring for the selection rule),
stats.py holds the statistics, tables.py/render.py/build.py write the tables,
relations.py measures how class vectors mirror emotion co-occurrence, plots*.py draw.
"""
