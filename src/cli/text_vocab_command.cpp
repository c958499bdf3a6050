// `xinzhi text vocab CORPUS... -o vocab.txt`: a WordPiece vocabulary built from text files (one
// sentence or document a line) or CoNLL files (--conll: the words of the first column).
#include <iostream>

#include <fmt/format.h>

#include "cli/text_commands.hpp"
#include "core/csv.hpp"
#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/utf8.hpp"
#include "text/tokenize/vocab.hpp"
#include "text/tokenize/vocab_builder.hpp"

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

// A CoNLL file as a corpus: the first column of each non-blank line is a word; a sentence is
// a line. Invalid UTF-8 is an InputError at file:line:column.
std::string conll_sentences(const std::string& file) {
  std::string out, sentence;
  for_each_line(read_file(file), [&](long n, std::string_view line) {
    size_t bad = 0;
    if (!valid_utf8(line, &bad)) throw InputError(place(file, n, static_cast<long>(bad + 1)), "the text is not valid UTF-8");
    const std::string_view word = line.substr(0, line.find_first_of(" \t"));
    if (word.empty() || word == "-DOCSTART-") {
      if (!sentence.empty()) out += sentence + "\n", sentence.clear();
      return;
    }
    if (!sentence.empty()) sentence += ' ';
    sentence += word;
  });
  if (!sentence.empty()) out += sentence + "\n";
  return out;
}

void run_vocab(const VocabOptions& o) {
  text::VocabBuildOptions opt;
  opt.size = o.size;
  opt.lowercase = o.uncased;
  opt.min_frequency = o.min_frequency;
  std::vector<std::string> vocab;
  if (o.conll) {
    std::string corpus;
    for (const auto& f : o.corpus) corpus += conll_sentences(f);
    vocab = text::build_wordpiece_vocab(corpus, o.corpus.front(), opt);
  } else {
    vocab = text::build_wordpiece_vocab(o.corpus, opt);
  }
  text::Vocab::from_tokens(vocab).save(o.out);
  std::cout << fmt::format("wrote {} ({} entries)\n", o.out, vocab.size());
}

}  // namespace

void add_text_vocab_command(CLI::App& text) {
  auto vo = std::make_shared<VocabOptions>();
  CLI::App* vocab = text.add_subcommand("vocab", "Build a WordPiece vocabulary (vocab.txt) from a text corpus");
  vocab->add_option("corpus", vo->corpus, "Text files, one sentence or document a line")->required()->check(CLI::ExistingFile);
  vocab->add_option("--size", vo->size, "Number of entries, special tokens included")->capture_default_str();
  vocab->add_option("-o,--out", vo->out, "Where to write the vocabulary")->capture_default_str();
  vocab->add_flag("--uncased", vo->uncased, "Lowercase and strip accents first (for uncased models)");
  vocab->add_flag("--conll", vo->conll, "The files are CoNLL (word in the first column, blank line between sentences)");
  vocab->add_option("--min-frequency", vo->min_frequency, "Pieces seen fewer times are not added")->capture_default_str();
  vocab->callback([vo] { run_vocab(*vo); });
}

}  // namespace xinzhi::cli
