"""Training runs: the settings table, the run directory, its callbacks (checkpoint, history,
curves) and resume. (Named ``training`` so that ``kerazoo.train`` stays the function.)"""
