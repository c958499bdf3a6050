// The `xinzhi` subcommands: each file cmd_<name>.cpp adds one command (its options, help
// text and the function it runs) to the application.
#pragma once

#include <CLI/CLI.hpp>

namespace xinzhi::cli {

void add_sql_command(CLI::App& app);
void add_simulate_command(CLI::App& app);
void add_ingest_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_clean_command(CLI::App& app);
void add_mqtt_command(CLI::App& app);
void add_modbus_command(CLI::App& app);
void add_schedule_command(CLI::App& app);
void add_text_command(CLI::App& app);
void add_learn_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_token_command(CLI::App& app);

}  // namespace xinzhi::cli
