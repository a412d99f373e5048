/// An instant as written in an order (`2025-09-15T10:21:00+08:00`), kept as UTC seconds plus the original text.
public struct Timestamp: Hashable, Sendable, CustomStringConvertible {
    public var secondsSinceEpoch: Int64
    public var text: String

    public var description: String { text }

    /// Accepts `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)` and a bare `YYYY-MM-DD` (taken as midnight UTC+8 is
    /// NOT assumed: a bare date is that calendar date at 00:00 UTC, so local-date conversion keeps it).
    public init?(parsing text: String) {
        var text = text  // withUTF8 is mutating; it copies only a string that is not already contiguous UTF-8
        guard let seconds = text.withUTF8(Self.secondsSinceEpoch(parsing:)) else { return nil }
        self.secondsSinceEpoch = seconds
        self.text = text
    }

    /// Read in place: four of these are parsed for every order.
    private static func secondsSinceEpoch(parsing b: UnsafeBufferPointer<UInt8>) -> Int64? {
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var value = 0
            for i in from..<(from + count) {
                let c = b[i]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard b.count >= 10, let year = number(0, 4), b[4] == 45, let month = number(5, 2), b[7] == 45,
              let day = number(8, 2), CalendarDate.isValid(year: year, month: month, day: day) else { return nil }
        let days = CalendarDate(year: year, month: month, day: day).daysSinceEpoch
        if b.count == 10 { return Int64(days) * 86_400 }
        guard b.count >= 16, b[10] == 84 || b[10] == 32, let hour = number(11, 2), b[13] == 58,
              let minute = number(14, 2), hour < 24, minute < 60 else { return nil }
        var index = 16
        var second = 0
        if index < b.count, b[index] == 58 {
            guard let s = number(index + 1, 2), s < 61 else { return nil }
            second = s
            index += 3
            if index < b.count, b[index] == 46 {
                index += 1
                let start = index
                while index < b.count, b[index] >= 48, b[index] <= 57 { index += 1 }
                if index == start { return nil }
            }
        }
        var offsetSeconds = 0
        guard index < b.count else { return nil }  // an instant must say its offset
        if b[index] == 90 || b[index] == 122 {
            index += 1
        } else if b[index] == 43 || b[index] == 45 {
            let sign = b[index] == 45 ? -1 : 1
            guard let oh = number(index + 1, 2), oh < 24 else { return nil }
            var om = 0
            if index + 3 < b.count, b[index + 3] == 58 {
                guard let m = number(index + 4, 2) else { return nil }
                om = m
                index += 6
            } else if let m = number(index + 3, 2) {
                om = m
                index += 5
            } else {
                index += 3
            }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard index == b.count else { return nil }
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
    }

    /// The calendar date at a fixed UTC offset (Malaysia is UTC+8 all year).
    public func localDate(utcOffsetSeconds: Int) -> CalendarDate {
        let local = secondsSinceEpoch + Int64(utcOffsetSeconds)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        return CalendarDate(daysSinceEpoch: Int(days))
    }
}

/// A calendar date without time, printed `YYYY-MM-DD` as SQL Account expects.
public struct CalendarDate: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public init?(parsing text: String) {
        guard let stamp = Timestamp(parsing: text), text.utf8.count == 10 else { return nil }
        self = stamp.localDate(utcOffsetSeconds: 0)
    }

    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard year >= 1900, year <= 9999, month >= 1, month <= 12, day >= 1 else { return false }
        return day <= daysIn(month: month, year: year)
    }

    /// Days in a month of the Gregorian calendar (month 1–12).
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(daysSinceEpoch: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// `YYYY-MM-DD`, written digit by digit: every invoice's dates are one of these.
    public var description: String {
        guard (0...9999).contains(year), (0...99).contains(month), (0...99).contains(day) else {
            func pad(_ value: Int, _ width: Int) -> String {
                let text = String(value)
                return String(repeating: "0", count: max(0, width - text.count)) + text
            }
            return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        }
        return String(unsafeUninitializedCapacity: 10) { bytes in
            func put(_ value: Int, at end: Int, width: Int) {
                var rest = value
                for position in stride(from: end, to: end - width, by: -1) {
                    bytes[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            put(year, at: 3, width: 4)
            bytes[4] = UInt8(ascii: "-")
            put(month, at: 6, width: 2)
            bytes[7] = UInt8(ascii: "-")
            put(day, at: 9, width: 2)
            return 10
        }
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }
}
