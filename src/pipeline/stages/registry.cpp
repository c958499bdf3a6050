#include "pipeline/stages/stages.hpp"

namespace xinzhi::pipeline {

const std::vector<std::pair<std::string, StageFactory>>& stage_registry() {
  static const std::vector<std::pair<std::string, StageFactory>> kStages = {
      {"ingest", make_ingest_stage},
  };
  return kStages;
}

}  // namespace xinzhi::pipeline
