"""A day file read for a store: its vouchers, and whether it belongs to the store (#ORGNR, KS314/KS315/KS317).

Used by `sync` (ingest), `sie map` (preview) and doctor's KS458, so the three never disagree about a file.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.config.model import StoreConfig, norm_org_number
from pipeline.mapping.findings import Finding
from pipeline.sie.model import SieVoucher

# The store id whose store file has this (normalised) org number, if any: says where a stray file belongs.
OrgOwner = Callable[[str], "str | None"]


@dataclass(frozen=True)
class DayFile:
    """What the SIE reader made of a day file; `vouchers` is None when it cannot be used (`why` says why)."""

    vouchers: list[SieVoucher] | None
    why: str = ""
    org_number: str | None = None  # #ORGNR as written
    org_line: int = 0  # the line of #ORGNR (0: none)
    company: str | None = None  # #FNAMN


def read_day_file(content: bytes, name: str) -> DayFile:
    """The file's vouchers and identification, or None and why it cannot be used (the quarantine note)."""
    from pipeline.sie import read_sie

    try:
        document = read_sie(content, name=name, policy="lenient")
    except Exception as exc:  # noqa: BLE001 - any reader failure means "cannot be read": quarantine, say why
        return DayFile(None, f"{name}: the SIE reader failed: {type(exc).__name__}: {exc}")
    if document.rejected:
        reasons = [d.render() for d in document.diagnostics if d.is_error]
        return DayFile(None, "\n".join(reasons) or f"{name}: rejected by the SIE reader")
    org = (document.org_number or "").strip() or None
    return DayFile(list(document.vouchers), "", org, _line_of(content, b"#ORGNR") if org else 0, document.company)


def _line_of(content: bytes, label: bytes) -> int:
    """The line (1-based) that starts with the label (after blanks or a byte order mark), or 0."""
    start = content.find(label)
    while start != -1:
        if not content[:start].rsplit(b"\n", 1)[-1].strip(b" \t\xef\xbb\xbf"):
            return content.count(b"\n", 0, start) + 1
        start = content.find(label, start + 1)
    return 0


def belongs(config: StoreConfig, day: DayFile, *, owner: OrgOwner | None = None,
            inbox_of: Callable[[str], str] | None = None, what: str = "day file") -> Finding | None:
    """Why the file must not be posted for this store (KS314, KS317), a warning (KS315), or None: it is the
    store's own. `owner` and `inbox_of` name the store the file's org number belongs to and that store's inbox
    folder. The finding's line is the #ORGNR line (0 when there is none): with the file, where to look. `what`
    names the file in the messages (an invoice journal is checked the same way)."""
    store = f'{config.name} ({config.org_number}, store {config.store})'
    if day.org_number is None:
        if config.require_orgnr:
            return Finding("KS317", f"the {what} has no #ORGNR line, and store {config.store} requires one "
                           "(pos.require_orgnr: true): it is not posted, so no other company's day can reach "
                           f"{config.name}'s books",
                           "make the till write #ORGNR in its SIE export (Arkiv > Inställningar > Företagsuppgifter: "
                           "organisation number), export the day again and put the file in the store's inbox; or "
                           "set pos.require_orgnr: false in the store file", 0)
        return Finding("KS315", f"the {what} has no #ORGNR line, so kassasync cannot check that it is {store}'s: "
                       "posted as the store's own", "nothing to do if the file is right; to be safe, make the till "
                       "write #ORGNR, or set pos.require_orgnr: true in the store file", 0)
    theirs = norm_org_number(day.org_number)
    if theirs == norm_org_number(config.org_number):
        return None
    company = f'"{day.company}" ' if day.company else ""
    other = owner(theirs) if owner else None
    if other and other != config.store:
        folder = inbox_of(other) if inbox_of else other
        fix = (f"the file is store {other}'s: move it to that store's inbox ({folder}/); if the till of "
               f"{config.store} wrote it, its organisation number is set wrong in the POS")
    else:
        fix = (f"no store file has organisation number {day.org_number}: check which till wrote the file and put it "
               f"in that store's inbox; if it is {config.store}'s own, fix the organisation number in the till "
               f"(or org_number in the store file, if that is the wrong one) and move the file back into "
               f"{config.store}'s inbox")
    return Finding("KS314", f"the {what} belongs to {company}(#ORGNR {day.org_number}), not to {store}: it is never "
                   f"posted to {config.name}'s books", fix, day.org_line)


def org_owners(configs: Mapping[str, StoreConfig] | None, stores_dir: Path | None = None) -> OrgOwner:
    """The OrgOwner of a set of store files: `configs`, or (read only when first asked, as a stray file is rare)
    every valid store file in `stores_dir`."""
    found: dict[str, str] = {}
    loaded: list[bool] = []

    def owner(org_number: str) -> str | None:
        if not loaded:
            loaded.append(True)
            known = configs
            if known is None and stores_dir is not None:
                from pipeline.config import load_stores

                known = load_stores(stores_dir)[0]
            found.update({norm_org_number(c.org_number): c.store for c in (known or {}).values()})
        return found.get(norm_org_number(org_number))

    return owner
