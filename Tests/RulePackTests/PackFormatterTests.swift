import Foundation
import LedgerCore
import RulePack
import Testing
import TestSupport

/// `ledgersync fmt`: the canonical style (Docs/RulePackSpec.md, "Formatting"), rule by rule, and the
/// guarantees: comments kept, meaning never changed, idempotent, example packs already canonical.
@Suite("Pack formatter")
struct PackFormatterTests {
    /// The formatted text; records the diagnostic as the failure when formatting is refused.
    static func format(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> String {
        switch PackFormatter.format(text, displayPath: "test.yaml") {
        case .success(let formatted):
            // Every result is a fixed point: formatting it again changes nothing.
            if case .success(let again) = PackFormatter.format(formatted, displayPath: "test.yaml") {
                #expect(again == formatted, "formatting is not idempotent:\n\(formatted)\n---\n\(again)", sourceLocation: sourceLocation)
            } else {
                Issue.record("the formatted text does not format again:\n\(formatted)", sourceLocation: sourceLocation)
            }
            return formatted
        case .failure(let diagnostic):
            Issue.record("format refused: \(diagnostic)", sourceLocation: sourceLocation)
            throw diagnostic
        }
    }

    static func expectFormats(_ input: String, to expected: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let formatted = try format(input, sourceLocation: sourceLocation)
        #expect(formatted == expected, "got:\n\(formatted)", sourceLocation: sourceLocation)
    }

    static func failure(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Diagnostic {
        guard case .failure(let diagnostic) = PackFormatter.format(text, displayPath: "test.yaml") else {
            Issue.record("expected a diagnostic", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return diagnostic
    }

    // MARK: indentation

    @Test("mappings and sequences are indented by 2, sequences under their key")
    func indentation() throws {
        try Self.expectFormats("""
        pack:
            name: acme
            description:   Acme Living
        includes:
        - matching.yaml
        -    rules.yaml
        profile:
              stores:
                 shopee-acme-my: {channel: shopee, name: X}
              connection:
                 mode: cloud

        """, to: """
        pack:
          name: acme
          description: Acme Living
        includes:
          - matching.yaml
          - rules.yaml
        profile:
          stores:
            shopee-acme-my: {channel: shopee, name: X}
          connection:
            mode: cloud

        """)
    }

    @Test("items of a sequence that are mappings line up after '- '")
    func sequenceOfMappings() throws {
        try Self.expectFormats("""
        rules:
        -   name: a
            when: 'order.revenue >= 1000'
            set:
                  agent: KA-01
        -   name: b
            exclude: test
        after:
            - - x
              - y
            -
                  z: 1

        """, to: """
        rules:
          - name: a
            when: 'order.revenue >= 1000'
            set:
              agent: KA-01
          - name: b
            exclude: test
        after:
          - - x
            - y
          -
            z: 1

        """)
    }

    @Test("a root mapping written indented moves to column 1; keys keep their order")
    func rootAndKeyOrder() throws {
        try Self.expectFormats("  zeta: 1\n  alpha: 2\n  mid:\n      - b\n      - a\n", to: "zeta: 1\nalpha: 2\nmid:\n  - b\n  - a\n")
    }

    // MARK: comments

    @Test("trailing comments get exactly two spaces before '#', and one after it")
    func trailingComments() throws {
        try Self.expectFormats("""
        a: 1 # one
        b: 2        #two
        c: "x # not a comment"   #   spaced text kept
        d: x#y
        e:   # nothing here
          - f    #!keep
        g:
          -  # empty item

        """, to: """
        a: 1  # one
        b: 2  # two
        c: "x # not a comment"  #   spaced text kept
        d: x#y
        e:  # nothing here
          - f  #!keep
        g:
          -  # empty item

        """)
    }

    @Test("full-line comments keep their place and take the indentation of the line after them")
    func fullLineComments() throws {
        try Self.expectFormats("""
        #top
        defaults:
        # about tax
          tax:
                # the code
              code: ST5
              #rate
              rate: 5%
            # back out
        channels: {}
        ##  heading
        #
        # last words

        """, to: """
        # top
        defaults:
          # about tax
          tax:
            # the code
            code: ST5
            # rate
            rate: 5%
        # back out
        channels: {}
        ##  heading
        #
        # last words

        """)
    }

    // MARK: whitespace

    @Test("blank lines: none at the start or end, never two in a row")
    func blankLines() throws {
        try Self.expectFormats("\n\n\na: 1\n\n\n\nb:\n\n\n  c: 2\n   \n\n", to: "a: 1\n\nb:\n\n  c: 2\n")
    }

    @Test("CRLF and CR become LF; trailing blanks go; the file ends with one newline")
    func lineEndings() throws {
        try Self.expectFormats("a: 1   \r\nb:\r\n  - x\t\r\n  - y", to: "a: 1\nb:\n  - x\n  - y\n")
        try Self.expectFormats("a: 1\rb: 2\r", to: "a: 1\nb: 2\n")
        try Self.expectFormats("\u{FEFF}a: 1\n", to: "a: 1\n")
        try Self.expectFormats("", to: "")
        try Self.expectFormats("\n\n", to: "")
        try Self.expectFormats("# only a comment", to: "# only a comment\n")
    }

    @Test("tabs: between tokens they become spaces, in the indentation they are an error, inside values they stay")
    func tabs() throws {
        try Self.expectFormats("a:\tb\nc: \"x\ty\"  #\tnote\n", to: "a: b\nc: \"x\ty\"  #\tnote\n")
        let diagnostic = try Self.failure("a:\n\tb: 1\n")
        #expect(diagnostic.location?.line == 2)
        #expect(diagnostic.location?.file == "test.yaml")
        #expect(diagnostic.severity == .error)
    }

    // MARK: flow collections

    @Test("flow collections keep flow style with normalised spacing")
    func flowSpacing() throws {
        try Self.expectFormats("""
        a: { x: 1 ,y: [ 1,2 ] ,  z:   "q, r" }
        b: [ ]
        c: {   }
        d: [a,
            b,   c]
        e: {url: http://x.my/a, "k":v, t: [ ]}
        f: [x, y,]

        """, to: """
        a: {x: 1, y: [1, 2], z: "q, r"}
        b: []
        c: {}
        d: [a, b, c]
        e: {url: http://x.my/a, "k": v, t: []}
        f: [x, y]

        """)
    }

    @Test("a flow collection wider than 120 columns is written in block style, its parts kept in flow style where they fit")
    func longFlowExpands() throws {
        let items = (1...9).map { "field\($0): \"value number \($0)\"" }.joined(separator: ", ")
        try Self.expectFormats("""
        expect:
          - payload:
              lines:
                - {\(items), serials: [{serialnumber: TRO2509-00041}]}  # first line
                - {itemcode: A}
          - {order: X, outcome: document, reason: "a long reason that goes on and on", warnings: [one, two, three]}
        top: [\((1...30).map { "item\($0)" }.joined(separator: ", "))]

        """, to: """
        expect:
          - payload:
              lines:
                - field1: "value number 1"  # first line
                  field2: "value number 2"
                  field3: "value number 3"
                  field4: "value number 4"
                  field5: "value number 5"
                  field6: "value number 6"
                  field7: "value number 7"
                  field8: "value number 8"
                  field9: "value number 9"
                  serials: [{serialnumber: TRO2509-00041}]
                - {itemcode: A}
          - {order: X, outcome: document, reason: "a long reason that goes on and on", warnings: [one, two, three]}
        top:
        \((1...30).map { "  - item\($0)" }.joined(separator: "\n"))

        """)
    }

    @Test("a flow collection with a comment inside is kept as written, re-indented")
    func flowWithComment() throws {
        try Self.expectFormats("""
        outer:
              list: [a,   # first
                     b]

        """, to: """
        outer:
          list: [a,   # first
                 b]

        """)
    }

    // MARK: scalars

    @Test("scalars keep their quoting exactly")
    func quotedScalarsUntouched() throws {
        let text = """
        a: "no"
        b: 'it''s'
        c: "08"
        d: no
        e: '  spaced  '
        f: "tab\\tand \\"quote\\""
        g: ""
        h: ~
        "quoted key": 1
        'single': 2
        i: '#1042'
        j: -1
        k: :colon
        l: !!str 123
        m: &anchor {x: 1}
        n: *anchor

        """
        try Self.expectFormats(text, to: text)
    }

    @Test("block scalars are moved as a whole: relative indentation, blank lines and trailing spaces kept")
    func blockScalars() throws {
        let input = [
            "key:",
            "    text: |",
            "          first",
            "            indented",
            "          ",
            "",
            "          last  ",
            "    folded: >-",
            "            a",
            "            b",
            "    explicit: |2",
            "          two more",
            "        base",
            "    kept: |+",
            "        x",
            "",
            "",
            "next: 1",
        ]
        let expected = [
            "key:",
            "  text: |",
            "    first",
            "      indented",
            "",
            "",
            "    last  ",
            "  folded: >-",
            "    a",
            "    b",
            "  explicit: |2",
            "        two more",
            "      base",
            "  kept: |+",
            "    x",
            "",
            "",
            "next: 1",
        ]
        try Self.expectFormats(input.joined(separator: "\n") + "\n", to: expected.joined(separator: "\n") + "\n")
    }

    @Test("multi-line plain and quoted scalars are re-indented under their key")
    func multiLineScalars() throws {
        try Self.expectFormats("""
        a:   this is
                a long plain
             value
        b: "double
               quoted \\
           with escapes"
        c:
          - 'single

             quoted'

        """, to: """
        a: this is
          a long plain
          value
        b: "double
          quoted \\
          with escapes"
        c:
          - 'single

            quoted'

        """)
    }

    @Test("a document start '---' is kept when the file has it and never added")
    func documentStart() throws {
        try Self.expectFormats("---\na:   1\n", to: "---\na: 1\n")
        try Self.expectFormats("--- # pack\na: 1\n", to: "---  # pack\na: 1\n")
        try Self.expectFormats("a: 1\n", to: "a: 1\n")
    }

    // MARK: refusals

    @Test("a file that is not valid YAML is a located error")
    func invalidYAML() throws {
        let diagnostic = try Self.failure("rules:\n  - name: a\n    when: [unclosed\nnext: 1\n")
        #expect(diagnostic.severity == .error)
        #expect(diagnostic.code == "yaml-syntax")
        #expect((diagnostic.location?.line ?? 0) >= 3)
        #expect(diagnostic.description.hasPrefix("test.yaml:"))
        let duplicate = try Self.failure("a: 1\nb: 2\na: 3\n")
        #expect(duplicate.code == "duplicate-key")
        #expect(duplicate.location?.line == 3)
    }

    @Test("explicit '? ' keys are refused with a located error, not mangled")
    func unsupported() throws {
        let diagnostic = try Self.failure("? complex\n: value\n")
        #expect(diagnostic.code == "fmt-unsupported")
        #expect(diagnostic.location?.line == 1)
    }

    // MARK: the example packs

    static func yamlFiles(under folder: String) -> [String] {
        let root = (Golden.packageRoot as NSString).appendingPathComponent(folder)
        let names = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { (folder as NSString).appendingPathComponent($0) }
    }

    static func read(_ relativePath: String) throws -> String {
        let path = (Golden.packageRoot as NSString).appendingPathComponent(relativePath)
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    @Test("every YAML file under rules/ is already in the canonical style")
    func examplePacksAreCanonical() throws {
        let files = Self.yamlFiles(under: "rules")
        #expect(files.count >= 6)
        for file in files {
            let text = try Self.read(file)
            let formatted = try Self.format(text)
            #expect(formatted == text, "\(file) is not formatted; run `ledgersync fmt --pack` on its pack")
        }
    }

    @Test("the files fmt formats are the pack's own: pack.yaml, its includes, tests — not the base, not CSV")
    func packFiles() {
        let loader = PackLoader(displayBase: Golden.packageRoot)
        let (files, diagnostics) = PackFormatter.packFiles(packDirectory: "rules/acme-living", loader: loader)
        #expect(diagnostics.isEmpty)
        #expect(files.map(loader.displayPath) == [
            "rules/acme-living/pack.yaml", "rules/acme-living/matching.yaml", "rules/acme-living/rules.yaml",
            "rules/acme-living/tests/marketplaces.yaml", "rules/acme-living/tests/stores-and-currencies.yaml",
        ])
    }

    /// The same file written carelessly: indentation doubled plus one, `-   item`, loose flow and `key:   value`
    /// spacing, `#comment`, trailing blanks, extra blank lines, CRLF line endings.
    static func messedUp(_ text: String) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let indent = line.prefix { $0 == " " }.count
            var body = String(line.dropFirst(indent))
            if body.isEmpty { lines.append("   "); lines.append(""); continue }
            let quoted = body.contains("'") || body.contains("\"")
            if !quoted && (body.contains("{") || body.contains("[")) {
                body = body.replacingOccurrences(of: "{", with: "{  ").replacingOccurrences(of: "}", with: " }")
                    .replacingOccurrences(of: ", ", with: " ,").replacingOccurrences(of: "[", with: "[ ")
            }
            // Doubling the indentation moves the keys under `- key:`; widen the `- ` to match.
            if body.hasPrefix("- ") { body = "-   " + body.dropFirst(2) }
            if body.hasPrefix("# ") {
                body = "#" + body.dropFirst(2)
            } else if let colon = body.range(of: ": ") {
                body.replaceSubrange(colon, with: ":   ")
            }
            lines.append(String(repeating: " ", count: indent * 2 + 1) + body + "  ")
        }
        return "\n" + lines.joined(separator: "\r\n")
    }

    /// Structural equality of two layered trees, ignoring where values were written.
    static func sameTree(_ a: YAMLNode, _ b: YAMLNode) -> Bool {
        switch (a.kind, b.kind) {
        case (.scalar(let x, let p), .scalar(let y, let q)): return x == y && p == q
        case (.sequence(let x), .sequence(let y)): return x.count == y.count && zip(x, y).allSatisfy { sameTree($0, $1) }
        case (.mapping(let x), .mapping(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { sameTree($0.key, $1.key) && sameTree($0.value, $1.value) }
        default: return false
        }
    }

    @Test("a messy copy of acme-living formats back to the committed files and loads to the same pack")
    func messyCopyFormatsBack() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ledgersync-fmt-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/.git", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/rules", withIntermediateDirectories: true)
        for pack in ["acme-living", "base"] {
            try fm.copyItem(atPath: Golden.packageRoot + "/rules/" + pack, toPath: root + "/rules/" + pack)
        }
        let loader = PackLoader(displayBase: root)
        let (files, _) = PackFormatter.packFiles(packDirectory: "rules/acme-living", loader: loader)
        #expect(files.count == 5)
        for file in files {
            let clean = try String(contentsOfFile: file, encoding: .utf8)
            try Self.messedUp(clean).write(toFile: file, atomically: true, encoding: .utf8)
        }
        let (messyPack, messyDiagnostics) = loader.load(packDirectory: "rules/acme-living")
        #expect(messyDiagnostics.isEmpty, "the messy copy must still be valid YAML: \(messyDiagnostics)")
        let messyTree = try #require(messyPack).root

        for file in files {
            let messy = try String(contentsOfFile: file, encoding: .utf8)
            let formatted = try Self.format(messy)
            let committed = try Self.read(loader.displayPath(file))
            #expect(formatted == committed, "\(loader.displayPath(file)) formats to:\n\(formatted)")
            try formatted.write(toFile: file, atomically: true, encoding: .utf8)
        }
        let (formattedPack, formattedDiagnostics) = loader.load(packDirectory: "rules/acme-living")
        #expect(formattedDiagnostics.isEmpty)
        let formattedTree = try #require(formattedPack).root
        #expect(Self.sameTree(messyTree, formattedTree))
        let (committedPack, _) = PackLoader(displayBase: Golden.packageRoot).load(packDirectory: "rules/acme-living")
        #expect(Self.sameTree(try #require(committedPack).root, formattedTree))

        let (pack, diagnostics) = RulePackValidator.load(packDirectory: "rules/acme-living", loader: loader)
        #expect(pack != nil && diagnostics.isEmpty, "\(diagnostics)")
    }
}
