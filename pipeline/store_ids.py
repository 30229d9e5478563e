"""Store ids where they become file names (token files, locks, store files): the one check every path uses."""
from __future__ import annotations

import re

from pipeline.errors import UserError

# The store file schema's own rule for `store:` (schemas/store.schema.json): nothing that can leave a folder.
STORE_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
MAX_LENGTH = 60


def checked_store_id(store_id: str) -> str:
    """`store_id` when it is a valid store id; a UserError saying what a store id looks like otherwise."""
    if not isinstance(store_id, str) or len(store_id) > MAX_LENGTH or not STORE_ID.fullmatch(store_id):
        raise UserError(f"`{str(store_id)[:80]}` is not a store id: a store id is lower-case letters, digits and "
                        f"single dashes (at most {MAX_LENGTH} characters), the name of its store file without .yaml",
                        "pass the id as the store file names it, e.g. --store ovningskund-centrum for "
                        "stores/ovningskund-centrum.yaml")
    return store_id
