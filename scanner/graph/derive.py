"""Edges auditgraph resolves itself, across resources and across clouds.

Each rule is a small pure function from the resources to edges; :data:`EDGE_RULES` lists
them explicitly. Rules read only normalised ``props``, so they never branch on a cloud.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence

from scanner.config import DeclaredLink
from scanner.model import Edge, Provenance, Resource

EdgeRule = Callable[[Sequence[Resource]], Iterator[Edge]]

TRUST_KINDS = frozenset({"trust.saml", "trust.oidc"})


def _of_kind(resources: Iterable[Resource], *kinds: str) -> Iterator[Resource]:
    return (resource for resource in resources if resource.kind in kinds)


def trusts_idp(resources: Sequence[Resource]) -> Iterator[Edge]:
    """A SAML/OIDC trust → the identity provider whose entity id it names as issuer."""
    by_entity: dict[str, list[str]] = defaultdict(list)
    for idp in _of_kind(resources, "idp"):
        entity = idp.props.get("entity_id")
        if isinstance(entity, str):
            by_entity[entity].append(idp.uid)
    for trust in _of_kind(resources, *TRUST_KINDS):
        for idp_uid in by_entity.get(str(trust.props.get("issuer")), []):
            yield Edge(
                src=trust.uid,
                dst=idp_uid,
                kind="trusts_idp",
                provenance=Provenance.DERIVED,
                attrs={"matched_on": "issuer"},
            )


def served_by(resources: Sequence[Resource]) -> Iterator[Edge]:
    """A trust → the IdP application that issues assertions for its audience."""
    apps: dict[tuple[str, str], list[str]] = defaultdict(list)
    entity_of_idp = {idp.uid: str(idp.props.get("entity_id")) for idp in _of_kind(resources, "idp")}
    for app in _of_kind(resources, "idp.app"):
        issuer = entity_of_idp.get(str(app.props.get("idp_uid")))
        audience = app.props.get("sp_entity_id")
        if issuer is not None and isinstance(audience, str):
            apps[(issuer, audience)].append(app.uid)
    for trust in _of_kind(resources, *TRUST_KINDS):
        key = (str(trust.props.get("issuer")), str(trust.props.get("sp_entity_id")))
        for app_uid in apps.get(key, []):
            yield Edge(
                src=trust.uid,
                dst=app_uid,
                kind="served_by",
                provenance=Provenance.DERIVED,
                attrs={"matched_on": "issuer+audience"},
            )


def encrypted_by(resources: Sequence[Resource]) -> Iterator[Edge]:
    """A store → the key its encryption settings name."""
    for store in _of_kind(resources, "store.object"):
        key_uid = store.props.get("kms_key_uid")
        if isinstance(key_uid, str):
            yield Edge(src=store.uid, dst=key_uid, kind="encrypted_by", provenance=Provenance.API)


def replicates_to(resources: Sequence[Resource]) -> Iterator[Edge]:
    """A store → each replication destination its own API reports (any cloud)."""
    for store in _of_kind(resources, "store.object"):
        for target in store.props.get("replication_targets") or []:
            attrs = {k: v for k, v in target.items() if k != "dst_uid" and v is not None}
            yield Edge(
                src=store.uid,
                dst=target["dst_uid"],
                kind="replicates_to",
                provenance=Provenance.API,
                attrs=attrs,
            )


def geo_copy_to(resources: Sequence[Resource]) -> Iterator[Edge]:
    """A store → its provider-implicit copy (e.g. the GRS secondary)."""
    for copy in _of_kind(resources, "store.object"):
        primary = copy.props.get("implicit_copy_of")
        if isinstance(primary, str):
            yield Edge(src=primary, dst=copy.uid, kind="geo_copy_to", provenance=Provenance.API)


def hosted_in(resources: Sequence[Resource]) -> Iterator[Edge]:
    """A key → the vault that holds it."""
    for key in _of_kind(resources, "key"):
        vault = key.props.get("vault_uid")
        if isinstance(vault, str):
            yield Edge(src=key.uid, dst=vault, kind="hosted_in", provenance=Provenance.API)


def shares_key_with(resources: Sequence[Resource]) -> Iterator[Edge]:
    """Keys that hold the same material, in both directions (any cloud)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for key in _of_kind(resources, "key"):
        material = key.props.get("material_id")
        if isinstance(material, str):
            groups[material].append(key.uid)
    for material, uids in groups.items():
        for src in uids:
            for dst in uids:
                if src != dst:
                    yield Edge(
                        src=src,
                        dst=dst,
                        kind="shares_key_with",
                        provenance=Provenance.DERIVED,
                        attrs={"material_id": material},
                    )


EDGE_RULES: tuple[EdgeRule, ...] = (
    trusts_idp,
    served_by,
    encrypted_by,
    replicates_to,
    geo_copy_to,
    hosted_in,
    shares_key_with,
)


def declared_edges(links: Iterable[DeclaredLink]) -> Iterator[Edge]:
    for link in links:
        attrs = dict(link.attrs)
        if link.evidence:
            attrs["evidence"] = link.evidence
        yield Edge(
            src=link.src,
            dst=link.dst,
            kind=link.kind,
            provenance=Provenance.DECLARED,
            attrs=attrs,
        )


def derive_edges(resources: Sequence[Resource]) -> list[Edge]:
    return [edge for rule in EDGE_RULES for edge in rule(resources)]
