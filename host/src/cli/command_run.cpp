// junction run --config FILE: the service. Runs each flow and sync on its schedule, serves
// the admin API, and stops on SIGTERM after each running job's current batch.
#include <iostream>

#include <spdlog/spdlog.h>

#include "api/admin_api.hpp"
#include "app/service.hpp"
#include "cli/command.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_options.hpp"
#include "engine/retry_policy.hpp"

namespace junction::cli {

namespace po = boost::program_options;

int run_service(const CommandArgs &command) {
  po::options_description options("options");
  options.add_options()("config,c", po::value<std::string>()->required(), "config file");
  add_plugin_path_option(options);
  po::variables_map values;
  int code = exit_ok;
  if (!parse_command_line(command, "--config FILE [--plugin-path DIR]...", options, values, code)) {
    return code;
  }
  app::install_service_signal_handlers();
  app::Service service({values["config"].as<std::string>(), plugin_path_values(values)});
  config::Diagnostics problems;
  std::string failure;
  if (!service.start(problems, failure)) {
    if (!problems.empty()) {
      print_diagnostics(command.err, problems);
      command.err << problems.size() << (problems.size() == 1 ? " problem" : " problems") << " in "
                  << values["config"].as<std::string>() << "; the service did not start\n";
      return exit_usage;
    }
    command.err << "junction run: " << failure << "\n";
    return exit_failed;
  }
  api::AdminApi admin(service);
  std::string why;
  const auto settings = service.current_config()->config.service;
  if (!admin.start(settings, why)) {
    command.err << "junction run: " << why << "\n";
    return exit_failed;
  }
  command.out << "junction run: admin API on "
              << (settings.tls_certificate.empty() ? "http" : "https") << "://"
              << settings.listen_host << ":" << admin.port() << "\n";
  command.out.flush();
  if (settings.tokens.empty()) {
    spdlog::warn("service.tokens names no API token: only /healthz and /readyz answer");
  }
  service.run();
  admin.stop();
  spdlog::info("stopped");
  return exit_ok;
}

}  // namespace junction::cli
