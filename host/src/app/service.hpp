// The long-running service (`junction run`): each flow and sync on its own schedule
// (interval, cron, on change, or on demand) on a bounded pool of workers, one run of a job
// at a time; change watchers and webhooks that trigger runs; a config reload that leaves
// unchanged jobs alone; metrics and alerts. The CLI and the admin API drive it; neither
// touches the store or the engine itself.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/alert_delivery.hpp"
#include "app/alert_rules.hpp"
#include "app/config_check.hpp"
#include "app/job_runs.hpp"
#include "app/job_status.hpp"
#include "app/metrics.hpp"
#include "config/host_config.hpp"
#include "store/run_lock.hpp"
#include "store/state_store.hpp"

namespace junction::app {

struct ServiceOptions {
  std::filesystem::path config_file;
  std::vector<std::filesystem::path> plugin_path;  // from the command line
};

struct ReloadOutcome {
  bool applied = false;
  config::Diagnostics problems;
  std::vector<std::string> changed;  // jobs added, changed or removed
  std::vector<std::string> kept;     // jobs left untouched
  std::string message;               // why it was refused, when not by config problems
};

// A request to run a job now; its report once a run that started after the request ended.
struct RunRequest {
  std::int64_t id = 0;
  std::string job;
  std::string state;  // queued, running, finished
  std::optional<JobReport> report;
  nlohmann::json to_json() const;
};

class Service {
 public:
  explicit Service(ServiceOptions options);
  ~Service();
  Service(const Service &) = delete;
  Service &operator=(const Service &) = delete;

  // Loads and checks the config, opens the store and takes the service's place in it.
  // Returns false with every problem (or the failure) set.
  bool start(config::Diagnostics &problems, std::string &failure);
  // Schedules, triggers and alerts until a stop is requested (SIGTERM); then waits for each
  // running job to finish its current batch and checkpoint. Reloads when asked to by
  // request_reload() (SIGHUP).
  void run();
  void request_reload() { reload_requested_ = true; }
  // Applies the config file as it is now; refused whole when it has any problem.
  ReloadOutcome reload(const std::string &actor);

  // Asks for a run of `job` now; nullopt with `why` when there is no such job.
  std::optional<std::int64_t> request_run(const std::string &job, const std::string &actor,
                                          std::string &why);
  // The request's state; waits up to `timeout` for its report first.
  std::optional<RunRequest> run_request(std::int64_t id, std::chrono::milliseconds timeout);

  // A webhook for `connector`: the connector verifies it and names what changed; the events
  // are in the store before this returns, and the on-change jobs reading those entities run
  // at once (the others find the events at their next run).
  struct WebhookAnswer {
    int status = 202;  // 202 accepted, 401 refused, 404 no such connector, 500 failure
    nlohmann::json body;
  };
  WebhookAnswer accept_webhook(const std::string &connector,
                               const plugin::ConnectorInstance::WebhookRequest &request);
  // Runs the on-change jobs reading (connector, entity) at once; returns their names.
  std::vector<std::string> trigger_by_source(const std::string &connector,
                                             const std::string &entity, std::int64_t events);

  std::vector<JobStatus> jobs();
  std::optional<JobStatus> job(const std::string &name);
  bool ready(std::string &why);
  std::string metrics_text();
  std::vector<AlertEvent> firing_alerts();

  // The config in force (reloads replace it; holders keep theirs).
  std::shared_ptr<const config::LoadedConfig> current_config();
  std::unique_ptr<store::StateStore> open_store();
  const std::vector<std::filesystem::path> &plugin_path() const { return options_.plugin_path; }

 private:
  struct Generation;
  struct Job;
  struct Watcher;

  std::shared_ptr<Generation> load_generation(config::Diagnostics &problems);
  void install_jobs(const std::shared_ptr<Generation> &generation, ReloadOutcome *outcome);
  void start_watcher(const std::shared_ptr<Job> &job);
  void worker_loop();
  void execute(const std::shared_ptr<Job> &job, store::StateStore &state);
  void dispatch_due(std::chrono::system_clock::time_point now);
  void check_alerts(std::chrono::system_clock::time_point now);
  void record_metrics(const Job &job, const JobReport &report, std::optional<double> latency);
  void refresh_gauges();
  void load_history(Job &job, store::StateStore &state);
  std::size_t alert_tracker_firing_count();

  ServiceOptions options_;
  std::shared_ptr<Generation> generation_;
  std::unique_ptr<store::StateStore> lock_store_;  // holds the service lock
  std::unique_ptr<store::RunLock> service_lock_;

  std::mutex mutex_;                  // guards everything below
  std::condition_variable wake_;      // the scheduler: a trigger, a request, a finish
  std::condition_variable finished_;  // run requests waiting for their report
  std::condition_variable work_;      // workers: a job queued, or stopping
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::map<std::int64_t, RunRequest> requests_;
  std::int64_t next_request_ = 1;
  std::vector<std::thread> workers_;
  std::vector<std::shared_ptr<Watcher>> watchers_;
  bool stopping_ = false;
  std::atomic<bool> reload_requested_{false};
  std::chrono::system_clock::time_point started_;

  std::mutex reload_mutex_;
  std::mutex sqlite_writer_;  // on a SQLite store, one run at a time
  std::mutex webhook_mutex_;  // webhooks go through instances of their own, one at a time  // one
                              // reload at a time (SIGHUP and the API)
  Metrics metrics_;
  std::mutex alerts_mutex_;
  AlertTracker alert_tracker_;
  std::unique_ptr<AlertSender> alert_sender_;
  std::chrono::steady_clock::time_point next_alert_check_{};
};

// SIGHUP asks the service to reload; SIGTERM and SIGINT to stop (engine's stop flag).
void install_service_signal_handlers();
bool take_reload_signal();

}  // namespace junction::app
