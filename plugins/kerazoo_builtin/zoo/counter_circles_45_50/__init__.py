"""A zoo entry: model.keras, run.json and history.csv of one run, and card.json (its
recipe, hash, metric over seeds, limits and reference outputs). Made by
kerazoo.make_zoo_entry; load it as zoo:NAME."""
