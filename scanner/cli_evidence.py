"""``auditgraph evidence export|verify`` and ``auditgraph keys generate``.

Registered on the root app by :mod:`scanner.cli` with ``app.add_typer``.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner.canonical import sha256_bytes
from scanner.cli_support import EXIT_FAILING, EXIT_OK, reported_errors
from scanner.outputs.evidence.bundle import ExportOptions, export_bundle
from scanner.outputs.evidence.keys import (
    generate_keys,
    load_private_key,
    load_public_key,
    read_redact_key,
)
from scanner.outputs.evidence.verify import Verdict, verify_bundle

EVIDENCE_EPILOG = (
    "[bold]Exit codes[/bold]: [green]0[/green] done / bundle verified · "
    "[red]1[/red] verification failed (the first member at fault is named) · "
    "[yellow]2[/yellow] usage error, unreadable run folder or key file (message on stderr)."
)

evidence_app = typer.Typer(
    help="Export a run as a hashed, signed evidence bundle; verify one offline.",
    epilog=EVIDENCE_EPILOG,
    rich_markup_mode="rich",
    no_args_is_help=True,
)
keys_app = typer.Typer(
    help="Ed25519 key pairs that sign evidence bundles.",
    epilog=EVIDENCE_EPILOG,
    rich_markup_mode="rich",
    no_args_is_help=True,
)


@evidence_app.command("export", epilog=EVIDENCE_EPILOG)
def evidence_export(
    run_dir: Annotated[
        Path,
        typer.Argument(metavar="RUN_DIR", help="A folder written by `scan` or `evaluate` --out."),
    ],
    out: Annotated[Path, typer.Option("--out", metavar="ZIP", help="The bundle to write.")],
    sign_key: Annotated[
        Path | None,
        typer.Option(
            "--sign-key", metavar="PEM", help="Ed25519 private key (`auditgraph keys generate`)."
        ),
    ] = None,
    redact_ids: Annotated[
        bool,
        typer.Option(
            "--redact-ids",
            help="Replace account, tenancy and subscription ids by keyed hashes (random key "
            "per export) everywhere in the bundle, for sharing outside the company.",
        ),
    ] = False,
    redact_key: Annotated[
        Path | None,
        typer.Option(
            "--redact-key",
            metavar="FILE",
            help="Key of the id pseudonyms (a file of secret bytes, e.g. 32 random bytes): "
            "the same key gives the same pseudonyms, so bundles stay comparable and the "
            "export byte-reproducible. Implies --redact-ids.",
        ),
    ] = None,
) -> None:
    """Export a run folder as an evidence bundle (zip) an auditor can verify offline.

    The run's snapshot is evaluated again with the run's own catalog, config, selection and
    waivers; the bundle holds those inputs, the findings, an evidence index per framework
    requirement, the collection gaps, HTML and CSV reports, a manifest with the sha256 of
    every file and, with [bold]--sign-key[/bold], an Ed25519 signature over the manifest.

    [bold]Examples[/bold]
      auditgraph scan --demo --out run/
      auditgraph evidence export run/ --out evidence-2026Q4.zip --sign-key team.pem
      auditgraph evidence export run/ --out shareable.zip --sign-key team.pem --redact-ids
      auditgraph evidence export run/ --out shareable.zip --redact-key ids.key
    """
    with reported_errors():
        key = load_private_key(sign_key) if sign_key is not None else None
        pseudonym_key = read_redact_key(redact_key) if redact_key is not None else None
        if redact_ids and pseudonym_key is None:
            pseudonym_key = secrets.token_bytes(32)
        exported = export_bundle(run_dir, ExportOptions(key, pseudonym_key))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(exported.data)
    manifest = exported.manifest
    typer.echo(f"{out}: {len(exported.members)} members, sha256 {sha256_bytes(exported.data)}")
    typer.echo(f"findings: {manifest.findings_digest} (sha256 of findings.json)")
    typer.echo(f"signed by: {manifest.signed_by or 'nobody (unsigned)'}")


@evidence_app.command("verify", epilog=EVIDENCE_EPILOG)
def evidence_verify(
    bundle: Annotated[Path, typer.Argument(metavar="BUNDLE", help="An evidence bundle (zip).")],
    public_key: Annotated[
        Path | None,
        typer.Option("--public-key", metavar="PUB", help="The signer's Ed25519 public key."),
    ] = None,
    allow_unsigned: Annotated[
        bool,
        typer.Option(
            "--allow-unsigned",
            help="Without --public-key: check integrity and re-evaluation only.",
        ),
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the verdict as one JSON object.")
    ] = False,
) -> None:
    """Verify a bundle: files, sha256s, signature, container, then re-evaluate it.

    The bundled snapshot is evaluated again with the bundled catalog, config, selection and
    waivers; the findings must be byte-identical to the bundled findings.json. No cloud
    access is needed. Without [bold]--public-key[/bold] the bundle's authenticity cannot
    be established: that needs [bold]--allow-unsigned[/bold], and the verdict says so.

    [bold]Examples[/bold]
      auditgraph evidence verify evidence-2026Q4.zip --public-key team.pub
      auditgraph evidence verify evidence-2026Q4.zip --public-key team.pub --json
      auditgraph evidence verify unsigned.zip --allow-unsigned
    """
    if public_key is None and not allow_unsigned:
        raise typer.BadParameter(
            "give the signer's key, or --allow-unsigned to check integrity only",
            param_hint="--public-key",
        )
    with reported_errors():
        key = load_public_key(public_key) if public_key is not None else None
        verdict = verify_bundle(bundle, key)
    if json_output:
        typer.echo(json.dumps(verdict.as_json(), indent=2, sort_keys=True))
    else:
        _print_verdict(verdict, Console())
    raise typer.Exit(EXIT_OK if verdict.ok else EXIT_FAILING)


def _print_verdict(verdict: Verdict, console: Console) -> None:
    table = Table(title=f"Evidence bundle {verdict.bundle}", title_justify="left")
    for column in ("Check", "Result", "File", "Detail"):
        table.add_column(column)
    for check in verdict.checks:
        mark = Text("ok", style="green") if check.ok else Text("FAILED", style="bold red")
        table.add_row(Text(check.name), mark, Text(check.file or ""), Text(check.detail))
    console.print(table)
    failure = verdict.failure
    if failure is not None:
        where = f" in {failure.file}" if failure.file else ""
        console.print(Text(f"NOT VERIFIED: {failure.name} failed{where}", style="bold red"))
    elif verdict.signature_checked:
        console.print(Text("VERIFIED: intact, authentic and reproducible", style="bold green"))
    else:
        console.print(
            Text(
                "VERIFIED (unsigned check): intact and reproducible; authenticity not established",
                style="bold yellow",
            )
        )


@keys_app.command("generate", epilog=EVIDENCE_EPILOG)
def keys_generate(
    out: Annotated[
        Path, typer.Option("--out", metavar="STEM", help="Writes STEM.pem and STEM.pub.")
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace existing key files.")] = False,
) -> None:
    """Generate an Ed25519 key pair: STEM.pem (private, PKCS#8, mode 0600), STEM.pub.

    Keep the .pem with whoever exports evidence; hand the .pub to the auditor.

    [bold]Example[/bold]
      auditgraph keys generate --out team
    """
    with reported_errors():
        pair = generate_keys(out, force)
    typer.echo(f"private key: {pair.private} (keep secret)")
    typer.echo(f"public key:  {pair.public}")
