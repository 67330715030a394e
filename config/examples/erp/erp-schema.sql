-- The ERP of the example: it owns the product catalogue and the invoices.
CREATE TABLE IF NOT EXISTS products (
  sku TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  price TEXT NOT NULL,             -- exact decimal as text (SQLite has no exact numeric)
  active INTEGER NOT NULL DEFAULT 1,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS invoices (
  invoice_no TEXT PRIMARY KEY,
  order_no TEXT NOT NULL,
  customer_email TEXT NOT NULL,
  total TEXT NOT NULL,
  issued_on TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
  order_no TEXT PRIMARY KEY,
  customer_email VARCHAR(120) NOT NULL,
  sku TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  ordered_at TEXT NOT NULL
);
