"""A report per run: ``report.html`` in the run folder, one self-contained page.

It shows the run's settings, curves, test metrics (with the per-class table), the
evaluation's pictures (confusion matrix, top losses, sample predictions), the learning-rate
finder and every picture the looking-inside views wrote there, all read from the files of
the run folder alone: the report needs neither the model nor TensorFlow.

Example:
    >>> import kerazoo
    >>> kerazoo.write_report("runs/shapes-lenet")                         # doctest: +SKIP
    PosixPath('runs/shapes-lenet/report.html')
"""
