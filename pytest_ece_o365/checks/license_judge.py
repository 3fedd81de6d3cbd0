"""Judging a mailbox's licences as Microsoft Graph showed them (license.exchange): a pure function over
the licence observation, tested from recorded payloads.

The rule is the TAC checklist's: "at least one E3 licence", read as Exchange Online (Plan 2) active (any
SKU that carries it, the GCC form included). Every other Exchange mailbox plan gets its own finding naming
the plan; a shared mailbox's is advisory.
"""

from __future__ import annotations

from pytest_ece_o365.config.deployment import Mailbox
from pytest_ece_o365.diagnosis.graph import graph_finding, reader_skip_reason
from pytest_ece_o365.knowledge import E3_OR_BETTER_SKUS, SKU_NAMES, ExchangePlan, PlanKind, exchange_plan
from pytest_ece_o365.probes.graph_model import READER_ERRORS, LicenseObservation, ServicePlanView, SkuView
from pytest_ece_o365.verdict import Verdict, cannot_tell, passed

CHECK_ID = "license.exchange"

#: The finding of a mailbox whose best active Exchange plan is below Plan 2, best first: a user holding
#: several gets the finding of the one nearest Plan 2 (the others are in the evidence).
_LOWER_PLANS: tuple[tuple[PlanKind, str], ...] = (
    ("plan1", "exchange-plan1-only"),
    ("essentials", "exchange-essentials-only"),
    ("kiosk", "exchange-kiosk-only"),
    ("lite", "exchange-lite-only"),
)

_Held = tuple[SkuView, ServicePlanView, ExchangePlan]


def _sku_label(sku: SkuView) -> str:
    if not sku.part_number:
        return "an assigned licence"
    name = SKU_NAMES.get(sku.part_number)
    return f"{name} ({sku.part_number})" if name else sku.part_number


def _plan_label(plan: ExchangePlan) -> str:
    return f"{plan.label} ({plan.name})"


def _exchange_plans(observation: LicenseObservation) -> list[_Held]:
    """Every Exchange mailbox plan in the user's licences, matched by servicePlanId first."""
    held = []
    for sku in observation.skus:
        for view in sku.plans:
            plan = exchange_plan(view.name, view.plan_id)
            if plan is not None:
                held.append((sku, view, plan))
    return held


def _evidence(observation: LicenseObservation) -> tuple[str, ...]:
    return (
        *(
            f"licence {_sku_label(s)}: "
            + (", ".join(f"{p.name or p.plan_id} {p.status}" for p in s.plans) or "no plans")
            for s in observation.skus
        ),
        *observation.transcript,
    )


def judge_license(observation: LicenseObservation, mailbox: Mailbox) -> Verdict:
    """Exchange Online (Plan 2) active in some licence; else the finding of the plan the user has."""
    evidence = _evidence(observation)
    user = observation.address or mailbox.own_account
    if observation.error == "user-not-found":
        hint = (
            "the [[mailboxes]] account set for it is not a user principal name in this tenant"
            if mailbox.account
            else "if the mailbox's account signs in with a user principal name other than its address, set that "
            "name as the mailbox's account in [[mailboxes]]"
        )
        return cannot_tell(
            f"Graph has no user {user} ({observation.message}): {hint}. mailbox.inbound shows whether the "
            "mailbox itself exists.",
            evidence=evidence,
        )
    if observation.error in READER_ERRORS:
        reason = reader_skip_reason(observation.error, observation.message, observation.lacks)
        return cannot_tell(f"the licence was {reason}", evidence=evidence)
    via = "" if observation.source != "assignedPlans" else " (read from assignedPlans: licenseDetails was refused)"
    held = _exchange_plans(observation)
    plan2 = [(s, v, p) for s, v, p in held if p.kind == "plan2"]
    active = [(s, v, p) for s, v, p in plan2 if v.status == "Success"]
    if active:
        return _passed(mailbox.address, active, via, evidence)
    suffix = "-shared" if mailbox.access == "shared" else ""
    if plan2:
        states = ", ".join(f"{v.status or 'no status'} in {_sku_label(s)}" for s, v, _ in plan2)
        seen = f"{mailbox.address}: Exchange Online (Plan 2) is {states}{via}."
        return graph_finding(CHECK_ID, f"exchange-plan-disabled{suffix}", seen, evidence=evidence)
    working = [(s, v, p) for s, v, p in held if v.status == "Success"]
    for kind, error in _LOWER_PLANS:
        found = [(s, p) for s, _, p in working if p.kind == kind]
        if found:
            plans = ", ".join(dict.fromkeys(_plan_label(p) for _, p in found))
            skus = ", ".join(dict.fromkeys(_sku_label(s) for s, _ in found))
            seen = f"{mailbox.address} has {plans} through {skus}{via}."
            return graph_finding(CHECK_ID, f"{error}{suffix}", seen, evidence=evidence, mailbox=mailbox.address)
    if observation.skus:
        held_skus = ", ".join(_sku_label(s) for s in observation.skus)
        seen = f"{mailbox.address} has {held_skus}, with no active Exchange Online mailbox plan{via}."
    else:
        seen = f"{mailbox.address} has no licence assigned{via}."
    return graph_finding(CHECK_ID, f"no-license{suffix}", seen, evidence=evidence)


def _passed(address: str, active: list[_Held], via: str, evidence: tuple[str, ...]) -> Verdict:
    plans = " and ".join(dict.fromkeys(p.label for _, _, p in active))
    skus = ", ".join(dict.fromkeys(_sku_label(s) for s, _, _ in active))
    grade = (
        "an E3-or-better licence"
        if any(s.part_number in E3_OR_BETTER_SKUS for s, _, _ in active)
        else f"a licence that is not an E3 suite but gives the mailbox the same {plans}"
    )
    return passed(f"{address} has {plans} through {skus}: {grade}{via}.", evidence=evidence)
