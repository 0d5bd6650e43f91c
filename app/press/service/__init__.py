"""The press room's documents: the letter as PDF, text and Markdown, the registry as a PDF annex
and as CSV, the press kit ZIP and the share images.

Documents belong to an *edition*: a key made of the statement version, the signature count
rounded down to the hundred, and the number of published groups with the time of the latest
change among them. Each document is rendered once per edition, kept on disk under
DOCUMENTS_DIR/press/<edition>/, and served from there. A download never waits for a render that
another request (thread or process) is doing: a lock file per document says who renders it, and
while it is held the previous edition's file is served; only when there is none at all do we wait.

- `catalogue` — the documents, their addresses, the edition;
- `store` — the files on disk, rendering each once; `render_missing`, which the mail sender runs;
- `renderers` — PDFs, text, Markdown, CSV, ZIP; `pictures` — the share cards and the logo.
"""
from app.press.service.catalogue import (  # noqa: F401 - the press room's interface
    DOCS, KEEP_EDITIONS, LISTED, ROUND_TO, SHARE_SIZE, SLUGS, TEMPLATES, Doc, Edition, clear_cache,
    current_edition, state, url_of)
from app.press.service.renderers import (  # noqa: F401
    RENDERERS, NotReady, crew_label, groups_from_letter, markdown_to_text, published_groups, registry_csv, site_url,
    status_label)
from app.press.service.store import (  # noqa: F401
    Busy, Stored, file_sha256, human_size, on_disk, render_all, render_missing, rendered, root_dir,
    stored_file)
