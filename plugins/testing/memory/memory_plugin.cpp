// Test plugin "memory": serves records from its config; keeps what it is sent.
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include <junction/sdk.hpp>

namespace {

using nlohmann::json;

junction::Value to_value(const json &v, std::string &scratch) {
  switch (v.type()) {
    case json::value_t::null: return junction::Value::null();
    case json::value_t::boolean: return junction::Value::boolean(v.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return junction::Value::int64(v.get<std::int64_t>());
    case json::value_t::number_float: return junction::Value::float64(v.get<double>());
    case json::value_t::string: return junction::Value::string(v.get_ref<const std::string &>());
    default: scratch = v.dump(); return junction::Value::json(scratch);
  }
}

json from_value(const junction::Value &v) {
  switch (v.type()) {
    case junction::ValueType::null: return nullptr;
    case junction::ValueType::boolean: return v.as_bool();
    case junction::ValueType::int64:
    case junction::ValueType::timestamp:
    case junction::ValueType::date: return v.as_int64();
    case junction::ValueType::float64: return v.as_double();
    case junction::ValueType::json: return json::parse(v.text());
    default: return std::string(v.text());
  }
}

class MemorySource : public junction::Source {
 public:
  MemorySource(json records, const junction::SourceRequest &request)
      : records_(std::move(records)), key_(request.key_fields), batch_size_(request.batch_size) {
    if (!request.cursor.empty()) position_ = std::stoul(request.cursor);
    std::set<std::string> names;
    for (const auto &r : records_) {
      for (auto it = r.begin(); it != r.end(); ++it) names.insert(it.key());
    }
    fields_.assign(names.begin(), names.end());
  }

  void next(junction::SourceBatch &out) override {
    out.records.set_fields(fields_);
    std::vector<std::uint32_t> key_indices;
    for (const auto &k : key_) {
      for (std::uint32_t i = 0; i < fields_.size(); ++i) {
        if (fields_[i] == k) key_indices.push_back(i);
      }
    }
    out.records.set_key_fields(key_indices);
    std::string scratch;
    while (position_ < records_.size() && out.records.size() < batch_size_) {
      const auto &r = records_[position_];
      const auto row = out.records.add_record(junction::Operation::upsert, JN_TIME_UNKNOWN,
                                              "record " + std::to_string(position_ + 1));
      for (std::size_t f = 0; f < fields_.size(); ++f) {
        if (auto it = r.find(fields_[f]); it != r.end()) {
          out.records.set(row, f, to_value(*it, scratch));
        }
      }
      ++position_;
    }
    out.cursor = std::to_string(position_);
    out.end = position_ >= records_.size();
  }

 private:
  json records_;
  std::vector<std::string> key_;
  std::uint32_t batch_size_;
  std::vector<std::string> fields_;
  std::size_t position_ = 0;
};

class MemorySink : public junction::Sink {
 public:
  MemorySink(std::map<std::string, json> &store, std::set<std::string> reject_keys,
             std::vector<std::string> key_fields, std::string dump_to, bool assign_ids)
      : store_(store),
        reject_(std::move(reject_keys)),
        key_fields_(std::move(key_fields)),
        dump_to_(std::move(dump_to)),
        assign_ids_(assign_ids) {}

  void write(const junction::BatchView &batch, junction::Outcomes &outcomes) override {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto record = batch.record(i);
      json object = json::object();
      for (std::size_t f = 0; f < batch.field_count(); ++f) {
        const auto v = record.value(f);
        if (!v.is_absent()) object[std::string(batch.field_name(f))] = from_value(v);
      }
      std::string key;
      for (const auto &k : key_fields_) {
        const json part = object.contains(k) ? object[k] : json();
        key +=
            (key.empty() ? "" : "|") + (part.is_string() ? part.get<std::string>() : part.dump());
      }
      if (reject_.contains(key)) {
        outcomes.rejected(i, "key " + key + " is on the reject list");
        continue;
      }
      if (assign_ids_) {
        // Like a CRM: a record is known by the ID this system gave it, whatever its fields.
        std::string id(batch.member_key(i));
        if (record.operation() == junction::Operation::remove) {
          store_.erase(id);
          outcomes.written(i, junction::WriteAction::deleted);
          continue;
        }
        const bool existed = !id.empty() && store_.contains(id);
        if (!existed) id = "m-" + std::to_string(store_.size() + 1);
        object["_id"] = id;
        store_[id] = object;
        outcomes.written(
            i, existed ? junction::WriteAction::updated : junction::WriteAction::created, id);
        continue;
      }
      if (record.operation() == junction::Operation::remove) {
        store_.erase(key);
        outcomes.written(i, junction::WriteAction::deleted);
        continue;
      }
      const bool existed = store_.contains(key);
      store_[key] = object;
      outcomes.written(i,
                       existed ? junction::WriteAction::updated : junction::WriteAction::created);
    }
  }

  void commit() override {
    if (dump_to_.empty()) return;
    json all = json::array();
    for (const auto &[key, value] : store_) all.push_back(value);
    const std::string temp = dump_to_ + ".tmp";
    {
      std::ofstream out(temp, std::ios::trunc);
      out << all.dump(2) << "\n";
      if (!out) throw junction::TransientError("cannot write " + temp);
    }
    if (std::rename(temp.c_str(), dump_to_.c_str()) != 0) {
      throw junction::TransientError("cannot rename " + temp);
    }
  }

 private:
  std::map<std::string, json> &store_;
  std::set<std::string> reject_;
  std::vector<std::string> key_fields_;
  std::string dump_to_;
  bool assign_ids_;
};

class MemoryConnector : public junction::Connector {
 public:
  explicit MemoryConnector(const junction::ConnectorInit &init)
      : Connector(init), config_(json::parse(init.config)) {
    for (const auto &k : config_.value("reject_keys", std::vector<std::string>{})) {
      reject_.insert(k);
    }
  }

  std::unique_ptr<junction::Source> open_source(const junction::SourceRequest &request) override {
    const json entities = config_.value("entities", json::object());
    if (!entities.contains(request.entity)) {
      throw junction::ConfigError("no records configured for entity '" + request.entity + "'");
    }
    host().log(junction::LogLevel::debug, "reading " + request.entity);
    return std::make_unique<MemorySource>(entities[request.entity], request);
  }

  std::unique_ptr<junction::Sink> open_sink(const junction::SinkRequest &request) override {
    const std::string dump_to = resolve_path(config_.value("dump_to", ""));
    auto &store = stores_[request.entity];
    // A target that already holds records: what the last commit dumped is there again.
    if (store.empty() && !dump_to.empty()) {
      std::ifstream in(dump_to);
      const json held = in ? json::parse(in, nullptr, false) : json();
      for (const auto &record : held.is_array() ? held : json::array()) {
        if (record.contains("_id")) {
          store[record["_id"].get<std::string>()] = record;
          continue;
        }
        std::string key;
        for (const auto &k : request.key_fields) {
          const json part = record.contains(k) ? record[k] : json();
          key +=
              (key.empty() ? "" : "|") + (part.is_string() ? part.get<std::string>() : part.dump());
        }
        store[key] = record;
      }
    }
    return std::make_unique<MemorySink>(store, reject_, request.key_fields, dump_to,
                                        config_.value("assign_ids", false));
  }

 private:
  json config_;
  std::set<std::string> reject_;
  std::map<std::string, std::map<std::string, json>> stores_;
};

}  // namespace

JUNCTION_PLUGIN(MemoryConnector, JUNCTION_SOURCE_AND_SINK)
