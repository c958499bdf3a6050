// The shape of a word (lowercase, Capitalised, ALL CAPS, digits, punctuation, ...) as a small
// id fed to BERT's token type embeddings. A model trained from scratch sees a rare name split
// into pieces it has never learnt; its shape still says "a capitalised word in mid-sentence",
// the strongest cue for names. Kept in the token type slot so the checkpoint stays a plain
// Hugging Face BERT (type_vocab_size = kWordShapes).
#pragma once

#include <cstdint>
#include <string_view>

namespace xinzhi::text {

enum WordShape : int32_t {
  kShapeNone = 0,     // [CLS], [SEP], padding
  kShapeLower,        // "engine"
  kShapeCapitalised,  // "Berlin"
  kShapeAllCaps,      // "NATO" (two or more letters)
  kShapeInitial,      // "A", "J." (one capital letter)
  kShapeMixed,        // "iPhone", "McDonald"
  kShapeNumeric,      // contains a digit: "1996", "3-1", "A4"
  kShapePunct,        // no letter or digit: ",", "(", "--"
  kShapeUncased,      // letters without case: CJK, Arabic, ...
  kWordShapes         // how many there are
};

// UTF-8 word -> its shape (ASCII and Latin letters by case; other letters are uncased).
WordShape word_shape(std::string_view word);

}  // namespace xinzhi::text
