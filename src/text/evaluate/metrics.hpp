// Evaluation reports: per-class precision/recall/F1 in scikit-learn's classification_report
// layout (three digits, micro/macro/weighted averages), entity-level scores (conlleval/seqeval
// default mode and strict IOB2), accuracy/macro-F1, and MAE/RMSE/R² for regression.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace xinzhi::text {

struct ClassScore {
  std::string name;
  double precision = 0, recall = 0, f1 = 0;
  long support = 0;
};

struct ClassReport {
  std::vector<ClassScore> classes;       // in report order
  ClassScore micro, macro, weighted;     // names "micro avg", "macro avg", "weighted avg"
  double accuracy = 0;
  std::string text() const;              // the printed table
  nlohmann::ordered_json json() const;
};

// Token (or text) level: each position has one gold and one predicted label. Rows are ordered
// as in the reports: by entity type, B- before I-, then O (other labels alphabetically).
ClassReport label_report(const std::vector<std::string>& gold, const std::vector<std::string>& pred);

// Entity level over sentences of IOB2 tags. strict=false: conlleval/seqeval default (an I-
// after O or another type starts an entity); strict=true: seqeval strict IOB2 (only B-
// starts an entity).
ClassReport entity_report(const std::vector<std::vector<std::string>>& gold,
                          const std::vector<std::vector<std::string>>& pred, bool strict);

struct Entity {
  std::string type;
  size_t begin, end;  // word indices, end exclusive
  bool operator==(const Entity&) const = default;
};
std::vector<Entity> extract_entities(const std::vector<std::string>& tags, bool strict);

struct RegressionReport {
  double mae = 0, rmse = 0, r2 = 0;
  long n = 0;
  std::string text() const;
  nlohmann::ordered_json json() const;
};
RegressionReport regression_report(const std::vector<double>& gold, const std::vector<double>& pred);

// Multi-label: micro/macro F1 over (text, label) decisions, as a ClassReport per label.
ClassReport multilabel_report(const std::vector<std::vector<int>>& gold, const std::vector<std::vector<int>>& pred,
                              const std::vector<std::string>& labels);

}  // namespace xinzhi::text
