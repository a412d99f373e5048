/// An exact amount of money in minor units (sen, cents): never a floating-point number.
/// All order and invoice amounts in ledgersync have two decimals.
public struct Money: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var minorUnits: Int64

    public init(minorUnits: Int64) { self.minorUnits = minorUnits }

    public static let zero = Money(minorUnits: 0)

    /// Parses a plain decimal string: optional `-`, digits, optional `.` and at most two decimals.
    /// No thousands separators, exponents or spaces — those are rejected so nothing is guessed.
    public init?(parsing text: String) {
        guard let value = FixedDecimal(parsing: text, maxScale: 2) else { return nil }
        self.init(minorUnits: value.scaled(to: 2))
    }

    /// `"1234.50"`: two decimals, `-` for negatives, no grouping — the SQL Account API form.
    public var description: String { FixedDecimal(units: minorUnits, scale: 2).description }

    public var isNegative: Bool { minorUnits < 0 }

    public static func + (a: Money, b: Money) -> Money { Money(minorUnits: a.minorUnits + b.minorUnits) }
    public static func - (a: Money, b: Money) -> Money { Money(minorUnits: a.minorUnits - b.minorUnits) }
    public static prefix func - (a: Money) -> Money { Money(minorUnits: -a.minorUnits) }
    public static func += (a: inout Money, b: Money) { a.minorUnits += b.minorUnits }
    public static func -= (a: inout Money, b: Money) { a.minorUnits -= b.minorUnits }
    public static func * (a: Money, count: Int) -> Money { Money(minorUnits: a.minorUnits * Int64(count)) }
    public static func < (a: Money, b: Money) -> Bool { a.minorUnits < b.minorUnits }
}

/// A percentage rate such as `6%` or `8.5%`, kept exactly as ten-thousandths of a percent.
public struct Rate: Hashable, Sendable, CustomStringConvertible {
    /// The percentage × 10,000: `6%` is 60,000.
    public var percentE4: Int64

    public init(percentE4: Int64) { self.percentE4 = percentE4 }

    /// Accepts `"6%"`, `"6"`, `"8.5%"` (up to four decimals).
    public init?(parsing text: String) {
        var body = Substring(text.trimmingSpaces)
        if body.hasSuffix("%") { body = body.dropLast() }
        guard let value = FixedDecimal(parsing: String(body), maxScale: 4), value.units >= 0 else { return nil }
        self.init(percentE4: value.scaled(to: 4))
    }

    public static let zero = Rate(percentE4: 0)
    public var isZero: Bool { percentE4 == 0 }

    /// The SQL Account form, `"6%"` or `"8.5%"`.
    public var description: String { FixedDecimal(units: percentE4, scale: 4).trimmed + "%" }

    /// Tax on a tax-exclusive amount, rounded half away from zero to the sen.
    public func tax(onExclusive amount: Money) -> Money {
        Money(minorUnits: divideRoundingHalfUp(amount.minorUnits * percentE4, 1_000_000))
    }

    /// The tax contained in a tax-inclusive amount (`amount × r / (100 + r)`), rounded half up to the sen.
    public func tax(containedIn amount: Money) -> Money {
        Money(minorUnits: divideRoundingHalfUp(amount.minorUnits * percentE4, 1_000_000 + percentE4))
    }
}

/// Integer division rounding halves away from zero (the "half-up" of accounting).
public func divideRoundingHalfUp(_ numerator: Int64, _ denominator: Int64) -> Int64 {
    guard denominator != 0 else { return 0 }
    let negative = (numerator < 0) != (denominator < 0)
    let n = numerator.magnitude, d = denominator.magnitude
    let quotient = (n + d / 2) / d
    return negative ? -Int64(quotient) : Int64(quotient)
}

/// A decimal number as integer units at a given scale (`12.5` = units 125, scale 1); used for parsing
/// money, rates and unit prices without ever touching floating point.
public struct FixedDecimal: Hashable, Sendable, CustomStringConvertible {
    public var units: Int64
    public var scale: Int

    public init(units: Int64, scale: Int) {
        self.units = units
        self.scale = scale
    }

    /// An amount of money, to the sen.
    public init(money: Money) { self.init(units: money.minorUnits, scale: 2) }

    public init?(parsing text: String, maxScale: Int) {
        var text = text  // withUTF8 is mutating; it copies only a string that is not already contiguous UTF-8
        guard let parsed = text.withUTF8({ Self.parse($0, maxScale: maxScale) }) else { return nil }
        self = parsed
    }

    /// Read in place: every amount of every order is parsed here.
    private static func parse(_ text: UnsafeBufferPointer<UInt8>, maxScale: Int) -> FixedDecimal? {
        var bytes = text[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; bytes = bytes.dropFirst() }
        var units: Int64 = 0
        var scale = 0
        var sawDigit = false
        var sawPoint = false
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                if sawPoint || !sawDigit { return nil }
                sawPoint = true
                continue
            }
            guard byte >= 48, byte <= 57 else { return nil }
            if sawPoint {
                scale += 1
                if scale > maxScale { return nil }
            }
            let (product, overflow1) = units.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = product.addingReportingOverflow(Int64(byte - 48))
            if overflow1 || overflow2 || sum > 999_999_999_999_999 { return nil }
            units = sum
            sawDigit = true
        }
        if !sawDigit || (sawPoint && scale == 0) { return nil }
        return FixedDecimal(units: negative ? -units : units, scale: scale)
    }

    /// The value at a larger scale (`12.5` at scale 2 is 1250).
    public func scaled(to target: Int) -> Int64 {
        var value = units
        var current = scale
        while current < target { value *= 10; current += 1 }
        return value
    }

    /// Fixed notation with exactly `scale` decimals.
    public var description: String { text(trimmingZeros: false) }

    /// Without trailing zeros after the point (`8.5000` → `8.5`, `6.0000` → `6`).
    public var trimmed: String { text(trimmingZeros: true) }

    /// Appends the fixed notation (`description`) to `buffer` without making a String: a bulk transform writes every
    /// amount of every invoice this way.
    public func appendText(to buffer: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: textCapacity) { bytes in
            let count = writeText(into: bytes, trimmingZeros: false)
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<count]))
        }
    }

    /// Writes the fixed notation (`description`) at `start`, which has room for `maximumTextLength` bytes; returns its
    /// length. For writers that reserve room once for a whole document.
    public func writeText(to start: UnsafeMutablePointer<UInt8>) -> Int {
        writeText(into: UnsafeMutableBufferPointer(start: start, count: textCapacity), trimmingZeros: false)
    }

    /// The most bytes `writeText(to:)` needs.
    public var maximumTextLength: Int { textCapacity }

    /// Digits of an Int64 (19 at most) plus one leading zero, the point, the sign and any extra scale.
    private var textCapacity: Int { 24 + max(0, scale) }

    private func text(trimmingZeros: Bool) -> String {
        String(unsafeUninitializedCapacity: textCapacity) { writeText(into: $0, trimmingZeros: trimmingZeros) }
    }

    /// Writes the text right to left into `bytes` (at least `textCapacity` long), then moves it to the front; returns
    /// its length.
    private func writeText(into bytes: UnsafeMutableBufferPointer<UInt8>, trimmingZeros: Bool) -> Int {
        let scale = max(0, self.scale)
        let capacity = textCapacity
        var magnitude = units.magnitude
        var position = capacity
        var written = 0
        var end = capacity
        var significant = !trimmingZeros
        repeat {
            if written == scale && scale > 0 {
                // Nothing after the point survived trimming: the point goes too.
                if significant {
                    position -= 1
                    bytes[position] = UInt8(ascii: ".")
                } else {
                    end = position
                }
                significant = true
            }
            let digit = UInt8(magnitude % 10)
            magnitude /= 10
            if significant || written >= scale || digit != 0 {
                significant = true
                position -= 1
                bytes[position] = UInt8(ascii: "0") + digit
            } else {
                end = position  // a trailing zero after the point, dropped
            }
            written += 1
        } while magnitude > 0 || written <= scale
        if units < 0 {
            position -= 1
            bytes[position] = UInt8(ascii: "-")
        }
        let count = end - position
        if position > 0 {
            for offset in 0..<count { bytes[offset] = bytes[position + offset] }
        }
        return count
    }
}

extension StringProtocol {
    /// Trims ASCII spaces and tabs only; cheap and predictable for codes and headers.
    public var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
