"""Small pure parts of the web app: passwords, PKCE, the sparkline, who fixes a checklist step, path hiding."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from web_helpers import TODAY

from pipeline.plan import doctor
from pipeline.plan.doctor import Step
from pipeline.plan.model import Change, ChangeKind, Finding, StorePlan
from pipeline.settings import Settings
from pipeline.web.checklist import DONE, TODO, WAITING, customer_steps, without_paths
from pipeline.web.onboarding import code_challenge, code_verifier
from pipeline.web.passwords import hash_password, verify_password
from pipeline.web.sparkline import bars, svg


def test_password_hashes_verify_only_their_password() -> None:
    stored = hash_password("a long reseller passphrase")
    assert stored.startswith("scrypt$") and stored != hash_password("a long reseller passphrase")
    assert verify_password("a long reseller passphrase", stored)
    assert not verify_password("a long reseller passphrasE", stored)
    for broken in ("", "scrypt$1$2", "bcrypt$16384$8$1$AA$AA", stored.replace("scrypt$16384", "scrypt$x")):
        assert not verify_password("a long reseller passphrase", broken)


def test_pkce_challenge_is_rfc_7636_s256() -> None:
    # RFC 7636, appendix B
    assert code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    verifier = code_verifier(b"k" * 32, "nonce")
    assert 43 <= len(verifier) <= 128 and verifier == code_verifier(b"k" * 32, "nonce")
    assert verifier != code_verifier(b"k" * 32, "other nonce")


def test_sparkline_shows_gaps_and_scales_to_the_best_day() -> None:
    days = [TODAY - timedelta(days=n) for n in range(3, 0, -1)]
    sales = {days[0]: Decimal("1000"), days[2]: Decimal("10")}
    drawn = bars(days, sales, width=30, height=48)
    assert [b.amount for b in drawn] == [Decimal("1000"), None, Decimal("10")]
    assert drawn[0].height == 46 and drawn[1].height == 0 and 0 < drawn[2].height < 2
    picture = svg(days, sales)
    assert picture.count('class="bar"') == 2 and picture.count('class="gap"') == 1
    assert f"{days[1]}: no sales" in picture


def _plan(*changes: Change, blockers: tuple[Finding, ...] = ()) -> StorePlan:
    return StorePlan("cafe-001", "Café 1 AB", None, changes=changes, blockers=blockers)


def test_apply_fixable_steps_are_the_resellers() -> None:
    steps = [Step(doctor.KS450_ACCESS, "access", True), Step(doctor.KS453_SERIES, "series", False, "not manual"),
             Step(doctor.KS456_LOCKED, "locked", False, "locked"), Step(doctor.KS458_DAY_FILE, "day file", None)]
    manual = Change(ChangeKind.ALLOW_MANUAL_BOOKKEEPING, "F", "Kassa", "not manual")
    shown = customer_steps(steps, _plan(manual), "sv", Settings.from_env(env={}))
    assert [s.state for s in shown] == [DONE, TODO, TODO, WAITING]
    assert [s.reseller_fixes for s in shown] == [False, True, False, False]
    assert [s.customer_todo for s in shown] == [False, False, True, False]
    assert shown[1].menu == "Inställningar → Bokföring → Verifikationsserier → Manuell kontering"
    assert shown[0].title.startswith("Integrationen") and shown[0].menu == "Marknadsplats → Integration"
    english = customer_steps(steps, _plan(manual), "en", Settings.from_env(env={}))
    assert english[3].title == "The till has sent a day file that reads cleanly"
    # without the change in the plan, a failed series step is no longer something apply does
    assert not customer_steps(steps, _plan(), "sv", Settings.from_env(env={}))[1].reseller_fixes


def test_the_customer_sees_no_server_folders(tmp_path: Path) -> None:
    settings = Settings.from_env(stores_dir=tmp_path / "stores", inbox_dir=tmp_path / "inbox", env={})
    text = f"set start_date in {tmp_path}/stores/cafe-001.yaml; no day file in {tmp_path}/inbox/cafe-001 yet"
    assert without_paths(text, settings) == "set start_date in stores/cafe-001.yaml; no day file in inbox/cafe-001 yet"
    assert date(2026, 1, 1).isoformat() in without_paths("from 2026-01-01", settings)
