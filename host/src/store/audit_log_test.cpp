#include "store/audit_log.hpp"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "run_process.hpp"
#include "store/state_store.hpp"
#include "temp_dir.hpp"

namespace junction::store {
namespace {

// A second implementation of the batch hash, in Python, from the format documented in
// audit_log.cpp and docs: SHA-256 over the batch's place, its link, chain and shared
// fields, its entry count, then each entry; a field is "\x1f" + byte length + ":" + text.
// It reads only what the store holds, so any field the C++ side leaves out of the hash,
// or feeds differently, makes the two disagree.
const char *const independent_batch_hash = R"(
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
def field(text):
    data = (text or "").encode()
    return b"\x1f" + str(len(data)).encode() + b":" + data
checked, wrong = 0, []
for (context, chain_seq, prev, chain, at, actor, action, flow, run, source, target, count,
     stored) in db.execute(
        "SELECT context_id, chain_seq, prev_hash, chain, at, actor, action, flow, run_id, "
        "source_connector, target_connector, entry_count, batch_hash FROM audit_context "
        "WHERE batch_hash IS NOT NULL ORDER BY chain, chain_seq"):
    h = hashlib.sha256(str(chain_seq).encode())
    for f in (prev, chain, at, actor, action, flow, run, source, target):
        h.update(field(f))
    h.update(str(count).encode())
    for row in db.execute(
            "SELECT seq, source_key, target_key, operation, changed_fields, hash_before, "
            "hash_after, detail FROM audit_log WHERE context_id = ? ORDER BY seq", (context,)):
        h.update(str(row[0]).encode())
        for f in row[1:]:
            h.update(field(f))
    checked += 1
    if h.hexdigest() != stored:
        wrong.append("batch %s of %s" % (chain_seq, chain))
print("checked %d" % checked, *wrong)
)";

// An entry of a write by "ops" from db to crm in flow "members".
AuditEntry written_entry(const std::string &run_id) {
  AuditEntry e;
  e.actor = "ops";
  e.action = "write";
  e.flow = "members";
  e.run_id = run_id;
  e.source_connector = "db";
  e.target_connector = "crm";
  return e;
}

TEST(AuditLog, BatchHashesMatchAnIndependentImplementation) {
  testing::TempDir dir;
  std::string why;
  const auto location = parse_store_location("sqlite:" + (dir / "state.db").string(), "/", why);
  ASSERT_TRUE(location) << why;
  auto store = StateStore::open(*location);
  AuditLog log(store->session(), store->backend());
  std::vector<AuditEntry> first(3, written_entry("20261201T093605Z-e179c3"));
  for (std::size_t i = 0; i < first.size(); ++i) {
    auto &e = first[i];
    e.source_key = "k" + std::to_string(i);
    e.target_key = i == 1 ? "" : "crm-" + std::to_string(i);
    e.operation = i == 2 ? "delete" : "update";
    e.changed_fields = "email,city";
    e.hash_before = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    e.hash_after = i == 2 ? "" : "fedcba9876543210fedcba9876543210fedcba9876543210fedcba98765432";
  }
  first[0].detail = "ümlaut and\na line break, \x1f unit separator";
  {
    soci::transaction t(store->session());
    log.append(first);
    t.commit();
  }
  std::vector<AuditEntry> second(1);
  second[0].actor = "api:ops";
  second[0].action = "errors.discard";
  second[0].flow = "members";
  second[0].source_connector = "db";
  second[0].source_key = "k9";
  second[0].detail = "error 4: discarded: gone";
  {
    soci::transaction t(store->session());
    log.append(second);
    t.commit();
  }
  // A batch large enough that the hashed bytes reach OpenSSL in several pieces.
  std::vector<AuditEntry> large(600, written_entry("20261202T031500Z-0a11ce"));
  for (std::size_t i = 0; i < large.size(); ++i) {
    auto &e = large[i];
    e.source_key = "member-" + std::to_string(i);
    e.target_key = "crm-" + std::to_string(i * 7);
    e.operation = "update";
    e.changed_fields = i % 2 == 0 ? "email" : "email,city,postcode";
    e.hash_after = "0011223344556677" + std::to_string(i);
  }
  {
    soci::transaction t(store->session());
    log.append(large);
    t.commit();
  }
  const auto r = testing::run_process("/usr/bin/python3",
                                      {"-c", independent_batch_hash, (dir / "state.db").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "checked 3\n");
  EXPECT_TRUE(log.verify().intact);
}

}  // namespace
}  // namespace junction::store
