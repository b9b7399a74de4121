"""The artefact detectors behind ``align.flags.detect``, one module per family of flags.

Every detector takes a :class:`~align.detectors.context.Context` (the document, its
beads and the flag settings) and returns a list of :class:`~align.model.Flag`.
"""
