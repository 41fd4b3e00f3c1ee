"""Accounts and contacts, with company resolution while typing (客户查重).

Reuses the partner area's resolver (``pipelines.partner``: normalization, the business registry,
``resolve``) rather than a second set of rules:

- ``exact``: an existing account (extracted or typed in the store) has the same normalized name
  → creating is blocked, the message names the existing account;
- ``registry``: the registry resolves the typed name to a company an existing account already is
  (same unified social credit code) → blocked likewise;
- ``fuzzy``: a close name (rapidfuzz ratio without city and legal suffix at or above the review
  threshold, never across different cities) or a registry suggestion below auto-merge that an
  account already holds → creating needs ``confirm_fuzzy=True``;
- ``none``: new; the registry's legal name and credit code (if any) are offered for the form.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa
from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session

from kernel.company_names.normalize import city_of, normalize, strip_city, suffix_core
from kernel.company_names.registry import LocalRegistry
from kernel.company_names.resolution import ResolutionConfig, resolve
from operational import records, validation
from operational.errors import NotFound, ValidationError
from operational.models import Account, Contact
from operational.reference import Reference
from operational.scope import Viewer, check_row, require_screen

CONFIG = ResolutionConfig()
_REGISTRY_COLUMNS = {"unified_social_credit_code": pl.String, "legal_name": pl.String, "city": pl.String, "short_names": pl.String}


class DuplicateAccount(ValidationError):
    """A duplicate on ``account_name``; ``duplicate`` is the ``check_duplicate`` answer."""

    def __init__(self, errors: dict[str, str], duplicate: dict[str, Any]) -> None:
        super().__init__(errors)
        self.duplicate = duplicate


def _ref(reference: Reference | None) -> Reference:
    return reference if reference is not None else Reference.load()


def _core_key(normalized: str | None) -> str | None:
    """Name without city and with the legal suffix unified: equal cores are suffix variants."""
    return suffix_core(strip_city(normalized)) if normalized else normalized


def _registry(reference: Reference) -> LocalRegistry:
    """The registry of the snapshot, built once per reference object."""
    cached = reference.__dict__.get("_ops_registry")
    if cached is None:
        table = reference.frame("registry")
        if not table.height or "legal_name" not in table.columns:
            table = pl.DataFrame(schema=_REGISTRY_COLUMNS)
        cached = LocalRegistry(table.select([c for c in _REGISTRY_COLUMNS if c in table.columns]))
        reference.__dict__["_ops_registry"] = cached
    return cached


def _extracted_accounts(reference: Reference) -> pl.DataFrame:
    """Extracted accounts with normalized and fuzzy keys and their company (credit code), cached."""
    cached = reference.__dict__.get("_ops_accounts")
    if cached is None:
        acc = reference.frame("accounts")
        if not acc.height:
            cached = _frame([])
        else:
            acc = acc.select(
                pl.col("account_id"), "account_name", "owner_id", "partner_id", "unified_social_credit_code",
                pl.lit("crm").alias("origin"),
            )
            res = reference.frame("company_resolution")
            if res.height and {"typed_name", "company_key"} <= set(res.columns):
                acc = acc.join(
                    res.select(pl.col("typed_name").alias("account_name"), "company_key").unique("account_name"),
                    on="account_name", how="left",
                )
            else:
                acc = acc.with_columns(pl.lit(None, pl.String).alias("company_key"))
            cached = _with_keys(acc)
        reference.__dict__["_ops_accounts"] = cached
    return cached


def _frame(rows: list[dict]) -> pl.DataFrame:
    schema = {
        "account_id": pl.Int64, "account_name": pl.String, "owner_id": pl.Int64, "partner_id": pl.Int64,
        "unified_social_credit_code": pl.String, "origin": pl.String, "company_key": pl.String,
    }
    return _with_keys(pl.DataFrame(rows, schema=schema))


def _with_keys(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        pl.col("account_name").map_elements(normalize, return_dtype=pl.String).alias("normalized_name")
    ).with_columns(
        pl.col("normalized_name").map_elements(strip_city, return_dtype=pl.String).alias("fuzzy_key"),
        pl.col("normalized_name").map_elements(_core_key, return_dtype=pl.String).alias("core_key"),
        pl.col("normalized_name").map_elements(city_of, return_dtype=pl.String).alias("city_key"),
    )


def existing_accounts(session: Session, reference: Reference | None = None) -> pl.DataFrame:
    """Every account a new one could duplicate: the extracts' and the store's (not deleted)."""
    ref = _ref(reference)
    store = session.execute(
        sa.select(
            Account.id.label("account_id"), Account.account_name, Account.owner_id, Account.partner_id,
            Account.unified_social_credit_code, Account.company_key,
        ).where(Account.deleted_at.is_(None))
    ).mappings().all()
    own = _frame([{**r, "origin": "ops"} for r in store])
    return pl.concat([_extracted_accounts(ref), own], how="diagonal_relaxed")


def _resolve_one(name: str, reference: Reference) -> dict[str, Any]:
    out = resolve(pl.DataFrame({"typed_name": [name]}), _registry(reference), CONFIG)
    return out.to_dicts()[0] if out.height else {}


def check_duplicate(session: Session, name: str, *, reference: Reference | None = None) -> dict[str, Any]:
    """How ``name`` relates to existing accounts: kind ``exact|registry|fuzzy|none`` (module doc)."""
    ref = _ref(reference)
    norm = normalize(name)
    answer: dict[str, Any] = {
        "kind": "none", "account_id": None, "account_name": None, "owner_id": None, "score": None,
        "method": None, "normalized_name": norm, "company_key": None, "company_name": None,
        "unified_social_credit_code": None,
    }
    if not norm:
        return answer
    accounts = existing_accounts(session, ref)

    def hit(kind: str, row: dict, score: float, method: str) -> dict[str, Any]:
        return answer | {"kind": kind, "account_id": row["account_id"], "account_name": row["account_name"],
                         "owner_id": row["owner_id"], "score": score, "method": method}

    same = accounts.filter(pl.col("normalized_name") == norm).sort("account_id")
    if same.height:
        return hit("exact", same.row(0, named=True), 100.0, "exact")

    resolved = _resolve_one(name, ref)
    code = resolved.get("unified_social_credit_code") if resolved.get("status") == "resolved" else None
    if code:
        answer |= {"company_key": resolved["company_key"], "company_name": resolved["company_name"],
                   "unified_social_credit_code": code}
        twin = accounts.filter(
            (pl.col("unified_social_credit_code") == code) | (pl.col("company_key") == code)
        ).sort("account_id")
        if twin.height:
            return hit("registry", twin.row(0, named=True), float(resolved["score"]), resolved["method"])
    elif resolved.get("status") == "review" and resolved.get("suggested_company_key"):
        suggested = resolved["suggested_company_key"]
        answer |= {"company_name": resolved.get("suggested_company_name")}
        twin = accounts.filter(
            (pl.col("unified_social_credit_code") == suggested) | (pl.col("company_key") == suggested)
        ).sort("account_id")
        if twin.height:
            return hit("fuzzy", twin.row(0, named=True), float(resolved["score"] or 0), "registry")
    if resolved.get("status") in ("new", "resolved") and not code:
        answer["company_key"] = resolved.get("company_key")

    # fuzzy: a suffix variant (有限公司 ≡ 有限责任公司), else rapidfuzz ratio without the city,
    # as the partner resolver scores; a different city never matches
    city = city_of(norm)
    same_city = accounts if city is None else accounts.filter(
        pl.col("city_key").is_null() | (pl.col("city_key") == city)
    )
    variant = same_city.filter(pl.col("core_key") == _core_key(norm)).sort("account_id")
    if variant.height:
        return hit("fuzzy", variant.row(0, named=True), 98.0, "fuzzy")
    choices = same_city["fuzzy_key"].to_list()
    best = process.extractOne(strip_city(norm), choices, scorer=fuzz.ratio, score_cutoff=CONFIG.review)
    if best is not None:
        return hit("fuzzy", same_city.row(best[2], named=True), round(float(best[1]), 1), "fuzzy")
    return answer


def name_suggestions(session: Session, prefix: str, *, reference: Reference | None = None,
                     limit: int = 10) -> list[dict[str, Any]]:
    """Registered names, then existing accounts, whose normalized name contains what was typed."""
    norm = normalize(prefix)
    if not norm:
        return []
    ref = _ref(reference)
    out: list[dict[str, Any]] = []
    entries = _registry(ref).entries()
    table = ref.frame("registry")
    if entries.height:
        reg = entries.join(
            table.select("unified_social_credit_code", "short_names"), on="unified_social_credit_code", how="left"
        ) if "short_names" in table.columns else entries.with_columns(pl.lit(None, pl.String).alias("short_names"))
        found = reg.filter(
            pl.col("_norm").str.contains(norm, literal=True)
            | pl.col("short_names").fill_null("").map_elements(normalize, return_dtype=pl.String).str.contains(norm, literal=True)
        ).sort(pl.col("_norm").str.starts_with(norm), "legal_name", descending=[True, False]).head(limit)
        out += [
            {"name": r["legal_name"], "source": "registry", "account_id": None,
             "unified_social_credit_code": r["unified_social_credit_code"]}
            for r in found.iter_rows(named=True)
        ]
    accounts = existing_accounts(session, ref).filter(pl.col("normalized_name").str.contains(norm, literal=True))
    accounts = accounts.sort(pl.col("normalized_name").str.starts_with(norm), "account_name", descending=[True, False])
    out += [
        {"name": r["account_name"], "source": "account", "account_id": r["account_id"],
         "unified_social_credit_code": r["unified_social_credit_code"]}
        for r in accounts.head(limit).iter_rows(named=True)
    ]
    return out[:limit]


def _duplicate_message(dup: dict[str, Any]) -> str:
    return (
        f"客户已存在：{dup['account_name']}（ID {dup['account_id']}） "
        f"Account already exists: {dup['account_name']} (id {dup['account_id']})"
    )


def create_account(session: Session, viewer: Viewer, values: dict[str, Any], *, confirm_fuzzy: bool = False,
                   reference: Reference | None = None) -> Account:
    """A new account unless it duplicates one (exact/registry: blocked; fuzzy: needs confirmation)."""
    require_screen(viewer, "accounts")
    values = dict(values)
    name = (values.get("account_name") or "").strip()
    values["account_name"] = name
    values.setdefault("owner_id", viewer.crm_user_id)
    if viewer.role == "partner_user":
        values["partner_id"] = viewer.partner_id
    name_error = validation.field_error(Account.__table__.c.account_name, name)[1]
    if name_error:  # before the fuzzy duplicate search, which a 349,529-character name would stall
        raise ValidationError({"account_name": name_error})
    dup = check_duplicate(session, name, reference=reference) if name else {"kind": "none"}
    if dup["kind"] in ("exact", "registry"):
        raise DuplicateAccount({"account_name": _duplicate_message(dup)}, dup)
    if dup["kind"] == "fuzzy" and not confirm_fuzzy:
        raise DuplicateAccount(
            {"account_name": (
                f"可能与已有客户重复：{dup['account_name']}（ID {dup['account_id']}，相似度 {dup['score']}），"
                f"确认不是同一家再保存 Possibly the same company as {dup['account_name']} "
                f"(id {dup['account_id']}, score {dup['score']}): confirm to create anyway"
            )},
            dup,
        )
    if dup.get("kind") != "none" or name:
        values.setdefault("normalized_name", dup.get("normalized_name"))
        values.setdefault("company_key", dup.get("company_key"))
        if dup.get("unified_social_credit_code") and not values.get("unified_social_credit_code"):
            values["unified_social_credit_code"] = dup["unified_social_credit_code"]
    comment = f"confirmed despite fuzzy match with account {dup['account_id']}" if dup.get("kind") == "fuzzy" else None
    return records.insert(session, viewer, Account, values, comment=comment, reference=reference)


def account_row(session: Session, viewer: Viewer, account_id: int, *,
                reference: Reference | None = None) -> dict[str, Any]:
    """An account (store or extracted) the viewer may see, as a dict; raises otherwise."""
    obj = session.get(Account, account_id)
    if obj is not None and obj.deleted_at is None:
        row = records.row_dict(obj)
    else:
        acc = _ref(reference).frame("accounts")
        rows = acc.filter(pl.col("account_id") == account_id).to_dicts() if acc.height else []
        if not rows:
            raise NotFound(f"account {account_id} does not exist")
        row = {**rows[0], "id": account_id}
    check_row(viewer, row, Account, reference)
    return row


def create_contact(session: Session, viewer: Viewer, values: dict[str, Any], *,
                   reference: Reference | None = None) -> Contact:
    """A contact on an account the viewer may see (store or extracted account)."""
    require_screen(viewer, "contacts")
    values = dict(values)
    if values.get("account_id") in (None, ""):
        raise ValidationError({"account_id": "请选择客户 Choose an account"})
    try:
        account = account_row(session, viewer, int(values["account_id"]), reference=reference)
    except NotFound:
        raise ValidationError({"account_id": f"客户 {values['account_id']} 不存在 No account {values['account_id']}"}) from None
    values.setdefault("owner_id", viewer.crm_user_id if viewer.crm_user_id is not None else account.get("owner_id"))
    values.setdefault("partner_id", account.get("partner_id"))
    return records.insert(session, viewer, Contact, values, reference=reference)


def list_accounts(session: Session, viewer: Viewer, *, reference: Reference | None = None,
                  limit: int = 1000) -> list[Account]:
    """Store accounts the viewer sees, newest first."""
    from operational.scope import filter_query

    require_screen(viewer, "accounts")
    stmt = filter_query(sa.select(Account), viewer, Account, reference)
    return list(session.scalars(stmt.order_by(Account.updated_at.desc(), Account.id).limit(limit)))
