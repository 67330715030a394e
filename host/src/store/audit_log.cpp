#include "store/audit_log.hpp"

#include <openssl/evp.h>

#include <array>
#include <charconv>
#include <map>
#include <optional>
#include <string_view>

#include <soci/soci.h>

#include "log/secret_redaction.hpp"
#include "store/row_values.hpp"
#include "store/sqlite_statement.hpp"
#include "store/timestamps.hpp"

namespace junction::store {
namespace {

const std::string genesis(64, '0');

const char *const columns =
    "seq, at, actor, action, COALESCE(flow, ''), COALESCE(run_id, ''), "
    "COALESCE(source_connector, ''), COALESCE(source_key, ''), COALESCE(target_connector, ''), "
    "COALESCE(target_key, ''), COALESCE(operation, ''), COALESCE(changed_fields, ''), "
    "COALESCE(hash_before, ''), COALESCE(hash_after, ''), COALESCE(detail, ''), "
    "COALESCE(prev_hash, ''), COALESCE(entry_hash, ''), COALESCE(chain, ''), "
    "COALESCE(chain_seq, 0), COALESCE(batch_hash, '')";

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
  e.seq = integer_at(r, 0);
  const auto fields = text_fields(e);
  for (std::size_t i = 0; i < fields.size(); ++i) *fields[i] = r.get<std::string>(i + 1);
  e.chain = r.get<std::string>(17);
  e.batch = integer_at(r, 18);
  e.batch_hash = r.get<std::string>(19);
  return e;
}

// SHA-256 fed field by field: each field as "\x1f" + its length + ":" + its text (lengths
// keep "ab"+"c" apart from "a"+"bc"), numbers as their decimal text. The bytes gather in a
// buffer handed to OpenSSL in large pieces: a call per field would cost more than the
// hashing itself (a batch of a thousand entries feeds some sixteen thousand fields).
class Digest {
 public:
  Digest() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Digest() { EVP_MD_CTX_free(ctx_); }
  Digest(const Digest &) = delete;
  Digest &operator=(const Digest &) = delete;

  void number(std::int64_t n) {
    char text[24];
    char *end = std::to_chars(text, text + sizeof text, n).ptr;
    add(std::string_view(text, static_cast<std::size_t>(end - text)));
  }
  void field(std::string_view text) {
    char prefix[32];
    prefix[0] = '\x1f';
    char *end = std::to_chars(prefix + 1, prefix + sizeof prefix - 1, text.size()).ptr;
    *end++ = ':';
    add(std::string_view(prefix, static_cast<std::size_t>(end - prefix)));
    add(text);
  }
  std::string hex() {
    flush();
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_, out, &size);
    static const char *digits = "0123456789abcdef";
    std::string text(std::size_t{size} * 2, '0');
    for (std::size_t i = 0; i < size; ++i) {
      text[2 * i] = digits[out[i] >> 4];
      text[2 * i + 1] = digits[out[i] & 15];
    }
    return text;
  }

 private:
  static constexpr std::size_t flush_at = std::size_t{16} * 1024;
  void add(std::string_view bytes) {
    pending_.append(bytes);
    if (pending_.size() >= flush_at) flush();
  }
  void flush() {
    EVP_DigestUpdate(ctx_, pending_.data(), pending_.size());
    pending_.clear();
  }

  EVP_MD_CTX *ctx_;
  std::string pending_;
};

// The hash of an entry before schema 6: the sequence number, then prev_hash, at, actor,
// action, flow, run_id, source_connector, source_key, target_connector, target_key,
// operation, changed_fields, hash_before, hash_after, detail.
std::string hash_entry(std::int64_t seq, const std::array<std::string_view, 15> &fields) {
  Digest digest;
  digest.number(seq);
  for (const auto field : fields) digest.field(field);
  return digest.hex();
}

// What a batch's hash covers before its entries: its place in the chain, the link before
// it, its chain and run-level fields, and how many entries it holds.
struct BatchHeader {
  std::int64_t chain_seq = 0;
  std::string prev_hash;
  std::string chain;
  std::string at, actor, action, flow, run_id, source_connector, target_connector;
  std::int64_t entry_count = 0;

  void feed(Digest &d) const {
    d.number(chain_seq);
    for (const std::string *f : {&prev_hash, &chain, &at, &actor, &action, &flow, &run_id,
                                 &source_connector, &target_connector}) {
      d.field(*f);
    }
    d.number(entry_count);
  }
};

// Then each entry, in seq order; record hashes as the 16 hex digits the log shows.
void feed_entry(Digest &d, std::int64_t seq, std::string_view source_key,
                std::string_view target_key, std::string_view operation,
                std::string_view changed_fields, std::string_view hash_before,
                std::string_view hash_after, std::string_view detail) {
  d.number(seq);
  for (const auto f :
       {source_key, target_key, operation, changed_fields, hash_before, hash_after, detail}) {
    d.field(f);
  }
}

// A record hash kept as a 64-bit fingerprint: its first 16 hex digits; anything else
// (empty, "deleted") is none.
std::optional<std::int64_t> fingerprint(std::string_view hash) {
  if (hash.size() < 16) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(hash.data(), hash.data() + 16, value, 16);
  if (error != std::errc() || end != hash.data() + 16) return std::nullopt;
  return static_cast<std::int64_t>(value);
}

// Its 16 hex digits in `text`, or nothing (no heap string per entry).
std::string_view fingerprint_text(const std::optional<std::int64_t> &value, char (&text)[16]) {
  if (!value) return {};
  static const char *digits = "0123456789abcdef";
  auto bits = static_cast<std::uint64_t>(*value);
  for (int i = 15; i >= 0; --i, bits >>= 4) text[static_cast<std::size_t>(i)] = digits[bits & 15];
  return {text, sizeof text};
}

// Named parameters serve both: SOCI binds them on PostgreSQL; SQLite numbers them by
// first appearance for the kept statement, bound by position.
const char *const insert_entry_sql =
    "INSERT INTO audit_entry (seq, context_id, source_key, target_key, operation, "
    "changed_fields, hash_before, hash_after, detail) VALUES (:s, :c, :a1, :a2, :a3, :a4, :a5, "
    ":a6, :a7)";

}  // namespace

// A batch begun: where it goes in its chain, and the numbers of its entries.
struct AuditLog::Batch {
  std::int64_t context_id = 0;
  BatchHeader header;
  std::vector<long long> seqs;
  std::string hash;
};

// Rows of audit_entry: bound and run one by one through a kept statement on SQLite,
// gathered and sent as one statement over vectors on PostgreSQL.
class AuditLog::EntryRows {
 public:
  explicit EntryRows(AuditLog &log) : log_(log) {}
  // `changed_fields` null: the entry's changed fields are its batch's field list.
  void add(std::int64_t seq, std::int64_t context_id, std::string_view source_key,
           std::string_view target_key, std::string_view operation,
           const std::string *changed_fields, std::optional<std::int64_t> hash_before,
           std::optional<std::int64_t> hash_after, std::string_view detail) {
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
      const std::optional<std::int64_t> hashes[] = {hash_before, hash_after};
      for (int i = 0; i < 2; ++i) {
        if (hashes[i]) {
          st.bind(7 + i, *hashes[i]);
        } else {
          st.bind_null(7 + i);
        }
      }
      if (detail.empty()) {
        st.bind_null(9);
      } else {
        st.bind(9, detail);
      }
      st.step();
      st.reset();
      return;
    }
    seqs_.push_back(seq);
    contexts_.push_back(context_id);
    const std::string_view texts[] = {source_key, target_key, operation,
                                      changed_fields ? *changed_fields : std::string_view(),
                                      detail};
    for (std::size_t i = 0; i < 5; ++i) texts_[i].emplace_back(texts[i]);
    fields_null_.push_back(changed_fields ? soci::i_ok : soci::i_null);
    detail_null_.push_back(detail.empty() ? soci::i_null : soci::i_ok);
    before_.push_back(hash_before.value_or(0));
    before_null_.push_back(hash_before ? soci::i_ok : soci::i_null);
    after_.push_back(hash_after.value_or(0));
    after_null_.push_back(hash_after ? soci::i_ok : soci::i_null);
  }

  void finish() {
    if (seqs_.empty()) return;
    log_.session_ << insert_entry_sql, soci::use(seqs_), soci::use(contexts_), soci::use(texts_[0]),
        soci::use(texts_[1]), soci::use(texts_[2]), soci::use(texts_[3], fields_null_),
        soci::use(before_, before_null_), soci::use(after_, after_null_),
        soci::use(texts_[4], detail_null_);
  }

 private:
  AuditLog &log_;
  std::vector<long long> seqs_;
  std::vector<long long> contexts_;
  std::vector<std::string> texts_[5];
  std::vector<soci::indicator> fields_null_;
  std::vector<soci::indicator> detail_null_;
  std::vector<long long> before_;
  std::vector<soci::indicator> before_null_;
  std::vector<long long> after_;
  std::vector<soci::indicator> after_null_;
};

AuditLog::AuditLog(soci::session &session, Backend backend)
    : session_(session), backend_(backend) {}

AuditLog::~AuditLog() = default;

std::string AuditLog::entry_hash(const AuditEntry &e) {
  return hash_entry(e.seq, {e.prev_hash, e.at, e.actor, e.action, e.flow, e.run_id,
                            e.source_connector, e.source_key, e.target_connector, e.target_key,
                            e.operation, e.changed_fields, e.hash_before, e.hash_after, e.detail});
}

// Takes the chain's lock before reading its head, so that two writers cannot both link to
// the same batch; writers of other chains do not wait. Numbers the batch and its entries.
AuditLog::Batch AuditLog::begin_batch(const AuditContext &c, const std::string &at,
                                      std::size_t entries) {
  Batch batch;
  const std::string &chain = c.flow;
  if (backend_ == Backend::postgresql) {
    session_ << "SELECT pg_advisory_xact_lock(742317, hashtext(:chain))", soci::use(chain);
  } else {
    session_ << "DELETE FROM audit_entry WHERE 1 = 0";  // SQLite: the write lock
  }
  long long chain_seq = 0;
  std::string prev;
  soci::indicator seq_ind = soci::i_null;
  soci::indicator hash_ind = soci::i_null;
  session_ << "SELECT chain_seq, batch_hash FROM audit_context WHERE chain = :chain "
              "ORDER BY chain_seq DESC LIMIT 1",
      soci::use(chain), soci::into(chain_seq, seq_ind), soci::into(prev, hash_ind);
  const bool any = session_.got_data() && seq_ind == soci::i_ok;
  batch.header.chain_seq = (any ? chain_seq : 0) + 1;
  batch.header.prev_hash = any && hash_ind == soci::i_ok ? prev : genesis;
  batch.header.chain = chain;
  batch.header.at = at;
  batch.header.actor = c.actor;
  batch.header.action = c.action;
  batch.header.flow = c.flow;
  batch.header.run_id = c.run_id;
  batch.header.source_connector = c.source_connector;
  batch.header.target_connector = c.target_connector;
  batch.header.entry_count = static_cast<std::int64_t>(entries);
  batch.seqs.resize(entries);
  if (backend_ == Backend::postgresql) {
    long long id = 0;
    session_ << "SELECT nextval('audit_context_seq')", soci::into(id);
    batch.context_id = id;
    const long long n = static_cast<long long>(entries);
    session_ << "SELECT nextval('audit_entry_seq') FROM generate_series(1, :n)", soci::use(n),
        soci::into(batch.seqs);
  } else {
    long long id = 0;
    long long seq = 0;
    session_ << "SELECT COALESCE(MAX(context_id), 0) FROM audit_context", soci::into(id);
    session_ << "SELECT MAX(COALESCE((SELECT MAX(seq) FROM audit_entry), 0), "
                "COALESCE((SELECT MAX(seq) FROM audit_legacy_entry), 0))",
        soci::into(seq);
    batch.context_id = id + 1;
    for (auto &s : batch.seqs) s = ++seq;
  }
  return batch;
}

// A batch is stored in two parts: its run-level fields, place in the chain and hash once,
// its entries each in a small row. An entry whose changed fields are the batch's field
// list stores NULL for them; the audit_log view puts it all back together.
void AuditLog::append(std::vector<AuditEntry> &entries) {
  if (entries.empty()) return;
  const std::string now = utc_now_text();
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
    AuditContext context{
        c.actor, c.action, c.flow, c.run_id, c.source_connector, c.target_connector, {}};
    // The field list of the first create: every other create of the batch shares it.
    for (std::size_t i = first; i < end && context.all_fields.empty(); ++i) {
      if (entries[i].operation == "create") context.all_fields = entries[i].changed_fields;
    }
    std::vector<AuditChange> changes;
    std::vector<std::string> details;
    for (std::size_t i = first; i < end; ++i) {
      AuditEntry &e = entries[i];
      log::redact_in_place(e.detail);  // an admin's reason may quote a secret
      AuditChange change;
      change.source_key = e.source_key;
      change.target_key = e.target_key;
      change.operation = e.operation.c_str();
      change.changed_fields = e.changed_fields;
      change.hash_before = e.hash_before;
      change.hash_after = e.hash_after;
      changes.push_back(std::move(change));
      details.push_back(e.detail);
    }
    const Batch batch = write_batch(context, c.at, changes, details);
    for (std::size_t i = first; i < end; ++i) {
      AuditEntry &e = entries[i];
      e.seq = batch.seqs[i - first];
      e.chain = batch.header.chain;
      e.batch = batch.header.chain_seq;
      e.batch_hash = batch.hash;
    }
    first = end;
  }
}

void AuditLog::append_changes(const AuditContext &context,
                              const std::vector<AuditChange> &changes) {
  if (changes.empty()) return;
  write_batch(context, utc_now_text(), changes, {});
}

AuditLog::Batch AuditLog::write_batch(const AuditContext &context, const std::string &at,
                                      const std::vector<AuditChange> &changes,
                                      const std::vector<std::string> &details) {
  Batch batch = begin_batch(context, at, changes.size());
  std::vector<std::optional<std::int64_t>> before(changes.size());
  std::vector<std::optional<std::int64_t>> after(changes.size());
  Digest digest;
  batch.header.feed(digest);
  char before_text[16];
  char after_text[16];
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const AuditChange &change = changes[i];
    before[i] = fingerprint(change.hash_before);
    after[i] = fingerprint(change.hash_after);
    const std::string &fields = change.all_fields ? context.all_fields : change.changed_fields;
    feed_entry(digest, batch.seqs[i], change.source_key, change.target_key, change.operation,
               fields, fingerprint_text(before[i], before_text),
               fingerprint_text(after[i], after_text),
               details.empty() ? std::string_view() : std::string_view(details[i]));
  }
  batch.hash = digest.hex();
  long long context_id = batch.context_id;
  long long chain_seq = batch.header.chain_seq;
  long long count = batch.header.entry_count;
  soci::indicator fields_ind = context.all_fields.empty() ? soci::i_null : soci::i_ok;
  session_ << "INSERT INTO audit_context (context_id, at, actor, action, flow, run_id, "
              "source_connector, target_connector, fields, chain, chain_seq, entry_count, "
              "prev_hash, batch_hash) VALUES (:id, :at, :actor, :action, :flow, :run, :source, "
              ":target, :fields, :chain, :chain_seq, :count, :prev, :hash)",
      soci::use(context_id), soci::use(at), soci::use(context.actor), soci::use(context.action),
      soci::use(context.flow), soci::use(context.run_id), soci::use(context.source_connector),
      soci::use(context.target_connector), soci::use(context.all_fields, fields_ind),
      soci::use(batch.header.chain), soci::use(chain_seq), soci::use(count),
      soci::use(batch.header.prev_hash), soci::use(batch.hash);
  EntryRows rows(*this);
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const AuditChange &change = changes[i];
    const std::string &fields = change.all_fields ? context.all_fields : change.changed_fields;
    const bool shares = !context.all_fields.empty() && fields == context.all_fields;
    rows.add(batch.seqs[i], batch.context_id, change.source_key, change.target_key,
             change.operation, shares ? nullptr : &change.changed_fields, before[i], after[i],
             details.empty() ? std::string_view() : std::string_view(details[i]));
  }
  rows.finish();
  return batch;
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

namespace {

// The entries written before schema 6: one chain over every entry, each hashed on its own.
void verify_legacy(soci::session &session, AuditVerification &v) {
  soci::rowset<soci::row> rows =
      (session.prepare << std::string("SELECT ") + columns +
                              " FROM audit_log WHERE entry_hash IS NOT NULL ORDER BY seq");
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
    } else if (AuditLog::entry_hash(e) != e.entry_hash) {
      problem = "entry " + std::to_string(e.seq) +
                " was altered: its content does not match "
                "its hash";
    }
    if (!problem.empty()) {
      v.intact = false;
      v.where = "entry " + std::to_string(e.seq);
      v.problem = problem;
      return;
    }
    expected_prev = e.entry_hash;
    expected_seq = e.seq + 1;
  }
  if (v.entries > 0) ++v.chains;
}

struct SealedBatch {
  BatchHeader header;
  std::string hash;
  std::int64_t seen = 0;
  std::int64_t first_seq = 0;
  std::int64_t last_seq = 0;
  std::unique_ptr<Digest> digest;
};

std::string batch_name(const SealedBatch &b) {
  std::string name =
      "batch " + std::to_string(b.header.chain_seq) + " of chain \"" + b.header.chain + "\"";
  if (b.seen > 0) {
    name += b.first_seq == b.last_seq ? " (entry " + std::to_string(b.first_seq) + ")"
                                      : " (entries " + std::to_string(b.first_seq) + " to " +
                                            std::to_string(b.last_seq) + ")";
  }
  return name;
}

// The chains of batches: each batch follows the one before it in its chain, and its hash
// matches its fields and exactly the entries stored for it.
void verify_chains(soci::session &session, Backend backend, AuditVerification &v) {
  std::map<std::int64_t, SealedBatch> batches;
  {
    soci::rowset<soci::row> rows =
        (session.prepare
         << "SELECT context_id, chain, chain_seq, COALESCE(entry_count, -1), "
            "COALESCE(prev_hash, ''), COALESCE(batch_hash, ''), COALESCE(at, ''), "
            "COALESCE(actor, ''), COALESCE(action, ''), COALESCE(flow, ''), "
            "COALESCE(run_id, ''), COALESCE(source_connector, ''), "
            "COALESCE(target_connector, '') FROM audit_context WHERE chain IS NOT NULL "
            "ORDER BY chain, chain_seq");
    std::string chain;
    std::int64_t expected = 0;
    std::string prev;
    bool first = true;
    for (const auto &r : rows) {
      SealedBatch b;
      const std::int64_t id = integer_at(r, 0);
      b.header.chain = r.get<std::string>(1);
      b.header.chain_seq = integer_at(r, 2);
      b.header.entry_count = integer_at(r, 3);
      b.header.prev_hash = r.get<std::string>(4);
      b.hash = r.get<std::string>(5);
      std::string *texts[] = {&b.header.at,
                              &b.header.actor,
                              &b.header.action,
                              &b.header.flow,
                              &b.header.run_id,
                              &b.header.source_connector,
                              &b.header.target_connector};
      for (std::size_t i = 0; i < 7; ++i) *texts[i] = r.get<std::string>(6 + i);
      if (first || b.header.chain != chain) {
        ++v.chains;
        chain = b.header.chain;
        expected = 1;
        prev = genesis;
        first = false;
      }
      std::string problem;
      if (b.header.chain_seq != expected) {
        problem = b.header.chain_seq == expected + 1
                      ? "batch " + std::to_string(expected) + " of its chain is missing"
                  : b.header.chain_seq > expected
                      ? "batches " + std::to_string(expected) + " to " +
                            std::to_string(b.header.chain_seq - 1) + " of its chain are missing"
                      : "it is out of sequence";
      } else if (b.header.prev_hash != prev) {
        problem =
            "it does not follow the batch before it: a batch was removed, inserted or "
            "moved here";
      }
      if (!problem.empty() && v.intact) {
        v.intact = false;
        v.where = batch_name(b);
        v.problem = problem;
      }
      expected = b.header.chain_seq + 1;
      prev = b.hash;
      batches.emplace(id, std::move(b));
    }
  }
  // Entries in seq order, each fed to its batch's hash; an entry of no batch was inserted.
  // Record hashes as the log shows them, 16 hex digits, made by the database: a row does
  // not carry a 64-bit integer through SOCI on every backend.
  const auto hex = [&](const char *column) {
    const std::string c = column;
    return backend == Backend::postgresql
               ? "COALESCE(lpad(to_hex(" + c + "), 16, '0'), '')"
               : "CASE WHEN " + c + " IS NULL THEN '' ELSE printf('%016x', " + c + ") END";
  };
  soci::rowset<soci::row> rows =
      (session.prepare << "SELECT e.seq, e.context_id, COALESCE(e.source_key, ''), "
                          "COALESCE(e.target_key, ''), COALESCE(e.operation, ''), "
                          "COALESCE(e.changed_fields, c.fields, ''), " +
                              hex("e.hash_before") + ", " + hex("e.hash_after") +
                              ", COALESCE(e.detail, '') FROM audit_entry e LEFT JOIN "
                              "audit_context c ON c.context_id = e.context_id ORDER BY e.seq");
  const auto hash_at = [](const soci::row &r, std::size_t i) { return r.get<std::string>(i); };
  for (const auto &r : rows) {
    const std::int64_t seq = integer_at(r, 0);
    const std::int64_t context_id = integer_at(r, 1);
    ++v.entries;
    const auto it = batches.find(context_id);
    if (it == batches.end()) {
      if (v.intact) {
        v.intact = false;
        v.where = "entry " + std::to_string(seq);
        v.problem = "entry " + std::to_string(seq) +
                    " belongs to no batch of any chain: it was inserted or its batch removed";
      }
      continue;
    }
    SealedBatch &b = it->second;
    if (!b.digest) {
      b.digest = std::make_unique<Digest>();
      b.header.feed(*b.digest);
      b.first_seq = seq;
    }
    b.last_seq = seq;
    ++b.seen;
    feed_entry(*b.digest, seq, r.get<std::string>(2), r.get<std::string>(3), r.get<std::string>(4),
               r.get<std::string>(5), hash_at(r, 6), hash_at(r, 7), r.get<std::string>(8));
  }
  for (auto &[id, b] : batches) {
    if (!v.intact) break;
    if (!b.digest) {
      b.digest = std::make_unique<Digest>();
      b.header.feed(*b.digest);
    }
    if (b.digest->hex() != b.hash) {
      v.intact = false;
      v.where = batch_name(b);
      v.problem = b.seen == b.header.entry_count
                      ? "its content does not match its hash: an entry in it or its shared "
                        "fields were altered, or entries were moved"
                      : "it was sealed with " + std::to_string(b.header.entry_count) +
                            " entries and holds " + std::to_string(b.seen) +
                            ": entries were removed or inserted";
    }
  }
}

}  // namespace

AuditVerification AuditLog::verify() {
  AuditVerification v;
  verify_legacy(session_, v);
  if (!v.intact) return v;
  verify_chains(session_, backend_, v);
  return v;
}

}  // namespace junction::store
