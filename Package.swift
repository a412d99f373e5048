// swift-tools-version: 6.0
import PackageDescription

let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "ledgersync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ledgersync", targets: ["ledgersync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Already in the graph through Hummingbird; named so the sandbox can stop gracefully (see SandboxServer.stop).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // The SQL Account client's HTTP transport (AsyncHTTPClientTransport): URLSession on Linux spins a core while it
        // waits for an answer (issue 18). Already in the graph through Hummingbird; swift-nio and swift-nio-ssl are named
        // for the error types the transport classifies.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // Pure domain: exact money, orders, located diagnostics, SQL Account's column lengths. Its only I/O is
        // AtomicFile, the one way every target replaces a file (temporary file beside it, fsync, rename).
        .target(name: "LedgerCore", swiftSettings: v5),
        // The one YAML loader: Yams.compose behind an alias-expansion budget ("billion laughs" files refused, located).
        .target(name: "GuardedYAML", dependencies: ["LedgerCore", "Yams"], swiftSettings: v5),
        // JSON values with exact number text and ordered keys; a fast byte-level parser and writer.
        .target(name: "LedgerJSON", swiftSettings: v5),
        // The small, safe expression language of conditional rules: parse, type-check, evaluate.
        .target(name: "Expressions", dependencies: ["LedgerCore"], swiftSettings: v5),
        // The one narrow boundary where order JSON is read from files and documents are written out.
        .target(name: "OrderIO", dependencies: ["LedgerCore", "LedgerJSON"], swiftSettings: v5),
        // YAML rule packs: load with positions, layer `extends`, validate into the RulePack model; expressions.
        .target(name: "RulePack", dependencies: ["LedgerCore", "Expressions", "Spreadsheets", "GuardedYAML", "Yams"], swiftSettings: v5),
        // Order exports (xlsx/csv) → canonical orders through an import mapping: two streaming passes, located per-order errors.
        .target(name: "OrderImport", dependencies: ["LedgerCore", "LedgerJSON", "OrderIO", "RulePack", "Expressions", "Spreadsheets"], swiftSettings: v5),
        // Compiles a RulePack into a transformation graph and runs orders through it, with provenance.
        .target(name: "Transform", dependencies: ["LedgerCore", "LedgerJSON", "RulePack"], swiftSettings: v5),
        // The SQLite state store: named migrations; imported orders, tasks, documents and sync attempts; settlement rows and payments.
        .target(name: "StateStore", dependencies: [.product(name: "GRDB", package: "GRDB.swift")], swiftSettings: v5),
        // SQL Account API access: SigV4 signing/verification, typed endpoints, error classification, retries, status.
        .target(name: "SQLAccount", dependencies: ["LedgerCore", "LedgerJSON", .product(name: "Crypto", package: "swift-crypto"),
                                                   .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                                   .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                                                   .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl")],
                swiftSettings: v5),
        // Serving one HTTP responder on a local address: start on a free port, stop gracefully, run until interrupted.
        .target(name: "LocalHTTP", dependencies: [.product(name: "Hummingbird", package: "hummingbird"),
                                                  .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")], swiftSettings: v5),
        // The local SQL Account API emulator: SigV4, seeded masters, validation, numbering, locking, knock-offs, faults.
        .target(name: "Sandbox", dependencies: ["LedgerCore", "LedgerJSON", "SQLAccount", "GuardedYAML", "Yams", "LocalHTTP", .product(name: "Hummingbird", package: "hummingbird"),
                                                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")], swiftSettings: v5),
        // Streaming xlsx/csv reading (content-detected, from a file or CSV in memory, exact cell text; header finding with
        // aliases, optional columns and recognising a report by its columns) and atomic xlsx/csv writing.
        .target(name: "Spreadsheets", dependencies: ["LedgerCore", .product(name: "ZIPFoundation", package: "ZIPFoundation"), .product(name: "CSV", package: "CSV.swift")], swiftSettings: v5),
        // Settlement reports (Shopee income, Lazada statement, TikTok settlement, and any report a settlement mapping describes)
        // → one exact SettlementRow per order per payout; every report read and its header found through Spreadsheets, so its
        // only I/O is reading the report.
        .target(name: "Settlements", dependencies: ["LedgerCore", "Spreadsheets", "RulePack", "Expressions"], swiftSettings: v5),
        // SQL Accounting's purchase orders → the store's purchase-order / stock-in records, with the pack's UOM conversion.
        .target(name: "PurchaseOrders", dependencies: ["LedgerCore", "LedgerJSON", "RulePack"], swiftSettings: v5),
        // plan: desired documents vs the state store (and SQL Account), field by field under the pack's edit policy; saved plans; receipts from settlements.
        .target(name: "Planner", dependencies: ["LedgerCore", "LedgerJSON", "OrderIO", "RulePack", "Transform", "StateStore"], swiftSettings: v5),
        // apply and payments apply as named stages: prepare (import, transform each order once, stage) → deliver (tasks of ≤150, exactly once).
        .target(name: "Sync", dependencies: ["LedgerCore", "LedgerJSON", "OrderIO", "RulePack", "Transform", "StateStore", "SQLAccount", "Planner"], swiftSettings: v5),
        // The use cases behind each command (validate … apply, payments, match, tasks, orders): wire packs, stores and clients; render results.
        .target(name: "LedgerSyncKit", dependencies: ["LedgerCore", "LedgerJSON", "OrderIO", "OrderImport", "RulePack", "Transform", "SQLAccount", "Sandbox", "StateStore", "Sync", "Planner", "Settlements", "Spreadsheets", "PurchaseOrders"], swiftSettings: v5),
        // The local web console for operations staff: server-rendered pages over the same state store and use cases as the CLI.
        .target(name: "WebConsole", dependencies: ["LedgerCore", "LedgerJSON", "LedgerSyncKit", "RulePack", "SQLAccount", "Sandbox", "StateStore", "Sync",
                                                   "Transform", "LocalHTTP", .product(name: "Hummingbird", package: "hummingbird")], swiftSettings: v5),
        // Thin command line: parse flags, call one library function, render, pick the exit code.
        .executableTarget(
            name: "ledgersync",
            dependencies: [
                "LedgerSyncKit",
                "WebConsole",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: v5),
        // Throughput benchmark of decode → transform → encode; run in release, never part of `swift test`.
        .executableTarget(name: "ledgersync-bench", dependencies: ["LedgerCore", "LedgerJSON", "OrderIO", "RulePack", "Transform", "LedgerSyncKit", "StateStore", "Sync",
                                                             .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: v5),
        // Release-only benchmark of a settlement import (xlsx read → parse → state store), kept out of `swift test`.
        .executableTarget(name: "ledgersync-settlement-bench", dependencies: ["LedgerCore", "LedgerSyncKit", "Settlements", "SettlementTestFixtures", "Spreadsheets", "StateStore"], swiftSettings: v5),
        // Release-only benchmark of importing a 200,000-line Shopee order export (two streaming passes, peak RSS), kept out of `swift test`.
        .executableTarget(name: "ledgersync-import-bench", dependencies: ["LedgerCore", "LedgerJSON", "OrderIO", "OrderImport", "RulePack", "Spreadsheets"], swiftSettings: v5),
        // Golden-file assertions, a runner for the built CLI and a WebDriver client for browser tests, shared by the test targets.
        .target(name: "TestSupport", swiftSettings: v5),
        // Settlement reports in each channel's real layout, generated for tests and the settlement benchmark; never in a product.
        .target(name: "SettlementTestFixtures", dependencies: ["LedgerCore", "Settlements", "Spreadsheets"], swiftSettings: v5),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "OrderIO", "TestSupport"], swiftSettings: v5),
        // Docs/order.schema.json and Docs/OrderFormat.md checked against the decoder, the example orders and the orders
        // imported from the example exports; its own
        // small JSON Schema validator, since no JSON Schema library is available (LedgerJSON: exact number text).
        .testTarget(name: "OrderFormatTests", dependencies: ["LedgerCore", "LedgerJSON", "OrderIO", "OrderImport", "RulePack", "TestSupport"], swiftSettings: v5),
        .testTarget(name: "LedgerJSONTests", dependencies: ["LedgerJSON", "LedgerCore"], swiftSettings: v5),
        .testTarget(name: "ExpressionsTests", dependencies: ["Expressions"], swiftSettings: v5),
        .testTarget(name: "RulePackTests", dependencies: ["RulePack", "Spreadsheets", "TestSupport"], exclude: ["Fixtures", "Golden"], swiftSettings: v5),
        .testTarget(name: "TransformTests", dependencies: ["Transform", "OrderIO", "LedgerSyncKit", "TestSupport"], exclude: ["Golden"], swiftSettings: v5),
        .testTarget(name: "WebConsoleTests", dependencies: ["WebConsole", "LedgerCore", "LedgerSyncKit", "StateStore", "TestSupport"], swiftSettings: v5),
        .testTarget(name: "PlannerTests", dependencies: ["Planner", "Sync", "RulePack", "LedgerJSON", "LedgerCore", "StateStore"], swiftSettings: v5),
        .testTarget(name: "SyncTests", dependencies: ["Sync", "Planner", "Transform", "RulePack", "OrderIO", "StateStore", "SQLAccount", "LedgerCore", "LedgerJSON", "TestSupport"], swiftSettings: v5),
        .testTarget(name: "StateStoreTests", dependencies: ["StateStore", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: v5),
        .testTarget(name: "SQLAccountTests", dependencies: ["SQLAccount"], exclude: ["Fixtures"], swiftSettings: v5),
        .testTarget(name: "SQLAccountClientTests", dependencies: ["SQLAccount", "LedgerJSON"], swiftSettings: v5),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "SQLAccount", "LedgerJSON"], exclude: ["Fixtures"], swiftSettings: v5),
        .testTarget(name: "SpreadsheetsTests", dependencies: ["Spreadsheets", "LedgerCore"], swiftSettings: v5),
        .testTarget(name: "SettlementsTests", dependencies: ["Settlements", "SettlementTestFixtures", "LedgerCore", "Spreadsheets", "RulePack"], exclude: ["Fixtures"], swiftSettings: v5),
        .testTarget(name: "PurchaseOrdersTests", dependencies: ["PurchaseOrders", "RulePack", "LedgerCore", "LedgerJSON", "TestSupport"], swiftSettings: v5),
        // The command use cases called directly: their results as values, without a console or a process.
        .testTarget(name: "LedgerSyncKitTests", dependencies: ["LedgerSyncKit", "LedgerCore", "SQLAccount", "StateStore", "Sync", "TestSupport"], swiftSettings: v5),
        // Import mappings (Docs/ImportMappings.md) loaded and validated: shape, extends, formulas, located diagnostics.
        .testTarget(name: "ImportMappingTests", dependencies: ["RulePack", "LedgerCore"], exclude: ["Fixtures"], swiftSettings: v5),
        // Order exports through import mappings: the built-in ones against examples/exports, a custom POS, located errors.
        .testTarget(name: "OrderImportTests", dependencies: ["OrderImport", "RulePack", "OrderIO", "LedgerCore", "LedgerJSON", "TestSupport"], exclude: ["Fixtures", "Golden"], swiftSettings: v5),
        // The browser-test harness (TestSupport/WebDriver) proved against a tiny local HTTP server: headless Chromium
        // through chromedriver; needs the Debian packages chromium and chromium-driver.
        .testTarget(name: "BrowserHarnessTests", dependencies: ["TestSupport"], swiftSettings: v5),
        // The web console in headless Chromium (Debian's chromium and chromium-driver) against a sandbox; screenshots in .build/screenshots.
        .testTarget(name: "ConsoleBrowserTests", dependencies: ["WebConsole", "LedgerCore", "LedgerSyncKit", "TestSupport"], swiftSettings: v5),
        .testTarget(name: "CLITests", dependencies: ["ledgersync", "TestSupport", "StateStore", "SQLAccount", "LedgerJSON", .product(name: "GRDB", package: "GRDB.swift"), "Settlements", "SettlementTestFixtures", "LedgerCore", "Spreadsheets"], exclude: ["Fixtures", "Golden"], swiftSettings: v5),
    ]
)
