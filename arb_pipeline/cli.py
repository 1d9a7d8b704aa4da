"""The `arb-pipeline` command."""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from arb_pipeline.rows import print_rows
from arb_pipeline.sources.common import record_to_json
from arb_pipeline.trades.cli import add_trades_parser

if TYPE_CHECKING:
    from arb_pipeline.alerts.store import StateStore
    from arb_pipeline.defs.environment import CommandSettings

EXIT_UNRECOGNIZED = 1
EXIT_USAGE = 2
EXIT_BLOCKED = 3


def cmd_parse(args: argparse.Namespace) -> int:
    """Print the canonical records of a saved page as JSON Lines; the exit code is its state."""
    from arb_pipeline.sources.pages import BLOCKED, UNRECOGNIZED, one_line, read_page
    from arb_pipeline.sources.registry import parser_for

    try:
        parser = parser_for(args.source)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return EXIT_USAGE
    try:
        body = Path(args.file).read_bytes()
    except OSError as error:
        print(f"cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    if body[:2] == b"\x1f\x8b":  # a gzip-saved page, as the archive and many fixtures keep them
        body = gzip.decompress(body)
    url = args.url or Path(args.file).resolve().as_uri()
    page = read_page(parser, body, url)
    if page.state == BLOCKED:
        print(f"blocked: {one_line(page.reason)}", file=sys.stderr)
        return EXIT_BLOCKED
    if page.state == UNRECOGNIZED:
        print(f"unrecognized page ({args.file}): {one_line(page.reason)}", file=sys.stderr)
        return EXIT_UNRECOGNIZED
    for problem in page.problems:
        print(f"warning: {one_line(problem)}", file=sys.stderr)
    for record in page.records:
        print(record_to_json(record))
    print(f"page state: {page.state}, {len(page.records)} record(s)", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the whole pipeline once against the sandbox and print the deals found."""
    from arb_pipeline.defs.environment import command_settings, dagster_home
    from arb_pipeline.demo import run_demo

    home = command_settings(args.home).arb_home.home()
    result = run_demo(home, trades=args.trades, dagster_home=dagster_home())
    for skipped in result.skipped:
        print(f"skipped: {skipped}", file=sys.stderr)
    for failure in result.ingest_failures:
        print(f"ingest problem: {failure}", file=sys.stderr)
    if result.undelivered:
        undelivered = f"{result.undelivered} alert(s) not delivered; the next run sends them"
        print(undelivered, file=sys.stderr)
    print(f"ARB_HOME: {home.root}")
    print(f"Deals found (alerted once each; {result.alerts_sent} new email(s) this run):")
    # amounts are in each listing's own currency (a euro listing's p50 and profit too)
    header = (
        f"{'source':<22} {'title':<42} {'cur':<3} {'price':>9} {'p50':>9} {'profit':>9} "
        f"{'margin':>7} exit"
    )
    print(header)
    print("-" * len(header))
    for deal in result.deals:
        print(
            f"{deal['source']:<22} {deal['title'][:42]:<42} {deal['currency']:<3} "
            f"{deal['price']:>9.2f} {deal['pred_p50']:>9.2f} {deal['profit']:>9.2f} "
            f"{deal['margin']:>7.0%} {deal['exit_marketplace']}"
        )
    print("\nEmails:")
    for deal in result.deals:
        print(f"  {deal['destination']}")
    print(f"\nWarehouse: {home.warehouse}   Proposals: arb-pipeline proposals list")
    if result.trades is not None:
        played = result.trades
        print(
            f"Sandbox reseller: bought {played.bought}, listed {played.listed}, sold "
            f"{played.sold} (skipped {played.skipped}). Trades: arb-pipeline trades list; "
            "outcomes: mart_prediction_outcomes, mart_inventory"
        )
    return 0


def cmd_model_fit(args: argparse.Namespace) -> int:
    """Fit the resale model on a CSV/Parquet file."""
    from arb_pipeline.pricing.model import fit_file

    card = fit_file(Path(args.train), Path(args.out), tuple(args.allow_feature))
    print(json.dumps(card.get("metrics"), indent=2, default=str))
    for leak in card.get("excluded_leaky_columns") or []:
        print(
            f"left out {leak['column']}: alone it predicts log price with out-of-fold R2 "
            f"{leak['out_of_fold_r2']} (a target leak); --allow-feature {leak['column']} keeps it",
            file=sys.stderr,
        )
    return 0


def cmd_model_predict(args: argparse.Namespace) -> int:
    """Predict p10/p50/p90 for every row of a CSV/Parquet file."""
    from arb_pipeline.pricing.model import predict_file

    rows = predict_file(Path(args.model), Path(args.input), Path(args.out))
    print(f"wrote {rows} predictions to {args.out}", file=sys.stderr)
    return 0


def cmd_products_identify(args: argparse.Namespace) -> int:
    """Write every row of a listings file, in order, with its product id and attributes."""
    from collections import Counter

    from arb_pipeline.products import METHODS
    from arb_pipeline.products.files import identify_file

    out = Path(args.out) if args.out else None
    result = identify_file(Path(args.file), out)
    methods = Counter(result["identified_by"].to_list())
    counts = ", ".join(f"{methods[m]} by {m}" for m in METHODS)
    products = result["product_id"].n_unique()
    print(f"{result.height} rows, {products} products ({counts})", file=sys.stderr)
    return 0


def cmd_products_explain(args: argparse.Namespace) -> int:
    """Print why a title gets its product id."""
    from arb_pipeline.products import explain, identify_many

    row = (args.title, args.brand, args.category, args.condition, None, None)
    print(explain(identify_many([row])[0]))
    return 0


PROPOSAL_FIELDS = (
    "id",
    "status",
    "source",
    "listing_id",
    "title",
    "price",
    "currency",
    "max_offer",
    "expected_profit",
    "approved_amount",
    "created_at",
    "decided_at",
    "reason",
    "url",
    "search",
)


def _with_proposals(
    args: argparse.Namespace, action: Callable[[StateStore, CommandSettings], int]
) -> int:
    """Run `action` on the store ($ARB_STATE_URL, else ARB_HOME's state.db); errors: one line."""
    from sqlalchemy.exc import SQLAlchemyError

    from arb_pipeline.alerts.store import BudgetExceeded, StateStore, WrongStatus
    from arb_pipeline.defs.environment import command_settings

    settings = command_settings(args.home)
    try:
        return action(StateStore.for_home(settings.arb_home.located()), settings)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    except (BudgetExceeded, WrongStatus) as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        print(f"error: state store unavailable: {detail}", file=sys.stderr)
        return 1


def _money(value: float | None) -> str:
    """An amount for the table, `-` when unknown."""
    return "        -" if value is None else f"{value:>9.2f}"


def _proposal_table(proposals: list[dict]) -> None:
    """One line per proposal."""
    for p in proposals:
        print(
            f"{p['id']:>4} {p['status']:<9} {p['source']:<20} "
            f"{(p['title'] or '')[:44]:<44} {p['currency'] or '':<3} "
            f"{_money(p['price'])}  max offer {_money(p['max_offer'])}  "
            f"profit ~{_money(p['expected_profit']).strip()}"
        )


def cmd_proposals_list(args: argparse.Namespace) -> int:
    """List purchase proposals as a table, JSON or CSV."""

    def show(store: StateStore, _settings: CommandSettings) -> int:
        proposals = store.list_proposals(args.status)
        print_rows(proposals, args.format, PROPOSAL_FIELDS, _proposal_table)
        return 0

    return _with_proposals(args, show)


def cmd_proposals_approve(args: argparse.Namespace) -> int:
    """Approve a pending proposal within the ARB_BUDGET_* limits (nothing is bought)."""

    def approve(store: StateStore, settings: CommandSettings) -> int:
        p = store.approve(args.id, settings.alert_settings.budgets(), args.amount)
        print(f"approved proposal {p['id']}: {p['currency'] or ''} {p['approved_amount']:.2f}")
        print(
            "nothing was bought: buy it yourself, then "
            f"`arb-pipeline proposals purchased {p['id']}`"
        )
        return 0

    return _with_proposals(args, approve)


def cmd_proposals_reject(args: argparse.Namespace) -> int:
    """Reject a pending proposal."""

    def reject(store: StateStore, _settings: CommandSettings) -> int:
        print(f"rejected proposal {store.reject(args.id, args.reason)['id']}")
        return 0

    return _with_proposals(args, reject)


def cmd_proposals_purchased(args: argparse.Namespace) -> int:
    """Record that an approved proposal was bought (by the user; nothing buys automatically)."""

    def purchased(store: StateStore, _settings: CommandSettings) -> int:
        p = store.mark_purchased(args.id, args.note)
        print(
            f"proposal {p['id']} marked purchased: {p['currency'] or ''} {p['approved_amount']:.2f}"
        )
        return 0

    return _with_proposals(args, purchased)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="arb-pipeline", description=__doc__)
    parser.add_argument("--home", help="state folder (default: $ARB_HOME or ./.arb)")
    commands = parser.add_subparsers(dest="command", required=True)

    parse = commands.add_parser("parse", help="parse a saved marketplace page to JSON Lines")
    parse.add_argument("--source", required=True)
    parse.add_argument("file")
    parse.add_argument("--url", help="the page's original URL (resolves relative links)")
    parse.set_defaults(handler=cmd_parse)

    demo = commands.add_parser("demo", help="run the whole pipeline once on the sandbox")
    demo.add_argument(
        "--trades",
        action="store_true",
        help="then play the reseller: buy the proposals, sell some, fill the trades marts",
    )
    demo.set_defaults(handler=cmd_demo)

    model = commands.add_parser("model", help="fit or apply the resale model").add_subparsers(
        dest="model_command", required=True
    )
    fit = model.add_parser("fit", help="fit on a CSV/Parquet file with title and price")
    fit.add_argument("--train", required=True)
    fit.add_argument("--out", required=True)
    fit.add_argument(
        "--allow-feature",
        action="append",
        default=[],
        metavar="NAME",
        help="keep a column the target-leakage guard would leave out (repeatable)",
    )
    fit.set_defaults(handler=cmd_model_fit)
    predict = model.add_parser("predict", help="write pred_p10/p50/p90 for each input row")
    predict.add_argument("--model", required=True)
    predict.add_argument("--input", required=True)
    predict.add_argument("--out", required=True)
    predict.set_defaults(handler=cmd_model_predict)

    products = commands.add_parser("products", help="which product a listing is").add_subparsers(
        dest="products_command", required=True
    )
    identify = products.add_parser(
        "identify", help="add product_id and attributes to a CSV/Parquet/JSONL file with title"
    )
    identify.add_argument("file")
    identify.add_argument("--out", help="CSV/Parquet/JSONL file (default: JSON Lines on stdout)")
    identify.set_defaults(handler=cmd_products_identify)
    explain = products.add_parser("explain", help="why a title gets its product id")
    explain.add_argument("title")
    explain.add_argument("--brand")
    explain.add_argument("--category")
    explain.add_argument("--condition", help="the canonical condition, e.g. for_parts")
    explain.set_defaults(handler=cmd_products_explain)

    proposals = commands.add_parser("proposals", help="purchase proposals").add_subparsers(
        dest="proposals_command", required=True
    )
    listing = proposals.add_parser("list", help="list proposals")
    listing.add_argument("--status", help="only proposals with this status")
    listing.add_argument("--format", choices=("table", "json", "csv"), default="table")
    listing.set_defaults(handler=cmd_proposals_list)
    approve = proposals.add_parser("approve", help="approve a pending proposal within budget")
    approve.add_argument("id", type=int)
    approve.add_argument("--amount", type=float, help="amount to commit (default: its price)")
    approve.set_defaults(handler=cmd_proposals_approve)
    reject = proposals.add_parser("reject", help="reject a pending proposal")
    reject.add_argument("id", type=int)
    reject.add_argument("--reason")
    reject.set_defaults(handler=cmd_proposals_reject)
    purchased = proposals.add_parser("purchased", help="record that you bought an approved one")
    purchased.add_argument("id", type=int)
    purchased.add_argument("--note", help="e.g. what you paid or where")
    purchased.set_defaults(handler=cmd_proposals_purchased)
    add_trades_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `arb-pipeline` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
