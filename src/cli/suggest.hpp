// "Did you mean ...?" for unknown commands and options: the nearest valid name by edit distance.
#pragma once

#include <string>
#include <vector>

namespace xinzhi::cli {

std::size_t edit_distance(const std::string& a, const std::string& b);
// The candidate nearest to word, or "" when none is close enough to be a plausible typo.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace xinzhi::cli
