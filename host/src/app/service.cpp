#include "app/service.hpp"

#include <algorithm>
#include <csignal>

#include <spdlog/spdlog.h>

#include <soci/soci.h>
#include "app/plugin_search.hpp"
#include "app/quota_sharing.hpp"
#include "engine/quota_governor.hpp"
#include "engine/retry_policy.hpp"
#include "plugin/catalog.hpp"

#include "store/error_queue_repository.hpp"
#include "store/event_repository.hpp"
#include "store/run_repository.hpp"
#include "store/store_failure.hpp"
#include "store/sync_repository.hpp"
#include "store/timestamps.hpp"

namespace junction::app {
namespace {

using Clock = std::chrono::system_clock;
using json = nlohmann::json;

std::atomic<int> reload_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_reload_signal(int) {
  reload_signal.store(1);
}

constexpr auto watch_slice = std::chrono::milliseconds(250);

std::string time_text(std::optional<Clock::time_point> t) {
  return t ? store::utc_text(*t) : std::string();
}

bool succeeded(const std::string &status) {
  return status == "finished" || status == "finished_with_errors";
}

}  // namespace

void install_service_signal_handlers() {
  engine::install_stop_signal_handlers();
  struct sigaction action {};
  action.sa_handler = &on_reload_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGHUP, &action, nullptr);
}

bool take_reload_signal() {
  return reload_signal.exchange(0) != 0;
}

struct Service::Generation {
  std::shared_ptr<config::LoadedConfig> loaded;
  store::StoreLocation location;
  plugin::Catalog catalog;
  std::unique_ptr<CheckedConfig> webhook_instances;  // made at the first webhook
};

struct Service::Watcher {
  std::atomic<bool> stop{false};
  std::unique_ptr<CheckedConfig> checked;  // instances of its own: waits never meet runs
  std::thread thread;
};

struct Service::Job {
  std::string name;
  std::string kind;
  std::string run_name;  // its runs in the store: a flow's name, "sync:NAME"
  std::shared_ptr<Generation> generation;
  const config::FlowConfig *flow = nullptr;
  const config::SyncConfig *sync = nullptr;
  std::unique_ptr<CheckedConfig> checked;  // its own connector instances
  std::string fingerprint;
  config::Schedule schedule;
  std::vector<std::pair<std::string, std::string>> sources;  // (connector, entity) it reads

  // Guarded by Service::mutex_.
  bool running = false;
  bool queued = false;
  bool triggered = false;
  bool retired = false;
  std::weak_ptr<Job> successor;  // a reload's new definition, waiting for this run to end
  std::shared_ptr<Job> predecessor;
  std::optional<Clock::time_point> triggered_at;
  std::optional<Clock::time_point> last_start;
  std::optional<Clock::time_point> last_success;
  std::optional<Clock::time_point> next_due;
  std::optional<JobReport> last;
  std::vector<std::int64_t> earlier_reads;  // reads of the runs before `last`, latest first
  std::optional<double> last_latency;
  std::vector<std::int64_t> waiting_requests;
  std::string requested_by;
  std::shared_ptr<Watcher> watcher;
};

json RunRequest::to_json() const {
  json out = {{"request", id}, {"job", job}, {"state", state}};
  if (report) out["result"] = report->to_json();
  return out;
}

Service::Service(ServiceOptions options) : options_(std::move(options)) {
  metrics_.counter("junction_runs_total", "Runs of each flow and sync, by result.");
  metrics_.counter("junction_records_total",
                   "Records of each flow and sync by outcome (read, created, updated, "
                   "unchanged, deleted, failed, filtered, written, linked).");
  metrics_.histogram("junction_run_duration_seconds", "How long runs took.",
                     {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600});
  metrics_.histogram("junction_change_to_write_seconds",
                     "From a change noticed in a source (or a webhook received) to the end of "
                     "the run that wrote it.",
                     {0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300});
  metrics_.gauge("junction_last_success_timestamp_seconds",
                 "When the last successful run of each flow and sync ended (Unix time).");
  metrics_.gauge("junction_running", "1 while a run of the flow or sync is going.");
  metrics_.gauge("junction_error_queue_depth", "Open records in each flow's error queue.");
  metrics_.gauge("junction_review_queue_depth", "Open items in each sync's review queue.");
  metrics_.gauge("junction_api_requests_today", "Requests spent today (UTC) per API account.");
  metrics_.gauge("junction_api_budget_requests_per_day",
                 "The daily request budget of each API account (0: none).");
  metrics_.gauge("junction_api_budget_remaining_requests",
                 "Requests left of each API account's daily budget today.");
  metrics_.counter("junction_api_requests_total", "Requests this service spent per API account.");
  metrics_.counter("junction_api_throttled_total",
                   "Answers per API account that asked to slow down (HTTP 429).");
  metrics_.gauge("junction_alerts_firing", "Alerts firing now.");
  metrics_.counter("junction_webhook_events_total", "Webhook events accepted, per connector.");
  metrics_.gauge("junction_config_reload_success", "1 when the last config reload was applied.");
}

Service::~Service() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (auto &w : workers_) {
    if (w.joinable()) w.join();
  }
  for (auto &w : watchers_) {
    w->stop = true;
    if (w->thread.joinable()) w->thread.join();
  }
}

std::shared_ptr<Service::Generation> Service::load_generation(config::Diagnostics &problems) {
  auto generation = std::make_shared<Generation>();
  generation->loaded =
      std::make_shared<config::LoadedConfig>(config::load_host_config(options_.config_file));
  const auto &config = generation->loaded->config;
  problems = generation->loaded->problems;
  std::string why;
  const auto location = store::parse_store_location(config.store, config.file.parent_path(), why);
  if (!location && generation->loaded->parsed) {
    problems.push_back({options_.config_file.string(), "/store", why});
  }
  if (!problems.empty()) return nullptr;
  generation->location = *location;
  generation->catalog =
      plugin::scan_plugin_dirs(plugin_search_dirs(options_.plugin_path, config.plugin_path));
  // A full check with connectors started: what a run would refuse is refused here.
  const auto checked = check_against_plugins(config, generation->catalog, true);
  problems = checked.problems;
  if (!problems.empty()) return nullptr;
  return generation;
}

bool Service::start(config::Diagnostics &problems, std::string &failure) {
  started_ = Clock::now();
  auto generation = load_generation(problems);
  if (!generation) return false;
  const auto &config = generation->loaded->config;
  std::map<std::string, engine::QuotaLimits> budgets;
  for (const auto &[account, a] : config.accounts) {
    budgets[account] = {a.requests_per_window, std::chrono::milliseconds(a.window_ms),
                        a.requests_per_day};
  }
  engine::install_quota_governor(budgets);
  share_quota_windows(generation->location);
  plugin::set_stop_probe(&engine::stop_requested);
  try {
    lock_store_ = store::StateStore::open(generation->location);
    if (config.service.exclusive) {
      std::string holder;
      service_lock_ = store::RunLock::try_acquire(*lock_store_, "service", holder);
      if (!service_lock_) {
        failure = "another service uses the state store " + lock_store_->display_name() + ": " +
                  holder + " (set service.exclusive to false to run several)";
        return false;
      }
    }
  } catch (const std::exception &e) {
    failure = store::readable_failure(e.what());
    return false;
  }
  generation_ = generation;
  alert_sender_ = std::make_unique<AlertSender>(options_.config_file.string());
  alert_sender_->set_channels(config.alerts.channels);
  install_jobs(generation, nullptr);
  // Webhook events not yet handled when the service last stopped: their jobs run first.
  try {
    store::EventRepository events(lock_store_->session());
    for (const auto &[connector, entity] : events.pending_sources()) {
      trigger_by_source(connector, entity, 0);
    }
  } catch (const std::exception &e) {
    spdlog::warn("pending webhook events could not be read: {}", store::readable_failure(e.what()));
  }
  const int workers = std::max(1, config.service.workers);
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { worker_loop(); });
  metrics_.set("junction_config_reload_success", {}, 1);
  return true;
}

namespace {

std::string fingerprint_of(const config::HostConfig &config, const json &definition,
                           const std::vector<std::string> &connectors) {
  json f = {{"definition", definition}, {"store", config.store}};
  for (const auto &c : connectors) {
    const auto it = config.connectors.find(c);
    if (it != config.connectors.end()) {
      f["connectors"][c] = {{"plugin", it->second.plugin}, {"config", it->second.settings}};
    }
  }
  for (const auto &[account, a] : config.accounts) {
    f["accounts"][account] = {a.requests_per_window, a.window_ms, a.requests_per_day};
  }
  for (const auto &p : config.plugin_path) f["plugin_path"].push_back(p.string());
  return f.dump();
}

}  // namespace

void Service::load_history(Job &job, store::StateStore &state) {
  store::RunRepository runs(state.session());
  bool first = true;
  for (const auto &row : runs.recent(job.run_name, 50)) {
    const auto started = store::parse_utc_text(row.started_at);
    if (first) {
      job.last_start = started;
      first = false;
    }
    if (succeeded(row.status)) {
      if (!job.last_success) job.last_success = store::parse_utc_text(row.finished_at);
      job.earlier_reads.push_back(row.counts.read);
    }
  }
}

void Service::install_jobs(const std::shared_ptr<Generation> &generation, ReloadOutcome *outcome) {
  const auto &config = generation->loaded->config;
  std::map<std::string, std::shared_ptr<Job>> next;
  const auto now = Clock::now();
  std::vector<std::shared_ptr<Job>> created;
  const auto add = [&](const std::string &name, const std::string &kind,
                       const config::FlowConfig *flow, const config::SyncConfig *sync) {
    auto job = std::make_shared<Job>();
    job->name = name;
    job->kind = kind;
    job->run_name = kind == "sync" ? "sync:" + name : name;
    job->flow = flow;
    job->sync = sync;
    std::vector<std::string> connectors;
    if (flow) {
      job->schedule = flow->schedule;
      job->sources.emplace_back(flow->from.connector, flow->from.entity);
      connectors = {flow->from.connector, flow->to.connector};
    } else {
      job->schedule = sync->schedule;
      for (const auto &s : sync->systems) {
        if (s.access != "write_only") job->sources.emplace_back(s.connector, s.entity);
        connectors.push_back(s.connector);
      }
    }
    job->fingerprint =
        fingerprint_of(config, flow ? flow->definition : sync->definition, connectors);
    const std::string key = kind + ":" + name;
    const auto old = jobs_.find(key);
    if (old != jobs_.end() && old->second->fingerprint == job->fingerprint) {
      next[key] = old->second;  // untouched: its runs, watcher and instances go on
      if (outcome) outcome->kept.push_back(name);
      return;
    }
    job->generation = generation;
    job->checked =
        std::make_unique<CheckedConfig>(check_against_plugins(config, generation->catalog, true));
    if (old != jobs_.end()) {
      const auto &was = *old->second;
      job->last_start = was.last_start;
      job->last_success = was.last_success;
      job->last = was.last;
      job->earlier_reads = was.earlier_reads;
      if (was.running) job->predecessor = old->second;
    } else if (lock_store_) {
      try {
        load_history(*job, *lock_store_);
      } catch (const std::exception &e) {
        spdlog::warn("{} {}: its past runs could not be read: {}", kind, name,
                     store::readable_failure(e.what()));
      }
    }
    job->next_due = job->schedule.next_due(job->last_start, now);
    // On change: once at start (or with its new definition), for what changed meanwhile.
    if (job->schedule.on_change) job->triggered = true;
    if (outcome) outcome->changed.push_back(name);
    next[key] = job;
    created.push_back(job);
  };
  for (const auto &f : config.flows) {
    if (f.enabled) add(f.name, "flow", &f, nullptr);
  }
  for (const auto &s : config.syncs) {
    if (s.enabled) add(s.name, "sync", nullptr, &s);
  }
  std::vector<std::shared_ptr<Watcher>> stopped;
  {
    const std::lock_guard lock(mutex_);
    for (auto &[key, job] : jobs_) {
      const auto kept = next.find(key);
      if (kept != next.end() && kept->second == job) continue;
      job->retired = true;
      if (kept != next.end()) job->successor = kept->second;
      if (outcome && kept == next.end()) outcome->changed.push_back(job->name + " (removed)");
      if (job->watcher) {
        job->watcher->stop = true;
        stopped.push_back(job->watcher);
      }
      // Requests waiting for it go to its new definition, or end unanswered.
      if (kept != next.end()) {
        auto &moved = kept->second->waiting_requests;
        moved.insert(moved.end(), job->waiting_requests.begin(), job->waiting_requests.end());
      }
      job->waiting_requests.clear();
    }
    queue_.erase(
        std::remove_if(queue_.begin(), queue_.end(), [](const auto &j) { return j->retired; }),
        queue_.end());
    for (auto &[key, job] : jobs_) {
      if (job->retired) job->queued = false;
    }
    jobs_ = std::move(next);
  }
  for (auto &w : stopped) {
    if (w->thread.joinable()) w->thread.join();
    watchers_.erase(std::remove(watchers_.begin(), watchers_.end(), w), watchers_.end());
  }
  for (auto &job : created) {
    if (job->schedule.on_change) start_watcher(job);
  }
  wake_.notify_all();
}

void Service::start_watcher(const std::shared_ptr<Job> &job) {
  auto watcher = std::make_shared<Watcher>();
  watcher->checked = std::make_unique<CheckedConfig>(
      check_against_plugins(job->generation->loaded->config, job->generation->catalog, true));
  job->watcher = watcher;
  watchers_.push_back(watcher);
  Job *watched = job.get();  // the watcher is joined before its job is let go
  watcher->thread = std::thread([this, watcher, watched] {
    bool told = false;
    while (!watcher->stop && !engine::stop_requested()) {
      bool any_can_tell = false;
      bool changed = false;
      for (const auto &[connector, entity] : watched->sources) {
        try {
          const auto c =
              watcher->checked->connectors.at(connector)->wait_for_changes(entity, watch_slice);
          if (c.has_value()) any_can_tell = true;
          if (c.value_or(false)) changed = true;
        } catch (const std::exception &e) {
          spdlog::warn("{} {}: waiting for changes of {}: {}", watched->kind, watched->name,
                       connector, e.what());
          any_can_tell = true;  // it could once; try again after a pause
          engine::sleep_unless_stopped(std::chrono::seconds(5));
        }
      }
      if (changed) {
        const std::lock_guard lock(mutex_);
        watched->triggered = true;
        if (!watched->triggered_at) watched->triggered_at = Clock::now();
        wake_.notify_all();
      } else if (!any_can_tell) {
        if (!told) {
          spdlog::info(
              "{} {}: its sources cannot report changes; it runs on its interval, "
              "on webhooks and on demand",
              watched->kind, watched->name);
          told = true;
        }
        for (int i = 0; i < 20 && !watcher->stop && !engine::stop_requested(); ++i) {
          std::this_thread::sleep_for(watch_slice);
        }
      }
    }
  });
}

void Service::run() {
  while (!engine::stop_requested()) {
    if (reload_requested_.exchange(false) || take_reload_signal()) reload("SIGHUP");
    const auto now = Clock::now();
    dispatch_due(now);
    if (std::chrono::steady_clock::now() >= next_alert_check_) {
      check_alerts(now);
      const auto every = generation_ ? current_config()->config.alerts.check_every
                                     : std::chrono::milliseconds(15000);
      next_alert_check_ = std::chrono::steady_clock::now() + every;
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(100));
  }
  spdlog::info("stopping: each running flow and sync finishes its current batch");
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  work_.notify_all();
  for (auto &w : workers_) {
    if (w.joinable()) w.join();
  }
  workers_.clear();
  for (auto &w : watchers_) {
    w->stop = true;
    if (w->thread.joinable()) w->thread.join();
  }
  watchers_.clear();
  check_alerts(Clock::now());
  if (alert_sender_) alert_sender_->drain();
  {
    const std::lock_guard lock(mutex_);
    for (auto &[id, request] : requests_) {
      if (request.state != "finished") request.state = "cancelled";
    }
  }
  finished_.notify_all();
}

void Service::dispatch_due(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  for (auto &[key, job] : jobs_) {
    if (job->running || job->queued) continue;
    if (job->predecessor) {
      if (job->predecessor->running) continue;
      job->predecessor.reset();
    }
    const bool due = job->next_due && *job->next_due <= now;
    if (!due && !job->triggered && job->waiting_requests.empty()) continue;
    job->queued = true;
    queue_.push_back(job);
  }
  work_.notify_all();
}

void Service::worker_loop() {
  std::unique_ptr<store::StateStore> state;
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
    }
    try {
      if (!state) state = open_store();
    } catch (const std::exception &e) {
      spdlog::error("{} {}: the state store cannot be reached: {}", job->kind, job->name,
                    store::readable_failure(e.what()));
      const std::lock_guard lock(mutex_);
      job->queued = false;
      job->next_due = Clock::now() + std::chrono::seconds(10);
      continue;
    }
    execute(job, *state);
    if (job->last && job->last->failed && !job->last->busy &&
        job->last->message.find("store") != std::string::npos) {
      state.reset();  // a store that failed is opened afresh for the next run
    }
  }
}

void Service::execute(const std::shared_ptr<Job> &job, store::StateStore &state) {
  std::vector<std::int64_t> answering;
  std::optional<Clock::time_point> triggered_at;
  std::string actor = "service";
  const auto started = Clock::now();
  {
    const std::lock_guard lock(mutex_);
    job->queued = false;
    job->running = true;
    job->triggered = false;
    triggered_at = job->triggered_at;
    job->triggered_at.reset();
    answering.swap(job->waiting_requests);
    for (auto id : answering) requests_[id].state = "running";
    if (!answering.empty() && !job->requested_by.empty()) actor = job->requested_by;
    job->requested_by.clear();
  }
  metrics_.set("junction_running", {{"kind", job->kind}, {"flow", job->name}}, 1);
  JobReport report;
  try {
    // SQLite has one writer at a time, and a run holds the store's write transaction from
    // checkpoint to checkpoint: on a SQLite store the service runs one job at a time
    // rather than let the others time out. PostgreSQL stores run them side by side.
    std::unique_lock<std::mutex> one_writer;
    if (job->generation->location.backend == store::Backend::sqlite) {
      one_writer = std::unique_lock<std::mutex>(sqlite_writer_);
    }
    engine::Progress quiet(false);
    report = job->flow ? run_flow_once(*job->flow, *job->checked, state, quiet, actor)
                       : run_sync_once(*job->sync, *job->checked, state, actor);
  } catch (const std::exception &e) {
    report.job = job->name;
    report.kind = job->kind;
    report.failed = true;
    report.message = store::readable_failure(e.what());
    report.started_at = store::utc_text(started);
    report.finished_at = store::utc_now_text();
  }
  const auto finished = Clock::now();
  metrics_.set("junction_running", {{"kind", job->kind}, {"flow", job->name}}, 0);
  const bool ok = !report.failed && !report.interrupted;
  if (ok && !report.busy) {
    try {
      store::EventRepository(state.session())
          .mark_handled(job->sources, store::utc_text(started), report.run_id);
    } catch (const std::exception &e) {
      spdlog::warn("{} {}: webhook events could not be marked handled: {}", job->kind, job->name,
                   store::readable_failure(e.what()));
    }
  }
  std::optional<double> latency;
  if (triggered_at && ok) {
    latency = std::chrono::duration<double>(finished - *triggered_at).count();
  }
  record_metrics(*job, report, latency);
  if (report.failed && !report.busy) {
    spdlog::error("{} {} failed: {}", job->kind, job->name, report.message);
  } else if (!report.busy) {
    spdlog::info("{} {} {}: read {}, created {}, updated {}, deleted {}, failed {} in {:.2f} s",
                 job->kind, job->name, report.result(), report.counts.read, report.counts.created,
                 report.counts.updated, report.counts.deleted, report.counts.failed,
                 report.seconds);
  }
  {
    const std::lock_guard lock(mutex_);
    Job *target = job.get();
    if (job->retired) {
      if (auto next = job->successor.lock()) target = next.get();
    }
    job->running = false;
    if (!report.busy) {
      if (target->last && !target->last->failed) {
        target->earlier_reads.insert(target->earlier_reads.begin(), target->last->counts.read);
        if (target->earlier_reads.size() > 1000) target->earlier_reads.pop_back();
      }
      target->last = report;
      target->last_start = started;
      if (ok) target->last_success = finished;
      if (latency) target->last_latency = latency;
    }
    target->next_due = target->schedule.next_due(target->last_start.value_or(started), finished);
    if (report.busy || (report.failed && !ok && engine::stop_requested())) {
      // Held elsewhere: try again a little later rather than at once.
      if (!target->next_due || *target->next_due < finished + std::chrono::seconds(5)) {
        if (target->schedule.every || target->schedule.cron) {
          target->next_due = finished + std::chrono::seconds(5);
        }
      }
    }
    for (auto id : answering) {
      auto &r = requests_[id];
      r.state = "finished";
      r.report = report;
    }
    // A failed run alerts at the next look, which is now.
    next_alert_check_ = std::chrono::steady_clock::now();
  }
  finished_.notify_all();
  wake_.notify_all();
}

void Service::record_metrics(const Job &job, const JobReport &report,
                             std::optional<double> latency) {
  const Labels who = {{"flow", job.name}, {"kind", job.kind}};
  metrics_.add("junction_runs_total",
               {{"flow", job.name}, {"kind", job.kind}, {"result", report.result()}}, 1);
  if (report.busy) return;
  const std::pair<const char *, std::int64_t> outcomes[] = {{"read", report.counts.read},
                                                            {"created", report.counts.created},
                                                            {"updated", report.counts.updated},
                                                            {"unchanged", report.counts.unchanged},
                                                            {"deleted", report.counts.deleted},
                                                            {"failed", report.counts.failed},
                                                            {"filtered", report.counts.filtered},
                                                            {"written", report.counts.written},
                                                            {"linked", report.linked}};
  for (const auto &[outcome, n] : outcomes) {
    metrics_.add("junction_records_total",
                 {{"flow", job.name}, {"kind", job.kind}, {"outcome", outcome}},
                 static_cast<double>(n));
  }
  metrics_.observe("junction_run_duration_seconds", who, report.seconds);
  if (!report.failed && !report.interrupted) {
    metrics_.set("junction_last_success_timestamp_seconds", who,
                 std::chrono::duration<double>(Clock::now().time_since_epoch()).count());
  }
  if (latency) metrics_.observe("junction_change_to_write_seconds", who, *latency);
}

void Service::refresh_gauges() {
  std::vector<std::shared_ptr<Job>> jobs;
  {
    const std::lock_guard lock(mutex_);
    for (const auto &[key, job] : jobs_) jobs.push_back(job);
  }
  try {
    auto state = open_store();
    store::ErrorQueueRepository errors(state->session());
    for (const auto &job : jobs) {
      if (job->flow) {
        metrics_.set("junction_error_queue_depth", {{"flow", job->name}},
                     static_cast<double>(errors.count_open(job->name)));
      } else {
        metrics_.set("junction_review_queue_depth", {{"sync", job->name}},
                     static_cast<double>(
                         store::SyncRepository(state->session(), job->name).count_reviews("open")));
      }
    }
  } catch (const std::exception &e) {
    spdlog::warn("metrics: the state store cannot be read: {}", store::readable_failure(e.what()));
  }
  for (const auto &use : engine::QuotaGovernor::process().use_today()) {
    const Labels account = {{"account", use.account}};
    metrics_.set("junction_api_requests_today", account, static_cast<double>(use.used));
    metrics_.set("junction_api_budget_requests_per_day", account,
                 static_cast<double>(use.limits.per_day));
    if (use.limits.per_day > 0) {
      metrics_.set("junction_api_budget_remaining_requests", account,
                   static_cast<double>(std::max<std::int64_t>(0, use.limits.per_day - use.used)));
    }
  }
  for (const auto &[account, totals] : engine::QuotaGovernor::process().lifetime_totals()) {
    const Labels labels = {{"account", account}};
    const double requests = totals.first - metrics_.value("junction_api_requests_total", labels);
    const double throttled = totals.second - metrics_.value("junction_api_throttled_total", labels);
    if (requests > 0) metrics_.add("junction_api_requests_total", labels, requests);
    if (throttled > 0) metrics_.add("junction_api_throttled_total", labels, throttled);
  }
  metrics_.set("junction_alerts_firing", {}, static_cast<double>(alert_tracker_firing_count()));
}

std::string Service::metrics_text() {
  refresh_gauges();
  return metrics_.render();
}

void Service::check_alerts(Clock::time_point now) {
  const auto config = current_config();
  if (!config || config->config.alerts.rules.empty()) return;
  std::vector<JobObservation> observations;
  {
    const std::lock_guard lock(mutex_);
    for (const auto &[key, job] : jobs_) {
      JobObservation o;
      o.job = job->name;
      o.watched_since = started_;
      o.last_success = job->last_success;
      if (job->last && !job->last->busy) {
        o.last_run_failed = job->last->failed && !job->last->interrupted;
        o.last_run_message = job->last->message;
        o.last_run_read = job->last->counts.read;
      }
      o.earlier_reads = job->earlier_reads;
      o.last_latency_seconds = job->last_latency;
      observations.push_back(std::move(o));
    }
  }
  try {
    auto state = open_store();
    store::ErrorQueueRepository errors(state->session());
    for (auto &o : observations) o.open_errors = errors.count_open(o.job);
  } catch (const std::exception &e) {
    spdlog::warn("alerts: the state store cannot be read: {}", store::readable_failure(e.what()));
  }
  std::vector<AccountObservation> accounts;
  for (const auto &use : engine::QuotaGovernor::process().use_today()) {
    accounts.push_back({use.account, use.used, use.limits.per_day});
  }
  const auto active = evaluate_alerts(config->config.alerts.rules, observations, accounts, now);
  std::vector<AlertEvent> events;
  {
    const std::lock_guard lock(alerts_mutex_);
    events = alert_tracker_.update(active, now);
  }
  if (!events.empty()) alert_sender_->send(events);
}

std::size_t Service::alert_tracker_firing_count() {
  const std::lock_guard lock(alerts_mutex_);
  return alert_tracker_.firing().size();
}

std::vector<AlertEvent> Service::firing_alerts() {
  const std::lock_guard lock(alerts_mutex_);
  return alert_tracker_.firing();
}

ReloadOutcome Service::reload(const std::string &actor) {
  ReloadOutcome outcome;
  const std::lock_guard reloading(reload_mutex_);
  auto generation = load_generation(outcome.problems);
  if (!generation) {
    spdlog::error("config reload asked by {} refused, {} problems; the running config stays:",
                  actor, outcome.problems.size());
    for (const auto &p : outcome.problems) spdlog::error("  {}", p.to_string());
    metrics_.set("junction_config_reload_success", {}, 0);
    return outcome;
  }
  if (generation->location.display != generation_->location.display) {
    outcome.message =
        "the state store cannot change while the service runs; restart it to "
        "use " +
        generation->location.display;
    spdlog::error("config reload asked by {} refused: {}", actor, outcome.message);
    metrics_.set("junction_config_reload_success", {}, 0);
    return outcome;
  }
  const auto &old_service = generation_->loaded->config.service;
  const auto &new_service = generation->loaded->config.service;
  if (old_service.listen_host != new_service.listen_host ||
      old_service.listen_port != new_service.listen_port ||
      old_service.tls_certificate != new_service.tls_certificate ||
      old_service.workers != new_service.workers) {
    spdlog::warn(
        "service.listen, service.tls and service.workers take effect at the next "
        "start; the rest of the new config applies now");
  }
  install_jobs(generation, &outcome);
  {
    const std::lock_guard lock(mutex_);
    generation_ = generation;
  }
  alert_sender_->set_channels(generation->loaded->config.alerts.channels);
  outcome.applied = true;
  metrics_.set("junction_config_reload_success", {}, 1);
  spdlog::info("config reloaded by {}: {} changed ({}), {} untouched", actor,
               outcome.changed.size(), fmt::join(outcome.changed, ", "), outcome.kept.size());
  return outcome;
}

std::optional<std::int64_t> Service::request_run(const std::string &name, const std::string &actor,
                                                 std::string &why) {
  const std::lock_guard lock(mutex_);
  std::shared_ptr<Job> job;
  for (const auto &[key, j] : jobs_) {
    if (j->name == name && (!job || j->kind == "flow")) job = j;
  }
  if (!job) {
    why = "no enabled flow or sync is named '" + name + "'";
    return std::nullopt;
  }
  if (stopping_) {
    why = "the service is stopping";
    return std::nullopt;
  }
  const std::int64_t id = next_request_++;
  requests_[id] = RunRequest{id, job->name, "queued", std::nullopt};
  job->waiting_requests.push_back(id);
  job->requested_by = actor;
  // Old answered requests are forgotten; a thousand are plenty to poll.
  while (requests_.size() > 1000 && requests_.begin()->second.state == "finished") {
    requests_.erase(requests_.begin());
  }
  wake_.notify_all();
  return id;
}

std::optional<RunRequest> Service::run_request(std::int64_t id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto found = [&] { return requests_.find(id); };
  if (found() == requests_.end()) return std::nullopt;
  finished_.wait_for(lock, timeout, [&] {
    const auto it = found();
    return it == requests_.end() || it->second.state == "finished" ||
           it->second.state == "cancelled";
  });
  const auto it = found();
  if (it == requests_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Service::trigger_by_source(const std::string &connector,
                                                    const std::string &entity,
                                                    std::int64_t events) {
  std::vector<std::string> triggered;
  const std::lock_guard lock(mutex_);
  for (auto &[key, job] : jobs_) {
    if (!job->schedule.on_change) continue;
    for (const auto &[c, e] : job->sources) {
      if (c != connector || (!entity.empty() && e != entity)) continue;
      job->triggered = true;
      if (!job->triggered_at) job->triggered_at = Clock::now();
      triggered.push_back(job->name);
      break;
    }
  }
  if (events > 0) {
    metrics_.add("junction_webhook_events_total", {{"connector", connector}},
                 static_cast<double>(events));
  }
  wake_.notify_all();
  return triggered;
}

Service::WebhookAnswer Service::accept_webhook(
    const std::string &connector, const plugin::ConnectorInstance::WebhookRequest &request) {
  std::shared_ptr<Generation> generation;
  {
    const std::lock_guard lock(mutex_);
    generation = generation_;
  }
  std::vector<std::pair<std::string, std::string>> changes;
  {
    const std::lock_guard lock(webhook_mutex_);
    if (!generation->loaded->config.connectors.contains(connector)) {
      return {404, {{"error", "no connector named '" + connector + "'"}}};
    }
    if (!generation->webhook_instances) {
      generation->webhook_instances = std::make_unique<CheckedConfig>(
          check_against_plugins(generation->loaded->config, generation->catalog, true));
    }
    auto &instance = *generation->webhook_instances->connectors.at(connector);
    if (!instance.can_receive_webhooks()) {
      return {404, {{"error", "connector '" + connector + "' takes no webhooks"}}};
    }
    try {
      changes = instance.webhook(request).value_or(changes);
    } catch (const plugin::CallError &e) {
      if (e.status() == JN_RECORD_REJECTED) {
        spdlog::warn("webhook for {} refused: {}", connector, e.what());
        return {401, {{"error", e.what()}}};
      }
      spdlog::error("webhook for {} failed: {}", connector, e.what());
      return {500, {{"error", e.what()}}};
    }
  }
  std::map<std::string, json> keys_by_entity;
  for (const auto &[entity, key] : changes) keys_by_entity[entity].push_back(key);
  try {
    auto state = open_store();
    store::EventRepository events(state->session());
    soci::transaction transaction(state->session());
    for (const auto &[entity, keys] : keys_by_entity) events.add(connector, entity, keys.dump());
    transaction.commit();
  } catch (const std::exception &e) {
    // Not kept, not accepted: the sender tries again.
    spdlog::error("webhook for {} could not be kept: {}", connector,
                  store::readable_failure(e.what()));
    return {503, {{"error", "the state store cannot keep the event now; send it again"}}};
  }
  json triggered = json::array();
  for (const auto &[entity, keys] : keys_by_entity) {
    for (const auto &job :
         trigger_by_source(connector, entity, static_cast<std::int64_t>(keys.size()))) {
      triggered.push_back(job);
    }
  }
  return {202, {{"accepted", changes.size()}, {"triggered", triggered}}};
}

std::vector<JobStatus> Service::jobs() {
  std::vector<JobStatus> out;
  const auto now = Clock::now();
  const std::lock_guard lock(mutex_);
  for (const auto &[key, job] : jobs_) {
    JobStatus s;
    s.name = job->name;
    s.kind = job->kind;
    s.schedule = job->schedule.describe();
    s.running = job->running;
    s.pending = job->queued || job->triggered || !job->waiting_requests.empty();
    s.last = job->last;
    s.last_success_at = time_text(job->last_success);
    s.next_run_at = time_text(job->next_due);
    if (job->last_success) {
      s.lag_seconds = std::chrono::duration<double>(now - *job->last_success).count();
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<JobStatus> Service::job(const std::string &name) {
  for (auto &s : jobs()) {
    if (s.name == name) return s;
  }
  return std::nullopt;
}

bool Service::ready(std::string &why) {
  if (!generation_) {
    why = "no config loaded";
    return false;
  }
  try {
    auto state = open_store();
    state->schema_version();
  } catch (const std::exception &e) {
    why = "the state store cannot be reached: " + store::readable_failure(e.what());
    return false;
  }
  return true;
}

std::shared_ptr<const config::LoadedConfig> Service::current_config() {
  const std::lock_guard lock(mutex_);
  return generation_ ? generation_->loaded : nullptr;
}

std::unique_ptr<store::StateStore> Service::open_store() {
  store::StoreLocation location;
  {
    const std::lock_guard lock(mutex_);
    location = generation_->location;
  }
  return store::StateStore::open(location);
}

}  // namespace junction::app
