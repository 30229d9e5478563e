"""The till's upload script (PowerShell for the POS's Windows PC, or sh) and the kit a customer downloads."""
from __future__ import annotations

import io
import zipfile

from pipeline.web.context import environment

FORMATS = ("powershell", "sh")
TOKEN_FILE = "kassasync-upload-token.txt"
SCRIPT_NAMES = {"powershell": "kassasync-upload.ps1", "sh": "kassasync-upload.sh"}


def upload_url(public_url: str, store: str) -> str:
    return f"{public_url.rstrip('/')}/upload/{store}"


def render_script(fmt: str, public_url: str, store: str, store_name: str) -> str:
    """The script for one store: it holds the upload address and reads the token from TOKEN_FILE beside it."""
    template = {"powershell": "till.ps1.j2", "sh": "till.sh.j2"}[fmt]
    text = environment().get_template(template).render(url=upload_url(public_url, store), store=store,
                                                       store_name=store_name, token_file=TOKEN_FILE)
    return text.replace("\n", "\r\n") if fmt == "powershell" else text


def kit(fmt: str, public_url: str, store: str, store_name: str, token: str) -> bytes:
    """A zip with the script and the token file beside it: how a new upload token leaves the server once,
    as a download, never shown on a page."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        script = archive_entry(SCRIPT_NAMES[fmt], 0o755 if fmt == "sh" else 0o644)
        text = render_script(fmt, public_url, store, store_name)
        # Windows PowerShell 5.1 reads a script without a byte order mark in the ANSI code page (Café -> CafÃ©)
        archive.writestr(script, ("\ufeff" + text) if fmt == "powershell" else text)
        archive.writestr(archive_entry(TOKEN_FILE, 0o600), token + "\n")
    return buffer.getvalue()


def archive_entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
