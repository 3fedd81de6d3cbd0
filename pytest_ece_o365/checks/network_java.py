"""network.java_trust's judge: does ECE's own Java trust the root that network.tls saw for an endpoint?

ECE connects with its bundled Java, whose trust anchors are that JRE's ``cacerts``: a TLS pass from this
server's Python trust store (plus ``ca_bundle``) does not prove ECE can connect. The judge reads two
observations — the chain network.tls recorded and the JRE's store — and never touches the network.
"""

from __future__ import annotations

from collections.abc import Mapping

from pytest_ece_o365.diagnosis.table import verdict_for
from pytest_ece_o365.knowledge import (
    MICROSOFT_2017_ROOTS_NOTE,
    is_microsoft_2017_root,
    keytool_import,
)
from pytest_ece_o365.probes.java_trust import CertName, JavaTrustObservation, describe, trusting_anchor
from pytest_ece_o365.probes.observation import TlsObservation
from pytest_ece_o365.verdict import Verdict, cannot_tell, passed

CHECK = "network.java_trust"


def judge_java_trust(
    tls: TlsObservation, store: JavaTrustObservation, facts: Mapping[str, object], *, stand_in: bool = False
) -> Verdict:
    """network.java_trust for one endpoint whose TLS step worked: pass when the JRE's cacerts holds the
    anchor the presented chain ends in; else the finding naming the root, the Java version and the fix.
    ``stand_in``: the JRE is the simulator's stand-in for ECE's (a ``--ece-simulate`` run without
    ``java_home``), and the evidence says so."""
    java = f"Java {store.version}" if store.version else "Java of unknown version (no release file)"
    facts = {**facts, "java": java, "java_home": store.java_home, "store": store.store}
    whose = "the simulator's stand-in for ECE's Java runtime (not a real ECE JRE)" if stand_in else "ECE's Java"
    evidence = (f"* {whose}: {store.java_home} ({java})", f"* {store.message}", *store.notes)
    if not store.ok:
        return verdict_for(CHECK, store.error, facts, seen=store.message, evidence=evidence)
    chain = tls.presented or tls.verified_chain[:1]
    if not chain:
        return cannot_tell(f"{facts['endpoint']}: the TLS probe recorded no certificate chain to compare")
    anchor = trusting_anchor(chain, store.anchors)
    root = _root(tls)
    if anchor is not None:
        name = describe(anchor.der)
        owner = "The simulator's stand-in for ECE's" if stand_in else "ECE's"
        return passed(
            f"{owner} {java} trusts {name.common_name} (cacerts alias '{anchor.alias}'), the root {facts['endpoint']} "
            "chains to",
            evidence=(*evidence, f"* anchor: {name.subject}; SHA-256 {name.sha256}"),
        )
    return _missing(tls, store, root, facts, evidence)


def _root(tls: TlsObservation) -> CertName | None:
    """The root this server verified the chain with (the verified chain's last), when Python tells it."""
    return describe(tls.verified_chain[-1]) if tls.verified_chain else None


def _missing(
    tls: TlsObservation,
    store: JavaTrustObservation,
    root: CertName | None,
    facts: Mapping[str, object],
    evidence: tuple[str, ...],
) -> Verdict:
    certificate = tls.certificate
    if root is not None:
        root_text, alias = f"'{root.common_name}' (SHA-256 {root.sha256})", root.alias
        evidence = (*evidence, f"* root network.tls verified with: {root.subject}; SHA-256 {root.sha256}")
    else:  # an older Python: name the issuer of the last certificate the server presented
        last = describe(tls.presented[-1])
        root_text, alias = f"the CA that issued '{last.common_name}'", "root"
    keytool = keytool_import(store.java_home, store.version, store.store, alias, f"{alias}.pem")
    filled = {**facts, "root": root_text, "keytool": keytool}
    foreign = certificate is not None and not certificate.microsoft_issued  # or the simulator's stand-in
    if foreign:
        signature = "inspection-root-missing"
    elif root is not None and is_microsoft_2017_root(root.common_name):
        signature = "microsoft-root-missing"
        evidence = (*evidence, f"* {MICROSOFT_2017_ROOTS_NOTE}")
    else:
        signature = "root-missing"
    seen = f"{store.store} ({store.store_type}, {len(store.anchors)} trusted certificates) has no entry for it"
    return verdict_for(CHECK, signature, filled, seen=seen, evidence=evidence)
