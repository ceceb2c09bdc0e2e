"""Trained reference models (zoo:NAME), one package per entry, registered in the
entry-point group kerazoo.zoo; made by tools/make_zoo.py."""
