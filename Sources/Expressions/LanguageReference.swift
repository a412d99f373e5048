enum LanguageReference {
    static let markdown = #"""
    ## Rule conditions

    A rule's `when:` is a condition that is true or false for each order (or each line, for `scope: line` rules).
    Conditions only read values: they cannot change anything, call out or loop.

    ```yaml
    when: 'order.channel in ["shopee", "lazada"] and order.revenue >= 500'
    when: 'line.sku matches "^GIFT-" or line.unit_price == 0'
    when: 'order.dates.paid >= "2024-07-01" and not ("GIFT-TOTE" in order.skus)'
    when: 'order.revenue - order.shipping_fee > 100'
    ```

    Wrap the condition in single quotes in YAML, as above, so the double quotes and backslashes inside it
    reach the condition unchanged.

    ### Values

    | Type | Written as | Notes |
    |---|---|---|
    | string | `"shopee"` or `'shopee'` | escapes `\\` `\"` `\'` `\n` `\t`; other backslashes are kept, so `"^\d+"` is a regex digit |
    | number | `500`, `12.50`, `-3` | exact decimals: `100.10 == 100.1`, `0.1 + 0.2 == 0.3` |
    | bool | `true`, `false` | |
    | date | `"2024-07-01"` | a quoted `YYYY-MM-DD` compared with a date field is a date; impossible days are errors |
    | list of strings | fields such as `order.skus` | |
    | list of numbers | fields holding one number per line, where a scope has them | `sum(x)` adds them up, `len(x)` counts them |
    | list literal | `["a", "b"]`, `[1, 2, 3]` | literals of one type, only on the right of `in` / `not in` |
    | missing | `null` | only in `== null` and `!= null` |

    Fields are dotted names such as `order.channel` or `line.sku`; the pack documentation lists them with their types.
    Comparing values of different types is an error when the pack is loaded, never a surprise at run time.

    ### Operators, loosest first

    | Operator | Meaning |
    |---|---|
    | `a or b` | either is true |
    | `a and b` | both are true |
    | `not a` | a is false |
    | `==` `!=` `<` `<=` `>` `>=` | compare numbers, dates, strings (`<` on strings compares character codes, so `"Z" < "a"`); `==`/`!=` also on bools and lists |
    | `x in [..]`, `x not in [..]` | x is (not) one of the listed values |
    | `"GIFT-TOTE" in order.skus` | a list field (of strings or of numbers) contains the value; for a list of strings `order.skus contains "GIFT-TOTE"` is the same |
    | `s starts_with t`, `s ends_with t`, `s contains t` | text tests, case-sensitive |
    | `s matches "regex"` | the regex (ICU syntax, quoted literal) is found anywhere in `s`; anchor with `^` and `$` to match the whole text; `(?i)` ignores case |
    | `a + b`, `a - b` | add, subtract numbers |
    | `a * b` | multiply numbers |
    | `-a` | the negative of a number |
    | `( ... )` | grouping |

    Comparisons cannot be chained: write `a < b and b < c`. Arithmetic binds tighter than comparisons
    (`order.revenue - order.shipping_fee > 100` subtracts first), `*` tighter than `+` and `-`, and operators of equal
    precedence work left to right (`10 - 3 - 2` is 5). `-` is always an operator, so `a-3` is `a - 3`; `-3` is a negative number.
    Arithmetic is on numbers only and exact, with no rounding; so there is no division: `/` is an error. Derive amounts
    with `+ - *`, and write a percentage as a factor: `order.revenue * 0.06`.

    Functions: `lower(s)`, `upper(s)`, `len(x)` (characters in a string, or items in a list), `sum(x)` (the total of a
    list of numbers; 0 for an empty list). For case-insensitive tests use `lower(order.channel) == "shopee"`.

    Where the language computes a value rather than a condition, as derived amounts do, the whole expression must be
    a number, such as `line.qty * line.unit_price - line.seller_discount`; anything else is an error such as
    `the expression must compute a number, but line.sku is a string`.

    ### Missing values

    An order may lack a value, such as `order.dates.paid` before payment.

    - `order.dates.paid == null` is true, and `order.dates.paid != null` false, when the value is missing.
    - Every other comparison involving a missing value is **false**: `==`, `!=`, `<`, `in`, `not in`,
      `starts_with`, `contains`, `matches`. A missing bool field used on its own is false.
    - `not` simply flips its operand, so `not (order.channel == "shopee")` is **true** for an order without a channel,
      while `order.channel != "shopee"` is false. Say which you mean, e.g.
      `order.channel == null or order.channel != "shopee"`.
    - `lower`, `upper`, `len` and `sum` of a missing value are missing too, and so is arithmetic with one:
      when `order.shipping_fee` is missing, `order.revenue - order.shipping_fee > 100` is false and
      `order.revenue - order.shipping_fee == null` is true. A derived amount computed from a missing value is missing.

    ### Examples

    ```
    order.revenue >= 500 and order.channel == "shopee"
    lower(order.channel) in ["shopee", "lazada"]
    line.sku starts_with "GIFT-" or line.unit_price == 0
    order.dates.paid == null
    order.dates.paid >= "2024-01-01" and order.dates.paid < "2024-02-01"
    len(order.skus) > 1 and not ("GIFT-TOTE" in order.skus)
    order.revenue - order.shipping_fee > 100
    line.qty * line.unit_price - line.seller_discount >= 50
    ```
    """#
}
