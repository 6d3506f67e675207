"""Tutorial content (the NN-slug.ipynb notebooks) and the tooling that proves it works:
``schema`` (the format's checks), ``runner`` (nbclient runs with the exercise checks),
``authoring`` (a builder for writing notebooks in Python) and ``tools`` (the CLI).
See tutorials/README.md."""
