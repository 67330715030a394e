// junction review list | show ID | approve ID | reject ID | resolve ID --take SYSTEM |
// --set VALUE | link ID --to LINK: the review queue of syncs. A thin face over
// app/sync_review: settling an item changes the sync's state; the next cycle writes.
#include <functional>
#include <iomanip>
#include <ostream>

#include <nlohmann/json.hpp>

#include "app/json_output.hpp"
#include "app/sync_review.hpp"
#include "cli/actor.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/store_session.hpp"

namespace junction::cli {
namespace {

namespace po = boost::program_options;

nlohmann::json to_json(const store::SyncReview &r) {
  return {{"id", r.id},
          {"sync", r.sync},
          {"kind", r.kind},
          {"link", r.link_id},
          {"field", r.field},
          {"system", r.system},
          {"key", r.member_key},
          {"detail", nlohmann::json::parse(r.detail.empty() ? "{}" : r.detail, nullptr, false)},
          {"status", r.status},
          {"created_at", r.created_at},
          {"resolved_at", r.resolved_at},
          {"resolved_by", r.resolved_by},
          {"resolution", r.resolution}};
}

using Decide =
    std::function<bool(const po::variables_map &, app::ReviewDecision &, std::ostream &)>;

// Settles review ID with the decision `decide` reads from the command line.
int settle(const CommandArgs &command, const char *synopsis, po::options_description &options,
           const Decide &decide) {
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "id", po::value<long long>(), "review id")("reason", po::value<std::string>(),
                                                 "why, for the audit");
  add_actor_option(options);
  po::positional_options_description positional;
  positional.add("id", 1);
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, synopsis, options, values, code, &positional)) return code;
  if (values.count("id") == 0U) {
    command.err << "junction review: name the review id\n";
    return exit_usage;
  }
  app::ReviewDecision decision;
  decision.actor = actor_of(values);
  if (values.count("reason") != 0U) decision.reason = values["reason"].as<std::string>();
  if (!decide(values, decision, command.err)) return exit_usage;
  auto session = open_store_session(values["config"].as<std::string>(), command.err, code);
  if (!session) return code;
  const long long id = values["id"].as<long long>();
  try {
    const auto done = app::settle_review(*session->store, session->config, id, decision);
    command.out << "review " << id << ": " << done << "; the next junction sync writes it\n";
  } catch (const app::ReviewError &e) {
    command.err << "junction review: " << e.what() << "\n";
    return exit_usage;
  }
  return exit_ok;
}

}  // namespace

int run_review_list(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "sync", po::value<std::string>(), "only this sync")(
      "all", "every item, settled ones too (default: open ones)")("json", "print JSON lines");
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "--config FILE [--sync NAME] [--all] [--json]", options, values,
                          code)) {
    return code;
  }
  auto session = open_store_session(values["config"].as<std::string>(), command.err, code);
  if (!session) return code;
  const auto reviews = app::list_reviews(
      *session->store, values.count("sync") != 0U ? values["sync"].as<std::string>() : "",
      values.count("all") != 0U ? "" : "open", 100000);
  const bool as_json = values.count("json") != 0U;
  app::JsonOutput json;
  if (!as_json) {
    command.out << std::left << std::setw(7) << "ID" << std::setw(16) << "SYNC" << std::setw(18)
                << "KIND" << std::setw(28) << "RECORD" << std::setw(14) << "FIELD"
                << "STATUS\n";
  }
  for (const auto &r : reviews) {
    if (as_json) {
      command.out << json.dump(to_json(r)) << "\n";
      continue;
    }
    command.out << std::left << std::setw(7) << r.id << std::setw(16) << r.sync << std::setw(18)
                << r.kind << std::setw(28) << (r.system + ":" + r.member_key) << std::setw(14)
                << r.field << r.status << "\n";
  }
  json.report(command.err, "reviews");
  return exit_ok;
}

int run_review_show(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file")(
      "id", po::value<long long>(), "review id");
  po::positional_options_description positional;
  positional.add("id", 1);
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "ID --config FILE", options, values, code, &positional)) {
    return code;
  }
  if (values.count("id") == 0U) {
    command.err << "junction review show: name the review id\n";
    return exit_usage;
  }
  auto session = open_store_session(values["config"].as<std::string>(), command.err, code);
  if (!session) return code;
  try {
    const auto review = app::show_review(*session->store, values["id"].as<long long>());
    command.out << to_json(review).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
  } catch (const app::ReviewError &e) {
    command.err << "junction review show: " << e.what() << "\n";
    return exit_usage;
  }
  return exit_ok;
}

int run_review_approve(const CommandArgs &command) {
  po::options_description options("options");
  return settle(command, "ID --config FILE [--reason TEXT] [--actor NAME]", options,
                [](const po::variables_map &, app::ReviewDecision &d, std::ostream &) {
                  d.kind = app::ReviewDecision::Kind::approve;
                  return true;
                });
}

int run_review_reject(const CommandArgs &command) {
  po::options_description options("options");
  return settle(command, "ID --config FILE [--reason TEXT] [--actor NAME]", options,
                [](const po::variables_map &, app::ReviewDecision &d, std::ostream &) {
                  d.kind = app::ReviewDecision::Kind::reject;
                  return true;
                });
}

int run_review_resolve(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("take", po::value<std::string>(), "the system whose value wins")(
      "set", po::value<std::string>(), "the value the field takes everywhere");
  return settle(command, "ID (--take SYSTEM | --set VALUE) --config FILE [--actor NAME]", options,
                [](const po::variables_map &v, app::ReviewDecision &d, std::ostream &err) {
                  if ((v.count("take") != 0U) == (v.count("set") != 0U)) {
                    err << "junction review resolve: give --take SYSTEM or --set VALUE\n";
                    return false;
                  }
                  if (v.count("take") != 0U) {
                    d.kind = app::ReviewDecision::Kind::take;
                    d.system = v["take"].as<std::string>();
                  } else {
                    d.kind = app::ReviewDecision::Kind::set;
                    d.value = v["set"].as<std::string>();
                  }
                  return true;
                });
}

int run_review_link(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("to", po::value<long long>(), "the link (record) it is");
  return settle(command, "ID --to LINK --config FILE [--actor NAME]", options,
                [](const po::variables_map &v, app::ReviewDecision &d, std::ostream &err) {
                  if (v.count("to") == 0U) {
                    err << "junction review link: give --to LINK\n";
                    return false;
                  }
                  d.kind = app::ReviewDecision::Kind::link;
                  d.link = v["to"].as<long long>();
                  return true;
                });
}

}  // namespace junction::cli
