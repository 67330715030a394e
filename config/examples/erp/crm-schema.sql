-- The CRM of the example: it owns the orders; it receives products and invoices.
CREATE TABLE IF NOT EXISTS crm_products (sku TEXT PRIMARY KEY, name TEXT, price TEXT);
CREATE TABLE IF NOT EXISTS crm_invoices (invoice_no TEXT PRIMARY KEY, order_no TEXT, email TEXT, total TEXT, issued_on TEXT);
CREATE TABLE IF NOT EXISTS crm_orders (order_no TEXT PRIMARY KEY, email TEXT NOT NULL, sku TEXT NOT NULL, quantity INTEGER NOT NULL, updated_at TEXT NOT NULL);
