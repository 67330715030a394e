#include "store/audit_log.hpp"

#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <string_view>

#include <soci/soci.h>

#include "log/secret_redaction.hpp"
#include "store/sqlite_statement.hpp"
#include "store/timestamps.hpp"

namespace junction::store {
namespace {

const std::string genesis(64, '0');

const char *const columns =
    "seq, at, actor, action, COALESCE(flow, ''), COALESCE(run_id, ''), "
    "COALESCE(source_connector, ''), COALESCE(source_key, ''), COALESCE(target_connector, ''), "
    "COALESCE(target_key, ''), COALESCE(operation, ''), COALESCE(changed_fields, ''), "
    "COALESCE(hash_before, ''), COALESCE(hash_after, ''), COALESCE(detail, ''), prev_hash, "
    "entry_hash";

// The text fields in column order, after seq: one list for reading and writing.
std::array<std::string *, 16> text_fields(AuditEntry &e) {
  return {&e.at,
          &e.actor,
          &e.action,
          &e.flow,
          &e.run_id,
          &e.source_connector,
          &e.source_key,
          &e.target_connector,
          &e.target_key,
          &e.operation,
          &e.changed_fields,
          &e.hash_before,
          &e.hash_after,
          &e.detail,
          &e.prev_hash,
          &e.entry_hash};
}

AuditEntry from_row(const soci::row &r) {
  AuditEntry e;
  e.seq = r.get_properties(0).get_data_type() == soci::dt_integer
              ? r.get<int>(0)
              : static_cast<std::int64_t>(r.get<long long>(0));
  const auto fields = text_fields(e);
  for (std::size_t i = 0; i < fields.size(); ++i) *fields[i] = r.get<std::string>(i + 1);
  return e;
}

// The bytes an entry hash covers, fed to SHA-256 as they go: the sequence number, then
// each field as "\x1f" + its length + ":" + its text (lengths keep "ab"+"c" apart from
// "a"+"bc"). Fields in order: prev_hash, at, actor, action, flow, run_id, source_connector,
// source_key, target_connector, target_key, operation, changed_fields, hash_before,
// hash_after, detail.
std::string hash_entry(std::int64_t seq, const std::array<std::string_view, 15> &fields) {
  struct Context {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context digest;
  EVP_DigestInit_ex(digest.ctx, EVP_sha256(), nullptr);
  const std::string number = std::to_string(seq);
  EVP_DigestUpdate(digest.ctx, number.data(), number.size());
  char prefix[32];
  prefix[0] = '\x1f';
  for (const auto field : fields) {
    char *end = std::to_chars(prefix + 1, prefix + sizeof prefix - 1, field.size()).ptr;
    *end++ = ':';
    EVP_DigestUpdate(digest.ctx, prefix, static_cast<std::size_t>(end - prefix));
    EVP_DigestUpdate(digest.ctx, field.data(), field.size());
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(digest.ctx, out, &size);
  static const char *hex = "0123456789abcdef";
  std::string text(std::size_t{size} * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    text[2 * i] = hex[out[i] >> 4];
    text[2 * i + 1] = hex[out[i] & 15];
  }
  return text;
}

// Named parameters serve both: SOCI binds them on PostgreSQL; SQLite numbers them by
// first appearance for the kept statement, bound by position.
const char *const insert_entry_sql =
    "INSERT INTO audit_entry (seq, context_id, source_key, target_key, operation, "
    "changed_fields, hash_before, hash_after, detail, prev_hash, entry_hash) VALUES (:s, :c, "
    ":a1, :a2, :a3, :a4, :a5, :a6, :a7, :a8, :a9)";

}  // namespace

// Rows of audit_entry: bound and run one by one through a kept statement on SQLite,
// gathered and sent as one statement over vectors on PostgreSQL.
class AuditLog::EntryRows {
 public:
  explicit EntryRows(AuditLog &log) : log_(log) {}
  // `changed_fields` null: the entry's changed fields are its context's field list.
  void add(std::int64_t seq, std::int64_t context_id, std::string_view source_key,
           std::string_view target_key, std::string_view operation,
           const std::string *changed_fields, std::string_view hash_before,
           std::string_view hash_after, std::string_view detail, std::string_view prev_hash,
           std::string_view entry_hash) {
    if (log_.backend_ == Backend::sqlite) {
      if (!log_.insert_one_) {
        log_.insert_one_ = std::make_unique<SqliteStatement>(log_.session_, insert_entry_sql);
      }
      SqliteStatement &st = *log_.insert_one_;
      st.reset();
      st.bind(1, seq);
      st.bind(2, context_id);
      const std::string_view texts[] = {source_key, target_key, operation};
      for (int i = 0; i < 3; ++i) st.bind(3 + i, texts[i]);
      if (changed_fields == nullptr) {
        st.bind_null(6);
      } else {
        st.bind(6, *changed_fields);
      }
      const std::string_view rest[] = {hash_before, hash_after, detail, prev_hash, entry_hash};
      for (int i = 0; i < 5; ++i) st.bind(7 + i, rest[i]);
      st.step();
      st.reset();
      return;
    }
    seqs_.push_back(seq);
    contexts_.push_back(context_id);
    const std::string_view texts[] = {
        source_key,  target_key, operation, changed_fields ? *changed_fields : std::string_view(),
        hash_before, hash_after, detail,    prev_hash,
        entry_hash};
    for (std::size_t i = 0; i < 9; ++i) columns_[i].emplace_back(texts[i]);
    fields_null_.push_back(changed_fields ? soci::i_ok : soci::i_null);
  }

  void finish() {
    if (seqs_.empty()) return;
    log_.session_ << insert_entry_sql, soci::use(seqs_), soci::use(contexts_),
        soci::use(columns_[0]), soci::use(columns_[1]), soci::use(columns_[2]),
        soci::use(columns_[3], fields_null_), soci::use(columns_[4]), soci::use(columns_[5]),
        soci::use(columns_[6]), soci::use(columns_[7]), soci::use(columns_[8]);
  }

 private:
  AuditLog &log_;
  std::vector<long long> seqs_;
  std::vector<long long> contexts_;
  std::vector<std::string> columns_[9];
  std::vector<soci::indicator> fields_null_;
};

AuditLog::AuditLog(soci::session &session, Backend backend)
    : session_(session), backend_(backend) {}

AuditLog::~AuditLog() = default;

std::string AuditLog::entry_hash(const AuditEntry &e) {
  return hash_entry(e.seq, {e.prev_hash, e.at, e.actor, e.action, e.flow, e.run_id,
                            e.source_connector, e.source_key, e.target_connector, e.target_key,
                            e.operation, e.changed_fields, e.hash_before, e.hash_after, e.detail});
}

// Takes the write lock before reading the chain's head, so that two writers cannot both
// link to the same entry.
AuditLog::Head AuditLog::lock_and_read_head() {
  if (backend_ == Backend::postgresql) {
    session_ << "SELECT pg_advisory_xact_lock(7423170062)";
  } else {
    session_ << "DELETE FROM audit_entry WHERE 1 = 0";
  }
  Head head;
  long long seq = 0;
  std::string hash;
  soci::indicator seq_ind = soci::i_null;
  soci::indicator hash_ind = soci::i_null;
  session_ << "SELECT seq, entry_hash FROM audit_entry ORDER BY seq DESC LIMIT 1",
      soci::into(seq, seq_ind), soci::into(hash, hash_ind);
  const bool any = session_.got_data() && seq_ind == soci::i_ok;
  head.seq = any ? seq : 0;
  head.hash = any ? hash : std::string(64, '0');
  long long context = 0;
  soci::indicator context_ind = soci::i_null;
  session_ << "SELECT MAX(context_id) FROM audit_context", soci::into(context, context_ind);
  head.context_id = context_ind == soci::i_ok ? context : 0;
  return head;
}

void AuditLog::insert_context(std::int64_t id, const std::string &at, const AuditContext &c,
                              const std::string &fields) {
  long long context_id = id;
  soci::indicator fields_ind = fields.empty() ? soci::i_null : soci::i_ok;
  session_ << "INSERT INTO audit_context (context_id, at, actor, action, flow, run_id, "
              "source_connector, target_connector, fields) VALUES (:id, :at, :actor, :action, "
              ":flow, :run, :source, :target, :fields)",
      soci::use(context_id), soci::use(at), soci::use(c.actor), soci::use(c.action),
      soci::use(c.flow), soci::use(c.run_id), soci::use(c.source_connector),
      soci::use(c.target_connector), soci::use(fields, fields_ind);
}

// Entries are stored in two parts: the run-level fields once per context (consecutive
// entries sharing them), the rest per entry. An entry whose changed fields are its
// context's field list stores NULL for them; the audit_log view puts it all back together.
void AuditLog::append(std::vector<AuditEntry> &entries) {
  if (entries.empty()) return;
  Head head = lock_and_read_head();
  const std::string now = utc_now_text();
  EntryRows rows(*this);
  for (std::size_t first = 0; first < entries.size();) {
    AuditEntry &c = entries[first];
    if (c.at.empty()) c.at = now;
    std::size_t end = first + 1;
    for (; end < entries.size(); ++end) {
      AuditEntry &e = entries[end];
      if (e.at.empty()) e.at = now;
      if (e.at != c.at || e.actor != c.actor || e.action != c.action || e.flow != c.flow ||
          e.run_id != c.run_id || e.source_connector != c.source_connector ||
          e.target_connector != c.target_connector) {
        break;
      }
    }
    // The field list of the first create: every other create of the batch shares it.
    std::string fields;
    for (std::size_t i = first; i < end && fields.empty(); ++i) {
      if (entries[i].operation == "create") fields = entries[i].changed_fields;
    }
    const std::int64_t context_id = ++head.context_id;
    insert_context(context_id, c.at,
                   AuditContext{c.actor, c.action, c.flow, c.run_id, c.source_connector,
                                c.target_connector, fields},
                   fields);
    for (std::size_t i = first; i < end; ++i) {
      AuditEntry &e = entries[i];
      log::redact_in_place(e.detail);  // an admin's reason may quote a secret
      e.seq = ++head.seq;
      e.prev_hash = head.hash;
      e.entry_hash = entry_hash(e);
      head.hash = e.entry_hash;
      const bool shares = !fields.empty() && e.changed_fields == fields;
      rows.add(e.seq, context_id, e.source_key, e.target_key, e.operation,
               shares ? nullptr : &e.changed_fields, e.hash_before, e.hash_after, e.detail,
               e.prev_hash, e.entry_hash);
    }
    first = end;
  }
  rows.finish();
}

void AuditLog::append_changes(const AuditContext &context,
                              const std::vector<AuditChange> &changes) {
  if (changes.empty()) return;
  Head head = lock_and_read_head();
  const std::string at = utc_now_text();
  const std::int64_t context_id = ++head.context_id;
  insert_context(context_id, at, context, context.all_fields);
  EntryRows rows(*this);
  for (const auto &change : changes) {
    const std::int64_t seq = ++head.seq;
    const std::string &fields = change.all_fields ? context.all_fields : change.changed_fields;
    std::string hash =
        hash_entry(seq, {head.hash, at, context.actor, context.action, context.flow, context.run_id,
                         context.source_connector, change.source_key, context.target_connector,
                         change.target_key, change.operation, fields, change.hash_before,
                         change.hash_after, std::string_view()});
    const bool shares = !context.all_fields.empty() && fields == context.all_fields;
    rows.add(seq, context_id, change.source_key, change.target_key, change.operation,
             shares ? nullptr : &change.changed_fields, change.hash_before, change.hash_after,
             std::string_view(), head.hash, hash);
    head.hash = std::move(hash);
  }
  rows.finish();
}

std::vector<AuditEntry> AuditLog::list(const AuditFilter &f) {
  const std::string sql = std::string("SELECT ") + columns +
                          " FROM audit_log WHERE (:flow = '' OR flow = :flow2) AND (:key = '' OR "
                          "source_key = :key2 OR target_key = :key3) AND (:since = '' OR at >= "
                          ":since2) ORDER BY seq LIMIT " +
                          std::to_string(f.limit);
  soci::rowset<soci::row> rows =
      (session_.prepare << sql, soci::use(f.flow), soci::use(f.flow), soci::use(f.key),
       soci::use(f.key), soci::use(f.key), soci::use(f.since), soci::use(f.since));
  std::vector<AuditEntry> out;
  for (const auto &r : rows) out.push_back(from_row(r));
  return out;
}

long long AuditLog::count(const AuditFilter &f) {
  long long n = 0;
  session_ << "SELECT COUNT(*) FROM audit_log WHERE (:flow = '' OR flow = :flow2) AND (:key = '' "
              "OR source_key = :key2 OR target_key = :key3) AND (:since = '' OR at >= :since2)",
      soci::use(f.flow), soci::use(f.flow), soci::use(f.key), soci::use(f.key), soci::use(f.key),
      soci::use(f.since), soci::use(f.since), soci::into(n);
  return n;
}

AuditVerification AuditLog::verify() {
  AuditVerification v;
  soci::rowset<soci::row> rows =
      (session_.prepare << std::string("SELECT ") + columns + " FROM audit_log ORDER BY seq");
  std::string expected_prev = genesis;
  std::int64_t expected_seq = 1;
  for (const auto &r : rows) {
    const AuditEntry e = from_row(r);
    ++v.entries;
    std::string problem;
    if (e.seq != expected_seq) {
      problem = e.seq > expected_seq ? "entries " + std::to_string(expected_seq) + " to " +
                                           std::to_string(e.seq - 1) +
                                           " are missing before entry " + std::to_string(e.seq)
                                     : "entry " + std::to_string(e.seq) + " is out of sequence";
    } else if (e.prev_hash != expected_prev) {
      problem = "entry " + std::to_string(e.seq) +
                " does not follow the entry before it: an "
                "entry was removed, inserted or moved here";
    } else if (entry_hash(e) != e.entry_hash) {
      problem = "entry " + std::to_string(e.seq) +
                " was altered: its content does not match "
                "its hash";
    }
    if (!problem.empty()) {
      v.intact = false;
      v.first_bad_seq = e.seq;
      v.problem = problem;
      return v;
    }
    expected_prev = e.entry_hash;
    expected_seq = e.seq + 1;
  }
  return v;
}

}  // namespace junction::store
