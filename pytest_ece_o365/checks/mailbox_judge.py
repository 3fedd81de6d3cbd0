"""Judging the live mailbox sessions (pure functions over observations, tested from recorded ones).

One cause, one finding. A session that failed says something about the mailbox only when nothing
earlier explains it, so each judge asks, in order:

1. did the session reach the server? No access token: token.refresh's cause; a DNS/TCP/TLS failure or no
   XOAUTH2: the network check of that step's cause;
2. was the token fit for it? A token of another account, or one lacking the protocol's scope: the
   token.identity / token.scopes cause (read from the token's claims with :mod:`~.oauth`'s judges);
3. for a shared mailbox, which of mailbox.inbound and rights.full_access reports a refusal that cannot
   be told apart (POP3 ``-ERR``, IMAP's "not connected"): rights.full_access, naming every cause.

The check that owns an earlier cause reports it: when the run executes it for that target
(``CheckContext.runs``), the judge skips naming it; when it does not (``-m mailbox``, ``-k …``), the
judge fails with that cause's finding itself, so that no selection makes a fault vanish.
"""

from __future__ import annotations

from dataclasses import replace

from pytest_ece_o365.checks.base import CheckContext
from pytest_ece_o365.checks.oauth import audience_ok, judge_identity, judge_refresh, judge_scopes, token_user
from pytest_ece_o365.config.deployment import Mailbox
from pytest_ece_o365.diagnosis.mail import mail_verdict, network_check_of, network_verdict, token_words
from pytest_ece_o365.probes.mail_session import MailSessionObservation
from pytest_ece_o365.probes.token import INBOUND_SCOPES, SMTP_SCOPE, TokenObservation
from pytest_ece_o365.verdict import Verdict, cannot_tell, passed

#: Session errors a token unfit for the mailbox (another account's, a scope missing) also produces.
_TOKEN_MAY_EXPLAIN = frozenset(
    {"auth-refused", "not-connected", "examine-failed", "stat-failed", "send-as-denied", "not-authenticated"}
)


def judge_inbound(
    ctx: CheckContext, observation: MailSessionObservation, mailbox: Mailbox, token: TokenObservation | None = None
) -> Verdict:
    """mailbox.inbound: the login is accepted *and* the mailbox opens (a tagged OK to EXAMINE INBOX / STAT)."""
    earlier = _earlier_cause(ctx, observation, mailbox, token, INBOUND_SCOPES[mailbox.inbound])
    if earlier is not None:
        return earlier
    if observation.ok:
        return passed(_opened(observation, token), evidence=observation.transcript)
    if mailbox.access == "shared" and _indistinct(observation) and ctx.runs("rights.full_access", mailbox.address):
        return cannot_tell(
            f"not judged: rights.full_access fails for {mailbox.address}: {observation.protocol_name} refused the "
            f"shared mailbox in a way that names no cause ({observation.message}); that check lists every one",
            evidence=observation.transcript,
        )
    return _verdict("mailbox.inbound", ctx, observation, mailbox, token)


def judge_full_access(
    ctx: CheckContext, observation: MailSessionObservation, mailbox: Mailbox, token: TokenObservation | None = None
) -> Verdict:
    """rights.full_access: token_account's token opens the shared mailbox over its inbound protocol.

    It carries the refusals that cannot be told apart (every possible cause named); any other failure of
    the same session is mailbox.inbound's to report when the run executes it.
    """
    earlier = _earlier_cause(ctx, observation, mailbox, token, INBOUND_SCOPES[mailbox.inbound])
    if earlier is not None:
        return _or_inbound(ctx, mailbox, earlier)
    if observation.ok:
        return passed(
            f"{token_words(observation.account, _user(token))} opens the shared mailbox {mailbox.address} over "
            f"{observation.protocol_name} ({_opened(observation, token)})",
            evidence=observation.transcript,
        )
    if _indistinct(observation):
        return _verdict("rights.full_access", ctx, observation, mailbox, token)
    return _or_inbound(ctx, mailbox, _verdict("rights.full_access", ctx, observation, mailbox, token))


def judge_smtp(
    ctx: CheckContext, observation: MailSessionObservation, mailbox: Mailbox, token: TokenObservation | None = None
) -> Verdict:
    """mailbox.smtp: EHLO, STARTTLS, EHLO, AUTH XOAUTH2 -> 235 (then QUIT: nothing is sent).

    The login is the token's own account, so FullAccess on a shared mailbox plays no part in it: a
    refusal is about the token or SMTP AUTH of that account, never rights.full_access's cause.
    """
    earlier = _earlier_cause(ctx, observation, mailbox, token, SMTP_SCOPE)
    if earlier is not None:
        return earlier
    if observation.ok:
        as_who = "" if observation.user.lower() == mailbox.address.lower() else f" (logged in as {observation.user})"
        return passed(
            f"{mailbox.address}: SMTP AUTH XOAUTH2 on {observation.endpoint}{as_who} with "
            f"{token_words(observation.account, _user(token))} was accepted ({observation.auth_reply}); "
            "nothing was sent.",
            evidence=observation.transcript,
        )
    return _verdict("mailbox.smtp", ctx, observation, mailbox, token)


def judge_send_test(
    ctx: CheckContext,
    observation: MailSessionObservation,
    mailbox: Mailbox,
    recipient: str,
    token: TokenObservation | None = None,
) -> Verdict:
    """mailbox.send_test: one message from the mailbox's own address is accepted for delivery."""
    earlier = _earlier_cause(ctx, observation, mailbox, token, SMTP_SCOPE)
    if earlier is None and not observation.ok and observation.stage != "send":
        earlier = _verdict("mailbox.smtp", ctx, observation, mailbox, token)  # the login failed: smtp's finding
    if earlier is not None:
        if earlier.status == "failed" and ctx.runs("mailbox.smtp", mailbox.address):
            return cannot_tell(
                f"no test message was sent from {mailbox.address}: the SMTP login failed ({observation.error}), "
                f"see mailbox.smtp: {observation.message}",
                evidence=observation.transcript,
            )
        return earlier
    if not observation.ok:
        return _verdict("mailbox.send_test", ctx, observation, mailbox, token, recipient=recipient)
    return passed(
        f"a test message from {mailbox.address} to {recipient} was accepted for delivery ({observation.follow_up})",
        evidence=observation.transcript,
    )


# --- the causes before the mailbox ------------------------------------------------------------------


def _earlier_cause(
    ctx: CheckContext,
    observation: MailSessionObservation,
    mailbox: Mailbox,
    token: TokenObservation | None,
    scope: str,
) -> Verdict | None:
    """The verdict when the session's failure is another check's cause (see the module docstring)."""
    if observation.ok:
        return None
    what = f"the {observation.protocol_name} login of {observation.user}"
    if observation.stage == "token":
        return _no_token(ctx, observation, mailbox, token, what)
    network = network_check_of(observation)
    if network is not None:
        check_id, label = network
        if ctx.runs(check_id, label):
            return cannot_tell(
                f"not tried: {check_id} fails for {label} ({observation.error}), so {what} could not be tried: "
                f"{observation.message}",
                evidence=observation.transcript,
            )
        return network_verdict(check_id, observation, ctx.options.timeout)
    if token is not None and observation.error in _TOKEN_MAY_EXPLAIN:
        fault = token_fault(ctx, mailbox, token, scope)
        if fault is not None and fault.status == "failed":  # the token check is not in the run: say it here
            said = observation.follow_up if observation.stage in ("mailbox", "send") else ""
            said = said or observation.auth_reply or observation.error
            refused = f"The {observation.protocol_name} session of {observation.user} was refused ({said})"
            return replace(fault, detail=f"{refused} because of its token: {fault.detail}")
        return fault
    return None


def token_fault(ctx: CheckContext, mailbox: Mailbox, observation: TokenObservation, scope: str) -> Verdict | None:
    """For a mailbox check whose session was refused: the failing token check that explains it.

    A skip naming token.identity / token.scopes when the run executes that check for ``mailbox``, else
    that check's own finding; None when the token is the right account's and carries ``scope`` (or when
    its claims cannot be read).
    """
    if not observation.ok or observation.opaque:
        return None
    identity = judge_identity(ctx, mailbox, observation)
    if identity.status == "failed":
        user = token_user(observation.claims)
        why = f"the token given for {observation.need.account} belongs to {user}"
        return _left_to(ctx, "token.identity", mailbox.address, why, identity)
    scopes = judge_scopes(ctx, mailbox, observation, needed=(scope,))
    if scopes.status == "failed":
        claims, given = observation.claims, f"the token given for {observation.need.account}"
        if not audience_ok(claims.get("aud"), ctx.config.o365.outlook_resource):
            why = f"{given} is for {claims.get('aud')}, not for Office 365 mail"
        else:
            why = f"{given} lacks {scope} (scp: {claims.get('scp') or 'none'})"
        return _left_to(ctx, "token.scopes", mailbox.address, why, scopes)
    return None


def _left_to(ctx: CheckContext, check_id: str, target: str, why: str, finding: Verdict) -> Verdict:
    if ctx.runs(check_id, target):
        return cannot_tell(f"not judged: {check_id} fails for {target}: {why}", evidence=finding.evidence)
    return finding


def _no_token(
    ctx: CheckContext, observation: MailSessionObservation, mailbox: Mailbox, token: TokenObservation | None, what: str
) -> Verdict:
    skip = cannot_tell(
        f"{what} was not tried: token.refresh has no access token for {observation.account} ({observation.message})"
    )
    if token is None or token.ok or token.error == "secret-missing":
        return skip  # a missing secret or refresh token is a skip everywhere (contract §2)
    finding = judge_refresh(ctx, mailbox, token)
    if finding.status != "failed":  # left to the network check of the login host, which runs
        return replace(finding, detail=f"{what} was not tried: {finding.detail.removeprefix('not tried: ')}")
    if ctx.runs("token.refresh", mailbox.address):
        return skip
    return replace(finding, detail=f"{what[0].upper()}{what[1:]} was not tried (no access token). {finding.detail}")


def _or_inbound(ctx: CheckContext, mailbox: Mailbox, verdict: Verdict) -> Verdict:
    """rights.full_access reads mailbox.inbound's session: a finding that is not about rights is
    mailbox.inbound's when the run executes it."""
    if verdict.status != "failed" or not ctx.runs("mailbox.inbound", mailbox.address):
        return verdict
    return cannot_tell(
        f"not judged: mailbox.inbound reports this session's failure for {mailbox.address}: {verdict.detail}",
        evidence=verdict.evidence,
    )


def _indistinct(observation: MailSessionObservation) -> bool:
    """A refusal that says nothing of its cause: POP3's one ``-ERR`` line, IMAP's "not connected" (or
    hang-up) after an accepted AUTHENTICATE."""
    return (observation.protocol, observation.error) in (("pop3", "auth-refused"), ("imap", "not-connected"))


# --- wording ----------------------------------------------------------------------------------------


def _user(token: TokenObservation | None) -> str | None:
    return token_user(token.claims) if token is not None and token.ok else None


def _verdict(
    check_id: str,
    ctx: CheckContext,
    observation: MailSessionObservation,
    mailbox: Mailbox,
    token: TokenObservation | None,
    *,
    recipient: str = "",
) -> Verdict:
    return mail_verdict(
        check_id, observation, mailbox, ctx.options.timeout, recipient=recipient, token_user=_user(token)
    )


def _opened(observation: MailSessionObservation, token: TokenObservation | None) -> str:
    count = f" ({observation.messages} messages)" if observation.messages is not None else ""
    command = "EXAMINE INBOX (read-only)" if observation.protocol == "imap" else "STAT"
    return (
        f"{observation.user}: {observation.protocol_name} XOAUTH2 login with "
        f"{token_words(observation.account, _user(token))} accepted, {command} OK{count}"
    )
