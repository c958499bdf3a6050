// The `xinzhi` command: global options, subcommands, and the mapping of errors to exit codes
// (0 ok, 1 usage, 2 bad input, 3 internal).
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/suggest.hpp"
#include "core/error.hpp"
#include "core/logging.hpp"
#include "core/progress.hpp"

#ifndef XINZHI_VERSION
#define XINZHI_VERSION "0.0.0"
#endif

namespace {

// The names a user could have meant at the level where parsing stopped.
std::vector<std::string> valid_names(CLI::App& app) {
  CLI::App* level = &app;
  for (bool deeper = true; deeper;) {
    deeper = false;
    for (CLI::App* sub : level->get_subcommands())
      if (sub->parsed()) level = sub, deeper = true;
  }
  std::vector<std::string> names;
  for (const CLI::App* sub : level->get_subcommands({})) names.push_back(sub->get_name());
  for (const CLI::Option* opt : level->get_options())
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
  return names;
}

std::string suggestion_for(CLI::App& app, const CLI::ParseError& e) {
  std::string msg = e.what();
  const std::string marker = "not expected: ";
  std::string word;
  if (auto p = msg.find(marker); p != std::string::npos) word = msg.substr(p + marker.size());
  if (auto p = word.find(' '); p != std::string::npos) word = word.substr(0, p);
  if (auto p = word.find('='); p != std::string::npos) word = word.substr(0, p);
  if (word.empty()) return "";
  const std::string near = xinzhi::cli::nearest(word, valid_names(app));
  return near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "xinzhi (新质): industrial data from the sensor to the decision.\n"
      "Acquire readings, clean them into a warehouse, learn from them, optimise schedules and\n"
      "serve the results. Run `xinzhi COMMAND --help` for a command's options."};
  app.name("xinzhi");
  app.set_version_flag("--version", std::string("xinzhi ") + XINZHI_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  bool quiet = false;
  std::string log_format = "text";
  app.add_flag("-q,--quiet", quiet, "Only warnings and errors; no progress output");
  app.add_option("--log-format", log_format, "Log lines as 'text' or 'json'")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.parse_complete_callback([&] {
    xinzhi::setup_logging(log_format == "json" ? xinzhi::LogFormat::json : xinzhi::LogFormat::text, quiet);
    xinzhi::Progress::set_quiet(quiet);
  });

  xinzhi::cli::add_sql_command(app);
  xinzhi::cli::add_text_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "xinzhi: error: " << e.what() << suggestion_for(app, e) << "\n"
              << "Run with --help for usage.\n";
    return 1;
  } catch (const xinzhi::Error& e) {
    std::cerr << "xinzhi: error: " << e.what() << "\n";
    return xinzhi::exit_code(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "xinzhi: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
