// The words of a maintenance log as the entity tagger sees them: for English, runs of ASCII
// letters and digits (a '.' between two digits stays inside the number: "7.2") and single
// punctuation marks; for Chinese, every character. Offsets are code points, as the entity
// spans of the logs are. The twin writes its BIO files with these words and the log models
// (text/logs/) tag their training data with them, so the two always agree.
#pragma once

#include <string>
#include <vector>

namespace xinzhi::text {

struct LogWord {
  std::string text;
  int start, end;  // code points, [start, end)
};

// lang "zh": one word per character; any other language: the English rule. Spaces, tabs,
// line feeds and U+3000 (the ideographic space) separate words and are no word themselves.
std::vector<LogWord> log_words(const std::string& text, const std::string& lang);

}  // namespace xinzhi::text
