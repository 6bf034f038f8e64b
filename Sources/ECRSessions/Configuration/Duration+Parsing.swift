extension Duration {
    /// Parses a duration as the config file writes it: whole numbers with a unit, largest unit first, each unit at
    /// most once, no spaces: `45s`, `90m`, `3h`, `1h30m`, `2d`. Units are `d`, `h`, `m` and `s`.
    ///
    /// Returns nil for anything else, including a bare number (is `90` minutes or seconds?) and fractions.
    public init?(configurationText text: String) {
        // Largest first, so that `30m1h` (probably a slip) is refused rather than read as 1h30m.
        let units: [(symbol: Character, seconds: Int64)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        var remainingUnits = units[...]
        var total: Int64 = 0
        var digits = ""
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let index = remainingUnits.firstIndex(where: { $0.symbol == character }),
                let count = Int64(digits)
            else { return nil }
            let (seconds, overflow) = count.multipliedReportingOverflow(by: remainingUnits[index].seconds)
            let (sum, sumOverflow) = total.addingReportingOverflow(seconds)
            guard !overflow, !sumOverflow else { return nil }
            total = sum
            digits = ""
            remainingUnits = remainingUnits[(index + 1)...]
        }
        // A trailing number without a unit, or no component at all.
        guard digits.isEmpty, remainingUnits.count < units.count else { return nil }
        self = .seconds(total)
    }
}
