#!/usr/bin/env python3
"""Generate the example order files under examples/orders/.

Writes, deterministically (no clock, no randomness from the OS, own PRNG with a fixed seed,
standard library only):

  examples/orders/2025-09.jsonl          valid orders, September 2025, merchant "Acme Living"
  examples/orders/bad-orders.jsonl       10 lines: 3 valid orders + 7 malformed lines
  examples/orders/bad-orders.README.md   line number -> what is wrong
  examples/orders/README.md              what the files hold, stores, SKUs, special cases -> ids

The canonical order shape and the money semantics are those of product.md section 3 (shared project docs).
Every order is self-checked before anything is written: buyer_paid equals

  sum(qty*unit_price - seller_discount - platform_discount)
    - vouchers.seller - vouchers.platform - vouchers.coins
    + shipping.fee - shipping.seller_discount - shipping.platform_discount

exactly (decimal.Decimal), money fields are 2-decimal strings, qty >= 1, dates match the
status, and so on. Each malformed line of bad-orders.jsonl is checked to fail in exactly the one
intended way.

Usage:  python3 scripts/make-example-orders.py          (from the repository root or anywhere)
Re-running reproduces the files byte for byte.
"""

import datetime as _dt
import json
import os
import re
import sys
from decimal import ROUND_HALF_UP, Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "examples", "orders")
SCRIPT_REL = "scripts/make-example-orders.py"

# The export is taken on this (local, +08:00) moment: nothing in the data happens after it.
SNAPSHOT = _dt.datetime(2025, 10, 6, 9, 0, 0)
TZ = "+08:00"
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


# --------------------------------------------------------------------------------------------
# Deterministic PRNG (splitmix64): independent of the Python version's `random` implementation.
# --------------------------------------------------------------------------------------------
class Rng:
    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def randint(self, lo, hi):
        """Uniform-enough integer in [lo, hi] (modulo bias is irrelevant here)."""
        return lo + self.next64() % (hi - lo + 1)

    def choice(self, seq):
        return seq[self.randint(0, len(seq) - 1)]

    def shuffled(self, seq):
        out = list(seq)
        for i in range(len(out) - 1, 0, -1):
            j = self.randint(0, i)
            out[i], out[j] = out[j], out[i]
        return out


# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------
# store id -> (channel, currency, prices_include_tax, synced by the merchant?)
STORES = {
    "shopee-acme-my": ("shopee", "MYR", True, True),
    "lazada-acme-my": ("lazada", "MYR", True, True),
    "tiktok-acme-my": ("tiktok", "MYR", True, True),
    "shopee-acme-sg": ("shopee", "SGD", True, True),
    "zalora-acme-my": ("zalora", "MYR", True, True),
    "shopify-acme": ("shopify", "MYR", False, True),
    "woo-acme": ("woocommerce", "MYR", False, True),
    "pos-acme-pj": ("pos", "MYR", True, True),
    "lazada-oldbrand-my": ("lazada", "MYR", True, False),
}

CHANNELS = ["shopee", "lazada", "tiktok", "zalora", "shopify", "woocommerce", "webstore", "pos", "other"]
STATUSES = ["unpaid", "paid", "ready_to_ship", "shipped", "delivered", "completed", "cancelled", "returned"]

DINING_SET_BUNDLE = [
    {"sku": "TBL-RND-OAK", "name": "Round Coffee Table", "qty": 1},
    {"sku": "CHR-DIN-WAL", "name": "Walnut Dining Chair", "qty": 4},
]

# sku -> name, default variation, MYR price, SGD price, serialised, bundle, matched in the pack
CATALOGUE = {
    "TBL-RND-OAK": ("Round Coffee Table", "Oak 80cm", "399.00", "129.00", True, None, True),
    "CHR-DIN-WAL": ("Walnut Dining Chair", "Walnut", "189.00", "62.00", False, None, True),
    "LMP-DESK-BLK": ("Desk Lamp Black", "Black", "79.90", "26.90", True, None, True),
    "RUG-160-GRY": ("Rug 160cm Grey", "160cm / Grey", "129.00", "42.00", False, None, True),
    "CUSH-45-BLU": ("Cushion 45cm Blue", "45x45cm / Blue", "25.50", "8.50", False, None, True),
    "MUG-6PK": ("Stoneware Mug 6-pack", "Stoneware / 6 pcs", "59.00", "19.90", False, None, True),
    "SET-DIN-4": ("Dining Set", None, "899.00", "299.00", False, DINING_SET_BUNDLE, True),
    "GIFT-TOTE": ("Free Tote Bag", None, "0.00", "0.00", False, None, True),
    "VASE-CER-WHT": ("Ceramic Vase White", "White / 25cm", "45.00", "14.90", False, None, True),
    "CANDLE-LAV": ("Lavender Candle", "200g", "32.00", "10.50", False, None, True),
    "FRAME-A4-BLK": ("Photo Frame A4", "A4 / Black", "19.90", "6.90", False, None, True),
    "PLANT-POT-M": ("Plant Pot Medium", "Medium / Terracotta", "38.00", "12.50", False, None, True),
    "NEW-VASE-01": ("Speckled Vase", "Speckled / 20cm", "55.00", "18.50", False, None, False),
    "XMAS-DECOR-99": ("Christmas Ornament Set", "12 pcs", "29.90", "9.90", False, None, False),
}
# Other sizes of the coffee table (MYR): variation -> price
TABLE_SIZES = {"Oak 50cm": "100.00", "Oak 60cm": "299.00", "Oak 80cm": "399.00", "Oak 100cm": "459.00"}
SERIAL_PREFIX = {"TBL-RND-OAK": "TRO2509-", "LMP-DESK-BLK": "LDB2509-"}
UNMATCHED_SKUS = {s for s, c in CATALOGUE.items() if not c[6]}

MY_NAMES = [
    "Tan Wei Ming", "Nurul Aisyah binti Rahman", "Muhammad Hafiz bin Ismail", "Lim Mei Ling",
    "Priya a/p Subramaniam", "Wong Kah Hoe", "Siti Nur Farhana binti Ahmad", "Rajesh a/l Krishnan",
    "Ong Jia Hui", "Ahmad Faizal bin Osman", "Chong Li Ying", "Kavitha a/p Muniandy",
    "Lee Chee Keong", "Farah Nabila binti Yusof", "Goh Siew Lan", "Aiman Hakimi bin Zulkifli",
    "Ng Pei Shan", "Darren Teoh Jun Wei", "Nur Izzati binti Kamal", "Yap Kok Leong",
    "Deepa a/p Ramasamy", "Chan Wai Kit", "Haslinda binti Abdullah", "Koh Boon Hock",
    "Melissa Foo Shu Fen", "Azlan bin Hamzah", "Teh Xin Yi", "Suresh a/l Pillai",
    "Low Zi Xuan", "Amirah binti Hassan",
]
# (line1 street, city, state, postcode)
MY_PLACES = [
    ("Jalan SS 2/55", "Petaling Jaya", "Selangor", "47300"),
    ("Jalan 14/22, Seksyen 14", "Petaling Jaya", "Selangor", "46100"),
    ("Jalan SS 21/37, Damansara Utama", "Petaling Jaya", "Selangor", "47400"),
    ("Jalan SS 15/4", "Subang Jaya", "Selangor", "47500"),
    ("Jalan Kenari 5, Bandar Puchong Jaya", "Puchong", "Selangor", "47100"),
    ("Jalan Plumbum N7/N, Seksyen 7", "Shah Alam", "Selangor", "40000"),
    ("Persiaran Multimedia", "Cyberjaya", "Selangor", "63000"),
    ("Jalan Telawi 3, Bangsar Baru", "Kuala Lumpur", "W.P. Kuala Lumpur", "59100"),
    ("Jalan Midah 1, Taman Midah", "Kuala Lumpur", "W.P. Kuala Lumpur", "56000"),
    ("Jalan Tun Sambanthan, Brickfields", "Kuala Lumpur", "W.P. Kuala Lumpur", "50470"),
    ("Jalan Pendidikan 3, Taman Universiti", "Skudai", "Johor", "81300"),
    ("Jalan Harimau Tarum, Taman Abad", "Johor Bahru", "Johor", "80250"),
    ("Jalan Burma", "George Town", "Pulau Pinang", "10050"),
    ("Jalan Mahsuri, Bandar Bayan Baru", "Bayan Lepas", "Pulau Pinang", "11900"),
    ("Jalan Canning Estate", "Ipoh", "Perak", "31400"),
    ("Jalan Bukit Baru", "Melaka", "Melaka", "75150"),
    ("Jalan Rasah", "Seremban", "Negeri Sembilan", "70300"),
    ("Jalan Lintas, Luyang", "Kota Kinabalu", "Sabah", "88300"),
    ("Jalan Song", "Kuching", "Sarawak", "93350"),
    ("Jalan Beserah", "Kuantan", "Pahang", "25250"),
    ("Jalan Sultan Badlishah", "Alor Setar", "Kedah", "05100"),
]
SG_NAMES = ["Jonathan Lim", "Chua Hui Min", "Siti Aminah binte Osman", "Arjun Menon", "Grace Tay", "Benjamin Koh"]
# (line1, postcode)
SG_PLACES = [
    ("Blk 412 Bedok North Avenue 2, #08-115", "460412"),
    ("Blk 227 Ang Mo Kio Avenue 1, #12-04", "560227"),
    ("10 Anson Road, #21-07 International Plaza", "079903"),
    ("Blk 681 Punggol Drive, #15-320", "820681"),
    ("23 Lorong 27 Geylang", "388170"),
    ("Blk 115 Jurong East Street 13, #04-221", "600115"),
]

# Buyers that are not drawn from the pools.
WALK_IN = {"name": "Walk-in Customer", "email": None, "phone": None, "address": None}
POS_MEMBER_1 = {"name": "Cheah Soo Lin", "email": "soolin.cheah@example.com", "phone": "+60126634218",
                "address": {"line1": "21, Jalan SS 22/19, Damansara Jaya", "city": "Petaling Jaya",
                            "state": "Selangor", "postcode": "47400", "country": "MY"},
                # A MyKad holder without a TIN of their own asks for an e-invoice: NRIC with the general TIN.
                "einvoice": {"requested": True, "tin": "EI00000000010", "id_type": "NRIC", "id_value": "880612105522"}}
POS_MEMBER_2 = {"name": "Hafizah binti Mohd Noor", "email": "hafizah.noor@example.com", "phone": "+60193318842",
                "address": None}
POS_MEMBER_3 = {"name": "Vincent Chin", "email": "vincent.chin@example.com", "phone": "+60172205516",
                "address": {"line1": "B-12-3, Residensi Sefina, Jalan 17/1", "city": "Petaling Jaya",
                            "state": "Selangor", "postcode": "46400", "country": "MY"}}
OFFICE_BUYER = {"name": "Nexus Kreatif Sdn Bhd", "email": "procurement@example.com", "phone": "+60378651200",
                "address": {"line1": "Level 8, Menara Nexus, Jalan Stesen Sentral 5", "city": "Kuala Lumpur",
                            "state": "W.P. Kuala Lumpur", "postcode": "50470", "country": "MY"},
                "einvoice": {"requested": True, "tin": "C25845632020", "id_type": "BRN", "id_value": "202001012345",
                             "sst_number": "W10-1808-32000123"}}


# --------------------------------------------------------------------------------------------
# Money helpers
# --------------------------------------------------------------------------------------------
MONEY_RE = re.compile(r"^[0-9]+\.[0-9]{2}$")


def D(s):
    return Decimal(s)


def money(d):
    d = Decimal(d)
    assert d == d.quantize(CENT), d
    assert d >= 0, d
    return str(d.quantize(CENT))


# Acme's web stores show prices before SST and charge 5% on the goods after their vouchers, line by line and
# rounded half-up to the sen, not on delivery: what the buyer is charged is on top of the prices.
SST_RATE = Decimal("0.05")


def sst_charged(order):
    """The tax a tax-exclusive store charged the buyer (tax.charged)."""
    def rounded(d):
        return d.quantize(CENT, rounding=ROUND_HALF_UP)
    total = ZERO
    for ln in order["lines"]:
        total += rounded((ln["qty"] * D(ln["unit_price"]) - D(ln["seller_discount"]) - D(ln["platform_discount"])) * SST_RATE)
    return total + rounded(-D(order["vouchers"]["seller"]) * SST_RATE)


def buyer_paid_formula(order):
    """Docs/OrderFormat.md's money rule: on prices that exclude tax, the tax charged comes on top."""
    total = ZERO
    for ln in order["lines"]:
        total += ln["qty"] * D(ln["unit_price"]) - D(ln["seller_discount"]) - D(ln["platform_discount"])
    v, s = order["vouchers"], order["shipping"]
    total -= D(v["seller"]) + D(v["platform"]) + D(v["coins"])
    total += D(s["fee"]) - D(s["seller_discount"]) - D(s["platform_discount"])
    tax = order.get("tax") or {}
    if tax.get("prices_include_tax") is False and tax.get("charged") is not None:
        total += D(tax["charged"])
    return total


# --------------------------------------------------------------------------------------------
# Order specification DSL
# --------------------------------------------------------------------------------------------
_AUTO = object()


def L(sku, qty, sd="0.00", pd="0.00", price=None, var=_AUTO, serials=True):
    """One order line. sd/pd are line totals (not per unit). serials=False leaves them out."""
    return {"sku": sku, "qty": qty, "sd": sd, "pd": pd, "price": price, "var": var, "serials": serials}


def O(store, day, status, lines, ship=("0.00", "0.00", "0.00"), v=("0.00", "0.00", "0.00"),
      pay="Online Banking", cod=False, sample=False, paid=None, buyer=None, number=None,
      extras=None, lag=None, note="", einvoice_by_platform=False):
    """One order. ship = (fee, seller_discount, platform_discount); v = (seller, platform, coins)
    vouchers. paid: for cancelled orders, whether the buyer had paid before the cancellation.
    lag: (days to ship, days to deliver, days to complete) instead of random ones.
    einvoice_by_platform: the marketplace issued the buyer's e-invoice (flags.einvoice_issued_by_platform)."""
    return {"store": store, "day": day, "status": status, "lines": lines, "ship": ship, "v": v,
            "pay": pay, "cod": cod, "sample": sample, "paid": paid, "buyer": buyer,
            "number": number, "extras": extras, "lag": lag, "note": note, "einvoice_by_platform": einvoice_by_platform}


SHARED_NUMBER = "250912N4R7KD2M"

SPECS = [
    # ---------------------------------------------------------------- shopee-acme-my (17)
    O("shopee-acme-my", 1, "completed",
      [L("TBL-RND-OAK", 1, sd="20.00"), L("GIFT-TOTE", 1)],
      ship=("25.00", "0.00", "15.00"), v=("10.00", "0.00", "1.50"), pay="ShopeePay",
      note="table + free gift; seller voucher, coins, platform shipping subsidy"),
    O("shopee-acme-my", 2, "completed",
      [L("CUSH-45-BLU", 3, sd="10.00"), L("CANDLE-LAV", 2, pd="4.00")],
      ship=("4.90", "0.00", "4.90"), v=("0.00", "5.00", "0.80"),
      note="3 x 25.50 with 10.00 seller discount (does not divide by qty); platform-funded free shipping"),
    O("shopee-acme-my", 3, "completed",
      [L("RUG-160-GRY", 1, pd="12.90")],
      ship=("8.00", "0.00", "0.00"), pay="COD", cod=True,
      note="COD: paid when delivered"),
    O("shopee-acme-my", 4, "completed",
      [L("SET-DIN-4", 1, sd="50.00")],
      ship=("0.00", "0.00", "0.00"), v=("20.00", "15.00", "3.00"), pay="Credit Card",
      note="bundle (kit) with seller + platform vouchers and coins; free shipping"),
    O("shopee-acme-my", 5, "returned",
      [L("LMP-DESK-BLK", 2, pd="8.00")],
      ship=("4.90", "2.00", "0.00"), v=("0.00", "3.00", "0.00"), pay="ShopeePay",
      note="returned after delivery"),
    O("shopee-acme-my", 6, "cancelled",
      [L("MUG-6PK", 1), L("VASE-CER-WHT", 1)],
      ship=("4.90", "0.00", "0.00"), paid=False,
      note="cancelled before payment"),
    O("shopee-acme-my", 8, "completed",
      [L("NEW-VASE-01", 2, sd="5.00"), L("PLANT-POT-M", 1)],
      ship=("6.50", "0.00", "6.50"), v=("0.00", "0.00", "2.10"), pay="ShopeePay",
      note="unmatched SKU NEW-VASE-01"),
    O("shopee-acme-my", 9, "completed",
      [L("TBL-RND-OAK", 2, sd="30.00", pd="10.00", var="Oak 60cm", serials=False)],
      ship=("30.00", "10.00", "10.00"), v=("0.00", "10.00", "0.00"), pay="Credit Card",
      note="serialised item WITHOUT serial numbers (warning); seller + platform shipping discounts"),
    O("shopee-acme-my", 12, "completed",
      [L("FRAME-A4-BLK", 4), L("CANDLE-LAV", 1)],
      ship=("4.90", "0.00", "0.00"), pay="ShopeePay", number=SHARED_NUMBER,
      note="same order_number as an order in shopee-acme-sg"),
    O("shopee-acme-my", 14, "completed",
      [L("CHR-DIN-WAL", 2, sd="18.90")],
      ship=("20.00", "5.00", "0.00"), v=("15.00", "5.00", "0.50"), einvoice_by_platform=True,
      note="seller shipping discount; all three voucher kinds; e-invoice issued by Shopee"),
    O("shopee-acme-my", 17, "delivered",
      [L("CUSH-45-BLU", 4), L("VASE-CER-WHT", 2, sd="9.00"), L("GIFT-TOTE", 1)],
      ship=("4.90", "0.00", "4.90"), v=("0.00", "8.00", "0.00"), pay="ShopeePay",
      note="delivered, not yet completed"),
    O("shopee-acme-my", 20, "completed",
      [L("TBL-RND-OAK", 1, var="Oak 50cm")],
      ship=("15.00", "0.00", "5.00"), v=("0.00", "0.00", "1.00"), pay="ShopeePay",
      note="flash-sale table at 100.00"),
    O("shopee-acme-my", 24, "shipped",
      [L("LMP-DESK-BLK", 1), L("MUG-6PK", 2, sd="5.90")],
      ship=("4.90", "0.00", "0.00"), pay="COD", cod=True,
      note="COD in transit: not paid yet (dates.paid null)"),
    O("shopee-acme-my", 26, "ready_to_ship",
      [L("RUG-160-GRY", 2, sd="25.80")],
      ship=("12.00", "0.00", "6.00"), v=("10.00", "0.00", "0.70"),
      note="ready to ship"),
    O("shopee-acme-my", 28, "paid",
      [L("XMAS-DECOR-99", 3, pd="3.00"), L("CANDLE-LAV", 2)],
      ship=("4.90", "0.00", "4.90"), pay="ShopeePay",
      note="paid, awaiting shipment; unmatched SKU XMAS-DECOR-99"),
    O("shopee-acme-my", 29, "unpaid",
      [L("VASE-CER-WHT", 1), L("PLANT-POT-M", 2)],
      ship=("4.90", "0.00", "0.00"),
      note="unpaid (no paid date)"),
    O("shopee-acme-my", 30, "cancelled",
      [L("CHR-DIN-WAL", 4, sd="37.80")],
      ship=("40.00", "10.00", "0.00"), pay="ShopeePay", paid=True,
      note="cancelled after payment (refunded)"),

    # ---------------------------------------------------------------- shopee-acme-sg (5, SGD)
    O("shopee-acme-sg", 3, "completed",
      [L("TBL-RND-OAK", 1, sd="10.00")],
      ship=("5.99", "0.00", "5.99"), v=("0.00", "3.00", "0.50"), pay="Credit Card",
      note="SGD"),
    O("shopee-acme-sg", 10, "completed",
      [L("CUSH-45-BLU", 2), L("VASE-CER-WHT", 1, pd="1.50")],
      ship=("2.99", "0.00", "0.00"), v=("2.00", "0.00", "0.00"), pay="PayNow",
      note="SGD"),
    O("shopee-acme-sg", 12, "completed",
      [L("SET-DIN-4", 1, sd="20.00")],
      ship=("0.00", "0.00", "0.00"), pay="ShopeePay", number=SHARED_NUMBER,
      note="SGD bundle; same order_number as an order in shopee-acme-my"),
    O("shopee-acme-sg", 19, "delivered",
      [L("LMP-DESK-BLK", 1), L("MUG-6PK", 1)],
      ship=("3.49", "1.00", "0.00"), v=("0.00", "0.00", "0.30"), pay="Credit Card",
      note="SGD"),
    O("shopee-acme-sg", 27, "shipped",
      [L("RUG-160-GRY", 1, pd="4.20"), L("GIFT-TOTE", 1)],
      ship=("4.99", "0.00", "0.00"), v=("0.00", "2.00", "0.00"), pay="ShopeePay",
      note="SGD"),

    # ---------------------------------------------------------------- lazada-acme-my (11)
    O("lazada-acme-my", 1, "completed",
      [L("CHR-DIN-WAL", 2, sd="20.00", pd="10.00")],
      ship=("18.00", "0.00", "8.00"), v=("10.00", "10.00", "0.00"), pay="Credit Card",
      note="seller + platform line discounts and vouchers"),
    O("lazada-acme-my", 4, "completed",
      [L("MUG-6PK", 12, sd="70.80")],
      ship=("15.00", "5.00", "0.00"),
      note="qty 12 of MUG-6PK"),
    O("lazada-acme-my", 5, "completed",
      [L("TBL-RND-OAK", 1, var="Oak 100cm")],
      ship=("35.00", "10.00", "0.00"), pay="COD", cod=True,
      note="COD"),
    O("lazada-acme-my", 7, "cancelled",
      [L("FRAME-A4-BLK", 3), L("CANDLE-LAV", 1)],
      ship=("4.90", "0.00", "0.00"), pay="Touch 'n Go eWallet", paid=True,
      note="cancelled after payment"),
    O("lazada-acme-my", 9, "completed",
      [L("XMAS-DECOR-99", 2), L("CUSH-45-BLU", 2, sd="5.10")],
      ship=("4.90", "0.00", "4.90"), v=("0.00", "6.00", "0.00"), pay="Touch 'n Go eWallet",
      note="unmatched SKU XMAS-DECOR-99"),
    O("lazada-acme-my", 11, "completed",
      [L("SET-DIN-4", 1, sd="90.00", pd="30.00")],
      ship=("0.00", "0.00", "0.00"), v=("20.00", "20.00", "0.00"), pay="Credit Card",
      note="bundle; free shipping"),
    O("lazada-acme-my", 15, "completed",
      [L("TBL-RND-OAK", 1, serials=False), L("RUG-160-GRY", 1)],
      ship=("28.00", "0.00", "10.00"), v=("0.00", "15.00", "0.00"),
      note="serialised item WITHOUT serial numbers (warning)"),
    O("lazada-acme-my", 18, "returned",
      [L("VASE-CER-WHT", 2, pd="4.50")],
      ship=("4.90", "0.00", "0.00"), pay="Touch 'n Go eWallet",
      note="returned"),
    O("lazada-acme-my", 22, "completed",
      [L("PLANT-POT-M", 3, sd="11.40"), L("CANDLE-LAV", 2)],
      ship=("6.90", "0.00", "6.90"), lag=(2, 3, 4),
      note="ordered in September, completed in October"),
    O("lazada-acme-my", 27, "ready_to_ship",
      [L("LMP-DESK-BLK", 2, sd="8.00")],
      ship=("4.90", "0.00", "2.00"), pay="Credit Card",
      note="ready to ship"),
    O("lazada-acme-my", 30, "unpaid",
      [L("CHR-DIN-WAL", 1)],
      ship=("18.00", "0.00", "0.00"),
      note="unpaid (no paid date)"),

    # ---------------------------------------------------------------- lazada-oldbrand-my (2, not synced)
    O("lazada-oldbrand-my", 6, "completed",
      [L("CUSH-45-BLU", 2), L("FRAME-A4-BLK", 1)],
      ship=("4.90", "0.00", "4.90"), pay="Credit Card",
      note="store the merchant does not sync: excluded"),
    O("lazada-oldbrand-my", 21, "shipped",
      [L("MUG-6PK", 2)],
      ship=("6.90", "0.00", "0.00"),
      note="store the merchant does not sync: excluded"),

    # ---------------------------------------------------------------- tiktok-acme-my (9)
    O("tiktok-acme-my", 2, "completed",
      [L("CUSH-45-BLU", 2, sd="3.00", pd="4.00"), L("CANDLE-LAV", 1, pd="2.00")],
      ship=("4.90", "0.00", "4.90"), v=("0.00", "3.00", "0.00"),
      note="TikTok: seller + platform line discounts"),
    O("tiktok-acme-my", 5, "completed",
      [L("VASE-CER-WHT", 1, price="0.00"), L("CANDLE-LAV", 1, price="0.00")],
      sample=True, pay=None,
      note="TikTok free sample (0.00 lines, nothing paid)"),
    O("tiktok-acme-my", 8, "completed",
      [L("LMP-DESK-BLK", 1, sd="8.00", pd="5.00")],
      ship=("4.90", "2.00", "2.90"), pay="Touch 'n Go eWallet",
      extras={"platform_extras": {"affiliate": "creator123"}},
      note="unknown top-level field platform_extras; shipping fully discounted (seller + platform)"),
    O("tiktok-acme-my", 11, "cancelled",
      [L("NEW-VASE-01", 1, pd="5.50")],
      ship=("4.90", "0.00", "0.00"), pay="Credit Card", paid=True,
      note="cancelled after payment; unmatched SKU"),
    O("tiktok-acme-my", 13, "completed",
      [L("PLANT-POT-M", 1, price="0.00"), L("FRAME-A4-BLK", 2, price="0.00")],
      sample=True, pay=None,
      note="TikTok free sample (0.00 lines, nothing paid)"),
    O("tiktok-acme-my", 16, "completed",
      [L("NEW-VASE-01", 1, sd="5.00", pd="5.00"), L("MUG-6PK", 1)],
      ship=("4.90", "0.00", "4.90"), v=("5.00", "0.00", "0.00"),
      note="unmatched SKU NEW-VASE-01"),
    O("tiktok-acme-my", 19, "completed",
      [L("RUG-160-GRY", 1, pd="10.00")],
      ship=("8.00", "0.00", "0.00"), pay="COD", cod=True,
      note="COD"),
    O("tiktok-acme-my", 25, "shipped",
      [L("TBL-RND-OAK", 1, sd="30.00", pd="20.00", var="Oak 60cm")],
      ship=("20.00", "0.00", "10.00"), pay="Credit Card",
      note="shipped"),
    O("tiktok-acme-my", 29, "paid",
      [L("CUSH-45-BLU", 6, sd="15.30")],
      ship=("4.90", "0.00", "4.90"), pay="Touch 'n Go eWallet",
      note="paid, awaiting shipment"),

    # ---------------------------------------------------------------- zalora-acme-my (5)
    O("zalora-acme-my", 3, "completed",
      [L("VASE-CER-WHT", 1), L("CANDLE-LAV", 2, sd="6.40")],
      pay="Credit Card",
      note="Zalora free shipping (fee 0.00)"),
    O("zalora-acme-my", 10, "returned",
      [L("RUG-160-GRY", 1, sd="12.90")],
      pay="Credit Card",
      note="returned"),
    O("zalora-acme-my", 14, "cancelled",
      [L("CUSH-45-BLU", 2)],
      pay="COD", cod=True, paid=False,
      note="COD cancelled before delivery: never paid"),
    O("zalora-acme-my", 20, "completed",
      [L("MUG-6PK", 2), L("FRAME-A4-BLK", 3, pd="6.00")],
      v=("0.00", "10.00", "0.00"),
      note="platform voucher"),
    O("zalora-acme-my", 26, "shipped",
      [L("LMP-DESK-BLK", 1), L("PLANT-POT-M", 1)],
      pay="Credit Card",
      note="shipped"),

    # ---------------------------------------------------------------- shopify-acme (6, tax-exclusive)
    O("shopify-acme", 2, "completed",
      [L("CHR-DIN-WAL", 2), L("CUSH-45-BLU", 2)],
      ship=("25.00", "0.00", "0.00"), pay="Credit Card",
      note="prices exclude tax"),
    O("shopify-acme", 9, "completed",
      [L("TBL-RND-OAK", 4),
       L("CHR-DIN-WAL", 16, sd="302.40"),
       L("LMP-DESK-BLK", 10, sd="79.90"),
       L("RUG-160-GRY", 3),
       L("CUSH-45-BLU", 12, sd="30.60"),
       L("MUG-6PK", 5),
       L("VASE-CER-WHT", 6),
       L("CANDLE-LAV", 8),
       L("FRAME-A4-BLK", 20, sd="39.80"),
       L("PLANT-POT-M", 10),
       L("NEW-VASE-01", 2),
       L("GIFT-TOTE", 1)],
      ship=("150.00", "50.00", "0.00"), v=("200.00", "0.00", "0.00"), buyer=OFFICE_BUYER,
      note="office fit-out: 12 lines, company buyer (e-invoice requested: BRN, TIN, SST number), serials on 14 units, unmatched SKU, seller voucher"),
    O("shopify-acme", 15, "completed",
      [L("SET-DIN-4", 1, sd="89.90")],
      ship=("60.00", "0.00", "0.00"), pay="Credit Card",
      note="bundle, prices exclude tax"),
    O("shopify-acme", 18, "cancelled",
      [L("RUG-160-GRY", 1), L("VASE-CER-WHT", 1)],
      ship=("15.00", "0.00", "0.00"), pay="Credit Card", paid=True,
      note="cancelled after payment (refunded)"),
    O("shopify-acme", 23, "delivered",
      [L("LMP-DESK-BLK", 2), L("FRAME-A4-BLK", 2)],
      ship=("10.00", "10.00", "0.00"), pay="Credit Card",
      note="seller-funded free shipping (fee 10.00, seller discount 10.00)"),
    O("shopify-acme", 28, "ready_to_ship",
      [L("PLANT-POT-M", 4), L("CANDLE-LAV", 4, sd="12.80")],
      ship=("10.00", "0.00", "0.00"), v=("15.00", "0.00", "0.00"), pay="Credit Card",
      note="discount code as seller voucher"),

    # ---------------------------------------------------------------- woo-acme (5, tax-exclusive)
    O("woo-acme", 4, "completed",
      [L("MUG-6PK", 2), L("CANDLE-LAV", 3)],
      ship=("10.00", "0.00", "0.00"),
      note="prices exclude tax"),
    O("woo-acme", 11, "completed",
      [L("XMAS-DECOR-99", 5, sd="14.95"), L("VASE-CER-WHT", 1)],
      ship=("10.00", "0.00", "0.00"), pay="GrabPay",
      note="unmatched SKU XMAS-DECOR-99; prices exclude tax"),
    O("woo-acme", 17, "completed",
      [L("SET-DIN-4", 1)],
      ship=("80.00", "30.00", "0.00"), v=("50.00", "0.00", "0.00"),
      note="bundle; seller shipping discount; coupon as seller voucher"),
    O("woo-acme", 24, "shipped",
      [L("TBL-RND-OAK", 1, var="Oak 60cm"), L("CUSH-45-BLU", 2)],
      ship=("30.00", "0.00", "0.00"), pay="Credit Card",
      note="shipped"),
    O("woo-acme", 29, "unpaid",
      [L("CHR-DIN-WAL", 6, sd="113.40")],
      ship=("50.00", "0.00", "0.00"),
      note="awaiting bank transfer (unpaid)"),

    # ---------------------------------------------------------------- pos-acme-pj (8)
    O("pos-acme-pj", 6, "completed",
      [L("CANDLE-LAV", 2), L("FRAME-A4-BLK", 1)],
      pay="Cash", buyer=WALK_IN,
      note="walk-in: buyer email/phone/address null; never shipped"),
    O("pos-acme-pj", 7, "completed",
      [L("SET-DIN-4", 1, sd="99.00")],
      pay="Credit Card", buyer=POS_MEMBER_1,
      note="bundle sold in the showroom; the buyer asks for an e-invoice (NRIC, general TIN)"),
    O("pos-acme-pj", 13, "completed",
      [L("MUG-6PK", 1), L("CUSH-45-BLU", 2, sd="5.00")],
      pay="Touch 'n Go eWallet", buyer=WALK_IN,
      note="walk-in"),
    O("pos-acme-pj", 13, "completed",
      [L("TBL-RND-OAK", 1, sd="59.00", var="Oak 100cm"), L("LMP-DESK-BLK", 1)],
      pay="Credit Card", buyer=POS_MEMBER_3,
      note="serialised items at POS"),
    O("pos-acme-pj", 20, "completed",
      [L("VASE-CER-WHT", 1), L("PLANT-POT-M", 1)],
      pay="Cash", buyer=WALK_IN,
      note="walk-in"),
    O("pos-acme-pj", 21, "cancelled",
      [L("FRAME-A4-BLK", 2)],
      pay="Cash", buyer=WALK_IN, paid=True,
      note="voided sale"),
    O("pos-acme-pj", 27, "completed",
      [L("RUG-160-GRY", 1), L("CUSH-45-BLU", 2)],
      pay="GrabPay", buyer=POS_MEMBER_2,
      note="member without address"),
    O("pos-acme-pj", 28, "completed",
      [L("CANDLE-LAV", 3, sd="6.00")],
      pay="Cash", buyer=WALK_IN,
      note="walk-in"),
]


# --------------------------------------------------------------------------------------------
# Building orders
# --------------------------------------------------------------------------------------------
def fmt_ts(t):
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%S") + TZ


def email_for(name, rng):
    words = [w for w in re.split(r"[^A-Za-z]+", name) if w and w.lower() not in ("bin", "binti", "binte", "a", "l", "p")]
    local = ".".join(w.lower() for w in words[:2])
    if rng.randint(0, 2) == 0:
        local += str(rng.randint(10, 99))
    return local + "@example.com"


def my_phone(rng):
    if rng.randint(0, 4) == 0:
        return "+6011" + "".join(str(rng.randint(0, 9)) for _ in range(8))
    return "+601" + rng.choice("2346789") + "".join(str(rng.randint(0, 9)) for _ in range(7))


def sg_phone(rng):
    return "+65" + rng.choice("89") + "".join(str(rng.randint(0, 9)) for _ in range(7))


class BuyerPool:
    def __init__(self, rng):
        self.rng = rng
        self.my = rng.shuffled(range(len(MY_NAMES)))
        self.sg = rng.shuffled(range(len(SG_NAMES)))
        self.i_my = 0
        self.i_sg = 0

    def next(self, country):
        rng = self.rng
        if country == "SG":
            k = self.sg[self.i_sg % len(self.sg)]
            self.i_sg += 1
            line1, postcode = SG_PLACES[k]
            name = SG_NAMES[k]
            return {"name": name, "email": email_for(name, rng), "phone": sg_phone(rng),
                    "address": {"line1": line1, "city": "Singapore", "state": None,
                                "postcode": postcode, "country": "SG"}}
        k = self.my[self.i_my % len(self.my)]
        self.i_my += 1
        name = MY_NAMES[k]
        street, city, state, postcode = MY_PLACES[rng.randint(0, len(MY_PLACES) - 1)]
        line1 = "No. %d, %s" % (rng.randint(1, 88), street) if rng.randint(0, 1) else "%d, %s" % (rng.randint(1, 120), street)
        return {"name": name, "email": email_for(name, rng), "phone": my_phone(rng),
                "address": {"line1": line1, "city": city, "state": state, "postcode": postcode, "country": "MY"}}


def make_dates(spec, channel, rng):
    day, status, cod = spec["day"], spec["status"], spec["cod"]
    if channel == "pos":
        ordered = _dt.datetime(2025, 9, day, 10, 0, 0) + _dt.timedelta(seconds=rng.randint(0, 11 * 3600 + 1800))
    else:
        hour = rng.choice([0, 1, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 21, 22, 22, 23])
        ordered = _dt.datetime(2025, 9, day, hour, rng.randint(0, 59), rng.randint(0, 59))
    paid = shipped = completed = None

    def pay_time():
        return ordered + _dt.timedelta(seconds=rng.randint(15, 1500))

    lag = spec.get("lag")

    def ship_time():
        d = (ordered + _dt.timedelta(days=lag[0] if lag else rng.randint(1, 2))).date()
        return _dt.datetime(d.year, d.month, d.day, rng.randint(9, 18), rng.randint(0, 59), rng.randint(0, 59))

    def after(t, lo_days, hi_days):
        d = (t + _dt.timedelta(days=rng.randint(lo_days, hi_days))).date()
        return _dt.datetime(d.year, d.month, d.day, rng.randint(10, 20), rng.randint(0, 59), rng.randint(0, 59))

    if spec["sample"]:
        # A free sample: nothing is ever paid.
        shipped = ship_time()
        completed = after(shipped, 4, 7)
    elif channel == "pos":
        if status == "completed":
            paid = ordered + _dt.timedelta(seconds=rng.randint(20, 180))
            completed = paid + _dt.timedelta(seconds=rng.randint(5, 60))
        elif status == "cancelled":
            paid = ordered + _dt.timedelta(seconds=rng.randint(20, 180)) if spec["paid"] else None
        else:
            raise AssertionError("POS status %s not modelled" % status)
    elif status == "unpaid":
        pass
    elif status in ("paid", "ready_to_ship"):
        assert not cod
        paid = pay_time()
    elif status == "cancelled":
        assert spec["paid"] is not None, "cancelled orders must say whether they were paid"
        paid = pay_time() if spec["paid"] else None
    elif status in ("shipped", "delivered", "returned", "completed"):
        shipped = ship_time()
        delivered = after(shipped, lag[1], lag[1]) if lag else after(shipped, 1, 3)
        if cod:
            # Cash collected on delivery: not yet when merely shipped.
            paid = None if status == "shipped" else delivered
        else:
            paid = pay_time()
        if status == "completed":
            if channel in ("shopify", "woocommerce"):
                completed = delivered
            else:
                completed = after(delivered, lag[2], lag[2]) if lag else after(delivered, 2, 4)  # marketplace auto-confirm / buyer confirms receipt
    else:
        raise AssertionError(status)
    return {"ordered": fmt_ts(ordered), "paid": fmt_ts(paid), "shipped": fmt_ts(shipped),
            "completed": fmt_ts(completed)}, ordered


def build_line(ls, currency, serials):
    name, var, p_myr, p_sgd, serialised, bundle, _ = CATALOGUE[ls["sku"]]
    if ls["var"] is not _AUTO:
        var = ls["var"]
    if ls["price"] is not None:
        price = ls["price"]
    elif currency == "SGD":
        price = p_sgd
    elif ls["sku"] == "TBL-RND-OAK":
        price = TABLE_SIZES[var]
    else:
        price = p_myr
    sns = []
    if serialised and ls["serials"]:
        sns = serials.take(ls["sku"], ls["qty"])
    return {"sku": ls["sku"], "name": name, "variation": var, "qty": ls["qty"],
            "unit_price": money(price), "seller_discount": money(ls["sd"]), "platform_discount": money(ls["pd"]),
            "serial_numbers": sns, "bundle": None if bundle is None else [dict(c) for c in bundle]}


class Serials:
    def __init__(self):
        self.next_no = {"TBL-RND-OAK": 41, "LMP-DESK-BLK": 117}

    def take(self, sku, qty):
        out = []
        for _ in range(qty):
            out.append("%s%05d" % (SERIAL_PREFIX[sku], self.next_no[sku]))
            self.next_no[sku] += 1
        return out


class Numbers:
    """Channel order numbers, handed out in chronological order."""
    ALNUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"

    def __init__(self, rng):
        self.rng = rng
        self.shopify = 1042
        self.woo = 5521
        self.zalora = 4411
        self.pos_day = {}

    def next(self, channel, ordered):
        rng = self.rng
        if channel == "shopee":
            return ordered.strftime("%y%m%d") + "".join(rng.choice(self.ALNUM) for _ in range(8))
        if channel == "lazada":
            return rng.choice("12") + "".join(str(rng.randint(0, 9)) for _ in range(14))
        if channel == "tiktok":
            return "5769" + "".join(str(rng.randint(0, 9)) for _ in range(14))
        if channel == "zalora":
            n = "ZMY-%s-%06d" % (ordered.strftime("%y%m"), self.zalora)
            self.zalora += rng.randint(37, 420)
            return n
        if channel == "shopify":
            n = "#%d" % self.shopify
            self.shopify += 1
            return n
        if channel == "woocommerce":
            n = "WC-%d" % self.woo
            self.woo += rng.randint(3, 40)
            return n
        if channel == "pos":
            key = ordered.date()
            seq = self.pos_day.get(key, rng.randint(1, 9)) + rng.randint(1, 6)
            self.pos_day[key] = seq
            return "PJ-%s-%04d" % (ordered.strftime("%Y%m%d"), seq)
        raise AssertionError(channel)


def build_order(spec, oid, rng, buyers, serials, numbers, ordered_dates):
    channel, currency, incl, _ = STORES[spec["store"]]
    dates, ordered = ordered_dates
    number = spec["number"] or numbers.next(channel, ordered)
    buyer = spec["buyer"]
    if buyer is None:
        buyer = buyers.next("SG" if currency == "SGD" else "MY")
        if channel == "tiktok":
            buyer["email"] = None  # TikTok Shop does not pass buyer e-mail addresses on
    else:
        buyer = json.loads(json.dumps(buyer))
    lines = [build_line(ls, currency, serials) for ls in spec["lines"]]
    order = {
        "id": oid,
        "order_number": number,
        "channel": channel,
        "store": spec["store"],
        "currency": currency,
        "status": spec["status"],
        "dates": dates,
        "flags": {"sample": spec["sample"], "cod": spec["cod"]},
        "buyer": buyer,
        "lines": lines,
        "shipping": {"fee": money(spec["ship"][0]), "seller_discount": money(spec["ship"][1]),
                     "platform_discount": money(spec["ship"][2])},
        "vouchers": {"seller": money(spec["v"][0]), "platform": money(spec["v"][1]), "coins": money(spec["v"][2])},
        "tax": {"prices_include_tax": incl},
        "payment": {"method": spec["pay"], "buyer_paid": None},
    }
    if spec["einvoice_by_platform"]:
        order["flags"]["einvoice_issued_by_platform"] = True
    if not incl:
        order["tax"]["charged"] = money(sst_charged(order))
    order["payment"]["buyer_paid"] = money(buyer_paid_formula(order))
    if spec["extras"]:
        for k, v in spec["extras"].items():
            order[k] = v
    return order


# --------------------------------------------------------------------------------------------
# Validation (product.md section 3) -- returns a list of error codes, empty when valid
# --------------------------------------------------------------------------------------------
TOP_KEYS = ["id", "order_number", "channel", "store", "currency", "status", "dates", "flags", "buyer",
            "lines", "shipping", "vouchers", "tax", "payment"]
LINE_KEYS = ["sku", "name", "variation", "qty", "unit_price", "seller_discount", "platform_discount",
             "serial_numbers", "bundle"]
TS_RE = re.compile(r"^2025-(09|10)-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\+08:00$")


def validate(o):
    errs = []

    def money_ok(v, where):
        if not isinstance(v, str):
            errs.append("money-not-string:" + where)
            return False
        if not MONEY_RE.match(v):
            errs.append("money-bad-format:" + where)
            return False
        return True

    for k in TOP_KEYS:
        if k not in o:
            errs.append("missing:" + k)
    if errs:
        return errs
    for k in ("id", "order_number", "store", "currency"):
        if not isinstance(o[k], str) or not o[k]:
            errs.append("bad-string:" + k)
    if o["channel"] not in CHANNELS:
        errs.append("unknown-channel")
    if o["status"] not in STATUSES:
        errs.append("unknown-status")
    for k in ("ordered", "paid", "shipped", "completed"):
        v = o["dates"].get(k)
        if v is not None and not TS_RE.match(v):
            errs.append("bad-timestamp:" + k)
    if o["dates"].get("ordered") is None:
        errs.append("missing:dates.ordered")
    if not isinstance(o["flags"].get("sample"), bool) or not isinstance(o["flags"].get("cod"), bool):
        errs.append("bad-flags")
    if not isinstance(o["lines"], list) or not o["lines"]:
        errs.append("empty-lines")
    all_money_ok = True
    for i, ln in enumerate(o["lines"] if isinstance(o["lines"], list) else []):
        if list(ln.keys()) != LINE_KEYS:
            errs.append("line-keys:%d" % i)
            continue
        if not isinstance(ln["qty"], int) or isinstance(ln["qty"], bool):
            errs.append("qty-not-int:%d" % i)
        elif ln["qty"] < 1:
            errs.append("qty-not-positive:%d" % i)
        for k in ("unit_price", "seller_discount", "platform_discount"):
            all_money_ok &= money_ok(ln[k], "lines[%d].%s" % (i, k))
        if not isinstance(ln["serial_numbers"], list):
            errs.append("serials-not-list:%d" % i)
        if ln["bundle"] is not None:
            for c in ln["bundle"]:
                if list(c.keys()) != ["sku", "name", "qty"] or not isinstance(c["qty"], int) or c["qty"] < 1:
                    errs.append("bad-bundle:%d" % i)
    for k in ("fee", "seller_discount", "platform_discount"):
        all_money_ok &= money_ok(o["shipping"][k], "shipping." + k)
    for k in ("seller", "platform", "coins"):
        all_money_ok &= money_ok(o["vouchers"][k], "vouchers." + k)
    all_money_ok &= money_ok(o["payment"]["buyer_paid"], "payment.buyer_paid")
    if not isinstance(o["tax"].get("prices_include_tax"), bool):
        errs.append("bad-tax")
    if all_money_ok and not any(e.startswith("qty-not-int") or e.startswith("line-keys") for e in errs):
        if buyer_paid_formula(o) != D(o["payment"]["buyer_paid"]):
            errs.append("buyer-paid-mismatch")
    return errs


def check_main_order(o):
    """Stricter, file-specific invariants of 2025-09.jsonl (on top of validate())."""
    oid = o["id"]
    errs = validate(o)
    assert not errs, (oid, errs)
    assert list(o.keys())[:len(TOP_KEYS)] == TOP_KEYS, oid
    assert list(o["dates"].keys()) == ["ordered", "paid", "shipped", "completed"], oid
    assert list(o["flags"].keys()) in (["sample", "cod"], ["sample", "cod", "einvoice_issued_by_platform"]), oid
    assert list(o["buyer"].keys()) in (["name", "email", "phone", "address"], ["name", "email", "phone", "address", "einvoice"]), oid
    einvoice = o["buyer"].get("einvoice")
    if einvoice is not None:
        assert einvoice["id_type"] in ("NRIC", "PASSPORT", "BRN", "ARMY"), oid
        assert all(isinstance(einvoice[k], str) for k in ("tin", "id_value")), oid
    if o["buyer"]["address"] is not None:
        assert list(o["buyer"]["address"].keys()) == ["line1", "city", "state", "postcode", "country"], oid
    channel, currency, incl, _ = STORES[o["store"]]
    assert o["channel"] == channel and o["currency"] == currency and o["tax"]["prices_include_tax"] == incl, oid
    assert o["dates"]["ordered"].startswith("2025-09-"), oid
    # money sanity
    assert D(o["payment"]["buyer_paid"]) >= 0, oid
    s = o["shipping"]
    assert D(s["seller_discount"]) + D(s["platform_discount"]) <= D(s["fee"]), oid
    for ln in o["lines"]:
        gross = ln["qty"] * D(ln["unit_price"])
        assert D(ln["seller_discount"]) + D(ln["platform_discount"]) <= gross, (oid, ln["sku"])
        name, _, _, _, serialised, bundle, _ = CATALOGUE[ln["sku"]]
        assert ln["name"] == name, (oid, ln["sku"])
        assert ln["bundle"] == bundle, (oid, ln["sku"])
        if ln["serial_numbers"]:
            assert serialised and len(ln["serial_numbers"]) == ln["qty"], (oid, ln["sku"])
    # dates vs status
    d = {k: (None if v is None else _dt.datetime.fromisoformat(v[:-6])) for k, v in o["dates"].items()}
    st = o["status"]
    for k, v in d.items():
        assert v is None or v <= SNAPSHOT, (oid, k)
    if d["paid"]:
        assert d["paid"] >= d["ordered"], oid
    if d["shipped"]:
        assert d["shipped"] > d["ordered"], oid
    if d["completed"]:
        assert d["completed"] >= (d["shipped"] or d["paid"] or d["ordered"]), oid
    if st == "unpaid":
        assert d["paid"] is None and d["shipped"] is None and d["completed"] is None, oid
    if st in ("paid", "ready_to_ship"):
        assert d["paid"] and not d["shipped"] and not d["completed"], oid
    if st in ("shipped", "delivered", "returned"):
        assert d["shipped"] and not d["completed"], oid
        assert d["paid"] or (o["flags"]["cod"] and st == "shipped"), oid
    if st == "cancelled":
        assert not d["shipped"] and not d["completed"], oid
    if st == "completed":
        assert d["completed"], oid
        assert d["paid"] or o["flags"]["sample"], oid
        assert d["shipped"] or channel == "pos", oid
    if o["flags"]["sample"]:
        assert channel == "tiktok" and st == "completed" and d["paid"] is None, oid
        assert all(D(ln["unit_price"]) == 0 for ln in o["lines"]) and D(o["payment"]["buyer_paid"]) == 0, oid
    if o["flags"]["cod"]:
        assert o["payment"]["method"] == "COD", oid
    if o["payment"]["method"] == "COD":
        assert o["flags"]["cod"], oid


# --------------------------------------------------------------------------------------------
# Special cases: derived from the data, so the README table cannot drift from the file
# --------------------------------------------------------------------------------------------
def _d(x):
    return Decimal(x)


def dates_null(o, k):
    return o["dates"][k] is None


SPECIAL_CASES = [
    ("multi-line order (2+ lines)", lambda o: len(o["lines"]) >= 2),
    ("large order (10+ lines)", lambda o: len(o["lines"]) >= 10),
    ("line with qty 10+ of `MUG-6PK`", lambda o: any(l["sku"] == "MUG-6PK" and l["qty"] >= 10 for l in o["lines"])),
    ("line seller discount that does not divide evenly by qty",
     lambda o: any(_d(l["seller_discount"]) * 100 % l["qty"] != 0 for l in o["lines"])),
    ("line `seller_discount` > 0", lambda o: any(_d(l["seller_discount"]) > 0 for l in o["lines"])),
    ("line `platform_discount` > 0", lambda o: any(_d(l["platform_discount"]) > 0 for l in o["lines"])),
    ("`vouchers.seller` > 0", lambda o: _d(o["vouchers"]["seller"]) > 0),
    ("`vouchers.platform` > 0", lambda o: _d(o["vouchers"]["platform"]) > 0),
    ("`vouchers.coins` > 0", lambda o: _d(o["vouchers"]["coins"]) > 0),
    ("all three voucher kinds on one order", lambda o: all(_d(v) > 0 for v in o["vouchers"].values())),
    ("`shipping.seller_discount` > 0", lambda o: _d(o["shipping"]["seller_discount"]) > 0),
    ("`shipping.platform_discount` > 0", lambda o: _d(o["shipping"]["platform_discount"]) > 0),
    ("shipping fee > 0 fully discounted (buyer pays no shipping)",
     lambda o: _d(o["shipping"]["fee"]) > 0 and _d(o["shipping"]["fee"]) == _d(o["shipping"]["seller_discount"]) + _d(o["shipping"]["platform_discount"])),
    ("free shipping: `shipping.fee` 0.00 (non-POS, non-sample)",
     lambda o: _d(o["shipping"]["fee"]) == 0 and o["channel"] != "pos" and not o["flags"]["sample"]),
    ("bundle / kit line (`SET-DIN-4`)", lambda o: any(l["bundle"] for l in o["lines"])),
    ("unmatched SKU (`NEW-VASE-01`, `XMAS-DECOR-99`)", lambda o: any(l["sku"] in UNMATCHED_SKUS for l in o["lines"])),
    ("free gift line (`GIFT-TOTE` at 0.00)", lambda o: any(l["sku"] == "GIFT-TOTE" for l in o["lines"])),
    ("serialised line with serial numbers", lambda o: any(l["serial_numbers"] for l in o["lines"])),
    ("serialised line WITHOUT serial numbers (warning expected)",
     lambda o: any(CATALOGUE[l["sku"]][4] and not l["serial_numbers"] for l in o["lines"])),
    ("TikTok sample (`flags.sample: true`, 0.00 lines, nothing paid)", lambda o: o["flags"]["sample"]),
    ("COD (`flags.cod: true`, method `COD`)", lambda o: o["flags"]["cod"]),
    ("COD not yet collected (status shipped, `dates.paid` null)",
     lambda o: o["flags"]["cod"] and o["status"] == "shipped" and dates_null(o, "paid")),
    ("status `unpaid` (paid/shipped/completed null)", lambda o: o["status"] == "unpaid"),
    ("status `paid`", lambda o: o["status"] == "paid"),
    ("status `ready_to_ship`", lambda o: o["status"] == "ready_to_ship"),
    ("status `shipped`", lambda o: o["status"] == "shipped"),
    ("status `delivered`", lambda o: o["status"] == "delivered"),
    ("status `cancelled`, never paid (`dates.paid` null)", lambda o: o["status"] == "cancelled" and dates_null(o, "paid")),
    ("status `cancelled` after payment (refund)", lambda o: o["status"] == "cancelled" and not dates_null(o, "paid")),
    ("status `returned`", lambda o: o["status"] == "returned"),
    ("ordered in September, completed in October", lambda o: (o["dates"]["completed"] or "").startswith("2025-10")),
    ("SGD order", lambda o: o["currency"] == "SGD"),
    ("prices exclude tax (`tax.prices_include_tax: false`)", lambda o: not o["tax"]["prices_include_tax"]),
    ("store not synced by the merchant (`lazada-oldbrand-my`): must be excluded", lambda o: not STORES[o["store"]][3]),
    ("same `order_number` in two stores", None),  # filled in below
    ("unknown top-level field (`platform_extras`): must be tolerated", lambda o: any(k not in TOP_KEYS for k in o)),
    ("company buyer", lambda o: "Sdn Bhd" in o["buyer"]["name"]),
    ("buyer `email` null", lambda o: o["buyer"]["email"] is None),
    ("buyer `phone` and `address` null (walk-in)", lambda o: o["buyer"]["phone"] is None and o["buyer"]["address"] is None),
    ("buyer `address.state` null (Singapore)", lambda o: o["buyer"]["address"] is not None and o["buyer"]["address"]["state"] is None),
    ("line `variation` null", lambda o: any(l["variation"] is None for l in o["lines"])),
    ("`payment.method` null", lambda o: o["payment"]["method"] is None),
    ("POS sale: completed with `dates.shipped` null", lambda o: o["channel"] == "pos" and o["status"] == "completed"),
]


def special_case_ids(orders):
    by_num = {}
    for o in orders:
        by_num.setdefault(o["order_number"], set()).add(o["store"])
    shared = {n for n, stores in by_num.items() if len(stores) > 1}
    rows = []
    for title, pred in SPECIAL_CASES:
        if pred is None:
            pred = lambda o, shared=shared: o["order_number"] in shared
        rows.append((title, [o["id"] for o in orders if pred(o)]))
    return rows


# Minimum coverage demanded of the valid file.
COVERAGE_MIN = {
    "multi-line order (2+ lines)": 10,
    "large order (10+ lines)": 1,
    "line with qty 10+ of `MUG-6PK`": 1,
    "line seller discount that does not divide evenly by qty": 1,
    "line `seller_discount` > 0": 5,
    "line `platform_discount` > 0": 5,
    "`vouchers.seller` > 0": 3,
    "`vouchers.platform` > 0": 3,
    "`vouchers.coins` > 0": 3,
    "`shipping.seller_discount` > 0": 3,
    "`shipping.platform_discount` > 0": 3,
    "free shipping: `shipping.fee` 0.00 (non-POS, non-sample)": 2,
    "bundle / kit line (`SET-DIN-4`)": 3,
    "unmatched SKU (`NEW-VASE-01`, `XMAS-DECOR-99`)": 3,
    "free gift line (`GIFT-TOTE` at 0.00)": 2,
    "serialised line WITHOUT serial numbers (warning expected)": 1,
    "TikTok sample (`flags.sample: true`, 0.00 lines, nothing paid)": 2,
    "COD (`flags.cod: true`, method `COD`)": 2,
    "status `unpaid` (paid/shipped/completed null)": 2,
    "status `paid`": 1,
    "status `ready_to_ship`": 1,
    "status `shipped`": 1,
    "status `delivered`": 1,
    "status `returned`": 1,
    "SGD order": 3,
    "prices exclude tax (`tax.prices_include_tax: false`)": 4,
    "store not synced by the merchant (`lazada-oldbrand-my`): must be excluded": 2,
    "same `order_number` in two stores": 2,
    "unknown top-level field (`platform_extras`): must be tolerated": 1,
}


# --------------------------------------------------------------------------------------------
# Main file
# --------------------------------------------------------------------------------------------
def build_main():
    rng = Rng(20250901)
    # dates first (per spec, in list order), then sort chronologically and hand out ids, numbers,
    # buyers and serials in that order.
    dated = []
    for i, spec in enumerate(SPECS):
        channel = STORES[spec["store"]][0]
        dated.append((make_dates(spec, channel, rng), i, spec))
    dated.sort(key=lambda t: (t[0][1], t[1]))
    buyers, serials, numbers = BuyerPool(rng), Serials(), Numbers(rng)
    orders, notes = [], {}
    for n, (dd, _, spec) in enumerate(dated):
        oid = "SG-%d" % (1000101 + n)
        o = build_order(spec, oid, rng, buyers, serials, numbers, dd)
        orders.append(o)
        notes[oid] = spec["note"]
    return orders, notes


def check_main(orders):
    assert len(orders) >= 66
    ids = [o["id"] for o in orders]
    assert len(set(ids)) == len(ids)
    nums = [int(i.split("-")[1]) for i in ids]
    assert nums == sorted(nums)
    seen = set()
    for o in orders:
        check_main_order(o)
        key = (o["store"], o["order_number"])
        assert key not in seen, key
        seen.add(key)
        ch = o["channel"]
        num = o["order_number"]
        pat = {"shopee": r"^\d{6}[0-9A-Z]{8}$", "lazada": r"^\d{15}$", "tiktok": r"^\d{18}$",
               "zalora": r"^ZMY-\d{4}-\d{6}$", "shopify": r"^#\d+$", "woocommerce": r"^WC-\d+$",
               "pos": r"^PJ-\d{8}-\d{4}$"}[ch]
        assert re.match(pat, num), (o["id"], num)
    serials = [s for o in orders for l in o["lines"] for s in l["serial_numbers"]]
    assert len(set(serials)) == len(serials)
    assert len({o["channel"] for o in orders}) >= 6
    assert sum(1 for o in orders if o["status"] == "cancelled") >= 4
    missing = sum(1 for o in orders for l in o["lines"] if CATALOGUE[l["sku"]][4] and not l["serial_numbers"])
    assert 1 <= missing <= 2, missing
    for title, ids_ in special_case_ids(orders):
        assert len(ids_) >= COVERAGE_MIN.get(title, 1), (title, ids_)
    for title in COVERAGE_MIN:
        assert any(t == title for t, _ in SPECIAL_CASES), title


# --------------------------------------------------------------------------------------------
# bad-orders.jsonl
# --------------------------------------------------------------------------------------------
def build_bad():
    rng = Rng(20250999)
    buyers, serials, numbers = BuyerPool(rng), Serials(), Numbers(rng)
    serials.next_no = {"TBL-RND-OAK": 901, "LMP-DESK-BLK": 901}
    numbers.shopify, numbers.woo, numbers.zalora = 1101, 5901, 9101

    def mk(n, spec):
        return build_order(spec, "SG-10009%02d" % n, rng, buyers, serials, numbers,
                           make_dates(spec, STORES[spec["store"]][0], rng))

    def dump(o):
        return json.dumps(o, separators=(",", ":"), ensure_ascii=False)

    entries = []  # (line text, expected error codes or None for valid, or "json" for invalid JSON, description)

    o1 = mk(1, O("shopee-acme-my", 10, "completed", [L("CUSH-45-BLU", 2), L("CANDLE-LAV", 1, pd="3.00")],
                 ship=("4.90", "0.00", "4.90"), v=("0.00", "2.00", "0.50"), pay="ShopeePay"))
    entries.append((dump(o1), [], "valid (shopee-acme-my, completed)"))

    o2 = mk(2, O("lazada-acme-my", 11, "completed", [L("FRAME-A4-BLK", 2, price="12.50")],
                 ship=("4.90", "0.00", "0.00")))
    assert validate(o2) == []
    o2["lines"][0]["unit_price"] = 12.5
    entries.append((dump(o2), ["money-not-string:lines[0].unit_price"],
                    "`lines[0].unit_price` is the JSON number `12.5`, not a decimal string"))

    o3 = mk(3, O("tiktok-acme-my", 12, "shipped", [L("MUG-6PK", 1, sd="5.90", pd="3.00")],
                 ship=("4.90", "0.00", "4.90"), pay="Touch 'n Go eWallet"))
    entries.append((dump(o3), [], "valid (tiktok-acme-my, shipped)"))

    # The negative quantity is the only fault: buyer_paid is what the formula gives for these lines.
    o4 = mk(4, O("woo-acme", 13, "completed", [L("TBL-RND-OAK", 1, var="Oak 60cm"), L("CUSH-45-BLU", 2)],
                 ship=("30.00", "0.00", "0.00"), pay="Credit Card"))
    o4["lines"][1]["qty"] = -1
    o4["payment"]["buyer_paid"] = money(buyer_paid_formula(o4))
    entries.append((dump(o4), ["qty-not-positive:1"],
                    "`lines[1].qty` is `-1` (negative quantity); buyer_paid is consistent with it"))

    o5 = mk(5, O("shopify-acme", 14, "completed", [L("SET-DIN-4", 1, price="1200.00")],
                 ship=("60.00", "0.00", "0.00"), pay="Credit Card"))
    assert validate(o5) == []
    o5["lines"][0]["unit_price"] = "1,200.00"
    entries.append((dump(o5), ["money-bad-format:lines[0].unit_price"],
                    "`lines[0].unit_price` is `\"1,200.00\"` (thousands separator in a money string)"))

    o6 = mk(6, O("lazada-acme-my", 15, "completed", [L("RUG-160-GRY", 1, pd="10.00")],
                 ship=("12.00", "0.00", "6.00"), pay="Credit Card"))
    o6["channel"] = "lazmall"
    entries.append((dump(o6), ["unknown-channel"], "`channel` is `\"lazmall\"` (not a known channel)"))

    o7 = mk(7, O("zalora-acme-my", 16, "completed", [L("VASE-CER-WHT", 1)], pay="Credit Card"))
    del o7["id"]
    entries.append((dump(o7), ["missing:id"], "`id` is missing (order_number %s)" % o7["order_number"]))

    o8 = mk(8, O("shopee-acme-my", 17, "completed", [L("PLANT-POT-M", 2)], ship=("4.90", "0.00", "0.00")))
    assert validate(o8) == []
    full = dump(o8)
    cut = full.index('"shipping"')
    text8 = full[:cut].rstrip(",")  # truncated mid-object: lines closed, object not
    entries.append((text8, "json", "not valid JSON: the object is truncated after `lines` (id %s)" % o8["id"]))

    o9 = mk(9, O("pos-acme-pj", 18, "completed", [L("CANDLE-LAV", 2), L("FRAME-A4-BLK", 1)],
                 pay="Cash", buyer=WALK_IN))
    entries.append((dump(o9), [], "valid (pos-acme-pj, walk-in, completed)"))

    o10 = mk(10, O("shopee-acme-my", 19, "completed", [L("MUG-6PK", 1)], pay="ShopeePay"))
    o10["lines"] = []
    o10["payment"]["buyer_paid"] = money(buyer_paid_formula(o10))
    entries.append((dump(o10), ["empty-lines"], "`lines` is an empty array"))

    assert len(entries) == 10
    for n, (text, expect, _) in enumerate(entries, 1):
        if expect == "json":
            try:
                json.loads(text)
            except ValueError:
                pass
            else:
                raise AssertionError("line %d should not parse" % n)
            continue
        o = json.loads(text)
        got = validate(o)
        assert got == expect, (n, got, expect)
        if not expect:
            check_main_order(o)
    return entries


# --------------------------------------------------------------------------------------------
# READMEs
# --------------------------------------------------------------------------------------------
def counts(orders, key):
    out = {}
    for o in orders:
        k = key(o)
        out[k] = out.get(k, 0) + 1
    return out


def summary_text(orders):
    lines = ["orders: %d" % len(orders), "", "by store:"]
    for s in STORES:
        lines.append("  %-20s %-12s %-4s %2d" % (s, STORES[s][0], STORES[s][1], counts(orders, lambda o: o["store"]).get(s, 0)))
    lines += ["", "by channel:"]
    for ch, n in sorted(counts(orders, lambda o: o["channel"]).items()):
        lines.append("  %-12s %2d" % (ch, n))
    lines += ["", "by status:"]
    c = counts(orders, lambda o: o["status"])
    for st in STATUSES:
        lines.append("  %-14s %2d" % (st, c.get(st, 0)))
    lines += ["", "by currency:"]
    for cur, n in sorted(counts(orders, lambda o: o["currency"]).items()):
        lines.append("  %-4s %2d" % (cur, n))
    return "\n".join(lines)


def main_readme(orders, notes, bad_count):
    st_counts = counts(orders, lambda o: o["store"])
    out = []
    w = out.append
    w("# Example orders")
    w("")
    w("Generated by `%s` — do not edit by hand; regenerate with" % SCRIPT_REL)
    w("")
    w("```sh")
    w("python3 %s" % SCRIPT_REL)
    w("```")
    w("")
    w("The script is deterministic (fixed seed, own PRNG, standard library only): re-running it reproduces")
    w("every file here byte for byte. It self-checks every order before writing (see below).")
    w("")
    w("Format: the canonical order of [`Docs/OrderFormat.md`](../../Docs/OrderFormat.md) — JSON Lines, one compact object per line,")
    w("keys in the spec's order; money as decimal strings with two decimals; quantities as integers;")
    w("timestamps ISO-8601 with `+08:00`; `null` for absent optional values.")
    w("")
    w("## Files")
    w("")
    w("| file | holds |")
    w("|---|---|")
    w("| `2025-09.jsonl` | %d valid orders placed in September 2025 for the merchant **Acme Living** (furniture & homeware), ids `%s` … `%s` in order-time order |"
      % (len(orders), orders[0]["id"], orders[-1]["id"]))
    w("| `bad-orders.jsonl` | %d lines: 3 valid orders and 7 malformed lines, each malformed in exactly one way (ids `SG-1000901` … `SG-1000910`) |" % bad_count)
    w("| `bad-orders.README.md` | line number → what is wrong with it |")
    w("")
    w("Money rule every order obeys (checked with `decimal.Decimal` by the script):")
    w("")
    w("```")
    w("buyer_paid = Σ(qty×unit_price − seller_discount − platform_discount)")
    w("             − vouchers.seller − vouchers.platform − vouchers.coins")
    w("             + shipping.fee − shipping.seller_discount − shipping.platform_discount")
    w("             + tax.charged  (only when prices exclude tax)")
    w("```")
    w("")
    w("Line `seller_discount` / `platform_discount` are totals for the line, not per unit. The")
    w("tax-exclusive stores (`shopify-acme`, `woo-acme`) charge 5% SST on the goods after their vouchers,")
    w("line by line and rounded half-up, not on delivery: `tax.charged` says how much, and `buyer_paid`")
    w("includes it.")
    w("")
    w("## Stores")
    w("")
    w("| store id | channel | currency | prices include tax | synced by the merchant | orders |")
    w("|---|---|---|---|---|---|")
    for s, (ch, cur, incl, synced) in STORES.items():
        w("| `%s` | %s | %s | %s | %s | %d |" % (s, ch, cur, "yes" if incl else "**no**", "yes" if synced else "**no** (must be excluded)", st_counts.get(s, 0)))
    w("")
    w("Order-number formats: Shopee `YYMMDD` + 8 characters (`250903K7P2QX1A`), Lazada 15 digits, TikTok 18")
    w("digits, Zalora `ZMY-YYMM-NNNNNN`, Shopify `#1042`, WooCommerce `WC-5521`, POS `PJ-YYYYMMDD-NNNN`.")
    w("`id` is the omnichannel platform's id (`SG-1000101`, …), unique across all stores; `order_number` is")
    w("unique only within a store.")
    w("")
    w("## SKUs")
    w("")
    w("| sku | name | variation(s) | MYR | SGD | notes |")
    w("|---|---|---|---|---|---|")
    for sku, (name, var, p_myr, p_sgd, serialised, bundle, matched) in CATALOGUE.items():
        notes_ = []
        if serialised:
            notes_.append("serialised (`serial_numbers`: one per unit)")
        if bundle:
            notes_.append("kit: " + " + ".join("%d × `%s`" % (c["qty"], c["sku"]) for c in bundle))
        if not matched:
            notes_.append("**not matched** in the merchant's pack")
        if sku == "GIFT-TOTE":
            notes_.append("free gift line")
        if sku == "TBL-RND-OAK":
            vars_ = ", ".join("%s %s" % (k, v) for k, v in TABLE_SIZES.items())
            price = "100.00–459.00"
        else:
            vars_ = "`null`" if var is None else var
            price = p_myr
        w("| `%s` | %s | %s | %s | %s | %s |" % (sku, name, vars_, price, p_sgd, "; ".join(notes_)))
    w("")
    w("Non-bundle lines have `\"bundle\": null`; lines without serials have `\"serial_numbers\": []`.")
    w("Bundle lines (`SET-DIN-4`) carry no serial numbers of their own.")
    w("")
    w("## Special cases → order ids")
    w("")
    w("Computed from the data by the script (so it cannot drift from the file).")
    w("")
    w("| special case | order ids |")
    w("|---|---|")
    for title, ids_ in special_case_ids(orders):
        w("| %s | %s |" % (title, ", ".join("`%s`" % i for i in ids_) if ids_ else "—"))
    w("")
    w("Dates follow the status: `unpaid` has no `paid`; `paid`/`ready_to_ship` have no `shipped`;")
    w("`shipped`/`delivered`/`returned` have no `completed`; `cancelled` has neither `shipped` nor")
    w("`completed`; COD orders are paid on delivery; TikTok samples are never paid; POS sales are")
    w("never shipped. Nothing happens after the export moment %s+08:00." % SNAPSHOT.strftime("%Y-%m-%dT%H:%M:%S"))
    w("")
    w("## Summary")
    w("")
    w("```")
    w(summary_text(orders))
    w("```")
    w("")
    w("## All orders")
    w("")
    w("| id | store | order_number | status | lines | currency | buyer_paid | what it is for |")
    w("|---|---|---|---|---|---|---|---|")
    for o in orders:
        w("| `%s` | `%s` | `%s` | %s | %d | %s | %s | %s |" % (
            o["id"], o["store"], o["order_number"], o["status"], len(o["lines"]), o["currency"],
            o["payment"]["buyer_paid"], notes[o["id"]]))
    w("")
    return "\n".join(out)


def bad_readme(entries):
    out = ["# bad-orders.jsonl", "",
           "Generated by `%s`. One order per line; lines are numbered from 1." % SCRIPT_REL,
           "Each malformed line is wrong in exactly one way (everything else on it is valid, and `buyer_paid`",
           "agrees with the money formula where the line can be read at all). A correct import rejects the",
           "7 malformed lines, naming the order id (when there is one) and the field, and still accepts the",
           "3 valid ones.", "",
           "| line | id | verdict | what is wrong |", "|---|---|---|---|"]
    for n, (text, expect, desc) in enumerate(entries, 1):
        m = re.match(r'^\{"id":"(SG-[0-9]+)"', text)
        oid = "`%s`" % m.group(1) if m else "(none)"
        if expect == []:
            out.append("| %d | %s | valid | nothing — %s |" % (n, oid, desc[len("valid ("):-1]))
        else:
            out.append("| %d | %s | **reject** | %s |" % (n, oid, desc))
    out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main():
    # sanity: the formula reproduces product.md's worked example (buyer_paid 190.00)
    example = {"lines": [{"qty": 2, "unit_price": "100.00", "seller_discount": "10.00", "platform_discount": "0.00"}],
               "shipping": {"fee": "8.00", "seller_discount": "0.00", "platform_discount": "3.00"},
               "vouchers": {"seller": "0.00", "platform": "5.00", "coins": "0.00"}}
    assert buyer_paid_formula(example) == Decimal("190.00")

    orders, notes = build_main()
    check_main(orders)
    entries = build_bad()

    main_text = "".join(json.dumps(o, separators=(",", ":"), ensure_ascii=False) + "\n" for o in orders)
    bad_text = "".join(t + "\n" for t, _, _ in entries)
    # round-trip: what we write parses back to what we checked
    assert [json.loads(l) for l in main_text.splitlines()] == orders

    write(os.path.join(OUT_DIR, "2025-09.jsonl"), main_text)
    write(os.path.join(OUT_DIR, "bad-orders.jsonl"), bad_text)
    write(os.path.join(OUT_DIR, "bad-orders.README.md"), bad_readme(entries))
    write(os.path.join(OUT_DIR, "README.md"), main_readme(orders, notes, len(entries)))

    print(summary_text(orders))
    print()
    print("special cases:")
    for title, ids_ in special_case_ids(orders):
        print("  %s: %s" % (title, ", ".join(ids_) if ids_ else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
