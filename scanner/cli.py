"""The ``auditgraph`` command line: the pipeline's stages composed, with no logic of its own.

Commands::

    auditgraph scan        evaluate an estate (--demo, --snapshot; live collection later)
    auditgraph evaluate    evaluate a saved snapshot folder
    auditgraph collect     collect a snapshot from a cloud (OCI, AWS, Azure)
    auditgraph permissions the least-privilege policy a collector needs
    auditgraph report      re-render reports from an existing findings.json
    auditgraph controls    list, show and validate the control catalog
    auditgraph waivers     check a waivers file: problems, expired and expiring waivers
    auditgraph diff        compare two scans: changed findings and resource drift
    auditgraph history     recorded scans with per-framework counts and trend
    auditgraph evidence    export a run as a signed evidence bundle; verify one offline
    auditgraph remediate   playbooks (script, Terraform, runbooks) for a run's failures
    auditgraph keys        generate the Ed25519 key pair that signs bundles

Exit codes:

    0   the command ran, and no failing finding is at or above --fail-on
    1   failing findings at or above --fail-on
    2   usage, config, catalog or snapshot error (message on stderr, no traceback)

A failing, inconclusive or broken control on a resource is a finding, never a crash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from scanner import __version__
from scanner.bundled import controls_dir, reference_estate, reports_dir
from scanner.cli_collect import (
    AttemptsOpt,
    AwsOrgRoleOpt,
    AwsProfileOpt,
    AzureArmEndpointOpt,
    AzureCloudOpt,
    AzureSubscriptionsOpt,
    AzureTenantOpt,
    CollectOptions,
    OciAuthOpt,
    OciConfigOpt,
    OciEndpointOpt,
    OciProfileOpt,
    RegionsOpt,
    WorkersOpt,
    collect_to,
    print_permissions,
    require_collectable,
)
from scanner.cli_delivery import (
    AlertOnOpt,
    AlertTimeoutOpt,
    AlertWebhookOpt,
    SignKeyOpt,
    StoreDestOpt,
    StoreEvidenceOpt,
    deliver,
    delivery_options,
)
from scanner.cli_diff import DIFF_EPILOG, diff_command
from scanner.cli_evidence import evidence_app, keys_app
from scanner.cli_frameworks import frameworks_app
from scanner.cli_history import HistoryOpt, record_if_asked
from scanner.cli_history import register as register_history
from scanner.cli_metrics import MetricsFileOpt, MetricsRun, PushgatewayOpt, publish_metrics
from scanner.cli_remediate import REMEDIATE_EPILOG, remediate_command
from scanner.cli_support import (
    CLOUD_IDS,
    DEFAULT_OUT,
    EXIT_ERROR,
    EXIT_FAILING,
    EXIT_OK,
    FRAMEWORKS_TEXT,
    CatalogOpt,
    CloudsOpt,
    ConfigOpt,
    ControlOpt,
    FailOn,
    FailOnOpt,
    FormatOpt,
    FrameworkOpt,
    JsonOpt,
    OutOpt,
    QuietOpt,
    ScanOptions,
    SeverityOpt,
    control_detail,
    controls_table,
    exit_code,
    failing_at_or_above,
    printable,
    progress_hook,
    read_findings,
    reported_errors,
    scan_summary,
    split_values,
    validate_catalog,
)
from scanner.cli_waivers import (
    WaiversOpt,
    waivers_app,
    warn_about_waivers,
    write_waiver_register,
)
from scanner.config import EstateConfig, load_config
from scanner.delivery.plan import prepare as prepare_delivery
from scanner.engine.catalog import Catalog, load_catalog
from scanner.engine.waiver_file import load_waivers
from scanner.model import FRAMEWORK_IDS, Cloud, FindingsDocument, Severity
from scanner.outputs.run_record import RunSources, record_run
from scanner.outputs.terminal import print_summary
from scanner.outputs.writer import FORMAT_CHOICES, resolve_formats, write_reports
from scanner.pipeline import evaluate_folder
from scanner.selection import Selection, run_selection, select_catalog, select_findings

EPILOG = (
    "[bold]Exit codes[/bold]: "
    "[green]0[/green] ran, no failing finding at or above --fail-on · "
    "[red]1[/red] failing findings at or above --fail-on · "
    "[yellow]2[/yellow] usage, config, catalog or snapshot error (message on stderr)."
)

app = typer.Typer(
    name="auditgraph",
    help="Governance and compliance scanner for OCI, AWS and Azure estates: one graph, "
    "CEL controls, SOC 2 / ISO 27001:2022 / GDPR evidence.\n\n"
    "Try it on the bundled reference estate:  [bold]auditgraph scan --demo[/bold]",
    epilog=EPILOG,
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
controls_app = typer.Typer(
    help="List, show and validate the control catalog.",
    epilog=EPILOG,
    rich_markup_mode="rich",
    no_args_is_help=True,
)
app.add_typer(controls_app, name="controls")
app.add_typer(evidence_app, name="evidence")
app.add_typer(keys_app, name="keys")
app.add_typer(waivers_app, name="waivers")
app.add_typer(frameworks_app, name="frameworks")
app.command("diff", epilog=DIFF_EPILOG)(diff_command)
app.command("remediate", epilog=REMEDIATE_EPILOG)(remediate_command)
register_history(app)


def _evaluate(snapshot: Path, config_file: Path | None, opts: ScanOptions) -> NoReturn:
    """Load, select, evaluate, filter, write and print; raises typer.Exit with the code."""
    formats = resolve_formats(split_values(opts.formats, FORMAT_CHOICES, "--format"))
    frameworks = split_values(opts.frameworks, FRAMEWORK_IDS, "--framework") or [*FRAMEWORK_IDS]
    clouds = split_values(opts.clouds, CLOUD_IDS, "--cloud")
    with reported_errors():
        plan = prepare_delivery(opts.delivery)
        catalog = load_catalog(opts.catalog or controls_dir())
        requested = [value.upper() for value in opts.controls or ()]
        control_ids = split_values(requested, [c.id for c in catalog.controls], "--control")
        selection = Selection(tuple(control_ids), opts.severity, tuple(clouds))
        selected = select_catalog(catalog, selection)
        config = load_config(config_file) if config_file else EstateConfig()
        known_ids = {compiled.id for compiled in catalog.controls}
        waivers = load_waivers(opts.waivers, known_ids) if opts.waivers else None
        show_progress = not (opts.quiet or opts.json)
        with progress_hook(show_progress, len(selected.controls)) as hook:
            evaluation = evaluate_folder(snapshot, selected, config, hook, waivers=waivers)
        doc = select_findings(evaluation.findings, selection)
        written = write_reports(doc, selected, opts.out, formats, frameworks, reports_dir())
        written = sorted(written + write_waiver_register(evaluation.waiver_register, opts.out))
        sources = RunSources(snapshot, opts.catalog or controls_dir(), config_file, opts.waivers)
        record_run(opts.out, sources, run_selection(selection), frameworks, formats, catalog.digest)
    delivered = deliver(plan, doc, evaluation.snapshot, opts, clouds, control_ids)
    code = delivered.exit_code(exit_code(doc, opts.fail_on))
    if not opts.quiet:
        warn_about_waivers(evaluation.waiver_register)
    _print_outcome(doc, selected, frameworks, written, code, opts, delivered.summary())
    quiet = opts.quiet or opts.json
    delivered.report(quiet)
    snap = evaluation.snapshot
    recorded = record_if_asked(opts.history, doc, snap, clouds, control_ids, opts.severity, quiet)
    run = MetricsRun(doc, selected, frameworks, snap, clouds, control_ids, opts.severity)
    publish_metrics(opts, run, recorded)
    if not recorded:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(code)


def _print_outcome(
    doc: FindingsDocument,
    catalog: Catalog,
    frameworks: list[str],
    written: list[Path],
    code: int,
    opts: ScanOptions,
    extra: dict[str, Any] | None = None,
) -> None:
    """--json: one JSON object; --quiet: the written paths; otherwise summary and paths."""
    if opts.json:
        typer.echo(scan_summary(doc, catalog, frameworks, written, code, extra))
    elif opts.quiet:
        for path in written:
            typer.echo(str(path))
    else:
        console = Console()
        print_summary(doc, catalog, frameworks, console)
        console.print("[bold]Written:[/bold]")
        for path in written:
            console.print(f"  {path}", markup=False, highlight=False)
        if code == EXIT_FAILING:
            count = failing_at_or_above(doc, opts.fail_on)
            console.print(
                f"[red]{count} failing finding(s) at or above {opts.fail_on.value}: exit 1[/red]"
            )


@app.command(epilog=EPILOG)
def scan(
    demo: Annotated[
        bool, typer.Option("--demo", help="Evaluate the bundled reference estate (no cloud).")
    ] = False,
    snapshot: Annotated[
        Path | None,
        typer.Option("--snapshot", metavar="PATH", help="Evaluate a saved snapshot folder."),
    ] = None,
    config: ConfigOpt = None,
    out: OutOpt = DEFAULT_OUT,
    formats: FormatOpt = None,
    frameworks: FrameworkOpt = None,
    clouds: CloudsOpt = None,
    severity: SeverityOpt = None,
    controls: ControlOpt = None,
    catalog: CatalogOpt = None,
    fail_on: FailOnOpt = FailOn.NONE,
    quiet: QuietOpt = False,
    json_output: JsonOpt = False,
    waivers: WaiversOpt = None,
    history: HistoryOpt = None,
    metrics_file: MetricsFileOpt = None,
    pushgateway: PushgatewayOpt = None,
    alert_webhook: AlertWebhookOpt = None,
    alert_on: AlertOnOpt = Severity.CRITICAL,
    alert_timeout: AlertTimeoutOpt = 10.0,
    store: StoreDestOpt = None,
    store_evidence: StoreEvidenceOpt = False,
    sign_key: SignKeyOpt = None,
    oci_config: OciConfigOpt = None,
    oci_profile: OciProfileOpt = "DEFAULT",
    oci_auth: OciAuthOpt = "config",
    oci_endpoint: OciEndpointOpt = None,
    regions: RegionsOpt = None,
    workers: WorkersOpt = 8,
    aws_profile: AwsProfileOpt = None,
    aws_org_role: AwsOrgRoleOpt = None,
    max_attempts: AttemptsOpt = 3,
    azure_subscriptions: AzureSubscriptionsOpt = None,
    azure_tenant: AzureTenantOpt = None,
    azure_cloud: AzureCloudOpt = "AzurePublicCloud",
    azure_arm_endpoint: AzureArmEndpointOpt = None,
) -> None:
    """Scan an estate: collect (or load) a snapshot, evaluate every control, write reports.

    With [bold]--cloud oci[/bold] the estate is collected live (read-only API calls) into
    OUT/snapshot, then evaluated. [bold]--demo[/bold] scans the bundled reference estate;
    [bold]--snapshot[/bold] a saved snapshot folder (there --cloud only filters findings).
    [bold]--cloud aws[/bold] collects AWS with boto3's credential chain, [bold]--cloud
    azure[/bold] Azure with azure-identity's (DefaultAzureCredential).

    [bold]Examples[/bold]
      auditgraph scan --demo
      auditgraph scan --cloud oci
      auditgraph scan --cloud oci --oci-profile AUDIT --regions eu-frankfurt-1,eu-amsterdam-1
      auditgraph scan --cloud oci --oci-auth instance_principal --fail-on high
      auditgraph scan --cloud aws --aws-profile audit --regions eu-west-1,eu-central-1
      auditgraph scan --cloud aws --aws-org-role OrganizationAccountAccessRole
      auditgraph scan --cloud azure --azure-subscriptions SUB1,SUB2 --azure-tenant TENANT
      auditgraph scan --cloud azure --azure-cloud AzureUSGovernment
      auditgraph scan --demo --framework gdpr --format html --out gdpr-report
      auditgraph scan --demo --format all --out run/
      auditgraph scan --snapshot snap/ --config estate.yaml --fail-on high
      auditgraph scan --demo --waivers waivers.yaml --fail-on high
      auditgraph scan --demo --cloud aws --severity high --json
      auditgraph scan --cloud oci --history default --metrics-file textfiles/auditgraph.prom
      auditgraph scan --cloud aws --pushgateway http://pushgateway.monitoring:9091
      AUDITGRAPH_ALERT_WEBHOOK=https://hooks.slack.com/services/... \\
        auditgraph scan --cloud oci --history default --alert-on high
      auditgraph scan --cloud aws --store s3://audit-results/prod --store-evidence
    """
    opts = ScanOptions(
        out,
        formats,
        frameworks,
        clouds,
        severity,
        controls,
        catalog,
        fail_on,
        quiet,
        json_output,
        waivers=waivers,
        history=history,
        metrics_file=metrics_file,
        pushgateway=pushgateway,
        delivery=delivery_options(
            alert_webhook,
            alert_on,
            alert_timeout,
            store,
            store_evidence,
            sign_key,
            CollectOptions(
                oci_config=oci_config,
                oci_profile=oci_profile,
                oci_auth=oci_auth,
                oci_endpoint=oci_endpoint,
            ).oci(),
        ),
    )
    if demo and snapshot is not None:
        raise typer.BadParameter("use either --demo or --snapshot, not both", param_hint="--demo")
    if demo:
        estate = reference_estate()
        _evaluate(estate / "snapshot", config or estate / "estate.yaml", opts)
    if snapshot is not None:
        _evaluate(snapshot, config, opts)
    selected = require_collectable(split_values(clouds, CLOUD_IDS, "--cloud"))
    collect_options = CollectOptions(
        oci_config,
        oci_profile,
        oci_auth,
        oci_endpoint,
        regions,
        workers,
        aws_profile,
        aws_org_role,
        max_attempts,
        azure_subscriptions=azure_subscriptions,
        azure_tenant=azure_tenant,
        azure_cloud=azure_cloud,
        azure_arm_endpoint=azure_arm_endpoint,
    )
    with reported_errors():
        prepare_delivery(opts.delivery)  # a bad --store or webhook fails before collecting
        collect_to(out / "snapshot", selected, collect_options, not (quiet or json_output))
    _evaluate(out / "snapshot", config, opts)


@app.command(epilog=EPILOG)
def evaluate(
    snapshot_dir: Annotated[
        Path,
        typer.Argument(
            metavar="SNAPSHOT_DIR",
            help="Snapshot folder: manifest.json, resources.jsonl, edges.jsonl, gaps.jsonl.",
        ),
    ],
    config: ConfigOpt = None,
    out: OutOpt = DEFAULT_OUT,
    formats: FormatOpt = None,
    frameworks: FrameworkOpt = None,
    clouds: CloudsOpt = None,
    severity: SeverityOpt = None,
    controls: ControlOpt = None,
    catalog: CatalogOpt = None,
    fail_on: FailOnOpt = FailOn.NONE,
    quiet: QuietOpt = False,
    json_output: JsonOpt = False,
    waivers: WaiversOpt = None,
    history: HistoryOpt = None,
    metrics_file: MetricsFileOpt = None,
    pushgateway: PushgatewayOpt = None,
    alert_webhook: AlertWebhookOpt = None,
    alert_on: AlertOnOpt = Severity.CRITICAL,
    alert_timeout: AlertTimeoutOpt = 10.0,
    store: StoreDestOpt = None,
    store_evidence: StoreEvidenceOpt = False,
    sign_key: SignKeyOpt = None,
) -> None:
    """Evaluate a saved snapshot folder and write reports.

    The snapshot is verified first: a file changed after collection is refused.

    [bold]Examples[/bold]
      auditgraph evaluate snap/ --config estate.yaml
      auditgraph evaluate snap/ --control RES-003 --format md --out residency
      auditgraph evaluate snap/ --fail-on critical --quiet
      auditgraph evaluate snap/ --waivers waivers.yaml --fail-on high
      auditgraph evaluate snap/ --store az://acmeaudit/results/prod
    """
    opts = ScanOptions(
        out,
        formats,
        frameworks,
        clouds,
        severity,
        controls,
        catalog,
        fail_on,
        quiet,
        json_output,
        waivers=waivers,
        history=history,
        metrics_file=metrics_file,
        pushgateway=pushgateway,
        delivery=delivery_options(
            alert_webhook, alert_on, alert_timeout, store, store_evidence, sign_key
        ),
    )
    _evaluate(snapshot_dir, config, opts)


@app.command(epilog=EPILOG)
def collect(
    cloud: Annotated[
        Cloud, typer.Option("--cloud", case_sensitive=False, help="The cloud to collect from.")
    ],
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Snapshot folder to write.")
    ] = Path("auditgraph-snapshot"),
    oci_config: OciConfigOpt = None,
    oci_profile: OciProfileOpt = "DEFAULT",
    oci_auth: OciAuthOpt = "config",
    oci_endpoint: OciEndpointOpt = None,
    regions: RegionsOpt = None,
    workers: WorkersOpt = 8,
    aws_profile: AwsProfileOpt = None,
    aws_org_role: AwsOrgRoleOpt = None,
    max_attempts: AttemptsOpt = 3,
    azure_subscriptions: AzureSubscriptionsOpt = None,
    azure_tenant: AzureTenantOpt = None,
    azure_cloud: AzureCloudOpt = "AzurePublicCloud",
    azure_arm_endpoint: AzureArmEndpointOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Collect a snapshot from a cloud with read-only API calls; evaluate it later.

    Every call that fails (permission, throttling, timeout) is recorded as a collection
    gap in the snapshot: controls that depend on it are inconclusive, never passed.

    [bold]Examples[/bold]
      auditgraph collect --cloud oci --out snap/
      auditgraph collect --cloud oci --oci-auth instance_principal --regions eu-frankfurt-1
      AWS_ENDPOINT_URL=http://127.0.0.1:5000 auditgraph collect --cloud aws --out snap/
      auditgraph collect --cloud azure --azure-subscriptions SUB1 --out snap/
      auditgraph evaluate snap/
    """
    selected = require_collectable([cloud.value])
    options = CollectOptions(
        oci_config,
        oci_profile,
        oci_auth,
        oci_endpoint,
        regions,
        workers,
        aws_profile,
        aws_org_role,
        max_attempts,
        azure_subscriptions=azure_subscriptions,
        azure_tenant=azure_tenant,
        azure_cloud=azure_cloud,
        azure_arm_endpoint=azure_arm_endpoint,
    )
    with reported_errors():
        snapshot = collect_to(out, selected, options, not quiet)
    counts = snapshot.manifest.counts
    typer.echo(
        f"{out}: {counts.get('resources', 0)} resources, {counts.get('edges', 0)} edges, "
        f"{counts.get('gaps', 0)} collection gaps"
    )


@app.command(epilog=EPILOG)
def permissions(
    cloud: Annotated[Cloud, typer.Argument(case_sensitive=False, help="oci, aws or azure.")],
    group: Annotated[
        str, typer.Option("--group", help="Group the statements are written for.")
    ] = "Auditors",
) -> None:
    """Print the least-privilege policy the collector needs (read-only, generated from
    the exact list of API operations it calls).

    [bold]Example[/bold]
      auditgraph permissions oci --group SecurityAuditors
      auditgraph permissions azure
    """
    print_permissions(cloud, group)


@app.command(epilog=EPILOG)
def report(
    findings_json: Annotated[
        Path,
        typer.Argument(metavar="FINDINGS_JSON", help="A findings.json written by scan/evaluate."),
    ],
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder the reports are written to.")
    ],
    formats: FormatOpt = None,
    frameworks: FrameworkOpt = None,
    catalog: CatalogOpt = None,
) -> None:
    """Re-render reports from an existing findings.json, without evaluating anything.

    Titles and requirement mappings come from the catalog (--catalog, default bundled).

    [bold]Examples[/bold]
      auditgraph report auditgraph-out/findings.json --out reports/
      auditgraph report findings.json --out gdpr/ --framework gdpr --format html
      auditgraph report findings.json --out ci/ --format sarif,junit,prom
    """
    chosen_formats = resolve_formats(split_values(formats, FORMAT_CHOICES, "--format"))
    chosen = split_values(frameworks, FRAMEWORK_IDS, "--framework") or [*FRAMEWORK_IDS]
    with reported_errors():
        loaded = load_catalog(catalog or controls_dir())
        doc = read_findings(findings_json)
        written = write_reports(doc, loaded, out, chosen_formats, chosen, reports_dir())
    if doc.scan.catalog_digest != loaded.digest:
        typer.echo(
            "warning: the findings were produced with another catalog "
            f"({doc.scan.catalog_digest[:12]}); titles and mappings come from this one "
            f"({loaded.digest[:12]})",
            err=True,
        )
    for path in written:
        typer.echo(str(path))


@controls_app.command("list", epilog=EPILOG)
def controls_list(
    framework: Annotated[
        str | None,
        typer.Option(
            "--framework", metavar="ID", help=f"Only controls mapped into it: {FRAMEWORKS_TEXT}."
        ),
    ] = None,
    cloud: Annotated[
        Cloud | None,
        typer.Option("--cloud", case_sensitive=False, help="Only controls covering this cloud."),
    ] = None,
    domain: Annotated[
        str | None,
        typer.Option("--domain", help="Only controls of this domain, e.g. residency."),
    ] = None,
    catalog: CatalogOpt = None,
) -> None:
    """List the controls: id, severity, domain, clouds, title, mapped requirements.

    [bold]Examples[/bold]
      auditgraph controls list
      auditgraph controls list --framework gdpr --cloud aws
      auditgraph controls list --domain residency
    """
    if framework is not None and framework not in FRAMEWORK_IDS:
        raise typer.BadParameter(f"choose one of {FRAMEWORKS_TEXT}", param_hint="--framework")
    with reported_errors():
        loaded = load_catalog(catalog or controls_dir())
    Console().print(controls_table(loaded, framework, cloud, domain))


@controls_app.command("show", epilog=EPILOG)
def controls_show(
    control_id: Annotated[str, typer.Argument(metavar="ID", help="A control id, e.g. RES-003.")],
    catalog: CatalogOpt = None,
) -> None:
    """Show one control: its CEL, message, params, mappings, remediation and examples.

    Each example is run against the current engine and shown with the status it gives.

    [bold]Example[/bold]
      auditgraph controls show RES-003
    """
    with reported_errors():
        loaded = load_catalog(catalog or controls_dir())
    compiled = loaded.get(control_id.upper())
    if compiled is None:
        known = ", ".join(c.id for c in loaded.controls)
        raise typer.BadParameter(f"no control {control_id!r}; known: {known}", param_hint="ID")
    console = Console()
    for part in control_detail(compiled, loaded):
        console.print(part)


@controls_app.command("validate", epilog=EPILOG)
def controls_validate(
    path: Annotated[
        Path | None,
        typer.Argument(
            metavar="PATH",
            help="Catalog folder (or one control file). Default: the bundled catalog.",
        ),
    ] = None,
) -> None:
    """Validate a catalog: schema, CEL, mappings, params, and every control's examples.

    Prints each problem as [bold]file:line:col \\[ID]: message[/bold], then a summary.
    Exits 0 when there is no problem, 2 otherwise.

    [bold]Examples[/bold]
      auditgraph controls validate
      auditgraph controls validate my-controls/
    """
    with reported_errors():
        result = validate_catalog(path or controls_dir())
    for problem in result.problems:
        typer.echo(printable(str(problem)))
    typer.echo(result.summary)
    raise typer.Exit(EXIT_ERROR if result.problems else EXIT_OK)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"auditgraph {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Root options; each command has its own --help."""


def main() -> None:
    """Console script entry point (``auditgraph``)."""
    app(prog_name="auditgraph")
