"""Judging a mailbox's licences as Microsoft Graph showed them (license.exchange): a pure function over
the licence observation, tested from recorded payloads."""

from __future__ import annotations

from pytest_ece_o365.deployment import Mailbox
from pytest_ece_o365.diagnosis_graph import graph_finding, reader_skip_reason
from pytest_ece_o365.knowledge import (
    E3_OR_BETTER_SKUS,
    EXCHANGE_PLAN_1,
    EXCHANGE_PLAN_2,
    EXCHANGE_SERVICE_PLANS,
    SKU_NAMES,
)
from pytest_ece_o365.probes.graph_model import READER_ERRORS, LicenseObservation, SkuView
from pytest_ece_o365.verdict import Verdict, cannot_tell, passed

# --- license.exchange ---------------------------------------------------------------------------------


def _sku_label(sku: SkuView) -> str:
    if not sku.part_number:
        return "an assigned licence"
    name = SKU_NAMES.get(sku.part_number)
    return f"{name} ({sku.part_number})" if name else sku.part_number


def _is(plan_name: str, plan_id: str, wanted: str) -> bool:
    return plan_name == wanted or plan_id.lower() == EXCHANGE_SERVICE_PLANS[wanted]


def judge_license(observation: LicenseObservation, mailbox: Mailbox) -> Verdict:
    """An E3-or-better licence with Exchange Online (Plan 2) active; for a shared mailbox, advisory."""
    check_id = "license.exchange"
    address = mailbox.address
    evidence = (
        *(
            f"licence {_sku_label(s)}: "
            + (", ".join(f"{p.name or p.plan_id} {p.status}" for p in s.plans) or "no plans")
            for s in observation.skus
        ),
        *observation.transcript,
    )
    if observation.error == "user-not-found":
        return cannot_tell(
            f"Graph has no user {address} ({observation.message}). If it is an alias of a mailbox whose user "
            "principal name differs, look its licence up by that name; mailbox.inbound shows whether the "
            "mailbox itself exists.",
            evidence=evidence,
        )
    if observation.error in READER_ERRORS:
        reason = reader_skip_reason(observation.error, observation.message, observation.lacks)
        return cannot_tell(f"the licence was {reason}", evidence=evidence)
    plan2 = [(s, p) for s in observation.skus for p in s.plans if _is(p.name, p.plan_id, EXCHANGE_PLAN_2)]
    active = [(s, p) for s, p in plan2 if p.status == "Success"]
    via = "" if observation.source != "assignedPlans" else " (read from assignedPlans: licenseDetails was refused)"
    if active:
        skus = ", ".join(dict.fromkeys(_sku_label(s) for s, _ in active))
        grade = (
            "an E3-or-better licence"
            if any(s.part_number in E3_OR_BETTER_SKUS for s, _ in active)
            else "a licence that is not an E3 suite but gives the mailbox the same Exchange Online (Plan 2)"
        )
        return passed(f"{address} has Exchange Online (Plan 2) through {skus}: {grade}{via}.", evidence=evidence)
    suffix = "-shared" if mailbox.access == "shared" else ""
    if plan2:
        states = ", ".join(f"{p.status or 'no status'} in {_sku_label(s)}" for s, p in plan2)
        seen = f"{address}: Exchange Online (Plan 2) is {states}{via}."
        return graph_finding(check_id, f"exchange-plan-disabled{suffix}", seen, evidence=evidence)
    plan1 = [
        s
        for s in observation.skus
        for p in s.plans
        if _is(p.name, p.plan_id, EXCHANGE_PLAN_1) and p.status == "Success"
    ]
    if plan1:
        skus = ", ".join(dict.fromkeys(_sku_label(s) for s in plan1))
        seen = f"{address} has Exchange Online (Plan 1) only, through {skus}{via}."
        return graph_finding(check_id, f"exchange-plan1-only{suffix}", seen, evidence=evidence)
    if observation.skus:
        held = ", ".join(_sku_label(s) for s in observation.skus)
        seen = f"{address} has {held}, with no active Exchange Online plan{via}."
    else:
        seen = f"{address} has no licence assigned{via}."
    return graph_finding(check_id, f"no-license{suffix}", seen, evidence=evidence)
