#!/usr/bin/env python3
"""Generate the example Shopify Payments transactions export under examples/settlements/.

  shopify-payments-transactions-2025-09.csv   Shopify Payments "Export transactions" CSV for the Shopify store
                                              shopify-acme of examples/orders/2025-09.jsonl

It is read by the built-in settlement mapping rules/settlements/shopify-payments.yaml (`ledgersync payments import`,
recognised by its header). The layout is INFERRED (not in the shared research notes): the commonly published header
  Transaction Date, Type, Order, Card Brand, Card Source, Payout Status, Payout Date, Payout ID, Available On,
  Amount, Fee, Net, Checkout, Payment Method Name, Presentment Amount, Presentment Currency, Currency
newest transaction first. The figures are illustrative:

  - only the orders paid by card go through Shopify Payments (#1043, paid by online banking, went through another
    gateway and is not in the file);
  - a charge is the order's buyer_paid (items, shipping and the tax charged: payment.buyer_paid), at the time it was
    paid; its fee is 2.5% of it (rounded half up to the sen) + 0.50, and Net = Amount - Fee;
  - a cancelled order (#1045) was charged and refunded the next morning at 10:15: the refund is -Amount with no fee
    (Shopify keeps the charge's fee);
  - Shopify pays out weekly on Mondays: each transaction goes into the first Monday after its day (local time,
    +08:00); every payout up to the export day (2025-09-30) is paid, with a Payout ID made from its date.

Before anything is written every row is checked: a charge equals the order's buyer_paid, and Amount, Fee and
Net are written to the sen. Deterministic: standard library only, no clock. Re-running reproduces the file byte for byte.

Usage:  python3 scripts/make-example-settlements.py
"""

import datetime as dt
import json
import os
import sys
from decimal import Decimal, ROUND_HALF_UP

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORDERS = os.path.join(ROOT, "examples", "orders", "2025-09.jsonl")
OUT = os.path.join(ROOT, "examples", "settlements", "shopify-payments-transactions-2025-09.csv")
STORE = "shopify-acme"
EXPORTED_ON = dt.date(2025, 9, 30)
RATE = Decimal("0.025")
FIXED = Decimal("0.50")
CENT = Decimal("0.01")
HEADER = ["Transaction Date", "Type", "Order", "Card Brand", "Card Source", "Payout Status", "Payout Date", "Payout ID",
          "Available On", "Amount", "Fee", "Net", "Checkout", "Payment Method Name", "Presentment Amount",
          "Presentment Currency", "Currency"]
BRANDS = ["visa", "master"]


def fee_of(amount):
    return (amount * RATE).quantize(CENT, rounding=ROUND_HALF_UP) + FIXED


def payout_day(moment):
    """The first Monday after the transaction's local day."""
    day = moment.date()
    days = (7 - day.weekday()) % 7 or 7
    return day + dt.timedelta(days=days)


def main():
    orders = [json.loads(line) for line in open(ORDERS, encoding="utf-8") if line.strip()]
    shopify = [o for o in orders if o["store"] == STORE and o["payment"]["method"] == "Credit Card" and o["dates"]["paid"]]
    transactions = []
    for index, order in enumerate(shopify):
        paid = dt.datetime.fromisoformat(order["dates"]["paid"])
        amount = Decimal(order["payment"]["buyer_paid"])
        fee = fee_of(amount)
        brand = BRANDS[index % len(BRANDS)]
        checkout = "#%d" % (68683485600000 + int(order["id"].split("-")[1]))
        transactions.append((paid, "charge", order, brand, checkout, amount, fee))
        if order["status"] == "cancelled":
            refunded = dt.datetime.combine(paid.date() + dt.timedelta(days=1), dt.time(10, 15), paid.tzinfo)
            transactions.append((refunded, "refund", order, brand, checkout, -amount, Decimal("0.00")))
    transactions.sort(key=lambda t: t[0], reverse=True)

    rows = [HEADER]
    payouts = {}
    for moment, kind, order, brand, checkout, amount, fee in transactions:
        net = amount - fee
        if kind == "charge" and amount != Decimal(order["payment"]["buyer_paid"]):
            sys.exit("%s: the charge %s is not the order's buyer_paid" % (order["order_number"], amount))
        if any(value.as_tuple().exponent != -2 for value in (amount, fee, net)):
            sys.exit("%s: an amount is not written to the sen" % order["order_number"])
        payout = payout_day(moment)
        status = "paid" if payout <= EXPORTED_ON else "pending"
        payout_id = "9%s01" % payout.strftime("%y%m%d") if status == "paid" else ""
        payouts.setdefault((payout.isoformat(), payout_id), Decimal("0.00"))
        payouts[(payout.isoformat(), payout_id)] += net
        rows.append([moment.strftime("%Y-%m-%d %H:%M:%S %z"), kind, order["order_number"], brand, "online", status,
                     payout.isoformat(), payout_id, payout.isoformat(), str(amount), str(fee), str(net), checkout, "card",
                     str(amount), order["currency"], order["currency"]])

    with open(OUT, "w", encoding="utf-8", newline="") as out:
        for row in rows:
            out.write(",".join(row) + "\r\n")
    for (day, payout_id), total in sorted(payouts.items()):
        print("payout %s %s: %s" % (day, payout_id or "(pending)", total))
    print("wrote %s: %d transactions" % (os.path.relpath(OUT, ROOT), len(rows) - 1))


if __name__ == "__main__":
    main()
