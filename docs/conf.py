"""Sphinx configuration of the smstatus documentation.

Build (warnings are errors)::

    python -m sphinx -W --keep-going -b html docs build/docs

The pages are Markdown (MyST). The edge table, the statuses, the frame schemas, the example
messages of the validation codes, the CLI reference and the API reference are generated from the
code at build time by ``docs/_ext/smstatus_docs.py`` and sphinx-argparse, so they cannot drift.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

import smstatus

project = "smstatus"
author = "the smstatus authors"
copyright = "the smstatus authors"
version = release = smstatus.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinxarg.ext",
    "smstatus_docs",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# API reference: the public names are documented as ``smstatus.NAME`` (see api.md).
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # the signature shows them; numpydoc sections say the rest
autodoc_preserve_defaults = True
numpydoc_show_class_members = False  # members come from autodoc's :members:, no stub pages
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False


html_theme = "pydata_sphinx_theme"
html_title = f"smstatus {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "header_links_before_dropdown": 4,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"**": []}  # the top bar lists every page
html_show_sourcelink = False
html_static_path = ["_static"]
html_css_files = ["smstatus.css"]

# "--fail-on" stays two hyphens (the CLI reference is full of options)
smartquotes = False
