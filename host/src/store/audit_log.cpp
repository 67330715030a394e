#include "store/audit_log.hpp"

#include <openssl/evp.h>

#include <array>

#include <soci/soci.h>

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
    session_ << "DELETE FROM audit_log WHERE 1 = 0";
  }
  long long last_seq = 0;
  std::string last_hash = genesis;
  soci::indicator seq_ind = soci::i_null;
  soci::indicator hash_ind = soci::i_null;
  session_ << "SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1",
      soci::into(last_seq, seq_ind), soci::into(last_hash, hash_ind);
  if (!session_.got_data()) {
    last_seq = 0;
    last_hash = genesis;
  }
  const std::string now = utc_now_text();
  std::vector<long long> seqs;
  std::vector<std::string> cols[16];
  for (auto &e : entries) {
    e.seq = ++last_seq;
    if (e.at.empty()) e.at = now;
    e.prev_hash = last_hash;
    e.entry_hash = entry_hash(e);
    last_hash = e.entry_hash;
    seqs.push_back(e.seq);
    const auto fields = text_fields(e);
    for (std::size_t i = 0; i < 16; ++i) cols[i].push_back(*fields[i]);
  }
  session_ << "INSERT INTO audit_log (seq, at, actor, action, flow, run_id, source_connector, "
              "source_key, target_connector, target_key, operation, changed_fields, "
              "hash_before, hash_after, detail, prev_hash, entry_hash) VALUES (:s, :a1, :a2, "
              ":a3, :a4, :a5, :a6, :a7, :a8, :a9, :a10, :a11, :a12, :a13, :a14, :a15, :a16)",
      soci::use(seqs), soci::use(cols[0]), soci::use(cols[1]), soci::use(cols[2]),
      soci::use(cols[3]), soci::use(cols[4]), soci::use(cols[5]), soci::use(cols[6]),
      soci::use(cols[7]), soci::use(cols[8]), soci::use(cols[9]), soci::use(cols[10]),
      soci::use(cols[11]), soci::use(cols[12]), soci::use(cols[13]), soci::use(cols[14]),
      soci::use(cols[15]);
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
