import LedgerCore

/// The document numbers a run has handed out, and who holds each, so two orders never share one. A transform of a
/// million orders holds a million of them, so each is kept as a 64-bit fingerprint with the line its holder was read
/// from: 12 bytes in an open-addressing table at most three quarters full, where the numbers and holders as strings
/// cost over 30 bytes each (and a dictionary of strings about 100). Holders not read from a file (orders given through
/// the API, credit notes) are kept by name.
///
/// Two different numbers share a fingerprint with a probability of about n²/2⁶⁵ — one in 37 million for a run of a
/// million — and the second would then be refused as a duplicate of the first; no number is ever let through twice.
struct IssuedNumbers: Sendable {
    /// Fingerprints, 0 where empty (a fingerprint is never 0).
    private var fingerprints = [UInt64](repeating: 0, count: 64)
    /// Per slot, the line its holder was read from in `file`; 0 when the holder is in `named`.
    private var lines = [UInt32](repeating: 0, count: 64)
    /// The file the holders with a line were read from: the first one seen (a run reads one file).
    private var file: String?
    private var named: [UInt64: String] = [:]
    private(set) var count = 0

    /// Who holds `number`, when this run handed it out: "order SG-1", or "the order at orders.jsonl:30".
    func holder(of number: String) -> String? {
        let fingerprint = Self.fingerprint(number)
        let mask = fingerprints.count - 1
        var slot = Int(truncatingIfNeeded: fingerprint) & mask
        while fingerprints[slot] != 0 {
            if fingerprints[slot] == fingerprint {
                guard lines[slot] > 0, let file else { return named[fingerprint] }
                return "the order at \(file):\(lines[slot])"
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Records that `holder` (e.g. "order SG-1"), read from `location` when it came from a file, has `number`; a number
    /// already handed out is given to the new holder.
    mutating func record(_ number: String, holder: @autoclosure () -> String, at location: SourceLocation?) {
        if (count + 1) * 4 > fingerprints.count * 3 { grow() }
        let fingerprint = Self.fingerprint(number)
        let mask = fingerprints.count - 1
        var slot = Int(truncatingIfNeeded: fingerprint) & mask
        while fingerprints[slot] != 0 && fingerprints[slot] != fingerprint { slot = (slot + 1) & mask }
        if fingerprints[slot] == 0 {
            fingerprints[slot] = fingerprint
            count += 1
        }
        if let location, location.line > 0, location.line <= Int(UInt32.max), file == nil || file == location.file {
            file = location.file
            lines[slot] = UInt32(location.line)
            named[fingerprint] = nil
        } else {
            lines[slot] = 0
            named[fingerprint] = holder()
        }
    }

    private mutating func grow() {
        let size = fingerprints.count * 2
        var grownFingerprints = [UInt64](repeating: 0, count: size)
        var grownLines = [UInt32](repeating: 0, count: size)
        for index in fingerprints.indices where fingerprints[index] != 0 {
            var slot = Int(truncatingIfNeeded: fingerprints[index]) & (size - 1)
            while grownFingerprints[slot] != 0 { slot = (slot + 1) & (size - 1) }
            grownFingerprints[slot] = fingerprints[index]
            grownLines[slot] = lines[index]
        }
        fingerprints = grownFingerprints
        lines = grownLines
    }

    /// A 64-bit hash of the number's UTF-8, eight bytes at a time, each step and the end mixed with MurmurHash3's
    /// finaliser: the same number always gets the same fingerprint, with no per-process seed.
    static func fingerprint(_ number: String) -> UInt64 {
        var number = number  // withUTF8 is mutating; it copies only a string that is not already contiguous UTF-8
        let hash = number.withUTF8 { bytes -> UInt64 in
            var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
            var index = 0
            while index < bytes.count {
                var chunk: UInt64 = 0
                for offset in 0..<min(8, bytes.count - index) { chunk |= UInt64(bytes[index + offset]) << (8 * offset) }
                hash = mix(hash ^ chunk)
                index += 8
            }
            return mix(hash)
        }
        return hash == 0 ? 1 : hash
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var value = value
        value ^= value >> 33
        value &*= 0xFF51_AFD7_ED55_8CCD
        value ^= value >> 33
        value &*= 0xC4CE_B9FE_1A85_EC53
        value ^= value >> 33
        return value
    }
}
