"""One self-describing model file: the metadata (``kerazoo.json``), ``.keras``/``.h5`` files,
SavedModel exports, and the checks that keep hostile files from running code."""
