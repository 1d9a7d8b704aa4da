"""`arb-pipeline trades …`: record purchases and sales, import past trades, list outcomes.

Bad input (an unknown or not-approved proposal, a negative price, a second sale, a sale
before its purchase, an unreadable file) exits 2 with one line saying what is wrong, and the
ledger is unchanged.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from arb_pipeline.paths import DBT_PROJECT_DIR
from arb_pipeline.rows import print_rows
from arb_pipeline.trades import money
from arb_pipeline.trades.money import TRADE_STATUSES, FeeSchedule, FxRates, TradeError, to_cents

if TYPE_CHECKING:
    from arb_pipeline.defs.environment import CommandSettings
    from arb_pipeline.trades.ledger import TradeLedger

EXIT_BAD_INPUT = 2
SEEDS = DBT_PROJECT_DIR / "seeds"
LIST_FIELDS = (
    "id",
    "status",
    "title",
    "category",
    "currency",
    "bought_at",
    "cost",
    "listed_at",
    "listed_marketplace",
    "listed_price",
    "sold_at",
    "marketplace",
    "proceeds",
    "fees",
    "fees_basis",
    "shipping",
    "realized_profit",
    "reporting_currency",
    "realized_profit_reporting",
    "days_held",
    "pred_p10",
    "pred_p50",
    "pred_p90",
    "pred_exit_marketplace",
    "pred_days_to_sell",
    "within_interval",
    "proposal_id",
    "origin",
)


def fee_schedule() -> FeeSchedule:
    """The marketplaces' seller fees from the dbt seed."""
    return FeeSchedule.from_csv(SEEDS / "marketplace_fees.csv")


def fx_rates() -> FxRates:
    """The dated exchange rates from the dbt seed."""
    return FxRates.from_csv(SEEDS / "fx_rates.csv")


def _day(value: str | None, what: str) -> date:
    """--date as an ISO date; today (UTC) when not given."""
    if value is None:
        return money.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TradeError(f"{what} must be a date like 2026-03-31, got {value!r}") from None


def _with_ledger(
    args: argparse.Namespace, action: Callable[[TradeLedger, CommandSettings], int]
) -> int:
    """Run `action` on the ledger in the state store; refusals exit 2 with one line."""
    from sqlalchemy.exc import SQLAlchemyError

    from arb_pipeline.alerts.store import StateStore
    from arb_pipeline.defs.environment import command_settings
    from arb_pipeline.trades.ledger import TradeLedger

    settings = command_settings(args.home)
    try:
        return action(TradeLedger(StateStore.for_home(settings.arb_home.located())), settings)
    except (KeyError, TradeError) as error:
        message = error.args[0] if isinstance(error, KeyError) else str(error)
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SQLAlchemyError as error:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        print(f"error: state store unavailable: {detail}", file=sys.stderr)
        return 1


def refusing(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Exit 2 with one line when the arguments themselves are refused (before the store)."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except TradeError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT

    run.__doc__ = command.__doc__
    return run


def _amount(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


@refusing
def cmd_buy(args: argparse.Namespace) -> int:
    """An approved proposal becomes a trade with what it really cost."""
    from arb_pipeline.trades.predictions import prediction_for_proposal

    price = to_cents(args.price, "--price")
    shipping = to_cents(args.shipping, "--shipping")
    fees = to_cents(args.fees, "--fees")
    on = _day(args.date, "--date")

    def buy(ledger: TradeLedger, settings: CommandSettings) -> int:
        proposal = ledger.store.get_proposal(args.proposal_id)
        warehouse = settings.arb_home.located().warehouse
        prediction = prediction_for_proposal(ledger.store, proposal, warehouse)
        trade = ledger.buy(args.proposal_id, price, on, shipping, fees, prediction)
        cost = price + shipping + fees
        print(
            f"trade {trade['id']}: bought proposal {args.proposal_id} on {on} for "
            f"{_amount(cost)} {trade['currency']} (price {_amount(price)} + shipping "
            f"{_amount(shipping)} + fees {_amount(fees)})"
        )
        approved = proposal["approved_amount"]
        if approved is not None and cost > round(approved * 100):
            print(
                f"note: {_amount(cost - round(approved * 100))} more than the {approved:.2f} "
                "approved; budgets now count what was spent"
            )
        if trade["pred_p50"] is not None:
            print(
                f"predicted resale {trade['pred_p50']:.2f} (p10–p90 {trade['pred_p10']:.2f}–"
                f"{trade['pred_p90']:.2f}) on {trade['pred_exit_marketplace']}"
            )
        else:
            print("no prediction found in the warehouse for this listing")
        return 0

    return _with_ledger(args, buy)


@refusing
def cmd_list_for_sale(args: argparse.Namespace) -> int:
    """Record where and at what asking price a trade is listed."""
    price = to_cents(args.price, "--price")
    on = _day(args.date, "--date")
    marketplace = args.marketplace.strip().lower()

    def listed(ledger: TradeLedger, _settings: CommandSettings) -> int:
        trade = ledger.list_for_sale(args.trade_id, marketplace, price, on)
        print(
            f"trade {trade['id']} listed on {marketplace} for {_amount(price)} "
            f"{trade['currency']} since {on}"
        )
        return 0

    return _with_ledger(args, listed)


@refusing
def cmd_sell(args: argparse.Namespace) -> int:
    """Record a sale; fees default to the marketplace's schedule on the sale date."""
    from arb_pipeline.trades.ledger import Sale, outcome

    sale = Sale(
        on=_day(args.date, "--date"),
        price_cents=to_cents(args.price, "--price"),
        marketplace=args.marketplace.strip().lower(),
        fees_cents=None if args.fees is None else to_cents(args.fees, "--fees"),
        shipping_cents=to_cents(args.shipping, "--shipping"),
    )

    def sell(ledger: TradeLedger, settings: CommandSettings) -> int:
        trade = ledger.sell(args.trade_id, sale, fee_schedule())
        result = outcome(trade, fx_rates(), settings.reporting.code())
        currency = trade["currency"]
        basis = "as given" if trade["fees_basis"] == "given" else f"from the {trade['fees_basis']}"
        print(
            f"trade {trade['id']} sold on {sale.marketplace} on {sale.on} for "
            f"{_amount(sale.price_cents)} {currency}"
        )
        print(f"fees {result['fees']} {currency} ({basis}); shipping {result['shipping']}")
        print(f"realized profit {result['realized_profit']} {currency}")
        if trade["fees_basis"] != "given":
            print(f"fees differ? arb-pipeline trades correct {trade['id']} --fees AMOUNT")
        return 0

    return _with_ledger(args, sell)


@refusing
def cmd_correct(args: argparse.Namespace) -> int:
    """Correct the fees or shipping of a recorded sale."""
    from arb_pipeline.trades.ledger import outcome

    fees = None if args.fees is None else to_cents(args.fees, "--fees")
    shipping = None if args.shipping is None else to_cents(args.shipping, "--shipping")

    def correct(ledger: TradeLedger, settings: CommandSettings) -> int:
        trade = ledger.correct(args.trade_id, fees, shipping)
        result = outcome(trade, fx_rates(), settings.reporting.code())
        print(
            f"trade {trade['id']}: fees {result['fees']}, shipping {result['shipping']}, "
            f"realized profit {result['realized_profit']} {trade['currency']}"
        )
        return 0

    return _with_ledger(args, correct)


@refusing
def cmd_import(args: argparse.Namespace) -> int:
    """Import past trades from CSV or Parquet; bad rows are reported, good ones land."""
    from pathlib import Path

    from arb_pipeline.trades.importer import parse_rows, read_table

    rows, first = read_table(Path(args.file))

    def land(ledger: TradeLedger, settings: CommandSettings) -> int:
        good, bad = parse_rows(rows, first, settings.reporting.code(), money.today())
        result = ledger.import_rows(good, fee_schedule())
        for row in bad:
            print(f"{args.file}: {row}", file=sys.stderr)
        print(
            f"imported {args.file}: {result.added} new trade(s), {result.sold} sale(s) added to "
            f"earlier imports, {result.unchanged} already imported, {len(bad)} row(s) refused"
        )
        return EXIT_BAD_INPUT if bad else 0

    return _with_ledger(args, land)


def cmd_list(args: argparse.Namespace) -> int:
    """List trades with cost, proceeds, realized profit and the prediction they were bought on."""
    from arb_pipeline.trades.ledger import outcome

    def show(ledger: TradeLedger, settings: CommandSettings) -> int:
        fx, currency = fx_rates(), settings.reporting.code()
        rows = [outcome(trade, fx, currency) for trade in ledger.all()]
        if args.status:
            rows = [row for row in rows if row["status"] == args.status]
        print_rows(rows, args.format, LIST_FIELDS, _table, _json)
        return 0

    return _with_ledger(args, show)


def _json(value: Any) -> Any:
    """Decimals as JSON numbers (two decimals), dates as ISO text."""
    return float(value) if isinstance(value, Decimal) else str(value)


def _table(rows: list[dict[str, Any]]) -> None:
    """A compact table: one line per trade."""
    header = (
        f"{'id':>4} {'status':<6} {'title':<34} {'cur':<3} {'cost':>9} {'proceeds':>9} "
        f"{'fees':>8} {'profit':>9} {'days':>4}  {'p10–p90':<17} in"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        interval = (
            f"{r['pred_p10']:.0f}–{r['pred_p90']:.0f} {r['pred_exit_marketplace'] or ''}"
            if r["pred_p10"] is not None
            else "-"
        )
        within = {True: "yes", False: "no", None: "-"}[r["within_interval"]]
        print(
            f"{r['id']:>4} {r['status']:<6} {r['title'][:34]:<34} {r['currency']:<3} "
            f"{r['cost']:>9} {_cell(r['proceeds']):>9} {_cell(r['fees']):>8} "
            f"{_cell(r['realized_profit']):>9} {r['days_held']:>4}  {interval[:17]:<17} {within}"
        )


def _cell(value: Decimal | None) -> str:
    return "-" if value is None else str(value)


def add_trades_parser(commands: Any) -> None:
    """Add `trades buy|list-for-sale|sell|correct|import|list` to the CLI's subcommands."""
    trades = commands.add_parser("trades", help="purchases, sales and realized profit")
    sub = trades.add_subparsers(dest="trades_command", required=True)

    buy = sub.add_parser("buy", help="record the purchase of an approved proposal")
    buy.add_argument("proposal_id", type=int)
    buy.add_argument("--price", required=True, help="what you paid for the item")
    buy.add_argument("--shipping", default="0", help="shipping you paid (default 0)")
    buy.add_argument("--fees", default="0", help="buyer fees you paid (default 0)")
    buy.add_argument("--date", help="purchase date YYYY-MM-DD (default today, UTC)")
    buy.set_defaults(handler=cmd_buy)

    listed = sub.add_parser("list-for-sale", help="record where a trade is listed for sale")
    listed.add_argument("trade_id", type=int)
    listed.add_argument("--marketplace", required=True)
    listed.add_argument("--price", required=True, help="asking price")
    listed.add_argument("--date", help="listing date YYYY-MM-DD (default today, UTC)")
    listed.set_defaults(handler=cmd_list_for_sale)

    sell = sub.add_parser("sell", help="record a sale (fees default to the fee schedule)")
    sell.add_argument("trade_id", type=int)
    sell.add_argument("--price", required=True, help="the price the buyer paid")
    sell.add_argument("--marketplace", required=True)
    sell.add_argument("--fees", help="seller fees (default: the marketplace's schedule)")
    sell.add_argument("--shipping", default="0", help="shipping you paid (default 0)")
    sell.add_argument("--date", help="sale date YYYY-MM-DD (default today, UTC)")
    sell.set_defaults(handler=cmd_sell)

    correct = sub.add_parser("correct", help="correct the fees or shipping of a sale")
    correct.add_argument("trade_id", type=int)
    correct.add_argument("--fees")
    correct.add_argument("--shipping")
    correct.set_defaults(handler=cmd_correct)

    imports = sub.add_parser("import", help="import past trades from CSV or Parquet")
    imports.add_argument("file")
    imports.set_defaults(handler=cmd_import)

    listing = sub.add_parser("list", help="trades with realized profit and predictions")
    listing.add_argument("--status", choices=TRADE_STATUSES)
    listing.add_argument("--format", choices=("table", "json", "csv"), default="table")
    listing.set_defaults(handler=cmd_list)
