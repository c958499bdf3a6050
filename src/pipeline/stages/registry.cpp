#include "pipeline/stages/stages.hpp"

namespace xinzhi::pipeline {

const std::vector<std::pair<std::string, StageFactory>>& stage_registry() {
  static const std::vector<std::pair<std::string, StageFactory>> kStages = {
      {"simulate", make_simulate_stage},
      {"ingest", make_ingest_stage},
      {"clean", make_clean_stage},
      {"learn", make_learn_stage},
      {"text", make_text_stage},
      {"schedule", make_schedule_stage},
  };
  return kStages;
}

}  // namespace xinzhi::pipeline
