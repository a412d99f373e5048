import Foundation
import Testing
@testable import Spreadsheets

@Suite struct XLSXReaderTests {
    static let styles = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
    <numFmts count="5">
      <numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>
      <numFmt numFmtId="165" formatCode="#,##0.00"/>
      <numFmt numFmtId="166" formatCode="&quot;RM&quot;#,##0.00;[Red]\\-&quot;RM&quot;#,##0.00"/>
      <numFmt numFmtId="167" formatCode="yyyy-mm-dd hh:mm"/>
      <numFmt numFmtId="168" formatCode="[$-409]d\\-mmm\\-yy;@"/>
    </numFmts>
    <cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
    <cellXfs count="8">
      <xf numFmtId="0" xfId="0"/><xf numFmtId="14" xfId="0" applyNumberFormat="1"/><xf numFmtId="164"/><xf numFmtId="165"/>
      <xf numFmtId="166"/><xf numFmtId="167"/><xf numFmtId="22"/><xf numFmtId="168"/>
    </cellXfs>
    </styleSheet>
    """

    static let sharedStrings = """
    <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
    <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9" uniqueCount="9">
    <si><t>Order ID</t></si>
    <si><r><rPr><b/><sz val="11"/></rPr><t xml:space="preserve">Rich </t></r><r><rPr><i/></rPr><t>text</t></r></si>
    <si><t xml:space="preserve">  padded  </t></si>
    <si><t>Tom &amp; Jerry &lt;3</t></si>
    <si><t>漢字</t><rPh sb="0" eb="2"><t>かんじ</t></rPh><phoneticPr fontId="1"/></si>
    <si><t>line1_x000D_
    line2</t></si>
    <si><t>08</t></si>
    <si><t/></si>
    <si><t xml:space="preserve"> </t></si>
    </sst>
    """

    static let orders = Parts.worksheet("""
    <row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>Inline</t></is></c></row>
    <row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c><c r="C2" t="s"><v>4</v></c><c r="D2" t="s"><v>5</v></c><c r="E2" t="s"><v>6</v></c></row>
    <row r="3"><c r="A3"><v>1234.5</v></c><c r="B3" s="3"><v>1234.50</v></c><c r="C3" s="4"><v>99.9</v></c><c r="D3" t="b"><v>1</v></c><c r="E3" t="b"><v>0</v></c><c r="F3" t="str"><f>A1&amp;"x"</f><v>Order IDx</v></c><c r="G3" t="e"><v>#N/A</v></c><c r="H3"><f>SUM(A3:B3)</f></c></row>
    <row r="5"><c r="C5"><v>7</v></c><c r="E5" s="1"/></row>
    <row r="6"><c r="A6" s="1"><v>45931</v></c><c r="B6" s="2"><v>45931</v></c><c r="C6" s="5"><v>45931.5</v></c><c r="D6" s="6"><v>45931.25</v></c><c r="E6" s="7"><v>45931</v></c><c r="F6" s="1"><v>45931.75</v></c><c r="G6" t="d"><v>2025-10-01T00:00:00Z</v></c></row>
    <row r="9" spans="1:4"><c t="inlineStr"><is><r><t>a</t></r><r><rPr><b/></rPr><t>b</t></r></is></c><c><v>-0.000001</v></c><c r="D9" s="0"><v>1E-3</v></c></row>
    <row r="10"><c r="A10" t="s"><v>7</v></c><c r="B10" t="s"><v>8</v></c></row>
    <row r="11" ht="20" customHeight="1"/>
    <row r="12"><c r="AA12" t="inlineStr"><is><t>far</t></is></c></row>
    """)

    static let prefixed = """
    <?xml version="1.0" encoding="UTF-8"?>
    <x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="2"><x:c r='B2' t='inlineStr'><x:is><x:t>prefixed</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>
    """

    static let odd = Parts.worksheet("""
    <!-- a comment with <row r="99"> inside -->
    <?some-instruction ?>
    <row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[a<b & ]]]]></t></is></c><c r="B1" t="inlineStr"><is><t>&#x41;&#66;&quot;&apos;&gt;</t></is></c><c r="C1" t="inlineStr"><is><t>x\r\ny&#13;z</t></is></c></row>
    <row
      r = "2" ><c r="A2"
      t="s" ><v> 3 </v></c></row>
    """)

    static func workbook(in scratch: Scratch, name: String = "book.xlsx") throws -> String {
        let path = scratch.path(name)
        var parts = Parts.workbook([("Orders", "sheet2.xml"), ("Second &amp; more", "sheet1.xml"), ("Odd", "sheet3.xml")])
        parts += [("xl/styles.xml", styles), ("xl/sharedStrings.xml", sharedStrings),
                  ("xl/worksheets/sheet1.xml", prefixed), ("xl/worksheets/sheet2.xml", orders), ("xl/worksheets/sheet3.xml", odd)]
        try TestZip.write(to: path, parts)
        return path
    }

    @Test func readsEveryCellKind() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let reader = try SpreadsheetReader(path: try Self.workbook(in: scratch))
        #expect(reader.format == .xlsx)
        #expect(reader.sheetNames == ["Orders", "Second & more", "Odd"])
        let rows = try reader.rows().readAll()
        #expect(rows.map(\.number) == [1, 2, 3, 5, 6, 9, 10, 11, 12])

        let s = { (text: String) in SheetCell(kind: .string, text: text) }
        let n = { (text: String) in SheetCell(kind: .number, text: text) }
        let d = { (text: String) in SheetCell(kind: .date, text: text) }
        #expect(rows[0].cells == [s("Order ID"), s("Rich text"), s("Inline")])
        #expect(rows[1].cells == [s("  padded  "), s("Tom & Jerry <3"), s("漢字"), s("line1\r\nline2"), s("08")])
        #expect(rows[2].cells == [n("1234.5"), n("1234.50"), n("99.9"), SheetCell(kind: .boolean, text: "TRUE"),
                                  SheetCell(kind: .boolean, text: "FALSE"), s("Order IDx"), s("#N/A")])
        #expect(rows[3].cells == [.empty, .empty, n("7")])
        #expect(rows[4].cells == [d("2025-10-01"), d("2025-10-01"), d("2025-10-01T12:00:00"), d("2025-10-01T06:00:00"),
                                  d("2025-10-01"), d("2025-10-01T18:00:00"), d("2025-10-01")])
        #expect(rows[5].cells == [s("ab"), n("-0.000001"), .empty, n("1E-3")])
        #expect(rows[6].cells == [s(""), s(" ")])
        #expect(rows[6][0].isEmpty && !rows[6][1].isEmpty)
        #expect(rows[7].cells == [])
        #expect(rows[8].cells.count == 27)
        #expect(rows[8][26] == s("far"))
        #expect(rows[8][99] == .empty)
    }

    @Test func readsOtherSheetsByName() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let reader = try SpreadsheetReader(path: try Self.workbook(in: scratch))
        #expect(try reader.rows(sheet: "Second & more").readAll().summary == ["2: |prefixed"])
        #expect(try reader.rows(sheet: " second &  MORE").readAll().summary == ["2: |prefixed"])
        let odd = try reader.rows(sheet: "Odd").readAll()
        #expect(odd.summary == ["1: a<b & ]]|AB\"'>|x\ny\rz", "2: Tom & Jerry <3"])
    }

    @Test func missingSheetListsTheSheets() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = try Self.workbook(in: scratch)
        let reader = try SpreadsheetReader(path: path)
        let error = try #require(throws: SpreadsheetError.self) { try reader.rows(sheet: "Payouts") }
        #expect(error.reason == .sheetNotFound("Payouts", available: ["Orders", "Second & more", "Odd"]))
        #expect(error.description == "'\(path)': sheet 'Payouts' not found; the workbook has sheets: 'Orders', 'Second & more', 'Odd'")
    }

    @Test func date1904Workbooks() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("mac.xlsx")
        try TestZip.write(to: path, Parts.workbook([("S", "sheet1.xml")], date1904: true) + [
            ("xl/styles.xml", Self.styles), ("xl/sharedStrings.xml", Self.sharedStrings),
            ("xl/worksheets/sheet1.xml", Parts.worksheet(#"<row r="1"><c r="A1" s="1"><v>44469</v></c><c r="B1" s="1"><v>0</v></c><c r="C1"><v>44469</v></c></row>"#)),
        ])
        let rows = try SpreadsheetReader(path: path).rows().readAll()
        #expect(rows.summary == ["1: 2025-10-01|1904-01-01|44469"])
    }

    @Test func malformedSheetXMLNamesTheRow() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("broken.xlsx")
        try TestZip.write(to: path, Parts.workbook([("Data", "sheet1.xml")]) + [
            ("xl/styles.xml", Self.styles), ("xl/sharedStrings.xml", Self.sharedStrings),
            ("xl/worksheets/sheet1.xml", Parts.worksheet(#"<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row><row r="3"><c r="A3" <v>3</v></c></row>"#)),
        ])
        let rows = try SpreadsheetReader(path: path).rows()
        // A plain loop stops early and keeps the error.
        var seen: [Int] = []
        for row in rows { seen.append(row.number) }
        #expect(seen == [1, 2])
        let kept = try #require(rows.error)
        guard case .malformedXML(let part, let row, _) = kept.reason else { Issue.record("\(kept)"); return }
        #expect(part == "xl/worksheets/sheet1.xml")
        #expect(row == 3)
        #expect(kept.sheet == "Data")
        #expect(kept.description.contains("at sheet row 3"))
        #expect(throws: SpreadsheetError.self) { try rows.check() }
        // The throwing forms throw it.
        #expect(throws: SpreadsheetError.self) { try rows.readAll() }
    }

    @Test func truncatedSheetAndBadSharedStringIndex() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("cut.xlsx")
        let full = Parts.worksheet(#"<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>9</v></c></row>"#)
        let truncated = String(full.prefix(upTo: full.range(of: "<row r=\"2\"><c")!.upperBound))
        try TestZip.write(to: path, Parts.workbook([("Cut", "sheet1.xml"), ("Index", "sheet2.xml")]) + [
            ("xl/styles.xml", Self.styles), ("xl/sharedStrings.xml", Self.sharedStrings),
            ("xl/worksheets/sheet1.xml", truncated), ("xl/worksheets/sheet2.xml", full),
        ])
        let reader = try SpreadsheetReader(path: path)
        let cut = try #require(throws: SpreadsheetError.self) { try reader.rows(sheet: "Cut").readAll() }
        #expect(cut.description.contains("truncated"))
        let index = try #require(throws: SpreadsheetError.self) { try reader.rows(sheet: "Index").readAll() }
        #expect(index.description.contains("shared string index '9' in cell A2 is out of range (the workbook has 9 shared strings)"))
    }

    @Test func sharedStringTableOver10MB() throws {
        // libxml2 refuses a single pushed chunk over 10 MB; the table must be streamed to XMLParser.
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("big-strings.xlsx")
        let filler = String(repeating: "x", count: 27_000)
        var table = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sst xmlns=\"\(Parts.main)\">"
        for i in 0..<400 { table += "<si><t>\(i):\(filler)</t></si>" }
        table += "</sst>"
        #expect(table.utf8.count > 10_500_000)
        try TestZip.write(to: path, Parts.workbook([("S", "sheet1.xml")]) + [
            ("xl/styles.xml", Self.styles), ("xl/sharedStrings.xml", table),
            ("xl/worksheets/sheet1.xml", Parts.worksheet(#"<row r="1"><c r="A1" t="s"><v>399</v></c></row>"#)),
        ])
        let rows = try SpreadsheetReader(path: path).rows().readAll()
        #expect(rows.first?.cells.first?.text == "399:" + filler)
    }

    @Test func missingWorksheetPart() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("gap.xlsx")
        try TestZip.write(to: path, Parts.workbook([("Ghost", "sheet9.xml")]) + [("xl/styles.xml", Self.styles), ("xl/sharedStrings.xml", Self.sharedStrings)])
        let reader = try SpreadsheetReader(path: path)
        #expect(reader.sheetNames == ["Ghost"])
        let error = try #require(throws: SpreadsheetError.self) { try reader.rows() }
        #expect(error.reason == .missingPart("xl/worksheets/sheet9.xml"))
    }

    @Test func workbookWithoutStylesOrSharedStrings() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("bare.xlsx")
        let workbook = #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Only" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        let rels = #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
        try TestZip.write(to: path, [("_rels/.rels", Parts.rootRels), ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", rels),
                                     ("xl/worksheets/sheet1.xml", Parts.worksheet(#"<row r="1"><c r="A1" s="4"><v>45931</v></c></row>"#))])
        #expect(try SpreadsheetReader(path: path).rows().readAll().summary == ["1: 45931"])
    }

    @Test func dateFormatClassification() {
        #expect(ExcelDate.classify(formatCode: "dd/mm/yyyy") == (true, false))
        #expect(ExcelDate.classify(formatCode: "yyyy-mm-dd hh:mm:ss") == (true, true))
        #expect(ExcelDate.classify(formatCode: "[$-409]d\\-mmm\\-yy;@") == (true, false))
        #expect(ExcelDate.classify(formatCode: "[h]:mm:ss") == (true, true))
        #expect(ExcelDate.classify(formatCode: "mm:ss.0") == (true, true))
        #expect(ExcelDate.classify(formatCode: "General") == (false, false))
        #expect(ExcelDate.classify(formatCode: "#,##0.00") == (false, false))
        #expect(ExcelDate.classify(formatCode: "\"RM\"#,##0.00;[Red]\\-\"RM\"#,##0.00") == (false, false))
        #expect(ExcelDate.classify(formatCode: "RM#,##0.00") == (false, false))
        #expect(ExcelDate.classify(formatCode: "0.00 \"days\"") == (false, false))
        #expect(ExcelDate.classify(formatCode: "_(* #,##0_);_(* (#,##0);_(* \"-\"_);_(@_)") == (false, false))
        #expect(ExcelDate.classify(formatCode: "@") == (false, false))
    }

    @Test func serialConversionsRoundTrip() throws {
        #expect(ExcelDate.iso(fromSerial: "45931", date1904: false, withTime: false) == "2025-10-01")
        #expect(ExcelDate.iso(fromSerial: "1", date1904: false, withTime: false) == "1900-01-01")
        #expect(ExcelDate.iso(fromSerial: "59", date1904: false, withTime: false) == "1900-02-28")
        #expect(ExcelDate.iso(fromSerial: "61", date1904: false, withTime: false) == "1900-03-01")
        #expect(ExcelDate.iso(fromSerial: "45931.99999", date1904: false, withTime: false) == "2025-10-01T23:59:59")
        #expect(ExcelDate.iso(fromSerial: "45931.999999", date1904: false, withTime: false) == "2025-10-02")
        #expect(ExcelDate.iso(fromSerial: "45931", date1904: false, withTime: true) == "2025-10-01T00:00:00")
        #expect(ExcelDate.iso(fromSerial: "-1", date1904: false, withTime: false) == nil)
        #expect(ExcelDate.serial(fromISO: "2025-10-01")?.serial == "45931")
        #expect(ExcelDate.serial(fromISO: "2025-10-01T12:00:00")?.serial == "45931.5")
        #expect(ExcelDate.serial(fromISO: "2025-02-29") == nil)
        #expect(ExcelDate.serial(fromISO: "1899-12-31") == nil)
        #expect(ExcelDate.serial(fromISO: "01/10/2025") == nil)
        // Every day from 1900 to 2100 and back.
        var day = ExcelDate.days(fromCivil: 1900, 1, 1)
        let last = ExcelDate.days(fromCivil: 2100, 12, 31)
        while day <= last {
            let (y, m, d) = ExcelDate.civil(fromDays: day)
            func pad(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
            let iso = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
            let serial = try #require(ExcelDate.serial(fromISO: iso)).serial
            #expect(ExcelDate.iso(fromSerial: serial, date1904: false, withTime: false) == iso)
            day += 1
        }
    }
}
