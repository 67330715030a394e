-- A few rows to start with; run against erp.db and crm.db by setup.sh.
INSERT OR IGNORE INTO products VALUES
  ('TEE-S', 'T-shirt, small', '15.00', 1, '2026-11-01T09:00:00Z'),
  ('TEE-M', 'T-shirt, medium', '15.00', 1, '2026-11-01T09:00:00Z'),
  ('MUG', 'Mug "Junction"', '9.50', 1, '2026-11-01T09:00:00Z'),
  ('CAP', 'Cap', '12.00', 0, '2026-11-02T10:30:00Z');
INSERT OR IGNORE INTO invoices VALUES
  ('INV-1001', 'SO-1', 'ada@example.org', '30.00', '2026-11-03', '2026-11-03T12:00:00Z'),
  ('INV-1002', 'SO-2', 'grace@example.org', '9.50', '2026-11-04', '2026-11-04T08:15:00Z');
