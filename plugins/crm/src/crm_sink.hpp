// Writes records to one object type in batches of at most 100: by object ID when the
// host knows the record's ID in the CRM (batch update), else by the unique property
// (batch upsert, e.g. email), else as new objects (batch create); deletes archive the
// object. Results and per-record errors of batch and multi-status answers become
// per-record outcomes, with the CRM's IDs as target keys. A batch the API refuses whole
// (400, 409, 422) is split in halves until the record it objects to is alone.
// Updates and deletes that state what the object should still hold are checked by one batch
// read just before they are sent (the API has no conditional update): an edit made in the
// CRM since the host read the object is not overwritten, unless it lands in the moment
// between that read and the write.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_client.hpp"
#include "crm_settings.hpp"
#include "junction/connector.hpp"

namespace junction::crm {

class CrmSink : public Sink {
 public:
  CrmSink(const CrmSettings &settings, const EntitySettings &entity, Host host,
          const SinkRequest &request);
  void write(const BatchView &batch, Outcomes &outcomes) override;

 private:
  enum class Way { update, upsert, create };
  struct Input {
    std::size_t record;  // index in the host's batch
    std::string id;      // object ID, or the unique property's value for upserts
    nlohmann::json properties;
  };

  void send(Way way, std::vector<Input> inputs, Outcomes &outcomes);
  void send_chunk(Way way, const std::vector<Input> &inputs, Outcomes &outcomes);
  void archive(std::vector<Input> inputs, Outcomes &outcomes);
  // The inputs whose objects still hold what the batch expects of them (jn_batch.expected),
  // read just before they are written; the others are answered JN_STALE.
  // `by_unique`: the inputs are upserts, found by the unique property's value.
  std::vector<Input> still_as_expected(const BatchView &batch, std::vector<Input> inputs,
                                       Outcomes &outcomes, bool by_unique);
  // Object IDs of `values` of the unique property (for deletes without a known ID).
  std::vector<std::optional<std::string>> find_ids(const std::vector<std::string> &values);

  const EntitySettings &entity_;
  Host host_;
  ApiClient api_;
  std::vector<std::string> key_fields_;
};

}  // namespace junction::crm
