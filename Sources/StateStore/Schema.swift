import GRDB

/// Named, forward-only migrations. A shipped migration is never edited: add a new one instead.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-26-orders-tasks-documents") { db in
            try db.create(table: "tasks") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("created_at", .text).notNull()
                t.column("status", .text).notNull()
                    .check(sql: "status IN ('pending','running','completed','completed_with_failures')")
                t.column("order_count", .integer).notNull()
            }
            try db.create(table: "orders") { t in
                t.primaryKey("id", .text)
                t.column("store", .text).notNull().indexed()
                t.column("channel", .text).notNull()
                t.column("order_number", .text).notNull()
                // The order exactly as imported, unknown platform fields included.
                t.column("raw_json", .text).notNull()
                t.column("content_hash", .text).notNull()
                t.column("revision", .integer).notNull().defaults(to: 1)
                t.column("status", .text).notNull().indexed()
                    .check(sql: "status IN ('pending','completed','failed','excluded')")
                t.column("changed_after_sync", .boolean).notNull().defaults(to: false)
                t.column("imported_at", .text).notNull()
                t.column("updated_at", .text).notNull()
                t.column("sql_docno", .text)
                t.column("sql_dockey", .integer)
                t.column("last_error", .text)
                t.column("task_id", .integer).references("tasks", onDelete: .setNull)
            }
            try db.create(table: "documents") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("order_id", .text).notNull().references("orders", onDelete: .cascade)
                t.column("type", .text).notNull()
                // The docref1 that finds this document in SQL Account: one document per key, ever.
                t.column("idempotency_key", .text).notNull().unique()
                t.column("payload_json", .text).notNull()
                t.column("payload_hash", .text).notNull()
                t.column("state", .text).notNull()
                    .check(sql: "state IN ('desired','sending','created','failed','unknown','cancelled')")
                t.column("remote_dockey", .integer)
                t.column("remote_docno", .text)
                t.column("remote_updatecount", .integer)
                t.column("created_at", .text).notNull()
                t.column("updated_at", .text).notNull()
                t.uniqueKey(["order_id", "type"])
            }
            try db.create(table: "sync_attempts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("document_id", .integer).notNull().references("documents", onDelete: .cascade).indexed()
                t.column("task_id", .integer).references("tasks", onDelete: .setNull)
                t.column("started_at", .text).notNull()
                t.column("finished_at", .text)
                t.column("request_method", .text).notNull()
                t.column("request_path", .text).notNull()
                t.column("request_summary", .text).notNull()
                t.column("response_status", .integer)
                t.column("response_summary", .text)
                t.column("outcome", .text).notNull()
                    .check(sql: "outcome IN ('sending','created','updated','adopted','failed','ambiguous','retried')")
            }
            try db.create(table: "sequences") { t in
                t.primaryKey("name", .text)
                t.column("next_value", .integer).notNull()
            }
        }
        migrator.registerMigration("2026-11-27-task-finish-exclusions-edits") { db in
            try db.alter(table: "tasks") { t in
                t.add(column: "finished_at", .text)
            }
            try db.alter(table: "orders") { t in
                // Why the pack excluded the order (store not declared, cancelled, a rule…).
                t.add(column: "excluded_reason", .text)
            }
            // Operator edits to a failed order's invoice fields (edit_policy.editable), applied on every retry.
            try db.create(table: "order_edits") { t in
                t.column("order_id", .text).notNull().references("orders", onDelete: .cascade)
                t.column("field", .text).notNull()
                t.column("value", .text).notNull()
                t.column("edited_at", .text).notNull()
                t.primaryKey(["order_id", "field"])
            }
            try db.create(index: "documents_state", on: "documents", columns: ["state"])
            try db.create(index: "orders_task", on: "orders", columns: ["task_id"])
        }
        migrator.registerMigration("2026-11-27-settlements-payments") { db in
            // One row per settlement file imported: re-importing the same bytes is a no-op.
            try db.create(table: "settlement_files") { t in
                t.primaryKey("content_hash", .text)
                t.column("name", .text).notNull()
                t.column("channel", .text).notNull()
                t.column("imported_at", .text).notNull()
                t.column("row_count", .integer).notNull()
            }
            try db.create(table: "payments") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("channel", .text).notNull()
                t.column("payout_date", .text).notNull()
                t.column("reference", .text).notNull()
                t.column("customer_code", .text).notNull()
                t.column("idempotency_key", .text).notNull().unique()
                t.column("payload_json", .text).notNull()
                t.column("state", .text).notNull()
                    .check(sql: "state IN ('desired','sending','created','failed','unknown','cancelled')")
                t.column("remote_docno", .text)
                t.column("remote_dockey", .integer)
                t.column("or_number", .text)
                t.column("last_error", .text)
                t.column("created_at", .text).notNull()
                t.column("updated_at", .text).notNull()
            }
            // One row per order per payout; an overlapping file adds only the rows not seen before.
            try db.create(table: "settlement_rows") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("channel", .text).notNull()
                t.column("order_id", .text).notNull().indexed()
                t.column("payout_date", .text).notNull()
                t.column("reference", .text).notNull()
                t.column("currency", .text).notNull()
                // Money in sen, never floating point.
                t.column("gross_sen", .integer).notNull()
                t.column("fees_sen", .integer).notNull()
                t.column("net_sen", .integer).notNull()
                // The fees by kind, as [[kind, sen], …].
                t.column("fee_detail_json", .text).notNull()
                t.column("source", .text).notNull()
                t.column("file_hash", .text).notNull().references("settlement_files", onDelete: .cascade)
                t.column("payment_id", .integer).references("payments", onDelete: .setNull)
                t.uniqueKey(["channel", "order_id", "payout_date", "reference"])
            }
        }
        migrator.registerMigration("2026-11-28-payment-attempts") { db in
            // Every request `payments apply` makes for a receipt, like `sync_attempts` for invoices. A table of its
            // own because `sync_attempts` belongs to documents and tasks, and payments are neither.
            try db.create(table: "payment_attempts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("payment_id", .integer).notNull().references("payments", onDelete: .cascade).indexed()
                t.column("started_at", .text).notNull()
                t.column("finished_at", .text)
                t.column("request_method", .text).notNull()
                t.column("request_path", .text).notNull()
                t.column("request_summary", .text).notNull()
                t.column("response_status", .integer)
                t.column("response_summary", .text)
                t.column("outcome", .text).notNull()
                    .check(sql: "outcome IN ('sending','created','updated','adopted','failed','ambiguous','retried')")
            }
        }
        migrator.registerMigration("2026-11-28-orders-by-channel-order-number") { db in
            // Settlement reports name orders by the channel's order number: find them without a table scan.
            try db.create(index: "orders_on_channel_order_number", on: "orders", columns: ["channel", "order_number"])
        }
        migrator.registerMigration("2026-12-05-settlement-shipping-credits") { db in
            // Shipping the buyer paid (and the platform's discount on it) pays the invoice's shipping line; it was a
            // negative fee before. Rows imported earlier keep 0 here and their shipping inside fees_sen, as they were planned.
            try db.alter(table: "settlement_rows") { t in
                t.add(column: "buyer_shipping_sen", .integer).notNull().defaults(to: 0)
                t.add(column: "platform_shipping_sen", .integer).notNull().defaults(to: 0)
            }
        }
        migrator.registerMigration("2026-12-05-receipt-tasks-or-numbers") { db in
            // A task is what one apply sent: the invoices of `apply` (and `tasks retry`), or the receipts of
            // `payments apply`. Tasks made before are invoice tasks.
            try db.alter(table: "tasks") { t in
                t.add(column: "kind", .text).notNull().defaults(to: "invoices").check(sql: "kind IN ('invoices','receipts')")
            }
            try db.alter(table: "payments") { t in
                // The receipt task that last sent the payment (its creation, or its O/R number).
                t.add(column: "task_id", .integer).references("tasks", onDelete: .setNull)
                // The O/R number SQL Account is confirmed to hold, the receipt field it is in, and since when: set-or
                // recording another number (or the pack another field) makes it due again.
                t.add(column: "or_number_sent", .text)
                t.add(column: "or_number_field", .text)
                t.add(column: "or_number_sent_at", .text)
            }
            try db.alter(table: "payment_attempts") { t in
                t.add(column: "task_id", .integer).references("tasks", onDelete: .setNull)
            }
            try db.create(index: "payments_task", on: "payments", columns: ["task_id"])
        }
        migrator.registerMigration("2026-12-08-created-masters") { db in
            // The stock items and customers `masters apply` creates in SQL Account, one row per SKU (stock items) or
            // customer code: the code is reserved here before the POST (a `{seq}` code is never handed out twice,
            // and a SKU never gets a second item), and `sending` survives a crash for the next run's lookup by code.
            try db.create(table: "masters") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull().check(sql: "kind IN ('stockitem','customer')")
                // What the master is for: the SKU of a stock item, the code of a customer.
                t.column("need", .text).notNull()
                t.column("code", .text).notNull()
                t.column("payload_json", .text).notNull()
                t.column("state", .text).notNull()
                    .check(sql: "state IN ('desired','sending','created','failed','unknown')")
                // True when SQL Account already had it (found by code) rather than created by this store's POST.
                t.column("adopted", .boolean).notNull().defaults(to: false)
                t.column("last_error", .text)
                t.column("created_at", .text).notNull()
                t.column("updated_at", .text).notNull()
                t.uniqueKey(["kind", "need"])
                t.uniqueKey(["kind", "code"])
            }
            // Every request `masters apply` made for a master, like `sync_attempts` for invoices.
            try db.create(table: "master_attempts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("master_id", .integer).notNull().references("masters", onDelete: .cascade).indexed()
                t.column("started_at", .text).notNull()
                t.column("finished_at", .text)
                t.column("request_method", .text).notNull()
                t.column("request_path", .text).notNull()
                t.column("request_summary", .text).notNull()
                t.column("response_status", .integer)
                t.column("response_summary", .text)
                t.column("outcome", .text).notNull()
                    .check(sql: "outcome IN ('sending','created','updated','adopted','failed','ambiguous','retried')")
            }
        }
        migrator.registerMigration("2026-12-12-return-documents") { db in
            // A task may now hold the credit notes and refunds of returns. SQLite cannot change a CHECK, so the table
            // is rebuilt (foreign keys are off while a migration runs; references to `tasks` by name stay valid).
            try db.execute(sql: """
                CREATE TABLE tasks_with_returns (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    created_at TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending','running','completed','completed_with_failures')),
                    order_count INTEGER NOT NULL,
                    finished_at TEXT,
                    kind TEXT NOT NULL DEFAULT 'invoices' CHECK (kind IN ('invoices','receipts','returns'))
                );
                INSERT INTO tasks_with_returns (id, created_at, status, order_count, finished_at, kind)
                    SELECT id, created_at, status, order_count, finished_at, kind FROM tasks;
                DROP TABLE tasks;
                ALTER TABLE tasks_with_returns RENAME TO tasks;
                """)
            // The documents a return event makes: its sales credit note and, where the pack says, the customer refund
            // that pays it out. One row per (order, return, type), ever: a re-imported return is the same row.
            try db.create(table: "return_documents") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("order_id", .text).notNull().references("orders", onDelete: .cascade)
                t.column("return_id", .text).notNull()
                t.column("type", .text).notNull().check(sql: "type IN ('salescreditnote','customerrefund')")
                t.column("idempotency_key", .text).notNull().unique()
                t.column("payload_json", .text).notNull()
                t.column("payload_hash", .text).notNull()
                // Money in sen: the document's total, and what it knocks off (the invoice, or the credit note refunded).
                t.column("amount_sen", .integer).notNull()
                t.column("knockoff_sen", .integer).notNull().defaults(to: 0)
                t.column("state", .text).notNull()
                    .check(sql: "state IN ('desired','sending','created','failed','unknown','cancelled')")
                t.column("remote_dockey", .integer)
                t.column("remote_docno", .text)
                t.column("last_error", .text)
                t.column("task_id", .integer).references("tasks", onDelete: .setNull)
                t.column("created_at", .text).notNull()
                t.column("updated_at", .text).notNull()
                t.uniqueKey(["order_id", "return_id", "type"])
            }
            try db.create(index: "return_documents_task", on: "return_documents", columns: ["task_id"])
            // Every request made for a return document, like `sync_attempts` for invoices.
            try db.create(table: "return_attempts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("return_document_id", .integer).notNull().references("return_documents", onDelete: .cascade).indexed()
                t.column("task_id", .integer).references("tasks", onDelete: .setNull)
                t.column("started_at", .text).notNull()
                t.column("finished_at", .text)
                t.column("request_method", .text).notNull()
                t.column("request_path", .text).notNull()
                t.column("request_summary", .text).notNull()
                t.column("response_status", .integer)
                t.column("response_summary", .text)
                t.column("outcome", .text).notNull()
                    .check(sql: "outcome IN ('sending','created','updated','adopted','failed','ambiguous','retried')")
            }
        }
        migrator.registerMigration("2026-12-13-return-credited-events") { db in
            // What each credit note credited (units per order line, amounts, shipping, other refunds), so a return that
            // grows under the same id is credited for the difference only. Rows from before stay NULL: their growth is
            // reported, as it was.
            try db.alter(table: "return_documents") { t in
                t.add(column: "credited_json", .text)
            }
        }
        migrator.registerMigration("2026-12-14-payout-credit-notes") { db in
            // The credit notes and customer refunds `payments apply` makes of a payout: a negative settlement row
            // (`payments.negative_payouts: credit_note`) or a channel-level charge (`payments.channel_charges`). A refund
            // names its credit note; the receipt of the same payout, when there is one, is named too. One row per
            // docref1, ever: re-planning or re-importing the same payout is the same row.
            try db.create(table: "payout_documents") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("channel", .text).notNull()
                t.column("payout_date", .text).notNull()
                t.column("reference", .text).notNull()
                // The settled order; empty for a channel-level charge.
                t.column("order_id", .text).notNull()
                t.column("customer_code", .text).notNull()
                t.column("type", .text).notNull().check(sql: "type IN ('salescreditnote','customerrefund')")
                t.column("credit_note_id", .integer).references("payout_documents", onDelete: .setNull)
                t.column("idempotency_key", .text).notNull().unique()
                t.column("payload_json", .text).notNull()
                t.column("amount_sen", .integer).notNull()
                t.column("state", .text).notNull()
                    .check(sql: "state IN ('desired','sending','created','failed','unknown','cancelled')")
                t.column("remote_dockey", .integer)
                t.column("remote_docno", .text)
                t.column("last_error", .text)
                t.column("task_id", .integer).references("tasks", onDelete: .setNull).indexed()
                t.column("created_at", .text).notNull()
                t.column("updated_at", .text).notNull()
            }
            try db.create(table: "payout_document_attempts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("payout_document_id", .integer).notNull().references("payout_documents", onDelete: .cascade).indexed()
                t.column("task_id", .integer).references("tasks", onDelete: .setNull)
                t.column("started_at", .text).notNull()
                t.column("finished_at", .text)
                t.column("request_method", .text).notNull()
                t.column("request_path", .text).notNull()
                t.column("request_summary", .text).notNull()
                t.column("response_status", .integer)
                t.column("response_summary", .text)
                t.column("outcome", .text).notNull()
                    .check(sql: "outcome IN ('sending','created','updated','adopted','failed','ambiguous','retried')")
            }
            // A settlement row a payout credit note covers (as `payment_id` names the receipt that covers a row). A
            // channel-level charge is a settlement row with an empty order_id, one per channel, payout date and reference.
            try db.alter(table: "settlement_rows") { t in
                t.add(column: "payout_document_id", .integer).references("payout_documents", onDelete: .setNull)
            }
        }
        migrator.registerMigration("2026-12-15-orders-ordered-on") { db in
            // The day an order was placed, in Malaysia time (as `--from`/`--to` and the console's filters read it), kept
            // beside the raw JSON so a list of 100,000 orders can be filtered by date without parsing each one.
            try db.alter(table: "orders") { t in
                t.add(column: "ordered_on", .text)
            }
            try db.create(index: "orders_on_status_ordered_on", on: "orders", columns: ["status", "ordered_on"])
            // Orders imported before: SQLite reads the timestamp's own offset and moves it to UTC+8. A SQLite without
            // JSON functions leaves the column empty, and readers fall back to the order's JSON.
            try? db.execute(sql: "UPDATE orders SET ordered_on = date(json_extract(raw_json, '$.dates.ordered'), '+8 hours')")
        }
        migrator.registerMigration("2026-12-16-einvoice-consolidations") { db in
            // A month's consolidated e-invoice per scope (a store, or the company), sent once: its docref1 is unique,
            // and the orders it reports are listed so the month is never reported twice.
            try db.create(table: "einvoice_consolidations") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("month", .text).notNull().indexed()
                t.column("scope", .text).notNull()
                t.column("resource", .text).notNull()
                t.column("customer_code", .text).notNull()
                t.column("idempotency_key", .text).notNull().unique()
                t.column("payload_json", .text).notNull()
                t.column("order_ids_json", .text).notNull()
                t.column("amount_sen", .integer).notNull()
                t.column("state", .text).notNull()
                    .check(sql: "state IN ('desired','sending','created','failed','unknown','cancelled')")
                t.column("remote_dockey", .integer)
                t.column("remote_docno", .text)
                t.column("last_error", .text)
                t.column("created_at", .text).notNull()
                t.column("updated_at", .text).notNull()
                t.uniqueKey(["month", "scope"])
            }
            try db.create(table: "einvoice_consolidation_attempts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("consolidation_id", .integer).notNull().references("einvoice_consolidations", onDelete: .cascade).indexed()
                t.column("task_id", .integer)
                t.column("started_at", .text).notNull()
                t.column("finished_at", .text)
                t.column("request_method", .text).notNull()
                t.column("request_path", .text).notNull()
                t.column("request_summary", .text).notNull()
                t.column("response_status", .integer)
                t.column("response_summary", .text)
                t.column("outcome", .text).notNull()
            }
        }
        migrator.registerMigration("2026-12-16-purchase-orders") { db in
            // Each SQL Accounting purchase order passed on to the store: the version it was passed on at (SQL's
            // updatecount and lastmodified) and the record the store got, so the next plan shows only what changed.
            try db.create(table: "purchase_orders") { t in
                t.primaryKey("dockey", .integer)
                t.column("docno", .text).notNull()
                t.column("updatecount", .integer).notNull()
                t.column("lastmodified", .integer).notNull()
                t.column("record_json", .text).notNull()
                t.column("exported_at", .text).notNull()
                t.column("export_path", .text).notNull()
            }
            // Goods received back from the store, each sent to SQL Accounting once (its docref1 is unique).
            try db.create(table: "goods_received") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("po_dockey", .integer).notNull().indexed()
                t.column("po_docno", .text).notNull()
                t.column("idempotency_key", .text).notNull().unique()
                t.column("payload_json", .text).notNull()
                t.column("source", .text).notNull()
                t.column("state", .text).notNull()
                    .check(sql: "state IN ('desired','sending','created','failed','unknown','cancelled')")
                t.column("remote_dockey", .integer)
                t.column("remote_docno", .text)
                t.column("last_error", .text)
                t.column("created_at", .text).notNull()
                t.column("updated_at", .text).notNull()
            }
            try db.create(table: "goods_received_attempts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("goods_received_id", .integer).notNull().references("goods_received", onDelete: .cascade).indexed()
                t.column("task_id", .integer)
                t.column("started_at", .text).notNull()
                t.column("finished_at", .text)
                t.column("request_method", .text).notNull()
                t.column("request_path", .text).notNull()
                t.column("request_summary", .text).notNull()
                t.column("response_status", .integer)
                t.column("response_summary", .text)
                t.column("outcome", .text).notNull()
            }
        }
        return migrator
    }
}
