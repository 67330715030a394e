INSERT OR IGNORE INTO crm_orders VALUES
  ('SO-1', 'ada@example.org', 'TEE-M', 2, '2026-11-03T11:00:00Z'),
  ('SO-2', 'grace@example.org', 'MUG', 1, '2026-11-04T08:00:00Z'),
  ('SO-3', 'katherine@example.org', 'NOPE', 1, '2026-11-05T16:20:00Z');
