// `xinzhi text ...`: BERT-style text models: build a WordPiece vocabulary, tokenize, and (with
// libtorch) train, evaluate and predict with classification, regression and NER models.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "text/tokenizer.hpp"
#include "text/vocab_builder.hpp"

namespace xinzhi::cli {

namespace {

struct VocabOptions {
  std::vector<std::string> corpus;
  std::string out = "vocab.txt";
  size_t size = 30000;
  bool uncased = false;
  bool conll = false;
  size_t min_frequency = 2;
};

void run_vocab(const VocabOptions& o) {
  text::VocabBuildOptions opt;
  opt.size = o.size;
  opt.lowercase = o.uncased;
  opt.min_frequency = o.min_frequency;
  std::vector<std::string> files = o.corpus;
  std::vector<std::string> temp;
  if (o.conll) {
    // CoNLL files: the first column of each non-blank line is a word; sentences are lines.
    for (auto& f : o.corpus) {
      std::string content = read_file(f), out, sentence;
      size_t pos = 0;
      while (pos <= content.size()) {
        size_t nl = content.find('\n', pos);
        if (nl == std::string::npos) nl = content.size();
        std::string line = content.substr(pos, nl - pos);
        pos = nl + 1;
        auto sp = line.find_first_of(" \t");
        std::string word = line.substr(0, sp);
        if (!word.empty() && word.back() == '\r') word.pop_back();
        if (word.empty() || word == "-DOCSTART-") {
          if (!sentence.empty()) out += sentence + "\n", sentence.clear();
          continue;
        }
        sentence += (sentence.empty() ? "" : " ") + word;
      }
      if (!sentence.empty()) out += sentence + "\n";
      temp.push_back(o.out + ".corpus." + std::to_string(temp.size()) + ".tmp");
      write_file_atomic(temp.back(), out);
    }
    files = temp;
  }
  std::vector<std::string> vocab;
  try {
    vocab = text::build_wordpiece_vocab(files, opt);
  } catch (...) {
    for (auto& t : temp) std::remove(t.c_str());
    throw;
  }
  for (auto& t : temp) std::remove(t.c_str());
  text::Vocab::from_tokens(vocab).save(o.out);
  std::cout << fmt::format("wrote {} ({} entries)\n", o.out, vocab.size());
}

struct TokenizeOptions {
  std::string vocab;
  bool uncased = false;
  std::vector<std::string> texts;
};

void run_tokenize(const TokenizeOptions& o) {
  text::BertTokenizer tok(text::Vocab::load(o.vocab), {o.uncased, o.uncased, true, 100});
  std::vector<std::string> texts = o.texts;
  if (texts.empty())
    for (std::string line; std::getline(std::cin, line);) texts.push_back(line);
  for (size_t i = 0; i < texts.size(); ++i) {
    size_t bad = 0;
    if (!text::valid_utf8(texts[i], &bad))
      throw InputError(o.texts.empty() ? place("stdin", static_cast<long>(i + 1), static_cast<long>(bad + 1))
                                       : fmt::format("text {}", i + 1),
                       "the text is not valid UTF-8");
    auto enc = tok.encode(texts[i], true);
    nlohmann::json j;
    j["tokens"] = tok.tokens(enc.ids);
    j["ids"] = enc.ids;
    j["offsets"] = enc.offsets;
    j["word_ids"] = enc.word_ids;
    std::cout << j.dump() << "\n";
  }
}

}  // namespace

void add_text_command(CLI::App& app) {
  CLI::App* text = app.add_subcommand("text", "BERT-style text models: vocabulary, tokenizer, train, evaluate, predict");
  text->require_subcommand(1);

  auto vo = std::make_shared<VocabOptions>();
  CLI::App* vocab = text->add_subcommand("vocab", "Build a WordPiece vocabulary (vocab.txt) from a text corpus");
  vocab->add_option("corpus", vo->corpus, "Text files, one sentence or document a line")->required()->check(CLI::ExistingFile);
  vocab->add_option("--size", vo->size, "Number of entries, special tokens included")->capture_default_str();
  vocab->add_option("-o,--out", vo->out, "Where to write the vocabulary")->capture_default_str();
  vocab->add_flag("--uncased", vo->uncased, "Lowercase and strip accents first (for uncased models)");
  vocab->add_flag("--conll", vo->conll, "The files are CoNLL (word in the first column, blank line between sentences)");
  vocab->add_option("--min-frequency", vo->min_frequency, "Pieces seen fewer times are not added")->capture_default_str();
  vocab->callback([vo] { run_vocab(*vo); });

  auto to = std::make_shared<TokenizeOptions>();
  CLI::App* tokenize = text->add_subcommand("tokenize", "Print the WordPiece tokens, ids, offsets and word ids of texts (JSON Lines)");
  tokenize->add_option("--vocab", to->vocab, "vocab.txt")->required()->check(CLI::ExistingFile);
  tokenize->add_flag("--uncased", to->uncased, "Lowercase and strip accents (uncased models)");
  tokenize->add_option("texts", to->texts, "Texts to tokenize (default: one per line from stdin)");
  tokenize->callback([to] { run_tokenize(*to); });

}

}  // namespace xinzhi::cli
