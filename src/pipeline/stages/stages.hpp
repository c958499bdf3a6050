// The factories of the stages this build knows (one file per stage in this folder).
#pragma once

#include <memory>

#include "pipeline/stage.hpp"

namespace xinzhi::pipeline {

std::unique_ptr<Stage> make_simulate_stage(const ConfigNode& settings);
std::unique_ptr<Stage> make_ingest_stage(const ConfigNode& settings);
std::unique_ptr<Stage> make_clean_stage(const ConfigNode& settings);
std::unique_ptr<Stage> make_learn_stage(const ConfigNode& settings);
std::unique_ptr<Stage> make_text_stage(const ConfigNode& settings);
std::unique_ptr<Stage> make_schedule_stage(const ConfigNode& settings);

}  // namespace xinzhi::pipeline
