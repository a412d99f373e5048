/// The document numbers a run has handed out, each with who holds it, so two orders never share one. A transform of a
/// million orders holds a million of them: they are kept back to back in one byte buffer, found through an
/// open-addressing table of entry indices, rather than as a dictionary of strings (which cost about 64 bytes each).
struct IssuedNumbers: Sendable {
    private struct Entry: Sendable {
        var start: Int
        var numberLength: Int32
        var ownerLength: Int32
    }

    /// Each entry's number then its holder, as UTF-8.
    private var bytes: [UInt8] = []
    private var entries: [Entry] = []
    /// Indices into `entries`, -1 where empty; at most half full.
    private var slots = [Int32](repeating: -1, count: 64)

    var count: Int { entries.count }

    /// Who holds `number`, when this run handed it out.
    func holder(of number: String) -> String? {
        var number = number  // withUTF8 is mutating; it copies only a string that is not already contiguous UTF-8
        return number.withUTF8 { key in
            var slot = Self.hash(key) & (slots.count - 1)
            while slots[slot] >= 0 {
                let entry = entries[Int(slots[slot])]
                if matches(entry, key) {
                    let ownerStart = entry.start + Int(entry.numberLength)
                    return String(decoding: bytes[ownerStart..<(ownerStart + Int(entry.ownerLength))], as: UTF8.self)
                }
                slot = (slot + 1) & (slots.count - 1)
            }
            return nil
        }
    }

    /// Records that `holder` has `number`; a number already handed out is given to the new holder.
    mutating func record(_ number: String, holder: String) {
        if (entries.count + 1) * 2 > slots.count { grow() }
        var number = number
        number.withUTF8 { key in
            var slot = Self.hash(key) & (slots.count - 1)
            while slots[slot] >= 0 {
                if matches(entries[Int(slots[slot])], key) { break }
                slot = (slot + 1) & (slots.count - 1)
            }
            let start = bytes.count
            bytes.append(contentsOf: key)
            bytes.append(contentsOf: holder.utf8)
            let entry = Entry(start: start, numberLength: Int32(key.count), ownerLength: Int32(bytes.count - start - key.count))
            if slots[slot] >= 0 {
                entries[Int(slots[slot])] = entry
            } else {
                slots[slot] = Int32(entries.count)
                entries.append(entry)
            }
        }
    }

    private func matches(_ entry: Entry, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard Int(entry.numberLength) == key.count else { return false }
        for offset in 0..<key.count where bytes[entry.start + offset] != key[offset] { return false }
        return true
    }

    private mutating func grow() {
        var grown = [Int32](repeating: -1, count: slots.count * 2)
        for (index, entry) in entries.enumerated() {
            var slot = bytes.withUnsafeBufferPointer { all in
                Self.hash(UnsafeBufferPointer(rebasing: all[entry.start..<(entry.start + Int(entry.numberLength))]))
            } & (grown.count - 1)
            while grown[slot] >= 0 { slot = (slot + 1) & (grown.count - 1) }
            grown[slot] = Int32(index)
        }
        slots = grown
    }

    /// FNV-1a: the same number always lands in the same place, and it needs no per-process seed.
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in key { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 32))
    }
}
