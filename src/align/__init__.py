"""align: turn a document and its translation into a clean, scored parallel corpus,
and find where the translation is broken.

    >>> import align
    >>> result = align.align_file("corpora/putin_kim_vostochny_2023-09_en-de_deepl.txt")
    >>> result.to_dataframe()
"""

from .aligner import AlignerConfig
from .errors import AlignError
from .export import CorpusFilter
from .flags import FlagConfig
from .model import Alignment, Bead, Document, Flag, Kind, Segment, Side
from .pipeline import Pipeline, align, align_file
from .read import load_document
from .segment import segment

__version__ = "0.1.0"

__all__ = [
    "AlignError",
    "AlignerConfig",
    "Alignment",
    "Bead",
    "CorpusFilter",
    "Document",
    "Flag",
    "FlagConfig",
    "Kind",
    "Pipeline",
    "Segment",
    "Side",
    "align",
    "align_file",
    "load_document",
    "segment",
]
