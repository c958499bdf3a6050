// The `xinzhi` command: global options, subcommands, and the mapping of errors to exit codes
// (0 ok, 1 usage, 2 bad input, 3 internal).
#include <algorithm>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

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

// "" when every command word and --option is known; otherwise the message.
std::string unknown_word(CLI::App& app, int argc, char** argv) {
  std::vector<CLI::App*> levels{&app};
  auto names_of = [](const CLI::App* level) {
    std::vector<std::string> names;
    for (const CLI::App* sub : level->get_subcommands({})) names.push_back(sub->get_name());
    return names;
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.rfind("--", 0) == 0) {
      const bool inline_value = arg.find('=') != std::string::npos;
      arg = arg.substr(0, arg.find('='));
      std::vector<std::string> options;
      const CLI::Option* match = nullptr;
      for (const CLI::App* level : levels)
        for (const CLI::Option* opt : level->get_options())
          for (const auto& l : opt->get_lnames()) {
            options.push_back("--" + l);
            if ("--" + l == arg) match = opt;
          }
      if (match && !inline_value && match->get_expected_min() > 0) ++i;  // skip the option's value
      if (!match) {
        const std::string near = xinzhi::cli::nearest(arg, options);
        return fmt::format("unknown option '{}'{}{}", arg,
                           levels.size() > 1 ? " for '" + levels.back()->get_name() + "'" : std::string(),
                           near.empty() ? std::string() : " (did you mean '" + near + "'?)");
      }
      continue;
    }
    if (!arg.empty() && arg[0] == '-') continue;
    const auto names = names_of(levels.back());
    if (std::find(names.begin(), names.end(), arg) != names.end()) {
      levels.push_back(levels.back()->get_subcommand(arg));
      continue;
    }
    if (levels.size() == 1) {
      const std::string near = xinzhi::cli::nearest(arg, names);
      return fmt::format("unknown command '{}'{}; commands: {}", arg,
                         near.empty() ? std::string() : " (did you mean '" + near + "'?)", fmt::join(names, ", "));
    }
  }
  return "";
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

  xinzhi::cli::add_simulate_command(app);
  xinzhi::cli::add_ingest_command(app);
  xinzhi::cli::add_mqtt_command(app);
  xinzhi::cli::add_modbus_command(app);
  xinzhi::cli::add_clean_command(app);
  xinzhi::cli::add_learn_command(app);
  xinzhi::cli::add_text_command(app);
  xinzhi::cli::add_schedule_command(app);
  xinzhi::cli::add_sql_command(app);
  xinzhi::cli::add_run_command(app);
  xinzhi::cli::add_serve_command(app);
  xinzhi::cli::add_token_command(app);

  // CLI11 reports an unknown command only as "a subcommand is required", and checks required
  // options before unknown ones: name the unknown word first, with the nearest valid one.
  if (const std::string problem = unknown_word(app, argc, argv); !problem.empty()) {
    std::cerr << "xinzhi: error: " << problem << "\nRun with --help for usage.\n";
    return 1;
  }

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
