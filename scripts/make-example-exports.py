#!/usr/bin/env python3
"""Generate example order exports, in each channel's real download layout, under examples/exports/.

The exports are derived from the canonical example orders (examples/orders/2025-09.jsonl, merchant
"Acme Living"), so a built-in import mapping (rules/imports/, issue 10) can be tested against files that
look like what a merchant downloads, and its result compared with the canonical order it came from:

  shopee-Order.all.20250901_20250930.xlsx   Shopee MY Seller Centre "Order.all" export (sheet `orders`)
  lazada-orders-2025-09.xlsx                Lazada MY Seller Center order export (sheet `sheet1`, one row per unit)
  tiktok-orders-2025-09.csv                 TikTok Shop MY order export, CSV (BOM, 2 header rows, `\t`-suffixed ids/times)
  shopify-orders_export.csv                 Shopify "Export orders" CSV (order columns on an order's first row only)
  woocommerce-orders-2025-09.csv            WooCommerce "Advanced Order Export" (algolplus) default fields, CSV

Layouts (header texts and order, grain, money/date formats, status texts) follow the shared research note
../shared/docs/order-exports.md (§1 Shopee, §2 TikTok, §3 Lazada, §4 Shopify, §5 WooCommerce). Everything that note
marks inferred ([I]) is written as its best guess and listed in examples/exports/README.md, which this
script also writes.

Before anything is written, every exported order is checked with decimal.Decimal: the sum of its parts,
computed from the export's own cells, equals the export's total column (or, for Lazada, which has none, the
paid prices plus shipping), and that total equals the canonical order's buyer_paid. Any mismatch: nothing is
written, exit status 1.

Partial returns: the canonical orders carry no returns, so the exports add a few (RETURNS below: units of a
completed order that came back after it completed), each written in the export's own return columns, and the
README lists the canonical `returns` event each built-in mapping must read from it. They take no draws from the
PRNG, so every other cell is what it was without them.

Deterministic: standard library only, no clock, fixed seed with an own PRNG (splitmix64, as in
make-example-orders.py), fixed zip timestamps. Re-running reproduces every file byte for byte.

Usage:  python3 scripts/make-example-exports.py
"""

import datetime as _dt
import io
import json
import os
import sys
import zipfile
from decimal import Decimal, ROUND_HALF_UP
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORDERS = os.path.join(ROOT, "examples", "orders", "2025-09.jsonl")
OUT_DIR = os.path.join(ROOT, "examples", "exports")
SCRIPT_REL = "scripts/make-example-exports.py"
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Every zip entry gets this timestamp, so the xlsx bytes do not depend on when the script runs.
ZIP_TIME = (2025, 10, 6, 9, 0, 0)

FILES = {
    "shopee": "shopee-Order.all.20250901_20250930.xlsx",
    "lazada": "lazada-orders-2025-09.xlsx",
    "tiktok": "tiktok-orders-2025-09.csv",
    "shopify": "shopify-orders_export.csv",
    "woocommerce": "woocommerce-orders-2025-09.csv",
}
# The store whose orders each export holds: an export is one seller account's download.
STORE_OF = {
    "shopee": "shopee-acme-my",
    "lazada": "lazada-acme-my",
    "tiktok": "tiktok-acme-my",
    "shopify": "shopify-acme",
    "woocommerce": "woo-acme",
}


def _example_orders_module():
    """The orders generator, for its PRNG: one splitmix64 for both scripts."""
    import importlib.util
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-example-orders.py")
    spec = importlib.util.spec_from_file_location("make_example_orders", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Rng(_example_orders_module().Rng):
    """The orders generator's splitmix64, plus what the exports need of it."""

    def digits(self, n):
        """n decimal digits, the first not 0."""
        first = str(1 + self.next64() % 9)
        return first + "".join(str(self.next64() % 10) for _ in range(n - 1))


def D(s):
    return Decimal(s)


def m2(d):
    """Money as a plain 2-decimal string: 1234.50, -3.00."""
    return str(Decimal(d).quantize(CENT))


def excel_number(d):
    """A number as Excel writes it in <v>: shortest form, no trailing zeros (377.5, 399, 0.8)."""
    d = Decimal(d).quantize(CENT)
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def ts(s):
    """Canonical timestamp (ISO with +08:00) -> naive Malaysia local time."""
    return _dt.datetime.fromisoformat(s).replace(tzinfo=None) if s else None


def allocate(total, weights):
    """Split `total` (Decimal, cents) over `weights` proportionally; the rounding cents go to the first
    shares, so the shares always add up to `total` exactly."""
    total = Decimal(total)
    cents = int((total / CENT).to_integral_value())
    wsum = sum(weights)
    if cents == 0:
        return [ZERO for _ in weights]
    if wsum == 0:
        weights = [1 for _ in weights]
        wsum = len(weights)
    raw = [cents * w / wsum for w in weights]
    shares = [int(r) for r in raw]
    rest = cents - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - shares[i]), i))
    for i in order[:rest]:
        shares[i] += 1
    return [Decimal(s) * CENT for s in shares]


def split_even(total, n):
    """`total` over n units: equal shares, the odd cents on the first units."""
    return allocate(total, [1] * n)


class Failure(Exception):
    pass


def require(cond, what):
    if not cond:
        raise Failure(what)


# --------------------------------------------------------------------------------------------
# Reference data used only by the exports (the canonical orders carry none of it)
# --------------------------------------------------------------------------------------------
# sku -> weight in kg (Shopee SKU weight, TikTok Weight(kg)), TikTok product category
PRODUCT_INFO = {
    "TBL-RND-OAK": ("12.500", "Furniture"),
    "CHR-DIN-WAL": ("6.800", "Furniture"),
    "LMP-DESK-BLK": ("1.200", "Lighting"),
    "RUG-160-GRY": ("3.400", "Home Textiles"),
    "CUSH-45-BLU": ("0.480", "Home Textiles"),
    "MUG-6PK": ("2.100", "Kitchenware"),
    "SET-DIN-4": ("39.700", "Furniture"),
    "GIFT-TOTE": ("0.150", "Bags"),
    "VASE-CER-WHT": ("0.900", "Home Decor"),
    "CANDLE-LAV": ("0.350", "Home Decor"),
    "FRAME-A4-BLK": ("0.400", "Home Decor"),
    "PLANT-POT-M": ("1.100", "Garden"),
    "NEW-VASE-01": ("0.850", "Home Decor"),
    "XMAS-DECOR-99": ("0.300", "Festive Decor"),
}
# Malaysian state -> the state code Shopify and WooCommerce write (ISO 3166-2:MY style codes) [I]
STATE_CODES = {
    "Johor": "JHR", "Kedah": "KDH", "Melaka": "MLK", "Negeri Sembilan": "NSN", "Pahang": "PHG",
    "Perak": "PRK", "Pulau Pinang": "PNG", "Sabah": "SBH", "Sarawak": "SWK", "Selangor": "SGR",
    "W.P. Kuala Lumpur": "KUL",
}
COUNTRY_NAMES = {"MY": "Malaysia", "SG": "Singapore"}


# Partial returns the exports add to completed canonical orders: canonical id -> {sku: units that came back}. One
# per channel whose export has per-line return columns (Shopify's has none: §4, §7). The return happened two days
# after the order completed; the README shows the canonical `returns` event a mapping reads from each.
RETURNS = {
    "SG-1000135": {"CHR-DIN-WAL": 1},   # Shopee: 1 of 2 chairs (Returned quantity; Return / Refund Status Request Approved)
    "SG-1000139": {"MUG-6PK": 1},       # TikTok: the mug line of a two-line order (Sku Quantity of return, Order Refund Amount)
    "SG-1000151": {"CANDLE-LAV": 1},    # Lazada: 1 of 2 candle unit rows `returned`, with its refundAmount
    "SG-1000110": {"MUG-6PK": 1},       # WooCommerce: 1 of 2 mugs (Quantity (- Refund), Order Line Total Refunded, Order Refund Amount)
}
RETURN_REASON = "Item damaged in transit"


def returned_units(o, line):
    """Units of this line the export shows as returned: all of them for a returned order, else RETURNS'."""
    if o["status"] == "returned":
        return line["qty"]
    return RETURNS.get(o["id"], {}).get(line["sku"], 0)


def return_time(o):
    """When an added partial return was refunded: two days after the order completed."""
    return ts(o["dates"]["completed"]) + _dt.timedelta(days=2)


def share(amount, part, whole):
    """`part` of `whole` units' `amount`, rounded half up (the whole amount exactly when part == whole)."""
    return (Decimal(amount) * part / whole).quantize(CENT, rounding=ROUND_HALF_UP) if part != whole else Decimal(amount)


# The canonical `returns` event each built-in mapping must read from an export, by channel and canonical id,
# filled by the check_* functions from the export's own cells (so the README cannot drift from the files).
RETURN_EVENTS = {}


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "+08:00"


def event_json(event):
    """A return event as the importer writes it: compact JSON, keys in the format's order."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def check_returns(ch, o, lines_back, event):
    """The units an export shows back are the ones RETURNS adds, within what was sold; record the event."""
    for l in o["lines"]:
        require(0 <= lines_back.get(l["sku"], 0) <= l["qty"], f"{ch} {o['order_number']}: more of {l['sku']} returned than sold")
    if o["id"] in RETURNS:
        require(lines_back == RETURNS[o["id"]], f"{ch} {o['order_number']}: returned units {lines_back} != {RETURNS[o['id']]}")
        RETURN_EVENTS.setdefault(ch, {})[o["id"]] = event
    elif o["status"] != "returned":
        require(not any(lines_back.values()), f"{ch} {o['order_number']}: units returned on an order without a return")


def load_orders():
    with open(ORDERS, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def line_net(line):
    return D(line["unit_price"]) * line["qty"] - D(line["seller_discount"]) - D(line["platform_discount"])


def buyer_shipping(o):
    s = o["shipping"]
    return D(s["fee"]) - D(s["seller_discount"]) - D(s["platform_discount"])


def first_last(name):
    parts = name.split(" ", 1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def username(name):
    return "".join(ch for ch in name.lower() if ch.isalnum())[:14]


def mask_name(name):
    """Shopee's masking as in S1 (`K****i`): first and last character kept."""
    return name[0] + "****" + name[-1] if len(name) > 2 else "**"


def mask_phone(phone):
    """`******15`: only the last two digits kept."""
    digits = phone.lstrip("+")
    return "*" * (len(digits) - 2) + digits[-2:]


def mask_address(text):
    """`Po******`: the first two characters kept."""
    return text[:2] + "******"


def local_phone(phone):
    """60123456789: the international number without `+`, as Lazada/TikTok write it (S14)."""
    return phone.lstrip("+") if phone else ""


# --------------------------------------------------------------------------------------------
# Shopee (§1): G2 header, one row per order line, order-level values repeated on every row
# --------------------------------------------------------------------------------------------
SHOPEE_HEADER = [
    "Order ID", "Order Status", "Cancel reason", "Return / Refund Status", "Tracking Number*",
    "Shipping Option", "Shipment Method", "Estimated Ship Out Date", "Ship Time", "Order Creation Date",
    "Order Paid Time", "Parent SKU Reference No.", "Product Name", "SKU Reference No.", "Variation Name",
    "Original Price", "Deal Price", "Quantity", "Returned quantity", "Product Subtotal", "Seller Rebate",
    "Seller Discount", "Shopee Rebate", "SKU Total Weight", "No of product in order", "Order Total Weight",
    "Voucher Code From Seller", "Seller Voucher", "Seller Absorbed Coin Cashback", "Shopee Voucher",
    "Bundle Deal Indicator", "Shopee Bundle Discount", "Seller Bundle Discount", "Shopee Coins Offset",
    "Credit Card Discount Total", "Total Amount", "Buyer Paid Shipping Fee", "Shipping Rebate Estimate",
    "Reverse Shipping Fee", "Transaction Fee", "Commission Fee", "Service Fee", "Grand Total",
    "Estimated Shipping Fee", "Username (Buyer)", "Receiver Name", "Phone Number", "Delivery Address",
    "Town", "District", "City", "Province", "Country", "Zip Code", "Remark from buyer",
    "Order Complete Time", "Note",
]
SHOPEE_STATUS = {
    "unpaid": "Unpaid", "paid": "To ship", "ready_to_ship": "To ship", "shipped": "Shipping",
    "delivered": "Delivered", "completed": "Completed", "cancelled": "Cancelled",
    # A return does not change Order Status (S1 row 10): it stays Completed, Return / Refund Status says it.
    "returned": "Completed",
}
# Illustrative fee rates for the fee estimates (not from any source; they only make the columns non-empty).
SHOPEE_COMMISSION = Decimal("0.0500")
SHOPEE_TRANSACTION = Decimal("0.0378")
SHOPEE_SERVICE = Decimal("0.0300")


def pct(amount, rate):
    return (Decimal(amount) * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def shopee_time(t):
    return t.strftime("%Y-%m-%d %H:%M") if t else ""


def shopee_rows(orders, rng):
    """Rows as lists of (kind, value): kind 'n' number cell, 's' text cell."""
    rows = []
    for o in orders:
        status = o["status"]
        d = o["dates"]
        ordered, paid, shipped, completed = (ts(d[k]) for k in ("ordered", "paid", "shipped", "completed"))
        v = o["vouchers"]
        ship = o["shipping"]
        lines = o["lines"]
        subtotal_sum = sum(line_net(l) for l in lines)
        rebate_sum = sum(D(l["platform_discount"]) for l in lines)
        buyer_ship = buyer_shipping(o)
        total = subtotal_sum - D(v["seller"]) - D(v["platform"]) - D(v["coins"]) + buyer_ship
        commission = pct(subtotal_sum, SHOPEE_COMMISSION)
        transaction = pct(total, SHOPEE_TRANSACTION)
        service = pct(subtotal_sum, SHOPEE_SERVICE)
        # Seller's estimated net [I]: what the buyer pays for the goods, plus what Shopee funds (its price
        # rebates, vouchers, coins and shipping subsidy), less the seller's costs (fees, actual shipping).
        grand = (subtotal_sum + rebate_sum - D(v["seller"]) + buyer_ship + D(ship["platform_discount"])
                 - D(ship["fee"]) - commission - transaction - service)
        weight_total = sum(D(PRODUCT_INFO[l["sku"]][0]) * l["qty"] for l in lines)
        tracking = ("SPXMY0" + rng.digits(11)) if shipped else ""
        buyer = o["buyer"]
        addr = buyer["address"] or {}
        cancel_reason = ""
        if status == "cancelled":
            cancel_reason = ("Cancelled automatically by system. Reason: Unpaid order" if not paid
                             else "Cancelled by buyer. Reason: Need to change delivery address")
        ret_status = "Request Approved" if status == "returned" or o["id"] in RETURNS else ""

        def money(x):
            # S1: zero money cells come as text "0.00", other amounts as numbers.
            x = Decimal(x)
            return ("s", "0.00") if x == 0 else ("n", excel_number(x))

        for l in lines:
            qty = l["qty"]
            net = line_net(l)
            deal = (net / qty).quantize(CENT, rounding=ROUND_HALF_UP)
            has_variation = l["variation"] is not None
            weight = D(PRODUCT_INFO[l["sku"]][0]) * qty
            row = {
                "Order ID": ("s", o["order_number"]),
                "Order Status": ("s", SHOPEE_STATUS[status]),
                "Cancel reason": ("s", cancel_reason),
                "Return / Refund Status": ("s", ret_status),
                "Tracking Number*": ("s", tracking),
                "Shipping Option": ("s", "SPX Express"),
                "Shipment Method": ("s", "Drop off" if shipped else ""),
                "Estimated Ship Out Date": ("s", shopee_time((ordered + _dt.timedelta(days=2)).replace(hour=23, minute=59))),
                "Ship Time": ("s", shopee_time(shipped)),
                "Order Creation Date": ("s", shopee_time(ordered)),
                "Order Paid Time": ("s", shopee_time(paid)),
                # A product without variations has only a parent SKU; SKU Reference No. is then blank (§1.3).
                "Parent SKU Reference No.": ("s", "" if has_variation else l["sku"]),
                "Product Name": ("s", l["name"]),
                "SKU Reference No.": ("s", l["sku"] if has_variation else ""),
                "Variation Name": ("s", l["variation"] or ""),
                "Original Price": money(l["unit_price"]),
                "Deal Price": money(deal),
                "Quantity": ("n", str(qty)),
                "Returned quantity": ("n", str(returned_units(o, l))),
                "Product Subtotal": money(net),
                "Seller Rebate": money(l["seller_discount"]),
                "Seller Discount": money(l["seller_discount"]),
                "Shopee Rebate": money(l["platform_discount"]),
                "SKU Total Weight": ("s", str(weight.quantize(Decimal("0.001")))),
                "No of product in order": ("n", str(len(lines))),
                "Order Total Weight": ("s", str(weight_total.quantize(Decimal("0.001")))),
                "Voucher Code From Seller": ("s", ("ACME" + excel_number(v["seller"])) if D(v["seller"]) else ""),
                "Seller Voucher": money(v["seller"]),
                "Seller Absorbed Coin Cashback": money(ZERO),
                "Shopee Voucher": money(v["platform"]),
                "Bundle Deal Indicator": ("s", "N"),
                "Shopee Bundle Discount": money(ZERO),
                "Seller Bundle Discount": money(ZERO),
                "Shopee Coins Offset": money(v["coins"]),
                "Credit Card Discount Total": money(ZERO),
                "Total Amount": money(total),
                "Buyer Paid Shipping Fee": money(buyer_ship),
                "Shipping Rebate Estimate": money(ship["platform_discount"]),
                "Reverse Shipping Fee": money(ZERO),
                "Transaction Fee": money(transaction),
                "Commission Fee": money(commission),
                "Service Fee": money(service),
                "Grand Total": money(grand),
                "Estimated Shipping Fee": money(ship["fee"]),
                "Username (Buyer)": ("s", username(buyer["name"])),
                "Receiver Name": ("s", mask_name(buyer["name"])),
                "Phone Number": ("s", mask_phone(buyer["phone"]) if buyer["phone"] else ""),
                "Delivery Address": ("s", mask_address(addr.get("line1", ""))),
                "Town": ("s", ""),
                "District": ("s", ""),
                "City": ("s", addr.get("city", "")),
                "Province": ("s", addr.get("state") or ""),
                "Country": ("s", COUNTRY_NAMES.get(addr.get("country"), "")),
                "Zip Code": ("s", addr.get("postcode", "")),
                "Remark from buyer": ("s", ""),
                "Order Complete Time": ("s", shopee_time(completed)),
                "Note": ("s", ""),
            }
            require(list(row) == SHOPEE_HEADER, "Shopee row keys out of header order")
            rows.append(list(row.values()))
    return rows


def num(cell):
    kind, text = cell
    return D(text) if text != "" else ZERO


def check_shopee(rows, orders):
    h = {name: i for i, name in enumerate(SHOPEE_HEADER)}
    col = lambda r, name: num(r[h[name]])
    totals = {}
    for o in orders:
        mine = [r for r in rows if r[h["Order ID"]][1] == o["order_number"]]
        require(len(mine) == len(o["lines"]), f"Shopee {o['order_number']}: one row per line")
        for name in ("Total Amount", "Seller Voucher", "Shopee Voucher", "Shopee Coins Offset",
                     "Credit Card Discount Total", "Buyer Paid Shipping Fee", "Order Status"):
            require(len({r[h[name]] for r in mine}) == 1, f"Shopee {o['order_number']}: {name} differs between rows")
        for r in mine:
            require(col(r, "Original Price") * col(r, "Quantity") - col(r, "Seller Discount") - col(r, "Shopee Rebate")
                    == col(r, "Product Subtotal"), f"Shopee {o['order_number']}: Product Subtotal")
        first = mine[0]
        parts = (sum(col(r, "Product Subtotal") for r in mine) - col(first, "Seller Voucher")
                 - col(first, "Shopee Voucher") - col(first, "Shopee Coins Offset")
                 - col(first, "Credit Card Discount Total") + col(first, "Buyer Paid Shipping Fee"))
        total = col(first, "Total Amount")
        require(parts == total, f"Shopee {o['order_number']}: parts {parts} != Total Amount {total}")
        require(total == D(o["payment"]["buyer_paid"]), f"Shopee {o['order_number']}: Total Amount {total} != buyer_paid")
        totals[o["order_number"]] = total
        sku = lambda r: r[h["SKU Reference No."]][1] or r[h["Parent SKU Reference No."]][1]
        back = {sku(r): int(col(r, "Returned quantity")) for r in mine if col(r, "Returned quantity")}
        # No return id, date or refund in the export: id `export`, dated the order's completion.
        done = first[h["Order Complete Time"]][1]
        check_returns("shopee", o, back, {"id": "export", "date": iso(_dt.datetime.strptime(done, "%Y-%m-%d %H:%M")) if done else None,
                                          "lines": [{"sku": k, "qty": v} for k, v in back.items()]})
    require(len(rows) == sum(len(o["lines"]) for o in orders), "Shopee: stray rows")
    return totals


# --------------------------------------------------------------------------------------------
# TikTok Shop (§2): CSV, UTF-8 BOM, 2 header rows, one row per line, order-level values repeated
# --------------------------------------------------------------------------------------------
TIKTOK_HEADER = [
    "Order ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "Normal or Pre-order", "SKU ID",
    "Seller SKU", "Product Name", "Variation", "Quantity", "Sku Quantity of return", "SKU Unit Original Price",
    "SKU Subtotal Before Discount", "SKU Platform Discount", "SKU Seller Discount", "SKU Subtotal After Discount",
    "Shipping Fee After Discount", "Original Shipping Fee", "Shipping Fee Seller Discount",
    "Shipping Fee Platform Discount", "Payment platform discount", "Taxes", "Order Amount", "Order Refund Amount",
    "Created Time", "Paid Time", "RTS Time", "Shipped Time", "Delivered Time", "Cancelled Time", "Cancel By",
    "Cancel Reason", "Fulfillment Type", "Warehouse Name", "Tracking ID", "Delivery Option",
    "Shipping Provider Name", "Buyer Message", "Buyer Username", "Recipient", "Phone #", "Zipcode", "Country",
    "State", "Post Town", "Detail Address", "Additional address information", "Payment Method", "Weight(kg)",
    "Product Category", "Package ID", "Seller Note", "Checked Status", "Checked Marked by",
]
# Row 2: a description of each column in the seller's language (English for this seller). Only the Order ID
# one is attested ("Platform unique order ID", S10/S18); the others are written in the same spirit [I].
TIKTOK_DESCRIPTIONS = {
    "Order ID": "Platform unique order ID",
    "Order Status": "Current status of the order",
    "Order Substatus": "Detailed status of the order",
    "Cancelation/Return Type": "Cancellation or return/refund type",
    "Normal or Pre-order": "Normal order or pre-order",
    "SKU ID": "Platform unique SKU ID",
    "Seller SKU": "SKU code set by the seller",
    "Product Name": "Product name",
    "Variation": "SKU variation",
    "Quantity": "Quantity of this SKU in the order",
    "Sku Quantity of return": "Quantity of this SKU returned",
    "SKU Unit Original Price": "Original price of one unit",
    "SKU Subtotal Before Discount": "Unit original price x quantity",
    "SKU Platform Discount": "Discount funded by the platform for this SKU",
    "SKU Seller Discount": "Discount funded by the seller for this SKU",
    "SKU Subtotal After Discount": "Subtotal after platform and seller discounts",
    "Shipping Fee After Discount": "Shipping fee paid by the buyer",
    "Original Shipping Fee": "Shipping fee before discounts",
    "Shipping Fee Seller Discount": "Shipping fee discount funded by the seller",
    "Shipping Fee Platform Discount": "Shipping fee discount funded by the platform",
    "Payment platform discount": "Payment discount funded by the platform",
    "Taxes": "Taxes paid by the buyer",
    "Order Amount": "Total amount paid by the buyer",
    "Order Refund Amount": "Amount refunded to the buyer",
    "Created Time": "Time the order was placed",
    "Paid Time": "Time the order was paid",
    "RTS Time": "Time the order was ready to ship",
    "Shipped Time": "Time the order was shipped",
    "Delivered Time": "Time the order was delivered",
    "Cancelled Time": "Time the order was cancelled",
    "Cancel By": "Who cancelled the order",
    "Cancel Reason": "Reason for cancellation",
    "Fulfillment Type": "Fulfillment type",
    "Warehouse Name": "Warehouse name",
    "Tracking ID": "Tracking number",
    "Delivery Option": "Delivery option",
    "Shipping Provider Name": "Shipping provider",
    "Buyer Message": "Message from the buyer",
    "Buyer Username": "Buyer username",
    "Recipient": "Recipient name",
    "Phone #": "Recipient phone number",
    "Zipcode": "Postcode",
    "Country": "Country",
    "State": "State",
    "Post Town": "Post town",
    "Detail Address": "Detailed address",
    "Additional address information": "Additional address information",
    "Payment Method": "Payment method",
    "Weight(kg)": "Package weight in kg",
    "Product Category": "Product category",
    "Package ID": "Package ID",
    "Seller Note": "Note by the seller",
    "Checked Status": "Whether the order is checked",
    "Checked Marked by": "Who marked the order as checked",
}
TIKTOK_STATUS = {
    "unpaid": ("Unpaid", "Unpaid"),
    "paid": ("To Ship", "Awaiting shipment"),
    "ready_to_ship": ("To Ship", "Awaiting collection"),
    "shipped": ("Shipped", "In transit"),
    "delivered": ("Shipped", "Delivered"),
    "completed": ("Completed", "Completed"),
    "cancelled": ("Canceled", "Canceled"),
    "returned": ("Completed", "Completed"),
}
TAB = "\t"


def tiktok_time(t):
    return t.strftime("%d/%m/%Y %H:%M:%S") + TAB if t else ""


def cancelled_time(o):
    """The canonical order has no cancellation moment: taken as 3 hours after payment (or ordering)."""
    d = o["dates"]
    return ts(d["paid"] or d["ordered"]) + _dt.timedelta(hours=3)


def tiktok_rows(orders, rng):
    sku_ids = {}
    rows = []
    for o in orders:
        status = o["status"]
        d = o["dates"]
        ordered, paid, shipped = ts(d["ordered"]), ts(d["paid"]), ts(d["shipped"])
        ship = o["shipping"]
        v = o["vouchers"]
        lines = o["lines"]
        # No voucher columns in this export: a voucher is folded into the SKU discounts [I], spread over the
        # lines in proportion to what each line costs after its own discounts.
        nets = [line_net(l) for l in lines]
        seller_v = allocate(D(v["seller"]), nets)
        platform_v = allocate(D(v["platform"]) + D(v["coins"]), nets)
        buyer_ship = buyer_shipping(o)
        amount = sum(nets) - D(v["seller"]) - D(v["platform"]) - D(v["coins"]) + buyer_ship
        refund = amount if status == "cancelled" and paid else (amount - buyer_ship if status == "returned" else ZERO)
        partial = o["id"] in RETURNS
        if partial:
            # What went back to the buyer: the returned units' share of what they paid for each line (after the
            # seller's and the platform's discounts and the vouchers folded into them).
            refund = sum(share(n - sv - pv, returned_units(o, l), l["qty"])
                         for l, n, sv, pv in zip(lines, nets, seller_v, platform_v) if returned_units(o, l))
        order_status, substatus = TIKTOK_STATUS[status]
        package = rng.digits(18) if status not in ("unpaid", "cancelled") else ""
        tracking = ("SPXMY" + rng.digits(12)) if shipped else ""
        buyer = o["buyer"]
        addr = buyer["address"] or {}
        phone = local_phone(buyer["phone"])
        weight = sum(D(PRODUCT_INFO[l["sku"]][0]) * l["qty"] for l in lines)
        for l, sv, pv in zip(lines, seller_v, platform_v):
            if l["sku"] not in sku_ids:
                sku_ids[l["sku"]] = "17" + rng.digits(17)
            before = D(l["unit_price"]) * l["qty"]
            platform = D(l["platform_discount"]) + pv
            seller = D(l["seller_discount"]) + sv
            row = {
                "Order ID": o["order_number"] + TAB,
                "Order Status": order_status,
                "Order Substatus": substatus,
                "Cancelation/Return Type": "Cancel" if status == "cancelled" else ("Return/Refund" if status == "returned" or partial else ""),
                "Normal or Pre-order": "Normal",
                "SKU ID": sku_ids[l["sku"]] + TAB,
                "Seller SKU": l["sku"],
                "Product Name": l["name"],
                "Variation": l["variation"] or "",
                "Quantity": str(l["qty"]),
                "Sku Quantity of return": str(returned_units(o, l)),
                "SKU Unit Original Price": m2(l["unit_price"]),
                "SKU Subtotal Before Discount": m2(before),
                "SKU Platform Discount": m2(platform),
                "SKU Seller Discount": m2(seller),
                "SKU Subtotal After Discount": m2(before - platform - seller),
                "Shipping Fee After Discount": m2(buyer_ship),
                "Original Shipping Fee": m2(ship["fee"]),
                "Shipping Fee Seller Discount": m2(ship["seller_discount"]),
                "Shipping Fee Platform Discount": m2(ship["platform_discount"]),
                "Payment platform discount": m2(ZERO),
                "Taxes": m2(ZERO),
                "Order Amount": m2(amount),
                "Order Refund Amount": m2(refund),
                "Created Time": tiktok_time(ordered),
                "Paid Time": tiktok_time(paid),
                "RTS Time": "",
                "Shipped Time": tiktok_time(shipped),
                "Delivered Time": "",
                "Cancelled Time": tiktok_time(cancelled_time(o)) if status == "cancelled" else (tiktok_time(return_time(o)) if partial else ""),
                "Cancel By": "Buyer" if status == "cancelled" or partial else "",
                "Cancel Reason": "Need to change delivery address" if status == "cancelled" else (RETURN_REASON if partial else ""),
                "Fulfillment Type": "Fulfillment by seller",
                "Warehouse Name": "Acme Living PJ",
                "Tracking ID": tracking,
                "Delivery Option": "Standard shipping",
                "Shipping Provider Name": "SPX Express" if shipped else "",
                "Buyer Message": "",
                "Buyer Username": username(buyer["name"]),
                "Recipient": mask_name(buyer["name"]),
                "Phone #": ("(+" + phone[:2] + ")" + phone[2:4] + "*****" + phone[-2:]) if phone else "",
                "Zipcode": addr.get("postcode", ""),
                "Country": COUNTRY_NAMES.get(addr.get("country"), ""),
                "State": addr.get("state") or "",
                "Post Town": addr.get("city", ""),
                "Detail Address": mask_address(addr.get("line1", "")),
                "Additional address information": "",
                "Payment Method": o["payment"]["method"] or "",
                "Weight(kg)": str(weight.quantize(Decimal("0.001"))),
                "Product Category": PRODUCT_INFO[l["sku"]][1],
                "Package ID": package + TAB if package else "",
                "Seller Note": "",
                "Checked Status": "Unchecked",
                "Checked Marked by": "",
            }
            require(list(row) == TIKTOK_HEADER, "TikTok row keys out of header order")
            rows.append(list(row.values()))
    return rows


def check_tiktok(rows, orders):
    h = {name: i for i, name in enumerate(TIKTOK_HEADER)}
    col = lambda r, name: D(r[h[name]].rstrip(TAB) or "0")
    totals = {}
    for o in orders:
        mine = [r for r in rows if r[h["Order ID"]].rstrip(TAB) == o["order_number"]]
        require(len(mine) == len(o["lines"]), f"TikTok {o['order_number']}: one row per line")
        for name in ("Order Amount", "Shipping Fee After Discount", "Payment platform discount", "Taxes", "Order Status"):
            require(len({r[h[name]] for r in mine}) == 1, f"TikTok {o['order_number']}: {name} differs between rows")
        first = mine[0]
        require(col(first, "Original Shipping Fee") - col(first, "Shipping Fee Seller Discount")
                - col(first, "Shipping Fee Platform Discount") == col(first, "Shipping Fee After Discount"),
                f"TikTok {o['order_number']}: shipping after discount")
        for r in mine:
            require(col(r, "SKU Unit Original Price") * col(r, "Quantity") == col(r, "SKU Subtotal Before Discount"),
                    f"TikTok {o['order_number']}: subtotal before discount")
            require(col(r, "SKU Subtotal Before Discount") - col(r, "SKU Platform Discount") - col(r, "SKU Seller Discount")
                    == col(r, "SKU Subtotal After Discount"), f"TikTok {o['order_number']}: subtotal after discount")
        parts = (sum(col(r, "SKU Subtotal After Discount") for r in mine) + col(first, "Shipping Fee After Discount")
                 + col(first, "Taxes") - col(first, "Payment platform discount"))
        total = col(first, "Order Amount")
        require(parts == total, f"TikTok {o['order_number']}: parts {parts} != Order Amount {total}")
        require(total == D(o["payment"]["buyer_paid"]), f"TikTok {o['order_number']}: Order Amount {total} != buyer_paid")
        totals[o["order_number"]] = total
        back = {r[h["Seller SKU"]]: int(col(r, "Sku Quantity of return")) for r in mine if col(r, "Sku Quantity of return")}
        if o["id"] in RETURNS:
            # The refund is the returned units' share of what the buyer paid for their lines.
            refund = sum(share(col(r, "SKU Subtotal After Discount"), int(col(r, "Sku Quantity of return")), int(col(r, "Quantity")))
                         for r in mine if col(r, "Sku Quantity of return"))
            require(col(first, "Order Refund Amount") == refund, f"TikTok {o['order_number']}: Order Refund Amount != the returned units' share")
        when = first[h["Cancelled Time"]].rstrip(TAB)
        check_returns("tiktok", o, back, {"id": "export", "date": iso(_dt.datetime.strptime(when, "%d/%m/%Y %H:%M:%S")) if when else None,
                                          "reason": first[h["Cancel Reason"]], "lines": [{"sku": k, "qty": v} for k, v in back.items()],
                                          "refunded": m2(col(first, "Order Refund Amount"))})
    require(len(rows) == sum(len(o["lines"]) for o in orders), "TikTok: stray rows")
    return totals


# --------------------------------------------------------------------------------------------
# Lazada (§3): xlsx sheet `sheet1`, one row per unit, negative discounts, per-row shipping
# --------------------------------------------------------------------------------------------
LAZADA_HEADER = [
    "orderItemId", "orderType", "Guarantee", "deliveryType", "lazadaId", "sellerSku", "lazadaSku", "wareHouse",
    "createTime", "updateTime", "rtsSla", "ttsSla", "orderNumber", "invoiceRequired", "invoiceNumber",
    "deliveredDate", "customerName", "customerEmail", "nationalRegistrationNumber", "shippingName",
    "shippingAddress", "shippingAddress2", "shippingAddress3", "shippingAddress4", "shippingAddress5",
    "shippingPhone", "shippingPhone2", "shippingCity", "shippingPostCode", "shippingCountry", "shippingRegion",
    "billingName", "billingAddr", "billingAddr2", "billingAddr3", "billingAddr4", "billingAddr5", "billingPhone",
    "billingPhone2", "billingCity", "billingPostCode", "billingCountry", "taxCode", "branchNumber",
    "taxInvoiceRequested", "payMethod", "paidPrice", "unitPrice", "sellerDiscountTotal",
    "platformDiscountTotal", "shippingFee", "walletCredit", "itemName", "variation", "cdShippingProvider",
    "shippingProvider", "shipmentTypeName", "shippingProviderType", "cdTrackingCode", "trackingCode",
    "trackingUrl", "shippingProviderFM", "trackingCodeFM", "trackingUrlFM", "promisedShippingTime", "premium",
    "status", "buyerFailedDeliveryReturnInitiator", "buyerFailedDeliveryReason", "buyerFailedDeliveryDetail",
    "buyerFailedDeliveryUserName", "bundleId", "semiManaged", "flexibleDeliveryTime", "bundleDiscount",
    "refundAmount", "sellerNote",
]
LAZADA_STATUS = {
    "unpaid": "unpaid", "paid": "pending", "ready_to_ship": "ready_to_ship", "shipped": "shipped",
    "delivered": "delivered", "completed": "confirmed", "cancelled": "canceled", "returned": "returned",
}


def lazada_time(t):
    return t.strftime("%d %b %Y %H:%M") if t else ""


def lazada_rows(orders, rng):
    sku_ids = {}
    rows = []
    for o in orders:
        status = o["status"]
        d = o["dates"]
        ordered, paid, shipped, completed = (ts(d[k]) for k in ("ordered", "paid", "shipped", "completed"))
        updated = max(t for t in (ordered, paid, shipped, completed) if t)
        if status == "cancelled":
            updated = cancelled_time(o)
        v = o["vouchers"]
        lines = o["lines"]
        nets = [line_net(l) for l in lines]
        # Vouchers have no columns of their own: inside the two …DiscountTotal columns [I], spread over the
        # lines by their net amount, then over each line's units.
        seller_v = allocate(D(v["seller"]), nets)
        platform_v = allocate(D(v["platform"]), nets)
        coins_v = allocate(D(v["coins"]), nets)
        buyer_ship = buyer_shipping(o)
        buyer = o["buyer"]
        addr = buyer["address"] or {}
        phone = local_phone(buyer["phone"])
        tracking = ("MYMPA" + rng.digits(10)) if shipped else ""
        first_row = True
        for l, sv, pv, cv in zip(lines, seller_v, platform_v, coins_v):
            if l["sku"] not in sku_ids:
                sku_ids[l["sku"]] = (rng.digits(10), rng.digits(11))
            lazada_id, lazada_sku_no = sku_ids[l["sku"]]
            qty = l["qty"]
            seller_units = split_even(D(l["seller_discount"]) + sv, qty)
            platform_units = split_even(D(l["platform_discount"]) + pv, qty)
            coin_units = split_even(cv, qty)
            back = returned_units(o, l)
            for unit in range(qty):
                unit_returned = unit >= qty - back  # the line's last units came back
                seller = -seller_units[unit]
                platform = -platform_units[unit]
                wallet = -coin_units[unit]
                unit_price = D(l["unit_price"])
                # paidPrice excludes shipping (S10's reading, Lazada API `paid_price`) [I].
                paid_price = unit_price + seller + platform + wallet
                shipping_fee = buyer_ship if first_row else ZERO
                refund = ZERO
                if status == "cancelled" and paid:
                    refund = paid_price + shipping_fee
                elif status == "returned" or unit_returned:
                    refund = paid_price
                row = {
                    "orderItemId": rng.digits(15),
                    "orderType": "Normal",
                    "Guarantee": "",
                    "deliveryType": "dropship",
                    "lazadaId": lazada_id,
                    "sellerSku": l["sku"],
                    "lazadaSku": lazada_id + "_MY-" + lazada_sku_no,
                    "wareHouse": "dropshipping",
                    "createTime": lazada_time(ordered),
                    "updateTime": lazada_time(updated),
                    "rtsSla": lazada_time(ordered + _dt.timedelta(days=2)),
                    "ttsSla": lazada_time(ordered + _dt.timedelta(days=3)),
                    "orderNumber": o["order_number"],
                    "invoiceRequired": "No",
                    "invoiceNumber": "",
                    "deliveredDate": lazada_time(completed) if status == "completed" else "",
                    "customerName": buyer["name"],
                    "customerEmail": "",
                    "nationalRegistrationNumber": "",
                    "shippingName": buyer["name"],
                    "shippingAddress": addr.get("line1", ""),
                    "shippingAddress2": "",
                    "shippingAddress3": addr.get("state") or "",
                    "shippingAddress4": addr.get("city", ""),
                    "shippingAddress5": addr.get("postcode", ""),
                    "shippingPhone": phone,
                    "shippingPhone2": "",
                    "shippingCity": addr.get("city", ""),
                    "shippingPostCode": addr.get("postcode", ""),
                    "shippingCountry": COUNTRY_NAMES.get(addr.get("country"), ""),
                    "shippingRegion": addr.get("state") or "",
                    "billingName": buyer["name"],
                    "billingAddr": addr.get("line1", ""),
                    "billingAddr2": "",
                    "billingAddr3": addr.get("state") or "",
                    "billingAddr4": addr.get("city", ""),
                    "billingAddr5": addr.get("postcode", ""),
                    "billingPhone": phone,
                    "billingPhone2": "",
                    "billingCity": addr.get("city", ""),
                    "billingPostCode": addr.get("postcode", ""),
                    "billingCountry": COUNTRY_NAMES.get(addr.get("country"), ""),
                    "taxCode": "",
                    "branchNumber": "",
                    "taxInvoiceRequested": "No",
                    "payMethod": o["payment"]["method"] or "",
                    "paidPrice": m2(paid_price),
                    "unitPrice": m2(unit_price),
                    "sellerDiscountTotal": m2(seller),
                    "platformDiscountTotal": m2(platform),
                    "shippingFee": m2(shipping_fee),
                    "walletCredit": m2(wallet),
                    "itemName": l["name"],
                    "variation": l["variation"] or "",
                    "cdShippingProvider": "",
                    "shippingProvider": "LEX MY" if shipped else "",
                    "shipmentTypeName": "Dropshipping",
                    "shippingProviderType": "standard",
                    "cdTrackingCode": "",
                    "trackingCode": tracking,
                    "trackingUrl": "",
                    "shippingProviderFM": "",
                    "trackingCodeFM": "",
                    "trackingUrlFM": "",
                    "promisedShippingTime": "",
                    "premium": "",
                    "status": "returned" if unit_returned else LAZADA_STATUS[status],
                    "buyerFailedDeliveryReturnInitiator": "cancel-buyer" if status == "cancelled" else "",
                    "buyerFailedDeliveryReason": "Change of mind" if status == "cancelled" else "",
                    "buyerFailedDeliveryDetail": "",
                    "buyerFailedDeliveryUserName": "",
                    "bundleId": "",
                    "semiManaged": "No",
                    "flexibleDeliveryTime": "",
                    "bundleDiscount": m2(ZERO),
                    "refundAmount": m2(refund),
                    "sellerNote": "",
                }
                require(list(row) == LAZADA_HEADER, "Lazada row keys out of header order")
                rows.append(list(row.values()))
                first_row = False
    return rows


def check_lazada(rows, orders):
    h = {name: i for i, name in enumerate(LAZADA_HEADER)}
    col = lambda r, name: D(r[h[name]] or "0")
    totals = {}
    for o in orders:
        mine = [r for r in rows if r[h["orderNumber"]] == o["order_number"]]
        require(len(mine) == sum(l["qty"] for l in o["lines"]), f"Lazada {o['order_number']}: one row per unit")
        for r in mine:
            require(col(r, "sellerDiscountTotal") <= 0 and col(r, "platformDiscountTotal") <= 0,
                    f"Lazada {o['order_number']}: discounts are negative")
            require(col(r, "unitPrice") + col(r, "sellerDiscountTotal") + col(r, "platformDiscountTotal")
                    + col(r, "walletCredit") == col(r, "paidPrice"), f"Lazada {o['order_number']}: paidPrice")
        # Lazada has no order total column: the total is the paid prices plus the shipping, summed over rows.
        total = sum(col(r, "paidPrice") + col(r, "shippingFee") for r in mine)
        require(total == D(o["payment"]["buyer_paid"]), f"Lazada {o['order_number']}: rows sum to {total} != buyer_paid")
        # Quantity from the row count, per SKU (§3.1).
        for l in o["lines"]:
            require(sum(1 for r in mine if r[h["sellerSku"]] == l["sku"]) == l["qty"], f"Lazada {o['order_number']}: qty of {l['sku']}")
        totals[o["order_number"]] = total
        back, amounts = {}, {}
        for r in mine:
            if r[h["status"]] == "returned":
                back[r[h["sellerSku"]]] = back.get(r[h["sellerSku"]], 0) + 1
                amounts[r[h["sellerSku"]]] = amounts.get(r[h["sellerSku"]], ZERO) + col(r, "refundAmount")
        if o["id"] in RETURNS:
            require(len({r[h["status"]] for r in mine}) == 2, f"Lazada {o['order_number']}: kept and returned unit rows")
        # No return id or date: id `export`, dated the order's last known date (deliveredDate for a completed order).
        done = mine[0][h["deliveredDate"]]
        check_returns("lazada", o, back, {"id": "export", "date": iso(_dt.datetime.strptime(done, "%d %b %Y %H:%M")) if done else None,
                                          "lines": [{"sku": k, "qty": v, "amount": m2(amounts[k])} for k, v in back.items()]})
    require(len(rows) == sum(l["qty"] for o in orders for l in o["lines"]), "Lazada: stray rows")
    require(len({r[h["orderItemId"]] for r in rows}) == len(rows), "Lazada: orderItemId not unique")
    return totals


# --------------------------------------------------------------------------------------------
# Shopify (§4): one row per line item; order columns only on an order's first row
# --------------------------------------------------------------------------------------------
SHOPIFY_HEADER = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
    "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status",
    "Billing Name", "Billing Street", "Billing Address1", "Billing Address2", "Billing Company", "Billing City",
    "Billing Zip", "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street",
    "Shipping Address1", "Shipping Address2", "Shipping Company", "Shipping City", "Shipping Zip",
    "Shipping Province", "Shipping Country", "Shipping Phone", "Notes", "Note Attributes", "Cancelled at",
    "Payment Method", "Payment Reference", "Refunded Amount", "Vendor", "Outstanding Balance", "Employee",
    "Location", "Device ID", "Id", "Tags", "Risk Level", "Source", "Lineitem discount",
    "Tax 1 Name", "Tax 1 Value", "Tax 2 Name", "Tax 2 Value", "Tax 3 Name", "Tax 3 Value",
    "Tax 4 Name", "Tax 4 Value", "Tax 5 Name", "Tax 5 Value",
    "Phone", "Receipt Number", "Duties", "Billing Province Name", "Shipping Province Name", "Payment ID",
    "Payment Terms Name", "Next Payment Due At", "Payment References",
]
# Columns Shopify fills on every row of an order, not only the first (§4: the line columns and `Vendor`).
SHOPIFY_EVERY_ROW = {
    "Name", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price", "Lineitem sku",
    "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Vendor", "Lineitem discount",
}
SHOPIFY_CODES = {"#1043": "FITOUT200", "#1046": "FREESHIP", "#1047": "SEPT15"}


def shopify_time(t):
    return t.strftime("%Y-%m-%d %H:%M:%S") + " +0800" if t else ""


def shopify_payment(method):
    return {"Credit Card": "Shopify Payments", "Online Banking": "Bank Deposit"}.get(method, method or "")


def shopify_rows(orders, rng):
    rows = []
    for o in orders:
        status = o["status"]
        d = o["dates"]
        ordered, paid, shipped = ts(d["ordered"]), ts(d["paid"]), ts(d["shipped"])
        v = o["vouchers"]
        ship = o["shipping"]
        lines = o["lines"]
        require(all(D(l["platform_discount"]) == 0 for l in lines) and D(ship["platform_discount"]) == 0
                and D(v["platform"]) == 0 and D(v["coins"]) == 0, f"Shopify {o['order_number']}: no platform funding exists")
        gross = sum(D(l["unit_price"]) * l["qty"] for l in lines)
        line_disc = sum(D(l["seller_discount"]) for l in lines)
        subtotal = gross - line_disc - D(v["seller"])
        shipping = buyer_shipping(o)
        discount = line_disc + D(v["seller"]) + D(ship["seller_discount"])
        taxes = D((o.get("tax") or {}).get("charged") or "0")
        total = subtotal + shipping + taxes
        cancelled = status == "cancelled"
        financial = "pending" if not paid else ("refunded" if cancelled else "paid")
        fulfilled = status in ("shipped", "delivered", "completed", "returned")
        buyer = o["buyer"]
        addr = buyer["address"] or {}
        order_id = "6" + rng.digits(12)
        street = addr.get("line1", "")
        state = addr.get("state") or ""
        phone = buyer["phone"] or ""
        for index, l in enumerate(lines):
            name = l["name"] + (" - " + l["variation"] if l["variation"] else "")
            row = {
                "Name": o["order_number"],
                "Email": buyer["email"] or "",
                "Financial Status": financial,
                "Paid at": shopify_time(paid),
                "Fulfillment Status": "fulfilled" if fulfilled else "unfulfilled",
                "Fulfilled at": shopify_time(shipped) if fulfilled else "",
                "Accepts Marketing": "no",
                "Currency": o["currency"],
                "Subtotal": m2(subtotal),
                "Shipping": m2(shipping),
                "Taxes": m2(taxes),
                "Total": m2(total),
                "Discount Code": SHOPIFY_CODES.get(o["order_number"], ""),
                "Discount Amount": m2(discount),
                "Shipping Method": "Standard Shipping",
                "Created at": shopify_time(ordered),
                "Lineitem quantity": str(l["qty"]),
                "Lineitem name": name,
                "Lineitem price": m2(l["unit_price"]),
                "Lineitem compare at price": "",
                "Lineitem sku": l["sku"],
                "Lineitem requires shipping": "true",
                "Lineitem taxable": "true",
                "Lineitem fulfillment status": "fulfilled" if fulfilled else "pending",
                "Billing Name": buyer["name"],
                "Billing Street": street,
                "Billing Address1": street,
                "Billing Address2": "",
                "Billing Company": buyer["name"] if buyer["name"].endswith("Sdn Bhd") else "",
                "Billing City": addr.get("city", ""),
                "Billing Zip": addr.get("postcode", ""),
                "Billing Province": STATE_CODES.get(state, ""),
                "Billing Country": addr.get("country", ""),
                "Billing Phone": phone,
                "Shipping Name": buyer["name"],
                "Shipping Street": street,
                "Shipping Address1": street,
                "Shipping Address2": "",
                "Shipping Company": buyer["name"] if buyer["name"].endswith("Sdn Bhd") else "",
                "Shipping City": addr.get("city", ""),
                "Shipping Zip": addr.get("postcode", ""),
                "Shipping Province": STATE_CODES.get(state, ""),
                "Shipping Country": addr.get("country", ""),
                "Shipping Phone": phone,
                "Notes": "",
                "Note Attributes": "",
                "Cancelled at": shopify_time(cancelled_time(o)) if cancelled else "",
                "Payment Method": shopify_payment(o["payment"]["method"]),
                "Payment Reference": "c" + rng.digits(14) + ".1" if paid else "",
                "Refunded Amount": m2(total if cancelled and paid else ZERO),
                "Vendor": "Acme Living",
                "Outstanding Balance": m2(ZERO if paid else total),
                "Employee": "",
                "Location": "",
                "Device ID": "",
                "Id": order_id,
                "Tags": "",
                "Risk Level": "Low",
                "Source": "web",
                "Lineitem discount": m2(l["seller_discount"]),
                "Tax 1 Name": "SST 5%" if taxes else "", "Tax 1 Value": m2(taxes) if taxes else "", "Tax 2 Name": "", "Tax 2 Value": "",
                "Tax 3 Name": "", "Tax 3 Value": "", "Tax 4 Name": "", "Tax 4 Value": "",
                "Tax 5 Name": "", "Tax 5 Value": "",
                "Phone": "",
                "Receipt Number": "",
                "Duties": "",
                "Billing Province Name": state,
                "Shipping Province Name": state,
                "Payment ID": "",
                "Payment Terms Name": "",
                "Next Payment Due At": "",
                "Payment References": "",
            }
            require(list(row) == SHOPIFY_HEADER, "Shopify row keys out of header order")
            if index > 0:
                row = {k: (val if k in SHOPIFY_EVERY_ROW else "") for k, val in row.items()}
            rows.append(list(row.values()))
    return rows


def check_shopify(rows, orders):
    h = {name: i for i, name in enumerate(SHOPIFY_HEADER)}
    col = lambda r, name: D(r[h[name]] or "0")
    totals = {}
    for o in orders:
        mine = [r for r in rows if r[h["Name"]] == o["order_number"]]
        require(len(mine) == len(o["lines"]), f"Shopify {o['order_number']}: one row per line item")
        first = mine[0]
        require(all(r[h["Total"]] == "" and r[h["Financial Status"]] == "" for r in mine[1:]),
                f"Shopify {o['order_number']}: order columns only on the first row")
        gross = sum(col(r, "Lineitem price") * col(r, "Lineitem quantity") for r in mine)
        require(col(first, "Subtotal") + col(first, "Shipping") + col(first, "Taxes") == col(first, "Total"),
                f"Shopify {o['order_number']}: Subtotal + Shipping + Taxes != Total")
        shipping_fee = D(o["shipping"]["fee"])
        require(col(first, "Taxes") == D((o.get("tax") or {}).get("charged") or "0"), f"Shopify {o['order_number']}: Taxes != tax.charged")
        require(gross + shipping_fee - col(first, "Discount Amount") + col(first, "Taxes") == col(first, "Total"),
                f"Shopify {o['order_number']}: gross + shipping - Discount Amount != Total")
        total = col(first, "Total")
        require(total == D(o["payment"]["buyer_paid"]), f"Shopify {o['order_number']}: Total {total} != buyer_paid")
        totals[o["order_number"]] = total
    require(len(rows) == sum(len(o["lines"]) for o in orders), "Shopify: stray rows")
    return totals


# --------------------------------------------------------------------------------------------
# WooCommerce (§5): Advanced Order Export default fields; one row per item, order columns repeated
# --------------------------------------------------------------------------------------------
WOO_HEADER = [
    "Order Number", "Order Status", "Order Date", "Customer Note", "First Name (Billing)", "Last Name (Billing)",
    "Company (Billing)", "Address 1&2 (Billing)", "City (Billing)", "State Code (Billing)", "Postcode (Billing)",
    "Country Code (Billing)", "Email (Billing)", "Phone (Billing)", "First Name (Shipping)", "Last Name (Shipping)",
    "Address 1&2 (Shipping)", "City (Shipping)", "State Code (Shipping)", "Postcode (Shipping)",
    "Country Code (Shipping)", "Item #", "SKU", "Name", "Product Variation", "Quantity", "Quantity (- Refund)",
    "Item Cost", "Order Line (w/o tax)", "Order Line Tax", "Order Line Total", "Order Line Total Refunded",
    "Order Line Total (- Refund)", "Image URL", "Coupon Code", "Discount Amount", "Discount Amount Tax",
    "Payment Method Title", "Coupons Used", "Cart Discount Amount", "Order Subtotal Amount", "Order Tax Amount",
    "Order Shipping Amount", "Order Refund Amount", "Order Total Amount", "Order Total Tax Amount", "Total items",
    "Total products",
]
WOO_STATUS = {
    # A bank-transfer (BACS) order waits "On hold" until the money arrives [I]; shipping is not a Woo status.
    "unpaid": "On hold", "paid": "Processing", "ready_to_ship": "Processing", "shipped": "Completed",
    "delivered": "Completed", "completed": "Completed", "cancelled": "Cancelled", "returned": "Refunded",
}
WOO_COUPONS = {"WC-5548": "ORNAMENT10", "WC-5558": "DININGSET50", "WC-5602": "BULK10"}
WOO_PAYMENT = {"Online Banking": "Direct bank transfer", "Credit Card": "Credit Card (Stripe)", "GrabPay": "GrabPay"}


def woo_rows(orders, rng):
    rows = []
    for o in orders:
        status = o["status"]
        d = o["dates"]
        ordered = ts(d["ordered"])
        v = o["vouchers"]
        lines = o["lines"]
        require(all(D(l["platform_discount"]) == 0 for l in lines) and D(v["platform"]) == 0 and D(v["coins"]) == 0,
                f"WooCommerce {o['order_number']}: no platform funding exists")
        # A coupon is spread over the lines (WooCommerce stores each line's total after coupons).
        nets = [line_net(l) for l in lines]
        coupon_share = allocate(D(v["seller"]), nets)
        line_totals = [n - c for n, c in zip(nets, coupon_share)]
        cart_discount = sum(D(l["seller_discount"]) for l in lines) + D(v["seller"])
        subtotal = sum(D(l["unit_price"]) * l["qty"] for l in lines)
        shipping = buyer_shipping(o)
        # SST per line on the line after its coupon share; the order's tax is their sum (= tax.charged).
        taxes = D((o.get("tax") or {}).get("charged") or "0")
        line_taxes = allocate(taxes, line_totals) if taxes else [ZERO] * len(lines)
        total = subtotal - cart_discount + shipping + taxes
        code = WOO_COUPONS.get(o["order_number"], "")
        require((code != "") == (cart_discount != 0), f"WooCommerce {o['order_number']}: a discount needs a coupon")
        buyer = o["buyer"]
        addr = buyer["address"] or {}
        first, last = first_last(buyer["name"])
        state = STATE_CODES.get(addr.get("state") or "", "")
        # A partial refund [I]: per line, the refunded units' share of the line before tax (as WooCommerce keeps line
        # totals) and of its tax; the order's refund is both, over its lines. The order stays Completed.
        backs = [returned_units(o, l) if status != "returned" else 0 for l in lines]
        line_refunds = [share(t, b, l["qty"]) if b else ZERO for l, t, b in zip(lines, line_totals, backs)]
        tax_refunds = [share(t, b, l["qty"]) if b else ZERO for l, t, b in zip(lines, line_taxes, backs)]
        order_refund = sum(line_refunds) + sum(tax_refunds)
        for index, (l, line_total, line_tax) in enumerate(zip(lines, line_totals, line_taxes), start=1):
            back, line_refund, tax_refund = backs[index - 1], line_refunds[index - 1], tax_refunds[index - 1]
            row = {
                "Order Number": o["order_number"].removeprefix("WC-"),
                "Order Status": WOO_STATUS[status],
                "Order Date": ordered.strftime("%Y-%m-%d %H:%M"),
                "Customer Note": "",
                "First Name (Billing)": first,
                "Last Name (Billing)": last,
                "Company (Billing)": "",
                "Address 1&2 (Billing)": addr.get("line1", ""),
                "City (Billing)": addr.get("city", ""),
                "State Code (Billing)": state,
                "Postcode (Billing)": addr.get("postcode", ""),
                "Country Code (Billing)": addr.get("country", ""),
                "Email (Billing)": buyer["email"] or "",
                "Phone (Billing)": buyer["phone"] or "",
                "First Name (Shipping)": first,
                "Last Name (Shipping)": last,
                "Address 1&2 (Shipping)": addr.get("line1", ""),
                "City (Shipping)": addr.get("city", ""),
                "State Code (Shipping)": state,
                "Postcode (Shipping)": addr.get("postcode", ""),
                "Country Code (Shipping)": addr.get("country", ""),
                "Item #": str(index),
                "SKU": l["sku"],
                "Name": l["name"],
                "Product Variation": l["variation"] or "",
                "Quantity": str(l["qty"]),
                "Quantity (- Refund)": str(l["qty"] - back),
                "Item Cost": m2(l["unit_price"]),
                "Order Line (w/o tax)": m2(line_total),
                "Order Line Tax": m2(line_tax),
                "Order Line Total": m2(line_total + line_tax),
                "Order Line Total Refunded": m2(line_refund),
                "Order Line Total (- Refund)": m2(line_total + line_tax - line_refund - tax_refund),
                "Image URL": "",
                "Coupon Code": code,
                "Discount Amount": m2(cart_discount) if code else "",
                "Discount Amount Tax": m2(ZERO) if code else "",
                "Payment Method Title": WOO_PAYMENT.get(o["payment"]["method"], o["payment"]["method"] or ""),
                "Coupons Used": code,
                "Cart Discount Amount": m2(cart_discount),
                "Order Subtotal Amount": m2(subtotal),
                "Order Tax Amount": m2(taxes),
                "Order Shipping Amount": m2(shipping),
                "Order Refund Amount": m2(order_refund),
                "Order Total Amount": m2(total),
                "Order Total Tax Amount": m2(taxes),
                "Total items": str(sum(x["qty"] for x in lines)),
                "Total products": str(len(lines)),
            }
            require(list(row) == WOO_HEADER, "WooCommerce row keys out of header order")
            rows.append(list(row.values()))
    return rows


def check_woo(rows, orders):
    h = {name: i for i, name in enumerate(WOO_HEADER)}
    col = lambda r, name: D(r[h[name]] or "0")
    totals = {}
    for o in orders:
        number = o["order_number"].removeprefix("WC-")
        mine = [r for r in rows if r[h["Order Number"]] == number]
        require(len(mine) == len(o["lines"]), f"WooCommerce {number}: one row per item")
        for name in ("Order Total Amount", "Order Subtotal Amount", "Cart Discount Amount", "Order Shipping Amount",
                     "Order Tax Amount", "Order Status"):
            require(len({r[h[name]] for r in mine}) == 1, f"WooCommerce {number}: {name} differs between rows")
        first = mine[0]
        total = col(first, "Order Total Amount")
        require(col(first, "Order Subtotal Amount") - col(first, "Cart Discount Amount") + col(first, "Order Shipping Amount")
                + col(first, "Order Tax Amount") == total, f"WooCommerce {number}: subtotal - discount + shipping + tax != total")
        require(col(first, "Order Tax Amount") == D((o.get("tax") or {}).get("charged") or "0"), f"WooCommerce {number}: Order Tax Amount != tax.charged")
        require(sum(col(r, "Order Line Total") for r in mine) + col(first, "Order Shipping Amount") == total,
                f"WooCommerce {number}: line totals + shipping != total")
        require(sum(col(r, "Item Cost") * col(r, "Quantity") for r in mine) == col(first, "Order Subtotal Amount"),
                f"WooCommerce {number}: item costs != subtotal")
        require(total == D(o["payment"]["buyer_paid"]), f"WooCommerce {number}: total {total} != buyer_paid")
        totals[o["order_number"]] = total
        require(len({r[h["Order Refund Amount"]] for r in mine}) == 1, f"WooCommerce {number}: Order Refund Amount differs between rows")
        back = {r[h["SKU"]]: int(col(r, "Quantity") - col(r, "Quantity (- Refund)")) for r in mine if col(r, "Quantity") != col(r, "Quantity (- Refund)")}
        refunded_lines = sum(col(r, "Order Line Total Refunded") for r in mine)
        tax_refunded = col(first, "Order Refund Amount") - refunded_lines
        require(tax_refunded >= 0, f"WooCommerce {number}: Order Refund Amount below the lines refunded")
        for r in mine:
            require(col(r, "Order Line Total") - col(r, "Order Line Total Refunded") >= col(r, "Order Line Total (- Refund)"),
                    f"WooCommerce {number}: Order Line Total (- Refund)")
        # No refund id or date: id `export`, dated the order's last known date (only Order Date is in these fields).
        check_returns("woocommerce", o, back, {"id": "export", "date": iso(_dt.datetime.strptime(first[h["Order Date"]], "%Y-%m-%d %H:%M")),
                                               "lines": [{"sku": r[h["SKU"]], "qty": back[r[h["SKU"]]], "amount": m2(col(r, "Order Line Total Refunded"))}
                                                         for r in mine if r[h["SKU"]] in back],
                                               "tax": m2(tax_refunded), "refunded": m2(col(first, "Order Refund Amount"))})
    require(len(rows) == sum(len(o["lines"]) for o in orders), "WooCommerce: stray rows")
    return totals


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------
def csv_field(text):
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_bytes(rows, bom, newline):
    text = newline.join(",".join(csv_field(c) for c in row) for row in rows) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def col_letter(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def xlsx_bytes(sheet_name, rows):
    """A minimal workbook: one sheet, shared strings, no styles beyond the default. `rows` hold (kind, text)
    cells: 'n' a number cell, 's' a string cell; an empty string is left out (no cell)."""
    strings, index = [], {}
    sheet = io.StringIO()
    for r, row in enumerate(rows, start=1):
        sheet.write(f'<row r="{r}">')
        for c, (kind, text) in enumerate(row):
            if text == "":
                continue
            ref = f"{col_letter(c)}{r}"
            if kind == "n":
                sheet.write(f'<c r="{ref}"><v>{text}</v></c>')
            else:
                if text not in index:
                    index[text] = len(strings)
                    strings.append(text)
                sheet.write(f'<c r="{ref}" t="s"><v>{index[text]}</v></c>')
        sheet.write("</row>")
    last = f"{col_letter(max(len(r) for r in rows) - 1)}{len(rows)}"
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    parts = {
        "[Content_Types].xml": head + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '</Types>',
        "_rels/.rels": head + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>',
        "xl/workbook.xml": head + f'<workbook {ns} {rel_ns}><sheets>'
        f'<sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": head + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        '</Relationships>',
        "xl/styles.xml": head + f'<styleSheet {ns}><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs></styleSheet>',
        "xl/sharedStrings.xml": head + f'<sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings) + "</sst>",
        "xl/worksheets/sheet1.xml": head + f'<worksheet {ns} {rel_ns}><dimension ref="A1:{last}"/><sheetData>'
        + sheet.getvalue() + "</sheetData></worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            # Stored, not deflated: zlib builds (zlib-ng …) may compress differently, and the bytes must not depend on it.
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            z.writestr(info, text.encode("utf-8"))
    return out.getvalue()


def text_cells(row):
    return [("s", c) for c in row]


# --------------------------------------------------------------------------------------------
def build():
    all_orders = load_orders()
    by_channel = {ch: [o for o in all_orders if o["store"] == store] for ch, store in STORE_OF.items()}
    for ch, orders in by_channel.items():
        require(orders, f"no {ch} orders in {ORDERS}")
    rng = Rng(0x0E_C5_0A_7E_2025_09)

    shopee = shopee_rows(by_channel["shopee"], rng)
    tiktok = tiktok_rows(by_channel["tiktok"], rng)
    lazada = lazada_rows(by_channel["lazada"], rng)
    shopify = shopify_rows(by_channel["shopify"], rng)
    woo = woo_rows(by_channel["woocommerce"], rng)

    totals = {
        "shopee": check_shopee(shopee, by_channel["shopee"]),
        "tiktok": check_tiktok(tiktok, by_channel["tiktok"]),
        "lazada": check_lazada(lazada, by_channel["lazada"]),
        "shopify": check_shopify(shopify, by_channel["shopify"]),
        "woocommerce": check_woo(woo, by_channel["woocommerce"]),
    }
    by_id = {o["id"]: o for o in all_orders}
    for oid in RETURNS:
        require(by_id[oid]["status"] == "completed", f"{oid}: a partial return is added only to a completed order")
        require(any(oid in events for events in RETURN_EVENTS.values()), f"{oid}: in RETURNS but in no export")
    files = {
        FILES["shopee"]: xlsx_bytes("orders", [text_cells(SHOPEE_HEADER)] + shopee),
        FILES["lazada"]: xlsx_bytes("sheet1", [text_cells(LAZADA_HEADER)] + [text_cells(r) for r in lazada]),
        FILES["tiktok"]: csv_bytes([TIKTOK_HEADER, [TIKTOK_DESCRIPTIONS[n] for n in TIKTOK_HEADER]] + tiktok, bom=True, newline="\r\n"),
        FILES["shopify"]: csv_bytes([SHOPIFY_HEADER] + shopify, bom=False, newline="\n"),
        FILES["woocommerce"]: csv_bytes([WOO_HEADER] + woo, bom=False, newline="\r\n"),
    }
    counts = {"shopee": len(shopee), "tiktok": len(tiktok), "lazada": len(lazada), "shopify": len(shopify), "woocommerce": len(woo)}
    return by_channel, totals, counts, files


# --------------------------------------------------------------------------------------------
# README (written from the same data, so its tables cannot drift from the files)
# --------------------------------------------------------------------------------------------
SECTIONS = {"shopee": "§1", "lazada": "§3", "tiktok": "§2", "shopify": "§4", "woocommerce": "§5"}
TITLES = {
    "shopee": "Shopee MY Seller Centre, My Orders → Export (`Order.all.20250901_20250930.xlsx`)",
    "lazada": "Lazada MY Seller Center order export (xlsx)",
    "tiktok": "TikTok Shop MY Seller Center order export (CSV)",
    "shopify": "Shopify admin → Orders → Export (`orders_export.csv`)",
    "woocommerce": "WooCommerce, Advanced Order Export For WooCommerce (algolplus), default fields, CSV",
}
LAYOUT = {
    "shopee": "sheet `orders`; header in row 1 (57 columns, layout G2 of §1.2), data from row 2; one row per order line, order-level values repeated on every row",
    "lazada": "sheet `sheet1`; header in row 1 (77 camelCase columns of §3.2), data from row 2; **one row per unit** (no quantity column: count rows per `orderNumber` + `sellerSku`)",
    "tiktok": "UTF-8 with BOM, `,`, CRLF; **two header rows** (row 1 English names, 54 columns; row 2 a description of each column), data from row 3; one row per order line, order-level values repeated; ids and times end in a tab",
    "shopify": "UTF-8 without BOM, `,`, LF; header in row 1 (79 columns of §4); one row per line item, order columns **only on an order's first row** (line columns and `Vendor` on every row)",
    "woocommerce": "UTF-8 without BOM, `,`, CRLF; header in row 1 (48 columns of §5); one row per item, order columns repeated on every row",
}
STATUS_TEXT = {
    "shopee": lambda o: SHOPEE_STATUS[o["status"]] + (" + Return / Refund Status `Request Approved`" if o["status"] == "returned" or o["id"] in RETURNS else "")
                        + (" (a partial return)" if o["id"] in RETURNS else ""),
    "lazada": lambda o: LAZADA_STATUS[o["status"]] + (" (one unit row `returned`: a partial return)" if o["id"] in RETURNS else ""),
    "tiktok": lambda o: " / ".join(TIKTOK_STATUS[o["status"]]) + (" + `Return/Refund` (a partial return)" if o["id"] in RETURNS else ""),
    "shopify": lambda o: ("pending" if not o["dates"]["paid"] else ("refunded" if o["status"] == "cancelled" else "paid")),
    "woocommerce": lambda o: WOO_STATUS[o["status"]] + (" (a partial refund)" if o["id"] in RETURNS else ""),
}
MONEY_RULE = {
    "shopee": "`Total Amount` = Σ `Product Subtotal` − `Seller Voucher` − `Shopee Voucher` − `Shopee Coins Offset` − `Credit Card Discount Total` + `Buyer Paid Shipping Fee` (voucher, coin and shipping columns taken once per order); per row `Product Subtotal` = `Original Price` × `Quantity` − `Seller Discount` − `Shopee Rebate`",
    "lazada": "no total column: Σ `paidPrice` + Σ `shippingFee` over the order's rows; per row `paidPrice` = `unitPrice` + `sellerDiscountTotal` + `platformDiscountTotal` + `walletCredit` (discounts negative)",
    "tiktok": "`Order Amount` = Σ `SKU Subtotal After Discount` + `Shipping Fee After Discount` + `Taxes` − `Payment platform discount` (order columns taken once); per row after = before − platform − seller; `Shipping Fee After Discount` = original − seller − platform",
    "shopify": "`Total` = `Subtotal` + `Shipping` + `Taxes`, and also Σ `Lineitem price` × `Lineitem quantity` + the canonical shipping fee − `Discount Amount` + `Taxes` (the export has no column for the fee before its discount)",
    "woocommerce": "`Order Total Amount` = `Order Subtotal Amount` − `Cart Discount Amount` + `Order Shipping Amount` + `Order Tax Amount`, and also Σ `Order Line Total` + `Order Shipping Amount`",
}
QUIRKS = {
    "shopee": [
        "Money cells are numbers as Excel stores them (`377.5`, `399`, `1.5`) except zero amounts, which are text `0.00` — the mix S1 shows (§1.5). Weights are text with three decimals (`0.480`). Dates are text `yyyy-MM-dd HH:mm`, Malaysia time.",
        "`Order ID` is text, including the all-digit `25090201672845` (SG-1000103).",
        "Products without variations (`GIFT-TOTE`, `SET-DIN-4`) have a blank `SKU Reference No.` and their SKU in `Parent SKU Reference No.` (§1.3); products with variations have it the other way round (parent blank [I]).",
        "SG-1000103 (3 × 25.50 with a 10.00 seller discount): `Deal Price` 22.17 is rounded, so `Deal Price` × `Quantity` (66.51) ≠ `Product Subtotal` (66.50). Take the line amount from `Product Subtotal`. (The canonical order has a line discount that does not divide by the quantity; a real Shopee deal price always does.)",
        "Cancelled orders keep their money columns (§1.4): SG-1000117 (never paid, `Order Paid Time` blank) and SG-1000167 (cancelled after payment). `Cancel reason` is filled for them.",
        "The returned order SG-1000113 stays `Completed` in `Order Status`; the return is only in `Return / Refund Status` (`Request Approved`) and `Returned quantity` (2) — S1 row 10. Its `Order Complete Time` is blank because the canonical order never completed.",
        "The COD order in transit SG-1000154 has a blank `Order Paid Time`; there is no payment-method column in the MY layout (§1.3).",
        "A partial return: SG-1000135 (`2509149X48P08Q`) completed, then 1 of its 2 chairs came back: `Returned quantity` 1 of `Quantity` 2 and `Return / Refund Status` `Request Approved`, with `Order Status` still `Completed`. The export has no return id, date or refund amount for it (§7).",
        "SG-1000111 sells the kit `SET-DIN-4` as one row; `Bundle Deal Indicator` is `N` everywhere: a Shopee bundle deal is a promotion, not a kit, and none of the example orders has one.",
        "Buyer data is masked (`A****h`, `*********40`, `49******`) while City, Province and Zip Code are not (§1.5).",
    ],
    "lazada": [
        "One row per unit: SG-1000109 (12 × `MUG-6PK`) is 12 rows; line discounts and vouchers are split over the units, odd cents on the first units.",
        "Discounts are negative text `-15.00` (§3.3); all money cells are text with two decimals.",
        "`shippingFee` (what the buyer paid for shipping) is on the order's first row only, `0.00` on the others (S12).",
        "Cancelled after payment: SG-1000119 (`canceled`, `buyerFailedDeliveryReturnInitiator` `cancel-buyer`, `refundAmount` per row = paid price + shipping). Returned: SG-1000143 (`returned`, `refundAmount` = paid price).",
        "SG-1000127 sells the kit `SET-DIN-4` as one row; `bundleId` is blank (a Lazada bundle is a promotion, not a kit).",
        "Phone numbers are `60183145351`, without `+` (S14).",
        "A partial return: SG-1000151 (`261403771561496`) completed, then 1 of its 2 candles came back: that unit's row is `returned` with `refundAmount` 32.00 (its paid price), the other four rows stay `confirmed`, so the order's rows disagree on `status` (§3.3).",
    ],
    "tiktok": [
        "Row 2 describes each column; a mapping must skip it (`skip_rows_after_header: 1`).",
        "`Order ID`, `SKU ID`, `Package ID` and every time end in a tab (`576983477826601055\\t`, `02/09/2025 17:25:28\\t`) so Excel keeps them as text (S11).",
        "`Canceled` with one \"l\" (SG-1000129, cancelled after payment: `Order Refund Amount` 54.40, `Cancelation/Return Type` `Cancel`).",
        "Free samples SG-1000114 and SG-1000133: every price 0.00, `Order Amount` 0.00, `Paid Time` and `Payment Method` blank. Nothing else in the export marks a sample.",
        "Vouchers have no columns: SG-1000104's 3.00 platform voucher and SG-1000139's 5.00 seller voucher are folded into `SKU Platform Discount` / `SKU Seller Discount`, spread over the lines by their net amount (§2.3).",
        "The COD order SG-1000145 has `Payment Method` `COD` and a `Paid Time` after its `Shipped Time` (paid on delivery).",
        "A partial return: SG-1000139 (`576940066464178373`) completed, then its mug came back (the vase was kept): `Sku Quantity of return` 1 on the mug's row, `Cancelation/Return Type` `Return/Refund`, `Order Refund Amount` 56.16 (what the buyer paid for the mug, after the seller voucher folded into its discount), `Cancelled Time`, `Cancel By` and `Cancel Reason` filled; `Order Status` stays `Completed`.",
    ],
    "shopify": [
        "Order columns are blank on an order's second and later rows: group by `Name`, take the order values from the first row (§4).",
        "`Total` is what the buyer paid; no platform funding exists, every discount is the merchant's. `Discount Amount` is the sum of the line discounts, the discount code and the shipping discount; `Lineitem discount` is the line's own.",
        "SG-1000123 (`#1043`) has 12 line rows, a company buyer, a discount code and a shipping discount; SG-1000152 (`#1046`) has seller-funded free shipping (`Shipping` 0.00, code `FREESHIP`).",
        "SG-1000142 (`#1045`) was cancelled after payment: `Financial Status` `refunded`, `Cancelled at` filled, `Refunded Amount` 189.00; `Total` stays 189.00.",
        "The variant title is inside `Lineitem name` (`Walnut Dining Chair - Walnut`).",
        "The store's prices exclude tax: `Taxes` is the canonical `tax.charged` (5% SST on the goods after vouchers), named `SST 5%` in `Tax 1 Name`, and `Total` includes it.",
    ],
    "woocommerce": [
        "`Order Number` is WooCommerce's number without the `WC-` prefix the omnichannel platform adds (`5521` for `WC-5521`) [I].",
        "The bank-transfer order awaiting payment (SG-1000164, `WC-5602`) is `On hold`; the shipped one (SG-1000153) is `Completed`: WooCommerce has no shipped status.",
        "A coupon is spread over the lines: `Order Line Total` is after it; `Order Subtotal Amount` is before all discounts, `Cart Discount Amount` is the whole discount. SG-1000141 (`WC-5558`) pays 50.00 shipping of an 80.00 fee: the 30.00 shipping discount is visible only as the lower `Order Shipping Amount`.",
        "A partial refund: SG-1000110 (`WC-5521`) stays `Completed` with 1 of its 2 mugs refunded: `Quantity (- Refund)` 1 of `Quantity` 2, `Order Line Total Refunded` 59.00 (before tax), `Order Line Total (- Refund)` 61.95, and `Order Refund Amount` 61.95 on every row (the mug and its 2.95 SST). No other WooCommerce example order is refunded or cancelled, so their refund columns are zero.",
    ],
}
INFERRED = {
    "shopee": [
        "The layout itself: G2 (S1, Dec 2024), not G3; whether `Cancel reason` and `Shopee Coins Offset` are still in a 2025 file is unverified (§1.2, §9).",
        "`Shopee Coins Offset` is written in RM (its unit is uncertain, §1.3).",
        "`Seller Rebate` and `Seller Discount` both hold the seller's line price cut (their split is unknown; S1's only row has both equal); `Shopee Rebate` holds the Shopee-funded line price cut.",
        "`Product Subtotal` is after the line price cuts (= `Deal Price` × `Quantity`, S1) and before vouchers.",
        "`Shipping Rebate Estimate` = the Shopee shipping subsidy; `Estimated Shipping Fee` = the full shipping fee; a seller shipping discount (SG-1000124, SG-1000135) is not in the export at all, only in `Buyer Paid Shipping Fee` being lower.",
        "`Transaction Fee`, `Commission Fee`, `Service Fee` use illustrative rates (3.78 % of the total, 5 % and 3 % of the product subtotals); `Grand Total` = product subtotals + Shopee rebates − seller voucher + buyer-paid shipping + shipping rebate − shipping fee − fees. Settlement figures, not invoice figures (§8.8).",
        "Status texts for `paid`/`ready_to_ship` (`To ship`), `shipped` (`Shipping`), `delivered` (`Delivered`); the `Order Received…` prefix status is not used.",
        "The partial return's columns: `Return / Refund Status` `Request Approved` for a return of some units (S1's row 10 returns 1 unit), `Returned quantity` counting the units back.",
        "`Cancel reason` texts, `Shipping Option` `SPX Express`, `Shipment Method` `Drop off`, tracking numbers, `Estimated Ship Out Date` (ordered + 2 days, 23:59), `Voucher Code From Seller` (`ACME10`), the masking patterns, `Username (Buyer)`, and `Town`/`District` left blank.",
    ],
    "lazada": [
        "`paidPrice` excludes shipping (S10's reading and Lazada's API `paid_price`); S12's fixtures include it (§3.3). Check: Σ `paidPrice` + Σ `shippingFee` = buyer paid.",
        "Vouchers are inside `sellerDiscountTotal` / `platformDiscountTotal` (no voucher columns); `walletCredit` 0.00 (no Lazada example order uses coins).",
        "`shippingFee` is what the buyer paid for shipping; Lazada's shipping discounts are not in this export (§3.3), so SG-1000102's 8.00 platform shipping discount shows only as a 10.00 `shippingFee` on an 18.00 fee.",
        "`platformDiscountTotal` is present (newer files; optional, §3.2).",
        "Status values for `completed` (`confirmed`), `paid` (`pending`), `ready_to_ship` (`ready_to_ship`), `unpaid` (`unpaid`); `deliveredDate` = the canonical completion for completed orders only.",
        "`updateTime` = the latest canonical date (for a cancelled order: 3 hours after payment, the canonical order having no cancellation moment); `rtsSla`/`ttsSla` = ordered + 2 / + 3 days.",
        "`shippingAddress3..5` hold state, city and postcode (what they hold in MY is unknown, §3.3); `payMethod` texts are the canonical ones; `refundAmount` per row; ids, `deliveryType`, `wareHouse`, provider and tracking values are illustrative.",
        "The file is xlsx only: the CSV variant's delimiter is unconfirmed (§3.1), so no Lazada CSV is made.",
        "A partial return as per-row statuses: the returned unit's row `returned`, its `refundAmount` its paid price, the kept units' rows unchanged (§3.3 says rows of one order can differ; how a real file shows a partial return is unconfirmed).",
    ],
    "tiktok": [
        "The MY column set: the core list of §2.2 with `Taxes` and without `Small Order Fee`, and the MY address block `Zipcode, Country, State, Post Town, Detail Address` (one source).",
        "Dates `dd/MM/yyyy HH:mm:ss` Malaysia time (MY per S14; TikTok MY's format is an open question, §9).",
        "Row 2's descriptions except `Platform unique order ID` (the seller's language here being English).",
        "`Order Substatus` texts (`Awaiting shipment`, `Awaiting collection`, `In transit`, `Completed`, `Canceled`): English spellings were not found (§2.4). `Cancelation/Return Type` `Cancel`, `Cancel By` `Buyer`, the cancel reason.",
        "Vouchers folded into the SKU discounts (§2.3); money as plain 2-decimal text without `RM`.",
        "`RTS Time` and `Delivered Time` are blank (the canonical orders have no such moments); `Cancelled Time` = 3 hours after payment.",
        "The partial return: `Cancelled Time` holding the refund's time (two days after completion), `Cancel By` `Buyer` and `Cancel Reason` its reason, `Order Refund Amount` the returned units' share of what the buyer paid for their lines (§2.3, §2.4).",
        "`Phone #` masking `(+60)13*****40`, `Recipient` and `Detail Address` masking, ids, tracking, warehouse and provider values, `Checked Status` `Unchecked`.",
    ],
    "shopify": [
        "`Shipping` is what the buyer paid for shipping (after a shipping discount), and `Discount Amount` includes the shipping discount — whether Shopify's export writes shipping before or after its discount is not confirmed.",
        "`Payment Method` texts: `Shopify Payments` for card payments, `Bank Deposit` for online banking.",
        "`Billing Province`/`Shipping Province` as MY state codes (`SGR`, `KUL`, `PNG` …) with the names in `… Province Name`.",
        "`Cancelled at` = 3 hours after payment (the canonical order has no cancellation moment); `Id`, `Payment Reference`, discount codes, `Risk Level`, `Source` are illustrative; LF line ends.",
    ],
    "woocommerce": [
        "The whole layout is the plugin's default field set, which users rename and reorder: a mapping for it is a template (§5).",
        "`Order Date` as `yyyy-MM-dd HH:mm` (the plugin's date format is a setting).",
        "Status labels (`Completed`, `Processing`, `On hold`), payment method titles (`Direct bank transfer`, `Credit Card (Stripe)`, `GrabPay`), coupon codes.",
        "The partial refund: `Order Line Total Refunded` is the line's refund before tax (WooCommerce keeps line totals before tax), `Order Refund Amount` the order's whole refund with tax, `Order Line Total (- Refund)` the line total less both.",
        "`Item Cost` = the unit price before discounts; `Order Line (w/o tax)` = the line after its discount and its share of the coupon, `Order Line Tax` its share of the order's SST (`tax.charged`, spread by line), `Order Line Total` the two together; `Coupon Code`/`Discount Amount` are the order's one coupon and its whole discount, repeated on each row.",
    ],
}
# Values the Swift test (Tests/SpreadsheetsTests/ExampleExportsTests.swift) asserts: (order number, column, value).
TEST_VALUES = {
    "shopee": [("2509014EAM4Y3J", "Total Amount", "377.5"), ("2509014EAM4Y3J", "Order Creation Date", "2025-09-01 09:31"),
               ("250906RWFTU639", "Order Status", "Cancelled"), ("250905VBQL5WDX", "Return / Refund Status", "Request Approved")],
    "lazada": [("157683824297273", "paidPrice", "164.00"), ("157683824297273", "createTime", "01 Sep 2025 18:41"),
               ("202439502669021", "status", "canceled")],
    "tiktok": [("576983477826601055\t", "Order Amount", "71.00"), ("576983477826601055\t", "Created Time", "02/09/2025 17:25:28\t"),
               ("576949211568969987\t", "Order Status", "Canceled")],
    "shopify": [("#1043", "Total", "7626.72"), ("#1043", "Created at", "2025-09-09 22:33:49 +0800"), ("#1045", "Financial Status", "refunded")],
    "woocommerce": [("5521", "Order Total Amount", "234.70"), ("5521", "Order Date", "2025-09-04 12:05"), ("5602", "Order Status", "On hold")],
}


def readme_text(by_channel, totals, counts):
    out = ["# Example order exports", "",
           f"Generated by `{SCRIPT_REL}` from the canonical example orders (`examples/orders/2025-09.jsonl`, merchant",
           "Acme Living) — do not edit by hand; regenerate with", "", "```sh", f"python3 {SCRIPT_REL}", "```", "",
           "Each file is one seller account's order download in the channel's real layout, as researched in the shared",
           "note `../shared/docs/order-exports.md` (shared project docs; section numbers below): header texts and order verbatim, the real grain (per line,",
           "per unit), money, date and status formats as the export writes them. They are test material for the built-in",
           "import mappings (`rules/imports/`, issue 10): a mapping reading a file must give back the canonical orders listed",
           "here, with these totals.", "",
           "The script is deterministic (standard library only, fixed seed, own PRNG, fixed zip timestamps, xlsx parts",
           "stored uncompressed): re-running it reproduces every file byte for byte. Before writing anything it checks",
           "every exported order with `decimal.Decimal`: the sum of its parts computed from the export's own columns equals",
           "the export's total, and that total equals the canonical order's `buyer_paid`; otherwise it writes nothing and",
           "exits 1.", "",
           "Anything marked inferred in the research note is written as its best guess and listed under **Inferred** for",
           "each file: a mapping must keep those columns and formats configurable.", "",
           "## Files", "", "| file | export | doc | holds | data rows |", "|---|---|---|---|---|"]
    for ch in FILES:
        out.append(f"| `{FILES[ch]}` | {TITLES[ch]} | {SECTIONS[ch]} | the {len(by_channel[ch])} orders of store `{STORE_OF[ch]}` | {counts[ch]} |")
    out += ["", "Left out: the 5 orders of `shopee-acme-sg` (another Shopee shop, in SGD: its own download), the 2 of",
            "`lazada-oldbrand-my` (a shop the merchant does not sync), and Zalora and POS orders (no export researched).",
            "No order had to be added: every case the research note asks for is among the example orders.", "",
            "**Partial returns.** The canonical orders carry no `returns`. So that the built-in mappings' returns can be",
            "tested against real layouts, four completed orders get a partial return in their export (Shopee, TikTok Shop,",
            "Lazada, WooCommerce: `RETURNS` in the script), written in the export's own return columns. Each file's section",
            "below lists the canonical `returns` its mapping must read from it; the sale itself is unchanged, so every order",
            "still reads back into the canonical order. Shopify's export has no per-line refund columns (§4): none is added.", ""]
    for ch in FILES:
        out += [f"## `{FILES[ch]}`", "", f"{TITLES[ch]}, {SECTIONS[ch]} of the research note.", "",
                f"Layout: {LAYOUT[ch]}.", "", f"Money check: {MONEY_RULE[ch]}.", "",
                "| canonical id | order number in the file | canonical status | status in the file | rows | total |", "|---|---|---|---|---|---|"]
        for o in by_channel[ch]:
            number = o["order_number"].removeprefix("WC-") if ch == "woocommerce" else o["order_number"]
            rows = sum(l["qty"] for l in o["lines"]) if ch == "lazada" else len(o["lines"])
            out.append(f"| `{o['id']}` | `{number}` | {o['status']} | {STATUS_TEXT[ch](o)} | {rows} | {m2(totals[ch][o['order_number']])} |")
        out += ["", "Returns a mapping reads here (the canonical `returns` of the order, as `ledgersync orders import` writes it):", ""]
        events = RETURN_EVENTS.get(ch, {})
        if events:
            out += ["| canonical id | order number in the file | `returns` |", "|---|---|---|"]
            for o in by_channel[ch]:
                if o["id"] in events:
                    number = o["order_number"].removeprefix("WC-") if ch == "woocommerce" else o["order_number"]
                    out.append(f"| `{o['id']}` | `{number}` | `[{event_json(events[o['id']])}]` |")
        else:
            out.append("- none: a partial refund in this export is an amount only (`Refunded Amount`), which no units or shipping can be told from (§4).")
        out += ["", "Quirks a mapping meets here:", ""] + [f"- {q}" for q in QUIRKS[ch]]
        out += ["", "**Inferred** (best guess, keep configurable):", ""] + [f"- {q}" for q in INFERRED[ch]]
        out += ["", "Asserted by `Tests/SpreadsheetsTests/ExampleExportsTests.swift` (besides the header and the row count):", ""]
        shown = lambda text: text.replace("\t", "\\t")  # the tab TikTok appends, written as \t
        out += [f"- order `{shown(n)}`: `{c}` = `{shown(v)}`" for n, c, v in TEST_VALUES[ch]]
        out.append("")
    return "\n".join(out)


def main():
    try:
        by_channel, totals, counts, files = build()
        files["README.md"] = readme_text(by_channel, totals, counts).encode("utf-8")
    except Failure as failure:
        print(f"{SCRIPT_REL}: self-check failed, nothing written: {failure}", file=sys.stderr)
        return 1
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, data in files.items():
        with open(os.path.join(OUT_DIR, name), "wb") as f:
            f.write(data)
    for ch in FILES:
        print(f"{FILES[ch]}: {len(by_channel[ch])} orders, {counts[ch]} data rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
