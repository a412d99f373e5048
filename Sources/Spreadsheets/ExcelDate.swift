import Foundation

/// Excel date serials and number formats. Dates are not money: a `Double` is fine for the serial's day fraction.
enum ExcelDate {
    /// Built-in number formats that are dates or times (ECMA-376 §18.8.30): 14–22 and 45–47.
    static func isBuiltInDate(_ id: Int) -> Bool { (14...22).contains(id) || (45...47).contains(id) }
    static func isBuiltInTime(_ id: Int) -> Bool { (18...22).contains(id) || (45...47).contains(id) }

    /// Scans a custom format code for date/time letters outside quoted text, escapes (\x, _x, *x) and brackets
    /// ([Red], [$€-407]); elapsed-time brackets ([h], [mm], [ss]) count as time.
    /// A format with a digit placeholder (`0`, `#`, `?`) outside quotes is a number format even when it has a stray
    /// letter (`RM#,##0.00`): money must never be turned into a date. `ss.0` (fractions of a second) is allowed.
    static func classify(formatCode code: String) -> (isDate: Bool, hasTime: Bool) {
        var isDate = false, hasTime = false, numeric = false
        var previous: UnicodeScalar = " ", beforePrevious: UnicodeScalar = " "
        var scalars = code.unicodeScalars.makeIterator()
        while let c = scalars.next() {
            defer { beforePrevious = previous; previous = c }
            switch c {
            case "#", "?":
                numeric = true
            case "0":
                if !((previous == "." && (beforePrevious == "s" || beforePrevious == "S")) || previous == "0") { numeric = true }
            case "\"":
                while let q = scalars.next(), q != "\"" {}
            case "\\", "_", "*":
                _ = scalars.next()
            case "[":
                var inner = ""
                while let b = scalars.next(), b != "]" { inner.unicodeScalars.append(b) }
                let lower = inner.lowercased()
                if !lower.isEmpty, lower.allSatisfy({ "hms".contains($0) }) { isDate = true; hasTime = true }
            default:
                switch c {
                case "d", "D", "y", "Y", "m", "M": isDate = true
                case "h", "H", "s", "S": isDate = true; hasTime = true
                default: break
                }
            }
        }
        return numeric ? (false, false) : (isDate, hasTime)
    }

    // MARK: Serial → ISO

    /// Converts a serial ("45931", "45931.75") to "YYYY-MM-DD", or "YYYY-MM-DDTHH:MM:SS" when the format has a time part
    /// or the serial has a (non-zero, to the second) time of day. Nil for text that is not a non-negative number.
    static func iso(fromSerial text: String, date1904: Bool, withTime: Bool) -> String? {
        guard let serial = Double(text.trimmingCharacters(in: .whitespaces)), serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        let totalSeconds = Int64((serial * 86_400).rounded())
        var days = Int(totalSeconds / 86_400)
        let seconds = Int(totalSeconds % 86_400)
        let epoch: Int  // days from 1970-01-01 to the serial's day 0
        if date1904 {
            epoch = -24_107            // 1904-01-01
        } else if days >= 1 && days < 60 {
            epoch = -25_568            // 1899-12-31: before Excel's fictitious 1900-02-29
        } else {
            epoch = -25_569            // 1899-12-30
        }
        days += epoch
        let (y, m, d) = civil(fromDays: days)
        var out = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
        if withTime || seconds != 0 {
            out += "T" + pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        }
        return out
    }

    // MARK: ISO → serial

    /// Converts "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS" (also with a space instead of T) to the exact serial text
    /// for the 1900 date system ("45931", "45931.5"); nil when not such a date or before 1900-01-01.
    static func serial(fromISO text: String) -> (serial: String, hasTime: Bool)? {
        let u = Array(text.utf8)
        func digits(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= u.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard u[i] >= 48 && u[i] <= 57 else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        guard u.count == 10 || u.count == 19, u[4] == 45, u[7] == 45,
              let y = digits(0, 4), let m = digits(5, 2), let d = digits(8, 2),
              (1...12).contains(m), d >= 1, d <= daysInMonth(y, m), y >= 1900 else { return nil }
        var seconds = 0
        if u.count == 19 {
            guard u[10] == 84 || u[10] == 32, u[13] == 58, u[16] == 58,
                  let hh = digits(11, 2), let mm = digits(14, 2), let ss = digits(17, 2),
                  hh < 24, mm < 60, ss < 60 else { return nil }
            seconds = hh * 3600 + mm * 60 + ss
        }
        var serial = days(fromCivil: y, m, d) + 25_569
        if serial < 61 { serial -= 1 }   // Excel counts the fictitious 1900-02-29
        var out = String(serial)
        if seconds > 0 {
            // Ten decimal places (about 9 µs), computed in integers.
            let scaled = (Int64(seconds) * 10_000_000_000 + 43_200) / 86_400
            var fraction = pad(Int(scaled), 10)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            out += "." + fraction
        }
        return (out, u.count == 19)
    }

    // MARK: Civil calendar (proleptic Gregorian, days since 1970-01-01; H. Hinnant's algorithms)

    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func days(fromCivil y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
