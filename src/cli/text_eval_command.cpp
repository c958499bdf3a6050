// `xinzhi text eval MODEL DATA [-o metrics.json]`: a model folder evaluated on labelled data in
// its training format; the reports printed, and as JSON with -o.
#include <iostream>

#include "cli/text_commands.hpp"
#include "core/fs.hpp"
#include "text/data/data_files.hpp"
#include "text/evaluate/evaluation.hpp"
#include "text/model/model.hpp"
#include "text/model/model_folder.hpp"

namespace xinzhi::cli {

namespace {

struct EvalOptions {
  std::string model, data, out;
  size_t batch = 64, stride = 32;
};

void run_eval(const EvalOptions& o) {
  text::Model model = text::Model::load(o.model);
  auto tok = text::load_tokenizer(o.model, model.config());
  const text::TextData data = text::read_text_data(o.data, model.config().task);
  auto r = text::evaluate(model, tok, data, 128, o.stride, o.batch);
  std::cout << r.text;
  if (!o.out.empty()) write_file_atomic(o.out, r.metrics.dump(2) + "\n");
}

}  // namespace

void add_text_eval_command(CLI::App& text) {
  auto eo = std::make_shared<EvalOptions>();
  CLI::App* eval = text.add_subcommand("eval", "Evaluate a model folder on labelled data: reports printed and written to metrics.json");
  eval->add_option("model", eo->model, "Model folder (config.json, vocab.txt, model.safetensors)")->required()->check(CLI::ExistingDirectory);
  eval->add_option("data", eo->data, "Labelled data in the training format")->required()->check(CLI::ExistingFile);
  eval->add_option("-o,--out", eo->out, "Where to write metrics.json (default: none)");
  eval->add_option("--batch-size", eo->batch, "Examples per batch")->capture_default_str();
  eval->add_option("--stride", eo->stride, "Overlap in tokens of the sliding windows over long texts")->capture_default_str();
  eval->callback([eo] { run_eval(*eo); });
}

}  // namespace xinzhi::cli
