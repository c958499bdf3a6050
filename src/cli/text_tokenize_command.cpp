// `xinzhi text tokenize --vocab vocab.txt [TEXT...]`: the WordPiece tokens, ids, offsets and word
// ids of texts (arguments, or one per line from stdin), one JSON object a line.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/text_commands.hpp"
#include "core/error.hpp"
#include "core/utf8.hpp"
#include "text/tokenize/tokenizer.hpp"

namespace xinzhi::cli {

namespace {

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
    if (!valid_utf8(texts[i], &bad))
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

void add_text_tokenize_command(CLI::App& text) {
  auto to = std::make_shared<TokenizeOptions>();
  CLI::App* tokenize = text.add_subcommand("tokenize", "Print the WordPiece tokens, ids, offsets and word ids of texts (JSON Lines)");
  tokenize->add_option("--vocab", to->vocab, "vocab.txt")->required()->check(CLI::ExistingFile);
  tokenize->add_flag("--uncased", to->uncased, "Lowercase and strip accents (uncased models)");
  tokenize->add_option("texts", to->texts, "Texts to tokenize (default: one per line from stdin)");
  tokenize->callback([to] { run_tokenize(*to); });
}

}  // namespace xinzhi::cli
