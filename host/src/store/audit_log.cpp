#include "store/audit_log.hpp"

#include <openssl/evp.h>

#include <array>

#include <soci/soci.h>

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

}  // namespace

AuditLog::AuditLog(soci::session &session, Backend backend)
    : session_(session), backend_(backend) {}

AuditLog::~AuditLog() = default;

std::string AuditLog::entry_hash(const AuditEntry &e) {
  std::string content = std::to_string(e.seq);
  for (const std::string *field :
       {&e.prev_hash, &e.at, &e.actor, &e.action, &e.flow, &e.run_id, &e.source_connector,
        &e.source_key, &e.target_connector, &e.target_key, &e.operation, &e.changed_fields,
        &e.hash_before, &e.hash_after, &e.detail}) {
    content.push_back('\x1f');
    content += std::to_string(field->size());  // lengths keep "ab"+"c" apart from "a"+"bc"
    content.push_back(':');
    content += *field;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(content.data(), content.size(), digest, &size, EVP_sha256(), nullptr);
  static const char *hex = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

void AuditLog::append(std::vector<AuditEntry> &entries) {
  if (entries.empty()) return;
  // Take the write lock before reading the chain's head, so that two writers cannot both
  // link to the same entry.
  if (backend_ == Backend::postgresql) {
    session_ << "SELECT pg_advisory_xact_lock(7423170062)";
  } else {
    session_ << "DELETE FROM audit_entry WHERE 1 = 0";
  }
  long long last_seq = 0;
  std::string last_hash = genesis;
  soci::indicator seq_ind = soci::i_null;
  soci::indicator hash_ind = soci::i_null;
  session_ << "SELECT seq, entry_hash FROM audit_entry ORDER BY seq DESC LIMIT 1",
      soci::into(last_seq, seq_ind), soci::into(last_hash, hash_ind);
  if (!session_.got_data()) {
    last_seq = 0;
    last_hash = genesis;
  }
  const std::string now = utc_now_text();
  for (auto &e : entries) {
    e.seq = ++last_seq;
    if (e.at.empty()) e.at = now;
    e.prev_hash = last_hash;
    e.entry_hash = entry_hash(e);
    last_hash = e.entry_hash;
  }
  insert(entries);
}

namespace {

bool same_context(const AuditEntry &a, const AuditEntry &b) {
  return a.at == b.at && a.actor == b.actor && a.action == b.action && a.flow == b.flow &&
         a.run_id == b.run_id && a.source_connector == b.source_connector &&
         a.target_connector == b.target_connector;
}

}  // namespace

// Entries are stored in two parts: the run-level fields once per context (consecutive
// entries sharing them), the rest per entry. An entry whose changed fields are its
// context's field list stores NULL for them; the audit_log view puts it all back together.
void AuditLog::insert(std::vector<AuditEntry> &entries) {
  long long context_id = 0;
  soci::indicator context_ind = soci::i_null;
  session_ << "SELECT MAX(context_id) FROM audit_context", soci::into(context_id, context_ind);
  if (context_ind != soci::i_ok) context_id = 0;
  std::vector<long long> entry_context(entries.size());
  std::vector<bool> shares_fields(entries.size(), false);
  for (std::size_t first = 0; first < entries.size();) {
    std::size_t end = first + 1;
    while (end < entries.size() && same_context(entries[end], entries[first])) ++end;
    ++context_id;
    const AuditEntry &c = entries[first];
    // The field list of the first create: every other create of the batch shares it.
    std::string fields;
    for (std::size_t i = first; i < end && fields.empty(); ++i) {
      if (entries[i].operation == "create") fields = entries[i].changed_fields;
    }
    soci::indicator fields_ind = fields.empty() ? soci::i_null : soci::i_ok;
    session_ << "INSERT INTO audit_context (context_id, at, actor, action, flow, run_id, "
                "source_connector, target_connector, fields) VALUES (:id, :at, :actor, :action, "
                ":flow, :run, :source, :target, :fields)",
        soci::use(context_id), soci::use(c.at), soci::use(c.actor), soci::use(c.action),
        soci::use(c.flow), soci::use(c.run_id), soci::use(c.source_connector),
        soci::use(c.target_connector), soci::use(fields, fields_ind);
    for (std::size_t i = first; i < end; ++i) {
      entry_context[i] = context_id;
      shares_fields[i] = !fields.empty() && entries[i].changed_fields == fields;
    }
    first = end;
  }
  if (backend_ == Backend::sqlite) {
    if (!insert_one_) {
      insert_one_ = std::make_unique<SqliteStatement>(
          session_,
          "INSERT INTO audit_entry (seq, context_id, source_key, target_key, operation, "
          "changed_fields, hash_before, hash_after, detail, prev_hash, entry_hash) VALUES (?1, "
          "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    }
    SqliteStatement &st = *insert_one_;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const AuditEntry &e = entries[i];
      st.reset();
      st.bind(1, e.seq);
      st.bind(2, static_cast<std::int64_t>(entry_context[i]));
      st.bind(3, e.source_key);
      st.bind(4, e.target_key);
      st.bind(5, e.operation);
      if (shares_fields[i]) {
        st.bind_null(6);
      } else {
        st.bind(6, e.changed_fields);
      }
      st.bind(7, e.hash_before);
      st.bind(8, e.hash_after);
      st.bind(9, e.detail);
      st.bind(10, e.prev_hash);
      st.bind(11, e.entry_hash);
      st.step();
    }
    st.reset();
    return;
  }
  std::vector<long long> seqs;
  std::vector<std::string> cols[9];
  std::vector<soci::indicator> fields_ind;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const AuditEntry &e = entries[i];
    seqs.push_back(e.seq);
    const std::string *texts[] = {&e.source_key,     &e.target_key,  &e.operation,
                                  &e.changed_fields, &e.hash_before, &e.hash_after,
                                  &e.detail,         &e.prev_hash,   &e.entry_hash};
    for (std::size_t c = 0; c < 9; ++c) cols[c].push_back(*texts[c]);
    fields_ind.push_back(shares_fields[i] ? soci::i_null : soci::i_ok);
  }
  session_ << "INSERT INTO audit_entry (seq, context_id, source_key, target_key, operation, "
              "changed_fields, hash_before, hash_after, detail, prev_hash, entry_hash) VALUES "
              "(:s, :c, :a1, :a2, :a3, :a4, :a5, :a6, :a7, :a8, :a9)",
      soci::use(seqs), soci::use(entry_context), soci::use(cols[0]), soci::use(cols[1]),
      soci::use(cols[2]), soci::use(cols[3], fields_ind), soci::use(cols[4]), soci::use(cols[5]),
      soci::use(cols[6]), soci::use(cols[7]), soci::use(cols[8]);
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
