#include "pipeline/pipeline_spec.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace xinzhi::pipeline {

std::filesystem::path RunContext::resolve(const std::string& path) const {
  const std::filesystem::path p(path);
  return p.is_absolute() ? p : pipeline_dir / p;
}

PipelineSpec load_pipeline(const std::string& path) {
  const ConfigNode root = ConfigNode::load_file(path);
  if (!root.is_map()) root.fail("a pipeline file is a map with 'name' and 'stages'");
  PipelineSpec spec;
  spec.file = path;
  spec.dir = std::filesystem::absolute(path).parent_path();
  spec.name = root.require<std::string>("name");
  for (char c : spec.name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      root.fail_at("name", "use letters, digits, '-' and '_' only (it names the run folder)");
  spec.seed = static_cast<std::uint64_t>(root.get<std::int64_t>("seed", 42));
  spec.runs_dir_from_file = root.has("runs_dir");
  spec.runs_dir = root.get<std::string>("runs_dir", spec.runs_dir);
  spec.warehouse = root.get<std::string>("warehouse", spec.warehouse);
  const auto stages = root.sequence("stages");
  if (stages.empty()) root.fail_at("stages", "lists no stage");
  root.finish();

  std::vector<std::string> known;
  for (const auto& [name, _] : stage_registry()) known.push_back(name);
  for (const auto& entry : stages) {
    const auto keys = entry.keys();
    if (!entry.is_map() || keys.size() != 1)
      entry.fail(fmt::format("each stage is a map with one key, the stage's name ({})", fmt::join(known, ", ")));
    const std::string& type = keys.front();
    const StageFactory* factory = nullptr;
    for (const auto& [name, f] : stage_registry())
      if (name == type) factory = &f;
    if (!factory)
      entry.fail_at(type, fmt::format("unknown stage '{}'; this build has: {}", type, fmt::join(known, ", ")));
    auto settings = entry.optional_child(type);
    spec.stages.push_back(
        (*factory)(settings ? *settings : ConfigNode(YAML::Node(YAML::NodeType::Map), entry.file(), entry.key_path() + "." + type)));
    entry.finish();
  }
  return spec;
}

}  // namespace xinzhi::pipeline
